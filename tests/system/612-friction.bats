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

@test "info --format json: every prerequisite with ok, state and fix" {
	run_hutch info --format json
	local names
	names=$(jq -r '.prerequisites | keys[]' <<<"$output" | sort | tr '\n' ' ')
	assert_equal "$names" "cgroups fuseOverlayfs ipUnprivilegedPortStart newuidmap pasta runtimeDir slirp4netns storageDriver subids tun "
	# ok is a boolean, and whatever is not ok has a fix.
	assert_equal "$(jq '[.prerequisites[] | select((.ok | type) != "boolean" or (.ok == false and .fix == null) or (has("fix") | not))] | length' <<<"$output")" 0
	assert_equal "$(jq -r .prerequisites.runtimeDir.state <<<"$output")" "$XDG_RUNTIME_DIR/hutch"
}

@test "info: a newuidmap that is not setuid is not healthy" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp /usr/bin/newuidmap /usr/bin/newgidmap "$BATS_TEST_TMPDIR/bin/"
	HUTCH_PATH=$BATS_TEST_TMPDIR/bin:$PATH run_hutch info --format json
	assert_equal "$(jq -c '.prerequisites.newuidmap | [.ok, .fix]' <<<"$output")" '[false,"sudo apt-get install --reinstall uidmap"]'
	[[ $(jq -r .prerequisites.newuidmap.state <<<"$output") == *"$BATS_TEST_TMPDIR/bin/newuidmap is neither setuid root nor has file capabilities"* ]]
}

@test "podman's storage.conf: its fuse-overlayfs is used, a driver hutch lacks is said" {
	command -v fuse-overlayfs >/dev/null || skip "machine: no fuse-overlayfs"
	[[ -w /dev/fuse ]] || skip "machine: /dev/fuse not usable"
	mkdir -p "$XDG_CONFIG_HOME/containers"
	printf '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n' \
		>"$XDG_CONFIG_HOME/containers/storage.conf"
	run_hutch run --rm "$IMAGE" sh -c 'grep " / " /proc/mounts | cut -d" " -f3'
	assert_output fuse.fuse-overlayfs
	printf '[storage]\ndriver = "vfs"\n' >"$XDG_CONFIG_HOME/containers/storage.conf"
	run_hutch images -q
	# a warning on a pipe: logrus's text form, quotes in msg escaped as podman's
	[[ ${stderr%%$'\n'*} == *"$XDG_CONFIG_HOME/containers/storage.conf asks for the storage driver \\\"vfs\\\", which hutch does not have"*"set driver in $XDG_CONFIG_HOME/hutch/storage.conf"* ]]
	# hutch's own storage.conf wins, without a word.
	mkdir -p "$XDG_CONFIG_HOME/hutch"
	echo 'driver = "overlay"' >"$XDG_CONFIG_HOME/hutch/storage.conf"
	run_hutch images -q
	assert_equal "$stderr" ""
}
