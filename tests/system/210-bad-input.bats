#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Bad input from a registry (issue #4): every case is a clean error (exit 125, one line),
# nothing half-stored. The broken registry is tests/fixtures/badreg.py. Hostile layer
# contents (traversal, links out, whiteouts) are the breakout matrix of 425-breakout.bats.

load helpers
load storage_helpers

setup_file() {
	export BADREG_DIR=$BATS_FILE_TMPDIR/badreg
	mkdir -p "$BADREG_DIR"
	"$BATS_TEST_DIRNAME/../fixtures/badreg.py" "$BADREG_DIR" </dev/null >/dev/null 2>&1 3>&- &
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $BADREG_DIR/port ]] && break
		sleep 0.1
	done
	[[ -s $BADREG_DIR/port ]] || {
		echo "badreg.py did not start" >&2
		return 1
	}
	BADREG=127.0.0.1:$(<"$BADREG_DIR/port")
	export BADREG
}

teardown_file() {
	if [[ -s $BADREG_DIR/pid ]]; then
		kill "$(<"$BADREG_DIR/pid")" 2>/dev/null || true
	fi
}

# The store holds no image, no layer and no leftover temporary directory.
assert_store_empty() {
	run_hutch images -q
	assert_output ""
	run ls -A "$(store)/layers"
	refute_output --regexp '(^|[[:space:]])[0-9a-f]{64}($|[[:space:]])'
	refute_output --partial '.tmp-'
}

bad_pull() { # NAME: pull must fail with one "Error: pulling ..." line
	run_hutch 125 pull -q --tls-verify=false "$BADREG/$1"
	assert_equal "${#stderr_lines[@]}" 1
	[[ ${stderr_lines[0]} == "Error: pulling $BADREG/$1:latest: "* ]] || fail "unexpected: $stderr"
}

@test "bad input: blob digest mismatch is an error and nothing is stored" {
	bad_pull mismatch
	[[ $stderr == *"digest mismatch: want sha256:"* ]]
	assert_store_empty
}

@test "bad input: a truncated gzip stream" {
	bad_pull truncgz
	[[ $stderr == *"layer sha256:"*"truncated"* || $stderr == *"layer sha256:"*"reading the layer"* ]] || fail "$stderr"
	assert_store_empty
}

@test "bad input: a manifest that is not JSON" {
	bad_pull notjson
	[[ $stderr == *"manifest is not valid JSON"* ]]
	assert_store_empty
}

@test "bad input: an unknown manifest media type" {
	bad_pull mediatype
	[[ $stderr == *'unsupported manifest media type "application/vnd.example.thing+json"'* ]]
}

@test "bad input: schema 1 manifests are refused with a clear message" {
	bad_pull schema1
	[[ $stderr == *"manifest schema 1 is not supported"* ]]
}

@test "device nodes are skipped with one warning" {
	run_hutch pull -q --tls-verify=false "$BADREG/device"
	assert_equal "$(grep -c 'skipping device nodes' <<<"$stderr")" 1
}

@test "a registry that stops mid-blob: retried, then a clear error, nothing stored" {
	bad_pull stall
	[[ $stderr == *"layer sha256:"*"fetching blob"* ]] || fail "$stderr"
	assert_store_empty
}

@test "kill -9 of the CLI in the middle of a pull: the next pull succeeds, no broken image" {
	"$HUTCH" pull -q --tls-verify=false "$BADREG/slow" >/dev/null 2>&1 &
	local pid=$!
	sleep 1.2
	kill -9 "$pid"
	wait "$pid" || true
	sleep 0.3
	# The namespace child died with it (PDEATHSIG): nothing is still pulling.
	run pgrep -u "$(id -u)" -f "hutch pull -q --tls-verify=false $BADREG/slow"
	assert_output ""
	run_hutch images -q
	assert_output ""
	run_hutch pull -q --tls-verify=false "$BADREG/slow"
	run_hutch images --format '{{.Repository}}'
	assert_output "$BADREG/slow"
	run ls -A "$(store)/layers"
	refute_output --partial '.tmp-'
}
