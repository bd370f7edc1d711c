#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Container escapes through the runtime (security issue #11, items 1 and 2), each with the
# hostile image the test builds itself:
# - a working directory of /proc/self/fd/N names a directory the runtime or hutch had open
#   (runc's CVE-2024-21626): no host path may be reachable, for run, run -d, run -w, exec
#   and exec -t, N = 0..20;
# - /proc/self/exe run inside the container, as the entrypoint or by exec, with the image's
#   own loader and an /etc/ld.so.preload (runc's CVE-2019-5736): the hutch binaries stay
#   unchanged, also for an install under the user's home;
# - a process in the container watching for the processes `hutch exec` brings in never
#   reads the host binary through /proc/PID/exe.

load container_helpers

# A file on the host that the container must never see: climbing from a working directory
# outside the container's root reaches it as ../../../..$MARKER.
setup_file() {
	export MARKER=$BATS_FILE_TMPDIR/marker
	echo "host-secret-$$" >"$MARKER"
}

# The command run in each container: where it is, and whether the host's marker shows.
PROBE='pwd -P; readlink /proc/self/cwd; cat ../../../../../../../../../..'

# assert_contained: the output of $PROBE (or the error) shows no host path.
assert_contained() {
	[[ $output != *"host-secret-"* ]] || fail "the host marker was read: $output"
	[[ $stderr != *"host-secret-"* ]] || fail "the host marker was read: $stderr"
	[[ $output != *"$XDG_RUNTIME_DIR"* && $output != *"$XDG_DATA_HOME"* ]] ||
		fail "a host path was the working directory: $output"
}

@test "escape: WorkingDir /proc/self/fd/N (image config, run, run -d, run -w) reaches no host path" {
	push_image wdfd --base --config '{"WorkingDir":"/proc/self/fd/3"}'
	local img=$HUTCH_REGISTRY/wdfd:latest n
	run_hutch pull -q --tls-verify=false "$img"
	# The image's own WorkingDir.
	run_hutch '?' run --rm "$img" sh -c "$PROBE$MARKER"
	assert_contained
	for ((n = 0; n <= 20; n++)); do
		run_hutch '?' run --rm -w "/proc/self/fd/$n" "$IMAGE" sh -c "$PROBE$MARKER"
		assert_contained
		run_hutch '?' run -d --name "d$n" -w "/proc/self/fd/$n" "$IMAGE" sh -c "$PROBE$MARKER"
		if [[ $status -eq 0 ]]; then
			run_hutch '?' wait "d$n"
			run_hutch logs "d$n"
			assert_contained
		fi
		run_hutch '?' rm -f "d$n"
	done
}

@test "escape: exec -w /proc/self/fd/N and exec -t -w reach no host path" {
	run_hutch run -d --name target "$IMAGE" sleep 300
	local n
	for ((n = 0; n <= 20; n++)); do
		run_hutch '?' exec -w "/proc/self/fd/$n" target sh -c "$PROBE$MARKER"
		assert_contained
		run bash -c "script -qec \"'$HUTCH' exec -t -w /proc/self/fd/$n target sh -c '$PROBE$MARKER'\" /dev/null </dev/null"
		echo "exec -t -w /proc/self/fd/$n: $output"
		stderr=''
		assert_contained
	done
}

@test "escape: a working directory through a symlink stays inside the root" {
	# A link in the image to a host-looking absolute path resolves inside the image.
	push_image wdlink --base --layer '[{"name":"srv","type":"dir"},{"name":"srv/app","type":"dir"},{"name":"app","type":"symlink","target":"../../../srv/app"}]' \
		--config '{"WorkingDir":"/app"}'
	run_hutch run --rm --tls-verify=false "$HUTCH_REGISTRY/wdlink:latest" pwd -P
	assert_output /srv/app
}

# An image whose entrypoint is /proc/self/exe: the image carries the host's dynamic loader
# and the libraries of the hutch binary, so that binary would start in the container, and
# an /etc/ld.so.preload whose library, once it finds itself in a binary that is not the
# image's own, keeps /proc/self/exe open, lets go of the mapping, and appends to the file.
build_exe_attack() {
	local stage=$BATS_TEST_TMPDIR/attack lib
	mkdir -p "$stage/etc" "$stage/pwn"
	cat >"$BATS_TEST_TMPDIR/pwn.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void attack(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	if (strstr(self, "busybox") != NULL)
		return;
	printf("ATTACK from inside %s\n", self);
	fflush(stdout);
	int fd = open("/proc/self/exe", O_PATH);
	if (fd < 0 || dup2(fd, 9) < 0)
		_exit(3);
	execl("/bin/sh", "sh", "-c",
	      "i=0; while [ $i -lt 100 ]; do "
	      "if printf PWNED >>/proc/self/fd/9 2>/dev/null; then echo WROTE; exit 0; fi; "
	      "i=$((i+1)); sleep 0.1; done; echo FAILED", (char *)NULL);
	_exit(4);
}
C
	gcc -shared -fPIC -o "$stage/pwn/pwn.so" "$BATS_TEST_TMPDIR/pwn.c"
	echo /pwn/pwn.so >"$stage/etc/ld.so.preload"
	# The loader and every library of hutch, at the paths the binary names.
	for lib in $(ldd "$HUTCH" | grep -o '/[^ ]*'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
	tar --owner=0 --group=0 --numeric-owner -C "$stage" -cf "$BATS_TEST_TMPDIR/attack.tar" .
	push_image exeattack --base --layer-tar "$BATS_TEST_TMPDIR/attack.tar" \
		--config '{"Entrypoint":["/proc/self/exe"],"Cmd":[]}'
}

# The hutch programs of an install, with their checksums.
sums() {
	sha256sum "$1"/hutch "$1"/hutch-runtime "$1"/hutch-monitor "$1"/hutch-init
}

@test "escape: /proc/self/exe as entrypoint and by exec leaves the hutch binaries unchanged" {
	build_exe_attack
	local attack=$HUTCH_REGISTRY/exeattack:latest home=$BATS_TEST_TMPDIR/home
	# An install under the user's home, which the user (and so the container's root) owns.
	make -s -C "$HUTCH_TOP" -o all install PREFIX="$home/.local" >/dev/null
	local top_before home_before
	top_before=$(sums "$HUTCH_TOP")
	home_before=$(sums "$home/.local/bin")
	local h
	for h in "$HUTCH" "$home/.local/bin/hutch"; do
		HUTCH=$h run_hutch pull -q --tls-verify=false "$attack"
		# Detached, and no hutch runs while it tries for 10 s: no process keeps the
		# binary busy (ETXTBSY), as none does once the user's commands are done.
		HUTCH=$h run_hutch '?' run -d --name pwnrun "$attack"
		sleep 3
		HUTCH=$h run_hutch '?' wait pwnrun
		HUTCH=$h run_hutch logs pwnrun
		refute_output --partial ATTACK
		refute_output --partial WROTE
		assert_equal "$(sums "$HUTCH_TOP")" "$top_before"
		assert_equal "$(sums "$home/.local/bin")" "$home_before"
		# exec: /proc/self/exe of the exec'd process.
		HUTCH=$h run_hutch run -d --name pwnexec --entrypoint sleep "$attack" 300
		HUTCH=$h run_hutch '?' exec -d pwnexec /proc/self/exe
		sleep 3
		HUTCH=$h run_hutch rm -f pwnrun pwnexec
		assert_equal "$(sums "$HUTCH_TOP")" "$top_before"
		assert_equal "$(sums "$home/.local/bin")" "$home_before"
	done
	# What /proc/self/exe names when hutch hands over: the trampoline, which does nothing
	# when run without its arguments (cannot invoke: 126).
	run_hutch 126 run --rm --entrypoint /proc/self/exe "$IMAGE"
	assert_output ""
}

@test "escape: the processes exec brings into a container never show the host binary" {
	# The watcher holds a copy of the hutch binary to compare with, and records any process
	# whose /proc/PID/exe reads as that binary.
	mkdir -p "$BATS_TEST_TMPDIR/ref" "$BATS_TEST_TMPDIR/out"
	cp "$HUTCH" "$BATS_TEST_TMPDIR/ref/hutch"
	run_hutch run -d --name watched -v "$BATS_TEST_TMPDIR/ref:/ref:ro" \
		-v "$BATS_TEST_TMPDIR/out:/out" "$IMAGE" sh -c '
		while :; do
			for p in /proc/[0-9]*; do
				cmp -s "$p/exe" /ref/hutch 2>/dev/null && echo "$p" >>/out/leak
			done
		done'
	local round
	# (bats' run changes a global i: the loop has a name of its own)
	for ((round = 0; round < 100; round++)); do
		run_hutch exec watched true
	done
	run_hutch rm -f watched
	[[ ! -s $BATS_TEST_TMPDIR/out/leak ]] || fail "the host binary was readable as $(cat "$BATS_TEST_TMPDIR/out/leak")"
}

@test "escape: --init runs a copy of hutch-init of the container's own, not the installed file" {
	# Bound read-only, the installed file would still be the container's pid 1: one that may
	# remount (--privileged) could make the bind writable and keep an fd to it.
	local host
	host=$(stat -c '%d:%i' "$HUTCH_TOP/hutch-init")
	run_hutch run --rm --init "$IMAGE" sh -c 'stat -L -c %d:%i /proc/1/exe; sha256sum </proc/1/exe'
	[[ ${lines[0]} != "$host" ]] || fail "pid 1 runs the installed hutch-init ($host)"
	assert_equal "${lines[1]%% *}" "$(sha256sum <"$HUTCH_TOP/hutch-init" | cut -d' ' -f1)"
}
