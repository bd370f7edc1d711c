#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch run in the foreground: exit codes, stdio, options that shape the process (issue #5).

load container_helpers

@test "run: the container's exit status is hutch's, as podman's" {
	run_hutch run --rm "$IMAGE" true
	run_hutch 1 run --rm "$IMAGE" false
	run_hutch 42 run --rm "$IMAGE" sh -c 'exit 42'
	# pid 1 ignores signals from inside its namespace: with --init the shell is pid 2.
	run_hutch 137 run --rm --init "$IMAGE" sh -c 'kill -9 $$'
	run_hutch 125 run --rm --bogus-flag "$IMAGE" true
	run_hutch 126 run --rm "$IMAGE" /etc/passwd
	[[ $stderr == *"permission denied"* ]]
	run_hutch 127 run --rm "$IMAGE" no-such-command
	[[ $stderr == *'"no-such-command": executable file not found in $PATH'* ]]
	# --rm removes even the containers that could not start.
	run_hutch ps -a -q
	assert_output ""
}

@test "run: stdout and stderr apart, stdin with -i" {
	run --separate-stderr "$HUTCH" run --rm "$IMAGE" sh -c 'echo out; echo err >&2'
	assert_success
	assert_output out
	assert_equal "$stderr" err
	run bash -c "printf 'a\nb\n' | '$HUTCH' run -i --rm '$IMAGE' wc -l"
	assert_output 2
	# Without -i the container's stdin is empty.
	run bash -c "echo lost | '$HUTCH' run --rm '$IMAGE' cat"
	assert_success
	assert_output ""
}

@test "run: env, env-file, workdir, user, hostname, entrypoint" {
	printf '# comment\nFROMFILE=yes\n' >"$BATS_TEST_TMPDIR/env"
	HOSTVAR=fromhost run_hutch run --rm -e A=1 -e HOSTVAR --env-file "$BATS_TEST_TMPDIR/env" \
		-w /tmp -u tester --hostname box "$IMAGE" \
		sh -c 'echo $A $HOSTVAR $FROMFILE $(pwd) $(id -un):$(id -g) $(hostname)'
	assert_output "1 fromhost yes /tmp tester:1000 box"
	run_hutch run --rm --entrypoint /bin/echo "$IMAGE" via entrypoint
	assert_output "via entrypoint"
	run_hutch run --rm --entrypoint '["/bin/sh","-c"]' "$IMAGE" 'echo json $0'
	assert_output "json /bin/sh"
	run_hutch 125 run --rm --env-file /nonexistent/env "$IMAGE" true
	[[ $stderr == *"/nonexistent/env"* ]]
	run_hutch 125 run --rm -u nosuchuser "$IMAGE" true
	[[ $stderr == *"unable to find user nosuchuser"* ]]
}

@test "run: own pid, uts and mount namespaces; capabilities as podman's" {
	run_hutch run --rm "$IMAGE" sh -c 'echo $$; ps -o pid | wc -l'
	assert_line --index 0 1
	# pid 1 (sh), ps and wc: nothing of the host's.
	[[ ${lines[1]} -le 4 ]]
	run_hutch run --rm "$IMAGE" sh -c 'grep CapEff /proc/self/status'
	assert_output "CapEff:	00000000800405fb"
	run_hutch run --rm --cap-drop all --cap-add kill "$IMAGE" sh -c 'grep CapEff /proc/self/status'
	assert_output "CapEff:	0000000000000020"
	# A non-root user has what --cap-add gave it, and keeps it across exec, as in podman;
	# without --cap-add, nothing.
	run_hutch run --rm --user 1000 --cap-add net_admin "$IMAGE" \
		sh -c 'grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status'
	assert_output "CapInh:	0000000000001000
CapPrm:	0000000000001000
CapEff:	0000000000001000
CapAmb:	0000000000001000"
	run_hutch run --rm --user 1000 "$IMAGE" sh -c 'grep -E "^Cap(Eff|Amb)" /proc/self/status'
	assert_output "CapEff:	0000000000000000
CapAmb:	0000000000000000"
	run_hutch run --rm "$IMAGE" cat /proc/self/uid_map
	[[ ${lines[0]} =~ ^\ +0\ +$(id -u)\ +1$ ]]
}

@test "run: --init gives a reaping pid 1; --read-only refuses writes outside tmpfs" {
	run_hutch run --rm --init "$IMAGE" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	assert_output "/run/hutch-init -- sh -c cat /proc/1/cmdline | tr \"\\0\" \" \" "
	run_hutch 1 run --rm --read-only "$IMAGE" touch /etc/x
	[[ $stderr == *"Read-only file system"* ]]
	run_hutch run --rm --read-only --tmpfs /scratch "$IMAGE" sh -c 'touch /scratch/ok && echo ok'
	assert_output ok
}

@test "run: volumes and bind mounts" {
	mkdir -p "$BATS_TEST_TMPDIR/host"
	echo from-host >"$BATS_TEST_TMPDIR/host/f"
	run_hutch run --rm -v "$BATS_TEST_TMPDIR/host:/data:ro" "$IMAGE" cat /data/f
	assert_output from-host
	run_hutch 1 run --rm -v "$BATS_TEST_TMPDIR/host:/data:ro" "$IMAGE" touch /data/g
	# A named volume keeps its content from one container to the next.
	run_hutch run --rm -v vol1:/v "$IMAGE" sh -c 'echo kept >/v/file'
	run_hutch run --rm -v vol1:/v "$IMAGE" cat /v/file
	assert_output kept
	run_hutch 125 run --rm -v a:b:c:d "$IMAGE" true
	[[ $stderr == *"too many colons"* ]]
	run_hutch 125 run --rm -v /x:relative "$IMAGE" true
}

@test "run --userns=keep-id: files made on a bind mount belong to the user" {
	mkdir -p "$BATS_TEST_TMPDIR/shared"
	run_hutch run --rm --userns=keep-id -v "$BATS_TEST_TMPDIR/shared:/s" "$IMAGE" \
		sh -c 'id -u; touch /s/mine'
	assert_output "$(id -u)"
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/shared/mine")" "$(id -u)"
	# Without keep-id, container root is the user and uid 1000 a subordinate id.
	run_hutch run --rm -v "$BATS_TEST_TMPDIR/shared:/s" "$IMAGE" sh -c 'touch /s/root; touch /s/t; chown 1000 /s/t'
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/shared/root")" "$(id -u)"
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/shared/t")" "$(($(subid_start) + 999))"
}

@test "run: seccomp: the default profile, a profile file, unconfined; compiled filters cached" {
	local cache=$XDG_RUNTIME_DIR/hutch/seccomp
	# The default profile is a filter; unconfined is none.
	run_hutch run --rm "$IMAGE" sh -c 'grep ^Seccomp: /proc/self/status'
	assert_output --regexp '^Seccomp:[[:space:]]+2$'
	run_hutch run --rm --security-opt seccomp=unconfined "$IMAGE" \
		sh -c 'grep ^Seccomp: /proc/self/status'
	assert_output --regexp '^Seccomp:[[:space:]]+0$'
	local prof=$BATS_TEST_TMPDIR/nomkdir.json
	cat >"$prof" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
	EOF
	run_hutch 1 run --rm --security-opt "seccomp=$prof" "$IMAGE" mkdir /made
	[[ $stderr == *"Operation not permitted"* ]] || fail "mkdir was not refused: $stderr"
	# Both filters were compiled once and kept; the second run takes them from the cache
	# and still refuses.
	run ls "$cache"
	assert_equal "${#lines[@]}" 2
	run_hutch 1 run --rm --security-opt "seccomp=$prof" "$IMAGE" mkdir /made
	# A damaged cache entry is not used: the filter is compiled again and still refuses.
	local f
	for f in "$cache"/*.bpf; do printf 'junk' >"$f"; done
	run_hutch 1 run --rm --security-opt "seccomp=$prof" "$IMAGE" mkdir /made
	run_hutch run --rm "$IMAGE" sh -c 'grep ^Seccomp: /proc/self/status'
	assert_output --regexp '^Seccomp:[[:space:]]+2$'
	run_hutch run --rm --security-opt seccomp=unconfined "$IMAGE" mkdir /made
}

@test "run: bad input gives one clear error" {
	run_hutch 125 run --rm --restart bogus "$IMAGE" true
	[[ $stderr == *'invalid --restart "bogus"'* ]]
	run_hutch 125 run --rm --restart always "$IMAGE" true
	[[ $stderr == *"conflicts with --restart"* ]]
	run_hutch 125 run --rm --log-driver journald "$IMAGE" true
	run_hutch 125 run --rm --stop-signal SIGNOPE "$IMAGE" true
	run_hutch 125 run --rm --pull never "$HUTCH_REGISTRY/nope:latest" true
	run_hutch 125 run --rm --name 'bad name' "$IMAGE" true
	run_hutch ps -a -q
	assert_output ""
}

@test "run: resource limits warn once where no cgroup is delegated" {
	run_hutch info --format '{{json .host.cgroup.delegatedControllers}}'
	if [[ $output != "[]" ]]; then
		skip_machine "this host delegates cgroup controllers; the warning path needs none"
	fi
	run_hutch info --format '{{.host.cgroup.version}}'
	local version=$output
	run_hutch run --rm --memory 64m --pids-limit 10 "$IMAGE" true
	if [[ $version == v2 ]]; then
		[[ $stderr == *"resource limits (--memory) are not applied"* ]]
	else
		# cgroup v1, or v1 beside v2: podman's words, bare, on their own line; --memory=0 too
		assert_equal "$stderr" "Resource limits are not supported and ignored on cgroups V1 rootless systems"
		run_hutch run --rm --memory=0 "$IMAGE" echo hello
		assert_equal "$stderr" "Resource limits are not supported and ignored on cgroups V1 rootless systems"
		assert_output hello
	fi
	assert_equal "${#stderr_lines[@]}" 1
}

@test "run: a symlink in the image that points out of it gets its mount target made inside" {
	# /etc/hosts as a link to nothing, climbing far out: the bind mount's target is made
	# where the link points inside the rootfs, never on the host.
	run_hutch create --name esc "$IMAGE" sh -c 'cat /etc/hosts >/dev/null && ls -d /out*'
	local id=$output up escape=$BATS_TEST_TMPDIR/escaped
	up=$XDG_DATA_HOME/hutch/containers/$id/upper
	mkdir -p "$up/etc"
	ln -s "../../../../../../../../../../../../..$escape" "$up/etc/hosts"
	ln -s "/outside-abs/hosts-target" "$up/etc/hostname"
	run_hutch start -a esc
	[[ ! -e $escape ]]
	[[ ! -e /outside-abs ]]
	[[ -f $up$escape && -f $up/outside-abs/hosts-target ]]
	assert_output /outside-abs
	run_hutch rm esc
}
