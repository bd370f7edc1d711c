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

# podman-compat (podman 4.3.1's 160-volumes.bats): what podman's own tests assert.

@test "volume ls --filter: name is a regular expression; label, dangling; sorted by name" {
	run_hutch volume create vol_2_x
	run_hutch volume create --label l=1 vol_1_x
	run_hutch volume ls --format '{{.Name}}'
	assert_output "vol_1_x
vol_2_x"
	run_hutch volume ls --filter 'name=vol_1.+' --format '{{.Name}}'
	assert_output vol_1_x
	# '*' is a regex repetition, not a glob: both match
	run_hutch volume ls --filter 'name=vol_1*' --format '{{.Name}}'
	assert_output "vol_1_x
vol_2_x"
	run_hutch volume ls --filter label=l=1 --format '{{.Name}}'
	assert_output vol_1_x
	run_hutch volume ls --filter 'label!=l' --format '{{.Name}}'
	assert_output vol_2_x
	run_hutch create -v vol_2_x:/x "$IMAGE" true
	run_hutch volume ls --filter dangling=true --format '{{.Name}}'
	assert_output vol_1_x
	run_hutch 125 volume ls --filter bogus=1
	[[ $stderr == 'Error: "bogus=1" is an invalid volume filter' ]]
}

@test "volume prune names what it would remove, then asks; --filter" {
	run_hutch volume create p2
	run_hutch volume create --label mylabel p3
	run_hutch volume create p1
	run bash -c "echo N | '$HUTCH' volume prune"
	assert_success
	assert_line --index 0 "WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:"
	assert_line --index 1 p1
	assert_line --index 2 p2
	assert_line --index 3 p3
	run bash -c "echo N | '$HUTCH' volume prune --filter label=mylabel"
	assert_line --index 1 p3
	assert_line --index 2 --partial "Are you sure you want to continue? [y/N]"
	run_hutch volume ls -q
	assert_equal "${#lines[@]}" 3
	run_hutch volume prune --force --filter label=mylabel
	assert_output p3
}

@test "volume create -o type=bind|tmpfs as podman's local driver" {
	run_hutch 125 volume create -o type=bind -o device=/bogus vb
	[[ $stderr == "Error: invalid volume option device for driver 'local': stat /bogus: no such file or directory" ]]
	run_hutch 125 volume create -o foo=bar vb
	[[ $stderr == "Error: invalid mount option foo for driver 'local': invalid argument" ]]
	mkdir "$BATS_TEST_TMPDIR/dir"
	echo hello >"$BATS_TEST_TMPDIR/dir/f"
	run_hutch volume create -o type=bind -o device="$BATS_TEST_TMPDIR/dir" vb
	run_hutch run --rm -v vb:/vol "$IMAGE" cat /vol/f
	assert_output hello
	run_hutch volume inspect --format '{{.Options.type}} {{.Options.device}}' vb
	assert_output "bind $BATS_TEST_TMPDIR/dir"
	run_hutch volume create -o type=tmpfs -o device=tmpfs -o o=size=2m vt
	run_hutch run --rm -v vt:/vol "$IMAGE" sh -c 'stat -f -c %T /vol; df -k /vol | tail -1'
	assert_line --index 0 tmpfs
	assert_line --index 1 --regexp ' 2048 '
	# in use: rm refuses, as for any volume
	run_hutch create --name c -v vt:/vol "$IMAGE" true
	run_hutch 2 volume rm vt
}

@test "NeedsCopyUp and NeedsChown: true until a container uses (and fills) the volume" {
	run_hutch volume create cu
	run_hutch volume ls --format json
	[[ $(jq -r '.[0].NeedsCopyUp' <<<"$output") == true ]]
	[[ $(jq -r '.[0].NeedsChown' <<<"$output") == true ]]
	[[ $(jq -r '.[0].Anonymous' <<<"$output") == false ]]
	run_hutch run --rm -v cu:/vol "$IMAGE" true
	run_hutch volume inspect --format '{{.NeedsCopyUp}} {{.NeedsChown}}' cu
	assert_output "true false"
	run_hutch run --rm -v cu:/etc "$IMAGE" ls /etc/passwd
	run_hutch volume inspect --format '{{.NeedsCopyUp}}' cu
	assert_output false
	[[ -e $XDG_DATA_HOME/hutch/volumes/cu/_data/passwd ]]
}

@test "rm -v and --rm remove anonymous volumes; named ones stay" {
	run_hutch run -v /anon -v named:/named "$IMAGE" sh -c 'echo x >/anon/f'
	run_hutch volume ls -q
	assert_equal "${#lines[@]}" 2
	run_hutch volume ls --filter name=named --format '{{.Anonymous}}'
	assert_output false
	run_hutch rm -a --volumes
	run_hutch volume ls -q
	assert_output named
	# --rm: the monitor's removal leaves them to the exit command, which removes them
	run_hutch run --rm -v /anon2 -v named:/named "$IMAGE" true
	for _ in $(seq 50); do
		run_hutch volume ls -q
		[[ $output == named ]] && break
		sleep 0.1
	done
	assert_output named
}

@test "duplicate mount destinations: the same mount twice is fine, different ones are an error" {
	mkdir "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	run_hutch run --rm -v "$BATS_TEST_TMPDIR/a:/v" -v "$BATS_TEST_TMPDIR/a:/v" "$IMAGE" true
	run_hutch 125 run --rm -v "$BATS_TEST_TMPDIR/a:/v" -v "$BATS_TEST_TMPDIR/b:/v" "$IMAGE" true
	[[ $stderr == "Error: /v: duplicate mount destination" ]]
	run_hutch run --rm --tmpfs /t --tmpfs /t "$IMAGE" true
	run_hutch 125 run --rm -v n:/t --tmpfs /t "$IMAGE" true
	[[ $stderr == "Error: /t: duplicate mount destination" ]]
}

@test "volume rm --force: a missing volume is no error; volume rm -t" {
	run_hutch 1 volume rm bogus
	[[ $stderr == 'Error: no volume with name "bogus" found: no such volume' ]]
	run_hutch volume rm --force bogus
	assert_output ""
	run_hutch volume create v
	run_hutch volume rm -t 0 -a -f
	assert_output v
}

@test "volume export and import" {
	run_hutch volume create src
	run_hutch run --rm -v src:/data "$IMAGE" sh -c 'echo hello >/data/test; chown 7:7 /data/test'
	run_hutch volume create dst
	run_hutch volume export src --output "$BATS_TEST_TMPDIR/v.tar"
	run bash -c "'$HUTCH' volume import dst - <'$BATS_TEST_TMPDIR/v.tar'"
	assert_success
	run_hutch run --rm -v dst:/data "$IMAGE" sh -c 'cat /data/test; stat -c %u /data/test'
	assert_output "hello
7"
	run_hutch 125 volume import nosuch "$BATS_TEST_TMPDIR/v.tar"
}

@test "-v SRC:DST:U chowns the source to the container's user at each start, when its top is not" {
	local dir=$BATS_TEST_TMPDIR/udir
	mkdir "$dir"
	touch "$dir/test1"
	run_hutch run --name user --user 1000:2000 -v "$dir:/data:U" "$IMAGE" stat -c %u:%g /data /data/test1
	assert_output "1000:2000
1000:2000"
	run_hutch unshare chown -R 100:200 "$dir"
	run_hutch start --attach user
	assert_output "1000:2000
1000:2000"
	# the top is the user's: what changed inside stays
	run_hutch unshare chown 100:200 "$dir/test1"
	run_hutch start --attach user
	assert_output "1000:2000
100:200"
	run_hutch unshare rm "$dir/test1"
}

@test "-v SRC:DST:U: links a container plants in the source never aim the chown outside it" {
	local dir=$BATS_TEST_TMPDIR/udir2 host=$BATS_TEST_TMPDIR/hostfile
	mkdir "$dir" "$BATS_TEST_TMPDIR/hostdir"
	touch "$host" "$BATS_TEST_TMPDIR/hostdir/f"
	run_hutch run --name plant --user 1000:2000 -v "$dir:/data:U" "$IMAGE" sh -c \
		"ln -sfn '$host' /data/link && ln -sfn '$BATS_TEST_TMPDIR/hostdir' /data/dirlink"
	# The next start chowns again (the top made someone else's): the links, not their targets.
	run_hutch unshare chown 100:200 "$dir"
	run_hutch start --attach plant
	assert_equal "$(stat -c %u "$host")" "$(id -u)"
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/hostdir/f")" "$(id -u)"
	assert_equal "$(stat -c %u "$BATS_TEST_TMPDIR/hostdir")" "$(id -u)"
	run_hutch unshare rm -rf "$dir"
}

@test "volume mount: rootless only in hutch unshare, where it prints the files' place" {
	run_hutch volume create mv
	run_hutch 125 volume mount mv
	[[ $stderr == 'Error: cannot run command "hutch volume mount" in rootless mode, must execute `hutch unshare` first' ]]
	run_hutch unshare "$HUTCH" volume mount mv
	assert_output "$XDG_DATA_HOME/hutch/volumes/mv/_data"
	run_hutch unshare "$HUTCH" volume unmount mv
	assert_output mv
}
