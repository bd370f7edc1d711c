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

@test "an unreachable registry: the cause, the registry and the real time; a refused port is not tried again over http" {
	local port t0=$SECONDS
	port=$(free_port)
	run_hutch 125 pull -q --tls-verify=false "127.0.0.1:$port/x:latest"
	[[ ${stderr%%$'\n'*} =~ pinging\ container\ registry\ 127\.0\.0\.1:$port:\ .*cannot\ connect\ to\ https://127\.0\.0\.1:$port:\ connection\ refused\ \(5\ attempts\ in\ ([0-9]+)\.[0-9]\ s ]] || fail "$stderr"
	# The time said is the time taken: https only (http would go to the same port).
	local said=${BASH_REMATCH[1]}
	((SECONDS - t0 <= said + 2))
	[[ $stderr != *"after 0 ms"* ]]
	# On a terminal each new try is said.
	run script -qec "'$HUTCH' pull --tls-verify=false 127.0.0.1:$port/x:latest" /dev/null
	[[ $output == *"cannot connect to https://127.0.0.1:$port: connection refused; trying again (attempt 2 of 5)"* ]] || fail "$output"
}

@test "a registry that drops connections: timed out after the stall time, once, and said on a TTY while waiting" {
	mkdir -p "$XDG_CONFIG_HOME/containers"
	printf '[engine]\npull_stall_timeout = 3\n' >"$XDG_CONFIG_HOME/containers/containers.conf"
	# A listener whose accept queue is full: the kernel drops further SYNs, as a firewall does.
	python3 -c '
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
port = l.getsockname()[1]
held = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    held.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/port" 3>&- &
	local bh=$!
	wait_for test -s "$BATS_TEST_TMPDIR/port"
	local port t0=$SECONDS
	port=$(cat "$BATS_TEST_TMPDIR/port")
	run_hutch 125 pull -q --tls-verify=false "127.0.0.1:$port/x:latest"
	[[ ${stderr%%$'\n'*} == *"cannot connect to https://127.0.0.1:$port: timed out, no answer within 3 s (pull_stall_timeout in containers.conf) (1 attempt in 3."*" s: check that the registry is up, its address is right and no firewall drops the packets)" ]] || fail "$stderr"
	((SECONDS - t0 < 9))
	# On a terminal the wait is said while it lasts.
	run script -qec "'$HUTCH' pull --tls-verify=false 127.0.0.1:$port/x:latest" /dev/null
	[[ $output == *"connecting to https://127.0.0.1:$port: no answer yet, waiting up to 3 s"* ]] || fail "$output"
	kill "$bh"
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

@test "info: the global --storage-driver is the one shown, one hutch lacks is said" {
	run_hutch --storage-driver overlay info --format json
	assert_equal "$(jq -r .store.graphDriverName <<<"$output")" overlay
	[[ $(jq -r .prerequisites.storageDriver.state <<<"$output") == *"chosen by --storage-driver"* ]]
	if command -v fuse-overlayfs >/dev/null && [[ -w /dev/fuse ]]; then
		run_hutch --storage-driver fuse-overlayfs info --format json
		assert_equal "$(jq -r .store.graphDriverName <<<"$output")" fuse-overlayfs
		assert_equal "$(jq -c '.prerequisites.storageDriver | [.ok, .state]' <<<"$output")" \
			'[true,"fuse-overlayfs (chosen by --storage-driver)"]'
	fi
	# A diagnosis runs whatever was asked, and says what is wrong with it.
	run_hutch --storage-driver btrfs info --format json
	assert_equal "$(jq -r .store.graphDriverRequested <<<"$output")" btrfs
	assert_equal "$(jq -r .prerequisites.storageDriver.ok <<<"$output")" false
	[[ $(jq -r .prerequisites.storageDriver.state <<<"$output") == 'btrfs: unknown storage driver "btrfs"'* ]]
	run_hutch --storage-driver btrfs info
	assert_line --partial 'state: btrfs: unknown storage driver'
	run_hutch 125 --storage-driver btrfs images
	# vfs, which podman's command lines name: images work, containers cannot; info says so.
	run_hutch --storage-driver vfs info --format json
	assert_equal "$(jq -r .store.graphDriverName <<<"$output")" vfs
	assert_equal "$(jq -r .prerequisites.storageDriver.ok <<<"$output")" false
	[[ $(jq -r .prerequisites.storageDriver.state <<<"$output") == 'vfs (chosen by --storage-driver): image commands only'* ]]
	run_hutch --storage-driver vfs images
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
