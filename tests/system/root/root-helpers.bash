# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of the tests that drive hutch-runtime as root (tests/system/root/*.bats): the
# runtime helpers (run_rt, rt_config, ...) on a rootfs made from the host's busybox-static,
# so no registry is needed, and bundles from `hutch-runtime spec` without --rootless.

load ../runtime-helpers

setup_file() {
	[[ $(id -u) == 0 ]] || fail "the tests in tests/system/root run as root"
	RT_ROOTFS=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$RT_ROOTFS"/{bin,dev,proc,sys,tmp,etc}
	cp /bin/busybox "$RT_ROOTFS/bin/busybox" || fail "busybox-static is needed"
	local a
	for a in $(/bin/busybox --list); do
		[[ $a == busybox ]] || ln -s busybox "$RT_ROOTFS/bin/$a"
	done
	export RT_ROOTFS
}

# rt_bundle (runtime-helpers): a root config.json (`spec` without --rootless), root writable.
# shellcheck disable=SC2034 # read by rt_bundle in runtime-helpers.bash
RT_SPEC_FLAGS=()
# shellcheck disable=SC2034
RT_SPEC_EXTRA='.root.readonly = false'

# rt_caps DIR CAP...: add capabilities to every set of the process.
rt_caps() {
	local dir=$1
	shift
	local caps
	caps=$(IFS=,; echo "$*")
	rt_config "$dir" --arg c "$caps" '.process.capabilities |= map_values(. + ($c | split(",")))'
}

# A container id no other test (nor a leftover) uses: cgroups are named after it.
rt_id() {
	echo "$1-$$-$RANDOM"
}

# assert_no_cgroup NAME: no cgroup directory called NAME anywhere under /sys/fs/cgroup.
assert_no_cgroup() {
	local left
	left=$(find /sys/fs/cgroup -type d -name "$1" 2>/dev/null)
	[[ -z $left ]] || fail "cgroups left behind: $left"
}
