# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of the hutch-runtime system tests (3NN-runtime-*.bats): a busybox rootfs made once
# per file from the fixture image, bundles whose config.json comes from
# `hutch-runtime spec --rootless` and is edited with jq, and run_rt, which drives
# hutch-runtime the way runc is driven and always asserts the exit status.

load helpers

RUNTIME=${HUTCH_RUNTIME:-$HUTCH_TOP/hutch-runtime}
export RUNTIME

# The base image's one layer, unpacked as the test user (files owned by us, so root in a
# single-id user namespace owns them), shared read-only by the bundles of a file.
rt_setup_rootfs() {
	local fx=$HUTCH_FIXTURES/base manifest layer
	manifest=$(jq -er '.manifests[0].digest' "$fx/index.json")
	layer=$(jq -er '.layers[0].digest' "$fx/blobs/sha256/${manifest#sha256:}")
	RT_ROOTFS=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$RT_ROOTFS"
	# Device nodes and ownership cannot be restored unprivileged; the image has neither.
	tar -xzf "$fx/blobs/sha256/${layer#sha256:}" -C "$RT_ROOTFS" --no-same-owner \
		--no-same-permissions 2>/dev/null || true
	[[ -x $RT_ROOTFS/bin/busybox ]] || fail "unpacking the base layer failed"
	export RT_ROOTFS
}

setup_file() {
	rt_setup_rootfs
}

setup() {
	hutch_isolate
	RT_ROOT=$BATS_TEST_TMPDIR/rt
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	rt_bundle "$BUNDLE"
}

teardown() {
	# Never leave a container running behind a failed test.
	local id
	for id in $("$RUNTIME" --root "$RT_ROOT" list -q 2>/dev/null); do
		"$RUNTIME" --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
}

# What rt_bundle asks `hutch-runtime spec` for, and a jq filter it applies after: the root
# suite (tests/system/root) sets them for configs without --rootless.
RT_SPEC_FLAGS=(--rootless)
RT_SPEC_EXTRA='.'

# rt_bundle DIR [ARGS...]: a rootless config.json in DIR running ARGS (default: true),
# without a terminal, on the shared rootfs.
rt_bundle() {
	local dir=$1
	shift
	local args='["true"]'
	local a
	(($# == 0)) || args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)
	rm -f "$dir/config.json"
	(cd "$dir" && "$RUNTIME" spec "${RT_SPEC_FLAGS[@]}") || fail "hutch-runtime spec failed"
	rt_config "$dir" --arg rootfs "$RT_ROOTFS" --argjson args "$args" \
		".root.path = \$rootfs | .process.args = \$args | .process.terminal = false | $RT_SPEC_EXTRA"
}

# rt_config DIR [JQ OPTIONS...] FILTER: edit DIR/config.json in place.
rt_config() {
	local dir=$1
	shift
	jq "$@" "$dir/config.json" >"$dir/config.json.new" || fail "jq $*"
	mv "$dir/config.json.new" "$dir/config.json"
}

# run_rt [EXPECTED_STATUS|?] ARGS...: hutch-runtime --root $RT_ROOT ARGS, status asserted.
# Output goes through files, not bats' pipe: a container made by create or run --detach
# inherits the runtime's stdio and would keep a pipe (and bats) waiting for ever. $output,
# $stderr and $lines are set as `run` sets them; $RT_OUT names the stdout file, where the
# container's own output lands.
RT_CALLS=0
run_rt() {
	local expected=0
	if [[ $1 =~ ^[0-9]+$ || $1 == '?' ]]; then
		expected=$1
		shift
	fi
	RT_CALLS=$((RT_CALLS + 1))
	RT_OUT=$BATS_TEST_TMPDIR/rt.$RT_CALLS.out
	local errf=$BATS_TEST_TMPDIR/rt.$RT_CALLS.err
	status=0
	"$RUNTIME" --root "$RT_ROOT" "$@" <"${RT_STDIN:-/dev/null}" >"$RT_OUT" 2>"$errf" 3>&- ||
		status=$?
	output=$(cat "$RT_OUT")
	stderr=$(cat "$errf")
	# shellcheck disable=SC2034 # lines is read by the tests, as after `run`
	mapfile -t lines <"$RT_OUT"
	echo "\$ hutch-runtime $*"
	[[ -z $output ]] || echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
	echo "[status $status]"
	if [[ $expected != '?' && $status -ne $expected ]]; then
		fail "hutch-runtime $*: exit status $status, expected $expected"
	fi
}

# rt_status ID: the status field of `state ID`.
rt_status() {
	"$RUNTIME" --root "$RT_ROOT" state "$1" </dev/null 3>&- | jq -er .status
}

# rt_wait_status ID STATUS: poll until ID has STATUS (5 s at most).
rt_wait_status() {
	local _
	for _ in $(seq 50); do
		[[ $(rt_status "$1") == "$2" ]] && return 0
		sleep 0.1
	done
	fail "container $1 is $(rt_status "$1"), not $2"
}

# assert_nothing_left ID: no state dir, no process and no mount left by a failed command.
assert_nothing_left() {
	local id=$1
	[[ ! -e $RT_ROOT/$id ]] || fail "state dir $RT_ROOT/$id left behind"
	run pgrep -u "$(id -u)" -f -- "hutch-runtime .* $id\$"
	[[ $status -ne 0 ]] || fail "a process for $id is still running: $output"
	if grep -q "$RT_ROOTFS" /proc/self/mountinfo; then
		fail "a mount of the rootfs was left"
	fi
}

# assert_stderr_has TEXT: the last run_rt wrote TEXT to stderr.
assert_stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks '$1': $stderr"
}
