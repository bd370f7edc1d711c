#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Hostile archive metadata for load: a docker-archive manifest.json or an oci-archive
# index.json whose file names or digests are not strings (or not digests) is refused with
# one clean error, and nothing is stored.

load helpers

# mktar NAME FILE=CONTENT...: a tar of small files at its top level.
mktar() {
	local out=$BATS_TEST_TMPDIR/$1
	shift
	python3 - "$out" "$@" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for arg in sys.argv[2:]:
        name, data = arg.split("=", 1)
        ti = tarfile.TarInfo(name)
        ti.size = len(data.encode())
        t.addfile(ti, io.BytesIO(data.encode()))
PY
}

bad_load() { # ARCHIVE MESSAGE: load fails with exactly that one line, nothing stored
	run_hutch 125 load -i "$BATS_TEST_TMPDIR/$1"
	assert_equal "$stderr" "Error: loading the archive: $2"
	run_hutch images -q
	assert_output ""
}

@test "hostile archive: docker-archive Config or Layers that are not file names" {
	mktar cfg-null.tar 'manifest.json=[{"Config": null, "Layers": []}]'
	bad_load cfg-null.tar "manifest.json: entry 0: Config and Layers must name files"
	mktar layer-null.tar 'manifest.json=[{"Config": "c.json", "Layers": ["a.tar", null]}]' \
		'c.json={"rootfs": {"type": "layers", "diff_ids": []}}'
	bad_load layer-null.tar "manifest.json: entry 0: Config and Layers must name files"
}

@test "hostile archive: oci-archive index.json entries without a valid digest" {
	mktar digest-null.tar 'index.json={"schemaVersion": 2, "manifests": [{"digest": null}]}'
	bad_load digest-null.tar "index.json: entry 0 has no valid digest"
	mktar media-null.tar \
		'index.json={"schemaVersion": 2, "manifests": [{"digest": "x", "mediaType": null}]}'
	bad_load media-null.tar "index.json: entry 0 has no valid digest"
	# A short digest once named the file "(invalid digest)" and was compared past its end.
	mktar digest-short.tar 'index.json={"schemaVersion": 2, "manifests": [{"digest": "x"}]}' \
		'(invalid digest)={"schemaVersion": 2}'
	bad_load digest-short.tar "index.json: entry 0 has no valid digest"
}
