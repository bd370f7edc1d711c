#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-runtime driven the way runc is driven (issue #3): the lifecycle, state, hooks,
# run, exec, list, ps, spec and features, rootless on a busybox bundle.

load runtime-helpers

@test "runtime: spec, create, state created, start, running, kill, stopped, delete" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[[ $pid -gt 1 ]] || fail "bad pid file: $pid"

	run_rt state c1
	run jq -r '.ociVersion, .id, .status, .pid, .bundle' <<<"$output"
	assert_output "1.2.0
c1
created
$pid
$BUNDLE"
	# The init waits before the user process: not sleeping yet.
	run tr '\0' ' ' <"/proc/$pid/cmdline"
	refute_output --partial sleep

	run_rt start c1
	assert_equal "$(rt_status c1)" running
	run_rt 1 start c1
	assert_stderr_has "not created"

	run_rt kill c1 KILL
	rt_wait_status c1 stopped
	run_rt state c1
	assert_equal "$(jq -r .pid <<<"$output")" 0
	run_rt delete c1
	[[ ! -e $RT_ROOT/c1 ]] || fail "state dir left after delete"
	run_rt 1 state c1
}

@test "runtime: the init survives create; pid file is in our pid namespace" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c2
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	kill -0 "$pid"
	run_rt start c2
	run tr '\0' ' ' <"/proc/$pid/cmdline"
	assert_output --partial sleep
	run_rt kill c2 TERM
	run_rt delete --force c2
	run_rt 1 state c2
}

@test "runtime: run waits, returns the exit status and deletes" {
	rt_bundle "$BUNDLE" sh -c 'echo hello; exit 3'
	run_rt 3 run --bundle "$BUNDLE" r1
	assert_output hello
	[[ ! -e $RT_ROOT/r1 ]] || fail "run left its state dir"
	# A signal from outside: pid 1 ignores all but SIGKILL without a handler.
	rt_bundle "$BUNDLE" sleep 100
	"$RUNTIME" --root "$RT_ROOT" run --bundle "$BUNDLE" r2 </dev/null >/dev/null 2>&1 3>&- &
	local bg=$!
	rt_wait_status r2 running
	run_rt kill r2 KILL
	local rc=0
	wait "$bg" || rc=$?
	assert_equal "$rc" 137
	[[ ! -e $RT_ROOT/r2 ]] || fail "run left its state dir"
}

@test "runtime: every hook fires once, in spec order, with the state on stdin" {
	local log=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$log"
	# Hooks in the runtime namespace use the host's sh; createContainer runs in the
	# container's namespaces before pivot_root, startContainer after it (the bundle's
	# busybox sh, writing through a bind mount of the log dir).
	local hook='{ printf "%s " "$0"; cat; echo; } >> '
	rt_bundle "$BUNDLE" sh -c 'echo process > /hooklog/process'
	rt_config "$BUNDLE" --arg log "$log" --arg hook "$hook" '
		def h($name; $file): {path: "/bin/sh", args: ["sh", "-c", ($hook + $file), $name]};
		.mounts += [{destination: "/hooklog", type: "bind", source: $log,
			     options: ["rbind", "rw"]}]
		| .root.readonly = false
		| .hooks = {
			prestart: [h("prestart"; $log + "/log")],
			createRuntime: [h("createRuntime"; $log + "/log")],
			createContainer: [h("createContainer"; $log + "/log")],
			startContainer: [h("startContainer"; "/hooklog/log")],
			poststart: [h("poststart"; $log + "/log")],
			poststop: [h("poststop"; $log + "/log")]
		}'
	run_rt create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" h1
	run cut -d' ' -f1 "$log/log"
	assert_output "prestart
createRuntime
createContainer"
	run_rt start h1
	rt_wait_status h1 stopped
	run_rt delete h1
	assert_equal "$(cat "$log/process")" process
	run cut -d' ' -f1 "$log/log"
	assert_output "prestart
createRuntime
createContainer
startContainer
poststart
poststop"
	# Each hook saw the state: id, bundle, the init's pid, a status.
	local pid name line want
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	while read -r name line; do
		# poststop: the init is gone, and stopped containers have pid 0 (as runc says).
		[[ $name == poststop ]] && want=0 || want=$pid
		run jq -r '"\(.id) \(.bundle) \(.pid) \(.ociVersion)"' <<<"$line"
		assert_output "h1 $BUNDLE $want 1.2.0"
		run jq -er .status <<<"$line"
		assert_success
	done <"$log/log"
	assert_equal "$(grep ^poststop "$log/log" | cut -d' ' -f2- | jq -r .status)" stopped
}

@test "runtime: a failing createRuntime hook fails create and leaves nothing" {
	rt_bundle "$BUNDLE" sleep 100
	rt_config "$BUNDLE" '.hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "exit 4"]}]'
	run_rt 1 create --bundle "$BUNDLE" hf
	[[ $stderr == *"createRuntime hook"*"status 4"* ]] || fail "no hook error: $stderr"
	assert_nothing_left hf
}

@test "runtime: a hook over its timeout is killed and fails create" {
	rt_bundle "$BUNDLE" true
	rt_config "$BUNDLE" '.hooks.prestart = [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]'
	run_rt 1 create --bundle "$BUNDLE" ht
	[[ $stderr == *"timed out"* ]] || fail "no timeout error: $stderr"
	assert_nothing_left ht
}

@test "runtime: exec runs in the container; --env, --cwd, --user, --process, --detach" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt run --detach --bundle "$BUNDLE" e1
	run_rt exec e1 sh -c 'echo $$ $(hostname)'
	assert_output --regexp '^[0-9]+ hutch$'
	run_rt exec --env FOO=bar --cwd /tmp e1 sh -c 'echo $FOO $(pwd)'
	assert_output "bar /tmp"
	run_rt 5 exec e1 sh -c 'exit 5'
	# runc's convention: exit 1 and the reason; the hutch CLI makes that 127.
	run_rt 1 exec e1 nosuchcmd 1
	assert_stderr_has 'executable file not found in $PATH'
	echo '{"args": ["sh", "-c", "echo from-process-file"], "cwd": "/", "env": ["PATH=/bin"]}' \
		>"$BATS_TEST_TMPDIR/p.json"
	run_rt exec --process "$BATS_TEST_TMPDIR/p.json" e1
	assert_output from-process-file
	run_rt exec --detach --pid-file "$BATS_TEST_TMPDIR/epid" e1 sleep 50
	run_rt ps --format json e1
	local epid
	epid=$(cat "$BATS_TEST_TMPDIR/epid")
	assert_equal "$(jq "index($epid) != null" <<<"$output")" true
	run_rt delete --force e1
}

@test "runtime: list shows containers; features and spec print JSON" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt create --bundle "$BUNDLE" l1
	run_rt list --format json
	assert_equal "$(jq -r '.[] | "\(.id) \(.status)"' <<<"$output")" "l1 created"
	run_rt list
	assert_line --regexp '^l1 +[0-9]+ +created '
	run_rt delete l1
	run_rt features
	assert_equal "$(jq -r '.linux.namespaces | index("user") != null' <<<"$output")" true
	assert_equal "$(jq -r '.hooks | length' <<<"$output")" 6
	mkdir "$BATS_TEST_TMPDIR/s"
	run_rt spec --rootless --bundle "$BATS_TEST_TMPDIR/s"
	run jq -r '.linux.uidMappings[0].hostID, (.linux.namespaces | map(.type) | index("user") != null)' \
		"$BATS_TEST_TMPDIR/s/config.json"
	assert_output "$(id -u)
true"
	run_rt 1 spec --rootless --bundle "$BATS_TEST_TMPDIR/s"
}

@test "runtime: pause without a delegated cgroup says why" {
	rt_bundle "$BUNDLE" sleep 100
	run_rt run --detach --bundle "$BUNDLE" p1
	run_rt '?' pause p1
	if [[ $status -ne 0 ]]; then
		[[ $stderr == *"delegated cgroup v2 freezer"* ]] || fail "unclear error: $stderr"
	else
		assert_equal "$(rt_status p1)" paused
		run_rt resume p1
	fi
	run_rt delete --force p1
}

@test "runtime: kill --all and delete -f reach the container from another user namespace" {
	# Created from here, the init is in a user namespace of its own; from a sibling one its
	# /proc/PID/ns/pid cannot be read (EACCES), but it runs as our uid: signals reach it.
	rt_bundle "$BUNDLE" sh -c 'sleep 100 & exec sleep 100'
	run_rt run --detach --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" un1
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	run unshare -r stat "/proc/$pid/ns/pid"
	assert_failure
	run unshare -r "$RUNTIME" --root "$RT_ROOT" kill --all un1 KILL 3>&-
	assert_success
	rt_wait_status un1 stopped
	run_rt delete un1
	run_rt run --detach --bundle "$BUNDLE" un2
	run timeout 8 unshare -r "$RUNTIME" --root "$RT_ROOT" delete --force un2 3>&-
	assert_success
	[[ ! -e $RT_ROOT/un2 ]] || fail "un2 is still there"
}

@test "runtime: --log-format json writes the error to the --log file" {
	run --separate-stderr "$RUNTIME" --root "$RT_ROOT" --log "$BATS_TEST_TMPDIR/log" \
		--log-format json state nosuch
	assert_equal "$status" 1
	run jq -r '"\(.level) \(.msg)"' "$BATS_TEST_TMPDIR/log"
	assert_output 'error container "nosuch" does not exist'
	run --separate-stderr "$RUNTIME" --root "$RT_ROOT" --log "$BATS_TEST_TMPDIR/log2" state nosuch
	run cat "$BATS_TEST_TMPDIR/log2"
	assert_output --regexp '^time="[^"]+" level=error msg="container \\"nosuch\\" does not exist"$'
}
