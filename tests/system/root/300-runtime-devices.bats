#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime as root: linux.resources.devices is enforced (the v1 devices controller and
# a BPF program on the v2 cgroup), and linux.devices makes the nodes it lists (security
# issue, item 8). Without enforcement a container with CAP_MKNOD reads any host device.

load root-helpers

# The process of these tests: make /dev/kmsg's node (c 1 11) in /tmp and read from it.
# CAP_SYSLOG, as kmsg also asks for it when dmesg_restrict is set; CAP_MKNOD for mknod.
kmsg_bundle() {
	rt_bundle "$BUNDLE" sh -c 'mknod /tmp/kmsg c 1 11 || exit 3
		head -c 1 /tmp/kmsg >/dev/null && echo read-it; rm -f /tmp/kmsg
		head -c 4 /dev/zero | wc -c'
	rt_caps "$BUNDLE" CAP_MKNOD CAP_SYSLOG
}

@test "root devices: a deny-all rule keeps a node the container makes unreadable" {
	kmsg_bundle
	# The control: no rules, no restriction (as runc), so the node reads.
	rt_config "$BUNDLE" 'del(.linux.resources)'
	run_rt run --bundle "$BUNDLE" "$(rt_id ctl)"
	assert_output --partial read-it
	rt_config "$BUNDLE" '.linux.resources.devices = [{allow: false, access: "rwm"}]'
	local id
	id=$(rt_id deny)
	run_rt run --bundle "$BUNDLE" "$id"
	[[ $output != *read-it* ]] || fail "the container read a device it made: $output"
	[[ $stderr == *"/tmp/kmsg: Operation not permitted"* ]] || fail "no EPERM: $stderr"
	# The defaults stay allowed (runc's and crun's list: /dev/zero here).
	assert_line 4
	assert_no_cgroup "$id"
}

@test "root devices: rules after the deny-all allow what they name, the last match deciding" {
	# /dev/net/tun's numbers: opening it needs no capability and does nothing.
	rt_bundle "$BUNDLE" sh -c 'mknod /tmp/tun c 10 200
		true </tmp/tun && echo read; true >/tmp/tun && echo written; rm /tmp/tun'
	rt_caps "$BUNDLE" CAP_MKNOD
	rt_config "$BUNDLE" '.linux.resources.devices = [{allow: false, access: "rwm"},
		{allow: true, type: "c", major: 10, minor: 200, access: "rw"},
		{allow: false, type: "c", major: 10, minor: 200, access: "w"}]'
	run_rt run --bundle "$BUNDLE" "$(rt_id order)"
	assert_output read
	[[ $stderr == *"/tmp/tun: Operation not permitted"* ]] || fail "no EPERM: $stderr"
}

@test "root devices: the BPF program on the v2 cgroup enforces the rules by itself" {
	[[ -e /sys/fs/cgroup/cgroup.controllers || -e /sys/fs/cgroup/unified/cgroup.controllers ]] ||
		skip_machine "no cgroup v2 hierarchy on this host"
	kmsg_bundle
	rt_config "$BUNDLE" '.linux.resources.devices = [{allow: false, access: "rwm"}]'
	local id
	id=$(rt_id bpf)
	run_rt create --bundle "$BUNDLE" "$id"
	local out=$RT_OUT
	# Open the v1 devices controller (a hybrid host has both) to all: the program stays.
	local v1
	v1=$(awk -F: '$2 == "devices" {print $3}' "/proc/$(jq -r .pid "$RT_ROOT/$id/state.json")/cgroup")
	if [[ $v1 == */"$id" && -e /sys/fs/cgroup/devices$v1/devices.allow ]]; then
		echo a >"/sys/fs/cgroup/devices$v1/devices.allow"
		grep -qx 'a \*:\* rwm' "/sys/fs/cgroup/devices$v1/devices.list"
	fi
	run_rt start "$id"
	rt_wait_status "$id" stopped
	run cat "$out"
	assert_output 4 # /dev/zero, and not read-it
	run_rt delete "$id"
	assert_no_cgroup "$id"
}

@test "root devices: linux.devices makes each node with its type, numbers, mode and owner" {
	rt_bundle "$BUNDLE" sh -c 'for f in /dev/hutch-null /dev/sub/loop /dev/fifo; do
		stat -c "%n %F %t:%T %a %u:%g" $f; done; echo hi >/dev/hutch-null && echo written'
	# None of these paths exists on the host: they are made, not bound.
	rt_config "$BUNDLE" '.linux.devices = [
		{path: "/dev/hutch-null", type: "c", major: 1, minor: 3, fileMode: 438, uid: 5, gid: 6},
		{path: "/dev/sub/loop", type: "b", major: 7, minor: 200, fileMode: 384},
		{path: "/dev/fifo", type: "p", fileMode: 420}]
		| .linux.resources.devices = [{allow: false, access: "rwm"}]'
	run_rt run --bundle "$BUNDLE" "$(rt_id nodes)"
	assert_output "/dev/hutch-null character special file 1:3 666 5:6
/dev/sub/loop block special file 7:c8 600 0:0
/dev/fifo fifo 0:0 644 0:0
written"
}

@test "root devices: a linux.devices node over a file of the image replaces it" {
	mkdir -p "$BATS_TEST_TMPDIR/r2"
	cp -a "$RT_ROOTFS/." "$BATS_TEST_TMPDIR/r2/"
	echo image-file >"$BATS_TEST_TMPDIR/r2/tmp/node"
	rt_bundle "$BUNDLE" stat -c "%F %t:%T" /tmp/node
	rt_config "$BUNDLE" --arg r "$BATS_TEST_TMPDIR/r2" '.root.path = $r
		| .linux.devices = [{path: "/tmp/node", type: "c", major: 1, minor: 5}]'
	run_rt run --bundle "$BUNDLE" "$(rt_id over)"
	assert_output "character special file 1:5"
}
