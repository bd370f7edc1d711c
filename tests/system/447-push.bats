#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# push (issue 17): to a registry with Basic auth and TLS, pulled back and run by hutch and
# by podman; the blobs a registry has are skipped (HEAD) and those of another repository
# mounted; an unchanged pulled image keeps its manifest digest; layers without a kept blob
# are compressed (gzip, zstd); oci:, oci-archive: and docker-archive: destinations; and the
# bad input: an unknown image, wrong credentials, an unreachable or a garbage registry.

load helpers
load storage_helpers

CREDS=pusher:pu5h-s3cret

# reg_start NAME [AUTH-YAML] [tls]: a registry of this file, NAME.addr holds host:port.
reg_start() {
	local name=$1 auth=${2:-} tls=${3:-} dir port i
	dir=$BATS_FILE_TMPDIR/$name
	mkdir -p "$dir/data"
	port=$(free_port)
	{
		printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n' "$dir"
		printf '  delete:\n    enabled: true\n'
		printf 'http:\n  addr: 127.0.0.1:%s\n  secret: %s\n' "$port" "$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
		if [[ -n $tls ]]; then
			printf '  tls:\n    certificate: %s\n    key: %s\n' "$CERTS/server.crt" "$CERTS/server.key"
		fi
		printf '%s\n' "$auth"
	} >"$dir/config.yml"
	/usr/bin/docker-registry serve "$dir/config.yml" </dev/null >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	for ((i = 0; i < 100; i++)); do
		curl -sk --noproxy '*' -o /dev/null "http${tls:+s}://127.0.0.1:$port/v2/" && break
		sleep 0.1
	done
	echo "127.0.0.1:$port" >"$BATS_FILE_TMPDIR/$name.addr"
}

# A registry that answers /v2/ and then only garbage.
garbage_start() {
	local dir=$BATS_FILE_TMPDIR/garbage i
	mkdir -p "$dir"
	python3 - "$dir" </dev/null >/dev/null 2>&1 3>&- <<'EOF' &
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = b"{}" if self.path == "/v2/" else b"<html>\x1b[31mgarbage\xff</html>"
        self.send_response(200)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = answer
    def log_message(self, *a):
        pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + "/port", "w").write(str(s.server_address[1]))
s.serve_forever()
EOF
	echo $! >"$dir/pid"
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/port ]] && break
		sleep 0.1
	done
	echo "127.0.0.1:$(<"$dir/port")" >"$BATS_FILE_TMPDIR/garbage.addr"
}

setup_file() {
	CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS"
	(
		cd "$CERTS" || exit
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
			-subj "/CN=hutch push test CA"
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj "/CN=127.0.0.1"
		printf 'subjectAltName=IP:127.0.0.1\n' >ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out server.crt -days 2 -extfile ext
		openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 \
			-subj "/CN=hutch token issuer"
	) >/dev/null 2>&1
	export CERTS
	local state=$BATS_FILE_TMPDIR/tokens i
	mkdir -p "$state"
	"$BATS_TEST_DIRNAME/../fixtures/tokenserver.py" "$state" "$CERTS/token.key" \
		"$CERTS/token.crt" hutch-issuer "$CREDS" </dev/null >"$state/out" 2>&1 3>&- &
	for ((i = 0; i < 100; i++)); do
		[[ -s $state/token-port ]] && break
		sleep 0.1
	done
	reg_start token "auth:
  token:
    realm: http://127.0.0.1:$(<"$state/token-port")/token
    service: hutch-registry
    issuer: hutch-issuer
    rootcertbundle: $CERTS/token.crt"
	htpasswd -Bbn "${CREDS%%:*}" "${CREDS#*:}" >"$BATS_FILE_TMPDIR/htpasswd" 2>/dev/null
	reg_start secure "auth:
  htpasswd:
    realm: hutch-push
    path: $BATS_FILE_TMPDIR/htpasswd" tls
	reg_start plain
	garbage_start
}

teardown_file() {
	local p
	for p in "$BATS_FILE_TMPDIR"/*/pid "$BATS_FILE_TMPDIR"/tokens/token-pid; do
		[[ -s $p ]] && kill "$(<"$p")" 2>/dev/null
	done
	true
}

addr() {
	cat "$BATS_FILE_TMPDIR/$1.addr"
}

# The CA of the secure registry, trusted through certs.d.
trust_ca() {
	mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$(addr secure)"
	cp "$CERTS/ca.crt" "$XDG_CONFIG_HOME/containers/certs.d/$(addr secure)/ca.crt"
}

# A fresh, empty store (and runtime dir) for pulling back what was pushed.
empty_store() {
	export XDG_DATA_HOME=$BATS_TEST_TMPDIR/data2
	mkdir -p "$XDG_DATA_HOME"
}

# The manifest the registry at ADDR serves for REPO:TAG (bytes), with CURL-ARGS before.
reg_manifest() {
	local addr=$1 ref=$2
	shift 2
	curl -sf --noproxy '*' "$@" -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
		"http://$addr/v2/${ref%:*}/manifests/${ref##*:}"
}

pm() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$BATS_TEST_TMPDIR/prun" \
		--tmpdir "$BATS_TEST_TMPDIR/ptmp" --runtime runc --cgroup-manager=cgroupfs \
		--events-backend=file --storage-driver vfs "$@" 3>&-
}

teardown() {
	if [[ -d $BATS_TEST_TMPDIR/podman ]]; then
		pm unshare rm -rf "$BATS_TEST_TMPDIR/podman" >/dev/null 2>&1 || true
		local pause
		pause=$(cat "$BATS_TEST_TMPDIR/ptmp/pause.pid" "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per line
		[[ -z $pause ]] || kill $pause 2>/dev/null || true
	fi
}

# A 2-layer image of our own, made by import and commit: no layer of it was pulled.
# $1: its name; $2: MiB of random data in the imported layer (default 1), $3: in the
# committed one (default 0).
make_image() {
	local name=$1 mib=${2:-1} more=${3:-0} root=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$root/bin" "$root/data"
	cp /usr/bin/busybox "$root/bin/busybox" 2>/dev/null || cp "$(command -v busybox)" "$root/bin/busybox"
	for c in sh cat ls echo; do ln -sf busybox "$root/bin/$c"; done
	head -c $((mib << 20)) /dev/urandom >"$root/data/random"
	echo "imported" >"$root/data/note"
	tar -C "$root" --owner=0 --group=0 --numeric-owner -cf "$BATS_TEST_TMPDIR/rootfs.tar" .
	run_hutch import -q "$BATS_TEST_TMPDIR/rootfs.tar" "$name-base"
	head -c $((more << 20)) /dev/urandom >"$BATS_TEST_TMPDIR/more"
	run_hutch run --name mk -v "$BATS_TEST_TMPDIR/more:/more:ro" "$name-base" \
		sh -c 'echo committed >/data/c; rm /data/note; cat /more >/data/more'
	run_hutch commit -q mk "$name"
	run_hutch rm mk
}

@test "push: Basic auth and TLS; pulled back into an empty store and run by hutch and by podman" {
	make_image mine
	# An unknown CA is refused; --cert-dir names one to trust.
	run_hutch 125 push --creds "$CREDS" mine "$(addr secure)/team/mine:0"
	[[ $stderr == *"pinging container registry $(addr secure)"*"certificate"* ]] || fail "$stderr"
	mkdir -p "$BATS_TEST_TMPDIR/certs"
	cp "$CERTS/ca.crt" "$BATS_TEST_TMPDIR/certs/"
	run_hutch push -q --cert-dir "$BATS_TEST_TMPDIR/certs" --creds "$CREDS" mine "$(addr secure)/team/mine:0"
	trust_ca
	run_hutch 125 push mine "$(addr secure)/team/mine:1"
	[[ $stderr == *"401 Unauthorized"* ]] || fail "no credentials: $stderr"
	run_hutch push --creds "$CREDS" --digestfile "$BATS_TEST_TMPDIR/digest" mine "$(addr secure)/team/mine:1"
	assert_output ""
	# podman's lines: each layer by its diff ID, then the config pushed.
	config=$(curl -sf --cacert "$CERTS/ca.crt" -u "$CREDS" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"https://$(addr secure)/v2/team/mine/manifests/1" | jq -r .config.digest)
	assert_equal "$stderr" "$(printf 'Getting image source signatures\nCopying blob %s\nCopying blob %s\nCopying config %s\nWriting manifest to image destination\nStoring signatures' \
		"$("$HUTCH" image inspect --format '{{index .RootFS.Layers 0}}' mine)" \
		"$("$HUTCH" image inspect --format '{{index .RootFS.Layers 1}}' mine)" "$config")"
	digest=$(<"$BATS_TEST_TMPDIR/digest")
	[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "digest file: $digest"
	# The registry serves that manifest under the tag.
	run curl -sf --cacert "$CERTS/ca.crt" -u "$CREDS" -o /dev/null -w '%header{docker-content-digest}' \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' "https://$(addr secure)/v2/team/mine/manifests/1"
	assert_output "$digest"

	empty_store
	run_hutch pull -q --creds "$CREDS" "$(addr secure)/team/mine:1"
	run_hutch run --rm "$(addr secure)/team/mine:1" sh -c 'cat /data/c; ls /data'
	assert_output "committed
c
more
random"
	run_hutch images --digests --format '{{.Digest}}' "$(addr secure)/team/mine:1"
	assert_output "$digest"

	command -v podman >/dev/null || skip_machine "podman is not installed"
	run pm pull -q --tls-verify=false --creds "$CREDS" "$(addr secure)/team/mine:1"
	assert_success
	run pm run --rm "$(addr secure)/team/mine:1" cat /data/c
	assert_success
	assert_output "committed"
}

@test "push: token auth asks for pull and push, and for pull on the repository a blob is mounted from" {
	pull_fixture base
	run_hutch 125 push --tls-verify=false "$HUTCH_REGISTRY/base" "$(addr token)/src:latest"
	[[ $stderr == *"401 Unauthorized"* ]] || fail "$stderr"
	run_hutch push -q --tls-verify=false --creds "$CREDS" "$HUTCH_REGISTRY/base" "$(addr token)/src:latest"
	grep -q "token pusher repository:src:pull,push$" "$BATS_FILE_TMPDIR/tokens/token.log" ||
		fail "$(cat "$BATS_FILE_TMPDIR/tokens/token.log")"
	empty_store
	run_hutch pull -q --tls-verify=false --creds "$CREDS" "$(addr token)/src:latest"
	run_hutch --log-level debug push --tls-verify=false --creds "$CREDS" "$(addr token)/src" "$(addr token)/dst:latest"
	[[ $stderr == *"mounted from src"* ]] || fail "no mount: $stderr"
	[[ $stderr != *"${CREDS#*:}"* ]] || fail "the password is in the output"
	grep -q "token pusher repository:dst:pull,push repository:src:pull$" "$BATS_FILE_TMPDIR/tokens/token.log" ||
		fail "$(cat "$BATS_FILE_TMPDIR/tokens/token.log")"
	empty_store
	run_hutch pull -q --tls-verify=false --creds "$CREDS" "$(addr token)/dst:latest"
	assert_output "$(fixture_config_id base)"
}

@test "push: an unchanged pulled image keeps its manifest digest; a second push uploads no blob" {
	pull_fixture layers
	src=$(fixture_digest layers)
	run_hutch push -q --tls-verify=false --digestfile "$BATS_TEST_TMPDIR/d" "$HUTCH_REGISTRY/layers" "$(addr plain)/copy/layers:v1"
	assert_equal "$(<"$BATS_TEST_TMPDIR/d")" "$src"
	reg_manifest "$(addr plain)" copy/layers:v1 >"$BATS_TEST_TMPDIR/m"
	assert_equal "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/m" | cut -d' ' -f1)" "$src"
	# Again, with debug logs: every blob is asked for and none is sent.
	run_hutch --log-level debug push --tls-verify=false "$HUTCH_REGISTRY/layers" "$(addr plain)/copy/layers:v2"
	n=$("$HUTCH" image inspect --format '{{len .RootFS.Layers}}' "$HUTCH_REGISTRY/layers")
	assert_equal "$(grep -c 'the registry has it, skipped' <<<"$stderr")" "$((n + 1))"
	[[ $stderr != *"uploading"* ]] || fail "a blob was uploaded again"
}

@test "push: a blob is mounted from the repository the image was pulled from" {
	pull_fixture base
	dest=$HUTCH_REGISTRY/mounted-$BATS_ROOT_PID-$RANDOM:latest
	run_hutch --log-level debug push --tls-verify=false "$HUTCH_REGISTRY/base" "$dest"
	[[ $stderr == *"mounted from base"* ]] || fail "no mount: $stderr"
	[[ $stderr != *"uploading"*"in chunks"* ]] || fail "$stderr"
	empty_store
	run_hutch pull -q --tls-verify=false "$dest"
	assert_output "$(fixture_config_id base)"
}

@test "push: layers without a kept blob are gzipped (large ones sent in chunks) and zstd'd" {
	make_image big 20 20
	run_hutch --log-level debug push --tls-verify=false big "$(addr plain)/big:gzip"
	# The imported layer is compressed as it goes out; commit's blob is large: in chunks.
	[[ $stderr == *"compressing and uploading as a stream"* ]] || fail "no stream: $stderr"
	[[ $stderr == *"uploading"*"in chunks"* ]] || fail "no chunked upload: $stderr"
	# Again: what the compression made is remembered; nothing is compressed or sent.
	run_hutch --log-level debug push --tls-verify=false big "$(addr plain)/big:again"
	assert_equal "$(grep -c 'the registry has it, skipped' <<<"$stderr")" 3
	[[ $stderr != *"uploading"* ]] || fail "a blob was uploaded again: $stderr"
	run reg_manifest "$(addr plain)" big:gzip
	assert_success
	assert_equal "$(jq -r '[.mediaType, .layers[].mediaType] | join(" ")' <<<"$output")" \
		"application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.layer.v1.tar+gzip application/vnd.oci.image.layer.v1.tar+gzip"
	# The gzip blob is whole and is the layer the pushed config names.
	layer=$(jq -r '.layers[0].digest' <<<"$output")
	config=$(jq -r '.config.digest' <<<"$output")
	curl -sf --noproxy '*' "http://$(addr plain)/v2/big/blobs/$layer" >"$BATS_TEST_TMPDIR/l0.gz"
	gzip -t "$BATS_TEST_TMPDIR/l0.gz"
	assert_equal "sha256:$(zcat "$BATS_TEST_TMPDIR/l0.gz" | sha256sum | cut -d' ' -f1)" \
		"$(curl -sf --noproxy '*' "http://$(addr plain)/v2/big/blobs/$config" | jq -r '.rootfs.diff_ids[0]')"

	run_hutch push -q --tls-verify=false --compression-format zstd big "$(addr plain)/big:zstd"
	run reg_manifest "$(addr plain)" big:zstd
	assert_success
	assert_equal "$(jq -r '[.layers[].mediaType] | unique | join(" ")' <<<"$output")" \
		"application/vnd.oci.image.layer.v1.tar+zstd"
	run_hutch 125 push --tls-verify=false --compression-format zstd --format v2s2 big "$(addr plain)/big:x"
	[[ $stderr == *"zstd layers need the OCI format"* ]] || fail "$stderr"

	empty_store
	for t in gzip zstd; do
		run_hutch pull -q --tls-verify=false "$(addr plain)/big:$t"
		run_hutch run --rm "$(addr plain)/big:$t" sh -c 'cat /data/c; ls -l /data/random /data/more'
		assert_line "committed"
		assert_line --regexp " 20971520 .*random"
		assert_line --regexp " 20971520 .*more"
	done
}

@test "push: --format v2s2 gives a Docker manifest, which podman reads" {
	make_image v2
	run_hutch push -q --tls-verify=false --format v2s2 v2 "$(addr plain)/v2:latest"
	run reg_manifest "$(addr plain)" v2:latest
	assert_equal "$(jq -r '[.mediaType, .config.mediaType, .layers[0].mediaType] | join(" ")' <<<"$output")" \
		"application/vnd.docker.distribution.manifest.v2+json application/vnd.docker.container.image.v1+json application/vnd.docker.image.rootfs.diff.tar.gzip"
	command -v podman >/dev/null || skip_machine "podman is not installed"
	run pm pull -q --tls-verify=false "$(addr plain)/v2:latest"
	assert_success
	run pm run --rm "$(addr plain)/v2:latest" cat /data/c
	assert_success
	assert_output "committed"
}

@test "push: oci:DIR:TAG, oci-archive: and docker-archive: destinations" {
	make_image arc
	run_hutch push -q arc "oci:$BATS_TEST_TMPDIR/layout:one"
	[[ $(find "$BATS_TEST_TMPDIR/layout/blobs/sha256" -type f | wc -l) == 4 ]] || fail "$(ls -la "$BATS_TEST_TMPDIR/layout/blobs/sha256")"
	# The layer compressed for "one" is there: not made again.
	run_hutch --log-level debug push -q arc "oci:$BATS_TEST_TMPDIR/layout:two"
	[[ $stderr == *"the layout has sha256:"*", skipped"* ]] || fail "$stderr"
	run jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$BATS_TEST_TMPDIR/layout/index.json"
	assert_output "one
two"
	# Every blob is what its name says.
	for b in "$BATS_TEST_TMPDIR"/layout/blobs/sha256/*; do
		assert_equal "$(sha256sum <"$b" | cut -d' ' -f1)" "$(basename "$b")"
	done
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$BATS_TEST_TMPDIR/layout:two" \
		"docker://$(addr plain)/fromlayout:latest"

	run_hutch push -q arc "oci-archive:$BATS_TEST_TMPDIR/arc.tar:tagged"
	run_hutch push -q arc "docker-archive:$BATS_TEST_TMPDIR/d.tar:arc/named:v1"
	empty_store
	run_hutch load -i "$BATS_TEST_TMPDIR/arc.tar"
	run_hutch load -i "$BATS_TEST_TMPDIR/d.tar"
	assert_output "Loaded image: localhost/arc/named:v1"
	run_hutch run --rm localhost/arc/named:v1 cat /data/c
	assert_output "committed"
	run_hutch pull -q --tls-verify=false "$(addr plain)/fromlayout"
	run_hutch run --rm "$(addr plain)/fromlayout" cat /data/c
	assert_output "committed"
	# The config as pushed to the layout is the image's.
	run_hutch image inspect --format '{{.Id}}' "$(addr plain)/fromlayout"
	assert_output "$(jq -r .config.digest "$BATS_TEST_TMPDIR"/layout/blobs/sha256/"$(jq -r '.manifests[1].digest' "$BATS_TEST_TMPDIR/layout/index.json" | cut -d: -f2)" | cut -d: -f2)"
}

@test "push: an unknown image, as podman says it" {
	run_hutch 125 push --tls-verify=false nothere "$(addr plain)/x"
	assert_equal "$stderr" "Error: nothere: image not known"
}

@test "push: wrong credentials fail with a 401, leave nothing written and log no secret" {
	trust_ca
	pull_fixture base
	run_hutch 125 --log-level debug push --creds pusher:wrong-pw --digestfile "$BATS_TEST_TMPDIR/d" \
		"$HUTCH_REGISTRY/base" "$(addr secure)/wrong:latest"
	# podman's (the registry's) words end it
	[[ $stderr == *"401 Unauthorized"*": unauthorized: authentication required" ]] || fail "$stderr"
	[[ $stderr != *wrong-pw* ]] || fail "the password is in the output"
	[[ ! -e $BATS_TEST_TMPDIR/d ]] || fail "a digest file was written"
	run curl -s --cacert "$CERTS/ca.crt" -u "$CREDS" "https://$(addr secure)/v2/_catalog"
	[[ $output != *wrong* ]] || fail "the registry has the repository: $output"
	# The right ones, with debug logs: no secret there either.
	run_hutch --log-level debug push --creds "$CREDS" "$HUTCH_REGISTRY/base" "$(addr secure)/right:latest"
	[[ $stderr != *"${CREDS#*:}"* ]] || fail "the password is in the output"
	[[ $stderr != *"$(printf %s "$CREDS" | base64)"* ]] || fail "the credentials are in the output"
}

@test "push: an unreachable registry and one that answers garbage" {
	pull_fixture base
	port=$(free_port)
	run_hutch 125 push --tls-verify=false "$HUTCH_REGISTRY/base" "127.0.0.1:$port/x:latest"
	[[ $stderr == "Error: pinging container registry 127.0.0.1:$port: "*"connection refused"* ]] || fail "$stderr"
	run_hutch 125 push --tls-verify=false --digestfile "$BATS_TEST_TMPDIR/d" "$HUTCH_REGISTRY/base" "$(addr garbage)/x:latest"
	[[ ${stderr##*$'\n'} == "Error: copying blob sha256:"*"uploading blob"*"no upload location"* ]] || fail "$stderr"
	[[ $stderr != *$'\e'* ]] || fail "a control character got through"
	[[ ! -e $BATS_TEST_TMPDIR/d ]] || fail "a digest file was written"
}

@test "push: without a destination, to the image's own name; a bad destination" {
	pull_fixture base
	run_hutch tag "$HUTCH_REGISTRY/base" "$(addr plain)/own:1"
	run_hutch push -q --tls-verify=false "$(addr plain)/own:1"
	run reg_manifest "$(addr plain)" own:1
	assert_success
	run_hutch 125 push "$HUTCH_REGISTRY/base" "dir:/tmp/x"
	[[ $stderr == *"unsupported transport"* ]] || fail "$stderr"
	run_hutch 125 push --format nope "$HUTCH_REGISTRY/base" "$(addr plain)/x"
	[[ $stderr == *'unknown format "nope"'* ]] || fail "$stderr"
}

@test "image tree: podman's shape; --whatrequires lists the layers built on the image" {
	pull_fixture base
	id=$("$HUTCH" image inspect --format '{{.Id}}' "$HUTCH_REGISTRY/base")
	bottom=$("$HUTCH" image inspect --format '{{index .RootFS.Layers 0}}' "$HUTCH_REGISTRY/base")
	n=$("$HUTCH" image inspect --format '{{len .RootFS.Layers}}' "$HUTCH_REGISTRY/base")
	run_hutch run --name c1 "$HUTCH_REGISTRY/base" touch /x
	run_hutch commit -q c1 child
	run_hutch image tree "$HUTCH_REGISTRY/base"
	assert_line --index 0 "Image ID: ${id:0:12}"
	assert_line --index 1 "Tags:     [$HUTCH_REGISTRY/base:latest]"
	assert_line --index 2 --regexp '^Size:     [0-9.]+[kMG]?B$'
	assert_line --index 3 "Image Layers"
	assert_line --index 4 --regexp "^[├└]── ID: ${bottom:7:12} Size: [0-9.]+[kMG]?B"
	assert_line --index $((3 + n)) --regexp "^└── ID: [0-9a-f]{12} Size: [0-9.]+[kMG]?B Top Layer of: \[$HUTCH_REGISTRY/base:latest\]$"
	assert_equal "${#lines[@]}" $((4 + n))
	run_hutch image tree --whatrequires "$HUTCH_REGISTRY/base"
	assert_line --index 4 --regexp "^├── ID: [0-9a-f]{12} Size: .* Top Layer of: \[$HUTCH_REGISTRY/base:latest\]$"
	assert_line --index 5 --regexp '^└── ID: [0-9a-f]{12} Size: [0-9.]+[kMG]?B Top Layer of: \[localhost/child:latest\]$'
	assert_equal "${#lines[@]}" 6
	run_hutch 125 image tree nothere
	assert_equal "$stderr" "Error: nothere: image not known"
}

@test "push: credentials go to the registry only, not to an upload location on another host" {
	pull_fixture base
	local dir=$BATS_TEST_TMPDIR/split
	mkdir -p "$dir"
	# A registry wanting Basic auth whose uploads go to a second server, which logs what
	# it is sent.
	python3 - "$dir" </dev/null >"$dir/out" 2>&1 3>&- <<'PY' &
import http.server, socketserver, sys, threading
d = sys.argv[1]
class Other(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        with open(d + "/other.log", "a") as f:
            f.write("%s %s auth=%s\n" % (self.command, self.path, self.headers.get("Authorization")))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_PUT = do_PATCH = answer
    def log_message(self, *a):
        pass
other = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Other)
class Reg(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        if self.headers.get("Authorization") is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="r"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        code, hdrs = 200, {}
        if self.command == "HEAD":
            code = 404
        elif self.command == "POST":
            code, hdrs = 202, {"Location": "http://127.0.0.1:%d/up/1" % other.server_address[1]}
        elif self.command == "PUT":
            code = 201
        self.send_response(code)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if self.command == "GET":
            pass
    do_GET = do_HEAD = do_POST = do_PUT = answer
    def log_message(self, *a):
        pass
reg = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Reg)
threading.Thread(target=other.serve_forever, daemon=True).start()
open(d + "/port", "w").write(str(reg.server_address[1]))
reg.serve_forever()
PY
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/port ]] && break
		sleep 0.1
	done
	run_hutch push -q --tls-verify=false --creds "$CREDS" "$HUTCH_REGISTRY/base" "127.0.0.1:$(<"$dir/port")/x:latest"
	kill "$pid"
	run cat "$dir/other.log"
	assert_line --regexp '^PUT /up/1\?digest=sha256'
	refute_line --regexp 'auth=[^N]'
}
