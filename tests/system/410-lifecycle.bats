#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Detached containers and the monitor: ps, logs, exec, attach, stop, kill, rm, restart,
# wait, inspect, and what the files say after the monitor dies (issue #5).

load container_helpers

@test "run -d survives the CLI's process group; logs, exec and inspect find it" {
	# setsid: the CLI runs in a group we then kill entirely.
	run setsid bash -c "'$HUTCH' run -d --name web '$IMAGE' sh -c 'echo started; exec sleep 300' > '$BATS_TEST_TMPDIR/id'; kill -9 0"
	wait_for grep -q . "$BATS_TEST_TMPDIR/id"
	local id
	id=$(cat "$BATS_TEST_TMPDIR/id")
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "web running"
	wait_for bash -c "'$HUTCH' logs web | grep -q started"
	run_hutch exec web sh -c 'hostname; cat /proc/1/cmdline | tr "\0" " "'
	assert_line --index 0 "${id:0:12}"
	assert_line --index 1 "sleep 300 "
	run_hutch 5 exec web sh -c 'exit 5'
	run_hutch inspect web --format '{{.State.Status}} {{.State.Running}} {{.Name}} {{.Id}}'
	assert_output "running true web $id"
	run_hutch container inspect "${id:0:8}" --format '{{.Config.Tty}} {{.HostConfig.AutoRemove}}'
	assert_output "false false"
}

@test "stop: SIGTERM first, SIGKILL after -t; exit codes recorded; logs after exit" {
	run_hutch run -d --name ign "$IMAGE" sh -c 'trap "" TERM; echo up; while :; do sleep 1; done'
	wait_for bash -c "'$HUTCH' logs ign | grep -q up"
	local t0=$SECONDS
	run_hutch stop -t 1 ign
	[[ $((SECONDS - t0)) -le 6 ]]
	[[ $stderr == *"resorting to SIGKILL"* ]]
	run_hutch ps -a --format '{{.Names}} {{.State}} {{.ExitCode}}'
	assert_output "ign exited 137"
	run_hutch logs ign
	assert_output up
	run_hutch wait ign
	assert_output 137
	# A polite container stops on SIGTERM at once.
	run_hutch run -d --name polite --init "$IMAGE" sleep 300
	run_hutch stop polite
	run_hutch inspect polite --format '{{.State.ExitCode}}'
	assert_output 143
}

@test "logs -f streams lines as they come; --tail, -t, --since" {
	run_hutch run -d --name talk "$IMAGE" sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done'
	run_hutch logs -f talk
	assert_output "line1
line2
line3"
	run_hutch logs --tail 1 talk
	assert_output line3
	run_hutch logs -t --tail 1 talk
	[[ $output =~ ^20[0-9-]+T[0-9:.]+\+00:00\ line3$ ]]
	run_hutch logs --since 1h talk
	assert_equal "${#lines[@]}" 3
	run_hutch logs --until 2000-01-01T00:00:00Z talk
	assert_output ""
}

@test "kill, wait, start again, restart" {
	run_hutch run -d --init --name k "$IMAGE" sleep 300
	run_hutch kill -s USR1 k
	run_hutch wait k
	assert_output $((128 + 10))
	run_hutch 125 kill k
	[[ $stderr == *"can only kill running containers"* ]]
	run_hutch start k
	run_hutch ps --format '{{.Names}}'
	assert_output k
	run_hutch restart -t 0 k
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "k running"
}

@test "attach, then the detach keys leave it running" {
	run_hutch run -d -i --name att "$IMAGE" sh -c 'while read l; do echo got:$l; done'
	# Ctrl-P Ctrl-Q after a line: detach, the container keeps running.
	run bash -c "{ echo hello; sleep 0.5; printf '\x10\x11'; sleep 0.5; } | '$HUTCH' attach att"
	assert_success
	assert_output "got:hello"
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "att running"
	run_hutch 125 attach --detach-keys bogus-key att
}

@test "rm: a running container only with -f; unknown names; name in use; --replace" {
	run_hutch run -d --name busy "$IMAGE" sleep 300
	run_hutch 2 rm busy
	[[ $stderr == *"cannot remove container"*"without force"* ]]
	run_hutch 125 run -d --name busy "$IMAGE" sleep 300
	[[ $stderr == *'the container name "busy" is already in use'* ]]
	run_hutch run -d --replace --name busy "$IMAGE" sleep 300
	run_hutch ps -a -q
	assert_equal "${#lines[@]}" 1
	run_hutch rm -f busy
	run_hutch 1 rm busy
	[[ $stderr == *'no container with name or ID "busy" found'* ]]
	run_hutch 125 logs nothing-here
	run_hutch 125 inspect nothing-here
}

@test "exec into a stopped container: 126, as podman" {
	run_hutch create --name cold "$IMAGE" true
	run_hutch ps -a --format '{{.Names}} {{.Status}}'
	assert_output "cold Created"
	run_hutch 126 exec cold true
	[[ $stderr == *"can only create exec sessions on running containers"* ]]
}

@test "exec -d returns at once, prints nothing and keeps none of the caller's streams" {
	run_hutch run -d --name bg "$IMAGE" sleep inf
	# A detached process that kept the caller's stdout would hold $(...) open for 30 s.
	local t0=$SECONDS out
	out=$(timeout 20 "$HUTCH" exec -d bg sh -c 'echo leaked; echo leaked >&2; sleep 30')
	assert_equal "$out" ""
	((SECONDS - t0 < 10)) || fail "exec -d waited for its process ($((SECONDS - t0)) s)"
	run_hutch exec bg sh -c 'ps -o args | grep -c "^sleep 30"'
	assert_output 1
	run_hutch rm -f -t0 bg
}

@test "--rm removes the rootfs and the record; the store keeps no container dir" {
	run_hutch run --rm --name gone "$IMAGE" true
	# Gone when run returns: the monitor unlists it before it reports the status (the
	# files go right after), so ps shows nothing and the name is free at once.
	run_hutch ps -a -q
	assert_output ""
	run_hutch 125 container inspect gone
	[[ $stderr == *"no such container"* ]] || fail "want no such container, got: $stderr"
	run_hutch run --rm --name gone "$IMAGE" true
	run_hutch run -d --rm --name gone2 "$IMAGE" true
	wait_for bash -c "[[ -z \$('$HUTCH' ps -a -q) ]]"
	# Nothing half-removed (a bug fixed: the exit command could not remove a rootfs still
	# mounted in the monitor's namespace), no run dir left; only the name index, with no
	# entry left for either name.
	wait_for bash -c "[[ \$(ls -A '$XDG_DATA_HOME/hutch/containers') == by-name &&
		-z \$(ls -A '$XDG_RUNTIME_DIR/hutch/containers') ]]"
	run ls -A "$XDG_DATA_HOME/hutch/containers"
	assert_output "by-name"
	run ls -A "$XDG_DATA_HOME/hutch/containers/by-name"
	assert_output ""
	run ls -A "$XDG_RUNTIME_DIR/hutch/containers"
	assert_output ""
}

# add_hook ID KIND MARK: give container ID's config.json a KIND hook (poststop, poststart)
# that writes the state it gets on stdin to MARK.
add_hook() {
	local cfg=$XDG_DATA_HOME/hutch/containers/$1/config.json hook=$BATS_TEST_TMPDIR/$2.sh
	printf '#!/bin/sh\ncat >"%s"\n' "$3" >"$hook"
	chmod +x "$hook"
	jq --arg h "$hook" --arg k "$2" '.hooks[$k] = [{"path": $h}]' "$cfg" >"$cfg.new"
	mv "$cfg.new" "$cfg"
}

@test "--rm with a poststop hook: gone at once, the exit command runs the hook and removes the rest" {
	# A poststop hook is work for the runtime's delete, so the monitor leaves the removal
	# after the unlisting to the exit command (as for a container in a cgroup).
	run_hutch create --rm --name hooked "$IMAGE" true
	local id=$output mark=$BATS_TEST_TMPDIR/hook-ran
	add_hook "$id" poststop "$mark"
	run_hutch start -a hooked
	run_hutch ps -a -q
	assert_output ""
	wait_for test -s "$mark"
	run cat "$mark"
	assert_output --partial "\"id\":\"$id\""
	wait_for bash -c "[[ \$(ls -A '$XDG_DATA_HOME/hutch/containers') == by-name &&
		-z \$(ls -A '$XDG_RUNTIME_DIR/hutch/containers') ]]"
	run ls -A "$XDG_DATA_HOME/hutch/containers/by-name" "$XDG_RUNTIME_DIR/hutch/runtime"
	refute_output --partial "$id"
	refute_output --partial hooked
}

@test "start: poststart hooks run once the process runs (the launcher starts it, the CLI waits)" {
	run_hutch create --name posthook "$IMAGE" sh -c 'echo started; sleep 2'
	local id=$output mark=$BATS_TEST_TMPDIR/hook-ran
	add_hook "$id" poststart "$mark"
	run_hutch start posthook
	# Run by the CLI before start returns, with the state of a running container.
	run cat "$mark"
	assert_output --partial "\"id\":\"$id\""
	assert_output --partial '"status":"running"'
	run_hutch wait posthook
	run_hutch logs posthook
	assert_output started
	run_hutch rm posthook
}

@test "run: all of a quick container's output arrives (the CLI attaches before it exists)" {
	run --separate-stderr "$HUTCH" run --rm "$IMAGE" sh -c 'seq 1 30000; echo finished >&2'
	assert_success
	assert_equal "${#lines[@]}" 30000
	assert_equal "${lines[29999]}" 30000
	assert_equal "$stderr" finished
}

@test "the monitor holds the container's mount namespace, so the init's exit does not unmount" {
	run_hutch run -d --name holder "$IMAGE" sleep 300
	local id=$output mon pid ns
	mon=$(cat "$XDG_RUNTIME_DIR/hutch/containers/$id/monitor.pid")
	run_hutch inspect --format '{{.State.Pid}}' holder
	pid=$output
	ns=$(readlink "/proc/$pid/ns/mnt")
	# Not the monitor's own namespace: an fd to the container's.
	[[ $(readlink "/proc/$mon/ns/mnt") != "$ns" ]]
	run bash -c "readlink /proc/$mon/fd/* | grep -cxF '$ns'"
	assert_output 1
	# Neither the container nor the exit command gets it.
	run bash -c "readlink /proc/$pid/fd/* | grep -c '^mnt:'"
	assert_output 0
	run_hutch rm -f holder
}

@test "run without --rm returns at the container's end; its state says so at once, and it starts again" {
	# The exit command records the end after the report: readers go by the exit file
	# meanwhile, and a start that comes first is not undone by it.
	local k
	for k in 1 2 3; do
		run_hutch 3 run --name fg$k "$IMAGE" sh -c 'echo run; exit 3'
		run_hutch inspect --format '{{.State.Status}} {{.State.ExitCode}}' fg$k
		assert_output "exited 3"
		run_hutch ps -a --filter name=fg$k --format '{{.Status}}'
		assert_output --partial "Exited (3)"
		run_hutch 3 start -a fg$k
		assert_output run
	done
	wait_for bash -c "[[ \$(jq -r .Status '$XDG_DATA_HOME'/hutch/containers/*/state.json | sort -u) == exited ]]"
	run_hutch inspect --format '{{.State.Status}} {{.State.ExitCode}}' fg1 fg2 fg3
	assert_output "exited 3
exited 3
exited 3"
	run_hutch logs fg1
	assert_output "run
run"
	run_hutch rm fg1 fg2 fg3
}

@test "run -d: a container that runs is listed running, even with its CLI stopped or killed" {
	# The CLI is stopped, or killed, at moments through the launch. Stopped before the
	# namespace is mapped, nothing runs; after it, the launcher goes on alone, and what it
	# starts must be recorded running by then. Killed, what runs stays under its monitor:
	# a launcher that finds its CLI gone takes the container down.
	local d how p i running listed seen=0
	for d in $(seq 0.001 0.001 0.012); do
		for how in STOP KILL; do
			"$HUTCH" run -d --network none "$IMAGE" sleep 77 >/dev/null 2>&1 &
			p=$!
			sleep "$d"
			kill -"$how" "$p" 2>/dev/null || true
			running=0
			for ((i = 0; i < 15; i++)); do
				sleep 0.02
				running=$(pgrep -u "$(id -u)" -x -f -c 'sleep 77' || true)
				((running == 0)) || break
			done
			listed=$("$HUTCH" ps --format '{{.Status}}')
			# Killed before any assertion: a stopped CLI holds the container's lock.
			kill -9 "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
			if ((running > 0)); then
				[[ $how == KILL ]] || seen=$((seen + 1))
				[[ $listed == Up* ]] ||
					fail "runs with its CLI ${how}ed after ${d}s, listed as \"$listed\""
			fi
			for p in $(pgrep -u "$(id -u)" -x -f 'sleep 77'); do
				[[ $(ps -o comm= -p "$(ps -o ppid= -p "$p" | tr -d ' ')") == hutch-monitor ]] ||
					fail "sleep $p (CLI ${how}ed after ${d}s) is not under a monitor"
			done
			"$HUTCH" rm -a -f >/dev/null
		done
	done
	# Some stops landed while the launcher went on alone.
	((seen > 0))
}

@test "--restart=on-failure:3 runs exactly 4 times" {
	run_hutch run -d --name flaky --restart on-failure:3 "$IMAGE" sh -c 'echo run; exit 1'
	wait_for bash -c "[[ \$('$HUTCH' logs flaky | wc -l) -ge 4 ]] && [[ \$('$HUTCH' ps -a --format '{{.State}}') == exited ]]"
	sleep 1
	run_hutch logs flaky
	assert_equal "${#lines[@]}" 4
	run_hutch inspect flaky --format '{{.RestartCount}} {{.State.ExitCode}}'
	assert_output "3 1"
}

@test "monitor killed with SIGKILL: ps shows the container running without it; rm -f works" {
	run_hutch run -d --name orphan "$IMAGE" sleep 300
	local mon
	mon=$(cat "$XDG_RUNTIME_DIR"/hutch/containers/*/monitor.pid)
	kill -9 "$mon"
	# Dead as soon as it is a zombie (a bug fixed: ps said running until pid 1 reaped the
	# orphaned monitor, which on some machines takes seconds).
	wait_for bash -c "! kill -0 $mon 2>/dev/null || grep -q '^[0-9]* (.*) Z' /proc/$mon/stat"
	# Its init lives on: the container runs (issue 13; an earlier version said exited).
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "orphan running"
	run_hutch 2 rm orphan
	run_hutch rm -f orphan
	run_hutch ps -a -q
	assert_output ""
	# The container's processes are gone too.
	assert_no_process "hutch-monitor.*$XDG_RUNTIME_DIR"
	[[ $(pgrep -u "$(id -u)" -c -x -f 'sleep 300' || true) == 0 ]]
}

@test "the runtime dir wiped (a reboot): ps -a shows exited, start works again" {
	run_hutch run -d --name boot "$IMAGE" sh -c 'echo hi; sleep 300'
	run_hutch stop -t 0 boot
	rm -rf "$XDG_RUNTIME_DIR/hutch"
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "boot exited"
	run_hutch start boot
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "boot running"
}

@test "20 parallel run --rm all succeed and leave nothing behind" {
	local i pids=()
	for i in $(seq 20); do
		"$HUTCH" run --rm "$IMAGE" sh -c "echo $i" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	local failed=0
	for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
	cat "$BATS_TEST_TMPDIR"/out.* | sort -n | head -30
	assert_equal "$failed" 0
	for i in $(seq 20); do assert_equal "$(cat "$BATS_TEST_TMPDIR/out.$i")" "$i"; done
	run_hutch ps -a -q
	assert_output ""
	assert_no_process "hutch-monitor.*$XDG_RUNTIME_DIR"
	# The monitors removed the files after the runs returned: no trash, no run dir, no
	# name index entry is left.
	wait_for bash -c "[[ \$(ls -A '$XDG_DATA_HOME/hutch/containers') == by-name &&
		-z \$(ls -A '$XDG_RUNTIME_DIR/hutch/containers') ]]"
	run ls -A "$XDG_DATA_HOME/hutch/containers" "$XDG_DATA_HOME/hutch/containers/by-name" \
		"$XDG_RUNTIME_DIR/hutch/containers"
	refute_output --partial trash
	assert_equal "$(ls -A "$XDG_DATA_HOME/hutch/containers/by-name")" ""
	assert_equal "$(ls -A "$XDG_RUNTIME_DIR/hutch/containers")" ""
}

@test "ps: filters, formats, -q, -n, --no-trunc" {
	run_hutch run -d --name a1 -l tier=web "$IMAGE" sleep 300
	run_hutch create --name c1 "$IMAGE" true
	run_hutch ps --format '{{.Names}}'
	assert_output a1
	run_hutch ps -a --format '{{.Names}}'
	assert_output "c1
a1"
	run_hutch ps -a --filter status=created --format '{{.Names}}'
	assert_output c1
	run_hutch ps -a --filter label=tier=web --format '{{.Names}}'
	assert_output a1
	run_hutch ps -a --filter name=c --format '{{.Names}}'
	assert_output c1
	run_hutch ps -n 1 --format '{{.Names}}'
	assert_output c1
	run_hutch ps -a --no-trunc -q
	[[ ${lines[0]} =~ ^[0-9a-f]{64}$ ]]
	run_hutch ps -a --format json
	# podman's: Names is a list there (its templates see one string)
	assert_equal "$(jq -r '.[0].Names[0]' <<<"$output")" c1
	run_hutch ps -a
	assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
	run_hutch 125 ps --filter bogus=1
	run_hutch 125 ps --format '{{.Names'
}

@test "generated names never collide: a taken one is drawn again" {
	# Fill most of the name space, then create more: none may fail on a taken name.
	local i
	for ((i = 0; i < 60; i++)); do
		"$HUTCH" create "$IMAGE" true >/dev/null || fail "create $i failed"
	done
	run_hutch ps -a --format '{{.Names}}'
	assert_equal "$(sort <<<"$output" | uniq -d)" ""
	assert_equal "${#lines[@]}" 60
}

@test "--storage-driver reaches the monitor's exit command on its command line, not through the environment" {
	local driver=fuse-overlayfs
	run_hutch info --format '{{.store.overlay.native}}'
	[[ $output != true ]] || driver=overlay
	run_hutch --storage-driver "$driver" run -d --name sd "$IMAGE" sleep 300
	local mon
	mon=$("$HUTCH" inspect sd --format '{{.State.ConmonPid}}')
	[[ $mon -gt 0 ]]
	# run -d may return while the launcher is still becoming the monitor (one exec away).
	wait_for bash -c "tr '\\0' ' ' < /proc/$mon/cmdline | grep -q -- ' __cleanup '"
	run bash -c "tr '\\0' ' ' < /proc/$mon/cmdline"
	[[ $output == *" --storage-driver $driver __cleanup "* ]]
	run bash -c "tr '\\0' '\\n' < /proc/$mon/environ"
	refute_output --partial HUTCH_STORAGE_DRIVER
	run_hutch --storage-driver "$driver" rm -f sd
}

@test "stop, kill, restart and rm --cidfile: the ID run --cidfile wrote (what systemd units use)" {
	local cid=$BATS_TEST_TMPDIR/cid
	run_hutch run -d --cidfile "$cid" --name cidc "$IMAGE" sleep 300
	local id
	id=$(cat "$cid")
	run_hutch restart -t 0 --cidfile "$cid"
	assert_output "$id"
	run_hutch kill --cidfile "$cid"
	assert_output "$id"
	run_hutch wait cidc
	run_hutch stop --cidfile "$cid"
	assert_output "$id"
	run_hutch rm -f -i --cidfile "$cid"
	assert_output "$id"
	run_hutch 1 container exists cidc
	# Gone: -i ignores the container; a file that is not there is an error even so.
	run_hutch rm -f -i --cidfile "$cid"
	run_hutch 125 rm -i --cidfile "$BATS_TEST_TMPDIR/none"
	[[ $stderr == "Error: reading CIDFile"*"$BATS_TEST_TMPDIR/none"* ]]
	run_hutch 125 stop --cidfile "$BATS_TEST_TMPDIR/none"
	# The file stays after rm; a new run with it is refused, unless it replaces (podman
	# 4.4's rule, what a Quadlet unit's restart needs)
	run_hutch 125 run -d --cidfile "$cid" --name cidc "$IMAGE" sleep 300
	[[ $stderr == "Error: container id file exists"* ]]
	run_hutch run -d --replace --cidfile "$cid" --name cidc "$IMAGE" sleep 300
	[[ $(cat "$cid") == "$output" && $output != "$id" ]]
}
