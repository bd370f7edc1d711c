#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# commit (issue 17): the container's upper dir as a new layer (whiteouts, opaque dirs, owners,
# hard links, nothing followed), its settings and --change in the image config, podman's
# history entry, output and errors.

load container_helpers
load storage_helpers

# new_layer IMAGE: the layer dir of IMAGE's top layer (its diff ID in layer.json).
new_layer() {
	local diff
	diff=$("$HUTCH" image inspect --format '{{json .RootFS.Layers}}' "$1" | jq -r '.[-1]')
	dirname "$(grep -l "\"diff_id\":\"$diff\"" "$(store)"/layers/*/layer.json)"
}

# The changes every driver must turn into the same layer.
CHANGES='mkdir -p /new && echo hi >/new/f && ln /new/f /new/hl && touch /new/owned &&
chown 1000:1000 /new/owned && rm /etc/group && rm -rf /usr && mkdir -p /usr/bin &&
echo only >/usr/bin/only && ln -s /etc/passwd /new/link'

check_layer() {
	local img=$1 layer
	layer=$(new_layer "$img")
	[[ -f $layer/blob ]] || fail "no blob kept beside the layer $layer"
	# The blob is gzip; its digest is the manifest's, the tar's the diff ID.
	jq -e --arg d "sha256:$(sha256sum <"$layer/blob" | cut -d' ' -f1)" \
		'.compressed_digest == $d' "$layer/layer.json" >/dev/null || fail "blob digest"
	jq -e --arg d "sha256:$(zcat "$layer/blob" | sha256sum | cut -d' ' -f1)" \
		'.diff_id == $d' "$layer/layer.json" >/dev/null || fail "diff ID"
	run tar -tzvf "$layer/blob" --numeric-owner
	assert_success
	assert_line --regexp '^-rw-r--r-- 0/0 +0 .* etc/\.wh\.group$'
	assert_line --regexp '^-rw-r--r-- 0/0 +0 .* usr/\.wh\.\.wh\.\.opq$'
	assert_line --regexp '^-rw-r--r-- 0/0 +3 .* new/f$'
	assert_line --regexp '^h.* new/hl link to new/f$'
	assert_line --regexp '^-rw-r--r-- 1000/1000 +0 .* new/owned$'
	assert_line --regexp '^l.* new/link -> /etc/passwd$'
	assert_line --regexp ' usr/bin/only$'
	refute_line --regexp 'usr/sbin'
	# The image runs with the changes, the base's files below them.
	run_hutch run --rm "$img" sh -c 'cat /new/f /usr/bin/only; ls /usr; test -e /etc/group || echo nogroup; ls -n /new/owned | cut -c1-30; head -1 /etc/passwd'
	assert_output --regexp "^hi
only
bin
nogroup
-rw-r--r-- +[0-9]+ 1000 +1000 *
root:x:0:0:root:/root:/bin/sh$"
}

@test "commit: the upper dir becomes a layer: whiteout, opaque dir, owners, hard link, link kept" {
	run_hutch run --name c1 "$IMAGE" sh -c "$CHANGES"
	run_hutch commit -q c1 mine
	assert_output --regexp '^[0-9a-f]{64}$'
	id=$output
	run_hutch images --format '{{.Repository}}:{{.Tag}} {{.ID}}' --no-trunc mine
	assert_output "localhost/mine:latest sha256:$id"
	check_layer localhost/mine
	run_hutch image inspect --format '{{len .RootFS.Layers}}' mine
	assert_output 2
}

@test "commit: fuse-overlayfs's upper dir gives the same layer" {
	command -v fuse-overlayfs >/dev/null || skip_machine "no fuse-overlayfs"
	[[ -r /dev/fuse && -w /dev/fuse ]] || skip_machine "/dev/fuse is not usable"
	run_hutch --storage-driver fuse-overlayfs run --name f1 "$IMAGE" sh -c "$CHANGES"
	run_hutch --storage-driver fuse-overlayfs commit -q f1 fmine
	check_layer localhost/fmine
	# --squash mounts the rootfs: with fuse-overlayfs too, and it is unmounted after.
	run_hutch --storage-driver fuse-overlayfs commit -q --squash f1 fsquashed
	run_hutch image inspect --format '{{len .RootFS.Layers}}' fsquashed
	assert_output 1
	run_hutch run --rm fsquashed cat /new/f
	assert_output hi
	run grep -c fuse-overlayfs /proc/self/mountinfo
	[[ $output == 0 ]] || fail "a fuse-overlayfs mount was left behind"
}

@test "commit --squash: one layer of the whole rootfs, the image's own history entry alone" {
	run_hutch run --name q1 "$IMAGE" sh -c "$CHANGES"
	run_hutch commit -q --squash q1 squashed
	run_hutch image inspect squashed
	[[ $(jq '.[0].RootFS.Layers | length' <<<"$output") == 1 ]] || fail "RootFS: $output"
	[[ $(jq -c '[.[0].History[].created_by]' <<<"$output") == '["/bin/sh"]' ]] ||
		fail "History: $output"
	run tar -tzvf "$(new_layer localhost/squashed)/blob" --numeric-owner
	assert_success
	assert_line --regexp ' bin/busybox$'
	assert_line --regexp '^-rw-r--r-- 1000/1000 +0 .* new/owned$'
	refute_line --regexp '\.wh\.'
	refute_line --regexp 'etc/group$'
	refute_line --regexp 'usr/sbin'
	run_hutch run --rm squashed sh -c 'cat /new/f /usr/bin/only; test -e /etc/group || echo nogroup'
	assert_output "hi
only
nogroup"
	run_hutch run -d --name q2 "$IMAGE" sleep 300
	run_hutch 125 commit --squash q2 nosquash
	assert_equal "$stderr" "Error: container q2 is running: hutch squashes created and exited containers only"
}

@test "commit: the container's settings, --change, history, author and message as podman's" {
	run_hutch create --name s1 -e FOO=bar -w /tmp -u 1000 -l ctr=label -p 8080 \
		--entrypoint '["/bin/echo","ep"]' "$IMAGE" arg1
	run_hutch commit -q s1 settings
	run_hutch image inspect settings
	cfg=$(jq -c '.[0].Config' <<<"$output")
	[[ $(jq -c .Entrypoint <<<"$cfg") == '["/bin/echo","ep"]' ]] || fail "Entrypoint: $cfg"
	[[ $(jq -c .Cmd <<<"$cfg") == '["arg1"]' ]] || fail "Cmd: $cfg"
	[[ $(jq -r .WorkingDir <<<"$cfg") == /tmp ]] || fail "WorkingDir: $cfg"
	[[ $(jq -r .User <<<"$cfg") == 1000 ]] || fail "User: $cfg"
	[[ $(jq -r .Labels.ctr <<<"$cfg") == label ]] || fail "Labels: $cfg"
	[[ $(jq -c .ExposedPorts <<<"$cfg") == '{"8080/tcp":{}}' ]] || fail "ExposedPorts: $cfg"
	jq -e '.Env | index("FOO=bar")' <<<"$cfg" >/dev/null || fail "Env: $cfg"
	# The HOSTNAME and HOME the engine gives the process are not the image's.
	jq -e '.Env | map(select(startswith("HOSTNAME=") or startswith("HOME="))) == []' \
		<<<"$cfg" >/dev/null || fail "Env: $cfg"
	run_hutch run --rm settings
	assert_output "ep arg1"
	run_hutch image inspect settings
	[[ $(jq -r '.[0].History[-1] | "\(.created_by)|\(.comment)"' <<<"$output") == "/bin/sh|FROM $IMAGE" ]] ||
		fail "History: $output"
	run_hutch history --format '{{.CreatedBy}}|{{.Comment}}' settings
	assert_line --index 0 "/bin/sh|FROM $IMAGE"

	run_hutch commit -q -f docker -a "Jane Doe" -m "the message" \
		-c 'CMD ["/bin/head", "-1", "/etc/group"]' -c 'ENTRYPOINT []' -c 'ENV A b' -c LABEL=x=y \
		-c 'EXPOSE 9090 53/udp' -c 'VOLUME ["/data"]' -c 'STOPSIGNAL SIGUSR1' -c 'USER 0' \
		-c 'WORKDIR /' -c 'ONBUILD RUN true' s1 changed
	run_hutch image inspect changed
	doc=$(jq -c '.[0]' <<<"$output")
	[[ $(jq -r .Author <<<"$doc") == "Jane Doe" ]] || fail "Author: $doc"
	[[ $(jq -r .Comment <<<"$doc") == "the message" ]] || fail "Comment: $doc"
	[[ $(jq -r .ManifestType <<<"$doc") == application/vnd.docker.distribution.manifest.v2+json ]] ||
		fail "ManifestType: $doc"
	[[ $(jq -r '.History[-1].author' <<<"$doc") == "Jane Doe" ]] || fail "History: $doc"
	cfg=$(jq -c .Config <<<"$doc")
	[[ $(jq -c '.ExposedPorts | keys' <<<"$cfg") == '["53/udp","8080/tcp","9090/tcp"]' ]] ||
		fail "ExposedPorts: $cfg"
	[[ $(jq -c .Volumes <<<"$cfg") == '{"/data":{}}' ]] || fail "Volumes: $cfg"
	[[ $(jq -r .StopSignal <<<"$cfg") == SIGUSR1 ]] || fail "StopSignal: $cfg"
	[[ $(jq -r .Labels.x <<<"$cfg") == y ]] || fail "Labels: $cfg"
	[[ $(jq -c .OnBuild <<<"$cfg") == '["RUN true"]' ]] || fail "OnBuild: $cfg"
	jq -e '.Env | index("A=b")' <<<"$cfg" >/dev/null || fail "Env: $cfg"
	run_hutch run --rm changed
	assert_output root:x:0:

	# The OCI format (the default) has no message and no ONBUILD, as podman says.
	run_hutch 125 commit -m msg s1 nomsg
	assert_equal "$stderr" "Error: messages are only compatible with the docker image format (-f docker)"
	run_hutch commit -q -c 'ONBUILD RUN true' s1 noonbuild
	[[ $stderr == *"ONBUILD is not supported for OCI image format, RUN true will be ignored. Must use \`docker\` format"* ]] ||
		fail "no ONBUILD warning: $stderr"
	run_hutch image inspect noonbuild
	[[ $(jq -c '.[0].Config.OnBuild' <<<"$output") == null ]] || fail "OnBuild: $output"
}

@test "commit: output, --iidfile, names and errors" {
	run_hutch run --name o1 "$IMAGE" true
	# Without -q: podman's copy lines on stderr (one blob a layer), the ID alone on stdout.
	run_hutch commit o1 out1
	assert_output --regexp '^[0-9a-f]{64}$'
	id=$output
	[[ ${stderr_lines[0]} == "Getting image source signatures" ]] || fail "$stderr"
	[[ $(grep -c '^Copying blob sha256:[0-9a-f]\{64\}$' <<<"$stderr") == 2 ]] || fail "$stderr"
	[[ ${stderr_lines[3]} == "Copying config sha256:$id" ]] || fail "$stderr"
	[[ ${stderr_lines[4]} == "Writing manifest to image destination" ]] || fail "$stderr"
	[[ ${stderr_lines[5]} == "Storing signatures" ]] || fail "$stderr"
	run_hutch commit -q --iidfile "$BATS_TEST_TMPDIR/iid" o1 example.org/ns/out2:v1
	[[ $(cat "$BATS_TEST_TMPDIR/iid") == "$output" ]] || fail "iidfile"
	run_hutch images --format '{{.Repository}}:{{.Tag}}' example.org/ns/out2:v1
	assert_output example.org/ns/out2:v1
	# No name: a dangling image; `container commit` is the same command.
	run_hutch container commit -q o1
	id=$output
	run_hutch images --filter dangling=true -q --no-trunc
	assert_output "sha256:$id"

	run_hutch 125 commit nosuch img
	assert_equal "$stderr" 'Error: no container with name or ID "nosuch" found: no such container'
	run_hutch 125 commit o1 ./BAD
	[[ $stderr == 'Error: invalid reference format'* ]] || fail "$stderr"
	run_hutch 125 commit -f xyz o1 img
	assert_equal "$stderr" 'Error: unrecognized image format "xyz"'
	run_hutch 125 commit -c 'HEALTHCHECK CMD true' o1 img
	assert_equal "$stderr" 'Error: invalid change "HEALTHCHECK CMD true" - invalid instruction HEALTHCHECK'
}

@test "commit: a running container, --pause; what it wrote is in the image, it keeps running" {
	run_hutch run -d --name r1 "$IMAGE" sh -c 'echo running >/state; sleep 300'
	wait_for "$HUTCH" exec r1 test -f /state
	run_hutch commit -q --pause r1 live
	run_hutch run --rm live cat /state
	assert_output running
	run_hutch inspect --format '{{.State.Status}}' r1
	assert_output running
}

@test "commit: a hostile upper dir: links are stored, not followed; a FIFO does not hang it" {
	echo secret >"$BATS_TEST_TMPDIR/host-secret"
	chmod 600 "$BATS_TEST_TMPDIR/host-secret"
	run_hutch run --name h1 "$IMAGE" sh -c "ln -s $BATS_TEST_TMPDIR/host-secret /leak &&
		mkdir /d && ln -s $BATS_TEST_TMPDIR /d/dirleak && mkfifo /fifo"
	run timeout 60 "$HUTCH" commit -q h1 hostile
	assert_success
	run tar -tzvf "$(new_layer localhost/hostile)/blob"
	assert_success
	assert_line --regexp "^l.* leak -> $BATS_TEST_TMPDIR/host-secret$"
	assert_line --regexp "^l.* d/dirleak -> $BATS_TEST_TMPDIR$"
	assert_line --regexp '^p.* fifo$'
	# Nothing of the host came along: no entry has data but the container's own.
	run bash -c 'zcat "$1" | tar -xO 2>/dev/null' _ "$(new_layer localhost/hostile)/blob"
	refute_output --partial secret
}

@test "images {{.History}}: the names an image has had, current ones first (podman's)" {
	run_hutch run --name n1 "$IMAGE" true
	run_hutch commit -q n1 named
	run_hutch images named --format '{{.History}}'
	assert_output localhost/named:latest
	run_hutch tag named other1
	run_hutch rmi other1
	run_hutch tag named other2
	run_hutch rmi other2
	run_hutch images named --format '{{.History}}'
	assert_output "localhost/named:latest, localhost/other2:latest, localhost/other1:latest"
	run_hutch images --format json named
	[[ $(jq -c '.[0].History' <<<"$output") == '["localhost/named:latest","localhost/other2:latest","localhost/other1:latest"]' ]] ||
		fail "History: $output"
}

@test "run and create docker-archive:PATH load the archive first, with podman's copy lines" {
	run_hutch run --name a1 --entrypoint '["/bin/echo","from-archive"]' "$IMAGE"
	run_hutch commit -q a1 archived
	run_hutch save -q -o "$BATS_TEST_TMPDIR/a.tar" archived
	run_hutch rmi archived
	run_hutch rm a1
	run_hutch run "docker-archive:$BATS_TEST_TMPDIR/a.tar"
	assert_output from-archive
	[[ ${stderr_lines[0]} == "Getting image source signatures" ]] || fail "$stderr"
	[[ $(grep -c '^Copying blob sha256:' <<<"$stderr") == 2 ]] || fail "$stderr"
	[[ $stderr == *"Copying config sha256:"*"Writing manifest to image destination"* ]] ||
		fail "$stderr"
	run_hutch images --format '{{.Repository}}' archived
	assert_output localhost/archived
	run_hutch rm -a
	run_hutch rmi archived
	run_hutch create -q "docker-archive:$BATS_TEST_TMPDIR/a.tar"
	run_hutch start --attach "$output"
	assert_output from-archive
	run_hutch 125 run "docker-archive:$BATS_TEST_TMPDIR/nosuch.tar"
}

@test "commit of a --userns=keep-id container: owners are the container's ids, not the store's" {
	grep -q "^$(id -un):" /etc/subuid || skip_machine "keep-id needs subordinate ids"
	local me
	me=$(id -u):$(id -g)
	run_hutch run --name k1 --userns=keep-id --user 0 "$IMAGE" sh -c \
		"touch /r /u /n && chown $me /u && chown 5:6 /n"
	run_hutch commit -q k1 keepid
	run tar -tzvf "$(new_layer localhost/keepid)/blob" --numeric-owner
	assert_success
	assert_line --regexp '^-rw-r--r-- 0/0 .* r$'
	assert_line --regexp "^-rw-r--r-- ${me/:/\\/} .* u$"
	assert_line --regexp '^-rw-r--r-- 5/6 .* n$'
	# The image's /etc, copied up for keep-id's passwd entry, stays root's: the store's 0
	# is the image's root there, not the keep-id user.
	assert_line --regexp '^d.* 0/0 .* etc/$'
	assert_line --regexp '^-.* 0/0 .* etc/passwd$'
	run_hutch run --rm keepid stat -c '%n %u:%g' /r /u /n
	assert_output "/r 0:0
/u $me
/n 5:6"
}
