#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Container networking with slirp4netns (issue #6), through `hutch __nettest`, which runs a
# command as root in new user, mount, UTS and network namespaces once the network is up.
# Only 127.0.0.1 on the host and the namespace's own 10.0.2.x addresses are ever used.

load helpers

setup() {
	hutch_isolate
	command -v slirp4netns >/dev/null || skip_machine "slirp4netns is not installed"
	WWW=$BATS_TEST_TMPDIR/www
	mkdir -p "$WWW"
	echo "hello from the namespace" >"$WWW/index.html"
}

# Background processes of a test, stopped by teardown.
track() {
	echo "$1" >>"$BATS_TEST_TMPDIR/bg.pids"
}

teardown() {
	local p
	[[ -f $BATS_TEST_TMPDIR/bg.pids ]] || return 0
	while read -r p; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done <"$BATS_TEST_TMPDIR/bg.pids"
}

# start_nettest OUT ARGS...: hutch __nettest in the background; its pid in NETTEST_PID.
start_nettest() {
	local out=$1
	shift
	"$HUTCH" --log-level=debug __nettest "$@" >"$out" 2>"$out.err" 3>&- &
	NETTEST_PID=$!
	track "$NETTEST_PID"
}

# wait_for_line FILE REGEX: up to 10 s for a line; prints it.
wait_for_line() {
	local i
	for ((i = 0; i < 100; i++)); do
		if grep -E -m1 "$2" "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "no line matching $2 in $1:" >&2
	cat "$1" "$1.err" >&2
	return 1
}

# The slirp4netns pids a run reported at --log-level=debug.
helper_pids() {
	sed -n 's/.*slirp4netns started: pid \([0-9]*\).*/\1/p' "$@"
}

# True when the process is gone (or a zombie waiting for init).
is_gone() {
	[[ ! -e /proc/$1 ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

@test "slirp4netns: -p reaches busybox httpd in the namespace; teardown leaves nothing" {
	local out=$BATS_TEST_TMPDIR/out line port rd=$BATS_TEST_TMPDIR/rd
	mkdir -p "$rd"
	start_nettest "$out" --run-dir "$rd" -p 127.0.0.1::80 -- busybox httpd -f -p 80 -h "$WWW"
	line=$(wait_for_line "$out" '^80/tcp -> 127\.0\.0\.1:[0-9]+$')
	port=${line##*:}
	run fetch "http://127.0.0.1:$port/"
	assert_success
	assert_output "hello from the namespace"
	local slirp
	slirp=$(helper_pids "$out.err")
	[[ -n $slirp && -e /proc/$slirp ]]
	[[ -S $rd/slirp4netns.sock ]]
	# SIGTERM goes to the command; then the network is torn down.
	kill -TERM "$NETTEST_PID"
	wait "$NETTEST_PID" || true
	is_gone "$slirp"
	[[ ! -e $rd/slirp4netns.sock ]]
	run curl -s -m 2 "http://127.0.0.1:$port/"
	assert_failure
}

@test "slirp4netns: -P publishes the EXPOSE ports on free host ports" {
	local out=$BATS_TEST_TMPDIR/out line port
	start_nettest "$out" --expose 80/tcp --expose 53/udp -P -- busybox httpd -f -p 80 -h "$WWW"
	line=$(wait_for_line "$out" '^80/tcp -> 0\.0\.0\.0:[0-9]+$')
	port=${line##*:}
	((port >= 1024))
	wait_for_line "$out" '^53/udp -> 0\.0\.0\.0:[0-9]+$'
	run fetch "http://127.0.0.1:$port/"
	assert_output "hello from the namespace"
}

@test "slirp4netns: a port range publishes every port" {
	local out=$BATS_TEST_TMPDIR/out line port
	start_nettest "$out" -p 127.0.0.1::8080-8081 -- sh -c \
		"busybox httpd -f -p 8080 -h $WWW & exec busybox httpd -f -p 8081 -h $WWW"
	line=$(wait_for_line "$out" '^8081/tcp -> 127\.0\.0\.1:[0-9]+$')
	port=${line##*:}
	run fetch "http://127.0.0.1:$port/"
	assert_output "hello from the namespace"
	line=$(wait_for_line "$out" '^8080/tcp -> 127\.0\.0\.1:[0-9]+$')
	run fetch "http://127.0.0.1:${line##*:}/"
	assert_output "hello from the namespace"
	# The signal reaches the background server too: nothing of the test keeps running.
	kill -TERM "$NETTEST_PID"
	wait "$NETTEST_PID" || true
	run pgrep -f -- "-h $WWW"
	assert_failure
}

@test "slirp4netns: the host's loopback is 10.0.2.2 only with allow_host_loopback=true" {
	local hp
	hp=$(free_port)
	echo "hello from the host" >"$WWW/index.html"
	busybox httpd -f -p "127.0.0.1:$hp" -h "$WWW" 3>&- &
	track $!
	run fetch "http://127.0.0.1:$hp/"
	assert_output "hello from the host"
	run_hutch __nettest --network slirp4netns:allow_host_loopback=true -- \
		curl -sf -m 3 "http://10.0.2.2:$hp/"
	assert_output "hello from the host"
	run_hutch __nettest --network slirp4netns:allow_host_loopback=true -- cat /etc/hosts
	assert_line --regexp $'^10\\.0\\.2\\.2\thost\\.containers\\.internal$'
	# The default: refused.
	run_hutch '?' __nettest -- curl -sf -m 3 "http://10.0.2.2:$hp/"
	assert_failure
	refute_output --partial "hello"
	# Without host loopback, host.containers.internal is the host's own first address, as
	# podman's (compat 500-networking "slirp4ns assigns correct addresses to /etc/hosts").
	run_hutch __nettest -- cat /etc/hosts
	assert_line "$(hostname -I | cut -f 1 -d ' ')"$'\thost.containers.internal'
	refute_output --partial $'10.0.2.2\thost.containers.internal'
}

@test "slirp4netns: tap0 with 10.0.2.100, mtu 65520, and the container's /etc files" {
	run_hutch __nettest --hostname web1 --name web --add-host db:10.0.2.50 --dns-search . \
		-- sh -c 'ip -o -4 addr show tap0; cat /sys/class/net/tap0/mtu 2>/dev/null || ip -o link show tap0; ip route; cat /etc/resolv.conf; hostname; cat /etc/hostname; cat /etc/hosts'
	assert_output --partial "inet 10.0.2.100/24"
	assert_output --partial "65520"
	assert_line "default via 10.0.2.2 dev tap0 "
	assert_line "nameserver 10.0.2.3"
	refute_output --partial "search"
	assert_line "web1"
	assert_line $'10.0.2.100\tweb1 web'
	assert_line $'10.0.2.50\tdb'
	run_hutch __nettest --network slirp4netns:mtu=1500,cidr=10.0.3.0/24 -- \
		sh -c 'ip -o -4 addr show tap0; ip -o link show tap0; cat /etc/resolv.conf'
	assert_output --partial "inet 10.0.3.100/24"
	assert_output --partial "mtu 1500"
	assert_line "nameserver 10.0.3.3"
}

@test "none: only lo, and lo is up; host: the host's interfaces" {
	run_hutch __nettest --network none -- ip -o link
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
	run_hutch __nettest --network none -- ip -o -4 addr
	assert_output --partial "inet 127.0.0.1/8"
	run_hutch __nettest --network host -- ip -o link
	assert_equal "$output" "$(ip -o link)"
}

@test "50 start/stop cycles leave no slirp4netns process and no stale socket" {
	local rd=$BATS_TEST_TMPDIR/rd log=$BATS_TEST_TMPDIR/log i p
	mkdir -p "$rd"
	for ((i = 0; i < 50; i++)); do
		"$HUTCH" --log-level=debug __nettest --run-dir "$rd" -p 127.0.0.1::80 -- true \
			2>>"$log" >/dev/null
	done
	assert_equal "$(helper_pids "$log" | sort -u | wc -l)" 50
	for p in $(helper_pids "$log"); do
		is_gone "$p" || fail "slirp4netns $p is still running"
	done
	run find "$rd" -type s
	assert_output ""
}

@test "a host port in use: a clear error naming it, the command never runs, nothing left" {
	local hp marker=$BATS_TEST_TMPDIR/ran
	hp=$(free_port)
	busybox httpd -f -p "127.0.0.1:$hp" -h "$WWW" 3>&- &
	track $!
	run fetch "http://127.0.0.1:$hp/"
	run_hutch 126 --log-level=debug __nettest -p "127.0.0.1:$hp:80" -- touch "$marker"
	assert_equal "${stderr_lines[-1]}" "Error: setting up the network (slirp4netns): cannot publish 127.0.0.1:$hp/tcp: the host port is already in use"
	[[ $stderr != *"slirp4netns started"* ]]
	[[ ! -e $marker ]]
}

@test "a privileged host port: the error names net.ipv4.ip_unprivileged_port_start" {
	local start marker=$BATS_TEST_TMPDIR/ran
	start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	((start > 80)) || skip_machine "ip_unprivileged_port_start is $start: port 80 is not privileged"
	run_hutch 125 __nettest -p 80:80 -- touch "$marker"
	assert_output ""
	[[ $stderr == *"cannot publish host port 80"*"net.ipv4.ip_unprivileged_port_start ($start)"* ]]
	[[ ! -e $marker ]]
}

@test "publishing on an IPv6 host address is refused by slirp4netns mode, pointing to pasta" {
	run_hutch 125 __nettest -p '[::1]::80' -- true
	[[ $stderr == *"cannot publish on the IPv6 host address [::1] with slirp4netns; use --network pasta"* ]]
}
