#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Container records on disk: the name index (containers/by-name), stores written by older
# hutch versions (brief.json, a state.json of only the state, records in podman's inspect
# shape), damaged record files.

load container_helpers

ctrs() {
	echo "$XDG_DATA_HOME/hutch/containers"
}

@test "name index: create, rename and rm keep it in step; name, ID and prefix lookups" {
	run_hutch create --name n1 "$IMAGE" true
	local id1=$output
	run_hutch create --name n2 "$IMAGE" true
	local id2=$output
	[[ $(readlink "$(ctrs)/by-name/n1") == "$id1" ]]
	[[ $(readlink "$(ctrs)/by-name/n2") == "$id2" ]]
	# ps reads one file a container: state.json carries the brief record.
	[[ $(jq -r .Name "$(ctrs)/$id1/state.json") == n1 ]]
	[[ ! -e $(ctrs)/$id1/brief.json ]]
	run_hutch rename n1 m1
	[[ $(readlink "$(ctrs)/by-name/m1") == "$id1" ]]
	[[ ! -e $(ctrs)/by-name/n1 && ! -L $(ctrs)/by-name/n1 ]]
	[[ $(jq -r .Name "$(ctrs)/$id1/state.json") == m1 ]]
	run_hutch ps -a --format '{{.Names}}'
	assert_output "n2
m1"
	run_hutch inspect --format '{{.Id}}' m1
	assert_output "$id1"
	run_hutch 125 container inspect n1
	[[ $stderr == *'no container with name or ID "n1" found'* ]]
	run_hutch inspect --format '{{.Name}}' "$id2"
	assert_output n2
	run_hutch inspect --format '{{.Name}}' "${id2:0:12}"
	assert_output n2
	# The new name is taken at once, the old one free at once.
	run_hutch 125 create --name m1 "$IMAGE" true
	run_hutch create --name n1 "$IMAGE" true
	local id3=$output
	run_hutch rm m1 n1
	[[ ! -L $(ctrs)/by-name/m1 && ! -L $(ctrs)/by-name/n1 ]]
	[[ $(readlink "$(ctrs)/by-name/n2") == "$id2" ]]
	[[ ! -d $(ctrs)/$id3 ]]
}

@test "a store without the index (an older hutch's, or one deleted): built on first lookup" {
	run_hutch create --name old1 "$IMAGE" true
	local id1=$output
	run_hutch create --name old2 "$IMAGE" true
	local id2=$output
	# The layout older versions wrote: the brief record in brief.json, a state.json of
	# only the state, no index.
	rm -rf "$(ctrs)/by-name"
	jq -c '{Id, Name, Created, Image, ImageName, Args, Config: {Labels: .Labels},
		HostConfig: {Ports: .Ports}}' "$(ctrs)/$id1/hutch.json" >"$(ctrs)/$id1/brief.json"
	printf '{\n  "Status":"created",\n  "ExitCode":0,\n  "Pid":0\n}' >"$(ctrs)/$id1/state.json"
	run_hutch ps -a --format '{{.Names}} {{.Status}}'
	assert_output "old2 Created
old1 Created"
	run_hutch inspect --format '{{.Id}}' old1
	assert_output "$id1"
	[[ -d $(ctrs)/by-name && $(readlink "$(ctrs)/by-name/old1") == "$id1" ]]
	[[ $(readlink "$(ctrs)/by-name/old2") == "$id2" ]]
	# The name is taken although the index did not know it when the command began.
	rm -rf "$(ctrs)/by-name"
	run_hutch 125 create --name old1 "$IMAGE" true
	[[ $stderr == *'"old1" is already in use'* ]]
	# A rename moves the old container to the new layout; it runs as any other.
	run_hutch rename old1 new1
	[[ ! -e $(ctrs)/$id1/brief.json ]]
	[[ $(jq -r .Name "$(ctrs)/$id1/state.json") == new1 ]]
	run_hutch start --attach new1
	run_hutch ps -a --format '{{.Names}} {{.Status}}'
	assert_line --index 1 --regexp '^new1 Exited \(0\) '
}

# Rewrite container $1's files as version 1 wrote them: hutch.json in podman's inspect shape,
# state.json's brief record a cut-down copy of it.
to_v1() {
	local d
	d=$(ctrs)/$1
	jq '{Id, Name, Created, Image, ImageName, ImageDigest} + (if .Pod then {Pod, IsInfra: .Infra} else {} end)
		+ {Path: .Args[0], Args, Config: {Hostname, User, Env, Cmd: .Args, WorkingDir, Labels,
		Annotations, StopSignal, StopTimeout, Tty, OpenStdin}, HostConfig: {AutoRemove,
		RestartPolicy: {Name: .Restart.Policy, MaximumRetryCount: .Restart.MaxRetries},
		LogConfig: {Type: .Log.Driver, Size: .Log.MaxSize}, NetworkMode: .Network, Ports, Dns,
		DnsSearch, DnsOptions, ExtraHosts, UsernsMode: .Userns, Privileged,
		ReadonlyRootfs: .ReadOnly, Init, Interactive: .OpenStdin}, Mounts}' \
		"$d/hutch.json" >"$d/h" && mv "$d/h" "$d/hutch.json"
	jq -c '{Id, Name, Created, Image, ImageName, Args, Mounts, Config: {Labels},
		HostConfig: {Ports, NetworkMode: .Network}} + ({Status, StartedAt, FinishedAt, ExitCode,
		Pid, RestartCount, StoppedByUser} | with_entries(select(.value != null)))' \
		"$d/state.json" >"$d/s" && mv "$d/s" "$d/state.json"
}

@test "records of version 1 (podman's inspect shape): inspect, ps, start, rename and rm as before" {
	local port=$((30000 + RANDOM % 20000))
	run_hutch create --name web -p "127.0.0.1:$port:80" --label a=b --restart on-failure:2 \
		--stop-signal SIGINT --dns 10.0.0.9 --hostname hh "$IMAGE" sleep 100
	local web=$output
	run_hutch create --name joiner --network container:web "$IMAGE" true
	local joiner=$output
	run_hutch 3 run --name ex --log-driver none "$IMAGE" sh -c 'exit 3'
	run_hutch inspect --format '{{.Id}}' ex
	local ex=$output
	run_hutch inspect web joiner ex
	# (Without the command line, which version 1 did not record.)
	local inspect
	inspect=$(jq 'map(del(.Config.CreateCommand))' <<<"$output")
	# (Without the times "ago", which may move on meanwhile.)
	run_hutch ps -a --format json
	local ps
	ps=$(jq 'map(del(.Created, .CreatedAt, .Status))' <<<"$output")
	local id
	for id in "$web" "$joiner" "$ex"; do
		to_v1 "$id"
	done
	[[ $(jq -r .HostConfig.NetworkMode "$(ctrs)/$joiner/hutch.json") == "container:$web" ]]
	# The same documents.
	run_hutch inspect web joiner ex
	assert_equal "$(jq 'map(del(.Config.CreateCommand))' <<<"$output")" "$inspect"
	run_hutch ps -a --format json
	[[ $(jq 'map(del(.Created, .CreatedAt, .Status))' <<<"$output") == "$ps" ]]
	run_hutch inspect --format '{{.HostConfig.NetworkMode}} {{.HostConfig.RestartPolicy.Name}} {{.Config.StopSignal}} {{.State.Status}} {{.State.ExitCode}}' web ex
	# podman's: the stop signal's number, "" for no restart policy given
	assert_output "slirp4netns on-failure 2 created 0
slirp4netns  15 exited 3"
	run_hutch ps -a --filter label=a=b --format '{{.Names}} {{.Ports}}'
	assert_output "web 127.0.0.1:$port->80/tcp"
	# The network mode read back: web still has a dependent.
	run_hutch 125 rm web
	[[ $stderr == *"dependent containers"*joiner* ]]
	# Loading converts in memory; the next state change writes the brief record anew.
	run_hutch 3 start -a ex
	[[ $(jq -r .Version "$(ctrs)/$ex/state.json") == 2 ]]
	[[ $(jq -r '.HostConfig // "none"' "$(ctrs)/$ex/state.json") == none ]]
	[[ $(jq -r '.HostConfig.LogConfig.Type' "$(ctrs)/$ex/hutch.json") == none ]]
	run_hutch inspect --format '{{.State.ExitCode}} {{.HostConfig.LogConfig.Type}}' ex
	assert_output "3 none"
	# A rename rewrites hutch.json in the current schema.
	run_hutch rename web web2
	[[ $(jq -r '[.Version, .Network, .Restart.Policy, .StopSignal, (.HostConfig // "-")] | join(" ")' "$(ctrs)/$web/hutch.json") == "2 slirp4netns on-failure SIGINT -" ]]
	run_hutch inspect --format '{{.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.Hostname}}' web2
	assert_output "web2 2 hh"
	run_hutch inspect web2
	[[ $(jq -r '.[0].HostConfig.Dns[0]' <<<"$output") == 10.0.0.9 ]]
	run_hutch rm joiner
	run_hutch rm web2 ex
	run_hutch ps -a -q
	assert_output ""
}

@test "dangling, stale and junk index entries are ignored, and replaced by create" {
	run_hutch create --name real "$IMAGE" true
	local id=$output
	ln -s 0000000000000000000000000000000000000000000000000000000000000000 "$(ctrs)/by-name/ghost"
	ln -s "$id" "$(ctrs)/by-name/stale"
	ln -s ../../../../etc "$(ctrs)/by-name/junk"
	echo junk >"$(ctrs)/by-name/file"
	for n in ghost stale junk file; do
		run_hutch 125 container inspect "$n"
		[[ $stderr == *"no container with name or ID \"$n\" found"* ]]
	done
	run_hutch create --name ghost "$IMAGE" true
	local gid=$output
	run_hutch create --name stale "$IMAGE" true
	[[ $(readlink "$(ctrs)/by-name/ghost") == "$gid" ]]
	run_hutch ps -a --format '{{.Names}}'
	assert_output "stale
ghost
real"
	run_hutch inspect --format '{{.Name}}' real
	assert_output real
}

@test "damaged record files: ps and lookups fall back or skip, nothing crashes" {
	# Names that are no hex: one whose record is gone must not read as an ID prefix.
	run_hutch create --name r1 "$IMAGE" true
	local id1=$output
	run_hutch create --name r2 "$IMAGE" true
	local id2=$output
	run_hutch create --name r3 "$IMAGE" true
	local id3=$output
	run_hutch run --name r4 "$IMAGE" true
	local id4
	id4=$(readlink "$(ctrs)/by-name/r4")
	# r1: state.json cut short: hutch.json read instead, state created.
	head -c 30 "$(ctrs)/$id1/state.json" >"$(ctrs)/$id1/s" && mv "$(ctrs)/$id1/s" "$(ctrs)/$id1/state.json"
	# r2: the record itself cut short, and state.json gone: no container any more.
	head -c 100 "$(ctrs)/$id2/hutch.json" >"$(ctrs)/$id2/h" && mv "$(ctrs)/$id2/h" "$(ctrs)/$id2/hutch.json"
	rm "$(ctrs)/$id2/state.json"
	# r3: garbage in state.json and brief.json, trailing garbage after hutch.json's object.
	printf '\0\1garbage' >"$(ctrs)/$id3/state.json"
	printf '{"Name":' >"$(ctrs)/$id3/brief.json"
	# r4: state.json empty.
	: >"$(ctrs)/$id4/state.json"
	run_hutch create --name r5 "$IMAGE" true
	local id5=$output
	# r5: valid JSON of the wrong shapes in the brief record.
	jq -c '.Args = "oops" | .Ports = {"a": 1} | .Labels = [] | .Network = 7' \
		"$(ctrs)/$id5/state.json" >"$(ctrs)/$id5/s"
	mv "$(ctrs)/$id5/s" "$(ctrs)/$id5/state.json"
	run_hutch ps -a
	assert_line --index 1 --regexp '^[0-9a-f]{12} .* Created .* r5$'
	run_hutch ps -a --format '{{.Names}} {{.State}}'
	assert_output "r5 created
r4 created
r3 created
r1 created"
	run_hutch inspect --format '{{.Name}} {{.State.Status}}' r1 r3 r4
	assert_output "r1 created
r3 created
r4 created"
	run_hutch 125 container inspect r2
	run_hutch 125 container inspect "$id2"
	[[ $stderr == *'no such container'* ]]
	printf '{"Id":"x"} trailing' >>"$(ctrs)/$id3/hutch.json"
	run_hutch 125 container inspect r3
	run_hutch ps -a --format '{{.Names}}'
	assert_output "r5
r4
r1"
	# The rest of the store works as before.
	run_hutch run --rm "$IMAGE" echo fine
	assert_output fine
	run_hutch start --attach r1
	run_hutch rm r1 r4 r5
	run_hutch ps -a -q
	assert_output ""
}

@test "the storage record keeps the image's layer chain; one without it or with a bad one still starts" {
	run_hutch create --name lc "$IMAGE" echo started
	local id=$output rec
	rec=$(ctrs)/$id/container.json
	# The chain, bottom first: the layer dirs the image has.
	run jq -r '.layers | length' "$rec"
	[[ $output -ge 1 ]]
	local l
	for l in $(jq -r '.layers[]' "$rec"); do
		[[ -d $XDG_DATA_HOME/hutch/layers/$l/diff ]]
	done
	run_hutch start -a lc
	assert_output started
	# A record an older hutch wrote: the image is looked up instead.
	jq 'del(.layers)' "$rec" >"$rec.new" && mv "$rec.new" "$rec"
	run_hutch start -a lc
	assert_output started
	# A damaged chain is not trusted (it names directories): looked up too.
	jq '.layers = ["../../../../etc"]' "$rec" >"$rec.new" && mv "$rec.new" "$rec"
	run_hutch start -a lc
	assert_output started
	jq '.layers = 7' "$rec" >"$rec.new" && mv "$rec.new" "$rec"
	run_hutch start -a lc
	assert_output started
	run_hutch rm lc
}

@test "a damaged image (its config blob gone): others are found as before; its name says what is wrong" {
	local tarball=$BATS_TEST_TMPDIR/layer.tar
	mkdir -p "$BATS_TEST_TMPDIR/l"
	echo hi >"$BATS_TEST_TMPDIR/l/f"
	tar -cf "$tarball" -C "$BATS_TEST_TMPDIR/l" f
	run_hutch import "$tarball" localhost/damaged:1
	local id=${output#sha256:}
	[[ -f $XDG_DATA_HOME/hutch/blobs/sha256/$id ]]
	rm "$XDG_DATA_HOME/hutch/blobs/sha256/$id"
	# A name lookup reads the records only, the blobs of the one it finds.
	run_hutch run --rm "$IMAGE" echo fine
	assert_output fine
	run_hutch 125 run --rm localhost/damaged:1 true
	[[ $stderr == *"config blob is missing"* ]]
	run_hutch 125 create "${id:0:12}" true
	[[ $stderr == *"config blob is missing"* ]]
	# rmi needs only the record: the damaged image can go.
	run_hutch rmi localhost/damaged:1
	assert_output --partial "Deleted: $id"
	[[ ! -d $XDG_DATA_HOME/hutch/images/$id ]]
}
