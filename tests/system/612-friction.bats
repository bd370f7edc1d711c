#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Broken setups and mistakes (issue 13, item 8): the first stderr line names the cause and,
# where there is one, the fix.

load container_helpers

@test "inspect of a name that is nothing: no such object, not a missing image" {
	run_hutch 125 inspect nosuch
	assert_equal "${stderr%%$'\n'*}" 'Error: inspecting object: no such object: "nosuch"'
	run_hutch 125 inspect --format '{{.Id}}' "$IMAGE" nosuch
	[[ $stderr == *'no such object: "nosuch"'* ]]
}

@test "fuse-overlayfs: no 'unknown argument ignored: lazytime' at every run" {
	command -v fuse-overlayfs >/dev/null || skip "machine: no fuse-overlayfs"
	[[ -w /dev/fuse ]] || skip "machine: /dev/fuse not usable"
	run_hutch --storage-driver fuse-overlayfs run --rm "$IMAGE" echo hi
	assert_output hi
	assert_equal "$stderr" ""
}

@test "a missing repository and a missing tag are told apart" {
	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/nosuchrepo:latest"
	[[ ${stderr%%$'\n'*} == *"repository $HUTCH_REGISTRY/nosuchrepo not found: check the image name"* ]]
	run_hutch 125 pull -q --tls-verify=false "$HUTCH_REGISTRY/base:nosuchtag"
	[[ ${stderr%%$'\n'*} == *"tag nosuchtag not found in repository $HUTCH_REGISTRY/base (its tags: "*latest* ]]
}

@test "an unreachable registry: what was tried and for how long" {
	local port
	port=$(free_port)
	local t0=$SECONDS
	run_hutch 125 pull -q --tls-verify=false "127.0.0.1:$port/x:latest"
	[[ ${stderr%%$'\n'*} =~ \([2-9]\ attempts\ in\ [0-9]+\.[0-9]\ s:\ check\ that\ the\ registry\ is\ up ]]
	[[ $stderr != *"after 0 ms: Couldn't connect to server"$'\n'* ]]
	((SECONDS - t0 < 20))
}
