#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Push benchmark (issue 17): a large image of our own, made the same way in both tools
# (import of a rootfs with 100 MiB of random data and 50 MiB of text, then a container
# adding 50 MiB of random data, committed), pushed to a loopback docker-registry by
#   hutch push     (the imported layer compressed and sent at once, the committed one sent
#                   as commit kept it; its push cache removed before each run)
#   podman push    (podman 4.x: both layers compressed at each push)
# side by side in one hyperfine run, each run to a new repository (so that every blob is
# sent again), and podman's blob-info cache removed before each of its runs (with it,
# podman would mount the blobs of its earlier runs instead of pushing them).
# Prints hyperfine's table and the ratio; the goal is at least 2x faster than podman.
#
# Usage: tests/bench/push.sh [RUNS]
# Run as an unprivileged user (as root, it re-runs itself as $HUTCH_TEST_USER, default
# hutchtest). Needs hyperfine, podman, jq and python3.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user push.sh "$runs"
bench_require push.sh hyperfine podman jq python3
bench_store
reg=${image%%/*}

# The rootfs: the fixture's busybox and the data.
root=$work/bigroot
mkdir -p "$root/data"
tar -xzf "$work/fixtures/base/blobs/sha256/$(jq -er '.layers[0].digest' \
	"$work/fixtures/base/blobs/sha256/$(jq -er '.manifests[0].digest' "$work/fixtures/base/index.json" | cut -d: -f2)" |
	cut -d: -f2)" -C "$root" --no-same-owner 2>/dev/null || true
head -c $((100 << 20)) /dev/urandom >"$root/data/random"
python3 -c '
import random, sys
random.seed(17)
words = [("%x" % random.getrandbits(40)) for _ in range(5000)]
out = sys.stdout
n = 0
while n < 50 << 20:
    line = " ".join(random.choice(words) for _ in range(12)) + "\n"
    out.write(line)
    n += len(line)
' >"$root/data/text"
tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$work/root.tar" .
head -c $((50 << 20)) /dev/urandom >"$work/more"

"$hutch" import -q "$work/root.tar" bigbase >/dev/null
"$hutch" run --name mk -v "$work/more:/more:ro" bigbase cp /more /data/more
"$hutch" commit -q mk big >/dev/null
"$hutch" rm mk >/dev/null
"${podman[@]}" import -q "$work/root.tar" bigbase >/dev/null
"${podman[@]}" run --name mk -v "$work/more:/more:ro" bigbase cp /more /data/more
"${podman[@]}" commit -q mk big >/dev/null
"${podman[@]}" rm mk >/dev/null

cache=$XDG_DATA_HOME/containers/cache/blob-info-cache-v1.boltdb
hyperfine --runs "$runs" --export-json "$work/push.json" \
	-n hutch --prepare "rm -f $XDG_DATA_HOME/hutch/layers/*/push-gzip" \
	"$hutch push -q --tls-verify=false big $reg/h\$(date +%s%N):latest" \
	-n podman --prepare "rm -f $cache" \
	"${podman[*]} push -q --tls-verify=false big docker://$reg/p\$(date +%s%N):latest"

jq -r '.results as $r | ($r[] | select(.command == "hutch") | .mean) as $h |
	($r[] | select(.command == "podman") | .mean) as $p |
	"hutch push \($h * 1000 | floor) ms, podman push \($p * 1000 | floor) ms: podman / hutch = \($p / $h * 100 | floor / 100)x (goal: at least 2x)"' \
	"$work/push.json"
