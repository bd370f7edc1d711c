#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# run, create and a container's inspect as podman's own system tests (030-run) see them:
# exit codes and words of what cannot start, the defaults of the environment, the image
# facts a container keeps, its log settings.

load container_helpers

@test "run: a directory as the command and a missing --workdir are 126, in podman's words" {
	run_hutch 126 run --rm "$IMAGE" /etc
	[[ $stderr == *'exec: "/etc": permission denied'* ]]
	# A --workdir that is not there is not made.
	run_hutch 126 run --rm --workdir /no/such/dir "$IMAGE" pwd
	[[ $stderr == *'workdir "/no/such/dir" does not exist on container'* ]]
	# One a volume brings is there.
	mkdir "$BATS_TEST_TMPDIR/vol"
	echo inside >"$BATS_TEST_TMPDIR/vol/content"
	run_hutch run --rm --workdir /NotOnTheImage -v "$BATS_TEST_TMPDIR/vol:/NotOnTheImage" "$IMAGE" cat content
	assert_output inside
}

@test "run: /run/.containerenv is there, empty; with --privileged it names the container" {
	run_hutch run --rm "$IMAGE" sh -c 'wc -c </run/.containerenv'
	assert_output 0
	run_hutch run --rm --privileged --name envy "$IMAGE" sh -c '. /run/.containerenv; echo "$engine $name $image $rootless"'
	assert_output --regexp "^hutch-[^ ]+ envy $IMAGE 1$"
}

@test "run: a busy host port is 126, as podman; the container stays, unless --rm" {
	local port
	port=$(free_port)
	run_hutch run -d --rm -p "$port:80" --name c_ok "$IMAGE" sleep 60
	run_hutch 126 run -d -p "$port:80" --name c_fail_no_rm "$IMAGE" true
	[[ $stderr == *"$port"*"already in use"* ]]
	run_hutch 126 run -d --rm -p "$port:80" --name c_fail_with_rm "$IMAGE" true
	run_hutch ps -a --format '{{.Names}}'
	assert_equal "$(sort <<<"$output")" "c_fail_no_rm
c_ok"
}

@test "run: HOME and TERM by default, as podman" {
	run_hutch run --rm "$IMAGE" sh -c 'echo "$TERM $HOME"'
	assert_output "xterm /root"
	# A uid the image does not know: the working directory, never an empty HOME.
	run_hutch run --rm --user 100 --workdir /tmp "$IMAGE" sh -c 'echo "$HOME"'
	assert_output "/tmp"
	run_hutch run --rm --user 100 "$IMAGE" sh -c 'echo "$HOME"'
	assert_output "/"
	run_hutch run --rm -e HOME=/mine --user 100 "$IMAGE" sh -c 'echo "$HOME"'
	assert_output "/mine"
}

@test "inspect: ImageName is the name the reference resolved to, ImageDigest the manifest's" {
	local short=localhost/some/thing
	run_hutch tag "$IMAGE" "$short"
	run_hutch create --name c1 "$short"
	run_hutch inspect --format '{{.ImageName}}' c1
	assert_output "$short:latest"
	run_hutch create --name c2 "$short:latest"
	run_hutch inspect --format '{{.ImageName}}' c2
	assert_output "$short:latest"
	# An image's ID, as podman's templates spell it, and its digest, which the container keeps.
	run_hutch inspect "$IMAGE" --format '{{.ID}} {{.Digest}}'
	local id=${output% *} digest=${output#* }
	[[ $digest == sha256:* ]]
	run_hutch create --name c3 "${id:0:12}"
	run_hutch container inspect c3 --format '{{.ImageName}} {{.Image}} {{.ImageDigest}}'
	assert_output "$IMAGE $id $digest"
}

@test "inspect: HostConfig.LogConfig has the log's Path and podman's Size" {
	run_hutch run --name k --log-opt max-size=3.053m "$IMAGE" echo hello
	run_hutch inspect --format '{{.HostConfig.LogConfig.Size}}' k
	assert_output "3.053MB"
	run_hutch inspect --format '{{.HostConfig.LogConfig.Path}}' k
	[[ -f $output ]]
	grep -q ' stdout F hello$' "$output"
	run_hutch run --name n --log-driver none "$IMAGE" true
	run_hutch inspect --format '{{.HostConfig.LogConfig.Path}}|{{.HostConfig.LogConfig.Size}}' n
	assert_output "|0B"
}

@test "run --attach: only the streams named; attached to neither output, the ID" {
	run --separate-stderr "$HUTCH" run --name a1 --attach stderr "$IMAGE" sh -c 'echo out; echo err >&2'
	assert_success
	assert_output ""
	assert_equal "$stderr" err
	# What is not attached still reaches the log.
	run_hutch logs a1
	assert_line out
	run_hutch run --name a2 --attach stdin "$IMAGE" echo hello
	local printed=$output
	run_hutch inspect --format '{{.Id}}' a2
	assert_equal "$printed" "$output"
	run_hutch 125 run --attach nosuch "$IMAGE" true
	[[ $stderr == *'invalid stream "nosuch" for --attach'* ]]
}

@test "inspect -l is the newest container" {
	run_hutch create --name here "$IMAGE" true
	run_hutch create --name newest "$IMAGE" true
	run_hutch inspect -l --format '{{.Name}}'
	assert_output newest
	run_hutch container inspect -l --format '{{.Name}}'
	assert_output newest
	run_hutch 125 inspect -l here
}

@test "run: a pull on the way says so on a pipe, as podman (Trying to pull ...); -q and a present image say nothing" {
	run_hutch rmi "$IMAGE"
	run_hutch run --rm --tls-verify=false "$IMAGE" true
	assert_equal "${stderr_lines[0]}" "Trying to pull $IMAGE..."
	assert_equal "${stderr_lines[1]}" "Getting image source signatures"
	[[ ${stderr_lines[2]} == "Copying blob sha256:"* ]]
	assert_equal "${stderr_lines[-1]}" "Storing signatures"
	run_hutch run --rm --pull=missing "$IMAGE" true
	assert_equal "$stderr" ""
	run_hutch rmi "$IMAGE"
	run_hutch run --rm -q --tls-verify=false "$IMAGE" true
	assert_equal "$stderr" ""
}

@test "run: podman's small flags: --noout, --kernel-memory, no-new-privileges:BOOL, -p with --network host" {
	run_hutch --noout run --name quiet "$IMAGE" echo hi
	assert_output ""
	run_hutch --noout rm quiet
	assert_output ""
	run_hutch 1 run --rm --kernel-memory 100 "$IMAGE" false
	[[ $stderr == *"The --kernel-memory flag is no longer supported. This flag is a noop."* ]]
	run_hutch run --rm --security-opt no-new-privileges:true "$IMAGE" grep NoNewPrivs /proc/self/status
	assert_output --regexp "NoNewPrivs:[[:space:]]+1"
	run_hutch run --rm --security-opt no-new-privileges=false "$IMAGE" grep NoNewPrivs /proc/self/status
	assert_output --regexp "NoNewPrivs:[[:space:]]+0"
	run_hutch 125 create --security-opt no-new-privileges:maybe "$IMAGE"
	# Ports mean nothing in the host's network: podman drops them, says so, and runs it.
	run_hutch run --rm -p 8080 --network host "$IMAGE" echo ran
	assert_output ran
	assert_equal "$stderr" "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use"
}

@test "run --tz: the zone's file as /etc/localtime, the last --tz wins; local is the host's" {
	[[ -f /usr/share/zoneinfo/MST7MDT ]] || skip_machine "tzdata is not installed"
	run_hutch run --rm -i --tz=US/Eastern --tz=MST7MDT "$IMAGE" sh -c 'cmp /etc/localtime /dev/stdin && echo same' </usr/share/zoneinfo/MST7MDT
	assert_output same
	run_hutch run --rm -i --tz=local "$IMAGE" sh -c 'cmp /etc/localtime /dev/stdin && echo same' <"$(readlink -f /etc/localtime)"
	assert_output same
	run_hutch 125 run --rm --tz=No/Such "$IMAGE" true
	[[ $stderr == *"--tz No/Such: no such time zone"* ]]
}

@test "run --userns keep-id: HOME is the user's own home when a volume brings it, else the workdir" {
	local home
	home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[[ -n $home && $home != / ]] || skip_machine "the test user has no home directory"
	mkdir "$BATS_TEST_TMPDIR/h"
	run_hutch run --rm --userns=keep-id -v "$BATS_TEST_TMPDIR/h:$home" "$IMAGE" sh -c 'echo $HOME'
	assert_output "$home"
	run_hutch run --rm --userns=keep-id --workdir /tmp "$IMAGE" sh -c 'echo $HOME'
	assert_output /tmp
}

@test "run --unsetenv KEY, --unsetenv-all: defaults and image entries go, -e stays" {
	run_hutch run --rm --unsetenv TERM "$IMAGE" sh -c 'echo "${TERM-unset} $PATH"'
	assert_output "unset /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	# (The environment pid 1 was given: sh would make up a PATH of its own.)
	run_hutch run --rm --unsetenv-all -e TERM=abc "$IMAGE" /bin/sh -c 'od -c /proc/1/environ; true'
	assert_output --partial 'T   E   R   M   =   a   b   c  \0'
	refute_output --partial 'P   A   T   H'
	refute_output --partial 'c   o   n   t   a   i   n   e   r'
}

@test "run: / has the mode of the image's root entry (555), as podman" {
	# An image whose layer lists its root as 0555, like those built from a filesystem package.
	run_hutch create --name src "$IMAGE" true
	run_hutch export -o "$BATS_TEST_TMPDIR/rootfs.tar" src
	python3 - "$BATS_TEST_TMPDIR/rootfs.tar" "$BATS_TEST_TMPDIR/r555.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as src, tarfile.open(sys.argv[2], "w") as out:
    root = tarfile.TarInfo("./")
    root.type, root.mode = tarfile.DIRTYPE, 0o555
    out.addfile(root)
    for m in src.getmembers():
        if m.name.strip("./") == "":
            continue
        out.addfile(m, src.extractfile(m) if m.isfile() else None)
PY
	run_hutch import -q "$BATS_TEST_TMPDIR/r555.tar" r555
	run_hutch run --rm r555 stat -c %a / /etc
	assert_output "555
755"
	# Without a root entry, / stays 755.
	run_hutch run --rm "$IMAGE" stat -c %a /
	assert_output 755
	# The layer's diff dir is 555 too: hutch removes it, where a plain rm -rf cannot.
	run_hutch rm src
	run_hutch rmi r555
}
