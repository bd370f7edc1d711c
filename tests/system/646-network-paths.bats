#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# User-defined networks, the paths in and out (issue #15): the bridge's MTU that the
# slirp4netns uplink needs for speed, the monitor's relay of published ports (large
# transfers both ways, half-closes), what a disconnect does to published ports and to the
# last network, as podman 4.3.1 does.

load container_helpers

# The processes of ours that hold or serve the shared network namespace (zombies aside).
netns_processes_646() {
	ps -u "$(id -u)" -o pid=,stat=,comm= |
		awk '$2 !~ /^Z/ && $3 ~ /^(hutch-netns|hutch-init|slirp4netns|aardvark-dns|netavark|hutch-monitor)$/'
}

assert_no_netns_processes_646() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -z $(netns_processes_646) ]] && return 0
		sleep 0.1
	done
	fail "still running: $(netns_processes_646)"
}

@test "a network without --opt mtu gets the uplink's MTU, 65520; --opt mtu= still wins" {
	run_hutch network create n1
	run_hutch network create --opt mtu=1400 n2
	run_hutch run --rm --network n1 "$IMAGE" cat /sys/class/net/eth0/mtu
	assert_output 65520
	run_hutch run --rm --network n2 "$IMAGE" cat /sys/class/net/eth0/mtu
	assert_output 1400
	# The record keeps what was asked for: inspect shows no mtu option, as podman's.
	run_hutch network inspect n1
	assert_equal "$(jq -r '.[0].options.mtu // "none"' <<<"$output")" none
	assert_no_netns_processes_646
}
