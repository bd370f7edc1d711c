#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# User-defined networks, continued (issue #15): network connect, disconnect and reload on
# running and stopped containers; --ip, --mac-address and --network NAME:ip=,mac=,alias=;
# podman's messages and exit codes for each.

load container_helpers

@test "network connect/disconnect take effect on a running container: interface, DNS, /etc" {
	run_hutch network create n1
	run_hutch network create n2
	run_hutch run -d --name srv --network n2 "$IMAGE" \
		sh -c 'while true; do echo hello | nc -l -p 9480; done'
	run_hutch run -d --name a --network n1 "$IMAGE" sleep 1000
	run_hutch 1 exec a nc -w 2 srv 9480
	run_hutch network connect --alias app n2 a
	assert_output ""
	run_hutch exec a ip -4 -o addr show eth1
	[[ $output == *"inet 10.89.1."* ]]
	run_hutch exec a cat /etc/resolv.conf
	assert_line "nameserver 10.89.0.1"
	assert_line "nameserver 10.89.1.1"
	run_hutch exec a nc srv 9480
	assert_output hello
	# Its name and the alias given for n2 resolve on n2, the alias only there.
	run_hutch run --rm --network n2 "$IMAGE" nslookup app
	assert_output --partial "Name:	app.dns.podman"
	run_hutch run --rm --network n2 "$IMAGE" nslookup a
	assert_output --partial "Name:	a.dns.podman"
	run_hutch 1 run --rm --network n1 "$IMAGE" nslookup app
	run_hutch inspect a --format '{{json .NetworkSettings.Networks.n2.Aliases}} {{.NetworkSettings.Networks.n2.IPAddress}}'
	[[ $output =~ ^\[\"app\",\"[0-9a-f]{12}\"\]\ 10\.89\.1\.[0-9]+$ ]]
	# podman's messages: already connected, not connected, unknown network or container.
	run_hutch 125 network connect n2 a
	local id
	id=$("$HUTCH" inspect a --format '{{.Id}}')
	assert_equal "$stderr" "Error: container $id is already connected to network \"n2\": network is already connected"
	run_hutch 125 network connect nosuch a
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run_hutch 125 network connect n2 nosuch
	assert_equal "$stderr" "Error: no container with name or ID \"nosuch\" found: no such container"
	# Disconnect: the interface, the name server and the name on n2 go at once.
	run_hutch network disconnect n2 a
	assert_output ""
	run_hutch 1 exec a ip addr show eth1
	run_hutch exec a cat /etc/resolv.conf
	refute_line "nameserver 10.89.1.1"
	run_hutch 1 run --rm --network n2 "$IMAGE" nslookup app
	run_hutch 125 network disconnect n2 a
	assert_equal "$stderr" "Error: container a is not connected to network n2"
	# The network in use by a only through connect: rm refuses it as for run --network.
	run_hutch network connect n2 a
	run_hutch rm -f -t0 srv
	run_hutch 2 network rm n2
	run_hutch rm -f -t0 a
	assert_no_netns_processes_645
}

@test "network connect on a created container takes effect at start; reload keeps addresses" {
	run_hutch network create n1
	run_hutch network create n2
	run_hutch create --name b --network n1 "$IMAGE" sleep 1000
	run_hutch network connect --ip 10.89.1.77 --mac-address 92:d0:c6:0a:29:33 n2 b
	run_hutch network disconnect n1 b
	run_hutch inspect b --format '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}'
	assert_output "bridge n2 "
	run_hutch 125 network reload b
	assert_equal "$stderr" "Error: cannot reload network unless container network has been configured: container state improper"
	run_hutch start b
	run_hutch exec b ip -o addr show eth0
	[[ $output == *"inet 10.89.1.77/24"* ]]
	[[ $output == *"link/ether 92:d0:c6:0a:29:33"* || $output == *"fe80::90d0:c6ff:fe0a:2933"* ]]
	run_hutch network connect n1 b
	run_hutch inspect b --format '{{.NetworkSettings.Networks.n1.IPAddress}} {{.NetworkSettings.Networks.n1.MacAddress}}'
	local before=$output
	# reload: the container's ID, the same address and MAC again, and it still works.
	local id
	id=$("$HUTCH" inspect b --format '{{.Id}}')
	run_hutch network reload b
	assert_output "$id"
	run_hutch inspect b --format '{{.NetworkSettings.Networks.n1.IPAddress}} {{.NetworkSettings.Networks.n1.MacAddress}}'
	assert_output "$before"
	run_hutch network reload --all
	assert_output "$id"
	run_hutch exec b ip -4 -o addr show eth1
	[[ $output == *"inet ${before%% *}/24"* ]]
	run_hutch run --rm --network n1 "$IMAGE" nslookup b
	assert_output --partial "Address: ${before%% *}"
	run_hutch 125 network disconnect n1 nosuch
	run_hutch 125 network connect n1 nosuch
	run_hutch rm -f -t0 b
	assert_no_netns_processes_645
}

@test "--ip, --mac-address and --network NAME:ip=,mac=,alias=; podman's errors" {
	run_hutch network create n1
	run_hutch network create n2
	run_hutch run -d --name c1 --network n1 --ip 10.89.0.7 --mac-address 92:d0:c6:0a:29:33 \
		"$IMAGE" sleep 1000
	run_hutch exec c1 ip -o addr show eth0
	[[ $output == *"inet 10.89.0.7/24"* ]]
	run_hutch inspect c1 --format '{{.NetworkSettings.Networks.n1.IPAddress}} {{.NetworkSettings.Networks.n1.MacAddress}}'
	assert_output "10.89.0.7 92:d0:c6:0a:29:33"
	run_hutch run --rm --network n1:ip=10.89.0.9,mac=92:d0:c6:0a:29:34,alias=zed "$IMAGE" \
		sh -c 'ip -o addr show eth0; nslookup zed'
	assert_output --partial "inet 10.89.0.9/24"
	assert_output --partial "Name:	zed.dns.podman"
	run_hutch 125 run --rm --network n1 --ip 10.89.0.7 "$IMAGE" true
	[[ $stderr == *"IPAM error: requested ip address 10.89.0.7 is already allocated to container ID "* ]]
	run_hutch 125 run --rm --network n1 --ip 10.99.0.5 "$IMAGE" true
	[[ $stderr == *"requested static ip 10.99.0.5 not in any subnet on network n1" ]]
	run_hutch 125 run --rm --network n1,n2 --ip 10.89.0.10 "$IMAGE" true
	assert_equal "$stderr" "Error: --ip can only be set for a single network: invalid argument"
	run_hutch 125 run --rm --ip 10.89.0.10 "$IMAGE" true
	assert_equal "$stderr" "Error: invalid config provided: networks and static ip/mac address can only be used with Bridge mode networking"
	run_hutch 125 run --rm --network n1 --mac-address zz "$IMAGE" true
	assert_equal "$stderr" "Error: address zz: invalid MAC address"
	run_hutch 125 network connect --ip 10.89.0.8 n2 c1
	assert_equal "$stderr" "Error: requested static ip 10.89.0.8 not in any subnet on network n2"
	run_hutch network connect --ip 10.89.1.8 n2 c1
	run_hutch inspect c1 --format '{{.NetworkSettings.Networks.n2.IPAddress}}'
	assert_output 10.89.1.8
	# The addresses are free again once the container is gone.
	run_hutch rm -f -t0 c1
	run_hutch run --name c2 --network n1 --ip 10.89.0.7 "$IMAGE" true
	run_hutch rm c2
}

@test "pod create --network NAME: the infra joins it, members share it, the pod name resolves" {
	run_hutch network create n1
	run_hutch pod create --name p1 --network n1
	run_hutch run -d --name member --pod p1 "$IMAGE" \
		sh -c 'while true; do echo from-pod | nc -l -p 9480; done'
	run_hutch exec member sh -c 'ip -4 -o addr show eth0; cat /etc/resolv.conf'
	assert_output --partial "inet 10.89.0."
	assert_output --partial "nameserver 10.89.0.1"
	run_hutch run --rm --network n1 "$IMAGE" nc -w 2 p1 9480
	assert_output from-pod
	run_hutch pod inspect p1 --format '{{.InfraContainerID}}'
	local infra=$output
	run_hutch inspect "$infra" --format '{{.HostConfig.NetworkMode}} {{json .NetworkSettings.Networks.n1.Aliases}}'
	[[ $output =~ ^bridge\ \[\"p1\", ]]
	run_hutch 125 pod create --name p2 --network nosuch
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run_hutch pod rm -f -t0 p1
	assert_no_netns_processes_645
}

@test "UDP published on a network container; the container sees a host client as 127.0.0.1" {
	run_hutch network create n1
	local port
	port=$(free_port)
	# Debian's busybox nc has no -u: the host's python3 serves UDP inside the container and
	# answers with the address it sees the client at.
	run_hutch run -d --name udp --network n1 -p "127.0.0.1:$port:5353/udp" \
		-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro "$IMAGE" \
		/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
while True:
    d, a = s.recvfrom(100)
    s.sendto(b"pong:" + d + b":" + a[0].encode(), a)'
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
	assert_output "pong:ping:127.0.0.1"
	run_hutch port udp
	assert_output "5353/udp -> 127.0.0.1:$port"
	run_hutch rm -f -t0 udp
	assert_no_netns_processes_645
}

@test "-p 127.0.0.1:PORT:80 on a network container: curl answers, the server logs 127.0.0.1" {
	run_hutch network create n1
	local port
	port=$(free_port)
	run_hutch run -d --name web --network n1 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'mkdir -p /www && echo hello-net >/www/index.html && exec httpd -f -v -p 80 -h /www'
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output hello-net
	# The client's address as the container sees it: the host's loopback, not a gateway's.
	wait_for sh -c "'$HUTCH' logs web 2>&1 | grep -q 'response:200'"
	run_hutch logs web
	# httpd -v logs to its stderr.
	[[ $stderr =~ ^\[(::ffff:)?127\.0\.0\.1\]:[0-9]+:\ response:200 ]]
	[[ $stderr != *10.0.2.* && $stderr != *10.89.* ]]
	# A client that half-closes after its request still gets the whole answer.
	run python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(data.decode().splitlines()[-1])
PY
	assert_output hello-net
	run_hutch rm -f -t0 web
	assert_no_netns_processes_645
	# The port is free again (a server's SO_REUSEADDR: connections closed just now may
	# linger in TIME_WAIT).
	python3 -c "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen()"
}

@test "--restart always with -p on a network container: the port serves again after a kill" {
	run_hutch network create n1
	local port
	port=$(free_port)
	run_hutch run -d --name rs --restart always --network n1 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'mkdir -p /www && echo again >/www/index.html && exec httpd -f -p 80 -h /www'
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output again
	run_hutch inspect rs --format '{{.State.Pid}}'
	local pid=$output
	kill -9 "$pid"
	# The old monitor lets the host socket go before the restart binds it again.
	wait_for sh -c "p=\$('$HUTCH' inspect rs --format '{{.State.Pid}}'); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ]"
	run fetch "http://127.0.0.1:$port/index.html"
	assert_output again
	run_hutch rm -f -t0 rs
	assert_no_netns_processes_645
}

@test "netavark or aardvark-dns missing: a clear error naming the package, nothing left running" {
	run_hutch network create n1
	run_hutch network create --disable-dns nodns
	HUTCH_NETAVARK=/nonexistent run_hutch 125 run --rm --network n1 "$IMAGE" true
	[[ $stderr == "Error: starting container "*": netavark not found: install the netavark package for user-defined networks" ]]
	HUTCH_AARDVARK_DNS=/nonexistent run_hutch 125 run --rm --network n1 "$IMAGE" true
	[[ $stderr == "Error: starting container "*": aardvark-dns not found: install the aardvark-dns package for container names on user-defined networks (or create the network with --disable-dns)" ]]
	# A network without DNS needs no aardvark-dns.
	HUTCH_AARDVARK_DNS=/nonexistent run_hutch run --rm --network nodns "$IMAGE" true
	run_hutch ps -a -q
	assert_output ""
	assert_no_netns_processes_645
}

# The processes of ours that hold or serve the shared network namespace (zombies aside).
netns_processes_645() {
	ps -u "$(id -u)" -o pid=,stat=,comm= |
		awk '$2 !~ /^Z/ && $3 ~ /^(hutch-netns|hutch-init|slirp4netns|aardvark-dns|netavark|hutch-monitor)$/'
}

assert_no_netns_processes_645() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -z $(netns_processes_645) ]] && return 0
		sleep 0.1
	done
	fail "still running: $(netns_processes_645)"
}
