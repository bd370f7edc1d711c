#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# diff, top, rename, pause/unpause and stats without delegated cgroups, container prune and
# port (issue #5).

load container_helpers

@test "diff: A, C and D lines from the upper dir, sorted; --format json" {
	run_hutch run --name d1 "$IMAGE" sh -c 'mkdir -p /newdir && echo x >/newdir/f && echo y >>/etc/passwd && rm /etc/group'
	run_hutch diff d1
	assert_output "C /etc
D /etc/group
C /etc/passwd
A /newdir
A /newdir/f"
	run_hutch diff --format json d1
	[[ $(jq -c .added <<<"$output") == '["/newdir","/newdir/f"]' ]]
	[[ $(jq -c .deleted <<<"$output") == '["/etc/group"]' ]]
	run_hutch 125 diff nosuch
	# -l/--latest: the newest container (podman's 140-diff.bats).
	run_hutch create --name d2 "$IMAGE" true
	run_hutch diff --format json -l
	[[ $(jq -c . <<<"$output") == '{}' ]]
	run_hutch 125 diff -l d1
	run_hutch 125 diff
	run_hutch rm -l
	assert_output --regexp '^[0-9a-f]{64}$'
	run_hutch ps -a --format '{{.Names}}'
	assert_output d1
}

@test "diff: an image's /run that only holds the runtime's /run/.containerenv is no change" {
	# An image with /run (the fixtures have none): made by import.
	run_hutch create --name withrun "$IMAGE" true
	mkdir "$BATS_TEST_TMPDIR/rootfs"
	"$HUTCH" export withrun | tar -C "$BATS_TEST_TMPDIR/rootfs" -x
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/run"
	tar -C "$BATS_TEST_TMPDIR/rootfs" --owner=0 --group=0 -c . |
		"$HUTCH" import - localhost/withrun >/dev/null
	run_hutch run --name d3 localhost/withrun rm /etc/passwd
	run_hutch diff d3
	assert_output "C /etc
D /etc/passwd"
	run_hutch run --name d4 localhost/withrun touch /run/mine
	run_hutch diff d4
	# /etc: where the /etc/mtab link went (the image has none), as podman's diff shows it
	assert_output "C /etc
C /run
A /run/mine"
}

@test "top: default columns, ps-style descriptors, a stopped container" {
	run_hutch run -d --name t1 "$IMAGE" sh -c 'sleep 300'
	run_hutch top t1
	assert_line --index 0 --regexp '^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$'
	assert_line --index 1 --regexp '^root +1 +0 +[0-9.]+ +[0-9.hms]+ +\? +[0-9.hms]+ +sleep 300$'
	run_hutch top t1 pid,comm,args
	assert_line --index 0 --regexp '^PID +COMMAND +COMMAND$'
	assert_line --index 1 --regexp '^1 +sleep +sleep 300$'
	run_hutch top t1 pid user
	assert_line --index 1 --regexp '^1 +root$'
	# huser: the host's name of the process's user (this user: the container's root)
	run_hutch top t1 huser,user
	assert_line --index 0 --regexp '^HUSER +USER$'
	assert_line --index 1 --regexp "^$(id -un) +root\$"
	run_hutch 125 top t1 bogus
	[[ $stderr == *'unknown descriptor "bogus"'* ]]
	run_hutch stop -t 0 t1
	run_hutch 125 top t1
	[[ $stderr == *"top can only be used on running containers"* ]]
}

@test "rename: new name in ps and lookups; taken and invalid names refused" {
	run_hutch create --name old "$IMAGE" true
	run_hutch create --name other "$IMAGE" true
	run_hutch rename old new
	run_hutch ps -a --format '{{.Names}}'
	assert_output "other
new"
	run_hutch inspect new --format '{{.Name}}'
	assert_output new
	run_hutch 125 inspect old
	run_hutch 125 rename new other
	[[ $stderr == *'"other" is already in use'* ]]
	run_hutch 125 rename new 'bad name'
	[[ $stderr == *"invalid container name"* ]]
}

@test "pause, unpause and stats: a clear error where cgroups are not delegated" {
	run_hutch info --format '{{json .host.cgroups}}'
	if [[ $output == *'"delegated":['*[a-z]* ]]; then
		skip_machine "cgroup controllers are delegated here; the error path is not reachable"
	fi
	run_hutch run -d --name p1 "$IMAGE" sleep 300
	run_hutch 125 pause p1
	[[ $stderr == "Error: pause needs the cgroup v2 freezer of a delegated cgroup: "* ]]
	[[ $(grep -c . <<<"$stderr") == 1 ]]
	run_hutch 125 unpause p1
	[[ $stderr == *"p1 is running, not paused"* ]]
	run_hutch ps --format '{{.Names}} {{.State}}'
	assert_output "p1 running"
	run_hutch 125 stats --no-stream
	[[ $stderr == "Error: stats need the cgroup v2 controllers of a delegated cgroup: "* ]]
	run_hutch 125 stats --no-stream p1
}

@test "container prune removes what is not running and prints the IDs; -f or a yes" {
	run_hutch create --name cr "$IMAGE" true
	run_hutch run --name ex "$IMAGE" true
	run_hutch run -d --name up "$IMAGE" sleep 300
	local cr ex
	cr=$("$HUTCH" inspect cr --format '{{.Id}}')
	ex=$("$HUTCH" inspect ex --format '{{.Id}}')
	run bash -c "echo n | '$HUTCH' container prune"
	[[ $status -eq 0 ]]
	run_hutch ps -a -q
	assert_equal "${#lines[@]}" 3
	run_hutch container prune -f
	assert_line "$cr"
	assert_line "$ex"
	assert_equal "${#lines[@]}" 2
	run_hutch ps -a --format '{{.Names}}'
	assert_output up
}

@test "container prune finishes a --rm removal cut short (trash left by a killed exit command)" {
	# What a --rm container's monitor leaves when its exit command is killed: the store
	# dir renamed to the trash, with files owned by subordinate ids in it.
	run_hutch run --name cut "$IMAGE" sh -c 'mkdir /d && touch /d/f && chown -R 1000:1000 /d'
	local id
	id=$("$HUTCH" inspect cut --format '{{.Id}}')
	assert_no_process "hutch-monitor.*$XDG_RUNTIME_DIR"
	mv "$XDG_DATA_HOME/hutch/containers/$id" "$XDG_DATA_HOME/hutch/containers/.trash-$id"
	run_hutch ps -a -q
	assert_output ""
	run_hutch container prune -f
	assert_output ""
	# The trash, and the name's index entry.
	run ls -A "$XDG_DATA_HOME/hutch/containers"
	assert_output by-name
	run ls -A "$XDG_DATA_HOME/hutch/containers/by-name"
	assert_output ""
}

@test "port: the published ports from the record" {
	run_hutch create --name pp -p 8080:80 -p 127.0.0.1:9000-9001:5000-5001/udp "$IMAGE" true
	run_hutch port pp
	assert_output "80/tcp -> 0.0.0.0:8080
5000/udp -> 127.0.0.1:9000
5001/udp -> 127.0.0.1:9001"
	run_hutch port pp 80
	assert_output "0.0.0.0:8080"
	run_hutch port pp 5001/udp
	assert_output "127.0.0.1:9001"
	run_hutch 125 port pp 81
	assert_equal "$stderr" 'Error: failed to find published port "81"'
	run_hutch create --name none "$IMAGE" true
	run_hutch port none
	assert_output ""
}
