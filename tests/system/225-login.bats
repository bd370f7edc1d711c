#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# login and logout (issue 17): credentials checked against a registry with Basic auth
# (htpasswd) and one with Bearer tokens (tests/fixtures/tokenserver.py), stored in auth.json
# as podman 4.3.1 stores them, used by pull; podman's messages and exit codes; the password
# never in ps, the debug log or an error.

load helpers
load storage_helpers
load registry_helpers

CREDS=tester:s3cret

setup_file() {
	make_certs
	start_token_registry token "$CREDS"
	start_registry basic "$(basic_auth_yaml "$CREDS")" tls
	local name
	for name in token basic; do
		reg_push_base "$name" "$CREDS" || return 1
	done
}

teardown_file() {
	reg_teardown
}

authfile() {
	echo "$XDG_RUNTIME_DIR/containers/auth.json"
}

@test "login (basic): checks, stores 0600 as podman, pull uses it; logout removes it" {
	local reg
	reg=$(addr basic)
	run_hutch login --tls-verify=false -u tester -p s3cret "$reg"
	assert_output "Login Succeeded!"
	assert_equal "$(stat -c %a "$(authfile)")" 600
	run jq -r --arg r "$reg" '.auths[$r].auth' "$(authfile)"
	assert_output "$(printf %s "$CREDS" | base64 -w0)"
	run_hutch pull -q --tls-verify=false "$reg/base"
	assert_output "$(fixture_config_id base)"
	run_hutch login --get-login "$reg"
	assert_output tester
	run_hutch logout "$reg"
	assert_output "Removed login credentials for $reg"
	run_hutch 125 logout "$reg"
	assert_equal "$stderr" "Error: not logged into $reg"
	run_hutch 125 login --get-login "$reg"
	assert_equal "$stderr" "Error: not logged into $reg"
	run_hutch rmi "$reg/base"
	run_hutch 125 pull -q --tls-verify=false "$reg/base"
}

@test "login (token): the Bearer challenge with the credentials; wrong ones store nothing" {
	local reg
	reg=$(addr token)
	run_hutch 125 login --tls-verify=false -u tester -p wrong "$reg"
	assert_equal "$stderr" "Error: logging into \"$reg\": invalid username/password"
	[[ ! -e $(authfile) ]] || fail "a refused login wrote $(authfile)"
	run_hutch login --tls-verify=false -u tester -p s3cret "$reg"
	assert_output "Login Succeeded!"
	# login asks for a token for no repository; pull for its own
	run grep -c "^token tester \$" "$BATS_FILE_TMPDIR/tokens/token.log"
	refute_output 0
	run_hutch pull -q --tls-verify=false "$reg/base"
	assert_output "$(fixture_config_id base)"
	# a refused login leaves the stored credentials as they were
	cp "$(authfile)" "$BATS_TEST_TMPDIR/before"
	run_hutch 125 login --tls-verify=false -u tester -p nope "$reg"
	cmp "$(authfile)" "$BATS_TEST_TMPDIR/before"
}

@test "login (basic): a wrong password is podman's error and stores nothing" {
	run_hutch 125 login --tls-verify=false -u tester -p wrong "$(addr basic)"
	assert_equal "$stderr" "Error: logging into \"$(addr basic)\": invalid username/password"
	[[ ! -e $(authfile) ]] || fail "a refused login wrote $(authfile)"
}

@test "login: other entries and unknown keys are kept; --authfile and REGISTRY_AUTH_FILE" {
	local reg f
	reg=$(addr basic)
	mkdir -p "$XDG_RUNTIME_DIR/containers"
	printf '{"auths":{"other.io":{"auth":"eDp5"}},"credHelpers":{"a.io":"pass"}}\n' >"$(authfile)"
	run_hutch login --tls-verify=false -u tester -p s3cret "$reg"
	run jq -c '[.auths["other.io"].auth, .credHelpers["a.io"], (.auths | keys)]' "$(authfile)"
	assert_output "[\"eDp5\",\"pass\",[\"$reg\",\"other.io\"]]"
	run_hutch logout --all
	assert_output "Removed login credentials for all registries"
	run jq -c '[.auths, .credHelpers]' "$(authfile)"
	assert_output '[{},{"a.io":"pass"}]'
	f=$BATS_TEST_TMPDIR/mine/auth.json
	run_hutch login --tls-verify=false -v --authfile "$f" -u tester -p s3cret "$reg/some/repo"
	assert_output "Used:  $f
Login Succeeded!"
	run jq -r '.auths | keys[]' "$f"
	assert_output "$reg/some/repo"
	REGISTRY_AUTH_FILE=$f run_hutch logout "$reg/some/repo"
	run jq -c '.auths' "$f"
	assert_output '{}'
}

@test "login: podman's messages for missing or conflicting arguments" {
	local reg
	reg=$(addr basic)
	run_hutch 125 login --tls-verify=false --password-stdin "$reg"
	assert_equal "$stderr" "Error: Must provide --username with --password-stdin"
	run_hutch 125 login --tls-verify=false -u tester -p x --password-stdin "$reg"
	assert_equal "$stderr" "Error: Can't specify both --password-stdin and --password"
	run_hutch 125 login --tls-verify=false "$reg" </dev/null
	assert_equal "$stderr" "Error: getting username and password: reading username: EOF"
	run_hutch 125 login --tls-verify=false -u tester "$reg" </dev/null
	assert_equal "$stderr" "Error: getting username and password: reading password: inappropriate ioctl for device"
	run_hutch 125 login --tls-verify=false -u tester -p x "$reg/repo:tag"
	assert_equal "$stderr" "Error: reference \"$reg/repo:tag\" contains tag or digest"
	printf '%s\n' 's3cret' >"$BATS_TEST_TMPDIR/pw"
	run_hutch login --tls-verify=false -u tester --password-stdin "https://$reg" <"$BATS_TEST_TMPDIR/pw"
	run jq -r '.auths | keys[]' "$(authfile)"
	assert_output "$reg"
	run_hutch login --tls-verify=false "$reg" </dev/null
	assert_output "Authenticating with existing credentials for $reg
Existing credentials are valid. Already logged in to $reg"
}

@test "login: an unreachable registry; TLS with --cert-dir" {
	local port reg
	port=$(free_port)
	run_hutch 125 login --tls-verify=false -u tester -p s3cret "127.0.0.1:$port"
	[[ $stderr == "Error: authenticating creds for \"127.0.0.1:$port\": pinging container registry 127.0.0.1:$port: "*"connection refused"* ]] ||
		fail "$stderr"
	reg=$(addr basic)
	run_hutch 125 login -u tester -p s3cret "$reg"
	[[ $stderr == *"certificate"* ]] || fail "$stderr"
	mkdir -p "$BATS_TEST_TMPDIR/certs"
	cp "$CERTS/ca.crt" "$BATS_TEST_TMPDIR/certs/"
	run_hutch login --cert-dir "$BATS_TEST_TMPDIR/certs" -u tester -p s3cret "$reg"
	assert_output "Login Succeeded!"
}

@test "login: the password is in no log line, no error, and not in ps" {
	local reg port pid i
	reg=$(addr basic)
	run_hutch --log-level=debug login --tls-verify=false -u tester -p s3cret "$reg"
	[[ $stderr == *"Called login"* ]] || fail "no debug log: $stderr"
	[[ $stderr != *s3cret* ]] || fail "the password is in the debug log"
	run_hutch 125 --log-level=debug login --tls-verify=false -u tester --password=Wr0ngPw "$reg"
	[[ $stderr != *Wr0ngPw* ]] || fail "the password is in the log or the error"
	# A registry that accepts the connection and never answers: login waits on it.
	port=$(free_port)
	python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$port" 3>&- &
	local srv=$!
	sleep 0.3
	"$HUTCH" login --tls-verify=false -u tester -p Secr3tPass "127.0.0.1:$port" >/dev/null 2>&1 3>&- &
	pid=$!
	for ((i = 0; i < 50; i++)); do
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q login && break
		sleep 0.1
	done
	sleep 0.3
	run tr '\0' ' ' <"/proc/$pid/cmdline"
	kill "$pid" "$srv"
	wait "$pid" "$srv" || true
	[[ $output == *"login --tls-verify=false -u tester -p "* ]] || fail "cmdline: $output"
	[[ $output != *Secr3tPass* ]] || fail "the password is in /proc/PID/cmdline: $output"
}

@test "login: on a terminal, the user name and the password are asked for, the password without echo" {
	local reg
	reg=$(addr basic)
	run python3 - "$HUTCH" "$reg" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "login", "--tls-verify=false", sys.argv[2]])
buf = b""
def until(word):
    global buf
    while word not in buf:
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        buf += chunk
until(b"Username: ")
os.write(fd, b"tester\n")
until(b"Password: ")
os.write(fd, b"s3cret\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.write(buf.decode().replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(st))
PY
	assert_success
	assert_output "Username: tester
Password: 
Login Succeeded!"
	run jq -r --arg r "$reg" '.auths[$r].auth' "$(authfile)"
	assert_output "$(printf %s "$CREDS" | base64 -w0)"
}

@test "pull --creds: the password is wiped from the command line and the debug log too" {
	local reg
	reg=$(addr basic)
	run_hutch --log-level=debug pull -q --tls-verify=false --creds "$CREDS" "$reg/base"
	[[ $stderr == *"Called pull"* ]] || fail "no debug log: $stderr"
	[[ $stderr != *s3cret* ]] || fail "the password is in the debug log"
}
