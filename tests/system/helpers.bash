# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared helpers of the system tests. Every test gets its own XDG directories under the
# bats temp dir, and runs hutch through run_hutch, which always asserts the exit status.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# The checkout: the nearest directory above the tests with the GNUmakefile.
HUTCH_TOP=$BATS_TEST_DIRNAME
while [[ $HUTCH_TOP != / && ! -f $HUTCH_TOP/GNUmakefile ]]; do
	HUTCH_TOP=$(dirname "$HUTCH_TOP")
done
HUTCH=${HUTCH:-$HUTCH_TOP/hutch}
export HUTCH HUTCH_TOP

# Per-test XDG dirs: tests never see each other's store or runtime state.
hutch_isolate() {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/data
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
	mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
}

setup() {
	hutch_isolate
}

# run_hutch [EXPECTED_STATUS|?] ARGS...: run hutch, show what happened, assert the status
# (0 unless given; '?' accepts any). $output has stdout, $stderr the diagnostics, and
# $lines the lines of stdout.
run_hutch() {
	local expected=0
	if [[ $1 =~ ^[0-9]+$ || $1 == '?' ]]; then
		expected=$1
		shift
	fi
	# bats warns about status 127 unless told it is expected.
	local flags=(--separate-stderr)
	[[ $expected == 127 ]] && flags=(-127 --separate-stderr)
	# HUTCH_PATH: a $PATH for hutch alone (bats itself needs the normal one).
	if [[ -n ${HUTCH_PATH:-} ]]; then
		run "${flags[@]}" env PATH="$HUTCH_PATH" "$HUTCH" "$@"
	else
		run "${flags[@]}" "$HUTCH" "$@"
	fi
	echo "\$ hutch $*"
	[[ -z $output ]] || echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
	echo "[status $status]"
	if [[ $expected != '?' && $status -ne $expected ]]; then
		fail "hutch $*: exit status $status, expected $expected"
	fi
}

# The first subordinate uid (or gid with -g) of the current user, from /etc/subuid.
subid_start() {
	local file=/etc/subuid
	[[ ${1:-} == -g ]] && file=/etc/subgid
	awk -F: -v u="$(id -un)" -v n="$(id -u)" '$1 == u || $1 == n {print $2; exit}' "$file"
}

# Skip with a reason that names a machine limit, which CI accepts.
skip_machine() {
	skip "machine: $*"
}

# The systemd user manager tests/check.sh starts as root for the test user (see there).
# sysd_require skips where there is none; sysctl runs `systemctl --user` against it (the
# tests' own XDG_RUNTIME_DIR is per test, the manager's is the user's).
sysd_require() {
	[[ -n ${HUTCH_SYSD_RUNTIME:-} && -S $HUTCH_SYSD_RUNTIME/systemd/private ]] ||
		skip_machine "no systemd user manager (tests/check.sh starts one as root)"
}
sysctl() {
	XDG_RUNTIME_DIR=$HUTCH_SYSD_RUNTIME systemctl --user "$@"
}

# A free TCP port on 127.0.0.1 (the kernel's choice).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# fetch URL: curl on the host, retrying while the server inside starts.
fetch() {
	local i
	for ((i = 0; i < 50; i++)); do
		if curl -sf --noproxy '*' -m 2 "$1"; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# push_image NAME [mkimage.py options...]: build an image described by the test itself
# (tests/fixtures/mkimage.py: --base, --config JSON, --layer JSON, ...) and push it to the
# suite's registry as NAME:latest.
push_image() {
	local name=$1
	shift
	"$HUTCH_TOP/tests/fixtures/mkimage.py" "$BATS_TEST_TMPDIR/image-$name" "$@" \
		--push "$HUTCH_REGISTRY/$name:latest"
}
