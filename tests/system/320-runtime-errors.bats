#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime on bad input (issue #3): each case gives a clear error, exits 1 and leaves
# nothing behind: no state dir, no process, no mount.

load runtime-helpers

@test "runtime errors: missing config.json" {
	rm "$BUNDLE/config.json"
	run_rt 1 create --bundle "$BUNDLE" x1
	assert_stderr_has "config.json"
	assert_stderr_has "No such file or directory"
	assert_nothing_left x1
}

@test "runtime errors: invalid config.json, the field named" {
	echo '{"ociVersion": "1.2.0", "root": ' >"$BUNDLE/config.json"
	run_rt 1 create --bundle "$BUNDLE" x2
	assert_stderr_has "config.json: invalid JSON"
	assert_nothing_left x2
	rt_bundle "$BUNDLE"
	rt_config "$BUNDLE" '.process.args = []'
	run_rt 1 run --bundle "$BUNDLE" x2
	assert_stderr_has "process.args: must be a non-empty array"
	assert_nothing_left x2
}

@test "runtime errors: unknown namespace type" {
	rt_config "$BUNDLE" '.linux.namespaces += [{type: "bogus"}]'
	run_rt 1 create --bundle "$BUNDLE" x3
	assert_stderr_has 'unknown namespace type "bogus"'
	assert_nothing_left x3
}

@test "runtime errors: a user namespace without mappings" {
	rt_config "$BUNDLE" 'del(.linux.uidMappings) | del(.linux.gidMappings)'
	run_rt 1 create --bundle "$BUNDLE" x4
	assert_stderr_has "needs uidMappings and gidMappings"
	assert_nothing_left x4
}

@test "runtime errors: a mapping to ids we do not own is refused by newuidmap" {
	rt_config "$BUNDLE" '.linux.uidMappings += [{containerID: 1, hostID: 1, size: 10}]'
	run_rt 1 create --bundle "$BUNDLE" x4b
	assert_stderr_has "newuidmap"
	assert_nothing_left x4b
}

@test "runtime errors: rootfs that does not exist" {
	rt_config "$BUNDLE" '.root.path = "no-such-rootfs"'
	run_rt 1 create --bundle "$BUNDLE" x5
	assert_stderr_has "rootfs $BUNDLE/no-such-rootfs does not exist"
	assert_nothing_left x5
}

@test "runtime errors: an id already used" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" x6
	local pid
	pid=$(jq -r .pid "$RT_ROOT/x6/state.json")
	run_rt 1 create --bundle "$BUNDLE" x6
	assert_stderr_has "container with id x6 already exists"
	# The first one is untouched.
	assert_equal "$(rt_status x6)" created
	assert_equal "$(jq -r .pid "$RT_ROOT/x6/state.json")" "$pid"
	run_rt delete x6
	assert_nothing_left x6
}

@test "runtime errors: kill, state, start, delete of an unknown id; bad ids and signals" {
	run_rt 1 kill nosuch
	assert_stderr_has 'container "nosuch" does not exist'
	run_rt 1 state nosuch
	assert_stderr_has 'container "nosuch" does not exist'
	run_rt 1 start nosuch
	run_rt 1 delete nosuch
	run_rt 1 state ../etc
	assert_stderr_has "invalid container id"
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" x7
	run_rt 1 kill x7 SIGNOPE
	assert_stderr_has 'invalid signal "SIGNOPE"'
	run_rt delete x7
	run_rt 1 frobnicate x7
	assert_stderr_has 'unknown command "frobnicate"'
}

@test "runtime errors: delete of a running container without --force" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt run --detach --bundle "$BUNDLE" x8
	run_rt 1 delete x8
	assert_stderr_has "cannot delete container x8 that is not stopped: running"
	assert_equal "$(rt_status x8)" running
	run_rt delete --force x8
	assert_nothing_left x8
}

@test "runtime errors: executable not found or not executable fails create" {
	rt_bundle "$BUNDLE" /no/such/program
	run_rt 1 create --bundle "$BUNDLE" x9
	assert_stderr_has 'exec: "/no/such/program": No such file or directory'
	assert_nothing_left x9
	rt_bundle "$BUNDLE" nosuchprogram
	run_rt 1 run --bundle "$BUNDLE" x9
	assert_stderr_has 'exec: "nosuchprogram": executable file not found in $PATH'
	assert_nothing_left x9
	rt_bundle "$BUNDLE" /etc/passwd
	run_rt 1 create --bundle "$BUNDLE" x9
	assert_stderr_has 'exec: "/etc/passwd": permission denied'
	assert_nothing_left x9
}

@test "runtime errors: a bad mount fails create and leaves nothing" {
	rt_config "$BUNDLE" '.mounts += [{destination: "/x", type: "bind", source: "/no/such/dir",
		options: ["rbind"]}]'
	run_rt 1 create --bundle "$BUNDLE" x10
	assert_stderr_has "/no/such/dir"
	assert_nothing_left x10
}

@test "runtime errors: start of a container that already started is an error, not a crash" {
	# A bug fixed: the error path freed pointers declared after its goto.
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" x9
	run_rt start x9
	run_rt 1 start x9
	assert_stderr_has "not created"
	run_rt delete --force x9
	assert_nothing_left x9
}

@test "runtime errors: a uid or gid that would wrap, or mean \"unchanged\", is refused" {
	# 4294967295 is (uid_t)-1: setresuid leaves the process as it is, root.
	local f
	for f in uid gid; do
		rt_bundle "$BUNDLE" id
		rt_config "$BUNDLE" ".process.user.$f = 4294967295"
		run_rt 1 run --bundle "$BUNDLE" x11
		assert_stderr_has "process.user.$f: out of range"
		assert_nothing_left x11
	done
	rt_config "$BUNDLE" '.process.user.gid = 0 | .process.user.additionalGids = [4294967295]'
	run_rt 1 run --bundle "$BUNDLE" x11
	assert_stderr_has "process.user.additionalGids[0]: must be a gid"
	assert_nothing_left x11
	# exec --user: sscanf's %u wrapped 4294967296 to 0 and took -1 as 4294967295.
	rt_bundle "$BUNDLE" sleep 100
	run_rt run --detach --bundle "$BUNDLE" x11
	local u
	for u in 4294967296 4294967295 0:4294967296 -1 1x 0: :0; do
		run_rt 1 exec --user "$u" x11 id -u
		assert_stderr_has "invalid --user \"$u\""
	done
	run_rt exec --user 0:0 x11 sh -c 'echo $(id -u):$(id -g)'
	assert_output 0:0
	run_rt delete --force x11
}

@test "runtime errors: usage errors name the command; --help comes from the command table" {
	run_rt 1 state
	assert_stderr_has 'state: requires exactly one container id (see hutch-runtime --help)'
	run_rt 1 kill a b c
	assert_stderr_has 'kill: usage: kill [--all] ID [SIGNAL] (see hutch-runtime --help)'
	run_rt 1 exec
	assert_stderr_has 'exec: requires a container id'
	run_rt 1 delete --bogus x10
	assert_stderr_has 'delete: unknown option (see hutch-runtime --help)'
	run_rt 1 create --preserve-fds 1x x10
	assert_stderr_has 'invalid number "1x"'
	assert_nothing_left x10
	# A bad global option: named on stderr (podman's --runtime-flag shows it), runc's usage
	# on stdout, status 1.
	run_rt 1 --bogus
	assert_output --partial "Usage: hutch-runtime"
	assert_stderr_has "unknown flag: --bogus"
	run_rt --help
	local cmd opt
	for cmd in create start run state kill delete exec list ps spec features pause resume; do
		assert_output --partial "   $cmd "
	done
	for opt in --root --log --log-format --debug --systemd-cgroup --rootless --version; do
		assert_output --partial "$opt"
	done
	for cmd in create start run state kill delete exec list ps spec pause resume; do
		run_rt "$cmd" --help
		assert_output --partial "Usage: hutch-runtime $cmd [options]"
	done
	run_rt exec -h
	for opt in --process --tty --detach --pid-file --console-socket --cwd --env --user \
		--preserve-fds --no-new-privs --process-label --apparmor; do
		assert_output --partial "$opt"
	done
}
