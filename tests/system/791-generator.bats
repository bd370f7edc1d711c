#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch-generator (issue 16), the Quadlet-style user generator: golden units from
# tests/system/generator/, one assertion per [Container]/[Volume]/[Network]/[Image] key,
# systemd's unit syntax, unknown keys, search paths, systemd-analyze verify of every unit,
# and the acceptance under the real user manager: a .container with image, port, volume,
# network and a healthcheck becomes a unit that starts (Notify=healthy: once healthy), is
# restarted by systemd when the container is killed, and leaves nothing when stopped.

load container_helpers

GEN=$HUTCH_TOP/hutch-generator
GOLDEN=$BATS_TEST_DIRNAME/generator

# dryrun DIR: the generator's --dryrun over DIR only; status, stdout and stderr kept.
dryrun() {
	run --separate-stderr env QUADLET_UNIT_DIRS="$1" "$GEN" --dryrun
	echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
}

# unit_of FILE-CONTENT...: a .container with Image= and the given lines; prints ExecStart.
ctr_exec() {
	local d=$BATS_TEST_TMPDIR/k
	rm -rf "$d"
	mkdir -p "$d"
	printf '[Container]\nImage=img\n' >"$d/k.container"
	printf '%s\n' "$@" >>"$d/k.container"
	QUADLET_UNIT_DIRS=$d "$GEN" --dryrun 2>&1 | sed -n 's/^ExecStart=//p'
}

# kind_exec EXT SECTION LINES...: the ExecStart of a one-file .volume/.network/.image.
kind_exec() {
	local ext=$1 sec=$2 d=$BATS_TEST_TMPDIR/k
	shift 2
	rm -rf "$d"
	mkdir -p "$d"
	printf '[%s]\n' "$sec" >"$d/k.$ext"
	printf '%s\n' "$@" >>"$d/k.$ext"
	QUADLET_UNIT_DIRS=$d "$GEN" --dryrun 2>&1 | sed -n 's/^ExecStart=//p'
}

# check_keys FN ARGS... < TABLE: each line "KEY=VALUE<TAB>fragment of ExecStart".
check_keys() {
	local key frag got bad=0
	while IFS=$'\t' read -r key frag; do
		[[ -n $key ]] || continue
		got=$("$@" "$key")
		if [[ $got != *"$frag"* ]]; then
			echo "key $key: expected '$frag' in: $got"
			bad=1
		fi
	done
	return $bad
}

@test "generator: golden units of tests/system/generator (container, volume, network, image, pod; all.container: most keys at once)" {
	local out=$BATS_TEST_TMPDIR/out
	run -0 env QUADLET_UNIT_DIRS="$GOLDEN" "$GEN" "$out" "$out.early" "$out.late"
	local f n=0
	for f in "$GOLDEN"/*.service; do
		n=$((n + 1))
		sed -e "s|@HUTCH@|$HUTCH_TOP/hutch|g" -e "s|@DIR@|$GOLDEN|g" "$f" >"$BATS_TEST_TMPDIR/want"
		diff -u "$BATS_TEST_TMPDIR/want" "$out/$(basename "$f")" || fail "$(basename "$f") differs"
	done
	((n == 7))
	local all=("$out"/*.service)
	((${#all[@]} == 8))
	# [Install] WantedBy= and Alias=: the links `systemctl enable` would make
	[[ $(readlink "$out/default.target.wants/web.service") == ../web.service ]]
	[[ $(readlink "$out/default.target.wants/all.service") == ../all.service ]]
	[[ $(readlink "$out/everything.service") == all.service ]]
}

@test "generator: [Container] keys, one assertion each" {
	check_keys ctr_exec <<'EOF'
ContainerName=box	--name=box --cidfile=%t/%N.cid --replace --rm
Exec=/bin/echo "a b" c	img /bin/echo "a b" c
Entrypoint=/bin/sh	--entrypoint /bin/sh
Environment=A=1 "B=x y"	--env A=1 --env "B=x y"
EnvironmentFile=/etc/app.env	--env-file /etc/app.env
EnvironmentHost=true	--env-host
Label=a=1 b=2	--label a=1 --label b=2
Annotation=k=v	--annotation k=v
User=1000	--user 1000
WorkingDir=/srv	--workdir /srv
PublishPort=8080:80	--publish 8080:80
ExposeHostPort=90	--expose 90
Volume=/srv/data:/data:ro	-v /srv/data:/data:ro
Volume=/anon	-v /anon
Mount=type=tmpfs,destination=/t	--mount type=tmpfs,destination=/t
Network=host	--network host
NetworkAlias=web	--network-alias web
IP=10.0.0.5	--ip 10.0.0.5
HostName=box	--hostname box
DNS=1.1.1.1	--dns 1.1.1.1
DNSSearch=example.com	--dns-search example.com
DNSOption=ndots:2	--dns-option ndots:2
AddHost=h:1.2.3.4	--add-host h:1.2.3.4
Tmpfs=/run	--tmpfs /run
ReadOnly=true	--read-only
ReadOnly=no	--read-only=false
ReadOnlyTmpfs=false	--read-only-tmpfs=false
VolatileTmp=yes	--tmpfs /tmp:rw,size=512M,mode=1777
AddCapability=NET_ADMIN SYS_TIME	--cap-add NET_ADMIN --cap-add SYS_TIME
DropCapability=ALL	--cap-drop ALL
NoNewPrivileges=true	--security-opt=no-new-privileges
SeccompProfile=/p.json	--security-opt seccomp=/p.json
Mask=/proc/kcore	--security-opt mask=/proc/kcore
AddDevice=/dev/fuse	--device /dev/fuse
Sysctl=net.ipv4.ip_forward=1 kernel.msgmax=65536	--sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=65536
Ulimit=nofile=1024	--ulimit nofile=1024
GroupAdd=wheel	--group-add wheel
HealthCmd=curl -f http://x/	--health-cmd "curl -f http://x/"
HealthInterval=5s	--health-interval 5s
HealthRetries=4	--health-retries 4
HealthStartPeriod=10s	--health-start-period 10s
HealthTimeout=3s	--health-timeout 3s
HealthOnFailure=kill	--health-on-failure kill
Notify=healthy	--sdnotify=healthy -d
Notify=true	--sdnotify=container -d
Notify=false	--sdnotify=conmon -d
Pull=newer	--pull newer
Secret=token,type=env,target=TOKEN	--secret token,type=env,target=TOKEN
AutoUpdate=registry	--label io.containers.autoupdate=registry
StopTimeout=20	--stop-timeout 20
StopSignal=SIGINT	--stop-signal SIGINT
LogDriver=journald	--log-driver journald
LogOpt=max-size=1m	--log-opt max-size=1m
UserNS=keep-id	--userns keep-id
UIDMap=0:1:1000	--uidmap 0:1:1000
GIDMap=0:1:1000	--gidmap 0:1:1000
RunInit=true	--init
Timezone=UTC	--tz UTC
Memory=1g	--memory 1g
PidsLimit=100	--pids-limit 100
ShmSize=64m	--shm-size 64m
GlobalArgs=--log-level=debug	hutch --log-level=debug run
PodmanArgs=--privileged --env X="a b"	--privileged --env "X=a b" img
EOF
	# Group= with User=; Rootfs= instead of Image=
	run -0 ctr_exec User=app Group=staff
	[[ $output == *"--user app:staff"* ]]
	local d=$BATS_TEST_TMPDIR/r
	mkdir -p "$d"
	printf '[Container]\nRootfs=/srv/root\n' >"$d/r.container"
	dryrun "$d"
	[[ $output == *"--rootfs /srv/root"* ]]
}

@test "generator: [Volume], [Network] and [Image] keys, one assertion each" {
	check_keys kind_exec volume Volume <<'EOF'
VolumeName=vol	volume create --ignore vol
Driver=local	--driver local
Label=a=1	--label a=1
User=1000	--opt o=uid=1000
Group=100	--opt o=gid=100
Copy=false	--opt nocopy
Device=/dev/sdb	--opt device=/dev/sdb
PodmanArgs=--log-level=info	--log-level=info systemd-k
EOF
	check_keys kind_exec network Network <<'EOF'
NetworkName=lan	network create --ignore lan
Subnet=10.88.5.0/24	--subnet 10.88.5.0/24
Internal=true	--internal
IPv6=true	--ipv6
DisableDNS=true	--disable-dns
Driver=bridge	--driver bridge
Options=mtu=1400	--opt mtu=1400
Label=a=1	--label a=1
EOF
	check_keys kind_exec image Image Image=quay.io/a/b:1 <<'EOF'
Image=quay.io/a/b:2	image pull quay.io/a/b:2
TLSVerify=false	--tls-verify=false
AllTags=true	--all-tags
Arch=arm64	--arch arm64
AuthFile=/a.json	--authfile /a.json
Creds=u:p	--creds u:p
EOF
	# the default names
	run -0 kind_exec volume Volume
	assert_output --partial "volume create --ignore systemd-k"
	run -0 kind_exec network Network
	assert_output --partial "network create --ignore systemd-k"
	# Gateway= and IPRange= pair with the subnet they follow
	run -0 kind_exec network Network Subnet=10.88.5.0/24 Gateway=10.88.5.1 IPRange=10.88.5.128/25
	assert_output --partial "--subnet 10.88.5.0/24 --gateway 10.88.5.1 --ip-range 10.88.5.128/25"
}

@test "generator: systemd's syntax (continuations, comments, quoting, specifiers, repeated keys)" {
	local d=$BATS_TEST_TMPDIR/s
	mkdir -p "$d"
	cat >"$d/s.container" <<'X'
; a comment
# another
[Unit]
Description=first \
# a comment inside a continuation is dropped
  second

[Container]
Image=img
ContainerName=%N-%u
Label=a=1
Label=
Label=b=2
Environment="SP=a b" 'SQ=c "d"' TAB=x\ty DOLLAR=$HOME
Exec=sh -c 'echo "%h" $PATH; exit 0'
Volume=%h/data:/data
X
	dryrun "$d"
	[[ $status == 0 ]]
	assert_line "Description=first    second"
	# specifiers pass through; an empty value clears a list
	assert_line --partial -- "--name=%N-%u"
	assert_line --partial -- "-v %h/data:/data"
	refute_line --partial -- "--label a=1"
	assert_line --partial -- "--label b=2"
	# quoting: words as systemd splits them, written so systemd splits them back; $ doubled
	assert_line --partial -- '--env "SP=a b" --env "SQ=c \"d\"" --env "TAB=x\ty" --env DOLLAR=$$HOME'
	assert_line --partial -- 'img sh -c "echo \"%h\" $$PATH; exit 0"'
	# the Quadlet section is kept for reference, renamed so systemd ignores it
	assert_line "[X-Container]"
	refute_line "[Container]"
}

@test "generator: unknown keys are warned about with file and line; that file makes no unit" {
	local d=$BATS_TEST_TMPDIR/u
	mkdir -p "$d"
	printf '[Container]\nImage=img\n\nFrobnicate=yes\n' >"$d/bad.container"
	printf '[Container]\nImage=img\n' >"$d/good.container"
	printf '[Volume]\nSize=1\n' >"$d/v.volume"
	printf '[Container]\nContainerName=x\n' >"$d/noimage.container"
	dryrun "$d"
	[[ $status == 1 ]]
	[[ $stderr == *"$d/bad.container:4: unsupported key 'Frobnicate' in group 'Container'"* ]]
	[[ $stderr == *"$d/v.volume:2: unsupported key 'Size' in group 'Volume'"* ]]
	[[ $stderr == *"$d/noimage.container: no Image or Rootfs key specified"* ]]
	assert_line -- "---good.service---"
	[[ $output != *"---bad.service---"* && $output != *"---v-volume.service---"* ]]
	# a reference to a file that is not there
	printf '[Container]\nImage=img\nNetwork=nope.network\n' >"$d/good.container"
	dryrun "$d"
	[[ $stderr == *"requested Quadlet unit nope.network was not found"* ]]
	[[ $output != *"---good.service---"* ]]
	# other sections' keys are systemd's business: passed through
	printf '[Container]\nImage=img\n[Service]\nFrobnicate=1\n[X-Mine]\nA=b\n' >"$d/good.container"
	rm "$d/bad.container" "$d/v.volume" "$d/noimage.container"
	dryrun "$d"
	[[ $status == 0 ]]
	assert_line "Frobnicate=1"
	assert_line "[X-Mine]"
	# KillMode and Type that Quadlet refuses
	printf '[Container]\nImage=img\n[Service]\nKillMode=none\n' >"$d/good.container"
	dryrun "$d"
	[[ $status == 1 && $stderr == *"invalid KillMode 'none'"* ]]
	printf '[Container]\nImage=img\n[Service]\nType=simple\n' >"$d/good.container"
	dryrun "$d"
	[[ $status == 1 && $stderr == *"invalid service Type 'simple'"* ]]
}

@test "generator: Quadlet's user search path, first file of a name wins; QUADLET_UNIT_DIRS replaces it" {
	mkdir -p "$XDG_CONFIG_HOME/containers/systemd" "$XDG_RUNTIME_DIR/containers/systemd"
	printf '[Container]\nImage=from-config\n' >"$XDG_CONFIG_HOME/containers/systemd/a.container"
	printf '[Container]\nImage=from-runtime\n' >"$XDG_RUNTIME_DIR/containers/systemd/a.container"
	printf '[Container]\nImage=rt-only\n' >"$XDG_RUNTIME_DIR/containers/systemd/b.container"
	: >"$XDG_RUNTIME_DIR/containers/systemd/ignored.txt"
	run -0 "$GEN" --dryrun --user
	[[ $output == *" from-config"* && $output != *"from-runtime"* && $output == *" rt-only"* ]]
	[[ $(grep -c '^---' <<<"$output") == 2 ]]
	run -0 env QUADLET_UNIT_DIRS="$XDG_RUNTIME_DIR/containers/systemd" "$GEN" --dryrun
	[[ $output == *"from-runtime"* ]]
	# a generator run writes the units into NORMAL_DIR; a bad invocation is a usage error
	run -0 "$GEN" "$BATS_TEST_TMPDIR/gen"
	[[ -f $BATS_TEST_TMPDIR/gen/a.service && -f $BATS_TEST_TMPDIR/gen/b.service ]]
	run -1 "$GEN"
	[[ $output == *"Usage: hutch-generator"* ]]
}

@test "generator: every generated unit passes systemd-analyze verify --user" {
	command -v systemd-analyze >/dev/null || skip_machine "no systemd-analyze"
	local out=$BATS_TEST_TMPDIR/out
	run -0 env QUADLET_UNIT_DIRS="$GOLDEN" "$GEN" "$out"
	# verify resolves the units' dependencies (web needs the volume, network and image
	# units) from the unit path: the generated ones only
	cd "$out"
	run env SYSTEMD_UNIT_PATH="$out:" \
		systemd-analyze verify --user ./*.service
	echo "$output"
	[[ $status == 0 && -z $output ]]
}

# The acceptance under the user manager: the unit's name, its Quadlet files and the
# generator (a wrapper that reads only them) live for one test.
sysd_teardown() {
	[[ -n ${SYSD_UNIT:-} ]] || return 0
	sysctl stop "$SYSD_UNIT" >/dev/null 2>&1 || true
	sysctl reset-failed "$SYSD_UNIT" >/dev/null 2>&1 || true
	rm -f "$HUTCH_SYSD_GENERATORS/hutch-quad-$SYSD_UNIT"
	sysctl daemon-reload || true
	sysctl unset-environment XDG_DATA_HOME XDG_CONFIG_HOME XDG_RUNTIME_DIR || true
}

teardown() {
	sysd_teardown
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

# quad_install UNIT DIR: the generator over DIR in the manager, the test's store for units.
quad_install() {
	SYSD_UNIT=$1
	local gen=$HUTCH_SYSD_GENERATORS/hutch-quad-$1
	printf '#!/bin/sh\nQUADLET_UNIT_DIRS=%s exec %s "$@"\n' "$2" "$GEN" >"$gen"
	chmod +x "$gen"
	sysctl set-environment XDG_DATA_HOME="$XDG_DATA_HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
		XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR"
	run -0 sysctl daemon-reload
}

@test "generator under the user manager: image, port, volume, network, healthcheck; Notify=healthy; restart; stop" {
	sysd_require
	local q=$BATS_TEST_TMPDIR/quadlet port unit=hq$$
	port=$(free_port)
	mkdir -p "$q"
	cat >"$q/$unit.container" <<X
[Unit]
Description=hutch-generator acceptance

[Container]
Image=$IMAGE
PublishPort=127.0.0.1:$port:80
Volume=$unit.volume:/data
Network=$unit.network
HealthCmd=test -e /tmp/ok
HealthInterval=1s
Notify=healthy
Exec=sh -c "mkdir -p /www && echo hello-unit >/www/index.html && echo run >>/data/log; (sleep 3; touch /tmp/ok) & exec httpd -f -p 80 -h /www"

[Service]
Restart=always
RestartSec=1
TimeoutStartSec=60
StandardOutput=append:$BATS_TEST_TMPDIR/unit.log
StandardError=append:$BATS_TEST_TMPDIR/unit.log
X
	printf '[Volume]\n' >"$q/$unit.volume"
	printf '[Network]\nSubnet=10.89.231.0/24\n' >"$q/$unit.network"
	quad_install "$unit" "$q"
	# daemon-reload ran the generator: the units exist, made from the files
	run -0 sysctl cat "$unit.service"
	[[ $output == *"--sdnotify=healthy"* && $output == *"SourcePath=$q/$unit.container"* ]]
	run -0 sysctl show -p LoadState --value "$unit-volume.service"
	assert_output loaded
	run -0 sysctl show -p LoadState --value "$unit-network.service"
	assert_output loaded
	# start returns once the first check passes: after the 3 s the container waits
	local t0=$SECONDS
	run timeout 60 env XDG_RUNTIME_DIR="$HUTCH_SYSD_RUNTIME" systemctl --user start "$unit.service"
	((status == 0)) || fail "start: $output $(sysctl status "$unit.service" "$unit-volume.service" "$unit-network.service" 2>&1; cat "$BATS_TEST_TMPDIR/unit.log")"
	((SECONDS - t0 >= 3)) || fail "start returned after $((SECONDS - t0)) s, before the check passed"
	run_hutch inspect --format '{{.State.Health.Status}}' "systemd-$unit"
	assert_output healthy
	run -0 fetch "http://127.0.0.1:$port/"
	assert_output hello-unit
	# the volume and network units made what the container uses
	run_hutch volume inspect --format "{{.Name}}" "systemd-$unit"
	run_hutch network exists "systemd-$unit"
	run_hutch inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}} {{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}' "systemd-$unit"
	assert_output "systemd-$unit $unit.service"
	# killing the container: systemd restarts the unit (Restart=always), a new container
	local id pid
	id=$("$HUTCH" inspect --format '{{.Id}}' "systemd-$unit")
	pid=$("$HUTCH" inspect --format '{{.State.Pid}}' "systemd-$unit")
	kill -KILL "$pid"
	local i restarted=
	for ((i = 0; i < 300; i++)); do
		if [[ $(sysctl show -p NRestarts --value "$unit.service") -ge 1 &&
			$(sysctl is-active "$unit.service") == active ]]; then
			restarted=1
			break
		fi
		sleep 0.1
	done
	[[ -n $restarted ]] || fail "not restarted: $(sysctl status "$unit.service" 2>&1; cat "$BATS_TEST_TMPDIR/unit.log")"
	run_hutch inspect --format '{{.Id}} {{.State.Status}}' "systemd-$unit"
	[[ $output != "$id "* && $output == *" running" ]]
	run -0 fetch "http://127.0.0.1:$port/"
	# the volume outlived the first container
	run_hutch volume inspect --format '{{.Mountpoint}}' "systemd-$unit"
	[[ $(cat "$output/log") == $'run\nrun' ]]
	# stop leaves nothing running
	run -0 sysctl stop "$unit.service"
	run_hutch ps -a --format '{{.Names}}'
	assert_output ""
	run -3 sysctl is-active "$unit.service"
	[[ -z $(pgrep -u "$(id -u)" -x hutch-monitor) ]]
	run ! curl -sf --noproxy '*' -m 2 "http://127.0.0.1:$port/"
}
