#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Run as a user without subordinate ranges (make check creates one): hutch warns once,
# says how to add ranges, and still works with the single own-id mapping (issue #2).

load ../helpers

@test "no ranges: one warning naming usermod, single mapping works" {
	if grep -q "^$(id -un):" /etc/subuid 2>/dev/null; then
		fail "this suite must run as a user without subuid ranges"
	fi
	run_hutch unshare cat /proc/self/uid_map
	assert_equal "${#lines[@]}" 1
	read -r a b c <<<"${lines[0]}"
	assert_equal "$a $b $c" "0 $(id -u) 1"
	assert_equal "${#stderr_lines[@]}" 1
	# stderr is no terminal: logrus's text form, as podman's
	[[ ${stderr_lines[0]} == "time=\""*"\" level=warning msg=\"no subuid/subgid ranges found for user $(id -un)"* ]]
	[[ ${stderr_lines[0]} == *"usermod --add-subuids"*"--add-subgids"* ]]
	run_hutch unshare id -u
	assert_output 0
	run_hutch unshare cat /proc/self/setgroups
	assert_output deny
}

@test "no ranges: no newuidmap is needed for the single mapping" {
	mkdir -p "$BATS_TEST_TMPDIR/emptybin"
	HUTCH_PATH=$BATS_TEST_TMPDIR/emptybin run_hutch unshare /bin/true
}

@test "no ranges: info shows empty ranges" {
	run_hutch info --format json
	assert_equal "$(jq -c .host.user.subuids <<<"$output")" "[]"
}
