#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A real OCI client drives hutch-runtime (issue #3): Debian's podman, rootless, with
# hutch-runtime as its runtime. Podman runs the runtime inside its own user namespace
# (no user namespace in the config) through conmon. On this kind of host podman uses
# cgroupfs without delegation, so no limits; crun refuses hybrid cgroups, so the runtime
# is always given.

load helpers

# podman with private storage for this file and hutch-runtime as its runtime.
pm() {
	podman --root "$PM_DIR/storage" --runroot "$PM_DIR/runroot" --tmpdir "$PM_DIR/tmp" \
		--cgroup-manager=cgroupfs --events-backend=file \
		--runtime "$HUTCH_TOP/hutch-runtime" "$@"
}

# run_pm [EXPECTED_STATUS] ARGS...: podman ARGS with the status asserted.
run_pm() {
	local expected=0
	if [[ $1 =~ ^[0-9]+$ ]]; then
		expected=$1
		shift
	fi
	local flags=(--separate-stderr)
	[[ $expected == 127 ]] && flags=(-127 --separate-stderr)
	run "${flags[@]}" pm "$@" 3>&-
	echo "\$ podman $*"
	[[ -z $output ]] || echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
	echo "[status $status]"
	[[ $status -eq $expected ]] || fail "podman $*: exit status $status, expected $expected"
}

setup_file() {
	command -v podman >/dev/null || skip "machine: podman is not installed"
	[[ -n ${HUTCH_REGISTRY:-} ]] || fail "HUTCH_REGISTRY is not set (setup_suite)"
	PM_DIR=$BATS_FILE_TMPDIR/podman
	export PM_DIR
	export XDG_RUNTIME_DIR=$PM_DIR/run XDG_CONFIG_HOME=$PM_DIR/config
	mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME" "$PM_DIR/tmp"
	chmod 0700 "$XDG_RUNTIME_DIR"
	IMAGE=$HUTCH_REGISTRY/base:latest
	export IMAGE
	pm pull -q --tls-verify=false "$IMAGE" >/dev/null 3>&-
}

teardown_file() {
	[[ -n ${PM_DIR:-} ]] || return 0
	pm rm -af -t 0 >/dev/null 2>&1 3>&- || true
	# Layers belong to subordinate ids: remove them from inside podman's namespace.
	pm unshare rm -rf "$PM_DIR/storage" >/dev/null 2>&1 3>&- || true
	local pause
	pause=$(cat "$PM_DIR/tmp/pause.pid" "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null)
	# shellcheck disable=SC2086 # one pid per line, possibly two files
	[[ -z $pause ]] || kill $pause 2>/dev/null || true
}

setup() {
	: # podman keeps one XDG_RUNTIME_DIR for the file (its pause process lives there)
}

@test "podman: run --rm IMAGE echo ok" {
	run_pm run --rm "$IMAGE" echo ok
	assert_output ok
	run_pm run --rm "$IMAGE" sh -c 'echo $$; hostname | grep -c .; cat /proc/self/uid_map'
	assert_equal "${lines[0]}" 1
}

@test "podman: exit status; not found gives 127, not executable 126" {
	run_pm 7 run --rm "$IMAGE" sh -c 'exit 7'
	run_pm 127 run --rm "$IMAGE" nosuchcmd
	[[ $stderr == *'executable file not found in $PATH'* ]] || fail "no clear error: $stderr"
	run_pm 126 run --rm "$IMAGE" /etc/passwd
	# Nothing left in podman or in the runtime's state.
	run_pm ps -aq
	assert_output ""
}

@test "podman: run -d, exec, stop, rm" {
	run_pm run -d --name c1 "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	run_pm exec c1 sh -c 'echo in-exec $(cat /proc/1/cmdline | tr "\0" " ")'
	assert_output --partial "in-exec sh -c trap"
	run_pm 3 exec c1 sh -c 'exit 3'
	run_pm exec -e FOO=bar -w /tmp c1 sh -c 'echo $FOO $(pwd)'
	assert_output "bar /tmp"
	run_pm inspect --format '{{.State.Status}}' c1
	assert_output running
	run_pm stop -t 5 c1
	run_pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1
	assert_output "exited 0"
	run_pm rm c1
	run_pm ps -aq
	assert_output ""
}

@test "podman: run -t through a pty" {
	command -v script >/dev/null || skip "machine: script (util-linux) is missing"
	local cmd
	printf -v cmd '%q ' podman --root "$PM_DIR/storage" --runroot "$PM_DIR/runroot" \
		--tmpdir "$PM_DIR/tmp" --cgroup-manager=cgroupfs --events-backend=file \
		--runtime "$HUTCH_TOP/hutch-runtime" run --rm -t "$IMAGE" \
		sh -c 'tty; test -t 0 && echo stdin-tty'
	run script -qec "$cmd" /dev/null </dev/null 3>&-
	assert_success
	assert_line --partial /dev/pts/0
	assert_line --partial stdin-tty

	# exec -t: conmon passes a console socket to hutch-runtime exec.
	run_pm run -d --name t1 "$IMAGE" sleep 100
	printf -v cmd '%q ' podman --root "$PM_DIR/storage" --runroot "$PM_DIR/runroot" \
		--tmpdir "$PM_DIR/tmp" --cgroup-manager=cgroupfs --events-backend=file \
		--runtime "$HUTCH_TOP/hutch-runtime" exec -t t1 sh -c 'test -t 1 && echo exec-tty'
	run script -qec "$cmd" /dev/null </dev/null 3>&-
	assert_success
	assert_line --partial exec-tty
	run_pm rm -f -t 0 t1
}
