#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# save/load (docker-archive, oci-archive) and import/export (issue #4): round trips through
# hutch, interop with podman and skopeo both ways, digests checked on load, a container's
# rootfs exported with its own changes and imported as a new image.

load helpers
load storage_helpers

BASE=${HUTCH_REGISTRY:-127.0.0.1:5000}/base:latest
LAYERS=${HUTCH_REGISTRY:-127.0.0.1:5000}/layers:latest

# podman with private storage; crun refuses this host's hybrid cgroups, so podman runs
# containers with hutch-runtime (as in 330-runtime-podman.bats).
podman_() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman" \
		--storage-driver vfs --cgroup-manager=cgroupfs --events-backend=file \
		--runtime "$HUTCH_TOP/hutch-runtime" "$@" 3>&-
}

teardown() {
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
	if [[ -d $BATS_TEST_TMPDIR/podman ]]; then
		podman_ system reset -f >/dev/null 2>&1 || true
	fi
}

# A fresh store for the loading side of a round trip.
new_store() {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/data-$1
	mkdir -p "$XDG_DATA_HOME"
}

@test "save/load: docker-archive round trip (default format), files intact" {
	pull_fixture layers
	run_hutch save -o "$BATS_TEST_TMPDIR/l.tar" "$LAYERS"
	assert_output ""
	run tar -tf "$BATS_TEST_TMPDIR/l.tar"
	assert_line manifest.json
	assert_line --regexp '^[0-9a-f]{64}\.tar$'
	# A second later, so that a whiteout unpacked with the time of its unpack (a bug fixed:
	# the image ID then changed when the seconds differed) cannot pass by chance.
	sleep 1.1
	new_store b
	run_hutch load -i "$BATS_TEST_TMPDIR/l.tar"
	assert_output "Loaded image: $LAYERS"
	# The layers went out as the registry sent them (their blobs are kept): same image ID,
	# as podman's save and load keep it.
	run_hutch image inspect --format '{{.Id}}' "$LAYERS"
	assert_output "$(fixture_config_id layers)"
	in_rootfs overlay "$LAYERS" 'cd $ROOTFS; ls -A opaque; cat data/added3.txt; stat -c %u data/owned1000; test -e data/deleted.txt || echo deleted'
	assert_output "new.txt
added in layer 3
1000
deleted"
	# Saving what was loaded writes the same layers again: the image ID is stable now.
	local id
	id=$("$HUTCH" image inspect --format '{{.Id}}' "$LAYERS")
	run_hutch save -o "$BATS_TEST_TMPDIR/l2.tar" "$LAYERS"
	new_store c
	run_hutch load -i "$BATS_TEST_TMPDIR/l2.tar"
	run_hutch image inspect --format '{{.Id}}' "$LAYERS"
	assert_output "$id"
	# oci-archive as well, and a layer whose kept blob is gone is written anew
	run_hutch save --format oci-archive -o "$BATS_TEST_TMPDIR/l3.tar" "$LAYERS"
	new_store d
	run_hutch load -i "$BATS_TEST_TMPDIR/l3.tar"
	run_hutch image inspect --format '{{.Id}}' "$LAYERS"
	assert_output "$id"
	rm "$(store)"/layers/*/blob
	run_hutch save -o "$BATS_TEST_TMPDIR/l4.tar" "$LAYERS"
	new_store e
	run_hutch load -i "$BATS_TEST_TMPDIR/l4.tar"
	assert_output "Loaded image: $LAYERS"
}

@test "save/load: stdout and stdin, never a terminal" {
	pull_fixture base
	run bash -c '"$HUTCH" save "$1" > "$2"' _ "$BASE" "$BATS_TEST_TMPDIR/b.tar"
	assert_success
	new_store b
	run bash -c '"$HUTCH" load < "$1"' _ "$BATS_TEST_TMPDIR/b.tar"
	assert_success
	assert_output "Loaded image: $BASE"
	command -v script >/dev/null || skip_machine "script (util-linux) is not installed"
	run script -qfec "$HUTCH save $BASE" /dev/null
	assert_failure 125
	assert_output --partial "Error: refusing to save to terminal. Use -o flag or redirect"
	run script -qfec "$HUTCH load" /dev/null
	assert_failure 125
	assert_output --partial "Error: cannot read an archive from terminal"
}

@test "save/load: several images in one docker-archive, layers shared" {
	pull_fixture base
	pull_fixture layers
	run_hutch save -o "$BATS_TEST_TMPDIR/two.tar" "$BASE" "$LAYERS"
	run tar -xOf "$BATS_TEST_TMPDIR/two.tar" manifest.json
	assert_equal "$(jq length <<<"$output")" 2
	new_store b
	run_hutch load -i "$BATS_TEST_TMPDIR/two.tar"
	assert_output "Loaded image: $BASE
Loaded image: $LAYERS"
	run_hutch images --format '{{.Repository}}'
	assert_line "$HUTCH_REGISTRY/base"
	assert_line "$HUTCH_REGISTRY/layers"
	# oci-archive holds one image.
	run_hutch 125 save --format oci-archive -o "$BATS_TEST_TMPDIR/x.tar" "$BASE" "$LAYERS"
	assert_equal "${stderr_lines[0]}" "Error: oci-archive holds one image: use docker-archive for several"
	run_hutch 125 save --format zip -o "$BATS_TEST_TMPDIR/x.tar" "$BASE"
	assert_equal "${stderr_lines[0]}" 'Error: unsupported format "zip": want docker-archive or oci-archive'
}

@test "save/load: oci-archive round trip, and skopeo reads it" {
	pull_fixture layers
	run_hutch save --format oci-archive -o "$BATS_TEST_TMPDIR/l.tar" "$LAYERS"
	run tar -tf "$BATS_TEST_TMPDIR/l.tar"
	assert_line oci-layout
	assert_line index.json
	# skopeo checks every digest while copying it out.
	# (in the user namespace: skopeo chowns what it unpacks)
	run "$HUTCH" unshare skopeo --insecure-policy copy --quiet "oci-archive:$BATS_TEST_TMPDIR/l.tar" "oci:$BATS_TEST_TMPDIR/copy:x"
	assert_success
	new_store b
	run_hutch load -i "$BATS_TEST_TMPDIR/l.tar"
	assert_output "Loaded image: $LAYERS"
	# The layers went out as the registry sent them (their blobs are kept): same image ID,
	# as podman's save and load keep it.
	run_hutch image inspect --format '{{.Id}}' "$LAYERS"
	assert_output "$(fixture_config_id layers)"
	in_rootfs overlay "$LAYERS" 'cat $ROOTFS/data/added3.txt'
	assert_output "added in layer 3"
}

@test "load: a damaged archive is refused and nothing is stored" {
	pull_fixture base
	run_hutch save --format oci-archive -o "$BATS_TEST_TMPDIR/b.tar" "$BASE"
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -xf "$BATS_TEST_TMPDIR/b.tar" -C "$BATS_TEST_TMPDIR/x"
	local layer
	layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/x/blobs/sha256/$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/x/index.json" | cut -d: -f2)" | cut -d: -f2)
	printf 'x' >>"$BATS_TEST_TMPDIR/x/blobs/sha256/$layer"
	tar -cf "$BATS_TEST_TMPDIR/bad.tar" -C "$BATS_TEST_TMPDIR/x" .
	new_store b
	run_hutch 125 load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_regex "$stderr" "^Error: loading the archive: layer digest mismatch: want sha256:$layer, got sha256:[0-9a-f]{64}\$"
	run_hutch images -q
	assert_output ""
	echo "not a tar" >"$BATS_TEST_TMPDIR/junk"
	run_hutch 125 load -i "$BATS_TEST_TMPDIR/junk"
	# podman's words for it (its 120-load tests look for them), from a file and stdin
	assert_equal "$stderr" "Error: loading the archive: payload does not match any of the supported image formats: not a tar archive (Unrecognized archive format)"
	run bash -c '"$HUTCH" load <<<"Danger, Will Robinson!! This is a corrupt tarball!"'
	assert_failure 125
	[[ $output == *"payload does not match any of the supported image formats:"* ]]
	tar -cf "$BATS_TEST_TMPDIR/empty.tar" -C "$BATS_TEST_TMPDIR/x" oci-layout
	run_hutch 125 load -i "$BATS_TEST_TMPDIR/empty.tar"
	assert_equal "$stderr" "Error: loading the archive: payload does not match any of the supported image formats: no manifest.json (docker-archive) or index.json (oci-archive)"
	run_hutch 125 load -i "$BATS_TEST_TMPDIR/nope.tar"
	assert_equal "$stderr" "Error: opening $BATS_TEST_TMPDIR/nope.tar: No such file or directory"
}

@test "interop: hutch save loads in podman, podman save loads in hutch (both formats)" {
	command -v podman >/dev/null || skip_machine "podman is not installed"
	pull_fixture layers
	local fmt
	for fmt in docker-archive oci-archive; do
		run_hutch save --format "$fmt" -o "$BATS_TEST_TMPDIR/h-$fmt.tar" "$LAYERS"
		run podman_ load -i "$BATS_TEST_TMPDIR/h-$fmt.tar"
		assert_success
		assert_output --partial "$LAYERS"
		run podman_ run --rm --net=none "$LAYERS" cat /data/added3.txt
		assert_success
		assert_output "added in layer 3"
		run podman_ save --format "$fmt" -o "$BATS_TEST_TMPDIR/p-$fmt.tar" "$LAYERS"
		assert_success
		run podman_ rmi -a -f
		new_store "p-$fmt"
		run_hutch load -i "$BATS_TEST_TMPDIR/p-$fmt.tar"
		assert_output --regexp "^Loaded image: "
		in_rootfs overlay "${output#Loaded image: }" 'cd $ROOTFS; cat data/added3.txt; stat -c %u data/owned1000'
		assert_output "added in layer 3
1000"
	done
}

@test "export/import: a container's rootfs with its changes becomes a new image" {
	pull_fixture base
	run_hutch create --name exp "$BASE" sh -c 'echo changed >/newfile; rm /etc/passwd'
	run_hutch export -o "$BATS_TEST_TMPDIR/created.tar" exp
	run tar -tf "$BATS_TEST_TMPDIR/created.tar"
	assert_line bin/busybox
	refute_line newfile
	run_hutch start --attach exp
	run_hutch export -o "$BATS_TEST_TMPDIR/rootfs.tar" exp
	run tar -tf "$BATS_TEST_TMPDIR/rootfs.tar"
	assert_line newfile
	refute_line etc/passwd

	run_hutch import --change 'CMD ["cat", "/newfile"]' --change ENV=FOO=bar \
		--change WORKDIR=/etc -m "from exp" "$BATS_TEST_TMPDIR/rootfs.tar" fromexp
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	run_hutch images --format '{{.Repository}}:{{.Tag}}' localhost/fromexp
	assert_output "localhost/fromexp:latest"
	run_hutch run --rm fromexp
	assert_output "changed"
	run_hutch run --rm fromexp sh -c 'echo $FOO $PWD'
	assert_output "bar /etc"
	run_hutch history --format '{{.Comment}}' fromexp
	assert_output "from exp"

	# From stdin, without a name: a dangling image.
	run bash -c '"$HUTCH" import - < "$1"' _ "$BATS_TEST_TMPDIR/rootfs.tar"
	assert_success
	run_hutch images --filter dangling=true -q
	assert_output "$(echo "${output}" | head -1)"
	run_hutch 125 import --change 'HEALTHCHECK CMD true' "$BATS_TEST_TMPDIR/rootfs.tar"
	assert_equal "${stderr_lines[0]}" 'Error: invalid change "HEALTHCHECK CMD true" - invalid instruction HEALTHCHECK'
	run_hutch 125 export nope
	[[ $stderr == 'Error: no container with name or ID "nope" found'* ]]
}

@test "save/load: by ID loads without a name; load -i takes an http URL; image load/save" {
	pull_fixture base
	local id
	id=$(fixture_config_id base)
	run_hutch image save -o "$BATS_TEST_TMPDIR/byid.tar" "${id:0:12}"
	run_hutch save -m -q -o "$BATS_TEST_TMPDIR/byname.tar" "$BASE"
	run_hutch rmi "$BASE"
	run_hutch image load -q -i "$BATS_TEST_TMPDIR/byid.tar"
	assert_output --regexp '^Loaded image: sha256:[0-9a-f]{64}$'
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "<none>:<none>"
	run_hutch rmi -a

	local port pid
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 -m http.server "$port" --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR" >/dev/null 2>&1 3>&- &
	pid=$!
	local _
	for _ in $(seq 50); do
		curl -fso /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	run_hutch load -i "http://127.0.0.1:$port/byname.tar"
	assert_output "Loaded image: $BASE"
	run_hutch 125 load -i "http://127.0.0.1:$port/nope.tar"
	assert_equal "$stderr" "Error: fetching http://127.0.0.1:$port/nope.tar: The requested URL returned error: 404"
	kill "$pid"
	run_hutch save --uncompressed --format oci-archive -o "$BATS_TEST_TMPDIR/u.tar" "$BASE"
	mkdir "$BATS_TEST_TMPDIR/u"
	tar -xf "$BATS_TEST_TMPDIR/u.tar" -C "$BATS_TEST_TMPDIR/u"
	run file "$BATS_TEST_TMPDIR"/u/blobs/sha256/*
	assert_output --partial "POSIX tar archive"
}

@test "load: a name the archive brings comes first among the image's names (podman's order)" {
	pull_fixture base
	run_hutch tag "$BASE" localhost/x0:t0
	run_hutch save -o "$BATS_TEST_TMPDIR/x.tar" localhost/x0:t0
	run_hutch rmi localhost/x0:t0
	assert_output "Untagged: localhost/x0:t0"
	run_hutch load -i "$BATS_TEST_TMPDIR/x.tar"
	assert_output "Loaded image: localhost/x0:t0"
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "localhost/x0:t0
$BASE"
}
