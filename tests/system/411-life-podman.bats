#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# podman's behaviour of the life-cycle commands, as its own system tests check it: start
# --all/--filter, stop --ignore/--timeout and the "stopping" state, kill's signals, wait on
# a container that never ran, rm --depend and rm --force of nothing, container exists, ps
# --filter/--sort, logs of several containers and --since in Unix seconds, exec of a
# directory and keep-id's user name (issue 14).

load container_helpers

@test "start --all starts what does not run, by ID; --filter; podman's messages" {
	run_hutch run -d --name t0 "$IMAGE" true
	local t0=$output
	run_hutch run -d --name f1 "$IMAGE" false
	local f1=$output
	run_hutch run -d --name up "$IMAGE" sleep 300
	local up=$output
	run_hutch wait t0 f1
	run_hutch start --all
	assert_line "$t0"
	assert_line "$f1"
	refute_line "$up"
	run_hutch wait t0 f1
	run_hutch 125 start --all t0
	[[ $stderr == "Error: either start all containers or the container(s) provided in the arguments" ]]
	run_hutch 125 start
	[[ $stderr == "Error: start requires at least one argument" ]]
	# A filter narrows the named ones (printed as given) or, alone, all that do not run.
	run_hutch start --filter restart-policy=always t0
	assert_output ""
	run_hutch start --filter restart-policy=none t0
	assert_output t0
	run_hutch wait t0
	run_hutch start --all --filter exited=1
	assert_output "$f1"
	run_hutch wait f1
	run_hutch start --filter name=t0
	assert_output "$t0"
	run_hutch 125 start --filter restart-policy=fakepolicy t0
	[[ $stderr == "Error: fakepolicy invalid restart policy" ]]
	# start fails with 125 whatever the reason; only run says 127.
	run_hutch create --name nocmd "$IMAGE" /no/such/command
	run_hutch 125 start nocmd
	[[ $stderr == *"/no/such/command"* ]]
}

@test "wait on a container that never ran: 0 at once" {
	run_hutch create --name never "$IMAGE" true
	run timeout 5 "$HUTCH" wait never
	assert_success
	assert_output 0
}

@test "stop --ignore, --timeout, -t 0 kills without a warning, --noout; stopping while it waits" {
	run_hutch 125 stop nosuch
	[[ $stderr == 'Error: no container with name or ID "nosuch" found: no such container' ]]
	run_hutch stop --ignore nosuch
	assert_output ""
	run_hutch run -d --name trap "$IMAGE" sh -c 'trap "echo got TERM; exit" TERM; echo READY; while :; do sleep 0.1; done'
	wait_for bash -c "'$HUTCH' logs trap | grep -q READY"
	run_hutch stop --timeout=5 trap
	assert_output trap
	run_hutch logs trap
	assert_line "got TERM"
	run_hutch run -d --name top "$IMAGE" sleep 300
	run_hutch --noout stop -t 0 top
	assert_output ""
	[[ $stderr != *resorting* ]]
	run_hutch inspect --format '{{.State.ExitCode}}' top
	assert_output 137
	# Ignoring SIGTERM: "stopping" until the time is up, and other commands go on.
	run_hutch run -d --name ign "$IMAGE" sh -c 'trap "echo ignored" TERM; echo READY; while :; do sleep 0.1; done'
	wait_for bash -c "'$HUTCH' logs ign | grep -q READY"
	"$HUTCH" stop -t 20 ign >/dev/null 2>&1 &
	wait_for bash -c "'$HUTCH' logs ign | grep -q ignored"
	run_hutch inspect --format '{{.State.Status}}' ign
	assert_output stopping
	run_hutch ps --filter status=running --format '{{.Names}}'
	assert_output ign
	run_hutch kill ign
	run_hutch wait ign
	assert_output 137
	wait
}

@test "kill: podman's signal forms and messages; pod kill; create --stop-signal" {
	run_hutch run -d --name sig "$IMAGE" sh -c 'for s in 1 2 8 10 12; do trap "echo got $s" $s; done; echo READY; while :; do sleep 0.1; done'
	wait_for bash -c "'$HUTCH' logs sig | grep -q READY"
	local s n=0
	for s in -1 -INT FPE -SIGUSR1 SIGUSR2 sigusr2; do
		run_hutch kill -s "$s" sig
		assert_output sig
		n=$((n + 1))
		wait_for bash -c "[[ \$('$HUTCH' logs sig | grep -c got) == $n ]]"
	done
	run_hutch logs sig
	assert_output "READY
got 1
got 2
got 8
got 10
got 12
got 12"
	for s in 0 SIGBADSIG SIG BADSIG %% -0 -SIGBADSIG; do
		run_hutch 125 kill -s "$s" nosuch
		[[ $stderr == "Error: invalid signal: ${s##-}" ]]
		run_hutch 125 pod kill -s "$s" nosuchpod
		[[ $stderr == "Error: invalid signal: ${s##-}" ]]
	done
	run_hutch 125 kill -s - nosuch
	[[ $stderr == "Error: invalid signal:"* && $stderr != *nosuch* ]]
	for s in 65 -65 96 99999999; do
		run_hutch 125 kill -s "$s" nosuch
		[[ $stderr == "Error: valid signals are 1 through 64" ]]
	done
	run_hutch 125 create --stop-signal=99 "$IMAGE"
	[[ $stderr == "Error: valid signals are 1 through 64" ]]
	run_hutch 125 kill -s HUP nosuch
	[[ $stderr == *'no container with name or ID "nosuch" found'* ]]
}

@test "pod kill signals the pod's running containers" {
	run_hutch pod create --name pk --network none
	run_hutch run -d --pod pk --name pk1 "$IMAGE" sh -c 'trap "echo got HUP" HUP; echo READY; while :; do sleep 0.1; done'
	wait_for bash -c "'$HUTCH' logs pk1 | grep -q READY"
	run_hutch pod kill -s HUP pk
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	wait_for bash -c "'$HUTCH' logs pk1 | grep -q 'got HUP'"
	run_hutch pod kill pk
	run_hutch wait pk1
	assert_output 137
	run_hutch 125 pod kill pk
	[[ $stderr == *"no running containers in pod pk"* ]]
}

@test "rm --depend removes the dependents first; rm -f of nothing is no error; container exists" {
	run_hutch create --name base --network none "$IMAGE" true
	local base=$output
	run_hutch create --name joiner --network "container:$base" "$IMAGE" true
	local joiner=$output
	run_hutch 125 rm "$base"
	[[ $stderr == "Error: container $base has dependent containers which must be removed before it: joiner"* ]]
	run_hutch container exists joiner
	run_hutch rm --depend "$base"
	assert_output "$joiner
$base"
	run_hutch 1 container exists joiner
	run_hutch 1 container exists base
	assert_output ""
	run_hutch 1 container rm bogus
	[[ $stderr == 'Error: no container with name or ID "bogus" found: no such container' ]]
	run_hutch container rm --force bogus
	assert_output ""
	[[ -z $stderr ]]
}

@test "ps: a status filter shows every container, others only running ones; --sort" {
	run_hutch run -d --name runner "$IMAGE" sleep 300
	run_hutch run -d --name zstopped "$IMAGE" true
	run_hutch wait zstopped
	run_hutch run -d --name failed "$IMAGE" false
	run_hutch wait failed
	run_hutch create --name created "$IMAGE" true
	run_hutch ps --filter name=zstopped --format '{{.Names}}'
	assert_output ""
	run_hutch ps -a --filter name=zstopped --format '{{.Names}}'
	assert_output zstopped
	run_hutch ps --filter status=stopped --sort names --format '{{.Names}}'
	assert_output "failed
zstopped"
	run_hutch ps --filter status=exited --filter exited=1 --format '{{.Names}}'
	assert_output failed
	run_hutch ps -a --filter status=exited --filter status=running --sort created --format '{{.Names}}'
	assert_output "runner
zstopped
failed"
	run_hutch ps -a --sort names --format '{{.Names}}'
	assert_output "created
failed
runner
zstopped"
	run_hutch 125 ps --sort bogus
	[[ $stderr == *'"bogus" is not a valid value'* ]]
	run_hutch 125 ps --filter status=bogus
	[[ $stderr == "Error: unknown container state: bogus" ]]
}

@test "logs: --since/--until in Unix seconds; several containers side by side, each line after its ID" {
	run_hutch run --name once "$IMAGE" echo hello
	run_hutch logs --since 1000 once
	assert_output hello
	run_hutch logs --until 1000 once
	assert_output ""
	run_hutch run --rm -d --name c1 "$IMAGE" sh -c 'echo a; sleep 5; echo d; sleep 1'
	local c1=${output:0:12}
	run_hutch run --rm -d --name c2 "$IMAGE" sh -c 'sleep 2; echo b; sleep 1; echo c; sleep 1'
	local c2=${output:0:12}
	# c2 is gone (--rm) long before c1 is done: both were looked up, and followed, at once.
	run_hutch logs -f c1 c2
	assert_output "$c1 a
$c2 b
$c2 c
$c1 d"
}

@test "exec of a directory: 126 and runc's permission denied; keep-id's user has a name" {
	run_hutch run -d --name ex "$IMAGE" sleep 300
	run_hutch 126 exec ex /etc
	[[ $stderr == *'exec: "/etc": permission denied' ]]
	run_hutch 127 exec ex /no/such/command
	[[ $stderr == *"such file or dir"* ]]
	run_hutch run -d --name kid --userns keep-id "$IMAGE" sleep 300
	run_hutch exec kid id -un
	assert_output "$(id -un)"
	run_hutch exec --user "$(id -un)" kid id -u
	assert_output "$(id -u)"
	# Added once: a second start finds the entry.
	run_hutch stop -t 0 kid
	run_hutch start kid
	run_hutch exec kid grep -c "^$(id -un):" /etc/passwd
	assert_output 1
}
