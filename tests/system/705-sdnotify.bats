#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --sdnotify (issue 16): with NOTIFY_SOCKET set, conmon mode has the monitor send MAINPID
# and READY=1 once the container runs, healthy mode once its first healthcheck passes,
# container mode passes a socket into the container and forwards what it sends there. Each
# received on a datagram socket the test listens on: no systemd needed.

load container_helpers

# listen SOCK OUT: receive datagrams on SOCK into OUT (one per line, \n as |) for 30 s.
listen() {
	python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "w") as out:
    try:
        while True:
            out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
            out.flush()
    except socket.timeout:
        pass
PY
	LISTENER=$!
	wait_for test -S "$1"
}

teardown() {
	[[ -z ${LISTENER:-} ]] || kill "$LISTENER" 2>/dev/null || true
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

@test "--sdnotify=conmon: MAINPID and READY=1 once the container runs" {
	local sock=$BATS_TEST_TMPDIR/notify.sock out=$BATS_TEST_TMPDIR/got
	listen "$sock" "$out"
	NOTIFY_SOCKET=$sock run_hutch run -d --name c --sdnotify=conmon "$IMAGE" sleep 300
	wait_for grep -q READY=1 "$out"
	local pid
	pid=$("$HUTCH" inspect --format '{{.State.Pid}}' c)
	run cat "$out"
	assert_output "MAINPID=$pid|READY=1"
	# ignore: nothing sent
	NOTIFY_SOCKET=$sock run_hutch run -d --name i --sdnotify=ignore "$IMAGE" sleep 300
	sleep 1
	run cat "$out"
	assert_output "MAINPID=$pid|READY=1"
}

@test "--sdnotify=healthy: READY=1 only after the first passing healthcheck" {
	local sock=$BATS_TEST_TMPDIR/notify.sock out=$BATS_TEST_TMPDIR/got
	listen "$sock" "$out"
	NOTIFY_SOCKET=$sock run_hutch run -d --name h --sdnotify=healthy --health-cmd 'test -e /tmp/up' \
		--health-interval 1s "$IMAGE" sleep 300
	local pid
	pid=$("$HUTCH" inspect --format '{{.State.Pid}}' h)
	# MAINPID at once, before run returns (a unit's main process, run, exits then: systemd
	# must know the new one); READY=1 not while the check fails
	sleep 2.5
	run cat "$out"
	assert_output "MAINPID=$pid"
	run_hutch exec h touch /tmp/up
	wait_for grep -q READY=1 "$out"
	run cat "$out"
	assert_output "MAINPID=$pid
MAINPID=$pid|READY=1"
	# needs a healthcheck
	run_hutch 125 create --sdnotify=healthy "$IMAGE"
	[[ $stderr == *"needs a healthcheck"* ]]
	run_hutch 125 create --sdnotify=bogus "$IMAGE"
	[[ $stderr == *"--sdnotify values must be one of"* ]]
}

@test "--sdnotify=container: the container's messages forwarded with its MAINPID" {
	local sock=$BATS_TEST_TMPDIR/notify.sock out=$BATS_TEST_TMPDIR/got
	mkdir -p "$BATS_TEST_TMPDIR/tools"
	cc -O2 -static -o "$BATS_TEST_TMPDIR/tools/notify" "$HUTCH_TOP/tests/system/tools/notify.c" ||
		fail "cannot build the notify tool (cc -static: libc6-dev)"
	listen "$sock" "$out"
	NOTIFY_SOCKET=$sock run_hutch run -d --name n --sdnotify=container \
		-v "$BATS_TEST_TMPDIR/tools:/tools:ro" "$IMAGE" \
		sh -c 'echo $NOTIFY_SOCKET > /tmp/where; sleep 1; /tools/notify "$(printf "MAINPID=1\nREADY=1\nSTATUS=up")"; exec sleep 300'
	wait_for grep -q READY=1 "$out"
	local pid
	pid=$("$HUTCH" inspect --format '{{.State.Pid}}' n)
	run cat "$out"
	assert_output "MAINPID=$pid|READY=1|STATUS=up"
	run_hutch exec n cat /tmp/where
	assert_output /run/notify/notify.sock
	# Stopped and started again: the socket is bound anew in the new run dir
	run_hutch stop -t 0 n
	NOTIFY_SOCKET=$sock run_hutch start n
	wait_for bash -c "[[ \$(grep -c READY=1 '$out') == 2 ]]"
}
