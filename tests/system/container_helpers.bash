# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the container tests: the fixture image pulled into this test's own store.

load helpers

IMAGE=${HUTCH_REGISTRY:-127.0.0.1:5000}/base:latest

setup() {
	hutch_isolate
	# Helpers of earlier tests that are still on their way out are not this test's.
	NET_HELPERS_BEFORE=" $(net_helpers_all | tr '\n' ' ') "
	run_hutch pull -q --tls-verify=false "$IMAGE"
}

teardown() {
	# Leave nothing running behind a test, whatever happened in it.
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

# wait_for CMD...: retry a condition for up to 10 s.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	return 1
}

# The network helpers (slirp4netns, pasta) of this user that still run and were not there
# when the test began: the suite runs one test at a time as its own user, so they are this
# test's. (slirp4netns sandboxes itself
# into an empty root and pasta runs as passt.avx2: neither shows our run dir.)
net_helpers_all() {
	pgrep -u "$(id -u)" -x slirp4netns || true
	pgrep -u "$(id -u)" '^(pasta|passt)' || true
}

net_helpers_alive() {
	local p
	for p in $(net_helpers_all); do
		[[ ${NET_HELPERS_BEFORE:-} == *" $p "* ]] || echo "$p"
	done
}

# Assert that no network helper runs, allowing the few tens of milliseconds a monitor takes
# to reap one after its client has the exit status (earlier tests' ones included).
assert_no_net_helpers() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -z $(net_helpers_alive) ]] && return 0
		sleep 0.1
	done
	local p info=""
	for p in $(net_helpers_alive); do
		info+=" $(ps -o pid=,ppid=,etimes= -p "$p") [parent: $(ps -o args= -p "$(ps -o ppid= -p "$p")")] [cwd: $(readlink "/proc/$p/cwd")]"
	done
	fail "network helpers still running:$info"
}

# Assert that no process of ours has PATTERN in its command line (a monitor names its run
# dir), allowing a monitor the moment it takes to exit after its container.
assert_no_process() {
	local i
	for ((i = 0; i < 50; i++)); do
		pgrep -u "$(id -u)" -f -- "$1" >/dev/null || return 0
		sleep 0.1
	done
	fail "still running: $(pgrep -a -u "$(id -u)" -f -- "$1")"
}

# build_swapper: tests/system/tools/swapper.c, static, in $BATS_TEST_TMPDIR/tools (to bind
# into a container at /tools): it exchanges two names in a loop as fast as it can.
build_swapper() {
	mkdir -p "$BATS_TEST_TMPDIR/tools"
	cc -O2 -static -o "$BATS_TEST_TMPDIR/tools/swapper" "$HUTCH_TOP/tests/system/tools/swapper.c" ||
		fail "cannot build the swapper (cc -static: libc6-dev)"
}
