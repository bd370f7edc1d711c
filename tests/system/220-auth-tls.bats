#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Registry authentication and TLS (issue #4): Bearer tokens from a small issuer
# (tests/fixtures/tokenserver.py) trusted by Debian's docker-registry, Basic auth
# (htpasswd) with --creds and auth.json, and TLS with a test CA in certs.d.

load helpers
load storage_helpers
load registry_helpers

CREDS=tester:s3cret

setup_file() {
	make_certs
	start_token_registry token "$CREDS"
	start_registry basic "$(basic_auth_yaml "$CREDS")"
	start_registry tls "" tls
	local name
	for name in token basic tls; do
		reg_push_base "$name" "$CREDS" || return 1
	done
}

teardown_file() {
	reg_teardown
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
