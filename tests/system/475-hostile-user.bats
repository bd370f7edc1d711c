#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# -u/--user, --group-add and the image's User against hostile input (security issue, items 6
# and 7): ids that wrap to root are refused as podman refuses them, and the image's (or the
# running container's) /etc/passwd and /etc/group are read inside their root, only when
# they are regular files, up to a bound: a FIFO there must not hang run, exec or top.

load container_helpers

RANGE="uids and gids must be in range 0-2147483647"

# run_bounded SECONDS EXPECTED_STATUS ARGS...: hutch ARGS, killed after SECONDS (a hang
# shows as status 124), with the status asserted.
run_bounded() {
	local secs=$1 expected=$2
	shift 2
	run --separate-stderr timeout "$secs" "$HUTCH" "$@"
	echo "\$ hutch $*"
	[[ -z $output ]] || echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
	echo "[status $status]"
	[[ $status -ne 124 ]] || fail "hutch $*: still running after ${secs}s"
	[[ $status -eq $expected ]] || fail "hutch $*: exit status $status, expected $expected"
}

@test "user: --user and --group-add ids that would wrap to root are refused, as podman does" {
	local u
	for u in 4294967295 4294967296 1000:4294967295 4294967295:4294967295 2147483648 \
		99999999999999999999 0:4294967296; do
		run_hutch 125 run --rm -u "$u" "$IMAGE" id
		[[ $stderr == *"$RANGE"* ]] || fail "-u $u: unclear error"
	done
	run_hutch 125 run --rm --group-add 4294967296 "$IMAGE" id -G
	[[ $stderr == *"--group-add 4294967296: $RANGE"* ]]
	run_hutch 125 run --rm --group-add -1 "$IMAGE" id -G
	[[ $stderr == *"give a numeric group id"* ]]
	# Ids in range still work, with or without an entry in /etc/passwd.
	run_hutch run --rm -u 1000:1000 --group-add 10 "$IMAGE" sh -c 'echo $(id -u) $(id -G)'
	assert_output "1000 1000 10"
	run_hutch run --rm -u 4242 "$IMAGE" id -u
	assert_output 4242
}

@test "user: an image whose User, passwd or group entry wraps to root is refused" {
	push_image uwrap --base --config '{"User": "4294967295:4294967295"}'
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/uwrap"
	run_hutch 125 run --rm "$HUTCH_REGISTRY/uwrap" id
	[[ $stderr == *"$RANGE"* ]]

	# uid 2^32 and gid 2^32+10 in the image's own files: 0 and 10 once truncated.
	push_image pwwrap --base --layer '[
		{"name": "etc/passwd", "data": "root:x:0:0::/root:/bin/sh\nevil:x:4294967296:4294967306::/:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n"},
		{"name": "etc/group", "data": "root:x:0:\nwheel:x:4294967296:tester\nbad:x:NaN:other\n"}]'
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/pwwrap"
	run_hutch 125 run --rm -u evil "$HUTCH_REGISTRY/pwwrap" id
	[[ $stderr == *"evil: uid 4294967296 in the image's /etc/passwd: $RANGE"* ]]
	# tester is in "wheel", whose gid wraps to 0: refused, not a root group.
	run_hutch 125 run --rm -u tester "$HUTCH_REGISTRY/pwwrap" id -G
	[[ $stderr == *"wheel: gid 4294967296 in the image's /etc/group: $RANGE"* ]]
	# Broken entries of groups root is not in are none of root's business.
	run_hutch run --rm -u root "$HUTCH_REGISTRY/pwwrap" id -G
	assert_output 0
}

@test "user: exec --user refuses wrapping ids; without --user it runs as the container's user" {
	run_hutch run -d --name ex -u tester "$IMAGE" sleep 100
	local u
	for u in 4294967295 4294967296 1000:4294967295 0:4294967296; do
		run_hutch 125 exec -u "$u" ex id
		[[ $stderr == *"$RANGE"* ]] || fail "exec -u $u: unclear error"
	done
	# The container was made with a name: exec keeps the uid and gid it resolved to.
	run_hutch exec ex sh -c 'echo $(id -un):$(id -g)'
	assert_output tester:1000
	run_hutch exec -u root ex id -u
	assert_output 0
}

@test "user: a FIFO, a device, a huge file or a link out at the image's /etc/passwd or /etc/group" {
	push_image pwfifo --base --layer '[{"name": "etc/passwd", "type": "fifo"}]'
	push_image grfifo --base --layer '[{"name": "etc/group", "type": "fifo"}]'
	push_image pwdev --base --layer '[{"name": "etc/passwd", "type": "char", "major": 1, "minor": 3}]'
	python3 -c 'import json; print(json.dumps([{"name": "etc/passwd", "data": "x" * (5 << 20)}]))' \
		>"$BATS_TEST_TMPDIR/huge.json"
	push_image pwhuge --base --layer @"$BATS_TEST_TMPDIR/huge.json"
	echo 'evil:x:0:0::/:/bin/sh' >"$BATS_TEST_TMPDIR/hostpasswd"
	push_image pwlink --base --layer \
		'[{"name": "etc/passwd", "type": "symlink", "target": "'"$BATS_TEST_TMPDIR/hostpasswd"'"}]'
	push_image pwgone --base --layer '[{"name": "etc/.wh.passwd"}]'
	local i
	for i in pwfifo grfifo pwdev pwhuge pwlink pwgone; do
		run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/$i"
	done
	run_bounded 30 125 run --rm -u tester "$HUTCH_REGISTRY/pwfifo" id
	[[ $stderr == *"/etc/passwd in the image is not a regular file"* ]]
	run_bounded 30 125 run --rm -u tester "$HUTCH_REGISTRY/grfifo" id
	[[ $stderr == *"/etc/group in the image is not a regular file"* ]]
	# Device nodes are not made rootless: the base layer's file shows through.
	run_bounded 30 0 run --rm -u tester "$HUTCH_REGISTRY/pwdev" id -u
	assert_output 1000
	run_bounded 30 125 run --rm -u tester "$HUTCH_REGISTRY/pwhuge" id
	[[ $stderr == *"/etc/passwd in the image is larger than 4194304 bytes"* ]]
	# The link is resolved inside the layer, where its target does not exist.
	run_bounded 30 125 run --rm -u evil "$HUTCH_REGISTRY/pwlink" id
	[[ $stderr == *"unable to find user evil"* ]]
	# A whiteout deletes the base's passwd: no such user (a number still runs).
	run_bounded 30 125 run --rm -u tester "$HUTCH_REGISTRY/pwgone" id
	[[ $stderr == *"unable to find user tester"* ]]
	run_bounded 30 0 run --rm -u 1000 "$HUTCH_REGISTRY/pwgone" id -u
	assert_output 1000
}

@test "user: whether a host path exists never changes how the image's user resolves" {
	# /etc in the top layer is a link to a host directory: inside the container there is
	# no /etc/passwd at all, whatever the host has at that path.
	push_image etclink --base --layer \
		'[{"name": "etc", "type": "symlink", "target": "'"$BATS_TEST_TMPDIR/hostetc"'"}]'
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/etclink"
	run_hutch 125 run --rm -u tester "$HUTCH_REGISTRY/etclink" true
	[[ $stderr == *"unable to find user tester"* ]]
	mkdir "$BATS_TEST_TMPDIR/hostetc"
	echo 'tester:x:4242:4242::/:/bin/sh' >"$BATS_TEST_TMPDIR/hostetc/passwd"
	run_hutch 125 run --rm -u tester "$HUTCH_REGISTRY/etclink" true
	[[ $stderr == *"unable to find user tester"* ]]
}

@test "user: the running container's own FIFO or link at /etc/passwd hangs neither exec nor top" {
	echo 'hostonly:x:0:0::/:/bin/sh' >"$BATS_TEST_TMPDIR/hostpasswd"
	run_hutch run -d --name fx "$IMAGE" sleep 100
	run_hutch exec fx sh -c "rm /etc/passwd && ln -s '$BATS_TEST_TMPDIR/hostpasswd' /etc/passwd"
	# top names users from the container's passwd: never the host's through the link.
	run_bounded 30 0 top fx user pid
	refute_output --partial hostonly
	run_hutch exec fx sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
	run_bounded 30 125 exec -u tester fx id
	[[ $stderr == *"/etc/passwd in the image is not a regular file"* ]]
	run_bounded 30 0 top fx user pid
	assert_line --index 1 --regexp '^0 +1 *$'
	run_hutch exec fx sh -c 'rm /etc/passwd && ln -s /dev/zero /etc/passwd'
	run_bounded 30 125 exec -u tester fx id
	[[ $stderr == *"/etc/passwd in the image is not a regular file"* ]]
}
