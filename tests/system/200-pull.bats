#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# hutch pull and the image commands against the suite's loopback registry (issue #4):
# references, manifests and indexes, layer unpack, the overlay rootfs on both drivers,
# images/tag/untag/rmi/inspect/history/prune, and concurrent pulls sharing layers.

load helpers
load storage_helpers

@test "pull: base image by name prints the image ID and lists it" {
	pull_fixture base
	assert_output "$(fixture_config_id base)"
	assert_equal "$stderr" ""
	run_hutch images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output "$HUTCH_REGISTRY/base:latest $(fixture_config_id base | cut -c1-12)"
	# Stored once: one layer, manifest and config blobs, an image record.
	run ls "$(store)/layers"
	assert_line --regexp '^[0-9a-f]{64}$'
	refute_line --regexp '^\.tmp-'
}

@test "pull: a tag that does not exist is a clear 404" {
	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/base:nope"
	[[ $stderr == "Error: pulling $HUTCH_REGISTRY/base:nope: fetching manifest: tag nope not found in repository $HUTCH_REGISTRY/base (its tags: "*") (404 Not Found (MANIFEST_UNKNOWN))" ]]
	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/nope"
	# distribution 2.8 answers MANIFEST_UNKNOWN for an unknown repository too: the tag
	# list tells them apart
	assert_equal "$stderr" "Error: pulling $HUTCH_REGISTRY/nope:latest: fetching manifest: repository $HUTCH_REGISTRY/nope not found: check the image name (404 Not Found (MANIFEST_UNKNOWN))"
	run_hutch images -q
	assert_output ""
}

@test "pull: invalid references are refused before any network access" {
	local ref
	for ref in "UPPER/case" "a:b:c" "base@sha256:123" "base@md5:abc" ":tag" "a//b" "x/-y" "x/y:-t"; do
		run_hutch 125 pull -q "$ref"
		assert_equal "${stderr%%\"*}" "Error: invalid reference format "
	done
}

@test "pull: TLS is verified by default: a plain-http registry needs --tls-verify=false" {
	run_hutch 125 pull -q "$HUTCH_REGISTRY/base"
	assert_equal "${stderr%%:*}" "Error"
	[[ $stderr == *"pinging container registry $HUTCH_REGISTRY"* ]]
}

@test "pull: short names use unqualified-search-registries, else a clear error" {
	run_hutch 125 pull -q base
	[[ $stderr == *'short-name "base" did not resolve to an alias and no unqualified-search registries are defined'* ]]
	reg_insecure_conf
	run_hutch pull -q base
	assert_output "$(fixture_config_id base)"
	# A local short name finds the stored image.
	run_hutch image inspect --format '{{.Id}}' base
	assert_output "$(fixture_config_id base)"
}

@test "pull: by digest records the repo digest and no tag" {
	local d
	d=$(fixture_digest layers)
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/layers@$d"
	assert_output "$(fixture_config_id layers)"
	run_hutch images --format '{{.Repository}} {{.Tag}} {{.Digest}}'
	assert_output "<none> <none> $d"
	run_hutch image inspect --format '{{json .RepoDigests}}' "$HUTCH_REGISTRY/layers@$d"
	assert_output "[\"$HUTCH_REGISTRY/layers@$d\"]"
}

@test "pull: an index selects the host platform, or the one asked for" {
	pull_fixture multiarch
	run_hutch image inspect --format '{{.Architecture}} {{.Os}}' "$HUTCH_REGISTRY/multiarch"
	assert_output "$(host_arch) linux"
	in_rootfs overlay "$HUTCH_REGISTRY/multiarch" 'cat $ROOTFS/etc/arch'
	assert_output "$(host_arch)"

	pull_fixture multiarch --platform linux/arm64
	run_hutch image inspect --format '{{.Architecture}} {{.Variant}}' "$HUTCH_REGISTRY/multiarch"
	assert_output "arm64 v8"
	pull_fixture multiarch --arch amd64
	run_hutch image inspect --format '{{.Architecture}}' "$HUTCH_REGISTRY/multiarch"
	assert_output "amd64"
	run_hutch 125 pull -q --tls-verify=false --platform linux/s390x "$HUTCH_REGISTRY/multiarch"
	[[ $stderr == *"no image found in image index for architecture s390x"* ]]
	run_hutch 125 pull -q --platform linux "$HUTCH_REGISTRY/multiarch"
	[[ $stderr == *"invalid platform"* ]]
}

# The layers image on one driver: the same expectations on both.
check_layers_rootfs() {
	local driver=$1
	pull_fixture layers
	in_rootfs "$driver" "$HUTCH_REGISTRY/layers" '
		cd $ROOTFS
		ls -A data opaque
		echo ---
		stat -c "%n %u:%g %a %F" data/owned1000 data/owned65534 data/suid data/fifo data/link data/emptydir
		readlink data/link
		stat -c "%h %i" data/keep.txt data/hard | uniq -c | wc -l
		cat data/keep.txt data/added3.txt opaque/new.txt
		stat -c %Y data/keep.txt
		test -x bin/busybox && echo busybox'
	[[ $stderr == *"driver: $driver"* ]]
	assert_output "data:
added3.txt
emptydir
fifo
hard
keep.txt
link
owned1000
owned65534
suid

opaque:
new.txt
---
data/owned1000 1000:1000 644 regular file
data/owned65534 65534:65534 644 regular file
data/suid 0:0 4755 regular file
data/fifo 0:0 644 fifo
data/link 0:0 777 symbolic link
data/emptydir 0:0 755 directory
keep.txt
1
keep
added in layer 3
new
1704067200
busybox"
	# On the host the files belong to the subordinate ids.
	local start l2
	start=$(subid_start)
	l2=$(find "$(store)/layers" -path '*/diff/data/owned1000')
	run stat -c %u:%g "$l2"
	assert_output "$((start + 999)):$(($(subid_start -g) + 999))"
	# The container storage is gone afterwards.
	run ls -A "$(store)/containers"
	assert_output ""
}

@test "rootfs: layers image on kernel overlay (whiteouts, opaque dir, owners, links)" {
	check_layers_rootfs overlay
}

@test "rootfs: layers image forced onto fuse-overlayfs, same expectations" {
	[[ -w /dev/fuse ]] || skip_machine "/dev/fuse is not usable"
	command -v fuse-overlayfs >/dev/null || skip_machine "no fuse-overlayfs"
	check_layers_rootfs fuse-overlayfs
}

@test "rootfs: writes go to the container's upper dir, not the layers" {
	pull_fixture base
	in_rootfs overlay "$HUTCH_REGISTRY/base" 'echo hi >$ROOTFS/etc/hostname; rm $ROOTFS/bin/ls; cat $ROOTFS/etc/hostname; test -e $ROOTFS/bin/ls || echo gone'
	assert_output "hi
gone"
	in_rootfs overlay "$HUTCH_REGISTRY/base" 'cat $ROOTFS/etc/hostname; test -e $ROOTFS/bin/ls && echo ls'
	assert_output "hutch
ls"
}

@test "pull: layers already stored are shared, not fetched again" {
	pull_fixture base
	pull_fixture layers
	pull_fixture multiarch
	# base layer + 2 of layers + 1 arch layer of multiarch
	run bash -c "ls '$(store)/layers' | grep -Ec '^[0-9a-f]{64}$'"
	assert_output 4
}

@test "images: table, -q, --no-trunc, --digests, json, templates, filters" {
	pull_fixture base
	pull_fixture layers
	local id_base id_layers
	id_base=$(fixture_config_id base)
	id_layers=$(fixture_config_id layers)
	run_hutch images
	assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --regexp "^$HUTCH_REGISTRY/base +latest +${id_base:0:12} +[0-9]+ (years|months) ago +[0-9.]+ MB$"
	run_hutch images -q
	assert_line "${id_base:0:12}"
	assert_line "${id_layers:0:12}"
	run_hutch images -q --no-trunc
	assert_line "sha256:$id_base"
	run_hutch images --digests --format 'table {{.Repository}}\t{{.Digest}}'
	assert_line --index 0 --regexp '^REPOSITORY +DIGEST$'
	assert_line --regexp "^$HUTCH_REGISTRY/layers +$(fixture_digest layers)$"
	run_hutch images --format json
	run jq -r '.[] | "\(.Id) \(.RepoTags[0]) \(.Digest)"' <<<"$output"
	assert_line "$id_base $HUTCH_REGISTRY/base:latest $(fixture_digest base)"
	run_hutch images --filter "reference=*/layers" --format '{{.Repository}}'
	assert_output "$HUTCH_REGISTRY/layers"
	run_hutch images --filter dangling=true -q
	assert_output ""
	run_hutch images --format '{{.Size}} {{.Created}}' "$HUTCH_REGISTRY/base"
	assert_output --regexp '^[0-9.]+ MB [0-9]+ (years|months) ago$'
	run_hutch 125 images --filter bogus=1
	run_hutch 125 images --format '{{range .}}'
}

@test "tag, untag, rmi: names move, the last name deletes, layers are collected" {
	pull_fixture base
	local id
	id=$(fixture_config_id base)
	run_hutch tag "$HUTCH_REGISTRY/base" mine other:v1
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_line "localhost/mine:latest"
	assert_line "localhost/other:v1"
	run_hutch rmi mine
	assert_output "Untagged: localhost/mine:latest"
	run_hutch untag "$HUTCH_REGISTRY/base" other:v1
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$HUTCH_REGISTRY/base:latest"
	run_hutch 125 untag "$HUTCH_REGISTRY/base" nothere
	run_hutch rmi "$HUTCH_REGISTRY/base"
	assert_output "Untagged: $HUTCH_REGISTRY/base:latest
Deleted: $id"
	run_hutch images -q
	assert_output ""
	run ls -A "$(store)/layers"
	assert_output ""
	run_hutch 1 rmi "$HUTCH_REGISTRY/base"
	assert_equal "$stderr" "Error: $HUTCH_REGISTRY/base: image not known"
}

@test "rmi: refuses an image a container uses, even with -f" {
	pull_fixture base
	local id
	id=$(fixture_config_id base)
	mkdir -p "$(store)/containers/c1"
	echo "{\"id\":\"c1\",\"image\":\"$id\"}" >"$(store)/containers/c1/container.json"
	run_hutch 2 rmi "$HUTCH_REGISTRY/base"
	assert_equal "$stderr" "Error: image used by c1: image is in use by a container: consider listing external containers and force-removing image"
	run_hutch 2 rmi -f "$id"
	rm -r "$(store)/containers/c1"
	run_hutch rmi "${id:0:12}"
}

@test "image inspect: the fields podman shows" {
	pull_fixture layers
	run_hutch image inspect "$HUTCH_REGISTRY/layers"
	run jq -r '.[0] | [.Id, .Digest, .RepoTags[0], .Created, .Architecture, .Os, .RootFS.Type, (.RootFS.Layers|length), (.History|length), .Config.Cmd[0], (.Size > 0)] | join(" ")' <<<"$output"
	assert_output "$(fixture_config_id layers) $(fixture_digest layers) $HUTCH_REGISTRY/layers:latest 2024-01-01T00:00:00Z $(host_arch) linux layers 3 3 /bin/sh true"
	run_hutch image inspect --format '{{.Config.WorkingDir}} {{json .RepoDigests}}' "$HUTCH_REGISTRY/layers"
	assert_output "/ [\"$HUTCH_REGISTRY/layers@$(fixture_digest layers)\"]"
	run_hutch 125 image inspect nothere
}

@test "history: newest first, sizes per layer" {
	pull_fixture layers
	run_hutch history "$HUTCH_REGISTRY/layers"
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp "^$(fixture_config_id layers | cut -c1-12) +.* ago +hutch-fixture: whiteout, opaque dir, new file +[0-9.]+ kB +hutch test fixture$"
	assert_line --index 2 --regexp "^<missing> +.* ago +hutch-fixture: files, owners, modes, links\.\.\. +[0-9.]+ kB "
	assert_line --index 3 --regexp '^<missing> +.*hutch-fixture: busybox base +[0-9.]+ MB'
	run_hutch history --format '{{.CreatedBy}}' --no-trunc "$HUTCH_REGISTRY/layers"
	assert_line --index 0 "hutch-fixture: whiteout, opaque dir, new file"
}

@test "image prune: dangling images only, or all with -a" {
	pull_fixture base
	pull_fixture layers
	run_hutch untag "$HUTCH_REGISTRY/layers"
	run_hutch image prune
	assert_output "$(fixture_config_id layers)"
	run_hutch images -q --no-trunc
	assert_output "sha256:$(fixture_config_id base)"
	run_hutch image prune -a
	run ls -A "$(store)/layers"
	assert_output ""
}

@test "concurrency: 8 parallel pulls of images sharing layers all succeed, layers stored once" {
	local i pids=() rc=0
	for i in 1 2 3 4 5 6 7 8; do
		case $((i % 3)) in
		0) name=base ;;
		1) name=layers ;;
		2) name=multiarch ;;
		esac
		"$HUTCH" pull -q --tls-verify=false "$HUTCH_REGISTRY/$name" >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	cat "$BATS_TEST_TMPDIR"/out*
	assert_equal "$rc" 0
	run bash -c "ls -A '$(store)/layers' | grep -Ev '\.lock$' | sort"
	assert_equal "${#lines[@]}" 4
	refute_line --regexp '^\.'
	run_hutch images --format '{{.Repository}}'
	assert_equal "${#lines[@]}" 3
}

@test "system df: images counted once per shared layer, containers, reclaimable" {
	pull_fixture base
	pull_fixture layers
	run_hutch system df --format '{{.Type}} {{.Total}} {{.Active}} {{.RawSize}}'
	local want
	want=$(cat "$(store)"/layers/*/layer.json | jq -s '[.[].size] | add')
	assert_line --index 0 "Images 2 0 $want"
	assert_line --index 1 "Containers 0 0 0"
	run_hutch system df
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --index 1 --regexp '^Images +2 +0 +[0-9.]+ MB +[0-9.]+ MB \(100%\)$'
}

@test "rmi: -f NAME of an image with several names only untags NAME (podman); missing images" {
	pull_fixture base
	run_hutch tag "$HUTCH_REGISTRY/base" a.b/c:d zzz
	run_hutch rmi -f a.b/c:d
	assert_output "Untagged: a.b/c:d"
	run_hutch rmi --force zzz
	assert_output "Untagged: localhost/zzz:latest"
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$HUTCH_REGISTRY/base:latest"
	# --ignore, and --force, pass over an image that does not exist
	run_hutch 1 rmi bogus
	assert_equal "$stderr" "Error: bogus: image not known"
	run_hutch rmi --ignore bogus
	assert_output ""
	run_hutch rmi -f bogus
	assert_output ""
	run_hutch image exists "$HUTCH_REGISTRY/base"
	assert_output ""
	run_hutch 1 image exists bogus
	assert_output ""
	assert_equal "$stderr" ""
}

@test "pull by digest: rmi NAME@DIGEST and untag NAME NAME:TAG@DIGEST keep the tagged image" {
	pull_fixture base
	local d ref=$HUTCH_REGISTRY/base
	d=$(fixture_digest base)
	run_hutch pull -q --tls-verify=false "$ref@$d"
	run_hutch rmi "$ref@$d"
	assert_output "Untagged: $ref@$d"
	run_hutch untag "$ref:latest" "$ref:latest@$d"
	run_hutch image exists "$ref:latest"
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$ref:latest"
}

@test "images: --sort, --filter after/since/before, Labels; image inspect {{.ID}}" {
	pull_fixture base
	local id
	id=$(fixture_config_id base)
	run_hutch tag "$HUTCH_REGISTRY/base" 0.b/c:d zzzz.yyy/xxx:t0
	run_hutch images --sort repository --format '{{.Repository}}:{{.Tag}}'
	assert_output "0.b/c:d
$HUTCH_REGISTRY/base:latest
zzzz.yyy/xxx:t0"
	run_hutch images --sort tag --format '{{.Tag}}'
	assert_output "d
latest
t0"
	run_hutch 125 images --sort bogus
	assert_equal "$stderr" "Error: invalid option for --sort, options are: [created id repository size tag]
See 'hutch images --help'."
	# podman's image document has the field ID (JSON "Id"): both spellings work
	run_hutch inspect --format '{{.ID}} {{.Id}}' "$HUTCH_REGISTRY/base"
	assert_output "$id $id"
	run_hutch images --format '{{.Labels}}' "$HUTCH_REGISTRY/base"
	assert_line --index 0 "map[]"

	run_hutch images --noheading --filter after="$id"
	assert_output ""
	run_hutch images --noheading --filter before="$id"
	assert_output ""
	mkdir "$BATS_TEST_TMPDIR/root"
	echo hi >"$BATS_TEST_TMPDIR/root/f"
	tar -C "$BATS_TEST_TMPDIR/root" -cf "$BATS_TEST_TMPDIR/root.tar" .
	run_hutch import -q "$BATS_TEST_TMPDIR/root.tar" newer
	local new=${output#sha256:}
	run_hutch images --no-trunc --format '{{.ID}}--{{.Repository}}' --filter after="$id"
	assert_output "sha256:$new--localhost/newer"
	run_hutch images --no-trunc --format '{{.ID}}' --filter since="$HUTCH_REGISTRY/base"
	assert_output "sha256:$new"
	run_hutch images --format '{{.Repository}}:{{.Tag}}' --sort repository --filter before=newer
	assert_line --index 1 "$HUTCH_REGISTRY/base:latest"
	refute_line --partial newer
	# the newest first by default
	run_hutch images --format '{{.Repository}}'
	assert_line --index 0 localhost/newer
	run_hutch 125 images --filter after=bogus
	assert_equal "$stderr" "Error: bogus: image not known"
}

@test "global --root: the store elsewhere, with --storage-driver vfs for image commands" {
	pull_fixture base
	local other=$BATS_TEST_TMPDIR/other-root
	run_hutch --storage-driver=vfs --root "$other" images
	assert_output "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE"
	run_hutch --root "$other" pull -q --tls-verify=false "$HUTCH_REGISTRY/base"
	[[ -d $other/images/$(fixture_config_id base) ]]
	run_hutch 125 --root "$other" --storage-driver vfs run --rm "$HUTCH_REGISTRY/base" true
	[[ $stderr == *"the vfs storage driver has no container rootfs in hutch"* ]]
	run_hutch --root "$other" rm -a -f
	run_hutch --root "$other" rmi "$HUTCH_REGISTRY/base"
	# the default store still has its image
	run_hutch image exists "$HUTCH_REGISTRY/base"
}
