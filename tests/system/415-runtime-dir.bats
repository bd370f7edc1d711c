#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# One runtime dir per store (issue 13, item 2): a shell without XDG_RUNTIME_DIR (cron, `su`,
# ssh without logind), or with another one, sees the containers another shell started, and
# stop, start and rm -f act on them: never "Exited (-1)" beside a live process, never a second
# copy.

# The tests change XDG_RUNTIME_DIR on purpose, each in its own subshell.
# shellcheck disable=SC2030,SC2031

load container_helpers

# hutch without XDG_RUNTIME_DIR, or with the one given by RT=DIR.
other() {
	if [[ -n ${RT:-} ]]; then
		run_hutch "$@" </dev/null
	else
		local saved=$XDG_RUNTIME_DIR
		unset XDG_RUNTIME_DIR
		run_hutch "$@"
		export XDG_RUNTIME_DIR=$saved
	fi
}

# How many processes run exactly this command line.
copies() {
	pgrep -u "$(id -u)" -x -f -- "$1" | wc -l
}

# The same five commands from two shells: ps, stop, start, rm -f must tell one truth.
one_truth() {
	local marker=$1
	run_hutch run -d --name one "$IMAGE" sleep "$marker"
	wait_for bash -c "[[ \$(pgrep -u $(id -u) -x -f -- 'sleep $marker' | wc -l) == 1 ]]"
	other ps -a --format '{{.Names}} {{.State}}'
	assert_output "one running"
	other stop -t 0 one
	wait_for bash -c "! pgrep -u $(id -u) -x -f -- 'sleep $marker' >/dev/null"
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "one exited"
	other start one
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "one running"
	run_hutch start one
	sleep 0.3
	assert_equal "$(copies "sleep $marker")" 1
	other ps -a --format '{{.Names}} {{.State}}'
	assert_output "one running"
	other rm -f one
	assert_no_process "sleep $marker"
	run_hutch ps -a --format '{{.Names}}'
	assert_output ""
}

@test "without XDG_RUNTIME_DIR, /run/user/UID is used when it is ours: one truth" {
	local user
	user=/run/user/$(id -u)
	[[ -d $user && -O $user && -w $user ]] || skip "machine: no $user of ours"
	export XDG_RUNTIME_DIR=$user
	one_truth 4151
	# /run/user/UID is this shell's own choice too: no warning about it.
	other ps
	assert_equal "$stderr" ""
}

@test "the store pins its runtime dir: a shell with another choice uses it, with a warning" {
	# This test's XDG_RUNTIME_DIR is one no other shell would choose.
	one_truth 4152
	other ps -a
	run_hutch run -d --name two "$IMAGE" sleep 4153
	other ps --format '{{.Names}} {{.State}}'
	assert_output "two running"
	[[ $stderr == *"using runtime directory $XDG_RUNTIME_DIR/hutch, where this store's containers run"* ]]
	# A third choice of XDG_RUNTIME_DIR, usable but not the store's: the same.
	mkdir -m 0700 "$BATS_TEST_TMPDIR/run2"
	RT=1 XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run2 other ps --format '{{.Names}} {{.State}}'
	assert_output "two running"
	RT=1 XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run2 other rm -f two
	assert_no_process "sleep 4153"
	[[ -z $(ls "$BATS_TEST_TMPDIR/run2") ]]
}

@test "a pin whose directory is gone is replaced at the next start" {
	run_hutch run -d --name p "$IMAGE" sleep 4154
	run_hutch rm -f p
	grep -qx "$XDG_RUNTIME_DIR/hutch" "$XDG_DATA_HOME/hutch/runtime-dir"
	rm -rf "$XDG_RUNTIME_DIR"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/run3"
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run3
	run_hutch run -d --name q "$IMAGE" sleep 4155
	assert_equal "$stderr" ""
	grep -qx "$XDG_RUNTIME_DIR/hutch" "$XDG_DATA_HOME/hutch/runtime-dir"
	[[ -d $XDG_RUNTIME_DIR/hutch/containers ]]
	run_hutch rm -f q
}

@test "stress, small N: three shells with three runtime dirs start at once on an unpinned store" {
	IMAGE=$IMAGE run "$HUTCH_TOP/tests/stress/runtime-dir.sh" 3
	echo "$output"
	assert_success
	assert_line "runtime-dir: 3 rounds, 0 failed"
}
