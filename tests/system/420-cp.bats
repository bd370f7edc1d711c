#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# hutch cp (issue #5): both directions as tar streams, modes kept, running and stopped
# containers, and no way out of the rootfs through a symlink or "..".

load container_helpers

@test "cp into and out of a running container keeps modes and content" {
	run_hutch run -d --name c1 "$IMAGE" sleep 300
	local src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/sub"
	echo hello >"$src/a.txt"
	echo tool >"$src/sub/run.sh"
	chmod 0751 "$src/sub/run.sh"
	chmod 0710 "$src/sub"
	run_hutch cp "$src" c1:/tmp/
	run_hutch exec c1 stat -c '%a %u:%g %n' /tmp/src/a.txt /tmp/src/sub /tmp/src/sub/run.sh
	assert_line --index 0 "644 0:0 /tmp/src/a.txt"
	assert_line --index 1 "710 0:0 /tmp/src/sub"
	assert_line --index 2 "751 0:0 /tmp/src/sub/run.sh"
	# A file to a new name; then out again, to a new name and into a directory.
	run_hutch cp "$src/a.txt" c1:/tmp/renamed
	run_hutch exec c1 cat /tmp/renamed
	assert_output hello
	run_hutch exec c1 sh -c 'mkdir -p /data && echo inside >/data/f && chmod 0600 /data/f && chown 1000:1000 /data/f'
	local out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	run_hutch cp c1:/data "$out/"
	run stat -c '%a %n' "$out/data/f"
	assert_output "600 $out/data/f"
	run cat "$out/data/f"
	assert_output inside
	run_hutch cp c1:/data/f "$out/copy"
	run cat "$out/copy"
	assert_output inside
	# Contents only with "/.".
	run_hutch cp c1:/data/. "$out/contents"
	[[ -f $out/contents/f ]]
	# A tar stream on stdout.
	run bash -c "'$HUTCH' cp c1:/data/f - | tar -tvf -"
	assert_output --partial "1000/1000"
	assert_output --partial " f"
}

@test "cp works on a created (never started) container, ownership within the mapping" {
	run_hutch create --name made "$IMAGE" cat /etc/copied
	echo from-host >"$BATS_TEST_TMPDIR/copied"
	run_hutch cp "$BATS_TEST_TMPDIR/copied" made:/etc/copied
	run_hutch start -a made
	assert_output from-host
	# Out of a stopped container: the image's files as they are in the rootfs.
	run_hutch cp made:/bin/busybox "$BATS_TEST_TMPDIR/bb"
	run stat -c '%a' "$BATS_TEST_TMPDIR/bb"
	assert_output 755
	# A stream in from stdin keeps the owner the archive names (mapped in the container).
	mkdir -p "$BATS_TEST_TMPDIR/t"
	echo x >"$BATS_TEST_TMPDIR/t/owned"
	tar -C "$BATS_TEST_TMPDIR/t" --owner=1000 --group=1000 -cf "$BATS_TEST_TMPDIR/t.tar" owned
	run bash -c "'$HUTCH' cp -a=false - made:/tmp <'$BATS_TEST_TMPDIR/t.tar'"
	[[ $status -eq 0 ]]
	run bash -c "'$HUTCH' cp made:/tmp/owned - | tar -tvf -"
	assert_output --partial "1000/1000"
}

@test "cp never leaves the rootfs: symlinks to /etc and .. resolve inside the container" {
	run_hutch run -d --name c2 "$IMAGE" sh -c 'echo container-passwd >/etc/passwd; ln -s /etc /leak; ln -s ../../../../../etc /rel; exec sleep 300'
	wait_for "$HUTCH" exec c2 test -L /rel
	local host_sum
	host_sum=$(md5sum /etc/passwd)
	run_hutch cp c2:/leak/passwd "$BATS_TEST_TMPDIR/p1"
	run cat "$BATS_TEST_TMPDIR/p1"
	assert_output container-passwd
	run_hutch cp c2:/rel/passwd "$BATS_TEST_TMPDIR/p2"
	run cat "$BATS_TEST_TMPDIR/p2"
	assert_output container-passwd
	run_hutch cp c2:/../../../../etc/passwd "$BATS_TEST_TMPDIR/p3"
	run cat "$BATS_TEST_TMPDIR/p3"
	assert_output container-passwd
	# Writing through the links lands in the container's /etc, never the host's.
	echo planted >"$BATS_TEST_TMPDIR/hutch-cp-planted"
	run_hutch cp "$BATS_TEST_TMPDIR/hutch-cp-planted" c2:/leak/
	run_hutch cp "$BATS_TEST_TMPDIR/hutch-cp-planted" c2:/rel/../../etc/
	[[ ! -e /etc/hutch-cp-planted ]]
	run_hutch exec c2 cat /etc/hutch-cp-planted
	assert_output planted
	[[ $(md5sum /etc/passwd) == "$host_sum" ]]
	# Archive entries that climb out or follow links out: 425-breakout.bats.
}

# The metadata of a copied file must never be changed by name: a running container can
# swap the name for a link to a host file, and hutch's copy resolves it in the host's mount
# namespace, where it is the user's own file (it made ~/secret 0644, 3 tries out of 3).
@test "cp into a running container: a link swapped in for the copy changes no host file" {
	local secret=$BATS_TEST_TMPDIR/secret big=$BATS_TEST_TMPDIR/big
	echo secret >"$secret"
	chmod 0600 "$secret"
	local before
	before=$(stat -c '%a %h %s %Y' "$secret")
	# A large file: writing it holds the window between create and chmod open.
	head -c 4000000 /dev/zero >"$big"
	chmod 0777 "$big"
	run_hutch run -d --name swap "$IMAGE" sh -c \
		"mkdir /dir; while :; do ln -sf '$secret' /dir/.l; mv -f /dir/.l /dir/big; done"
	wait_for "$HUTCH" exec swap test -L /dir/big
	local try # not i: bats's run sets that
	for ((try = 0; try < 20; try++)); do
		# Copied, or refused when the swap came first; never followed.
		run_hutch '?' cp "$big" swap:/dir/
		[[ $status -eq 0 || ($status -eq 125 && $stderr == "Error: "*) ]] || fail "cp: $status"
		[[ $(stat -c '%a %h %s %Y' "$secret") == "$before" ]] ||
			fail "copy $try changed $secret: $(stat -c '%a %h %s %Y' "$secret"), was $before"
	done
	run cat "$secret"
	assert_output secret
}

# A setuid file of the container's root is the user's own once copied out: kept setuid,
# it runs as the user for every local user who can execute it. No setuid or setgid bit
# lands on the host (GNU tar as a user drops them too); sticky is harmless and stays; into
# a container, and in a stream on stdout, every bit is kept.
@test "cp to the host drops setuid and setgid bits; into a container they stay" {
	push_image setid --layer '[
		{"name": "d", "type": "dir", "mode": "755"},
		{"name": "d/suid", "data": "x", "mode": "4755"},
		{"name": "d/sgid", "data": "x", "mode": "2755"},
		{"name": "d/both", "data": "x", "mode": "6755"},
		{"name": "d/usr1000", "data": "x", "mode": "4711", "uid": 1000, "gid": 1000},
		{"name": "d/sgdir", "type": "dir", "mode": "2775"},
		{"name": "d/sticky", "type": "dir", "mode": "1777"}]'
	run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/setid"
	run_hutch create --name setid "$HUTCH_REGISTRY/setid" /x
	local out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	run_hutch cp setid:/d "$out/"
	run stat -c '%a %n' "$out/d/suid" "$out/d/sgid" "$out/d/both" "$out/d/usr1000" \
		"$out/d/sgdir" "$out/d/sticky"
	assert_output "755 $out/d/suid
755 $out/d/sgid
755 $out/d/both
711 $out/d/usr1000
775 $out/d/sgdir
1777 $out/d/sticky"
	# One file to a new name, and the contents of a directory into an existing one.
	run_hutch cp setid:/d/both "$out/single"
	run stat -c '%a' "$out/single"
	assert_output 755
	mkdir -m 0755 "$out/into"
	run_hutch cp setid:/d/sgdir/. "$out/into"
	run stat -c '%a' "$out/into"
	assert_output 775
	# The tar stream on stdout is the container's file as it is.
	run bash -c "'$HUTCH' cp setid:/d/both - | tar -tvf -"
	assert_output --partial "-rwsr-sr-x"
	# Into a container: the user's setuid file stays setuid there.
	echo x >"$BATS_TEST_TMPDIR/mine"
	chmod 4755 "$BATS_TEST_TMPDIR/mine"
	run_hutch cp "$BATS_TEST_TMPDIR/mine" setid:/d/mine
	run bash -c "'$HUTCH' cp setid:/d/mine - | tar -tvf -"
	assert_output --partial "-rwsr-xr-x"
}

# Copying out of a running container, each entry is opened after it was listed: a file
# the container swaps for a FIFO meanwhile must not block the copy for ever (waiting for a
# writer that never comes); a file that keeps growing ends at the size in its header.
@test "cp out of a running container: a file swapped for a FIFO does not hang the copy" {
	build_swapper
	run_hutch run -d --name fifo -v "$BATS_TEST_TMPDIR/tools:/tools:ro" "$IMAGE" sh -c \
		'mkdir /d; echo x >/d/f; mkfifo /d/p; exec /tools/swapper /d/f /d/p'
	wait_for "$HUTCH" exec fifo test -p /d/p
	local try # not i: bats's run sets that
	for ((try = 0; try < 50; try++)); do
		run timeout 10 "$HUTCH" cp fifo:/d "$BATS_TEST_TMPDIR/out$try"
		[[ $status -ne 124 ]] || fail "copy $try hung"
		[[ $status -eq 0 || ($status -eq 125 && $output == "Error: "*) ]] ||
			fail "copy $try: status $status: $output"
	done
}

@test "cp of a missing path: clear error, exit 125" {
	run_hutch run -d --name c3 "$IMAGE" sleep 300
	run_hutch 125 cp c3:/no/such/file "$BATS_TEST_TMPDIR/x"
	assert_equal "$stderr" 'Error: "/no/such/file" could not be found on container c3: no such file or directory'
	run_hutch 125 cp "$BATS_TEST_TMPDIR/missing" c3:/tmp
	[[ $stderr == *'"'"$BATS_TEST_TMPDIR/missing"'" could not be found on the host'* ]]
	run_hutch 125 cp c3:/etc/passwd "$BATS_TEST_TMPDIR/no/dir/x"
	run_hutch 125 cp nosuch:/etc/passwd "$BATS_TEST_TMPDIR/x"
	[[ $stderr == *"no container with name or ID"* ]]
	run_hutch 125 cp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[[ $stderr == *"must name a container"* ]]
}

# podman's cp (065-cp.bats): paths relative to the working directory, links followed inside
# the container (one to nothing names the file to make), and podman's words for errors.
@test "cp: relative paths start at the working directory; links are followed inside" {
	run_hutch run -d --name w --workdir=/home "$IMAGE" sh -c \
		'mkdir -p /home/subdir /tmp/d1 /tmp/sub; echo in-srv >/home/f1; ln -s /tmp/nonesuch /tmp/d1/x; ln -s /tmp/nonesuch2 /tmp/d1/y
		 ln -s .. /tmp/sub/up; echo t0 >/tmp/t0; ln -s "file*" /home/copyme; exec sleep 300'
	wait_for "$HUTCH" exec w test -L /home/copyme
	echo host >"$BATS_TEST_TMPDIR/h"
	run_hutch cp "$BATS_TEST_TMPDIR/h" w:subdir
	run_hutch exec w cat /home/subdir/h
	assert_output host
	run_hutch cp "$BATS_TEST_TMPDIR/h" w:renamed
	run_hutch exec w cat /home/renamed
	assert_output host
	run_hutch cp w:f1 "$BATS_TEST_TMPDIR/"
	run cat "$BATS_TEST_TMPDIR/f1"
	assert_output in-srv
	# A link to nothing: the file it names is made (podman's "weird symlink expansion").
	run_hutch cp --pause=false "$BATS_TEST_TMPDIR/h" w:/tmp/d1/x
	run_hutch exec w cat /tmp/nonesuch
	assert_output host
	run_hutch 125 cp "$BATS_TEST_TMPDIR/h" w:/tmp/d1/y/
	assert_equal "$stderr" 'Error: "/tmp/d1/y/" could not be found on container w: no such file or directory'
	run_hutch 1 exec w test -e /tmp/nonesuch2
	# A linked directory as the source: its contents, under the name given.
	run_hutch cp w:/tmp/sub/up "$BATS_TEST_TMPDIR/dest"
	run cat "$BATS_TEST_TMPDIR/dest/t0"
	assert_output t0
	# Globs are no globs, and a link to a missing file is a missing file.
	run_hutch 125 cp 'w:/tmp/*' "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" 'Error: "/tmp/*" could not be found on container w: no such file or directory'
	run_hutch 125 cp w:copyme "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" 'Error: "copyme" could not be found on container w: no such file or directory'
	run_hutch 125 cp "$BATS_TEST_TMPDIR/nope" w:/tmp
	assert_equal "$stderr" "Error: \"$BATS_TEST_TMPDIR/nope\" could not be found on the host: no such file or directory"
	run_hutch 125 cp "$BATS_TEST_TMPDIR/h" w:/IdoNotExist/
	assert_equal "$stderr" 'Error: "/IdoNotExist/" could not be found on container w: no such file or directory'
	run_hutch 125 cp "$BATS_TEST_TMPDIR" w:/home/f1
	assert_equal "$stderr" 'Error: destination must be a directory when copying a directory'
	run bash -c "'$HUTCH' cp w:/home/f1 /dev/stdout | cat"
	assert_output 'Error: invalid destination: "/dev/stdout" must be a directory or a regular file'
}

@test "cp: --archive gives the container's user what is copied in; -a=false keeps the owners" {
	run_hutch run -d --name a --user 1000:1000 "$IMAGE" sleep 300
	mkdir -p "$BATS_TEST_TMPDIR/t"
	echo x >"$BATS_TEST_TMPDIR/t/owned"
	tar -C "$BATS_TEST_TMPDIR/t" --owner=1042 --group=1043 -cf "$BATS_TEST_TMPDIR/t.tar" owned
	run bash -c "'$HUTCH' cp - a:/tmp/ <'$BATS_TEST_TMPDIR/t.tar'"
	[[ $status -eq 0 ]]
	run_hutch exec a stat -c %u:%g /tmp/owned
	assert_output 1000:1000
	run bash -c "'$HUTCH' cp -a=false - a:/tmp/ <'$BATS_TEST_TMPDIR/t.tar'"
	[[ $status -eq 0 ]]
	run_hutch exec a stat -c %u:%g /tmp/owned
	assert_output 1042:1043
	run_hutch cp --archive=false "$BATS_TEST_TMPDIR/t/owned" a:/tmp/mine
	run_hutch exec a stat -c %u /tmp/mine
	assert_output 0
}

@test "cp - CTR:DIR: a (compressed) tar stream, parents it does not list made" {
	run_hutch run -d --name s "$IMAGE" sleep 300
	mkdir -p "$BATS_TEST_TMPDIR/deep/er"
	echo payload >"$BATS_TEST_TMPDIR/deep/er/f"
	# GNU tar without the parent directories' own entries: a/b/deep/er/f only.
	tar -C "$BATS_TEST_TMPDIR" -zcf "$BATS_TEST_TMPDIR/s.tgz" --transform 's,^,a/b/,' deep/er/f
	run bash -c "'$HUTCH' cp - s:/tmp <'$BATS_TEST_TMPDIR/s.tgz'"
	[[ $status -eq 0 ]] || fail "$output"
	run_hutch exec s cat /tmp/a/b/deep/er/f
	assert_output payload
	run bash -c "'$HUTCH' cp - s:/tmp <'$BATS_TEST_TMPDIR/deep/er/f'"
	assert_output 'Error: source must be a (compressed) tar archive when copying from stdin'
	run bash -c "'$HUTCH' cp - s:/tmp/a/b/deep/er/f <'$BATS_TEST_TMPDIR/s.tgz'"
	assert_output 'Error: destination must be a directory when copying from stdin'
	run bash -c "'$HUTCH' cp - s:/tmp/IdoNotExist <'$BATS_TEST_TMPDIR/s.tgz'"
	assert_output 'Error: destination must be a directory when copying from stdin'
}

@test "cp between containers, and --overwrite for a directory against a file" {
	run_hutch run -d --name cf "$IMAGE" sh -c 'echo file >/tmp/foo; exec sleep 300'
	run_hutch run -d --name cd "$IMAGE" sh -c 'mkdir /tmp/foo; echo dir >/tmp/foo/f; exec sleep 300'
	wait_for "$HUTCH" exec cd test -f /tmp/foo/f
	wait_for "$HUTCH" exec cf test -f /tmp/foo
	run_hutch create --name made "$IMAGE" cat /tmp/new/f
	# Running to created, a directory under a new name.
	run_hutch cp cd:/tmp/foo made:/tmp/new
	run_hutch start -a made
	assert_output dir
	# A file where a directory is, and the other way round: refused without --overwrite.
	run_hutch 125 cp cf:/tmp/foo cd:/tmp
	assert_equal "$stderr" 'Error: copying to container: error creating "/tmp/foo": open /tmp/foo: file exists'
	run_hutch 125 cp cd:/tmp/foo cf:/tmp
	assert_equal "$stderr" 'Error: copying to container: error creating "/tmp/foo": mkdir /tmp/foo: file exists'
	run_hutch 125 cp cd:/tmp/foo cf:/tmp/foo
	assert_equal "$stderr" 'Error: destination must be a directory when copying a directory'
	run_hutch 125 cp cd:/tmp/nonesuch cf:/tmp
	assert_equal "$stderr" 'Error: "/tmp/nonesuch" could not be found on container cd: no such file or directory'
	local h=$BATS_TEST_TMPDIR/h
	mkdir -p "$h/foo"
	run_hutch 125 cp cf:/tmp/foo "$h"
	assert_equal "$stderr" 'Error: copying to host: error creating "/foo": open /foo: file exists'
	run_hutch cp --overwrite cf:/tmp/foo "$h"
	run cat "$h/foo"
	assert_output file
	run_hutch cp --overwrite cd:/tmp/foo cf:/tmp
	run_hutch exec cf cat /tmp/foo/f
	assert_output dir
	# Within one container.
	run_hutch cp cf:/tmp/foo/f cf:/tmp/g
	run_hutch exec cf cat /tmp/g
	assert_output dir
}

@test "cp into a created container's volume and bind mount lands in their sources" {
	run_hutch volume create v1
	run_hutch volume create v2
	run_hutch volume inspect v1 --format '{{.Mountpoint}}'
	local v1=$output
	run_hutch volume inspect v2 --format '{{.Mountpoint}}'
	local v2=$output
	local bind=$BATS_TEST_TMPDIR/bind
	mkdir "$bind"
	run_hutch create --name vc -v v1:/tmp/volume -v v2:/tmp/volume/sub \
		-v "$bind:/tmp/volume/bind" "$IMAGE" true
	echo in-v2 >"$BATS_TEST_TMPDIR/f"
	run_hutch cp "$BATS_TEST_TMPDIR/f" vc:/tmp/volume/sub
	run cat "$v2/f"
	assert_output in-v2
	run_hutch cp "$BATS_TEST_TMPDIR/f" vc:/tmp/volume/bind/g
	run cat "$bind/g"
	assert_output in-v2
	run ls -A "$v1"
	assert_output ""
	run_hutch cp vc:/tmp/volume/sub/f "$BATS_TEST_TMPDIR/back"
	run cat "$BATS_TEST_TMPDIR/back"
	assert_output in-v2
}

# podman's tmpfs mounts start with what the image has there (tmpcopyup): a file copied into
# a created container's /tmp before it starts is in its tmpfs /tmp once it runs.
@test "cp into a created container's tmpfs mount point: the tmpfs starts with it" {
	run_hutch create --name tc --mount type=tmpfs,dst=/tmp "$IMAGE" sleep 300
	echo copied-up >"$BATS_TEST_TMPDIR/f"
	run_hutch cp "$BATS_TEST_TMPDIR/f" tc:/tmp
	run_hutch start tc
	run_hutch exec tc cat /tmp/f
	assert_output copied-up
	run_hutch exec tc sh -c 'grep " /tmp " /proc/mounts | cut -d" " -f3'
	assert_output tmpfs
	# And into the running container's tmpfs.
	run_hutch cp "$BATS_TEST_TMPDIR/f" tc:/tmp/g
	run_hutch exec tc cat /tmp/g
	assert_output copied-up
	# notmpcopyup: an empty tmpfs.
	run_hutch run --rm --tmpfs /etc:notmpcopyup "$IMAGE" ls -A /etc
	assert_output ""
}
