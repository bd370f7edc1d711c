#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# User-defined networks (issue #15): network create, ls, inspect, exists, rm and prune, with
# podman's JSON, messages and exit codes; containers on them that find each other by name,
# in the user's one shared network namespace, which goes with the last of them.

load container_helpers

# The processes of ours that hold or serve the shared network namespace (zombies aside:
# their parent may be an init that does not reap).
netns_processes() {
	ps -u "$(id -u)" -o pid=,stat=,comm= |
		awk '$2 !~ /^Z/ && $3 ~ /^(hutch-netns|hutch-init|slirp4netns|aardvark-dns|netavark|hutch-monitor)$/'
}

assert_no_netns_processes() {
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -z $(netns_processes) ]] && return 0
		sleep 0.1
	done
	fail "still running: $(netns_processes)"
}

@test "network create picks a free 10.89.N.0/24 and podmanN; ls sorts by name" {
	run_hutch network ls
	assert_line --index 0 --regexp '^NETWORK ID +NAME +DRIVER$'
	assert_line --index 1 --regexp '^2f259bab93aa +podman +bridge$'
	run_hutch network ls --noheading
	refute_output --partial "NETWORK ID"
	run_hutch network create c-net
	assert_output c-net
	run_hutch network create a-net
	run_hutch network create b-net
	run_hutch network ls -q
	assert_output "a-net
b-net
c-net
podman"
	run_hutch network inspect c-net
	[[ $(jq -r '.[0].subnets[0].subnet' <<<"$output") == 10.89.0.0/24 ]]
	[[ $(jq -r '.[0].subnets[0].gateway' <<<"$output") == 10.89.0.1 ]]
	[[ $(jq -r '.[0].network_interface' <<<"$output") == podman1 ]]
	[[ $(jq -r '.[0].driver,.[0].internal,.[0].dns_enabled,.[0].ipv6_enabled' <<<"$output" |
		tr '\n' ' ') == "bridge false true false " ]]
	[[ $(jq -r '.[0].ipam_options.driver' <<<"$output") == host-local ]]
	run_hutch network inspect b-net --format '{{.Name}} {{.NetworkInterface}} {{range .Subnets}}{{.Subnet}}{{end}}'
	assert_output "b-net podman3 10.89.2.0/24"
	# Inspect by ID prefix; the record is netavark's network JSON, in the store.
	run_hutch network inspect --format '{{.ID}}' a-net
	local id=$output
	run_hutch network inspect --format '{{.Name}}' "${id:0:12}"
	assert_output a-net
	[[ $(jq -r .name "$XDG_DATA_HOME/hutch/networks/a-net.json") == a-net ]]
	# Without a name: the next free podmanN.
	run_hutch network create
	assert_output podman4
	run_hutch network rm a-net b-net c-net podman4
	assert_output "a-net
b-net
c-net
podman4"
}

@test "network create: --subnet, --gateway, --ip-range, --internal, --disable-dns, --label, --opt, --ipv6" {
	run_hutch network create --subnet 10.92.7.9/16 --gateway 10.92.0.254 --ip-range 10.92.5.128/25 \
		--label app=web --label flag --opt mtu=1400 r1
	run_hutch network inspect r1
	[[ $(jq -r '.[0].subnets[0] | "\(.subnet) \(.gateway) \(.lease_range.start_ip) \(.lease_range.end_ip)"' \
		<<<"$output") == "10.92.0.0/16 10.92.0.254 10.92.5.129 10.92.5.255" ]]
	[[ $(jq -r '.[0].labels.app, .[0].labels.flag, .[0].options.mtu' <<<"$output" | tr '\n' ' ') == "web  1400 " ]]
	run_hutch network create --internal --disable-dns --ipv6 i1
	run_hutch network inspect i1
	[[ $(jq -r '.[0].internal, .[0].dns_enabled, .[0].ipv6_enabled' <<<"$output" | tr '\n' ' ') == "true false true " ]]
	# No gateway on an internal network without DNS; the IPv6 subnet a unique-local /64.
	[[ $(jq -r '[.[0].subnets[].gateway] | map(select(. != null)) | length' <<<"$output") == 0 ]]
	[[ $(jq -r '.[0].subnets[1].subnet' <<<"$output") =~ ^fd[0-9a-f:]+::/64$ ]]
	run_hutch network ls --filter label=app=web -q
	assert_output r1
	run_hutch network ls --filter label!=app --filter driver=bridge -q
	assert_output "i1
podman"
	run_hutch network ls --filter name=^r --filter name=^i -q
	assert_output "i1
r1"
	run_hutch network ls --format '{{.Name}} {{.Labels}} {{.Internal}}' --filter name=r1
	assert_output "r1 app=web,flag= false"
	run_hutch network ls --format json --filter name=r1
	[[ $(jq -r '.[0].name' <<<"$output") == r1 ]]
	run_hutch network prune -f
	assert_output "i1
r1"
	run_hutch network ls -q
	assert_output podman
}

@test "network create --ignore: an existing network is no error, and stays as it was (Quadlet's .network units)" {
	run_hutch network create --subnet 10.93.1.0/24 q1
	run_hutch network create --ignore --subnet 10.93.2.0/24 q1
	assert_output q1
	run_hutch network inspect --format '{{range .Subnets}}{{.Subnet}}{{end}}' q1
	assert_output 10.93.1.0/24
	run_hutch network create --ignore --subnet 10.93.3.0/24 q2
	assert_output q2
	run_hutch 125 network create q2
}

@test "network: bad input gets podman's messages and exit codes" {
	run_hutch network create --subnet 10.93.0.0/24 n1
	run_hutch 125 network create n1
	assert_equal "$stderr" "Error: network name n1 already used: network already exists"
	run_hutch 125 network create --subnet 10.93.0.128/25 n2
	assert_equal "$stderr" \
		"Error: subnet 10.93.0.128/25 is already used on the host or by another config"
	run_hutch 125 network create --subnet 10.0.0.0/33 n2
	assert_equal "$stderr" "Error: invalid CIDR address: 10.0.0.0/33"
	run_hutch 125 network create --gateway 10.9.9.1 n2
	assert_equal "$stderr" "Error: cannot set gateway or range without subnet"
	run_hutch 125 network create --subnet 10.94.0.0/24 --gateway 10.95.0.1 n2
	assert_equal "$stderr" "Error: gateway 10.95.0.1 not in subnet 10.94.0.0/24"
	run_hutch 125 network create -d foo n2
	assert_equal "$stderr" "Error: unsupported driver foo: invalid argument"
	run_hutch 125 network create --opt foo=1 n2
	assert_equal "$stderr" "Error: unsupported bridge network option foo"
	run_hutch 125 network create 'bad/name'
	assert_equal "$stderr" \
		"Error: network name bad/name invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"
	run_hutch 125 network ls --filter bogus=1
	assert_equal "$stderr" 'Error: invalid filter "bogus"'
	# Unknown networks: rm exits 1 (0 and silent with --force), inspect 125, exists 1.
	run_hutch 1 network rm bogus
	assert_equal "$stderr" "Error: unable to find network with name or ID bogus: network not found"
	run_hutch network rm --force bogus
	assert_output ""
	run_hutch 125 network inspect bogus
	assert_equal "$stderr" \
		"Error: inspecting object: network bogus: unable to find network with name or ID bogus: network not found"
	run_hutch network exists n1
	run_hutch 1 network exists bogus
	assert_output ""
	run_hutch 125 network rm podman
	assert_equal "$stderr" "Error: default network podman cannot be removed"
	run_hutch network exists podman
	run_hutch network rm n1
}

@test "containers on a network find each other by name; another network's do not" {
	run_hutch network create n1
	run_hutch network create n2
	run_hutch run -d --name srv --network n1 --network-alias web "$IMAGE" \
		sh -c 'while true; do echo hello | nc -l -p 9480; done'
	run_hutch run --rm --network n1 "$IMAGE" sh -c 'cat /etc/resolv.conf; nc srv 9480 </dev/null'
	assert_line "search dns.podman"
	assert_line "nameserver 10.89.0.1"
	assert_line hello
	run_hutch run --rm --network n1 "$IMAGE" nc srv.dns.podman 9480
	assert_output hello
	run_hutch run --rm --network n1 "$IMAGE" nc web 9480
	assert_output hello
	run_hutch run --rm --network n1 "$IMAGE" sh -c 'ip -4 -o addr show eth0'
	[[ $output == *"inet 10.89.0."* ]]
	# inspect: podman's NetworkSettings.Networks and NetworkMode.
	run_hutch inspect srv --format '{{.HostConfig.NetworkMode}} {{.NetworkSettings.Networks.n1.IPAddress}} {{.NetworkSettings.Networks.n1.Gateway}} {{.NetworkSettings.Networks.n1.IPPrefixLen}} {{.NetworkSettings.Networks.n1.NetworkID}}'
	assert_output "bridge 10.89.0.2 10.89.0.1 24 n1"
	run_hutch inspect srv --format '{{json .NetworkSettings.Networks.n1.Aliases}} {{.NetworkSettings.Networks.n1.MacAddress}}'
	[[ $output =~ ^\[\"web\",\"[0-9a-f]{12}\"\]\ ([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]]
	# n2's containers have their own name server, which does not know srv.
	run_hutch 1 run --rm --network n2 "$IMAGE" nslookup srv
	[[ $output == *"Server:"*"10.89.1.1"* ]]
	[[ $output == *NXDOMAIN* ]]
	# A network in use: rm refused (podman's exit code 2), prune keeps it, rm -f takes the
	# container too.
	run_hutch 2 network rm n1
	assert_equal "$stderr" 'Error: "n1" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used'
	run_hutch network prune -f
	assert_output n2
	run_hutch --noout network rm -t 0 -f n1
	assert_output ""
	run_hutch 1 network exists n1
	run_hutch ps -a -q
	assert_output ""
	# The last container gone, the namespace went with it: no process of ours is left.
	assert_no_netns_processes
	assert_no_net_helpers
}

@test "run --network: an unknown network is refused; the namespace comes and goes, 50 times" {
	run_hutch 125 run --rm --network nosuch "$IMAGE" true
	assert_equal "$stderr" "Error: unable to find network with name or ID nosuch: network not found"
	run_hutch network create n1
	local _
	# The acceptance of issue #15: after 50 cycles no process of ours remains.
	for _ in $(seq 50); do
		run_hutch run --rm --network n1 "$IMAGE" true
	done
	assert_no_netns_processes
	[[ -z $(ls "$XDG_RUNTIME_DIR/hutch/netns/users") ]]
}

@test "-p on a network container: the host reaches it through the shared namespace" {
	run_hutch network create n1
	local port
	port=$(free_port)
	run_hutch run -d --name web --network n1 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'while true; do echo served | nc -l -p 80; done'
	wait_for sh -c "nc -w 2 127.0.0.1 $port </dev/null | grep -q served"
	run_hutch port web
	assert_output "80/tcp -> 127.0.0.1:$port"
	run_hutch rm -f -t0 web
	assert_no_netns_processes
	# The forward went with it: the port is free again.
	run_hutch run -d --name web --network n1 -p "127.0.0.1:$port:80" "$IMAGE" \
		sh -c 'while true; do echo again | nc -l -p 80; done'
	wait_for sh -c "nc -w 2 127.0.0.1 $port </dev/null | grep -q again"
}

@test "--internal: no route out of the network, names on it still resolve" {
	run_hutch network create --internal int1
	run_hutch network create n1
	run_hutch run -d --name a --network int1 "$IMAGE" sleep 100
	run_hutch run --rm --network int1 "$IMAGE" sh -c 'ip route; nslookup a'
	refute_output --partial default
	assert_output --partial "a.dns.podman"
	run_hutch run --rm --network n1 "$IMAGE" ip route
	assert_line --partial "default via 10.89.1.1"
	run_hutch rm -f -t0 a
	assert_no_netns_processes
}
