#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Network throughput of containers (issue #6): iperf3 from a container to a server on the
# host's loopback, through slirp4netns (allow_host_loopback, the container reaches the host
# at 10.0.2.2), hutch vs podman in the same mode, with plain loopback as the
# limit. The container runs the host's iperf3 (its /usr, /lib and /lib64 bound read-only
# into the busybox fixture image). Only 127.0.0.1 and the namespace's own 10.0.2.2 are used.
#
# Usage: tests/bench/net-run.sh [SECONDS]   (as root it re-runs itself as $HUTCH_TEST_USER)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-5}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user net-run.sh "$secs"
bench_require net-run.sh iperf3 podman jq python3
bench_store

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
gbits() {
	jq -r '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100 | tostring + " Gbit/s"'
}
mounts=(-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro)

# measure LABEL CLIENT-COMMAND...: an iperf3 server on 127.0.0.1 for one client run.
measure() {
	local label=$1 port
	shift
	port=$(free_port)
	iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
	sleep 0.3
	local out
	out=$("$@" /usr/bin/iperf3 -c "${TARGET:-127.0.0.1}" -p "$port" -t "$secs" -J 2>/dev/null |
		gbits) || out="failed"
	printf '%-42s %s\n' "$label" "$out"
	wait 2>/dev/null || true
}

echo "== iperf3 from a container to the host, $secs s each ($(date -u +%F))"
measure "plain loopback (the limit)" env
TARGET=10.0.2.2 measure "hutch, slirp4netns" "$hutch" run --rm \
	--network slirp4netns:allow_host_loopback=true "${mounts[@]}" "$image"
TARGET=10.0.2.2 measure "podman, slirp4netns" "${podman[@]}" run --rm \
	--network slirp4netns:allow_host_loopback=true "${mounts[@]}" "$image"
# pasta: see tests/bench/net.sh, which measures it through hutch __nettest (podman 4.3's
# pasta mode and hutch's reach the host's loopback differently, so no like-for-like here).
