#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime applies config.json (issue #3): namespaces, masked and read-only paths,
# capabilities, rlimits, no_new_privs, seccomp, id mappings, mounts, devices, sysctl and
# a terminal over the console socket. Each test runs the bundle and reads what the
# container says about itself.

load runtime-helpers

# run_in [EXPECTED_STATUS] JQ-FILTER COMMAND: run sh -c COMMAND in a bundle edited by
# JQ-FILTER, with a writable tmpfs on /tmp.
run_in() {
	local expected=0
	if [[ $1 =~ ^[0-9]+$ ]]; then
		expected=$1
		shift
	fi
	rt_bundle "$BUNDLE" sh -c "$2"
	rt_config "$BUNDLE" '.mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs",
		options: ["nosuid", "nodev", "mode=1777"]}]'
	rt_config "$BUNDLE" "$1"
	run_rt "$expected" run --bundle "$BUNDLE" "t$BATS_TEST_NUMBER"
}

@test "runtime config: own hostname, pid 1 inside, no host processes visible" {
	run_in '.hostname = "box1"' 'hostname; echo $$; ls /proc | grep -c "^[0-9]"'
	assert_equal "${lines[0]}" box1
	assert_equal "${lines[1]}" 1
	# sh, ls and grep: nothing of the host.
	[[ ${lines[2]} -le 3 ]] || fail "container sees ${lines[2]} processes"
}

@test "runtime config: maskedPaths are unreadable, readonlyPaths read-only" {
	run_in '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs"}]
		| .linux.maskedPaths += ["/etc/passwd", "/usr"]
		| .linux.readonlyPaths += ["/data"]' \
		'wc -c < /proc/keys; wc -c < /etc/passwd; ls /usr | wc -l;
		 touch /data/x 2>&1; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1; touch /tmp/ok && echo rw'
	assert_equal "${lines[0]}" 0
	assert_equal "${lines[1]}" 0
	assert_equal "${lines[2]}" 0
	assert_line --partial "touch: /data/x: Read-only file system"
	[[ $stderr == *"ns_last_pid: Read-only file system"* ]] || fail "/proc/sys is writable"
	assert_line rw
}

@test "runtime config: CapEff and CapBnd equal the configured sets" {
	run_in '.process.capabilities = {
			bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			inheritable: [], ambient: []}' \
		'grep -E "^Cap(Eff|Bnd|Prm|Inh)" /proc/self/status'
	assert_line "CapInh:	0000000000000000"
	assert_line "CapPrm:	0000000000000420"
	assert_line "CapEff:	0000000000000420"
	assert_line "CapBnd:	0000000000000420"
}

@test "runtime config: rlimits, no_new_privs and oomScoreAdj are applied" {
	run_in '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456}]
		| .process.noNewPrivileges = true | .process.oomScoreAdj = 500' \
		'ulimit -n; ulimit -Hn; grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'
	assert_output "123
456
NoNewPrivs:	1
500"
	run_in '.process.noNewPrivileges = false' 'grep NoNewPrivs /proc/self/status'
	assert_output "NoNewPrivs:	0"
}

@test "runtime config: a seccomp rule makes a syscall fail with its errno" {
	# mkdir and mkdirat fail with EDQUOT (122); kill(pid, 0) fails with ESRCH (3) only
	# for signal 0, through an argument comparison.
	run_in '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [
			{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 122},
			{names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3,
			 args: [{index: 1, value: 0, op: "SCMP_CMP_EQ"}]}]}' \
		'mkdir /tmp/d 2>&1; touch /tmp/f && echo touched; kill -0 1 2>&1; kill -CONT 1 && echo sent'
	assert_line --partial "Disk quota exceeded"
	assert_line touched
	assert_line --partial "No such process"
	assert_line sent
}

@test "runtime config: uid and gid mappings through newuidmap, user and groups" {
	local su sg me mg
	su=$(subid_start)
	sg=$(subid_start -g)
	me=$(id -u)
	mg=$(id -g)
	[[ -n $su && -n $sg ]] || fail "the test user needs subuid/subgid ranges"
	rt_bundle "$BUNDLE" sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; id -G'
	rt_config "$BUNDLE" --argjson me "$me" --argjson mg "$mg" --argjson su "$su" --argjson sg "$sg" '
		.linux.uidMappings = [{containerID: 0, hostID: $me, size: 1},
				      {containerID: 1, hostID: $su, size: 2000}]
		| .linux.gidMappings = [{containerID: 0, hostID: $mg, size: 1},
					{containerID: 1, hostID: $sg, size: 2000}]
		| .process.user = {uid: 1000, gid: 1000, additionalGids: [1500]}'
	run_rt run --bundle "$BUNDLE" maps
	read -r a b c <<<"${lines[0]}"
	assert_equal "$a $b $c" "0 $me 1"
	read -r a b c <<<"${lines[1]}"
	assert_equal "$a $b $c" "1 $su 2000"
	read -r a b c <<<"${lines[3]}"
	assert_equal "$a $b $c" "1 $sg 2000"
	assert_equal "${lines[4]}" 1000
	assert_equal "${lines[5]}" 1000
	assert_equal "${lines[6]}" "1000 1500"
}

@test "runtime config: bind mounts with options, devices, sysctl, --no-pivot" {
	mkdir -p "$BATS_TEST_TMPDIR/share"
	echo shared >"$BATS_TEST_TMPDIR/share/f"
	rt_bundle "$BUNDLE" sh -c 'cat /share/f; touch /share/g 2>&1; ls -l /dev/fuse | cut -c1;
		cat /proc/sys/net/ipv4/ip_forward; cat /etc/hostname-file'
	rt_config "$BUNDLE" --arg s "$BATS_TEST_TMPDIR/share" '
		.mounts += [{destination: "/share", type: "bind", source: $s, options: ["rbind", "ro"]},
			    {destination: "/etc/hostname-file", type: "none", source: ($s + "/f"),
			     options: ["bind"]}]
		| .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229}]
		| .linux.namespaces += [{type: "network"}]
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run_rt run --no-pivot --bundle "$BUNDLE" m1
	assert_output "shared
touch: /share/g: Read-only file system
c
1
shared"
}

@test "runtime config: terminal true sends a pty over the console socket" {
	local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/console.out
	"$HUTCH_TOP/tests/system/tools/console-socket.py" "$sock" "$out" 3>&- &
	local listener=$!
	local _
	for _ in $(seq 50); do
		[[ -S $sock ]] && break
		sleep 0.1
	done
	rt_bundle "$BUNDLE" sh -c 'tty; stty size; test -t 0 && echo stdin-is-tty'
	rt_config "$BUNDLE" '.process.terminal = true | .process.consoleSize = {height: 30, width: 100}'
	run_rt run --console-socket "$sock" --bundle "$BUNDLE" tty1
	wait "$listener"
	run tr -d '\r' <"$out"
	assert_output "/dev/pts/0
30 100
stdin-is-tty"
}

@test "runtime config: terminal without a console socket is refused" {
	rt_config "$BUNDLE" '.process.terminal = true'
	run_rt 1 create --bundle "$BUNDLE" tty2
	assert_stderr_has "--console-socket is required"
	assert_nothing_left tty2
}

@test "runtime config: resources without a delegated cgroup warn once and run" {
	rt_config "$BUNDLE" '.linux.resources = {pids: {limit: 100}, memory: {limit: 100000000}}'
	run_rt run --bundle "$BUNDLE" res1
	local warnings cg mount=/sys/fs/cgroup
	warnings=$(grep -c "resource limits are not applied" <<<"$stderr" || true)
	[[ -e $mount/cgroup.controllers ]] || mount=/sys/fs/cgroup/unified
	cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
	if [[ $(stat -c %u "$mount$cg" 2>/dev/null) == "$(id -u)" ]]; then
		assert_equal "$warnings" 0 # delegated: the limits are applied
	else
		assert_equal "$warnings" 1
	fi
}

@test "runtime config: no fd leaks into the container; --preserve-fds passes fds on" {
	rt_bundle "$BUNDLE" sh -c 'ls /proc/self/fd | tr "\n" " "'
	run_rt run --bundle "$BUNDLE" fd1
	# ls has its own directory fd (3) open while it lists.
	assert_output "0 1 2 3 "
	echo preserved >"$BATS_TEST_TMPDIR/p"
	rt_bundle "$BUNDLE" sh -c 'cat /proc/self/fd/3 /proc/self/fd/4'
	run "$RUNTIME" --root "$RT_ROOT" run --preserve-fds 2 --bundle "$BUNDLE" fd2 \
		3<"$BATS_TEST_TMPDIR/p" 4<"$BATS_TEST_TMPDIR/p"
	assert_success
	assert_output "preserved
preserved"
}

@test "runtime config: namespaces with a path are joined" {
	rt_bundle "$BUNDLE" sleep 100
	rt_config "$BUNDLE" '.linux.namespaces += [{type: "network"}]'
	run_rt run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" ns1
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	# A second container in the first one's user and network namespaces.
	local b2=$BATS_TEST_TMPDIR/b2
	mkdir -p "$b2"
	rt_bundle "$b2" sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/user'
	rt_config "$b2" --arg p "/proc/$pid/ns" '
		del(.linux.uidMappings) | del(.linux.gidMappings)
		| .linux.namespaces = [.linux.namespaces[] | select(.type != "user")]
			+ [{type: "user", path: ($p + "/user")}, {type: "network", path: ($p + "/net")}]'
	run_rt run --bundle "$b2" ns2
	assert_output "$(readlink "/proc/$pid/ns/net" "/proc/$pid/ns/user")"
	run_rt delete --force ns1
}

@test "runtime config: an init joining another container's pid namespace is closed to it until its exec" {
	# The first container records every process whose /proc/PID/exe it can read as the
	# runtime binary (a copy of the host's file, which it could rewrite when not busy).
	local out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	rt_bundle "$BUNDLE" sh -c 'while :; do for p in /proc/[0-9]*; do
		case $(readlink "$p/exe" 2>/dev/null) in *hutch-runtime*) echo "$p" >>/out/leak ;; esac
		done; done'
	rt_config "$BUNDLE" --arg out "$out" \
		'.mounts += [{destination: "/out", type: "bind", source: $out, options: ["rbind", "rw"]}]'
	run_rt run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" watcher
	local pid k
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	# Newcomers in its user and pid namespaces, with an oom score: the init sets it before
	# it is closed to the others (its own /proc files are the host root's then).
	local b2=$BATS_TEST_TMPDIR/b2
	mkdir -p "$b2"
	rt_bundle "$b2" cat /proc/self/oom_score_adj
	rt_config "$b2" --arg p "/proc/$pid/ns" '
		del(.linux.uidMappings) | del(.linux.gidMappings) | .process.oomScoreAdj = 500
		| .linux.namespaces = [.linux.namespaces[] | select(.type != "user" and .type != "pid")]
			+ [{type: "user", path: ($p + "/user")}, {type: "pid", path: ($p + "/pid")}]'
	for ((k = 0; k < 30; k++)); do
		run_rt run --bundle "$b2" "joiner$k"
		assert_output 500
	done
	run_rt delete --force watcher
	[[ ! -s $out/leak ]] || fail "the runtime binary was readable as $(sort -u "$out/leak" | tr '\n' ' ')"
}

@test "runtime config: rootless, linux.devices binds the host's node only when it is that device" {
	# A user namespace cannot make nodes: the host's is bound, and must be the one named.
	rt_config "$BUNDLE" '.linux.devices = [{path: "/dev/null", type: "c", major: 10, minor: 229}]'
	run_rt 1 create --bundle "$BUNDLE" dev1
	assert_stderr_has "device /dev/null: the host's node is 1:3, not the c 10:229 linux.devices names"
	assert_nothing_left dev1
	rt_config "$BUNDLE" '.linux.devices = [{path: "/dev/fuse", type: "b", major: 10, minor: 229}]'
	run_rt 1 create --bundle "$BUNDLE" dev2
	assert_stderr_has "the host's node is 10:229, not the b 10:229"
	assert_nothing_left dev2
}
