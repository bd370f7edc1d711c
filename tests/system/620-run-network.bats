#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch run with the network (issue #6): slirp4netns by default, published ports, the host's
# loopback only when allowed, none, the /etc files, and nothing left behind.

load container_helpers

httpd_cmd='mkdir -p /www && echo hello-from-hutch >/www/index.html && exec httpd -f -p 80 -h /www'

@test "-p 127.0.0.1:PORT:80 reaches busybox httpd; ps, inspect and the record show it" {
	local port
	port=$(free_port)
	run_hutch run -d --name web -p "127.0.0.1:$port:80" "$IMAGE" sh -c "$httpd_cmd"
	run fetch "http://127.0.0.1:$port/"
	assert_output hello-from-hutch
	run_hutch ps --format '{{.Ports}}'
	assert_output "127.0.0.1:$port->80/tcp"
	# The check below can fail: the running container's slirp4netns is found.
	[[ -n $(net_helpers_alive) ]] || fail "no slirp4netns found for the running container"
	run_hutch inspect web --format '{{json .NetworkSettings.Ports}}'
	assert_output "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$port\"}]}"
	run_hutch rm -f web
	run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
	assert_failure
}

@test "-p PORT:80 answers on the host's IPv6 too, as podman's; -p 127.0.0.1:PORT:80 does not" {
	[[ -e /proc/net/if_inet6 ]] && python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' ||
		skip_machine "no IPv6 loopback"
	local port port2
	port=$(free_port)
	# slirp4netns listens on 0.0.0.0 only: the monitor forwards [::]:PORT itself.
	run_hutch run -d --name web6 -p "$port:80" "$IMAGE" sh -c \
		'mkdir -p /www && head -c 3000000 /dev/urandom >/www/big && md5sum </www/big >/www/sum && exec httpd -f -p 80 -h /www'
	run fetch "http://[::1]:$port/sum"
	assert_success
	local sum=$output
	run bash -c "curl -sf --noproxy '*' -m 20 'http://[::1]:$port/big' | md5sum"
	assert_output "$sum"
	run fetch "http://127.0.0.1:$port/sum"
	assert_output "$sum"
	# Many at once, then the monitor holds no connection (nor spins).
	local i
	for i in $(seq 20); do curl -sf --noproxy '*' -m 5 -o /dev/null "http://[::1]:$port/sum" & done
	wait
	run_hutch rm -f -t0 web6
	run curl -sf --noproxy '*' -m 2 "http://[::1]:$port/sum"
	assert_failure
	port2=$(free_port)
	run_hutch run -d --name web4 -p "127.0.0.1:$port2:80" "$IMAGE" sh -c "$httpd_cmd"
	run fetch "http://127.0.0.1:$port2/"
	assert_output hello-from-hutch
	run curl -sf --noproxy '*' -m 2 "http://[::1]:$port2/"
	assert_failure
}

@test "UDP publish works, also for clients on the host's loopback" {
	# slirp4netns alone would drop the replies to the host's loopback (podman#4586): the
	# monitor forwards UDP itself. Debian's busybox nc has no -u: the host's python3
	# serves UDP inside the container.
	local port
	port=$(free_port)
	run_hutch run -d --name udp -p "127.0.0.1:$port:5353/udp" \
		-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro "$IMAGE" \
		/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
while True:
    d, a = s.recvfrom(100)
    s.sendto(b"pong:" + d, a)'
	run python3 - "$port" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for _ in range(40):
    s.sendto(b"ping", ("127.0.0.1", int(sys.argv[1])))
    try:
        print(s.recvfrom(100)[0].decode())
        break
    except OSError:
        time.sleep(0.1)
PY
	assert_output "pong:ping"
}

@test "-p A-B:A-B through bridge and both port_handler names, as podman's 500 test" {
	# Rootless podman's "bridge" is its default network: hutch's is slirp4netns.
	local netmode first port cid
	for netmode in bridge slirp4netns:port_handler=slirp4netns slirp4netns:port_handler=rootlesskit; do
		first=$(free_port)
		# Three free ports in a row (the kernel's pick plus the next two, when free).
		python3 -c 'import socket,sys
for p in range(int(sys.argv[1]), int(sys.argv[1]) + 3):
    socket.socket().bind(("0.0.0.0", p))' "$first" || continue
		run_hutch run --network "$netmode" -p "$first-$((first + 2)):$first-$((first + 2))" \
			-d "$IMAGE" sleep inf
		cid=$output
		for port in $first $((first + 1)) $((first + 2)); do
			run_hutch exec -d "$cid" nc -l -p "$port" -e /bin/cat
			# Again while the listener starts (a refused connection consumes nothing).
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				run nc -w 1 127.0.0.1 "$port" <<<"hi-$port"
				[[ $output == "hi-$port" ]] && break
				sleep 0.2
			done
			assert_output "hi-$port"
		done
		run_hutch rm -f -t0 "$cid"
	done
}

@test "-P and -p without a host port pick free ports" {
	# The fixture image exposes nothing: -P alone publishes nothing and still runs.
	run_hutch run --rm -P "$IMAGE" true
	# No host port: a free one is picked.
	run_hutch run -d --name rng -p "127.0.0.1::80" "$IMAGE" sh -c "$httpd_cmd"
	run_hutch ps --format '{{.Ports}}'
	[[ $output =~ ^127\.0\.0\.1:([0-9]+)-\>80/tcp$ ]]
	run fetch "http://127.0.0.1:${BASH_REMATCH[1]}/"
	assert_output hello-from-hutch
}

@test "-P publishes the image's EXPOSE on free host ports; port shows them" {
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/web:latest"
	run_hutch run -d -P --name web "$HUTCH_REGISTRY/web:latest"
	run_hutch port web
	assert_equal "${#lines[@]}" 2
	assert_line --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --regexp '^5353/udp -> 0\.0\.0\.0:[0-9]+$'
	run_hutch port web 80/tcp
	run fetch "http://127.0.0.1:${output##*:}/"
	assert_output web-fixture
}

@test "the host's loopback at 10.0.2.2 only with allow_host_loopback=true" {
	local port
	port=$(free_port)
	python3 -m http.server --bind 127.0.0.1 "$port" --directory "$BATS_TEST_TMPDIR" \
		>/dev/null 2>&1 3>&- &
	local srv=$!
	echo on-the-host >"$BATS_TEST_TMPDIR/probe"
	sleep 0.5
	run_hutch 1 run --rm "$IMAGE" sh -c "nc -w 2 10.0.2.2 $port </dev/null"
	run_hutch run --rm --network slirp4netns:allow_host_loopback=true "$IMAGE" \
		sh -c "printf 'GET /probe HTTP/1.0\r\n\r\n' | nc -w 2 10.0.2.2 $port"
	assert_output --partial on-the-host
	run_hutch run --rm --network slirp4netns:allow_host_loopback=true "$IMAGE" \
		grep host.containers.internal /etc/hosts
	assert_output --partial 10.0.2.2
	kill "$srv"
}

@test "none has only lo; resolv.conf, hosts, hostname; --dns and --add-host" {
	run_hutch run --rm --network none "$IMAGE" sh -c 'ls /sys/class/net'
	assert_output lo
	run_hutch run --rm --name named --hostname box --dns 10.0.2.53 --dns-search example.test \
		--add-host db:10.1.2.3 "$IMAGE" sh -c 'cat /etc/resolv.conf /etc/hosts /etc/hostname'
	assert_line "nameserver 10.0.2.53"
	assert_line "search example.test"
	assert_line --regexp "^10\.1\.2\.3[[:space:]]+db$"
	assert_line --regexp "^10\.0\.2\.100[[:space:]]+box named$"
	assert_line box
	run_hutch run --rm "$IMAGE" cat /etc/resolv.conf
	assert_line "nameserver 10.0.2.3"
	# Never written into the image: the rootfs keeps its own files.
	run_hutch run --rm --network host "$IMAGE" sh -c 'ls /sys/class/net | grep -c .'
	[[ $output -ge 1 ]]
}

@test "port in use and privileged port: clear errors, nothing left running" {
	local port
	port=$(free_port)
	python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(30)" &
	local holder=$!
	sleep 0.3
	run_hutch 126 run --rm -p "127.0.0.1:$port:80" "$IMAGE" true
	[[ $stderr == *"127.0.0.1:$port"*"already in use"* ]]
	kill "$holder"
	run_hutch 125 run --rm -p 80:80 "$IMAGE" true
	[[ $stderr == *"net.ipv4.ip_unprivileged_port_start"* ]]
	run_hutch ps -a -q
	assert_output ""
	assert_no_net_helpers
	assert_no_process "hutch-monitor.*$XDG_RUNTIME_DIR"
}

@test "50 run/rm cycles with networking leave no slirp4netns and no stale socket" {
	local i
	for ((i = 0; i < 50; i++)); do
		"$HUTCH" run --rm "$IMAGE" true || fail "cycle $i failed"
	done
	# The monitor reaps the last helper just after it reported the exit status.
	assert_no_net_helpers
	run find "$XDG_RUNTIME_DIR/hutch/containers" -type s
	assert_output ""
}

@test "bad --network values: one clear error" {
	run_hutch 125 run --rm --network bridge:ip=10.88.0.5 "$IMAGE" true
	[[ $stderr == *"bridge"* ]]
	run_hutch 125 run --rm --network slirp4netns:port_handler=vpnkit "$IMAGE" true
	[[ $stderr == *'"port_handler=vpnkit": want rootlesskit or slirp4netns'* ]]
	run_hutch 125 run --rm --network slirp4netns:mtu=abc "$IMAGE" true
	[[ $stderr == *'mtu=abc'* ]]
	# -p with the host's network: dropped with podman's words, not refused.
	run_hutch run --rm --network host -p 8080:80 "$IMAGE" true
	[[ $stderr == "Port mappings have been discarded"* ]]
}

@test "--network pasta: a published TCP port, pasta gone with the container" {
	command -v pasta >/dev/null || skip_machine "passt is not installed"
	local port
	port=$(free_port)
	run_hutch run -d --name pw --network pasta -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c "$httpd_cmd"
	run fetch "http://127.0.0.1:$port/"
	assert_output hello-from-hutch
	[[ -n $(net_helpers_alive) ]] || fail "no pasta found for the running container"
	run_hutch rm -f pw
	assert_no_net_helpers
}

# get_local CTR: fetch http://127.0.0.1:80/ inside CTR (busybox nc with a raw request: busybox
# wget can crash in some setups), retrying while the server starts.
get_local() {
	"$HUTCH" exec "$1" sh -c 'for i in $(seq 50); do
		printf "GET / HTTP/1.0\r\nHost: x\r\n\r\n" | nc 127.0.0.1 80 2>/dev/null | grep -v "^[A-Z][A-Za-z-]*:" | tail -n 1 | grep . && exit 0
		sleep 0.1; done; exit 1'
}

@test "--network container:NAME shares the network namespace" {
	run_hutch run -d --name srv "$IMAGE" sh -c "$httpd_cmd"
	run_hutch run -d --name peer --network container:srv "$IMAGE" sleep 300
	run get_local peer
	assert_success
	assert_output hello-from-hutch
	# The same interfaces and the same namespace.
	run_hutch exec srv ls /sys/class/net
	local ifs=$output
	run_hutch exec peer ls /sys/class/net
	assert_output "$ifs"
	run_hutch exec srv readlink /proc/1/ns/net
	local ns=$output
	run_hutch exec peer readlink /proc/1/ns/net
	assert_output "$ns"
	run_hutch inspect srv --format '{{.Id}}'
	local id=$output
	run_hutch inspect peer --format '{{.HostConfig.NetworkMode}}'
	assert_output "container:$id"
	# The other container's resolv.conf, and an own hosts entry.
	run_hutch exec peer cat /etc/resolv.conf
	local resolv=$output
	run_hutch exec srv cat /etc/resolv.conf
	assert_output "$resolv"
	run_hutch exec peer grep -w peer /etc/hosts
	# srv has a dependent: rm refuses without -f.
	run_hutch 125 rm srv
	[[ $stderr == *"dependent containers"* ]]
	run_hutch rm -f peer srv
}

@test "--network container: of a stopped or unknown container" {
	run_hutch create --name stopped "$IMAGE" true
	run_hutch create --name dep --network container:stopped "$IMAGE" true
	run_hutch 125 start dep
	[[ $stderr == *"container stopped is not running"* ]]
	run_hutch 125 run --network container:stopped "$IMAGE" true
	[[ $stderr == *"is not running"* ]]
	run_hutch 125 run --network container:nosuch "$IMAGE" true
	[[ $stderr == *'no container with name or ID "nosuch"'* ]]
	run_hutch 125 run -p 8080:80 --network container:stopped "$IMAGE" true
	[[ $stderr == *"cannot publish ports"* ]]
	run_hutch create --name hostnet --network host "$IMAGE" true
	run_hutch 125 create --network container:hostnet "$IMAGE" true
	[[ $stderr == *"uses the host's network"* ]]
	run_hutch create --name kid --userns keep-id "$IMAGE" true
	run_hutch 125 create --network container:kid "$IMAGE" true
	[[ $stderr == *"cannot be shared"* ]]
	# Nothing was left running for them.
	assert_no_process "$XDG_RUNTIME_DIR"
}

@test "/etc/hosts as podman's: IP HOSTNAME NAME, host.containers.internal the host's address; --net" {
	local ip
	ip=$(hostname -I | cut -f 1 -d ' ')
	run_hutch run --rm --network slirp4netns:cidr=10.77.3.0/24 --name same --hostname same \
		"$IMAGE" cat /etc/hosts
	assert_line $'10.77.3.100\tsame same'
	assert_line "$ip"$'\thost.containers.internal'
	# --net is podman's other name of --network; --http-proxy=false is accepted.
	run_hutch run --rm --net=none --http-proxy=false "$IMAGE" ip -o link show
	refute_output --partial eth0
	refute_output --partial tap0
}
