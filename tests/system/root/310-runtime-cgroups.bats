#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime as root on a host with cgroup v1 controllers (hybrid, as this one, or v1
# only): memory, pids and cpu limits go into the v1 controllers, the container gets a
# cgroup at linux.cgroupsPath in every hierarchy as with runc, and delete removes every one
# of them (security issue, item 9). runc, where installed, is the oracle.

load root-helpers

# v1_dir PID CONTROLLER: the cgroup directory of PID in CONTROLLER's v1 hierarchy.
v1_dir() {
	local path
	path=$(awk -F: -v c="$2" '{ n = split($2, a, ",")
		for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
	[[ -n $path ]] || fail "process $1 is in no $2 cgroup"
	echo "/sys/fs/cgroup/$2$path"
}

need_v1() {
	local c
	for c in memory pids cpu; do
		[[ $(stat -fc %T "/sys/fs/cgroup/$c" 2>/dev/null) == cgroupfs ]] ||
			skip_machine "the $c controller is not on cgroup v1 here"
	done
}

# limits_of PID: the limit files runc writes on v1, in one line.
limits_of() {
	local mem pids cpu memsw=
	mem=$(v1_dir "$1" memory)
	pids=$(v1_dir "$1" pids)
	cpu=$(v1_dir "$1" cpu)
	[[ ! -e $mem/memory.memsw.limit_in_bytes ]] || memsw=$(cat "$mem/memory.memsw.limit_in_bytes")
	echo "$(cat "$mem/memory.limit_in_bytes") ${memsw:-noswap} $(cat "$pids/pids.max")" \
		"$(cat "$cpu/cpu.shares" "$cpu/cpu.cfs_quota_us" "$cpu/cpu.cfs_period_us" | tr '\n' ' ')"
}

init_pid() {
	jq -er .pid "$RT_ROOT/$1/state.json"
}

limits_bundle() {
	rt_bundle "$BUNDLE" sleep 100
	rt_config "$BUNDLE" '.linux.resources = {memory: {limit: 67108864, swap: 134217728},
		pids: {limit: 50}, cpu: {shares: 512, quota: 50000, period: 100000}}'
}

@test "root cgroups: memory, pids and cpu limits land in the v1 controllers, as runc's" {
	need_v1
	limits_bundle
	local id
	id=$(rt_id lim)
	run_rt create --bundle "$BUNDLE" "$id"
	local ours
	ours=$(limits_of "$(init_pid "$id")")
	local swap=134217728
	[[ -e $(v1_dir "$(init_pid "$id")" memory)/memory.memsw.limit_in_bytes ]] || swap=noswap
	assert_equal "$ours" "67108864 $swap 50 512 50000 100000 "
	if command -v runc >/dev/null; then
		local rid=${id/lim/runc}
		runc --root "$BATS_TEST_TMPDIR/runc" create --bundle "$BUNDLE" "$rid" \
			</dev/null >/dev/null 2>&1 3>&- || fail "runc create failed"
		local theirs
		theirs=$(limits_of "$(runc --root "$BATS_TEST_TMPDIR/runc" state "$rid" | jq .pid)")
		runc --root "$BATS_TEST_TMPDIR/runc" delete --force "$rid"
		assert_equal "$ours" "$theirs"
	fi
	run_rt delete --force "$id"
	assert_no_cgroup "$id"
}

@test "root cgroups: a cgroup in every hierarchy, the same as runc's, and delete removes all" {
	rt_bundle "$BUNDLE" sleep 100
	local id
	id=$(rt_id every)
	run_rt create --bundle "$BUNDLE" "$id"
	local pid n=0
	pid=$(init_pid "$id")
	# Without cgroupsPath the id, below our own cgroup in each hierarchy (runc's way).
	while IFS=: read -r _ ctrl path; do
		local own
		own=$(awk -F: -v c="$ctrl" '$2 == c {print $3}' /proc/self/cgroup)
		assert_equal "$path" "${own%/}/$id"
		n=$((n + 1))
	done <"/proc/$pid/cgroup"
	((n > 1)) || fail "in $n cgroup hierarchies only"
	local ours
	ours=$(find /sys/fs/cgroup -type d -name "$id" | sed "s|$id|ID|" | sort)
	if command -v runc >/dev/null; then
		local rid=${id/every/runc}
		runc --root "$BATS_TEST_TMPDIR/runc" create --bundle "$BUNDLE" "$rid" \
			</dev/null >/dev/null 2>&1 3>&- || fail "runc create failed"
		local theirs
		theirs=$(find /sys/fs/cgroup -type d -name "$rid" | sed "s|$rid|ID|" | sort)
		runc --root "$BATS_TEST_TMPDIR/runc" delete --force "$rid"
		assert_equal "$ours" "$theirs"
	fi
	run_rt delete --force "$id"
	assert_no_cgroup "$id"
}

@test "root cgroups: an absolute cgroupsPath from each hierarchy's root, parents removed too" {
	rt_bundle "$BUNDLE" sleep 100
	local top=hutch-test-$$-$RANDOM id
	id=$(rt_id abs)
	rt_config "$BUNDLE" --arg p "/$top/sub/ctr" '.linux.cgroupsPath = $p'
	run_rt create --bundle "$BUNDLE" "$id"
	local pid path
	pid=$(init_pid "$id")
	while IFS=: read -r _ _ path; do
		assert_equal "$path" "/$top/sub/ctr"
	done <"/proc/$pid/cgroup"
	run_rt delete --force "$id"
	assert_no_cgroup "$top"
}

@test "root cgroups: a relative cgroupsPath below our own cgroup" {
	need_v1
	rt_bundle "$BUNDLE" sleep 100
	local id
	id=$(rt_id rel)
	rt_config "$BUNDLE" --arg p "rel-$id/ctr" '.linux.cgroupsPath = $p'
	run_rt create --bundle "$BUNDLE" "$id"
	local own
	own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
	assert_equal "$(v1_dir "$(init_pid "$id")" memory)" "/sys/fs/cgroup/memory${own%/}/rel-$id/ctr"
	run_rt delete --force "$id"
	assert_no_cgroup "rel-$id"
}

@test "root cgroups: the pids limit holds" {
	need_v1
	rt_bundle "$BUNDLE" sh -c 'for i in 1 2 3 4 5 6; do sleep 1 & done; wait'
	rt_config "$BUNDLE" '.linux.resources = {pids: {limit: 3}}'
	run_rt '?' run --bundle "$BUNDLE" "$(rt_id pids)"
	assert_stderr_has "can't fork"
	((status != 0)) || fail "the shell forked past the limit"
}

@test "root cgroups: a limit the kernel refuses fails create and leaves no cgroup" {
	need_v1
	rt_bundle "$BUNDLE" sleep 100
	# A CFS period below 1 ms is out of range.
	rt_config "$BUNDLE" '.linux.resources = {cpu: {quota: 50, period: 100}}'
	local id
	id=$(rt_id bad)
	run_rt 1 create --bundle "$BUNDLE" "$id"
	assert_stderr_has "cpu.cfs_period_us"
	assert_nothing_left "$id"
	assert_no_cgroup "$id"
}

@test "root cgroups: linux.resources.unified where v2 has no such controller names the layout" {
	[[ -e /sys/fs/cgroup/unified/cgroup.controllers ]] || skip_machine "not a hybrid host"
	rt_bundle "$BUNDLE" true
	rt_config "$BUNDLE" '.linux.resources = {unified: {"memory.max": "100000000"}}'
	local id
	id=$(rt_id uni)
	run_rt 1 create --bundle "$BUNDLE" "$id"
	assert_stderr_has "linux.resources.unified.memory.max: no such file in the container's cgroup v2"
	assert_stderr_has "cgroup v2 at /sys/fs/cgroup/unified with controllers:"
	assert_nothing_left "$id"
	assert_no_cgroup "$id"
}
