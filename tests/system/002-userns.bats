#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Entering the user namespace through the subordinate ranges (issue #2).

load helpers

setup() {
	hutch_isolate
	SUBUID=$(subid_start)
	SUBGID=$(subid_start -g)
	[[ -n $SUBUID && -n $SUBGID ]] || fail "this suite needs a user with subuid/subgid ranges"
}

@test "unshare maps 0 to the user and 1.. to the subordinate range" {
	run_hutch unshare cat /proc/self/uid_map
	assert_equal "${#lines[@]}" 2
	read -r a b c <<<"${lines[0]}"
	assert_equal "$a $b $c" "0 $(id -u) 1"
	read -r a b c <<<"${lines[1]}"
	assert_equal "$a $b" "1 $SUBUID"
	run_hutch unshare cat /proc/self/gid_map
	assert_equal "${#lines[@]}" 2
	read -r a b c <<<"${lines[1]}"
	assert_equal "$a $b" "1 $SUBGID"
	# no warning when the ranges exist
	assert_equal "$stderr" ""
}

@test "the ranges are cached in the runtime dir; a cache the database contradicts heals" {
	local cache=$XDG_RUNTIME_DIR/hutch/subid
	run_hutch unshare true
	[[ -f $cache ]] || fail "no cache at $cache"
	run cat "$cache"
	assert_line "u $SUBUID 65536"
	# A cache that matches the files' key but names ranges the user does not have (as if
	# /etc/subuid changed without its size or time changing): newuidmap refuses them, the
	# cache is dropped and the next call asks libsubid again.
	local key
	key=$(head -n1 "$cache")
	printf '%s\nu 4000000000 1000\ng 4000000000 1000\n' "$key" >"$cache"
	run_hutch 125 unshare true
	[[ $stderr == *"newuidmap failed"* ]] || fail "want newuidmap failed, got: $stderr"
	[[ ! -e $cache ]] || fail "the bad cache was kept"
	run_hutch unshare cat /proc/self/uid_map
	assert_line --regexp "^ *1 +$SUBUID +65536"
	# A key that does not match (the files changed) is not used.
	printf 'hutch-subid 1 uid 0 stale\nu 4000000000 1000\ng 4000000000 1000\n' >"$cache"
	run_hutch unshare cat /proc/self/uid_map
	assert_line --regexp "^ *1 +$SUBUID +65536"
}

@test "unshare id -u prints 0; exit status and stdin pass through" {
	run_hutch unshare id -u
	assert_output 0
	run_hutch 7 unshare sh -c 'exit 7'
	run bash -c "echo piped | '$HUTCH' unshare cat"
	assert_output piped
	run_hutch 143 unshare sh -c 'kill -TERM $$'
}

@test "a file chowned to 1000 inside is owned by subuid-start+999 outside" {
	local f=$BATS_TEST_TMPDIR/owned
	touch "$f"
	run_hutch unshare chown 1000:1000 "$f"
	assert_equal "$(stat -c %u:%g "$f")" "$((SUBUID + 999)):$((SUBGID + 999))"
	run_hutch unshare stat -c %u:%g "$f"
	assert_output "1000:1000"
	run_hutch unshare rm -f "$f"
}

@test "unshare without a command runs \$SHELL" {
	SHELL=/bin/sh run bash -c "echo 'id -u; exit 3' | '$HUTCH' unshare"
	assert_equal "$status" 3
	assert_output 0
}

@test "unshare of a command that is not found exits 127, not executable 126" {
	run_hutch 127 unshare no-such-command-here
	assert_equal "$stderr" 'Error: exec: "no-such-command-here": executable file not found in $PATH'
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/noexec"
	chmod 0644 "$BATS_TEST_TMPDIR/noexec"
	run_hutch 126 unshare "$BATS_TEST_TMPDIR/noexec"
	[[ $stderr == "Error: exec $BATS_TEST_TMPDIR/noexec: Permission denied" ]]
	run_hutch 126 unshare "$BATS_TEST_TMPDIR"
}

@test "newuidmap missing from PATH: a clear error naming uidmap, exit 125" {
	mkdir -p "$BATS_TEST_TMPDIR/emptybin"
	HUTCH_PATH=$BATS_TEST_TMPDIR/emptybin run_hutch 125 unshare /bin/true
	[[ $stderr == *"newuidmap not found in \$PATH: install the uidmap package"* ]]
	assert_equal "${#stderr_lines[@]}" 1
}

@test "newuidmap without its setuid bit: a clear error, exit 125" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp /usr/bin/newuidmap /usr/bin/newgidmap "$BATS_TEST_TMPDIR/bin/"
	HUTCH_PATH=$BATS_TEST_TMPDIR/bin:$PATH run_hutch 125 unshare /bin/true
	[[ $stderr == *"newuidmap is neither setuid root nor has file capabilities: reinstall the uidmap package"* ]]
}

# Where a shell without a usable XDG_RUNTIME_DIR goes, as podman: /run/user/UID when it is
# ours, else a private directory under /tmp.
fallback_base() {
	local user
	user=/run/user/$(id -u)
	if [[ -d $user && -O $user && -w $user ]]; then
		echo "$user"
	else
		echo "${TMPDIR:-/tmp}/hutch-run-$(id -u)"
	fi
}

@test "unusable XDG_RUNTIME_DIR: warn and use /run/user/UID, else a private directory under /tmp" {
	local base
	base=$(fallback_base)
	# Owned by someone else (root), as after `su`.
	XDG_RUNTIME_DIR=/ run_hutch info --format '{{.store.runRoot}}'
	assert_output "$base/hutch"
	# stderr is no terminal: logrus's text form, as podman's
	[[ $stderr == "time=\""*"\" level=warning msg=\"XDG_RUNTIME_DIR / belongs to another user: using $base instead\""* ]]
	assert_equal "$(stat -c %a:%u "$base")" "700:$(id -u)"
	XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/missing run_hutch info --format '{{.store.runRoot}}'
	[[ $stderr == *"does not exist"* ]]
	unset XDG_RUNTIME_DIR
	run_hutch info --format '{{.store.runRoot}}'
	assert_output "$base/hutch"
	# podman's Go field names work in a template too.
	run_hutch info --format '{{.Store.RunRoot}}'
	assert_output "$base/hutch"
	# Unset is cron's and su's normal case: a word only when it ends in /tmp.
	if [[ $base == /run/user/* ]]; then
		assert_equal "$stderr" ""
	else
		[[ $stderr == *"XDG_RUNTIME_DIR is not set"* ]]
	fi
}

@test "a fallback runtime dir that someone else planted is refused" {
	[[ $(fallback_base) != /run/user/* ]] ||
		skip_machine "/run/user/$(id -u) is ours: the /tmp fallback is not reached"
	local tmp=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$tmp"
	# A symlink in place of the private dir: never follow it.
	ln -s / "$tmp/hutch-run-$(id -u)"
	TMPDIR=$tmp XDG_RUNTIME_DIR=/ run_hutch 125 info
	[[ $stderr == *"is not a private directory of ours"* ]]
}

@test "info reports user, ranges, overlay, network tools and cgroups" {
	run_hutch info --format json
	assert_equal "$(jq -r .host.user.uid <<<"$output")" "$(id -u)"
	assert_equal "$(jq -r '.host.user.subuids[0].start' <<<"$output")" "$SUBUID"
	assert_equal "$(jq -r '.host.user.subgids[0].start' <<<"$output")" "$SUBGID"
	assert_equal "$(jq -r .host.kernel <<<"$output")" "$(uname -r)"
	assert_equal "$(jq -r .store.graphRoot <<<"$output")" "$XDG_DATA_HOME/hutch"
	assert_equal "$(jq -r .store.runRoot <<<"$output")" "$XDG_RUNTIME_DIR/hutch"
	assert_equal "$(jq -r .host.slirp4netns.executable <<<"$output")" "$(command -v slirp4netns)"
	[[ $(jq -r .host.slirp4netns.version <<<"$output") == "slirp4netns version "* ]]
	jq -e '.host.cgroup.delegatedControllers | type == "array"' <<<"$output"
	jq -e '.store.overlay.native | type == "boolean"' <<<"$output"
	# The probe ran once and its answer is cached for the boot.
	[[ -f $XDG_RUNTIME_DIR/hutch/overlay-probe ]]
	# The human form has the same facts.
	run_hutch info
	assert_line --regexp '^  kernel: '
	assert_line --regexp '^  graphRoot: '
}

@test "info: native overlay in a user namespace works on this kernel and is cached" {
	# Linux 5.11+ mounts overlayfs in a user namespace; this machine's kernel is newer.
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	if ((major < 5 || (major == 5 && minor < 11))); then
		skip_machine "kernel $(uname -r) predates overlayfs in user namespaces"
	fi
	run_hutch info --format '{{.store.overlay.native}}'
	assert_output true
	assert_equal "$(cat "$XDG_RUNTIME_DIR/hutch/overlay-probe")" native
	# A cached verdict is believed without probing again.
	echo "fuse: forced by the test" >"$XDG_RUNTIME_DIR/hutch/overlay-probe"
	run_hutch info --format '{{.store.overlay.native}} {{.store.overlay.nativeNote}}'
	assert_output "false forced by the test"
}

@test "info: /dev/fuse usable (made 0666 by the test setup, as on normal distros)" {
	[[ -r /dev/fuse && -w /dev/fuse ]] || skip_machine "/dev/fuse is not read-write for this user"
	run_hutch info --format '{{.store.overlay.fuseOverlayfs}}'
	assert_output true
}
