# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Registries of a test file's own, with auth and TLS (220-auth-tls, 225-login): Debian's
# docker-registry from a config of its own, a test CA, and a Bearer token issuer
# (tests/fixtures/tokenserver.py). Everything lives in $BATS_FILE_TMPDIR; reg_teardown
# stops it.

# make_certs: a CA, a server certificate for 127.0.0.1 and the token issuer's key in $CERTS.
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

# start_registry NAME AUTH-YAML [TLS]: a registry of its own; host:port in NAME.addr.
start_registry() {
	local name=$1 auth=$2 tls=${3:-} dir port i
	dir=$BATS_FILE_TMPDIR/$name
	mkdir -p "$dir/data"
	port=$(free_port)
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

# start_token_registry NAME USER:PASS: a token issuer that knows USER:PASS, and a registry
# that trusts it.
start_token_registry() {
	local state=$BATS_FILE_TMPDIR/tokens i
	mkdir -p "$state"
	"$BATS_TEST_DIRNAME/../fixtures/tokenserver.py" "$state" "$CERTS/token.key" \
		"$CERTS/token.crt" hutch-issuer "$2" </dev/null >"$state/out" 2>&1 3>&- &
	for ((i = 0; i < 100; i++)); do
		[[ -s $state/token-port ]] && break
		sleep 0.1
	done
	start_registry "$1" "auth:
  token:
    realm: http://127.0.0.1:$(<"$state/token-port")/token
    service: hutch-registry
    issuer: hutch-issuer
    rootcertbundle: $CERTS/token.crt"
}

# basic_auth_yaml USER:PASS: the auth section of a registry with that htpasswd user.
basic_auth_yaml() {
	htpasswd -Bbn "${1%%:*}" "${1#*:}" >"$BATS_FILE_TMPDIR/htpasswd" 2>/dev/null
	printf 'auth:\n  htpasswd:\n    realm: hutch-basic\n    path: %s\n' "$BATS_FILE_TMPDIR/htpasswd"
}

# reg_push_base NAME USER:PASS: the fixture base image into registry NAME, as base:latest.
reg_push_base() {
	skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-creds "$2" \
		"oci:$HUTCH_FIXTURES/base:latest" "docker://$(<"$BATS_FILE_TMPDIR/$1.addr")/base:latest" >&2
}

reg_teardown() {
	local p
	for p in "$BATS_FILE_TMPDIR"/*/pid "$BATS_FILE_TMPDIR"/tokens/token-pid; do
		[[ -s $p ]] && kill "$(<"$p")" 2>/dev/null
	done
	true
}

addr() {
	cat "$BATS_FILE_TMPDIR/$1.addr"
}
