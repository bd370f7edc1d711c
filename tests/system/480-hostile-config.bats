#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The spec built from a hostile image config (security issue, item 7): an Env and a Cmd of
# hundreds of thousands of entries cost a create time linear in their length, not the
# minutes of CPU of a build that scanned the entries before each new one.

load container_helpers

@test "config: create with 300k Env entries and 50k Cmd args is linear (well under a second)" {
	# 300k distinct keys plus 30k that set a key again: ~3.5 MB, under skopeo's 4 MiB cap.
	python3 -c '
import json
env = ["%x=1" % i for i in range(300000)] + ["%x=2" % i for i in range(0, 300000, 10)]
print(json.dumps({"Env": env, "Cmd": ["true"] + ["a"] * 50000}, separators=(",", ":")))' \
		>"$BATS_TEST_TMPDIR/config.json"
	push_image bigenv --base --config @"$BATS_TEST_TMPDIR/config.json"
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/bigenv"
	# A quadratic build takes minutes here; a linear one a fraction of a second. The bound
	# only turns a hang into a failure.
	run --separate-stderr timeout 60 "$HUTCH" create --name big "$HUTCH_REGISTRY/bigenv"
	echo "[stderr] $stderr"
	[[ $status -ne 124 ]] || fail "create still running after 60s"
	assert_success
	run_hutch inspect big --format '{{json .Config.Env}}'
	run jq -r 'length, .[0], .[10], .[299999]' <<<"$output"
	# Each key once, in its first place, with its last value; then PATH, TERM, HOME, HOSTNAME,
	# container.
	assert_output "300005
0=2
a=2
493df=1"
	# podman's Args: the process without its Path
	run_hutch inspect big --format '{{json .Args}}'
	assert_equal "$(jq length <<<"$output")" 50000
	run_hutch rm big
}

@test "config: flag values that would wrap, overflow or leave /proc/sys are refused" {
	# Each was taken before: " -5" as 2^64-5, nan and 1e300 cast to an integer (undefined),
	# a negative stop timeout, "abc" retries as 0, and a sysctl path out of /proc/sys.
	local args
	for args in "--ulimit=nofile= -5|bad number" "--ulimit=nofile=1:+5|bad number" \
		"--log-opt=max-size=nan|max-size" "--log-opt=max-size=1e300g|max-size" \
		"--stop-timeout=-5|--stop-timeout" "--restart=on-failure:abc|--restart" \
		"--restart=on-failure:99999999999|--restart" \
		"--sysctl=../../etc/x=1|sysctl '../../etc/x' is not allowed" \
		"--sysctl=net./../../x=1|is not allowed" "--sysctl=vm.swappiness=1|is not allowed"; do
		run_hutch 125 create "${args%%|*}" "$IMAGE" true
		[[ $stderr == *"${args#*|}"* ]] || fail "${args%%|*}: unclear error"
	done
	run_hutch ps -a -q
	assert_output ""
	run_hutch create --ulimit nofile=100:200 --log-opt max-size=1.5k --stop-timeout 0 \
		--restart on-failure:3 --sysctl net.ipv4.ping_group_range='0 0' \
		--sysctl kernel.shm_rmid_forced=1 "$IMAGE" true
}

@test "config: an image's StopSignal whose RTMIN offset wraps is refused" {
	# atoi made RTMIN+4294967296 RTMIN+0, and RTMIN+x RTMIN+0 too.
	push_image rtsig --base --config '{"StopSignal": "RTMIN+4294967296"}'
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/rtsig"
	run_hutch 125 create "$HUTCH_REGISTRY/rtsig" true
	[[ $stderr == *'invalid signal: RTMIN+4294967296'* ]]
	run_hutch 125 create --stop-signal RTMIN+x "$IMAGE" true
	[[ $stderr == *'invalid signal: RTMIN+x'* ]]
	run_hutch create --stop-signal RTMIN+3 "$IMAGE" true
}
