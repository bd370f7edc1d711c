#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# User-defined networks, the paths in and out (issue #15): the bridge's MTU that the
# slirp4netns uplink needs for speed, the monitor's relay of published ports (large
# transfers both ways, half-closes), what a disconnect does to published ports and to the
# last network, as podman 4.3.1 does.

load container_helpers

# The processes of ours that hold or serve the shared network namespace (zombies aside).
netns_processes_646() {
	ps -u "$(id -u)" -o pid=,stat=,comm= |
		awk '$2 !~ /^Z/ && $3 ~ /^(hutch-netns|hutch-init|slirp4netns|aardvark-dns|netavark|hutch-monitor)$/'
}

assert_no_netns_processes_646() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -z $(netns_processes_646) ]] && return 0
		sleep 0.1
	done
	fail "still running: $(netns_processes_646)"
}

@test "a network without --opt mtu gets the uplink's MTU, 65520; --opt mtu= still wins" {
	run_hutch network create n1
	run_hutch network create --opt mtu=1400 n2
	run_hutch run --rm --network n1 "$IMAGE" cat /sys/class/net/eth0/mtu
	assert_output 65520
	run_hutch run --rm --network n2 "$IMAGE" cat /sys/class/net/eth0/mtu
	assert_output 1400
	# The record keeps what was asked for: inspect shows no mtu option, as podman's.
	run_hutch network inspect n1
	assert_equal "$(jq -r '.[0].options.mtu // "none"' <<<"$output")" none
	assert_no_netns_processes_646
}

@test "-p on a network container: the relay passes 32 MiB each way intact, half-closes, many clients" {
	run_hutch network create n1
	local port
	port=$(free_port)
	# The server reads until the client half-closes, then answers with the digest of what it
	# got and 32 MiB of its own; one thread per client.
	run_hutch run -d --name big --network n1 -p "127.0.0.1:$port:7000" \
		-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro "$IMAGE" \
		/usr/bin/python3 -c 'import hashlib, socket, threading
def serve(c):
    h = hashlib.sha256()
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        h.update(d)
    c.sendall(h.hexdigest().encode() + b"\n")
    block = bytes(range(256)) * 4096
    for _ in range(32):
        c.sendall(block)
    c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000))
s.listen(64)
print("ready", flush=True)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],)).start()'
	# The relay accepts on the host before anything listens inside: wait for the server.
	wait_for sh -c "'$HUTCH' logs big | grep -q ready"
	run python3 - "$port" <<'PY'
import hashlib, socket, sys, threading
port = int(sys.argv[1])
def one(n, out):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    data = (b"%d" % n) * (1 << 20)
    data = data[: 32 << 20] if n == 0 else data[: 1 << 20]
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        got += d
    line, _, rest = bytes(got).partition(b"\n")
    want = bytes(range(256)) * 4096 * 32
    out[n] = line.decode() == hashlib.sha256(data).hexdigest() and rest == want
out = {}
# One large transfer, then eight at once.
one(0, out)
ts = [threading.Thread(target=one, args=(n, out)) for n in range(1, 9)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(out.items()))
PY
	assert_output "[(0, True), (1, True), (2, True), (3, True), (4, True), (5, True), (6, True), (7, True), (8, True)]"
	run_hutch rm -f -t0 big
	assert_no_netns_processes_646
}

# once PORT: one plain GET; prints the answer's body, or "closed" when the connection ends
# without one (the relay closes a client when nothing can carry it).
once_646() {
	python3 - "$1" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except ConnectionError:
    data = b""
print(data.decode().splitlines()[-1] if data else "closed")
PY
}

@test "network disconnect of the last network, as podman: lo only, published ports closed, connect again" {
	run_hutch network create n1
	local port
	port=$(free_port)
	run_hutch run -d --name web --network n1 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'mkdir -p /www && echo hello-net >/www/index.html && exec httpd -f -p 80 -h /www'
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output hello-net
	run_hutch network disconnect n1 web
	assert_output ""
	run_hutch exec web sh -c 'ls /sys/class/net'
	assert_output lo
	run_hutch inspect web --format '{{.HostConfig.NetworkMode}} {{len .NetworkSettings.Networks}}'
	assert_output "bridge 0"
	run_hutch ps --format '{{.Names}} [{{.Networks}}]'
	assert_output "web []"
	# The port is still published (podman's `port` lists it) but nothing carries it.
	run_hutch port web
	assert_output "80/tcp -> 127.0.0.1:$port"
	run once_646 "$port"
	assert_output closed
	run_hutch 125 network disconnect n1 web
	assert_equal "$stderr" "Error: container web is not connected to network n1"
	# Connected again: the interface, and the port answers.
	run_hutch network connect n1 web
	run_hutch exec web sh -c 'ls /sys/class/net | tr "\n" " "'
	assert_output "eth0 lo "
	run once_646 "$port"
	assert_output hello-net
	# On no network across a restart: lo only, and connect still works on it.
	run_hutch network disconnect n1 web
	run_hutch restart -t 0 web
	run_hutch exec web sh -c 'ls /sys/class/net'
	assert_output lo
	run_hutch network connect n1 web
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output hello-net
	# A created container too: it starts on no network.
	run_hutch create --name cr --network n1 "$IMAGE" sleep 1000
	run_hutch network disconnect n1 cr
	run_hutch start cr
	run_hutch exec cr sh -c 'ls /sys/class/net'
	assert_output lo
	run_hutch rm -f -t0 web cr
	assert_no_netns_processes_646
}

@test "a published port answers while one network carries the container, not after the last goes" {
	run_hutch network create n1
	run_hutch network create n2
	local port
	port=$(free_port)
	run_hutch run -d --name web --network n1,n2 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'mkdir -p /www && echo hello-net >/www/index.html && exec httpd -f -p 80 -h /www'
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output hello-net
	run_hutch network disconnect n1 web
	run once_646 "$port"
	assert_output hello-net
	run_hutch network disconnect n2 web
	run once_646 "$port"
	assert_output closed
	run_hutch rm -f -t0 web
	assert_no_netns_processes_646
}

# The host's first IPv4 address that is not loopback, or nothing.
host_ipv4_646() {
	ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}'
}

@test "a published TCP port keeps a client's own address (127.0.0.2, the host's); UDP shows 127.0.0.1" {
	local hostip
	hostip=$(host_ipv4_646)
	[[ -n $hostip ]] || skip_machine "no IPv4 address besides loopback"
	run_hutch network create n1
	local port uport
	port=$(free_port)
	uport=$(free_port)
	run_hutch run -d --name web --network n1 -p "$port:80" -p "$uport:5353/udp" \
		-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro "$IMAGE" \
		/usr/bin/python3 -c 'import socket, threading
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 5353))
    while True:
        d, a = s.recvfrom(100)
        s.sendto(a[0].encode(), a)
threading.Thread(target=udp, daemon=True).start()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80))
s.listen(8)
print("ready", flush=True)
while True:
    c, a = s.accept()
    c.sendall(a[0].encode())
    c.close()'
	wait_for sh -c "'$HUTCH' logs web | grep -q ready"
	# Each client binds its own address and says what the server inside saw.
	run python3 - "$port" "$uport" 127.0.0.1 127.0.0.2 "$hostip" <<'PY'
import socket, sys, time
port, uport = int(sys.argv[1]), int(sys.argv[2])
for src in sys.argv[3:]:
    dst = "127.0.0.1" if src.startswith("127.") else src
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((dst, port))
    seen = s.recv(100).decode()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((src, 0))
    u.settimeout(0.5)
    useen = "none"
    for _ in range(20):
        u.sendto(b"x", (dst, uport))
        try:
            useen = u.recvfrom(100)[0].decode()
            break
        except OSError:
            time.sleep(0.1)
    print(src, seen, useen)
PY
	# UDP: a server answers from an unbound socket, whose source address the kernel picks
	# by the route to the client (the container's interface), so the relay's policy route
	# would not bring it back; the relay's socket there stays 127.0.0.1.
	assert_line "127.0.0.1 127.0.0.1 127.0.0.1"
	assert_line "127.0.0.2 127.0.0.2 127.0.0.1"
	assert_line "$hostip $hostip 127.0.0.1"
	# The policy route that brings the answers back, once however many clients came.
	run_hutch inspect web --format '{{.State.Pid}}'
	run nsenter -t "$output" -U -n --preserve-credentials ip rule
	assert_equal "$(grep -c 'from 127.0.0.1 lookup 26741' <<<"$output")" 1
	run_hutch rm -f -t0 web
	assert_no_netns_processes_646
}
