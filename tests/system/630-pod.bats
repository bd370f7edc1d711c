#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Pods (issue #6): containers of a pod share the network, UTS and IPC namespaces of its
# infra container; ports are published on the pod; stop and rm take every container along
# and leave no helper, monitor or run dir behind.

load container_helpers

# get_local CTR: http://127.0.0.1:80/ from inside CTR, with nc and a raw request.
get_local() {
	"$HUTCH" exec "$1" sh -c 'for i in $(seq 50); do
		printf "GET / HTTP/1.0\r\nHost: x\r\n\r\n" | nc 127.0.0.1 80 2>/dev/null | grep -v "^[A-Z][A-Za-z-]*:" | tail -n 1 | grep . && exit 0
		sleep 0.1; done; exit 1'
}

teardown() {
	"$HUTCH" pod rm -f p1 >/dev/null 2>&1 || true
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

httpd_cmd='mkdir -p /www && echo hello-from-pod >/www/index.html && exec httpd -f -p 80 -h /www'

@test "pod: published port, localhost between members, one hostname, stop and rm -f" {
	local port
	port=$(free_port)
	run_hutch pod create -p "127.0.0.1:$port:80" --name p1
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	local pod=$output
	run_hutch pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_output "p1 Created 1"
	run_hutch run -d --name web --pod p1 "$IMAGE" sh -c "$httpd_cmd"
	run fetch "http://127.0.0.1:$port/"
	assert_output hello-from-pod
	run_hutch run -d --name side --pod p1 "$IMAGE" sleep 300
	run get_local side
	assert_success
	assert_output hello-from-pod
	# One UTS namespace: the pod's hostname (its name by default).
	run_hutch exec web hostname
	assert_output p1
	run_hutch exec side hostname
	assert_output p1
	run_hutch ps --format '{{.Names}} {{.Pod}}'
	assert_line "web ${pod:0:12}"
	assert_line "side ${pod:0:12}"
	run_hutch pod ps --format '{{.Name}} {{.Status}} {{.NumberOfContainers}}'
	assert_output "p1 Running 3"
	run_hutch pod inspect p1 --format '{{.Name}} {{.State}} {{.NumContainers}} {{.Hostname}}'
	assert_output "p1 Running 3 p1"
	# The infra goes only with its pod.
	run_hutch pod inspect p1 --format '{{.InfraContainerID}}'
	run_hutch 125 rm -f "$output"
	[[ $stderr == *"infra container of pod"* ]]
	run_hutch pod stop p1
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_line "web exited"
	assert_line "side exited"
	run_hutch pod ps --format '{{.Status}}'
	assert_output Exited
	# Starting the pod again starts everything.
	run_hutch pod start p1
	run fetch "http://127.0.0.1:$port/"
	assert_output hello-from-pod
	run_hutch pod rm -f p1
	run_hutch pod ps -q
	assert_output ""
	run_hutch ps -a -q
	assert_output ""
	assert_no_process "$XDG_RUNTIME_DIR"
	assert_no_net_helpers
	run ls "$XDG_RUNTIME_DIR/hutch/containers"
	assert_output ""
	run curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
	assert_failure
}

@test "pod: run --pod starts a stopped pod; rm without -f of a running pod" {
	run_hutch pod create --name p1 --hostname podhost
	run_hutch run --rm --pod p1 "$IMAGE" hostname
	assert_output podhost
	run_hutch pod ps --format '{{.Status}}'
	assert_output Running
	run_hutch create --name c1 --pod p1 "$IMAGE" sleep 300
	run_hutch pod start p1
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_line "c1 running"
	run_hutch 125 pod rm p1
	[[ $stderr == *"running containers"* ]]
	run_hutch pod stop -t 0 p1
	run_hutch pod rm p1
	run_hutch ps -a -q
	assert_output ""
}

@test "pod: bad input" {
	run_hutch 125 run --pod nosuch "$IMAGE" true
	[[ $stderr == *'no pod with name or ID "nosuch"'* ]]
	run_hutch pod create --name p1
	run_hutch 125 pod create --name p1
	[[ $stderr == *'name "p1" is in use'* ]]
	run_hutch 125 run -p 8080:80 --pod p1 "$IMAGE" true
	[[ $stderr == *"publish them on the pod"* ]]
	run_hutch 125 run --network none --pod p1 "$IMAGE" true
	[[ $stderr == *"pod's network"* ]]
	run_hutch 125 pod create --network container:x --name p2
	[[ $stderr == *"a network of its own"* ]]
	run_hutch 125 pod start nosuch
	run_hutch 125 pod inspect nosuch
	run_hutch 1 pod rm nosuch
	# stop --ignore: a missing pod is no error (what a Quadlet .pod unit's ExecStop runs)
	run_hutch 125 pod stop nosuch
	run_hutch pod stop --ignore nosuch
	assert_output ""
	run_hutch pod rm p1
}

@test "pod: container prune leaves the infra to its pod; rm -a takes the pod; dependents go first" {
	run_hutch pod create --name p1
	run_hutch create --name c1 --pod p1 "$IMAGE" true
	run_hutch container prune -f
	run_hutch ps -a --format '{{.Names}}'
	[[ $output == *-infra ]]
	# rm --all reaches the infra, which takes its pod along (podman 4.3.1).
	run_hutch create --name c2 --pod p1 "$IMAGE" true
	local c2=$output
	run_hutch create --name c3 "$IMAGE" true
	local c3=$output
	run_hutch rm -a -f
	assert_line "$c3"
	assert_line "$c2"
	run_hutch ps -a -q
	assert_output ""
	run_hutch 1 pod exists p1
	# The infra alone is refused, with or without -f; --depend takes the pod (podman's words).
	run_hutch create --pod new:p2 "$IMAGE" true
	c2=$output
	run_hutch pod inspect p2 --format '{{.InfraContainerID}}'
	local infra=$output
	run_hutch 125 rm "$infra"
	[[ $stderr == *"and cannot be removed without removing the pod"* ]]
	run_hutch 125 rm -f "$infra"
	run_hutch rm --depend "$infra"
	assert_line "$infra"
	assert_line "$c2"
	run_hutch 1 pod exists p2
	# A container and one that shares its network: prune removes both, dependent first.
	run_hutch create --name a "$IMAGE" true
	run_hutch create --name b --network container:a "$IMAGE" true
	run_hutch container prune -f
	run_hutch ps -a -q
	assert_output ""
}

# podman-compat (podman 4.3.1's 200-pod.bats): what podman's own tests assert.

@test "pod exists; pod inspect of one pod is an object; pod rm --force of a missing pod" {
	run_hutch 1 pod exists p1
	assert_output ""
	run_hutch pod create --name p1 --label a=b
	local id=$output
	run_hutch pod exists p1
	run_hutch pod exists "$id"
	run_hutch pod inspect p1
	[[ $(jq -r '.Name' <<<"$output") == p1 ]]
	[[ $(jq -r '.ExitPolicy' <<<"$output") == continue ]]
	[[ $(jq -r '.InfraConfig.HostNetwork' <<<"$output") == false ]]
	[[ $(jq -c '.SharedNamespaces' <<<"$output") == '["ipc","net","uts"]' ]]
	run_hutch pod create --name p2
	run_hutch pod inspect p1 p2
	[[ $(jq -r '.[1].Name' <<<"$output") == p2 ]]
	run_hutch pod rm p1 p2
	run_hutch 1 pod rm bogus
	[[ $stderr == *"bogus"*": no such pod" ]]
	run_hutch pod rm --force bogus
	assert_output ""
}

@test "pod create --share: bad names, uts not shared lets members set their hostname, +pid" {
	run_hutch 125 pod create --share bogus --name p1
	[[ $stderr == "Error: invalid kernel namespace to share: bogus. Options are: cgroup, ipc, net, pid, uts or none" ]]
	run_hutch pod create --share ipc --name p1
	run_hutch pod inspect p1 --format '{{.SharedNamespaces}}'
	assert_output "[ipc]"
	run_hutch run --rm --pod p1 --hostname foobar "$IMAGE" hostname
	assert_output foobar
	# one IPC namespace, one /dev/shm
	run_hutch run --rm --pod p1 "$IMAGE" touch /dev/shm/test1
	run_hutch run --rm --pod p1 "$IMAGE" ls /dev/shm/test1
	run_hutch pod create --share +pid --replace --name p1
	run_hutch pod inspect p1 --format '{{.SharedNamespaces}}'
	assert_output "[ipc net pid uts]"
	run_hutch run --rm --pod p1 "$IMAGE" ps -o comm
	assert_line --partial "hutch-init"
	run_hutch 125 run --rm --pod p1 --hostname foobar "$IMAGE" hostname
	[[ $stderr == *"cannot set hostname when joining the pod UTS namespace"* ]]
}

@test "run --pod new:NAME makes the pod, with the container's hostname" {
	run_hutch run --rm --pod new:np --hostname foobar "$IMAGE" hostname
	assert_output foobar
	run_hutch pod rm np
	run_hutch run --rm --pod new:np "$IMAGE" hostname
	assert_output np
	run_hutch pod inspect --format '{{.InfraContainerID}}' np
	local infra=$output
	run_hutch 125 rm -f "$infra"
	[[ $stderr == *" and cannot be removed without removing the pod" ]]
	run_hutch pod rm np
}

@test "pod create --network host, NAME as an operand, --infra-name; generated names differ" {
	run_hutch pod create --share ipc --network host h1
	run_hutch pod inspect h1 --format '{{.InfraConfig.HostNetwork}}'
	assert_output true
	run_hutch run --rm --pod h1 "$IMAGE" cat /proc/net/dev
	local lines_pod=${#lines[@]}
	run cat /proc/net/dev
	assert_equal "$lines_pod" "${#lines[@]}"
	run_hutch pod create --network private --replace --infra-name myinfra h1
	run_hutch pod inspect h1 --format '{{.InfraConfig.HostNetwork}}'
	assert_output false
	run_hutch ps -a --format '{{.Names}}'
	assert_output myinfra
	run_hutch 125 pod create --infra-name myinfra
	[[ $stderr =~ ^Error:\ .*:\ the\ container\ name\ \"myinfra\"\ is\ already\ in\ use\ by\ .*\ You\ have\ to\ remove\ that\ container\ to\ be\ able\ to\ reuse\ that\ name:\ that\ name\ is\ already\ in\ use ]]
	run_hutch pod rm h1
	for _ in $(seq 12); do run_hutch pod create; done
	run_hutch pod ps -q
	assert_equal "${#lines[@]}" 12
	run_hutch pod rm -a
}

@test "pod exit policies: continue leaves the pod degraded, stop stops it" {
	run_hutch 125 pod create --exit-policy invalid
	[[ $stderr == 'Error: running pod create option: invalid pod exit policy: "invalid"' ]]
	run_hutch pod create --exit-policy continue --name pc
	run_hutch run --pod pc "$IMAGE" true
	run_hutch pod inspect pc --format '{{.State}}'
	assert_output Degraded
	run_hutch pod create --exit-policy stop --name ps
	run_hutch pod inspect ps --format '{{.ExitPolicy}}'
	assert_output stop
	run_hutch run --pod ps "$IMAGE" true
	for _ in $(seq 50); do
		run_hutch pod inspect ps --format '{{.State}}'
		[[ $output == Exited ]] && break
		sleep 0.1
	done
	assert_output Exited
	run_hutch pod rm -f pc ps
}

@test "pod create --infra=false: members share nothing; pod top lists every container's processes" {
	run_hutch pod create --infra=false --name ni
	run_hutch pod inspect ni --format '{{.CreateInfra}} {{.NumContainers}}'
	assert_output "false 0"
	run_hutch pod ps --format '{{.Name}} {{.NumberOfContainers}}'
	assert_output "ni 0"
	run_hutch run -d --pod ni "$IMAGE" top -d 2
	run_hutch run -d --pod ni "$IMAGE" top -d 2
	run_hutch pod ps
	assert_line --index 1 --regexp ' 2$'
	for _ in $(seq 50); do
		run_hutch pod top ni
		[[ $output == *"top -d 2"*"top -d 2"* ]] && break
		sleep 0.1
	done
	assert_line --index 0 --regexp '^USER +PID +PPID'
	[[ $output == *"root"*"top -d 2"*"root"*"top -d 2"* ]]
	# two PID namespaces: each top is PID 1 of its own
	assert_equal "$(grep -c 'top -d 2' <<<"$output")" 2
	run_hutch pod rm -f -t 0 ni
	run_hutch ps -a -q
	assert_output ""
	run_hutch 125 pod create --infra=false --share ipc
}

@test "pod create --infra-image and --infra-command: the infra runs that image" {
	run_hutch pod create --name ii --infra-name myinfra --infra-image "$IMAGE" --infra-command '["/bin/sleep", "1000"]'
	run_hutch 125 pod create --infra-name myinfra
	[[ $stderr =~ ^Error:\ .*:\ the\ container\ name\ \"myinfra\"\ is\ already\ in\ use\ by\ .*that\ name\ is\ already\ in\ use ]]
	run_hutch 125 pod create --infra-command /bin/true
	[[ $stderr == *"--infra-command needs --infra-image"* ]]
	run_hutch run --rm --pod ii "$IMAGE" hostname
	assert_output ii
	run_hutch pod ps --format '{{.Name}} {{.Status}}'
	assert_output "ii Running"
	run_hutch pod top ii
	assert_line --partial "sleep 1000"
	run_hutch pod rm -f ii
	run_hutch ps -a -q
	assert_output ""
}

@test "pod: a member's /etc/hosts line is its own name; the pod's name is the infra's line" {
	run_hutch pod create --name ph --infra-name ph-infra
	run_hutch run --rm --pod ph --name m1 "$IMAGE" cat /etc/hosts
	assert_line --regexp $'^[0-9.]+\tph ph-infra$'
	assert_line $'127.0.0.1\tm1'
	run_hutch run --rm --pod ph --name m2 "$IMAGE" sh -c 'hostname; cat /etc/hostname'
	assert_output "ph
ph"
}

# The pause image's name, as podman's helpers derive it (issue 14).
pause_image() {
	echo "localhost/podman-pause:$("$HUTCH" version --format '{{.Server.Version}}-{{.Server.Built}}')"
}

@test "pod create: the infra runs the pause image, built once; rmi refuses it, rmi -f takes the pod" {
	local pause pause_id
	pause=$(pause_image)
	run_hutch pod create --name pa
	local pod=$output
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_line "$pause"
	run_hutch ps -a --format '{{.Image}} {{.Pod}}'
	assert_output "$pause ${pod:0:12}"
	run_hutch image inspect "$pause" --format '{{json .Config.Entrypoint}}'
	assert_output '["/hutch-init","--pause"]'
	pause_id=$("$HUTCH" image inspect "$pause" --format '{{.Id}}')
	# A second pod reuses it, and runs with it.
	run_hutch create --pod new:pb --name member "$IMAGE" sleep 300
	run_hutch image inspect "$pause" --format '{{.Id}}'
	assert_output "$pause_id"
	run_hutch pod start pb
	run_hutch pod inspect pb --format '{{.State}}'
	assert_output Running
	# In use: podman's words and status 2, for one image and for several.
	run_hutch 2 rmi "$pause"
	[[ $stderr =~ ^Error:\ image\ used\ by\ [0-9a-f]{64}:\ image\ is\ in\ use\ by\ a\ container:\ consider\ listing\ external\ containers\ and\ force-removing\ image$ ]] || fail "$stderr"
	run_hutch 2 rmi -a
	assert_equal "${stderr_lines[0]}" "Error: 2 errors occurred:"
	[[ ${stderr_lines[1]} =~ ^$'\t'\*\ image\ used\ by\ [0-9a-f]{64}:\ image\ is\ in\ use ]] || fail "$stderr"
	[[ ${stderr_lines[2]} =~ ^$'\t'\*\ image\ used\ by\ [0-9a-f]{64}:\ image\ is\ in\ use ]] || fail "$stderr"
	# -f: the infra containers go, and with them their pods and members.
	run_hutch rmi -f "$pause"
	assert_output "Untagged: $pause
Deleted: $pause_id"
	run_hutch ps -a -q
	assert_output ""
	run_hutch pod ps -q
	assert_output ""
	run_hutch image exists "$IMAGE"
}

@test "rmi -af: every name untagged, then every image deleted; containers and pods gone" {
	local pause image_id pause_id
	pause=$(pause_image)
	run_hutch create --pod new:pc "$IMAGE" true
	image_id=$("$HUTCH" image inspect "$IMAGE" --format '{{.Id}}')
	pause_id=$("$HUTCH" image inspect "$pause" --format '{{.Id}}')
	run_hutch rmi -af
	assert_output "Untagged: $IMAGE
Untagged: $pause
Deleted: $image_id
Deleted: $pause_id"
	run_hutch images -q
	assert_output ""
	run_hutch ps -a -q
	assert_output ""
	run_hutch pod ps -q
	assert_output ""
}

@test "containers.conf [engine] infra_image: pod create and create --pod new: use it; --infra-image wins" {
	local conf=$BATS_TEST_TMPDIR/containers.conf
	cat >"$conf" <<EOF
# a comment, an array over lines and other tables, as podman's files have
[containers]
default_capabilities = [
  "CHOWN",   # ]
  "KILL",
]
[engine]
infra_image = "$IMAGE"   # the suite's image
EOF
	CONTAINERS_CONF=$conf run_hutch pod create --name pconf --infra-command '["/bin/sleep", "1000"]'
	run_hutch ps -a --format '{{.Image}}'
	assert_output "$IMAGE"
	CONTAINERS_CONF=$conf run_hutch create --pod new:pconf2 "$IMAGE" true
	run_hutch pod inspect pconf2 --format '{{.InfraContainerID}}'
	run_hutch inspect "$output" --format '{{.ImageName}}'
	assert_output "$IMAGE"
	# The user's own file is read without CONTAINERS_CONF; an unreachable registry gets
	# containers/image's words, as podman's.
	mkdir -p "$XDG_CONFIG_HOME/containers"
	printf '[engine]\ninfra_image = "127.0.0.1:1/not/there:x"\n' >"$XDG_CONFIG_HOME/containers/containers.conf"
	run_hutch 125 pod create
	[[ $stderr =~ ^Error:\ creating\ the\ infra\ container\ of\ pod\ .*:\ initializing\ source\ docker://127\.0\.0\.1:1/not/there:x:\ pinging\ container\ registry\ 127\.0\.0\.1:1: ]] || fail "$stderr"
	CONTAINERS_CONF=$conf run_hutch pod create --name pconf3 --infra-image "$IMAGE" --infra-command '["/bin/sleep", "1000"]'
	# CONTAINERS_CONF names the one file: a missing one is an error, as podman's.
	CONTAINERS_CONF=$BATS_TEST_TMPDIR/nope.conf run_hutch 125 pod create
	[[ $stderr == *"reading containers.conf"* ]] || fail "$stderr"
	run_hutch pod rm -f -a
}
