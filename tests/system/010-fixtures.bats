#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Prove that the test fixtures contain what later tests rely on: the OCI
# layouts written by tests/fixtures/mkimages.py (in $HUTCH_FIXTURES) and the
# local registry filled by tests/fixtures/registry.sh (at $HUTCH_REGISTRY).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
OCI_CONFIG=application/vnd.oci.image.config.v1+json
OCI_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

setup_file() {
	if [[ -z ${HUTCH_FIXTURES:-} || ! -d $HUTCH_FIXTURES ]]; then
		echo "HUTCH_FIXTURES is not set to the mkimages.py output dir" >&2
		return 1
	fi
	if [[ -z ${HUTCH_REGISTRY:-} ]]; then
		echo "HUTCH_REGISTRY (host:port) is not set" >&2
		return 1
	fi
}

# --- helpers ---------------------------------------------------------------

host_arch() {
	case $(uname -m) in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) uname -m ;;
	esac
}

# blob LAYOUT DIGEST: path of a blob in fixture layout LAYOUT
blob() {
	printf '%s/%s/blobs/sha256/%s\n' "$HUTCH_FIXTURES" "$1" "${2#sha256:}"
}

# top_digest LAYOUT: digest of the "latest" entry of LAYOUT's index.json
top_digest() {
	jq -er '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "latest") | .digest' \
		"$HUTCH_FIXTURES/$1/index.json"
}

# manifest LAYOUT: path of the image manifest of a single-platform layout
manifest() {
	blob "$1" "$(top_digest "$1")"
}

# layer LAYOUT N: path of the Nth (0-based) layer blob of LAYOUT
layer() {
	blob "$1" "$(jq -er ".layers[$2].digest" "$(manifest "$1")")"
}

# config LAYOUT: path of the config blob of LAYOUT
config() {
	blob "$1" "$(jq -er '.config.digest' "$(manifest "$1")")"
}

# listing FILE: tar -tv with numeric owners (independent of Python's tarfile)
listing() {
	tar --numeric-owner -tvzf "$1"
}

reg_curl() {
	curl -fsS --noproxy '*' --max-time 10 "$@"
}

# --- OCI layouts -----------------------------------------------------------

@test "fixtures: every layout is a valid OCI layout tagged latest" {
	local name f
	for name in base layers multiarch; do
		run jq -er '.imageLayoutVersion' "$HUTCH_FIXTURES/$name/oci-layout"
		assert_success
		assert_output "1.0.0"

		run jq -er '.schemaVersion, .manifests[0].annotations["org.opencontainers.image.ref.name"]' \
			"$HUTCH_FIXTURES/$name/index.json"
		assert_success
		assert_output $'2\nlatest'

		# Every blob is stored under its own sha256.
		for f in "$HUTCH_FIXTURES/$name"/blobs/sha256/*; do
			run sha256sum "$f"
			assert_success
			assert_output "${f##*/}  $f"
		done
	done
	run jq -er '.manifests[0].mediaType' "$HUTCH_FIXTURES/base/index.json"
	assert_output "$OCI_MANIFEST"
	run jq -er '.manifests[0].mediaType' "$HUTCH_FIXTURES/multiarch/index.json"
	assert_output "$OCI_INDEX"
}

@test "fixtures: manifests reference existing blobs with correct sizes and media types" {
	local name desc digest size mt
	for name in base layers; do
		run jq -er '.schemaVersion, .mediaType, .config.mediaType, ([.layers[].mediaType] | unique | .[])' \
			"$(manifest "$name")"
		assert_success
		assert_output "2
$OCI_MANIFEST
$OCI_CONFIG
$OCI_LAYER"
		while read -r digest size mt; do
			[[ -f $(blob "$name" "$digest") ]] || fail "$name: missing blob $digest ($mt)"
			run stat -c %s "$(blob "$name" "$digest")"
			assert_output "$size"
		done < <(jq -r '(.config, .layers[]) | "\(.digest) \(.size) \(.mediaType)"' "$(manifest "$name")")
		desc=$(jq -c '.manifests[0] | {digest, size}' "$HUTCH_FIXTURES/$name/index.json")
		run stat -c %s "$(manifest "$name")"
		assert_output "$(jq -r .size <<<"$desc")"
	done
}

@test "fixtures: configs have arch, os, Cmd, Env, created, history and correct diff_ids" {
	local name n i want got
	for name in base layers; do
		run jq -ec '[.architecture, .os, .config.Cmd, (.config.Env | map(select(startswith("PATH="))) | length), .created]' \
			"$(config "$name")"
		assert_success
		assert_output "[\"$(host_arch)\",\"linux\",[\"/bin/sh\"],1,\"2024-01-01T00:00:00Z\"]"

		n=$(jq -r '.layers | length' "$(manifest "$name")")
		run jq -r '.rootfs.type, (.rootfs.diff_ids | length), (.history | length)' "$(config "$name")"
		assert_output "layers
$n
$n"
		for ((i = 0; i < n; i++)); do
			want=$(jq -r ".rootfs.diff_ids[$i]" "$(config "$name")")
			got=sha256:$(gzip -dc "$(layer "$name" "$i")" | sha256sum | cut -d' ' -f1)
			[[ $got == "$want" ]] || fail "$name layer $i: diff_id $want, uncompressed is $got"
		done
	done
}

@test "fixtures: layer gzip headers are reproducible (mtime 0, no file name)" {
	local f
	for f in "$(layer base 0)" "$(layer layers 1)" "$(layer layers 2)"; do
		# bytes 4-7: MTIME, byte 3: FLG (FNAME bit 0x08 must be clear)
		run od -An -tx1 -j3 -N5 "$f"
		assert_output " 00 00 00 00 00"
	done
}

@test "fixtures: base layer has busybox, applet symlinks, dirs and users" {
	local applet perm owner _size _date _time name _arrow target
	local -A entry=()
	while read -r perm owner _size _date _time name _arrow target; do
		entry[$name]="$perm $owner $target"
	done < <(listing "$(layer base 0)")
	assert_equal "${entry[bin/busybox]}" "-rwxr-xr-x 0/0 "
	for applet in sh ls cat echo id true false sleep mkdir touch stat ps env \
		hostname mount umount grep head tail wc readlink nc httpd kill chown \
		printf test cp mv rm ln chmod sed awk find xargs tee sort uniq tr \
		unshare nsenter setpriv whoami; do
		[[ ${entry[bin/$applet]:-} == "lrwxrwxrwx 0/0 /bin/busybox" ]] ||
			fail "bin/$applet: want symlink to /bin/busybox, got '${entry[bin/$applet]:-missing}'"
	done

	run listing "$(layer base 0)"
	assert_success
	assert_line --regexp '^drwxrwxrwt 0/0 +0 .* tmp/$'
	assert_line --regexp '^drwx------ 0/0 +0 .* root/$'
	local d
	for d in etc proc sys dev home var usr; do
		assert_line --regexp "^d[rwx-]{9} 0/0 +0 .* $d/\$"
	done
	assert_line --regexp '^drwxr-xr-x 1000/1000 +0 .* home/tester/$'

	# Every applet busybox knows is linked.
	local n_applets n_links
	n_applets=$(/bin/busybox --list | grep -cvx busybox)
	n_links=$(listing "$(layer base 0)" | grep -c ' -> /bin/busybox$')
	[[ $n_applets -eq $n_links ]] || fail "busybox has $n_applets applets, layer has $n_links links"

	run tar -xzOf "$(layer base 0)" etc/passwd
	assert_line --regexp '^root:x:0:0:'
	assert_line --regexp '^nobody:x:65534:65534:'
	assert_line --regexp '^tester:x:1000:1000:.*:/home/tester:/bin/sh$'
	run tar -xzOf "$(layer base 0)" etc/group
	assert_line --regexp '^root:x:0:'
	assert_line --regexp '^nogroup:x:65534:'
	assert_line --regexp '^tester:x:1000:'
}

@test "fixtures: layers shares its first layer with base" {
	run jq -r '.layers | length' "$(manifest layers)"
	assert_output 3
	local base_layer layers_layer
	base_layer=$(jq -er '.layers[0].digest' "$(manifest base)")
	layers_layer=$(jq -er '.layers[0].digest' "$(manifest layers)")
	assert_equal "$layers_layer" "$base_layer"
	cmp "$(layer base 0)" "$(layer layers 0)"
	assert_equal "$(jq -r '.rootfs.diff_ids[0]' "$(config layers)")" \
		"$(jq -r '.rootfs.diff_ids[0]' "$(config base)")"
}

@test "fixtures: layers layer 2 has owners, modes, links, fifo, empty dir" {
	run listing "$(layer layers 1)"
	assert_success
	assert_line --regexp '^drwxr-xr-x 0/0 +0 .* data/$'
	assert_line --regexp '^-rw-r--r-- 0/0 +[1-9][0-9]* .* data/deleted.txt$'
	assert_line --regexp '^-rw-r--r-- 0/0 +5 .* data/keep.txt$'
	assert_line --regexp '^-rw-r--r-- 1000/1000 +[0-9]+ .* data/owned1000$'
	assert_line --regexp '^-rw-r--r-- 65534/65534 +[0-9]+ .* data/owned65534$'
	assert_line --regexp '^-rwsr-xr-x 0/0 +[0-9]+ .* data/suid$'
	assert_line --regexp '^lrwxrwxrwx 0/0 +0 .* data/link -> keep.txt$'
	assert_line --regexp '^hrw-r--r-- 0/0 +0 .* data/hard link to data/keep.txt$'
	assert_line --regexp '^prw-r--r-- 0/0 +0 .* data/fifo$'
	assert_line --regexp '^drwxr-xr-x 0/0 +0 .* data/emptydir/$'
	assert_line --regexp '^drwxr-xr-x 0/0 +0 .* opaque/$'
	assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ .* opaque/old1.txt$'
	assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ .* opaque/old2.txt$'
	refute_line --partial '.wh.'

	# The hard link comes after its target, and nothing is inside emptydir.
	local names
	names=$(tar -tzf "$(layer layers 1)")
	[[ $(grep -n '^data/keep.txt$' <<<"$names" | cut -d: -f1) -lt \
		$(grep -n '^data/hard$' <<<"$names" | cut -d: -f1) ]]
	run grep -c '^data/emptydir/.' <<<"$names"
	assert_output 0

	# Exact numeric mode of the setuid file, straight from the header.
	run python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = t.getmember("data/suid")
    print(oct(m.mode), m.uid, m.gid)' "$(layer layers 1)"
	assert_output "0o4755 0 0"
}

@test "fixtures: layers layer 3 has whiteout, opaque marker and new files" {
	run listing "$(layer layers 2)"
	assert_success
	assert_line --regexp '^-rw-r--r-- 0/0 +0 .* data/.wh.deleted.txt$'
	assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ .* data/added3.txt$'
	assert_line --regexp '^-rw-r--r-- 0/0 +0 .* opaque/.wh..wh..opq$'
	assert_line --regexp '^-rw-r--r-- 0/0 +[0-9]+ .* opaque/new.txt$'
	refute_line --partial 'old1.txt'
	refute_line --partial 'old2.txt'
	refute_line --regexp ' data/deleted.txt$'
}

@test "fixtures: applying the layers of 'layers' gives the expected tree" {
	# A reference applier of OCI whiteouts over file names (not the real
	# thing -- hutch's is -- but it pins down what tests should expect).
	run python3 - "$(layer layers 0)" "$(layer layers 1)" "$(layer layers 2)" <<'EOF'
import posixpath, sys, tarfile
tree = {}
for path in sys.argv[1:]:
    with tarfile.open(path) as t:
        for m in t.getmembers():
            name = m.name.rstrip("/")
            d, b = posixpath.split(name)
            if b == ".wh..wh..opq":
                for k in [k for k in tree if k.startswith(d + "/")]:
                    del tree[k]
            elif b.startswith(".wh."):
                victim = posixpath.join(d, b[4:])
                for k in [k for k in tree if k == victim or k.startswith(victim + "/")]:
                    del tree[k]
            else:
                tree[name] = m
for k in sorted(tree):
    if k.startswith(("data", "opaque")):
        print(k)
EOF
	assert_success
	assert_output "data
data/added3.txt
data/emptydir
data/fifo
data/hard
data/keep.txt
data/link
data/owned1000
data/owned65534
data/suid
opaque
opaque/new.txt"
}

@test "fixtures: multiarch is an index with linux/amd64 and linux/arm64" {
	local idx
	idx=$(blob multiarch "$(top_digest multiarch)")
	run jq -er '.schemaVersion, .mediaType' "$idx"
	assert_output "2
$OCI_INDEX"
	run jq -r '.manifests[] | "\(.mediaType) \(.platform.os)/\(.platform.architecture)"' "$idx"
	assert_output "$OCI_MANIFEST linux/amd64
$OCI_MANIFEST linux/arm64"

	local arch m cfg base_layer
	base_layer=$(jq -er '.layers[0].digest' "$(manifest base)")
	for arch in amd64 arm64; do
		m=$(blob multiarch "$(jq -er --arg a "$arch" '.manifests[] | select(.platform.architecture == $a) | .digest' "$idx")")
		run jq -er '.layers | length, .[0].digest' "$m"
		assert_output "2
$base_layer"
		cfg=$(blob multiarch "$(jq -er .config.digest "$m")")
		run jq -er '.architecture, .os' "$cfg"
		assert_output "$arch
linux"
		run tar -xzOf "$(blob multiarch "$(jq -er '.layers[1].digest' "$m")")" etc/arch
		assert_output "$arch"
	done
}

@test "fixtures: mkimages.py is deterministic" {
	local repo out name
	repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	out=$BATS_TEST_TMPDIR/again
	run "$repo/tests/fixtures/mkimages.py" "$out"
	assert_success
	assert_output ""
	for name in base layers multiarch; do
		cmp "$HUTCH_FIXTURES/$name/index.json" "$out/$name/index.json"
		run diff <(cd "$HUTCH_FIXTURES/$name/blobs/sha256" && ls) <(cd "$out/$name/blobs/sha256" && ls)
		assert_success
	done
}

# --- registry --------------------------------------------------------------

@test "registry: answers /v2/ and lists the three repositories" {
	run reg_curl "http://$HUTCH_REGISTRY/v2/"
	assert_success
	run reg_curl "http://$HUTCH_REGISTRY/v2/_catalog"
	assert_success
	run jq -c '.repositories | map(select(. == "base" or . == "layers" or . == "multiarch"))' <<<"$output"
	assert_output '["base","layers","multiarch"]'
}

@test "registry: serves manifests unchanged under the layout digests" {
	local name accept digest
	for name in base layers multiarch; do
		if [[ $name == multiarch ]]; then accept=$OCI_INDEX; else accept=$OCI_MANIFEST; fi
		digest=$(top_digest "$name")
		run reg_curl -D "$BATS_TEST_TMPDIR/h" -o "$BATS_TEST_TMPDIR/m" \
			-H "Accept: $accept" "http://$HUTCH_REGISTRY/v2/$name/manifests/latest"
		assert_success
		# Header names are case-insensitive; compare them lowercased.
		run bash -c 'tr -d "\r" <"$1" | tr "[:upper:]" "[:lower:]"' _ "$BATS_TEST_TMPDIR/h"
		assert_line "content-type: $accept"
		assert_line "docker-content-digest: $digest"
		cmp "$BATS_TEST_TMPDIR/m" "$(blob "$name" "$digest")"
	done
}

@test "registry: serves the shared base layer blob from every repository" {
	local digest name
	digest=$(jq -er '.layers[0].digest' "$(manifest base)")
	for name in base layers multiarch; do
		run bash -c 'curl -fsS --noproxy "*" --max-time 10 "$1" | sha256sum' _ \
			"http://$HUTCH_REGISTRY/v2/$name/blobs/$digest"
		assert_success
		assert_output "${digest#sha256:}  -"
	done
}

@test "registry: skopeo can inspect and copy the images (all platforms)" {
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	run skopeo inspect --tls-verify=false "docker://$HUTCH_REGISTRY/layers:latest"
	assert_success
	run jq -r '.Digest, .Architecture, (.Layers | length)' <<<"$output"
	assert_output "$(top_digest layers)
$(host_arch)
3"

	run skopeo --insecure-policy copy --quiet --all --src-tls-verify=false \
		"docker://$HUTCH_REGISTRY/multiarch:latest" "oci:$BATS_TEST_TMPDIR/copy:latest"
	assert_success
	run skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/copy:latest"
	assert_success
	run jq -r '.manifests[] | "\(.platform.os)/\(.platform.architecture)"' <<<"$output"
	assert_output "linux/amd64
linux/arm64"
}
