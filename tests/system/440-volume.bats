#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# volume create, ls, inspect, rm, prune, and filling an empty volume from the image
# (issue #5).

load container_helpers

@test "volume create, ls, inspect (--format, -q), rm" {
	run_hutch volume create --label team=a v1
	assert_output v1
	run_hutch 125 volume create v1
	[[ $stderr == *"already exists"* ]]
	run_hutch volume create --ignore v1
	run_hutch volume create
	local anon=$output
	[[ $anon =~ ^[0-9a-f]{64}$ ]]
	run_hutch volume ls
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --regexp "^local +v1$"
	run_hutch volume ls -q
	assert_equal "${#lines[@]}" 2
	run_hutch volume inspect v1 --format '{{.Name}} {{.Driver}} {{.Labels.team}} {{.Mountpoint}}'
	assert_output "v1 local a $XDG_DATA_HOME/hutch/volumes/v1/_data"
	run_hutch volume inspect v1
	[[ $(jq -r '.[0].Scope' <<<"$output") == local ]]
	run_hutch 125 volume inspect nosuch
	[[ $stderr == *'no volume with name "nosuch" found'* ]]
	run_hutch volume rm v1 "$anon"
	run_hutch volume ls -q
	assert_output ""
	run_hutch 1 volume rm v1
	run_hutch 125 volume create 'bad/name'
}

@test "a volume in use is kept unless -f, which removes its containers too" {
	run_hutch run --name w -v data:/data "$IMAGE" sh -c 'echo kept >/data/f; chown 1000:1000 /data/f'
	run_hutch run --rm -v data:/data "$IMAGE" sh -c 'cat /data/f; stat -c %u /data/f'
	assert_output "kept
1000"
	run_hutch 2 volume rm data
	[[ $stderr == *"volume data is being used by the following container(s)"* ]]
	run_hutch volume prune -f
	assert_output ""
	run_hutch volume rm -f data
	run_hutch ps -a -q
	assert_output ""
	run_hutch volume ls -q
	assert_output ""
}

@test "volume prune removes the unused ones" {
	run_hutch volume create used
	run_hutch volume create unused
	run_hutch create --name u -v used:/x "$IMAGE" true
	run bash -c "echo n | '$HUTCH' volume prune"
	run_hutch volume ls -q
	assert_equal "${#lines[@]}" 2
	run_hutch volume prune -f
	assert_output unused
	run_hutch volume ls -q
	assert_output used
}

@test "an empty named volume is filled from the image on first use, ownership kept" {
	run_hutch run --rm -v etcvol:/etc "$IMAGE" sh -c 'cat /etc/passwd | head -1; stat -c "%u %a" /etc/passwd'
	assert_line --index 0 --regexp '^root:'
	assert_line --index 1 "0 644"
	# The copy is in the volume on the host, owned by the user (container root).
	local mp
	mp=$("$HUTCH" volume inspect etcvol --format '{{.Mountpoint}}')
	[[ -f $mp/passwd ]]
	[[ $(stat -c %u "$mp/passwd") == "$(id -u)" ]]
	# Not refilled once it has content.
	run_hutch run --rm -v etcvol:/etc "$IMAGE" sh -c 'rm /etc/passwd; echo mine >/etc/only'
	run_hutch run --rm -v etcvol:/etc "$IMAGE" sh -c 'cat /etc/only; test -e /etc/passwd || echo gone'
	assert_output "mine
gone"
	# A volume on a path the image does not have stays empty.
	run_hutch run --rm -v fresh:/nothing-here "$IMAGE" ls -A /nothing-here
	assert_output ""
}

# A volume filled for a new container may be shared with a running one, which can swap
# each file being filled in for a link to a host file: the fill's chmod must not follow
# it (the same extractor as cp's, tarcopy.c; the fill runs in the host's view of files).
@test "filling a shared volume: a link swapped in by a running container changes no host file" {
	local secret=$BATS_TEST_TMPDIR/secret
	echo secret >"$secret"
	chmod 0600 "$secret"
	local before
	before=$(stat -c '%a %h %s %Y' "$secret")
	mkdir -p "$BATS_TEST_TMPDIR/layer/data"
	head -c 4000000 /dev/zero >"$BATS_TEST_TMPDIR/layer/data/big"
	chmod 0777 "$BATS_TEST_TMPDIR/layer/data/big"
	tar -C "$BATS_TEST_TMPDIR/layer" --owner=0 --group=0 -cf "$BATS_TEST_TMPDIR/layer.tar" data
	push_image volfill --layer-tar "$BATS_TEST_TMPDIR/layer.tar"
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/volfill"
	# The volume stays empty (so that it is filled) until a regular file appears in it.
	run_hutch run -d --name swapper -v shared:/data "$IMAGE" sh -c \
		"while :; do if [ -f /data/big ] && [ ! -L /data/big ]; then ln -sf '$secret' /data/.l; mv -f /data/.l /data/big; fi; done"
	local try # not i: bats's run sets that
	for ((try = 0; try < 10; try++)); do
		run_hutch '?' create --name "filled$try" -v shared:/data "$HUTCH_REGISTRY/volfill" /x
		[[ $(stat -c '%a %h %s %Y' "$secret") == "$before" ]] ||
			fail "fill $try changed $secret: $(stat -c '%a %h %s %Y' "$secret"), was $before"
		run_hutch exec swapper rm -f /data/big /data/.l
	done
	run cat "$secret"
	assert_output secret
}
