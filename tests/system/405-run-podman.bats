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

@test "run --rmi: the image goes with the container, unless another one uses it" {
	run_hutch run --name keepme "$IMAGE" true
	run_hutch run --rmi --rm "$IMAGE" true
	[[ $stderr == *"image is in use by a container"* ]]
	run_hutch image exists "$IMAGE"
	run_hutch rm keepme
	run_hutch run --rmi --rm "$IMAGE" true
	assert_equal "$stderr" ""
	run_hutch 1 image exists "$IMAGE"
	# create has no --rmi, as podman's
	run_hutch 125 create --rmi "$IMAGE" true
}

@test "run --preserve-fds N: fds 3 to 3+N-1 go in as they are, no other fd of hutch does" {
	echo "through fd 4" >"$BATS_TEST_TMPDIR/file"
	run bash -c '"$HUTCH" run --rm -i --preserve-fds=2 "$1" sh -c "cat <&4; ls /proc/self/fd" 3</dev/null 4<"$2"' \
		_ "$IMAGE" "$BATS_TEST_TMPDIR/file"
	assert_success
	# 0-2, the two passed, and ls's own directory fd (5): nothing else
	assert_equal "$(head -1 <<<"$output")" "through fd 4"
	assert_equal "$(tail -n +2 <<<"$output" | tr '\n' ' ')" "0 1 2 3 4 5 "
	run bash -c '"$HUTCH" run --rm "$1" ls /proc/self/fd 4<"$2"' _ "$IMAGE" "$BATS_TEST_TMPDIR/file"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "0 1 2 3 "
	# An fd the caller did not open is refused, never filled with one of hutch's own.
	run bash -c '"$HUTCH" run --rm --preserve-fds=2 "$1" true 3<&- 4<"$2"' _ "$IMAGE" "$BATS_TEST_TMPDIR/file"
	assert_equal "$status" 125
	[[ $output == *"--preserve-fds 2: fd 3 is not open"* ]]
}

@test "run --conmon-pidfile: the monitor's pid, as inspect's ConmonPid; --cidfile is never overwritten" {
	local pidfile=$BATS_TEST_TMPDIR/pidfile cidfile=$BATS_TEST_TMPDIR/cidfile
	run_hutch run -d --name cpid --conmon-pidfile="$pidfile" --cidfile="$cidfile" "$IMAGE" sleep 60
	local cid=$output
	assert_equal "$(<"$cidfile")" "$cid"
	run_hutch inspect --format '{{.State.ConmonPid}}' cpid
	assert_equal "$(<"$pidfile")" "$output"
	[[ $(readlink "/proc/$output/exe") == */hutch-monitor ]]
	run_hutch rm -f -t 0 cpid
	run_hutch 125 run --name never --cidfile="$cidfile" "$IMAGE" true
	[[ $stderr == *"container id file exists. Ensure another container is not using it or delete $cidfile"* ]]
	# and no container was made
	run_hutch 1 container exists never
}

@test "run --timeout: the container is killed after N seconds, exit code -1 (run: 255)" {
	local t0=$SECONDS
	run_hutch 255 run --name tmo --timeout 2 "$IMAGE" sleep 60
	local dt=$((SECONDS - t0))
	((dt >= 2 && dt <= 6)) || fail "took ${dt}s"
	run_hutch inspect --format '{{.State.Status}} {{.State.ExitCode}}' tmo
	assert_output "exited -1"
	# A container that ends in time keeps its own status.
	run_hutch 3 run --rm --timeout 30 "$IMAGE" sh -c 'exit 3'
}

@test "run --hostuser: the host user's passwd entry inside; an unknown one is 126" {
	local user uid
	user=$(id -un)
	uid=$(id -u)
	run_hutch 1 run --rm "$IMAGE" grep "^$user:" /etc/passwd
	run_hutch run --rm --hostuser="$user" "$IMAGE" grep "^$user:" /etc/passwd
	assert_output "$user:*:$uid:$(id -g)::/:/bin/sh"
	run_hutch run --rm --hostuser="$uid" --user "$uid" -w /tmp "$IMAGE" sh -c 'grep "^$0:" /etc/passwd; id -un' "$user"
	assert_output "$user:*:$uid:$(id -g)::/tmp:/bin/sh
$user"
	# The image's own root stays as it is.
	run_hutch run --rm --hostuser=0 "$IMAGE" grep -c ':0:0:' /etc/passwd
	assert_output 1
	run_hutch 126 run --rm --hostuser=bogus_user_x "$IMAGE" true
	[[ $stderr == *"user: unknown user bogus_user_x"* ]]
	run_hutch create --name hb --hostuser=bogus_user_x "$IMAGE" true
	run_hutch 125 start hb
}

@test "run --runtime PATH: a copy of hutch-runtime creates and starts it; inspect shows the path" {
	run_hutch info --format '{{.Host.OCIRuntime.Path}}'
	local rt=$output
	[[ -x $rt && $(basename "$rt") == hutch-runtime ]]
	cp --preserve "$rt" "$BATS_TEST_TMPDIR/myruntime"
	run_hutch run -d --name viart --runtime "$BATS_TEST_TMPDIR/myruntime" "$IMAGE" sleep 60
	run_hutch inspect --format '{{.OCIRuntime}} {{.State.Status}}' viart
	assert_output "$BATS_TEST_TMPDIR/myruntime running"
	run_hutch kill viart
	run_hutch wait viart
	assert_output 137
	run_hutch rm viart
	# The global flag, a terminal, and the runtime's own errors as podman's exit codes
	run_hutch --runtime "$BATS_TEST_TMPDIR/myruntime" run --rm -t "$IMAGE" sh -c 'test -t 0 && echo tty'
	assert_output --partial tty
	run_hutch 127 run --rm --runtime "$BATS_TEST_TMPDIR/myruntime" "$IMAGE" nosuchcmd
	run_hutch create --name plain "$IMAGE"
	run_hutch inspect --format '{{.OCIRuntime}}' plain
	assert_output hutch-runtime
	# Another runtime keeps a state hutch cannot read: refused at create.
	run_hutch 125 create --runtime /bin/true "$IMAGE"
	[[ $stderr == *"not hutch-runtime"* ]]
}

@test "--runtime-flag: passed to the runtime program; an unknown one fails the start, 126, named" {
	run_hutch 126 --runtime-flag invalidflag run --rm "$IMAGE"
	[[ $stderr == *"unknown flag: --invalidflag"* ]]
	run_hutch --runtime-flag debug run --rm "$IMAGE" echo hi
	assert_output hi
	# hutch-runtime itself: the flag named, on stderr, exit 1 (no help page)
	run "$HUTCH_TOP/hutch-runtime" --invalidflag list
	assert_equal "$status" 1
	assert_output --partial "unknown flag: --invalidflag"
}

@test "run --userns keep-id: the image's own files keep their owners (root stays 0:0), as podman" {
	local opts dir
	for opts in "--user=0" "--user=100" "--privileged --user=0" ""; do
		for dir in /etc /usr; do
			# shellcheck disable=SC2086
			run_hutch run --rm $opts --userns=keep-id "$IMAGE" stat -c '%u:%g:%n' "$dir"
			assert_output "0:0:$dir"
		done
	done
	# What the container writes is stored as the others' are: root's as root's.
	run_hutch run --name kw --user=0 --userns=keep-id "$IMAGE" sh -c 'echo x >/made-by-root'
	run_hutch start -a kw
	run_hutch export -o "$BATS_TEST_TMPDIR/kw.tar" kw
	run tar -tvf "$BATS_TEST_TMPDIR/kw.tar" made-by-root
	assert_output --regexp '^-rw-r--r-- (root/root|0/0) '
}

@test "run --cgroups: podman's four modes, inspect's Cgroups, a bad mode in podman's words" {
	# enabled, no-conmon and split are podman's "default" in inspect; disabled is "disabled".
	local m
	for m in enabled no-conmon split disabled; do
		run_hutch create --name "cg-$m" --cgroups="$m" "$IMAGE" true
		run_hutch inspect --format '{{.HostConfig.Cgroups}} {{.HostConfig.CgroupManager}}' "cg-$m"
		if [[ $m == disabled ]]; then
			assert_output "disabled cgroupfs"
		else
			assert_output "default cgroupfs"
		fi
	done
	run_hutch 125 create --cgroups=Enabled "$IMAGE" true
	assert_equal "$stderr" 'Error: running container create option: invalid cgroup mode "Enabled": invalid argument'
	# disabled: the container gets no cgroup of its own, it stays in ours (v2 line), and it
	# runs.
	local own
	own=$(grep '^0::' /proc/self/cgroup)
	run_hutch run --rm --cgroups=disabled "$IMAGE" cat /proc/self/cgroup
	assert_line "$own"
	run_hutch run --rm --cgroups=no-conmon "$IMAGE" true
}
