#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Cold-pull benchmark (issue #4): one large multi-layer image, built offline from Debian
# packages, served by a loopback docker-registry; side by side in one hyperfine run:
#   hutch pull            (fresh store each run)
#   podman pull           (rootless, overlay storage, fresh store each run)
#   curl BLOB | tar -xz   (every layer in parallel: the plain-tools limit)
# Run as an unprivileged user with subordinate ids (as root it re-runs itself as
# $HUTCH_BENCH_USER, default hutchst). Results go to stdout and $BENCH/results.md.
#   tests/bench/pull.sh [RUNS]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
user=${HUTCH_BENCH_USER:-hutchst}
if [[ $(id -u) == 0 ]]; then
	stage=/var/tmp/hutch-bench-src
	mkdir -p "$stage"
	rsync -a --delete --exclude .git "$top/" "$stage/"
	chown -R "$user:" "$stage"
	install -d -m 0700 -o "$user" "/run/user/$(id -u "$user")"
	exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="/run/user/$(id -u "$user")" BENCH="${BENCH:-}" \
		bash "$stage/tests/bench/pull.sh" "$runs"
fi

BENCH=${BENCH:-/var/tmp/hutch-bench-$(id -un)}
HUTCH=$top/hutch
mkdir -p "$BENCH"
# Layers: a base system, then big runtime pieces (about 130 MB unpacked in all).
LAYER_GROUPS=(
	"libc6,coreutils,bash,dash,busybox-static,libselinux1,libpcre2-8-0,libacl1,libattr1,libgmp10,libtinfo6"
	"libicu72"
	"vim-runtime"
	"perl-modules-5.36,libperl5.36"
	"libpython3.11-stdlib,libpython3.11-minimal"
)

if [[ ! -f $BENCH/image/index.json ]]; then
	mkdir -p "$BENCH/debs"
	for g in "${LAYER_GROUPS[@]}"; do
		for p in ${g//,/ }; do
			compgen -G "$BENCH/debs/${p}_*.deb" >/dev/null && continue
			if compgen -G "/var/cache/apt/archives/${p}_*.deb" >/dev/null; then
				cp /var/cache/apt/archives/"${p}"_*.deb "$BENCH/debs/"
			else
				(cd "$BENCH/debs" && apt-get download "$p" >/dev/null)
			fi
		done
	done
	rm -rf "$BENCH/image.tmp"
	size=$(python3 "$top/tests/bench/mkbig.py" "$BENCH/image.tmp" "$BENCH/debs" "${LAYER_GROUPS[@]}")
	echo "$size" >"$BENCH/image.tmp/unpacked-bytes"
	mv "$BENCH/image.tmp" "$BENCH/image"
fi

"$top/tests/fixtures/registry.sh" stop "$BENCH/registry" >/dev/null 2>&1 || true
REG=$("$top/tests/fixtures/registry.sh" start "$BENCH/registry")
trap '"$top/tests/fixtures/registry.sh" stop "$BENCH/registry"' EXIT
skopeo --insecure-policy copy --quiet --dest-tls-verify=false \
	"oci:$BENCH/image:latest" "docker://$REG/big:latest"
IMG=$REG/big:latest

# curl|tar: every layer's blob streamed through tar in parallel.
mapfile -t BLOBS < <(jq -r '.layers[].digest' "$BENCH/image/blobs/sha256/$(jq -r '.manifests[0].digest' "$BENCH/image/index.json" | cut -d: -f2)")
cat >"$BENCH/curltar.sh" <<SCRIPT
#!/bin/bash
set -e
rm -rf "$BENCH/curltar"; mkdir -p "$BENCH/curltar"
i=0
for d in ${BLOBS[*]}; do
	i=\$((i + 1)); mkdir -p "$BENCH/curltar/\$i"
	curl -fsS --noproxy '*' "http://$REG/v2/big/blobs/\$d" | tar -xz -C "$BENCH/curltar/\$i" &
done
wait
SCRIPT
chmod +x "$BENCH/curltar.sh"

export XDG_DATA_HOME=$BENCH/hutch-data XDG_CONFIG_HOME=$BENCH/config
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
PODMAN="podman --root $BENCH/podman-root --runroot $XDG_RUNTIME_DIR/bench-podman --storage-driver overlay"
clean_hutch="$HUTCH unshare rm -rf $XDG_DATA_HOME/hutch"
clean_podman="$PODMAN rmi -a -f -i"

# Warm the page cache and check each tool works once before measuring.
$clean_hutch && "$HUTCH" pull -q --tls-verify=false "$IMG" >/dev/null
$clean_podman >/dev/null && $PODMAN pull -q --tls-verify=false "$IMG" >/dev/null
"$BENCH/curltar.sh"
unpacked=$(cat "$BENCH/image/unpacked-bytes")
compressed=$(jq '[.layers[].size] | add' "$BENCH/image/blobs/sha256/$(jq -r '.manifests[0].digest' "$BENCH/image/index.json" | cut -d: -f2)")

hyperfine --runs "$runs" --export-markdown "$BENCH/results.md" \
	--command-name "hutch pull" --prepare "$clean_hutch; sync" \
	"$HUTCH pull -q --tls-verify=false $IMG" \
	--command-name "podman pull (overlay)" --prepare "$clean_podman >/dev/null 2>&1; sync" \
	"$PODMAN pull -q --tls-verify=false $IMG" \
	--command-name "curl | tar -xz (parallel)" --prepare "rm -rf $BENCH/curltar; sync" \
	"$BENCH/curltar.sh"
echo
echo "image: ${#BLOBS[@]} layers, $((unpacked / 1000000)) MB unpacked, $((compressed / 1000000)) MB compressed; $(nproc) CPUs"
cat "$BENCH/results.md"
$clean_hutch
$PODMAN system reset -f >/dev/null 2>&1 || true
