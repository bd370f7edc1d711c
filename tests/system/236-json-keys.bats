#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# inspect and --format json documents have podman's keys, nesting and types (issue 14):
# podman 4.3.1 (the oracle) and hutch get the same image and the same options, and their
# documents are compared as the set of key paths with their JSON types (array elements by
# shape; the keys of data maps such as Labels are values, not keys). Each difference is
# reported unless it is in the test's documented list of allowed differences. Where a value
# must be the same (what the user asked for, what the image says), values are compared too.

load helpers
load storage_helpers

podman_() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman" \
		--storage-driver vfs --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}

teardown() {
	podman_ system reset -f >/dev/null 2>&1 || true
	"$HUTCH" rm -a -f -t 0 >/dev/null 2>&1 || true
	"$HUTCH" pod rm -a -f >/dev/null 2>&1 || true
}

need_podman() {
	command -v podman >/dev/null || skip_machine "podman is not installed"
}

# The image both run: the base with a label, an environment and a command of its own.
IMGCFG='{"Labels":{"org.example.from":"image"},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","IMGVAR=1"],"Cmd":["/bin/sh"]}'

pull_both() {
	push_image jsonkeys --base --config "$IMGCFG"
	IMG=$HUTCH_REGISTRY/jsonkeys:latest
	run podman_ pull -q --tls-verify=false "docker://$IMG"
	assert_success
	run_hutch pull -q --tls-verify=false "$IMG"
}

# shape FILE: "path type" lines, array indexes as [], keys below a data map as *.
shape() {
	jq -r '
	  def norm: reduce .[] as $k ({out: [], data: false};
	      if .data then .out += ["*"] | .data = false
	      elif ($k | type) == "number" then .out += ["[]"]
	      else .out += [$k] | .data = ($k | IN("Labels", "Annotations", "Options",
	          "PortBindings", "Ports", "Tmpfs", "Networks", "Data", "Namespaces"))
	      end) | .out | join(".");
	  [paths as $p | ($p | norm) + " " + (getpath($p) | type)] | unique | .[]' "$1"
}

# same_shape WHAT PODMAN.json HUTCH.json [ALLOWED...]: the documents' key paths and
# types are the same, but for the ALLOWED lines ("< path type": podman's only, "> path
# type": hutch's only).
same_shape() {
	local what=$1 p=$2 h=$3
	shift 3
	local d extra=() line a ok
	d=$(diff <(shape "$p") <(shape "$h") | grep '^[<>]') || true
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		ok=
		for a in "$@"; do
			[[ $line == "$a" ]] && ok=1
		done
		[[ -n $ok ]] || extra+=("$line")
	done <<<"$d"
	if ((${#extra[@]})); then
		echo "$what: differences from podman's keys (< podman only, > hutch only):"
		printf '  %s\n' "${extra[@]}"
		return 1
	fi
}

# same_value WHAT JQ PODMAN.json HUTCH.json: the jq expression gives the same value.
same_value() {
	local p h
	p=$(jq -cS "$2" "$3")
	h=$(jq -cS "$2" "$4")
	if [[ $p != "$h" ]]; then
		printf '%s: %s\n  podman: %s\n  hutch:  %s\n' "$1" "$2" "$p" "$h"
		return 1
	fi
}

# both FILE ARGS...: podman's output in FILE.p, hutch's in FILE.h (both must succeed).
both() {
	local f=$BATS_TEST_TMPDIR/$1
	shift
	podman_ "$@" >"$f.p"
	"$HUTCH" "$@" >"$f.h"
}

# What podman has and hutch does not, each with its reason.
CTR_ALLOWED=(
	# podman's own annotations (io.podman.annotations.*, io.kubernetes.cri-o.TTY) in the
	# spec; hutch writes only the user's --annotation.
	'< [].Config.Annotations.* string'
	# podman's cgroup of a running container under its cgroup manager; hutch runs without
	# one of its own where cgroups are not delegated, and reports none.
	'< [].State.CgroupPath string'
	# podman leaves HostConfig.Init out when false (omitempty) but its templates see false;
	# hutch's one document serves --format json and templates alike, so it has the key.
	'> [].HostConfig.Init boolean'
	# The same for State.ConmonPid of a container that never ran (0).
	'> [].State.ConmonPid number'
)
# image inspect: the storage driver's own data. podman runs vfs here (Data null); hutch's
# layers are overlay dirs (LowerDir, UpperDir), as podman's are with overlay.
IMG_ALLOWED=('< [].GraphDriver.Data null' '> [].GraphDriver.Data object'
	'> [].GraphDriver.Data.* string')
# images --format json: podman 4.3.1 leaves RepoTags null here (a podman bug: its own image
# inspect and the Docker API fill it); hutch fills it.
IMAGES_ALLOWED=('< [].RepoTags null' '> [].RepoTags array' '> [].RepoTags.[] string')
# volumes: podman leaves Anonymous out when false (omitempty; its templates see false), as
# HostConfig.Init above.
VOL_ALLOWED=('> [].Anonymous boolean')

@test "json keys: container inspect has podman's keys, types and values" {
	need_podman
	pull_both
	local port bind=$BATS_TEST_TMPDIR/bind
	port=$(free_port)
	mkdir -p "$bind"
	local opts=(--name rich -e FOO=bar --label k=v -p "127.0.0.1:$port:80" -v vol1:/data
		-v "$bind:/bind:ro" --hostname hn --user 1000:1000 --workdir /tmp
		--entrypoint '["/bin/sh","-c"]' --restart on-failure:3 --tmpfs /scratch
		--cap-add NET_ADMIN --ulimit nofile=100:200 --stop-signal SIGINT)
	podman_ create -q "${opts[@]}" "$IMG" 'echo hi' >/dev/null
	run_hutch create -q "${opts[@]}" "$IMG" 'echo hi'
	podman_ run -d --name runner "$IMG" sleep 100 >/dev/null
	run_hutch run -d --name runner "$IMG" sleep 100
	both rich container inspect rich
	both runner container inspect runner
	local f=$BATS_TEST_TMPDIR/rich r=$BATS_TEST_TMPDIR/runner st=0
	same_shape "inspect rich" "$f.p" "$f.h" "${CTR_ALLOWED[@]}" || st=1
	same_shape "inspect runner" "$r.p" "$r.h" "${CTR_ALLOWED[@]}" || st=1
	local v
	for v in .[0].Name .[0].Path .[0].Args .[0].Config.Cmd .[0].Config.Entrypoint \
		.[0].Config.Labels .[0].Config.WorkingDir .[0].Config.User .[0].Config.Image \
		.[0].Config.StopSignal .[0].Config.StopTimeout .[0].ImageName .[0].Image \
		.[0].ImageDigest .[0].HostConfig.PortBindings .[0].HostConfig.RestartPolicy \
		.[0].HostConfig.CapAdd .[0].HostConfig.CapDrop .[0].HostConfig.Tmpfs \
		'.[0].EffectiveCaps | sort' '.[0].BoundingCaps | sort' \
		.[0].HostConfig.NetworkMode .[0].HostConfig.LogConfig.Type .[0].HostConfig.Binds \
		.[0].NetworkSettings.Ports .[0].State.Status .[0].State.Running .[0].IsInfra \
		'[.[0].Mounts[] | del(.Source)] | sort_by(.Destination)' \
		'.[0].Config.Env | map(select(test("^(container|HOME|HOSTNAME)=") | not)) | sort'; do
		same_value "inspect rich" "$v" "$f.p" "$f.h" || st=1
		same_value "inspect runner" "$v" "$r.p" "$r.h" || st=1
	done
	# A volume's Source: where its data is (podman's own store differs from hutch's).
	run_hutch volume inspect --format '{{.Mountpoint}}' vol1
	assert_equal "$(jq -r '.[0].Mounts[] | select(.Name == "vol1") | .Source' "$f.h")" "$output"
	# The command line as given, after the global options each adds of its own.
	v='.[0].Config.CreateCommand | .[index("create"):]'
	same_value "inspect rich" "$v" "$f.p" "$f.h" || st=1
	# What only rich was given: its hostname, its own limit (podman adds the host's).
	for v in .[0].Config.Hostname \
		'.[0].HostConfig.Ulimits | map(select(.Name == "RLIMIT_NOFILE"))'; do
		same_value "inspect rich" "$v" "$f.p" "$f.h" || st=1
	done
	((st == 0))
}

@test "json keys: ps -a --format json has podman's keys, types and values" {
	need_podman
	pull_both
	local port
	port=$(free_port)
	local opts=(--name rich --label k=v -p "127.0.0.1:$port:80" -v vol1:/data)
	podman_ create -q "${opts[@]}" "$IMG" echo hi >/dev/null
	run_hutch create -q "${opts[@]}" "$IMG" echo hi
	podman_ run -d --name runner "$IMG" sleep 100 >/dev/null
	run_hutch run -d --name runner "$IMG" sleep 100
	both ps ps -a --format json --sort names
	local f=$BATS_TEST_TMPDIR/ps st=0
	same_shape "ps --format json" "$f.p" "$f.h" || st=1
	local v
	for v in '[.[] | .Names]' '[.[] | .Command]' '[.[] | .Labels]' '[.[] | .Ports]' \
		'[.[] | .Image]' '[.[] | .ImageID]' '[.[] | .State]' '[.[] | .Mounts]' \
		'[.[] | .AutoRemove, .Exited, .ExitCode, .IsInfra, .Pod, .PodName]' \
		'[.[] | .Created | type]' '[.[] | .StartedAt > 0]'; do
		same_value "ps --format json" "$v" "$f.p" "$f.h" || st=1
	done
	((st == 0))
}

@test "json keys: image inspect and images --format json have podman's keys and values" {
	need_podman
	pull_both
	both ii image inspect "$IMG"
	both images images --format json
	local f=$BATS_TEST_TMPDIR/ii g=$BATS_TEST_TMPDIR/images st=0
	same_shape "image inspect" "$f.p" "$f.h" "${IMG_ALLOWED[@]}" || st=1
	same_shape "images --format json" "$g.p" "$g.h" "${IMAGES_ALLOWED[@]}" || st=1
	local v
	for v in .[0].Id .[0].Digest .[0].RepoTags .[0].RepoDigests .[0].Config .[0].Size \
		.[0].Architecture .[0].Os .[0].RootFS .[0].Labels .[0].Created .[0].Author; do
		same_value "image inspect" "$v" "$f.p" "$f.h" || st=1
	done
	for v in .[0].Id .[0].Names .[0].RepoDigests .[0].Size .[0].Labels \
		.[0].Created .[0].Digest .[0].Containers; do
		same_value "images --format json" "$v" "$g.p" "$g.h" || st=1
	done
	((st == 0))
}

@test "json keys: volume inspect and volume ls --format json have podman's keys and values" {
	need_podman
	local o=(--label a=b -o type=tmpfs -o device=tmpfs -o o=nodev)
	podman_ volume create "${o[@]}" vol1 >/dev/null
	run_hutch volume create "${o[@]}" vol1
	podman_ volume create vol2 >/dev/null
	run_hutch volume create vol2
	both vi volume inspect vol1 vol2
	both vls volume ls --format json
	local f=$BATS_TEST_TMPDIR/vi g=$BATS_TEST_TMPDIR/vls st=0 v
	same_shape "volume inspect" "$f.p" "$f.h" "${VOL_ALLOWED[@]}" || st=1
	same_shape "volume ls --format json" "$g.p" "$g.h" "${VOL_ALLOWED[@]}" || st=1
	v='[.[] | {Name, Driver, Labels, Options, Scope, MountCount, NeedsCopyUp}]'
	same_value "volume inspect" "$v" "$f.p" "$f.h" || st=1
	same_value "volume ls --format json" "$v" "$g.p" "$g.h" || st=1
	((st == 0))
}

@test "json keys: pod inspect and pod ps --format json have podman's keys and values" {
	need_podman
	pull_both
	podman_ pod create --name pod1 --label pl=1 >/dev/null
	run_hutch pod create --name pod1 --label pl=1
	podman_ create -q --pod pod1 --name inpod "$IMG" top >/dev/null
	run_hutch create -q --pod pod1 --name inpod "$IMG" top
	both pi pod inspect pod1
	both pps pod ps --format json
	local f=$BATS_TEST_TMPDIR/pi g=$BATS_TEST_TMPDIR/pps st=0 v
	same_shape "pod inspect" "$f.p" "$f.h" || st=1
	same_shape "pod ps --format json" "$g.p" "$g.h" || st=1
	for v in .Name .Labels .State .NumContainers .CreateInfra .ExitPolicy \
		'[.Containers[] | .Name | sub("^[0-9a-f]{12}-infra$"; "INFRA")] | sort' '[.Containers[] | .State] | sort' \
		.InfraConfig.HostNetwork '.SharedNamespaces | sort'; do
		same_value "pod inspect" "$v" "$f.p" "$f.h" || st=1
	done
	for v in '[.[] | .Name, .Status, .Labels]' '[.[] | .Containers | length]' \
		'[.[] | .Containers[] | .Names | sub("^[0-9a-f]{12}-infra$"; "INFRA")] | sort' '[.[] | .Containers[] | .Status] | sort'; do
		same_value "pod ps --format json" "$v" "$g.p" "$g.h" || st=1
	done
	((st == 0))
}

@test "json keys: network inspect, network ls and a container on a network as podman's" {
	need_podman
	pull_both
	podman_ network create --label nl=1 net1 >/dev/null
	run_hutch network create --label nl=1 net1
	podman_ create -q --name onnet --network net1 "$IMG" top >/dev/null
	run_hutch create -q --name onnet --network net1 "$IMG" top
	both ni network inspect net1
	both nls network ls --format json
	both ci container inspect onnet
	both cps ps -a --format json
	local st=0 v d=$BATS_TEST_TMPDIR
	same_shape "network inspect" "$d/ni.p" "$d/ni.h" || st=1
	same_shape "network ls --format json" "$d/nls.p" "$d/nls.h" || st=1
	same_shape "inspect onnet" "$d/ci.p" "$d/ci.h" "${CTR_ALLOWED[@]}" || st=1
	same_shape "ps --format json" "$d/cps.p" "$d/cps.h" || st=1
	v='[.[] | {name, driver, network_interface, subnets, ipv6_enabled, internal, dns_enabled,
		ipam_options, labels}]'
	same_value "network inspect" "$v" "$d/ni.p" "$d/ni.h" || st=1
	same_value "network ls" '[.[] | .name]' "$d/nls.p" "$d/nls.h" || st=1
	for v in .[0].HostConfig.NetworkMode '.[0].NetworkSettings.Networks | keys' \
		'.[0].NetworkSettings.Networks.net1 | del(.Aliases)'; do
		same_value "inspect onnet" "$v" "$d/ci.p" "$d/ci.h" || st=1
	done
	same_value "ps --format json" '.[0].Networks' "$d/cps.p" "$d/cps.h" || st=1
	run_hutch ps -a --format '{{.Networks}}'
	assert_output net1
	((st == 0))
}
