#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Registry redirects and the pull progress display (issue #4). A registry that answers
# blob requests with a 307 to another origin (tests/fixtures/redirreg.py) must not get
# the user's credentials forwarded there. Progress lines appear only when stderr is a TTY.

load helpers
load storage_helpers

CREDS=tester:s3cret

setup_file() {
	export REDIR_DIR=$BATS_FILE_TMPDIR/redirreg
	mkdir -p "$REDIR_DIR"
	"$BATS_TEST_DIRNAME/../fixtures/redirreg.py" "$REDIR_DIR" "$CREDS" </dev/null >"$REDIR_DIR/out" 2>&1 3>&- &
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $REDIR_DIR/addr ]] && break
		sleep 0.1
	done
	[[ -s $REDIR_DIR/addr ]] || {
		echo "redirreg.py did not start" >&2
		return 1
	}
}

teardown_file() {
	if [[ -s $REDIR_DIR/pid ]]; then
		kill "$(<"$REDIR_DIR/pid")" 2>/dev/null || true
	fi
}

@test "redirect: credentials never reach the other origin a blob is redirected to" {
	local reg
	reg=$(<"$REDIR_DIR/addr")
	run_hutch pull -q --tls-verify=false --creds "$CREDS" "$reg/redir"
	in_rootfs overlay "$reg/redir" 'cat $ROOTFS/redirected.txt'
	assert_output "served by the blob server"
	# Both blobs (config and layer) came from the blob server, and never with credentials.
	run cat "$REDIR_DIR/blobs.log"
	assert_equal "$(grep -c 'auth=no' "$REDIR_DIR/blobs.log")" 2
	refute_output --partial "auth=yes"
}

# hutch pull under script(1): stdout and stderr are a pseudo-terminal. The output file
# gets everything the terminal showed.
pull_on_tty() {
	run script -qfec "$HUTCH pull --tls-verify=false $* $HUTCH_REGISTRY/layers" "$BATS_TEST_TMPDIR/typescript"
	assert_success
}

@test "progress: a terminal shows one line per blob; -q none; a pipe podman's plain lines" {
	command -v script >/dev/null || skip_machine "script (util-linux) is not installed"
	pull_on_tty
	assert_output --partial "Trying to pull $HUTCH_REGISTRY/layers:latest..."
	assert_output --partial "Copying blob"
	assert_output --regexp "Copying blob [0-9a-f]{12} .*done"
	assert_output --partial "$(fixture_config_id layers)"

	run_hutch rmi "$HUTCH_REGISTRY/layers"
	pull_on_tty -q
	refute_output --partial "Copying blob"
	assert_output --partial "$(fixture_config_id layers)"


	# stderr a pipe (run_hutch keeps it apart): podman's lines, no escape sequences, each
	# once (podman's 001-basic checks that no line repeats).
	run_hutch rmi "$HUTCH_REGISTRY/layers"
	run_hutch pull --tls-verify=false "$HUTCH_REGISTRY/layers"
	assert_output "$(fixture_config_id layers)"
	local blobs
	blobs=$(jq -r '.layers[].digest' "$HUTCH_FIXTURES/layers/blobs/sha256/$(fixture_digest layers | cut -d: -f2)" | sed 's/^/Copying blob /')
	assert_equal "$stderr" "Trying to pull $HUTCH_REGISTRY/layers:latest...
Getting image source signatures
$blobs
Copying config sha256:$(fixture_config_id layers)
Writing manifest to image destination
Storing signatures"
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/layers"
	assert_equal "$stderr" ""
}
