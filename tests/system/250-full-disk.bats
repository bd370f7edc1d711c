#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# A full disk (issue #4): the store on a small tmpfs ($HUTCH_SMALLFS, 8 MiB, mounted by
# tests/check.sh as root, since an unprivileged user cannot mount one). A pull that does
# not fit fails with one clean error, leaves no half image, and the store stays usable.

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

teardown() {
	# The tmpfs outlives the test: empty it (layers belong to subordinate ids).
	if [[ -n ${HUTCH_SMALLFS:-} && -d $HUTCH_SMALLFS/data ]]; then
		"$HUTCH" unshare rm -rf "$HUTCH_SMALLFS/data" || true
	fi
}

@test "full disk: a pull that does not fit fails cleanly and the store stays usable" {
	[[ -n ${HUTCH_SMALLFS:-} ]] || skip_machine "no small tmpfs (HUTCH_SMALLFS): run make check as root"
	push_big_image
	export XDG_DATA_HOME=$HUTCH_SMALLFS/data
	mkdir -p "$XDG_DATA_HOME"

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
