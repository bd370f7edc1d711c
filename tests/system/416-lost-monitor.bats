#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The state follows the process (issue 13, items 1 and 6): a container whose monitor was
# killed runs for as long as its init does, and every command says so and acts on it; a
# pid reused by another process is never taken for the init; a dead network helper shows.

load container_helpers

# kill_monitor NAME: SIGKILL the monitor of container NAME and wait until it is dead (a
# zombie counts: pid 1 reaps orphans when it likes).
kill_monitor() {
	local id mon
	id=$("$HUTCH" inspect --format '{{.Id}}' "$1")
	mon=$(cat "$XDG_RUNTIME_DIR/hutch/containers/$id/monitor.pid")
	kill -9 "$mon"
	wait_for bash -c "! kill -0 $mon 2>/dev/null || grep -q '^[0-9]* (.*) Z' /proc/$mon/stat"
}

# The init's pid as inspect gives it.
init_pid() {
	"$HUTCH" inspect --format '{{.State.Pid}}' "$1"
}

# How many processes of ours run CMD exactly (the container's command line).
count_procs() {
	pgrep -u "$(id -u)" -c -x -f -- "$1" || true
}

@test "monitor killed: ps, inspect, logs and start follow the init; no second copy" {
	run_hutch run -d --name lost "$IMAGE" sh -c 'echo first; exec sleep 301'
	wait_for bash -c "'$HUTCH' logs lost | grep -q first"
	local pid
	pid=$(init_pid lost)
	# One logs -f from before the monitor's death, one from after: both end with the init.
	"$HUTCH" logs -f lost >"$BATS_TEST_TMPDIR/logs0" 2>&1 3>&- &
	local logs0=$!
	sleep 0.3
	kill_monitor lost
	run_hutch ps -a --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^lost running Up .* \(monitor lost\)$'
	run_hutch inspect lost --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.MonitorLost}} {{.State.ConmonPid}}'
	assert_output "running true $pid true 0"
	# start of a running container is a no-op, as in podman, and starts no second copy.
	run_hutch start lost
	assert_equal "$(count_procs 'sleep 301')" 1
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "lost running"
	# Nothing to attach to: said so.
	run_hutch 125 attach lost
	assert_equal "$stderr" "Error: container lost runs without its monitor (killed?): there is nothing to attach to"
	# logs -f ends when the init does.
	"$HUTCH" logs -f lost >"$BATS_TEST_TMPDIR/logs" 2>&1 3>&- &
	local logs=$!
	sleep 0.5
	kill -0 "$logs"
	kill -9 "$pid"
	wait_for bash -c "! kill -0 $logs 2>/dev/null"
	wait "$logs"
	grep -q first "$BATS_TEST_TMPDIR/logs"
	wait_for bash -c "! kill -0 $logs0 2>/dev/null"
	wait "$logs0"
	grep -q first "$BATS_TEST_TMPDIR/logs0"
	# Gone now: exited, code unknown, the end recorded.
	run_hutch ps -a --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^lost exited Exited \(-1\) (Less than a second|[0-9]+ seconds?) ago$'
	run_hutch inspect lost --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}'
	assert_output "exited -1 0"
	# And it starts again, once.
	run_hutch start lost
	assert_equal "$(count_procs 'sleep 301')" 1
	run_hutch rm -f lost
}

@test "monitor killed: kill, wait and stop reach the init" {
	run_hutch run -d --name k "$IMAGE" sleep 302
	kill_monitor k
	"$HUTCH" wait k >"$BATS_TEST_TMPDIR/wait" 2>&1 3>&- &
	local waiter=$!
	sleep 0.5
	# wait does not return at once: the container still runs.
	kill -0 "$waiter"
	run_hutch kill k
	wait_for bash -c "! kill -0 $waiter 2>/dev/null"
	wait "$waiter" || true
	assert_equal "$(cat "$BATS_TEST_TMPDIR/wait")" "-1"
	assert_equal "$(count_procs 'sleep 302')" 0
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "k exited"

	run_hutch run -d --name s "$IMAGE" sleep 303
	kill_monitor s
	run_hutch stop -t 1 s
	assert_equal "$(count_procs 'sleep 303')" 0
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_line "s exited"
	run_hutch 125 kill s
	assert_equal "$stderr" "Error: can only kill running containers. $("$HUTCH" inspect --format '{{.Id}}' s | cut -c1-12) is in state exited: container state improper"
	# Nothing of theirs runs on.
	assert_no_net_helpers
	assert_no_process "hutch-monitor.*$XDG_RUNTIME_DIR"
}

@test "monitor killed: --rm removes it and --restart always restarts it once it exits" {
	run_hutch run -d --rm --name gone "$IMAGE" sleep 304
	kill_monitor gone
	run_hutch stop -t 1 gone
	run_hutch ps -a -q
	assert_output ""
	assert_equal "$(count_procs 'sleep 304')" 0

	run_hutch run -d --restart always --name again "$IMAGE" sleep 305
	local pid
	pid=$(init_pid again)
	kill_monitor again
	kill -9 "$pid"
	wait_for bash -c "! kill -0 $pid 2>/dev/null"
	# The next command that looks at it records the end and applies the policy.
	run_hutch inspect again --format '{{.State.Status}} {{.RestartCount}}'
	assert_output "running 1"
	# MonitorLost is shown only while it is true (podman's State has no such key).
	run_hutch inspect again
	refute_output --partial MonitorLost
	assert_equal "$(count_procs 'sleep 305')" 1
	run_hutch rm -f again
	assert_equal "$(count_procs 'sleep 305')" 0
}

@test "monitor killed: an attached run says so and waits for the container" {
	"$HUTCH" run --name att "$IMAGE" sleep 306 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local cli=$!
	wait_for bash -c "'$HUTCH' ps --format '{{.Names}}' | grep -q att"
	local pid
	pid=$(init_pid att)
	kill_monitor att
	wait_for grep -q "monitor of container att is gone" "$BATS_TEST_TMPDIR/err"
	kill -0 "$cli"
	kill -9 "$pid"
	local rc=0
	wait "$cli" || rc=$?
	cat "$BATS_TEST_TMPDIR/err"
	assert_equal "$rc" 125
	grep -q "exit code is unknown" "$BATS_TEST_TMPDIR/err"
}

@test "a reused pid is not the container's: not running, never signalled" {
	run_hutch run -d --name reuse "$IMAGE" sleep 307
	local id
	id=$("$HUTCH" inspect --format '{{.Id}}' reuse)
	kill_monitor reuse
	# Another process in the recorded pid's place: a sleep of ours, with the init's
	# start time still recorded (as after the init died and its pid was given again).
	sleep 1000 3>&- &
	local other=$!
	local st=$XDG_DATA_HOME/hutch/storage/containers/$id/state.json
	[[ -f $st ]] || st=$(find "$XDG_DATA_HOME" -path "*/containers/$id/state.json" | head -1)
	sed -i "s/\"Pid\":[0-9]*/\"Pid\":$other/" "$st"
	run_hutch ps -a --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output "reuse exited Exited (-1)"
	run_hutch 125 kill reuse
	run_hutch stop reuse
	run_hutch rm -f reuse
	kill -0 "$other"
	kill "$other"
}

@test "a dead slirp4netns shows in ps, inspect and the log" {
	command -v slirp4netns >/dev/null || skip_machine "slirp4netns is not installed"
	local port
	port=$(free_port)
	run_hutch run -d --name net -p "127.0.0.1:$port:80" "$IMAGE" sleep 308
	local slirp
	mapfile -t slirp < <(net_helpers_alive)
	[[ ${#slirp[@]} == 1 ]]
	run_hutch inspect net
	refute_output --partial NetworkLost
	kill -9 "${slirp[0]}"
	wait_for bash -c "'$HUTCH' ps --format '{{.Status}}' | grep -q 'network lost'"
	run_hutch ps --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^net running Up .* \(network lost\)$'
	run_hutch inspect net --format '{{.State.Status}} {{.State.NetworkLost}}'
	assert_output "running true"
	run_hutch logs net
	assert_equal "$stderr" "hutch: the network helper slirp4netns exited (status 137): the container's network and published ports are down"
	run_hutch stop -t 0 net
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "net exited"
}

@test "a dead pasta shows in ps, inspect and the log, as slirp4netns's death does" {
	command -v pasta >/dev/null || skip_machine "pasta is not installed"
	run_hutch run -d --name pn --network pasta "$IMAGE" sleep 310
	local helper
	mapfile -t helper < <(net_helpers_alive)
	[[ ${#helper[@]} == 1 ]]
	run_hutch inspect pn
	refute_output --partial NetworkLost
	kill -9 "${helper[0]}"
	wait_for bash -c "'$HUTCH' ps --format '{{.Status}}' | grep -q 'network lost'"
	run_hutch ps --format '{{.Names}} {{.State}} {{.Status}}'
	assert_output --regexp '^pn running Up .* \(network lost\)$'
	run_hutch inspect pn --format '{{.State.Status}} {{.State.NetworkLost}}'
	assert_output "running true"
	run_hutch logs pn
	assert_equal "$stderr" "hutch: the network helper pasta exited: the container's network and published ports are down"
	run_hutch stop -t 0 pn
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "pn exited"
	# Started again, it has a network again, and its pasta's end is not news.
	run_hutch start pn
	run_hutch inspect pn
	refute_output --partial NetworkLost
	run_hutch ps --format '{{.Names}} {{.Status}}'
	assert_output --regexp '^pn Up [^(]*$'
	run_hutch stop -t 0 pn
	run_hutch logs pn
	[[ $(grep -c "network helper pasta exited" <<<"$stderr") == 1 ]]
}

@test "a dead slirp4netns: an attached run hears of it on stderr" {
	command -v slirp4netns >/dev/null || skip_machine "slirp4netns is not installed"
	"$HUTCH" run --name natt "$IMAGE" sleep 309 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	local cli=$!
	wait_for bash -c "'$HUTCH' ps --format '{{.Names}}' | grep -q natt"
	local slirp
	mapfile -t slirp < <(net_helpers_alive)
	[[ ${#slirp[@]} == 1 ]]
	kill -9 "${slirp[0]}"
	wait_for grep -q "network helper slirp4netns exited" "$BATS_TEST_TMPDIR/err"
	run_hutch stop -t 0 natt
	wait "$cli" || true
}

# A large N by hand: HUTCH_STRESS_N=200 bats -f 'fault injection' tests/system/416-lost-monitor.bats
# as the test user (or tests/stress/lost-monitor.sh N IMAGE with an image in the store).
@test "fault injection: the monitor killed at random moments, 5 rounds (tests/stress/lost-monitor.sh)" {
	run "$HUTCH_TOP/tests/stress/lost-monitor.sh" "${HUTCH_STRESS_N:-5}" "$IMAGE"
	echo "$output"
	echo "# ${lines[-1]}" >&3
	assert_success
	assert_no_net_helpers
}
