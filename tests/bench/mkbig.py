#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Build a large multi-layer OCI image for tests/bench/pull.sh, offline, from Debian
# packages (.deb files unpacked with dpkg-deb -x, one group of packages per layer).
#
# Usage: mkbig.py OUTDIR DEBDIR GROUP [GROUP...]
#   GROUP is a comma-separated list of package names; DEBDIR holds NAME_*.deb files.
#   Writes an OCI layout to OUTDIR tagged "latest"; prints the unpacked size in bytes.

import glob
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def blob(out, data_path=None, data=None):
    h = hashlib.sha256()
    if data is None:
        with open(data_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        size = os.path.getsize(data_path)
    else:
        h.update(data)
        size = len(data)
    d = h.hexdigest()
    dst = os.path.join(out, "blobs", "sha256", d)
    if data is None:
        shutil.move(data_path, dst)
    else:
        with open(dst, "wb") as f:
            f.write(data)
    return "sha256:" + d, size


def main():
    out, debdir, groups = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    layers, diff_ids, total = [], [], 0
    for g in groups:
        root = tempfile.mkdtemp(dir=out)
        for name in g.split(","):
            debs = sorted(glob.glob(os.path.join(debdir, name + "_*.deb")))
            if not debs:
                sys.exit("mkbig.py: no .deb for %s in %s" % (name, debdir))
            subprocess.run(["dpkg-deb", "-x", debs[-1], root], check=True)
        tarp = os.path.join(out, "layer.tar")
        subprocess.run(["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                        "--mtime=2024-01-01", "-C", root, "-cf", tarp, "."], check=True)
        total += os.path.getsize(tarp)
        h = hashlib.sha256()
        with open(tarp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        diff_ids.append("sha256:" + h.hexdigest())
        subprocess.run(["gzip", "-6", "-n", tarp], check=True)
        d, size = blob(out, data_path=tarp + ".gz")
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": d, "size": size})
        shutil.rmtree(root)
    cfg = {"created": "2024-01-01T00:00:00Z", "architecture": ARCH, "os": "linux",
           "config": {"Cmd": ["/bin/bash"], "Env": ["PATH=/usr/bin:/bin"]},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "mkbig.py " + g} for g in groups]}
    cd, cs = blob(out, data=json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                      "size": cs}, "layers": layers}
    md, ms = blob(out, data=json.dumps(man).encode())
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md,
             "size": ms, "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}, f)
    print(total)


main()
