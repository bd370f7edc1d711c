#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Benchmarks of issue #5 (containers), in one hyperfine run side by side:
#   hutch run --rm --network none IMAGE true
#   podman --runtime runc run --rm --network none IMAGE true (rootless, private --root,
#     --runroot, --cgroup-manager=cgroupfs; the same image pulled from the loopback registry)
#   bwrap with the same namespaces on the extracted busybox rootfs
# then `hutch ps -a` over 1000 created containers, `hutch images` over 100 images, and the
# VmRSS of hutch-monitor for a running container. Prints the ratios against the goals.
#
# Usage: tests/bench/run.sh [RUNS]   (as root it re-runs itself as $HUTCH_TEST_USER)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-50}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user run.sh "$runs"
bench_require run.sh hyperfine podman runc bwrap jq python3
bench_store

bench_commands
podman_cmd="${podman[*]} run --rm --network none $image true"
for cmd in "$hutch_cmd" "$podman_cmd" "$bwrap_cmd"; do
	$cmd || {
		echo "run.sh: failed: $cmd" >&2
		exit 1
	}
done

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) cores, $runs runs each"
# 20 warm-up runs: for a moment after the setup above (the registry, the pulls, podman's
# first container) the machine is still busy with it, and hutch's first runs came out about
# 15 % slower (in a fresh store alone, only the very first run is: it fills the caches).
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/run.json" \
	-n hutch "$hutch_cmd" -n podman "$podman_cmd" -n bwrap "$bwrap_cmd"
jq -r '
	(.results | map({key: .command, value: .mean}) | from_entries) as $m
	| "run --rm: hutch \($m.hutch * 1000 | . * 10 | round / 10) ms, podman \($m.podman * 1000 | . * 10 | round / 10) ms, bwrap \($m.bwrap * 1000 | . * 10 | round / 10) ms",
	  "hutch / bwrap = \($m.hutch / $m.bwrap | . * 100 | round / 100) (goal <= 2)",
	  "podman / hutch = \($m.podman / $m.hutch | . * 100 | round / 100)"
' "$work/run.json"
# The ratio drifts with the machine (a VM's neighbours): hutch and bwrap again, side by side
# in five short rounds, each round's ratio and their median.
for r in 1 2 3 4 5; do
	hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/round$r.json" \
		-n hutch "$hutch_cmd" -n bwrap "$bwrap_cmd" >/dev/null
	jq -r '(.results | map({key: .command, value: .mean}) | from_entries) as $m
		| "\($m.hutch / $m.bwrap) \($m.hutch * 1000) \($m.bwrap * 1000)"' "$work/round$r.json"
done | sort -n | awk '{ r[NR] = $1; printf "round: hutch %.1f ms, bwrap %.1f ms, ratio %.2f\n", $2, $3, $1 }
	END { printf "hutch / bwrap, median of %d rounds = %.2f (goal <= 2)\n", NR, r[(NR + 1) / 2] }'

# ps -a over 1000 created containers, images over 100 images (the pulled one and 99 of one
# small layer each, imported), in a store of their own.
export XDG_DATA_HOME=$work/many
"$hutch" pull -q --tls-verify=false "$image" >/dev/null
mkdir -p "$work/img"
for i in $(seq 1 99); do
	echo "$i" >"$work/img/f"
	tar -cf "$work/img/l.tar" -C "$work/img" f
	"$hutch" import "$work/img/l.tar" "localhost/many/img$i:latest" >/dev/null
done
[[ $("$hutch" images -q | wc -l) == 100 ]]
for i in $(seq 1 1000); do
	"$hutch" create --name "c$i" "$image" true >/dev/null
done
[[ $("$hutch" ps -a -q | wc -l) == 1000 ]]
hyperfine -N --warmup 3 --runs 20 --export-json "$work/list.json" \
	-n "ps -a (1000 containers)" "$hutch ps -a" \
	-n "images (100 images)" "$hutch images"
jq -r '.results[] | "\(.command): \(.mean * 1000 | . * 10 | round / 10) ms (goal < 20)"' \
	"$work/list.json"

# The monitor's resident size, as conmon's (2.4 MB here).
export XDG_DATA_HOME=$work/data
"$hutch" run -d --name rss "$image" sleep 60 >/dev/null
mon=$("$hutch" inspect rss --format '{{.State.ConmonPid}}')
echo "hutch-monitor VmRSS: $(awk '/VmRSS/ {print $2, $3}' "/proc/$mon/status")"
