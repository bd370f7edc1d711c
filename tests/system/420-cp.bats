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
	run bash -c "'$HUTCH' cp - made:/tmp <'$BATS_TEST_TMPDIR/t.tar'"
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
	assert_equal "$stderr" 'Error: "/no/such/file" could not be found on container c3: No such file or directory'
	run_hutch 125 cp "$BATS_TEST_TMPDIR/missing" c3:/tmp
	[[ $stderr == *'"'"$BATS_TEST_TMPDIR/missing"'" could not be found on the host'* ]]
	run_hutch 125 cp c3:/etc/passwd "$BATS_TEST_TMPDIR/no/dir/x"
	run_hutch 125 cp nosuch:/etc/passwd "$BATS_TEST_TMPDIR/x"
	[[ $stderr == *"no container with name or ID"* ]]
	run_hutch 125 cp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[[ $stderr == *"must name a container"* ]]
}
