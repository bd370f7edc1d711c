#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Benchmark of the runtime (issue #3): create + start + wait + delete of a bundle running
# /bin/true, as `hutch-runtime run` and `runc run` on the same rootless bundle, beside
# bwrap with the same namespaces (user, mount, pid, ipc, uts) and mounts, in one
# hyperfine run. Prints hyperfine's table and the ratios against the goals:
# within 1.5x of bwrap, at least 3x faster than runc.
#
# Usage: tests/bench/runtime.sh [RUNS]
# Run as an unprivileged user (as root, it re-runs itself as $HUTCH_TEST_USER, default
# hutchtest). Needs hyperfine, runc, bwrap, jq and python3.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-300}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user runtime.sh "$runs"
bench_require runtime.sh hyperfine runc bwrap jq python3
runtime=${HUTCH_RUNTIME:-$top/hutch-runtime}
work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The busybox rootfs of the fixture image, unpacked as us.
"$top/tests/fixtures/mkimages.py" "$work/fixtures"
manifest=$(jq -er '.manifests[0].digest' "$work/fixtures/base/index.json")
layer=$(jq -er '.layers[0].digest' "$work/fixtures/base/blobs/sha256/${manifest#sha256:}")
bundle=$work/bundle
mkdir -p "$bundle/rootfs"
tar -xzf "$work/fixtures/base/blobs/sha256/${layer#sha256:}" -C "$bundle/rootfs" \
	--no-same-owner 2>/dev/null || true

# One config for both OCI runtimes: hutch-runtime's rootless default running /bin/true.
(cd "$bundle" && "$runtime" spec --rootless)
jq '.process.args = ["/bin/true"] | .process.terminal = false' "$bundle/config.json" \
	>"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
mkdir -p "$work/hutch-root" "$work/runc-root"

hutch_cmd="$runtime --root $work/hutch-root run --bundle $bundle bench-hutch"
runc_cmd="runc --root $work/runc-root run --bundle $bundle bench-runc"
# bwrap with the same namespaces and the same kind of mounts: proc, a /dev with the usual
# nodes, a devpts, shm and mqueue, the host /sys read-only, hostname.
bwrap_cmd="bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --uid 0 --gid 0 \
--bind $bundle/rootfs / --proc /proc --dev /dev --tmpfs /dev/shm --mqueue /dev/mqueue \
--ro-bind /sys /sys --hostname hutch /bin/true"

# Each must work before it is timed.
for cmd in "$hutch_cmd" "$runc_cmd" "$bwrap_cmd"; do
	$cmd || {
		echo "runtime.sh: failed: $cmd" >&2
		exit 1
	}
done

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) cores, $runs runs each"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/result.json" \
	-n hutch-runtime "$hutch_cmd" -n runc "$runc_cmd" -n bwrap "$bwrap_cmd"

jq -r '
	(.results | map({key: .command, value: .mean}) | from_entries) as $m
	| "hutch-runtime: \($m["hutch-runtime"] * 1000 | . * 100 | round / 100) ms, " +
	  "runc: \($m.runc * 1000 | . * 100 | round / 100) ms, " +
	  "bwrap: \($m.bwrap * 1000 | . * 100 | round / 100) ms",
	  "hutch-runtime / bwrap = \($m["hutch-runtime"] / $m.bwrap | . * 100 | round / 100) (goal <= 1.5)",
	  "runc / hutch-runtime = \($m.runc / $m["hutch-runtime"] | . * 100 | round / 100) (goal >= 3)"
' "$work/result.json"
