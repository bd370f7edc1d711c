#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime as root (security issue, item 9): a config without a mount namespace
# shares the runtime's, as the spec says, without touching the host's mounts beyond the
# rootfs and leaving nothing there after delete; and delete -f and kill --all reach the
# container from another user namespace, where its pid namespace link cannot be read.

load root-helpers

# The line of "/" in our mountinfo, propagation included: nothing may change it.
root_mount() {
	awk '$5 == "/"' /proc/self/mountinfo
}

@test "root namespaces: without a mount namespace the runtime's is shared, and left clean" {
	local before
	before=$(root_mount)
	rt_bundle "$BUNDLE" sh -c 'readlink /proc/self/ns/mnt; ls /; touch /x 2>&1 | cut -d: -f3'
	rt_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "mount")) | .root.readonly = true'
	local id
	id=$(rt_id nomnt)
	run_rt create --bundle "$BUNDLE" "$id"
	local out=$RT_OUT
	grep -q " $RT_ROOTFS/proc " /proc/self/mountinfo || fail "proc is not mounted in our namespace"
	run_rt start "$id"
	rt_wait_status "$id" stopped
	run cat "$out"
	assert_output "$(readlink /proc/self/ns/mnt)
bin
dev
etc
proc
sys
tmp
 Read-only file system"
	run_rt delete "$id"
	run grep -c "$RT_ROOTFS" /proc/self/mountinfo
	assert_output 0
	assert_equal "$(root_mount)" "$before"
}

@test "root namespaces: exec into a container sharing our mount namespace lands in its root" {
	rt_bundle "$BUNDLE" sleep 100
	rt_config "$BUNDLE" '.linux.namespaces |= map(select(.type != "mount"))'
	local id
	id=$(rt_id nomntx)
	run_rt run --detach --bundle "$BUNDLE" "$id"
	run_rt exec "$id" ls /
	assert_output "bin
dev
etc
proc
sys
tmp"
	run_rt delete --force "$id"
	run grep -c "$RT_ROOTFS" /proc/self/mountinfo
	assert_output 0
}

# assert_all_gone PID...: none of the processes runs (the init, our child as run
# --detach leaves it, may stay a zombie of the test).
assert_all_gone() {
	local p state
	for p in "$@"; do
		state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[[ $state == Z ]] || fail "process $p survived (state $state)"
	done
}

@test "root namespaces: delete -f from another user namespace kills the container" {
	rt_bundle "$BUNDLE" sh -c 'sleep 100 & exec sleep 101'
	local id
	id=$(rt_id delns)
	run_rt run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" "$id"
	local pid pids
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	run_rt ps --format json "$id"
	pids=$(jq -r '.[]' <<<"$output")
	assert_equal "$(wc -w <<<"$pids")" 2
	# From a user namespace of our own /proc/PID/ns/pid of the init is closed to us (EACCES);
	# signals still reach it, as it runs as our uid.
	run unshare -r stat "/proc/$pid/ns/pid"
	assert_failure
	run timeout 8 unshare -r "$RUNTIME" --root "$RT_ROOT" delete --force "$id" 3>&-
	assert_success
	# shellcheck disable=SC2086 # one pid a word
	assert_all_gone $pids
	assert_no_cgroup "$id"
}

@test "root namespaces: kill --all from another user namespace kills the container" {
	rt_bundle "$BUNDLE" sh -c 'sleep 100 & exec sleep 101'
	local id
	id=$(rt_id killns)
	run_rt run --detach --bundle "$BUNDLE" "$id"
	run_rt ps --format json "$id"
	local pids
	pids=$(jq -r '.[]' <<<"$output")
	run unshare -r "$RUNTIME" --root "$RT_ROOT" kill --all "$id" KILL 3>&-
	assert_success
	rt_wait_status "$id" stopped
	# shellcheck disable=SC2086 # one pid a word
	assert_all_gone $pids
	run_rt delete "$id"
}
