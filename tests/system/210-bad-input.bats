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

# limits LINE...: the test's containers.conf, an [engine] table of these lines
limits() {
	mkdir -p "$XDG_CONFIG_HOME/containers"
	{
		echo '[engine]'
		printf '%s\n' "$@"
	} >"$XDG_CONFIG_HOME/containers/containers.conf"
}

# timed_bad_pull MAX NAME: bad_pull under a timeout (a hang fails the test, not the suite),
# which must end within MAX seconds.
timed_bad_pull() {
	local max=$1 name=$2 start=$SECONDS
	run --separate-stderr timeout 90 "$HUTCH" pull -q --tls-verify=false "$BADREG/$name"
	echo "[status $status after $((SECONDS - start)) s] $stderr"
	assert_equal "$status" 125
	assert_equal "${#stderr_lines[@]}" 1
	[[ ${stderr_lines[0]} == "Error: pulling $BADREG/$name:latest: "* ]] || fail "unexpected: $stderr"
	((SECONDS - start <= max)) || fail "took $((SECONDS - start)) s, more than $max"
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

@test "bad input: a Docker-Content-Digest that names other bytes (issue item 5)" {
	bad_pull baddigest
	[[ $stderr == *"fetching manifest: digest mismatch: want sha256:$(printf '0%.0s' {1..64}), got sha256:"* ]] || fail "$stderr"
	assert_store_empty
}

@test "bad input: a token with a CR LF cannot add headers to our requests" {
	bad_pull tokeninject
	[[ $stderr == *"fetching manifest: getting a token from http://$BADREG/token-inject: token response has an invalid token (characters a header cannot carry)" ]] || fail "$stderr"
	assert_store_empty
}

@test "bad input: JSON nulls for a token or an error code are none, not a crash" {
	bad_pull tokennull
	[[ $stderr == *"getting a token from http://$BADREG/token-null: token response has no token" ]] || fail "$stderr"
	bad_pull nullcode
	[[ $stderr == *"fetching manifest: repository $BADREG/nullcode not found: check the image name (404 Not Found (MANIFEST_UNKNOWN))" ]] || fail "$stderr"
	assert_store_empty
}

@test "bad input: a registry's error code is shown on one line, short and printable" {
	bad_pull errcode
	[[ $stderr == *"fetching manifest: "*"(404 Not Found (MANIFEST_UNKNOWN??[31mWARNING: hutch is compromised xxx"*"...))" ]] || fail "$stderr"
	((${#stderr} < 400)) || fail "an error line of ${#stderr} bytes"
	[[ $stderr != *$'\e'* ]] || fail "an escape sequence reached the terminal"
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

# Issue item 7: waits and sizes a registry controls are bounded (containers.conf [engine]).

@test "limits: a manifest trickled a byte a second stalls and fails" {
	limits 'pull_stall_timeout = 2'
	timed_bad_pull 40 trickle
	[[ $stderr == *"fetching manifest: stalled: no data for 2 s (pull_stall_timeout in containers.conf)" ]] || fail "$stderr"
}

@test "limits: a token endpoint that trickles stalls and fails" {
	limits 'pull_stall_timeout = "2s"'
	timed_bad_pull 40 trickletoken
	[[ $stderr == *"fetching manifest: getting a token from http://$BADREG/token-drip: stalled: no data for 2 s"* ]] || fail "$stderr"
}

@test "limits: a manifest sent steadily but for too long meets the request deadline" {
	limits 'pull_request_timeout = "3s"'
	timed_bad_pull 20 drip
	[[ $stderr == *"fetching manifest: no complete answer within 3 s (pull_request_timeout in containers.conf)" ]] || fail "$stderr"
}

@test "limits: a blob trickled a byte a second stalls, is retried, then fails; nothing stored" {
	limits 'pull_stall_timeout = 2'
	timed_bad_pull 40 trickleblob
	[[ $stderr == *": layer sha256:"*": fetching blob sha256:"*": stalled: no data for 2 s (pull_stall_timeout in containers.conf)" ]] || fail "$stderr"
	assert_store_empty
}

@test "limits: a blob connection that hangs is dropped and resumed with a Range request" {
	limits 'pull_stall_timeout = 2'
	run --separate-stderr timeout 60 "$HUTCH" pull -q --tls-verify=false "$BADREG/resume"
	echo "$stderr"
	assert_equal "$status" 0
	run_hutch images --format '{{.Repository}}'
	assert_output "$BADREG/resume"
}

@test "limits: a resumed blob whose 206 starts elsewhere than asked is refused" {
	limits 'pull_stall_timeout = 2'
	timed_bad_pull 30 badrange
	[[ $stderr == *": layer sha256:"*": fetching blob sha256:"*": asked for the bytes from "*" on, the registry sent another range" ]] || fail "$stderr"
	assert_store_empty
}

@test "limits: a slow but steady blob outlasts the request deadline and the stall time" {
	# 3 MB at 1 MB/s: longer than both; the request deadline is not the blob's.
	limits 'pull_request_timeout = 2' 'pull_stall_timeout = 2'
	run_hutch pull -q --tls-verify=false "$BADREG/slow"
	run_hutch images --format '{{.Repository}}'
	assert_output "$BADREG/slow"
}

@test "limits: a gzip bomb stops at the unpack budget; nothing stored" {
	# 256 MiB of zeros in 260 KB: more than 64 MiB plus 100 times the compressed size.
	bad_pull bomb
	[[ $stderr == *": layer sha256:"*": refusing a possible decompression bomb: the layers unpack to more than 100 times their compressed size (pull_layer_max_ratio in containers.conf)" ]] || fail "$stderr"
	assert_store_empty
}

@test "limits: pull_layer_max_ratio = 0 lets the same layer in" {
	limits 'pull_layer_max_ratio = 0'
	run_hutch pull -q --tls-verify=false "$BADREG/bomb"
	run_hutch images --format '{{.Repository}}'
	assert_output "$BADREG/bomb"
}

@test "limits: a bad value in containers.conf is one clear error" {
	limits '# hutch' 'pull_stall_timeout = "soon"'
	run_hutch 125 pull -q --tls-verify=false "$BADREG/notjson"
	assert_equal "$stderr" "Error: $XDG_CONFIG_HOME/containers/containers.conf:3: pull_stall_timeout must be a number of seconds or a duration such as \"90s\""
}

@test "bad input: control characters a layer puts in an error reach the terminal as '?', on one line" {
	# A name with a newline, an escape sequence and a C1 CSI, refused for its "..".
	push_image ctlname --base --layer '[{"name":"a\nFAKE\u001b[31mred\u009b2J/../../x","data":"x"}]'
	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/ctlname"
	assert_equal "${#stderr_lines[@]}" 1
	[[ $stderr != *$'\e'* && $stderr != *$'\xc2\x9b'* ]] || fail "an escape reached the terminal: $stderr"
	[[ $stderr == *'a?FAKE?[31mred'* ]] || fail "unexpected: $stderr"
}
