#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Registry authentication and TLS (issue #4): Bearer tokens from a small issuer
# (tests/fixtures/tokenserver.py) trusted by Debian's docker-registry, Basic auth
# (htpasswd) with --creds and auth.json, and TLS with a test CA in certs.d.

load helpers
load storage_helpers

CREDS=tester:s3cret

# start_registry NAME CONFIG-AUTH-YAML [TLS]: a registry from its own config; sets NAME
# to host:port in $BATS_FILE_TMPDIR/NAME.addr.
start_registry() {
	local name=$1 auth=$2 tls=${3:-} dir port i
	dir=$BATS_FILE_TMPDIR/$name
	mkdir -p "$dir/data"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	{
		printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n' "$dir"
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

make_certs() {
	CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS"
	(
		cd "$CERTS" || exit
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
			-subj "/CN=hutch test CA"
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj "/CN=127.0.0.1"
		printf 'subjectAltName=IP:127.0.0.1\n' >ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
			-out server.crt -days 2 -extfile ext
		openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 \
			-subj "/CN=hutch token issuer"
	) >/dev/null 2>&1
	export CERTS
}

setup_file() {
	make_certs
	local state=$BATS_FILE_TMPDIR/tokens i
	mkdir -p "$state"
	"$BATS_TEST_DIRNAME/../fixtures/tokenserver.py" "$state" "$CERTS/token.key" \
		"$CERTS/token.crt" hutch-issuer "$CREDS" </dev/null >"$state/out" 2>&1 3>&- &
	for ((i = 0; i < 100; i++)); do
		[[ -s $state/token-port ]] && break
		sleep 0.1
	done
	local realm
	realm="http://127.0.0.1:$(<"$state/token-port")/token"
	start_registry token "auth:
  token:
    realm: $realm
    service: hutch-registry
    issuer: hutch-issuer
    rootcertbundle: $CERTS/token.crt"
	htpasswd -Bbn "${CREDS%%:*}" "${CREDS#*:}" >"$BATS_FILE_TMPDIR/htpasswd" 2>/dev/null
	start_registry basic "auth:
  htpasswd:
    realm: hutch-basic
    path: $BATS_FILE_TMPDIR/htpasswd"
	start_registry tls "" tls
	local name
	for name in token basic tls; do
		skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-creds "$CREDS" \
			"oci:$HUTCH_FIXTURES/base:latest" "docker://$(<"$BATS_FILE_TMPDIR/$name.addr")/base:latest" >&2 ||
			return 1
	done
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

auth_json() { # FILE HOST USER:PASS
	mkdir -p "$(dirname "$1")"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$2" "$(printf %s "$3" | base64 -w0)" >"$1"
}

@test "token auth: anonymous pull is refused with a clear 401" {
	run_hutch 125 pull -q --tls-verify=false "$(addr token)/base"
	assert_equal "$stderr" "Error: pulling $(addr token)/base:latest: fetching manifest: 401 Unauthorized (UNAUTHORIZED)"
}

@test "token auth: --creds gets a Bearer token for the repository and pulls" {
	run_hutch pull -q --tls-verify=false --creds "$CREDS" "$(addr token)/base"
	assert_output "$(fixture_config_id base)"
	run grep -c "token tester repository:base:pull" "$BATS_FILE_TMPDIR/tokens/token.log"
	refute_output 0
}

@test "token auth: wrong credentials fail at the token issuer" {
	run_hutch 125 pull -q --tls-verify=false --creds tester:wrong "$(addr token)/base"
	[[ $stderr == *"getting a token from http://127.0.0.1:"*"/token: 401 Unauthorized (UNAUTHORIZED)"* ]] || fail "$stderr"
}

@test "token auth: credentials from auth.json in XDG_RUNTIME_DIR, and --authfile" {
	auth_json "$XDG_RUNTIME_DIR/containers/auth.json" "$(addr token)" "$CREDS"
	run_hutch pull -q --tls-verify=false "$(addr token)/base"
	rm "$XDG_RUNTIME_DIR/containers/auth.json"
	auth_json "$BATS_TEST_TMPDIR/my-auth.json" "$(addr token)/base" "$CREDS"
	run_hutch pull -q --tls-verify=false --authfile "$BATS_TEST_TMPDIR/my-auth.json" "$(addr token)/base"
	run_hutch 125 pull -q --tls-verify=false --authfile "$BATS_TEST_TMPDIR/nothere.json" "$(addr token)/base"
}

@test "basic auth: --creds, ~/.config auth.json, and a clear error without" {
	run_hutch 125 pull -q --tls-verify=false "$(addr basic)/base"
	[[ $stderr == *"401 Unauthorized"* ]] || fail "$stderr"
	run_hutch pull -q --tls-verify=false --creds "$CREDS" "$(addr basic)/base"
	run_hutch rmi "$(addr basic)/base"
	auth_json "$XDG_CONFIG_HOME/containers/auth.json" "$(addr basic)" "$CREDS"
	run_hutch pull -q --tls-verify=false "$(addr basic)/base"
	run_hutch 125 pull -q --tls-verify=false --creds "tester:nope" "$(addr basic)/base"
	[[ $stderr == *"401 Unauthorized"* ]] || fail "$stderr"
}

@test "tls: an unknown CA is refused; the CA in certs.d is trusted; --tls-verify=false skips" {
	run_hutch 125 pull -q "$(addr tls)/base"
	[[ $stderr == *"pinging container registry $(addr tls)"*"certificate"* ]] || fail "$stderr"
	mkdir -p "$XDG_CONFIG_HOME/containers/certs.d/$(addr tls)"
	cp "$CERTS/ca.crt" "$XDG_CONFIG_HOME/containers/certs.d/$(addr tls)/ca.crt"
	run_hutch pull -q "$(addr tls)/base"
	assert_output "$(fixture_config_id base)"
	rm -r "$XDG_CONFIG_HOME/containers/certs.d"
	run_hutch pull -q --tls-verify=false "$(addr tls)/base"
}

@test "tls: registries.conf insecure = true allows an untrusted or plain registry" {
	mkdir -p "$XDG_CONFIG_HOME/containers"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$(addr tls)" >"$XDG_CONFIG_HOME/containers/registries.conf"
	run_hutch pull -q "$(addr tls)/base"
	printf '[[registry]]\nlocation = "%s"\nblocked = true\n' "$(addr tls)" >"$XDG_CONFIG_HOME/containers/registries.conf"
	run_hutch 125 pull -q "$(addr tls)/base"
	assert_equal "$stderr" "Error: pulling $(addr tls)/base:latest: registry $(addr tls) is blocked in registries.conf"
}
