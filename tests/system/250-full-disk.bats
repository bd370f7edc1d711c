#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# A full disk (issue #4): the store on a small tmpfs ($HUTCH_SMALLFS, 8 MiB, mounted by
# tests/check.sh as root, since an unprivileged user cannot mount one). A pull that does
# not fit fails with one clean error, leaves no half image, and the store stays usable.
# With the disk full, stop, kill, wait, logs and rm still work (issue #13, item 4).

load helpers
load storage_helpers

# An image of one 12 MiB layer of random bytes (gzip cannot shrink it), pushed as "big".
push_big_image() {
	local layout=$BATS_TEST_TMPDIR/big
	python3 - "$layout" <<'PY'
import gzip, hashlib, io, json, os, platform, sys, tarfile
out = sys.argv[1]
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
os.makedirs(out + "/blobs/sha256")
def put(b):
    d = hashlib.sha256(b).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(b)
    return "sha256:" + d, len(b)
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w") as t:
    data = os.urandom(12 << 20)
    ti = tarfile.TarInfo("big.bin"); ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
tar = raw.getvalue()
layer, lsize = put(gzip.compress(tar, mtime=0))
cfg, csize = put(json.dumps({"architecture": arch, "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}).encode())
man, msize = put(json.dumps({"schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": csize},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": lsize}]}).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": man, "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]},
    open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$layout:latest" \
		"docker://$HUTCH_REGISTRY/big:latest"
}

# The store on the small tmpfs.
use_smallfs() {
	export XDG_DATA_HOME=$HUTCH_SMALLFS/data
	mkdir -p "$XDG_DATA_HOME"
}

teardown() {
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
	# The tmpfs outlives the test: empty it (layers belong to subordinate ids).
	if [[ -n ${HUTCH_SMALLFS:-} && -d $HUTCH_SMALLFS/data ]]; then
		"$HUTCH" unshare rm -rf "$HUTCH_SMALLFS/data" || true
	fi
}

@test "full disk: a pull that does not fit fails cleanly and the store stays usable" {
	[[ -n ${HUTCH_SMALLFS:-} ]] || skip_machine "no small tmpfs (HUTCH_SMALLFS): run make check as root"
	push_big_image
	use_smallfs

	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/big"
	assert_equal "${#stderr_lines[@]}" 1
	# The filesystem first (with its way out), then the file that did not fit.
	assert_regex "$stderr" "^Error: pulling $HUTCH_REGISTRY/big:latest: no space left on the store's filesystem \($XDG_DATA_HOME/hutch: [0-9.]+ MiB free of [0-9.]+ MiB\): free space there .*; layer sha256:[0-9a-f]{64}: .*: No space left on device\$"
	# No image record, and no half layer under its final name.
	run_hutch images -q
	assert_output ""
	run ls "$(store)/layers"
	refute_output --regexp '^[0-9a-f]{64}$'

	# Space comes back through hutch itself, and a pull that fits works.
	run_hutch image prune -a
	pull_fixture base
	assert_output "$(fixture_config_id base)"
	run_hutch run --rm "$HUTCH_REGISTRY/base" echo ok
	assert_output ok
	run_hutch images --format '{{.Repository}}'
	assert_output "$HUTCH_REGISTRY/base"
}

# Fill the filesystem of $1 to the last block (fallocate first, dd for what is left).
fill_disk() {
	local free
	free=$(df -B1 --output=avail "$1" | tail -1)
	fallocate -l "$((free > 65536 ? free - 65536 : 4096))" "$1/fill" 2>/dev/null || true
	dd if=/dev/zero of="$1/fill2" bs=4k 2>/dev/null || true
	! dd if=/dev/zero of="$1/probe" bs=4k count=1 2>/dev/null
}

@test "full disk: stop, kill, wait, logs and rm work with no free space (#13)" {
	[[ -n ${HUTCH_SMALLFS:-} ]] || skip_machine "no small tmpfs (HUTCH_SMALLFS): run make check as root"
	local image=$HUTCH_REGISTRY/base:latest
	use_smallfs
	run_hutch pull -q --tls-verify=false "$image"
	run_hutch run -d --name st "$image" sh -c 'trap "exit 7" TERM; echo up; while :; do sleep 0.1; done'
	run_hutch run -d --name ki "$image" sh -c 'echo ki-up; exec sleep 300'
	# It exits once the disk is full, so its exit command cannot record the exit.
	mkdir "$BATS_TEST_TMPDIR/gate"
	run_hutch run -d --name three -v "$BATS_TEST_TMPDIR/gate:/gate" "$image" \
		sh -c 'while [ ! -e /gate/go ]; do sleep 0.1; done; exit 3'
	for _ in $(seq 50); do
		"$HUTCH" logs st | grep -q up && "$HUTCH" logs ki | grep -q ki-up && break
		sleep 0.1
	done
	local stpid kipid
	stpid=$("$HUTCH" inspect st --format '{{.State.Pid}}')
	kipid=$("$HUTCH" inspect ki --format '{{.State.Pid}}')
	fill_disk "$HUTCH_SMALLFS"

	run_hutch logs st
	assert_output up
	# Signal first; a state file that cannot be written does not undo the stop.
	run_hutch stop -t 5 st
	assert_output st
	run kill -0 "$stpid"
	assert_failure
	run_hutch inspect st --format '{{.State.Status}} {{.State.ExitCode}}'
	assert_output "exited 7"
	run_hutch kill ki
	run_hutch wait ki
	assert_output 137
	run kill -0 "$kipid"
	assert_failure
	run_hutch logs ki
	assert_output ki-up

	# A start that fails for want of space keeps the exit code of the run before it.
	touch "$BATS_TEST_TMPDIR/gate/go"
	run_hutch wait three
	assert_output 3
	run_hutch inspect three --format '{{.State.Status}} {{.State.ExitCode}}'
	assert_output "exited 3"
	run_hutch 125 start three
	assert_regex "$stderr" "No space left on device"
	run_hutch inspect three --format '{{.State.Status}} {{.State.ExitCode}}'
	assert_output "exited 3"

	run_hutch rm st ki three
	run_hutch ps -a -q
	assert_output ""
}
