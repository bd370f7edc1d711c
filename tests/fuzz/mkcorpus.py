#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# Write the seed corpora of the fuzz targets, tests/fuzz/corpus/TARGET/: the project's
# bad-input corpora (tests/data/bad/, as bad-NAME) and valid examples of each format, so
# that the fuzzers start from both sides of every check. Deterministic (fixed times, no
# gzip time stamp); files written here are overwritten, others in the directories are left
# (spec/hutch-*.json come from hutch-runtime spec and hutch's own config.json generator).
#
# Usage: tests/fuzz/mkcorpus.py      (from anywhere; writes into the checkout)

import base64
import gzip
import io
import json
import lzma
import os
import shutil
import subprocess
import tarfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")
BAD = os.path.join(TOP, "tests", "data", "bad")
D0 = "sha256:" + "0" * 64
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "ab" * 32


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def put_json(target, name, obj):
    put(target, name, json.dumps(obj, indent=1) + "\n")


def copy_bad(target, sub, strip_newline=False, trim_tar=False):
    src = os.path.join(BAD, sub)
    for n in sorted(os.listdir(src)):
        with open(os.path.join(src, n), "rb") as f:
            data = f.read()
        if strip_newline and data.endswith(b"\n"):
            data = data[:-1]
        if trim_tar:
            data = trim(data)
        put(target, "bad-" + n, data)


def trim(data):
    """A tar without the zero padding after its end blocks (they only slow the fuzzer)."""
    end = len(data.rstrip(b"\0"))
    if end == len(data):
        return data
    end = (end + 511) // 512 * 512 + 1024
    return data[:end]


def references():
    copy_bad("reference", "references", strip_newline=True)
    for i, r in enumerate([
        "alpine",
        "library/alpine:3.19",
        "docker.io/library/alpine:latest",
        "localhost/x",
        "localhost:5000/a/b:v1@" + D2,
        "quay.io/org/repo__x-y.z/sub:tag_1.0-rc",
        "[::1]:5000/img:1",
        "127.0.0.1:5000/img@" + D1,
        "registry.example.com:443/a/b/c/d",
    ]):
        put("reference", "good-%d" % i, r)


def desc(mt, digest=D0, size=1, **extra):
    d = {"mediaType": mt, "digest": digest, "size": size}
    d.update(extra)
    return d


def manifests():
    copy_bad("manifest", "manifests")
    oci_layer = "application/vnd.oci.image.layer.v1.tar+gzip"
    put_json("manifest", "good-oci-manifest", {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": desc("application/vnd.oci.image.config.v1+json", D1, 1234),
        "layers": [desc(oci_layer, D0, 100), desc("application/vnd.oci.image.layer.v1.tar+zstd",
                                                   D2, 5)],
        "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
    })
    put_json("manifest", "good-docker-manifest", {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": desc("application/vnd.docker.container.image.v1+json", D1, 7),
        "layers": [desc("application/vnd.docker.image.rootfs.diff.tar.gzip", D0, 3)],
    })
    put_json("manifest", "good-no-media-type", {
        "schemaVersion": 2, "config": desc("x", D1), "layers": []})
    plat = [("linux", "amd64", None), ("linux", "arm64", "v8"), ("linux", "arm", "v7"),
            ("linux", "arm", "v6"), ("windows", "amd64", None), ("linux", "s390x", None)]
    entries = []
    for os_, arch, var in plat:
        p = {"os": os_, "architecture": arch}
        if var:
            p["variant"] = var
        entries.append(desc("application/vnd.oci.image.manifest.v1+json", D0, 500, platform=p))
    put_json("manifest", "good-oci-index", {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": entries})
    put_json("manifest", "good-docker-list", {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [desc("application/vnd.docker.distribution.manifest.v2+json", D1, 9,
                           platform={"os": "linux", "architecture": "amd64"})]})
    put_json("manifest", "good-index-no-media-type", {
        "schemaVersion": 2, "manifests": [desc("application/vnd.oci.image.manifest.v1+json",
                                               platform={"os": "linux",
                                                         "architecture": "arm64"})]})


def image_configs():
    copy_bad("image_config", "image-config")
    put_json("image_config", "good-full", {
        "created": "2024-01-01T00:00:00Z", "architecture": "amd64", "os": "linux",
        "variant": "", "author": "x",
        "config": {"User": "1000:1000", "Env": ["PATH=/bin", "A=b"],
                   "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"], "WorkingDir": "/w",
                   "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "StopSignal": "SIGINT",
                   "Volumes": {"/data": {}}, "Labels": {"a": "b"}},
        "rootfs": {"type": "layers", "diff_ids": [D0, D1]},
        "history": [{"created_by": "x"}, {"empty_layer": True}],
    })
    put_json("image_config", "good-minimal", {"rootfs": {"type": "layers", "diff_ids": []}})
    put_json("image_config", "good-null-fields", {
        "os": None, "config": {"Entrypoint": None, "Cmd": [], "Env": None, "User": ""},
        "rootfs": {"diff_ids": [D2]}})
    put_json("image_config", "bad-diff-id", {"rootfs": {"diff_ids": ["sha256:12"]}})
    put_json("image_config", "bad-cmd-type", {
        "config": {"Cmd": "sh", "Entrypoint": [1, 2], "Env": {"A": "b"}, "WorkingDir": 5},
        "rootfs": {"diff_ids": [D0]}})
    put_json("image_config", "bad-no-rootfs", {"os": "linux"})
    put("image_config", "bad-not-json", "{\"rootfs\": ")


def specs():
    copy_bad("spec", "config")
    put_json("spec", "good-process", {
        "args": ["sh"], "env": ["A=1"], "cwd": "/", "terminal": False,
        "user": {"uid": 1, "gid": 2, "additionalGids": [3], "umask": 18},
        "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096}],
        "noNewPrivileges": True, "oomScoreAdj": 100,
        "consoleSize": {"height": 24, "width": 80}})
    ops = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
           "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"]
    actions = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
               "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
               "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]
    rules = [{"names": ["read", "write", "no_such_call"], "action": "SCMP_ACT_ALLOW"}]
    for i, op in enumerate(ops):
        rules.append({"names": ["kill"], "action": actions[i % len(actions)], "errnoRet": 1,
                      "args": [{"index": i % 6, "value": 9, "valueTwo": 15, "op": op}]})
    put_json("spec", "good-seccomp", {
        "ociVersion": "1.2.0", "root": {"path": "rootfs"},
        "process": {"args": ["sh"], "cwd": "/"},
        "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}],
                  "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                                "SCMP_ARCH_AARCH64"],
                              "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                              "syscalls": rules}}})


def regconfs():
    copy_bad("regconf", "registries.conf")
    put("regconf", "good-full", """# a full registries.conf v2
unqualified-search-registries = ["docker.io", 'quay.io',
  "registry.fedoraproject.org",  # comment in an array
]
short-name-mode = "permissive"

[[registry]]
prefix = "example.com/foo"
location = "mirror.example.com/bar"
insecure = false
blocked = false

[[registry.mirror]]
location = "m1.example.com"
insecure = true

[[registry.mirror]]
location = "m2.example.com"

[[registry]]
prefix = "*.w.example"
location = "w.example"

[[registry]]
location = "blocked.example"
blocked = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"esc\\u00e9" = "x\\ty\\U0001F600\\\\\\""
'literal' = 'C:\\path'

[engine]
whatever = 1
""")
    put("regconf", "good-empty", "")
    put("regconf", "good-numbers", "a = 1\nb = -2\nc = +3\nd = true\ne = false\n")


def auths():
    def b64(s):
        return base64.b64encode(s.encode()).decode()
    copy_bad("auth", "auth.json")
    put_json("auth", "good-hosts", {"auths": {
        "docker.io": {"auth": b64("u:p")},
        "https://index.docker.io/v1/": {"auth": b64("legacy:pw")},
        "127.0.0.1:5000": {"auth": b64("local:pw:with:colons")},
        "quay.io/ns": {"auth": b64("ns:pw")},
        "quay.io/ns/repo": {"auth": b64("repo:pw")},
        "http://registry-1.docker.io/": {"auth": b64("x:y")},
    }})
    put_json("auth", "good-docker-config", {
        "auths": {"docker.io": {"auth": b64("u:p"), "email": "e"}},
        "credsStore": "desktop", "credHelpers": {"quay.io": "x"}})
    put_json("auth", "good-empty", {"auths": {}})
    put_json("auth", "bad-no-colon", {"auths": {"docker.io": {"auth": b64("nocolon")}}})
    put_json("auth", "bad-base64", {"auths": {"docker.io": {"auth": "!!!="}}})
    put_json("auth", "bad-auth-type", {"auths": {"docker.io": {"auth": 5}, "quay.io": []}})
    put("auth", "bad-not-json", "{\"auths\": {")
    put("auth", "bad-array", "[]")


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            ti.type = e.get("type", tarfile.REGTYPE)
            ti.mode = e.get("mode", 0o644)
            ti.uid = ti.gid = e.get("uid", 0)
            ti.mtime = 1704067200
            ti.linkname = e.get("target", "")
            ti.devmajor, ti.devminor = e.get("dev", (0, 0))
            ti.pax_headers = e.get("pax", {})
            data = e.get("data", "").encode()
            ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
            t.addfile(ti, io.BytesIO(data) if ti.size else None)
    return trim(buf.getvalue())


def layers():
    copy_bad("unpack", "tarballs", trim_tar=True)
    D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    every = tar_bytes([
        {"name": "etc/", "type": D, "mode": 0o755},
        {"name": "etc/passwd", "data": "root:x:0:0::/root:/bin/sh\n"},
        {"name": "bin/su", "mode": 0o4755, "uid": 0, "data": "x"},
        {"name": "home/u/", "type": D, "mode": 0o2750, "uid": 1000},
        {"name": "home/u/f", "uid": 1000, "data": "in a setgid dir"},
        {"name": "abs", "type": L, "target": "/etc/passwd"},
        {"name": "rel", "type": L, "target": "../../etc"},
        {"name": "hard", "type": H, "target": "etc/passwd"},
        {"name": "fifo", "type": tarfile.FIFOTYPE, "mode": 0o600},
        {"name": "null", "type": tarfile.CHRTYPE, "dev": (1, 3)},
        {"name": "loop0", "type": tarfile.BLKTYPE, "dev": (7, 0)},
        {"name": "gone", "type": tarfile.CHRTYPE, "dev": (0, 0)},
        {"name": "etc/.wh.shadow"},
        {"name": "opq/", "type": D},
        {"name": "opq/.wh..wh..opq"},
        {"name": "opq/.wh..wh.plnk"},
        {"name": "x", "pax": {"SCHILY.xattr.user.a": "1",
                              "SCHILY.xattr.security.capability": "\x01\x00\x00\x02",
                              "SCHILY.xattr.trusted.overlay.opaque": "y",
                              "SCHILY.xattr.user.overlay.opaque": "y"}, "data": "x"},
        {"name": "./dot/./name", "data": "d"},
        {"name": "/absolute/name", "data": "a"},
        {"name": "a" * 120 + "/" + "b" * 120, "data": "long"},
        {"name": "etc", "data": "a file over a dir"},
        {"name": "etc/", "type": D},
        {"name": "abs", "data": "a file over a symlink"},
    ])
    put("unpack", "good-every-type.tar", every)
    put("unpack", "good-every-type.tar.gz", gzip.compress(every, mtime=0))
    put("unpack", "good-every-type.tar.xz", lzma.compress(every))
    if shutil.which("zstd"):
        z = subprocess.run(["zstd", "-q", "-c", "-19"], input=every, capture_output=True,
                           check=True).stdout
        put("unpack", "good-every-type.tar.zst", z)
    put("unpack", "good-gnu.tar", tar_bytes([
        {"name": "d/", "type": D}, {"name": "d/" + "n" * 150, "data": "gnu long name"},
        {"name": "l", "type": L, "target": "t" * 150}], fmt=tarfile.GNU_FORMAT))
    put("unpack", "good-ustar.tar", tar_bytes([{"name": "f", "data": "ustar"}],
                                              fmt=tarfile.USTAR_FORMAT))
    # Ways out that the unpack must refuse or keep inside.
    put("unpack", "escape-symlink-dir.tar", tar_bytes([
        {"name": "l", "type": L, "target": "/"},
        {"name": "l/escaped", "data": "x"},
        {"name": "p", "type": L, "target": "../../../.."},
        {"name": "p/escaped", "data": "x"},
        {"name": "h", "type": H, "target": "p/escaped"}]))
    put("unpack", "escape-replace-dir-by-link.tar", tar_bytes([
        {"name": "d/", "type": D}, {"name": "d/f", "data": "1"},
        {"name": "d", "type": L, "target": ".."},
        {"name": "d/f", "data": "2"},
        {"name": "d/.wh.sentinel"}]))
    put("unpack", "escape-whiteout-through-link.tar", tar_bytes([
        {"name": "l", "type": L, "target": "/.."},
        {"name": "l/.wh.jail"}, {"name": "l/.wh..wh..opq"}]))


def main():
    references()
    manifests()
    image_configs()
    specs()
    regconfs()
    auths()
    layers()


if __name__ == "__main__":
    main()
