#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime as root (security issue, item 9): a config without a mount namespace
# shares the runtime's, as the spec says, without touching the host's mounts beyond the
# rootfs and leaving nothing there after delete.

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
