#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Network set-up failures give one clear error and leave nothing running (issue #6): bad
# --network and -p values, a missing helper program, a missing /dev/net/tun.

load helpers

# A bin dir with what __nettest needs besides the network helpers: the id-map helpers.
bin_without_helpers() {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	ln -sf /usr/bin/newuidmap /usr/bin/newgidmap "$bin/"
	echo "$bin"
}

@test "--network bridge:OPTIONS: rootless, bridge is the default network and takes no options" {
	run_hutch 125 __nettest --network bridge:ip=10.88.0.5 -- true
	assert_equal "${stderr_lines[0]}" 'Error: invalid network "bridge:ip=10.88.0.5": rootless, bridge is the default network (slirp4netns) and takes no options'
	assert_equal "${stderr_lines[1]}" "See 'hutch __nettest --help'."
	run_hutch 125 __nettest --network slirp4netns:mtu=abc -- true
	[[ $stderr == *'invalid slirp4netns option "mtu=abc"'* ]]
	run_hutch 125 __nettest -p 8080-8081:80 -- true
	[[ $stderr == *"must be of equal length"* ]]
}

@test "slirp4netns not in \$PATH: the error names the package, the command never runs" {
	local marker=$BATS_TEST_TMPDIR/ran
	HUTCH_PATH=$(bin_without_helpers) run_hutch 125 __nettest -- /usr/bin/touch "$marker"
	assert_equal "$stderr" "Error: setting up the network (slirp4netns): slirp4netns not found in \$PATH: install the slirp4netns package for --network slirp4netns"
	[[ ! -e $marker ]]
}

@test "pasta not in \$PATH: the error names the passt package" {
	HUTCH_PATH=$(bin_without_helpers) run_hutch 125 __nettest --network pasta -- true
	assert_equal "$stderr" "Error: setting up the network (pasta): pasta not found in \$PATH: install the passt package for --network pasta"
}

@test "/dev/net/tun missing: the error names it, the command never runs" {
	# An unprivileged user cannot chmod the real device, but can hide it: hutch runs in a
	# user+mount namespace with an empty tmpfs on /dev/net (the helper inherits that view).
	local marker=$BATS_TEST_TMPDIR/ran
	run -125 --separate-stderr unshare -Urm sh -c \
		'mount -t tmpfs tmpfs /dev/net && exec "$0" __nettest -- touch "$1"' "$HUTCH" "$marker"
	echo "$stderr"
	[[ $stderr == *"Error: setting up the network (slirp4netns): /dev/net/tun does not exist: load the tun kernel module (modprobe tun)"* ]]
	[[ ! -e $marker ]]
}

@test "/dev/net/tun not read-write (mode 0600): the error names it and its mode" {
	# Stand-in for a 0600 root-owned device: bind Debian's /etc/.pwd.lock (root, 0600, empty)
	# over /dev/net/tun inside a user+mount namespace. Root of that namespace cannot open it,
	# as the real device's owner is not mapped there either.
	local lock=/etc/.pwd.lock
	[[ -f $lock && $(stat -c %a:%u $lock) == 600:0 ]] || skip_machine "no root-owned 0600 $lock"
	run -125 --separate-stderr unshare -Urm sh -c \
		'mount --bind "$1" /dev/net/tun && exec "$0" __nettest -- true' "$HUTCH" "$lock"
	echo "$stderr"
	# The ids as the host sees them, not 65534 and 0 from inside the namespace; and the
	# way around it.
	[[ $stderr == *"Error: setting up the network (slirp4netns): /dev/net/tun (mode 0600, owned by an id outside hutch's user namespace, root as a rule) is not read-write for uid $(id -u): rootless networking needs it mode 0666"*"(--network none)"* ]]
}

@test "pasta: -p reaches busybox httpd in the namespace; teardown stops pasta" {
	command -v pasta >/dev/null || skip_machine "pasta (passt) is not installed"
	local out=$BATS_TEST_TMPDIR/out www=$BATS_TEST_TMPDIR/www port daemon i rd=$BATS_TEST_TMPDIR/rd
	mkdir -p "$www" "$rd"
	echo "hello via pasta" >"$www/index.html"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$HUTCH" --log-level=debug __nettest --network pasta --run-dir "$rd" \
		-p "127.0.0.1:$port:80" -- busybox httpd -f -p 80 -h "$www" >"$out" 2>"$out.err" 3>&- &
	local pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "^80/tcp -> 127.0.0.1:$port$" "$out" && break
		sleep 0.1
	done
	daemon=$(sed -n 's/.*pasta daemon: pid \([0-9]*\).*/\1/p' "$out.err")
	[[ -n $daemon && -e /proc/$daemon ]] || { cat "$out.err"; false; }
	for ((i = 0; i < 50; i++)); do
		run curl -sf -m 2 "http://127.0.0.1:$port/"
		[[ $status == 0 ]] && break
		sleep 0.1
	done
	assert_output "hello via pasta"
	kill -TERM "$pid"
	wait "$pid" || true
	# The pasta daemon is not our child: teardown signals it through a pidfd.
	for ((i = 0; i < 50; i++)); do
		[[ -e /proc/$daemon && $(awk '{print $3}' "/proc/$daemon/stat") != Z ]] || break
		sleep 0.1
	done
	[[ ! -e /proc/$daemon || $(awk '{print $3}' "/proc/$daemon/stat") == Z ]]
	[[ ! -e $rd/pasta.pid ]]
}

@test "pasta: the namespace gets an address and lo; no ports means none forwarded" {
	command -v pasta >/dev/null || skip_machine "pasta (passt) is not installed"
	run_hutch __nettest --network pasta -- ip -o link
	assert_line --regexp '^1: lo: <LOOPBACK,UP,LOWER_UP>'
	assert_equal "${#lines[@]}" 2
}
