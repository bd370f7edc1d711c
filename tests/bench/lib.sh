# shellcheck shell=bash disable=SC2154,SC2034  # top comes from, and the globals go to, the caller
# SPDX-License-Identifier: Apache-2.0
#
# Shared by the bench scripts (sourced; the caller sets top to the source tree).

# bench_as_user SCRIPT ARGS...: when run as root, copy the built binaries and tests/ to a
# stage the unprivileged $HUTCH_TEST_USER owns, run tests/bench/SCRIPT ARGS there as that
# user with a clean environment and a tmpfs runtime dir, remove both and exit with the
# script's status.
# As any other user it returns and the caller goes on.
bench_as_user() {
	[[ $(id -u) == 0 ]] || return 0
	local script=$1 user=${HUTCH_TEST_USER:-hutchtest} uid stage f rt rc=0
	shift
	uid=$(id -u "$user")
	stage=$(mktemp -d /var/tmp/hutch-bench.XXXXXX)
	for f in hutch hutch-monitor hutch-init hutch-runtime; do
		if [[ -e $top/$f ]]; then cp -a "$top/$f" "$stage/"; fi
	done
	cp -a "$top/tests" "$stage/"
	chown -R "$user:" "$stage"
	# A runtime dir of its own on tmpfs, as systemd-logind gives every user at /run/user/UID
	# (this machine has none there): runtime state on a disk filesystem is not what users
	# run with, and ext4's inode allocator makes the figures drift with the disk's history.
	rt=$(mktemp -d /run/hutch-bench-rt.XXXXXX)
	mount -t tmpfs -o "mode=0700,uid=$uid,gid=$(id -g "$user"),size=256m" tmpfs "$rt"
	# TMPDIR, when set, places the work dir and its store (on a filesystem of one's choice).
	runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="$(getent passwd "$user" | cut -d: -f6)" XDG_RUNTIME_DIR="$rt" \
		${TMPDIR:+TMPDIR="$TMPDIR"} bash "$stage/tests/bench/$script" "$@" || rc=$?
	runuser -u "$user" -- "$stage/hutch" unshare rm -rf "$stage" 2>/dev/null || rm -rf "$stage"
	umount "$rt" && rmdir "$rt"
	exit "$rc"
}

# bench_require SCRIPT TOOLS...: exit with one line naming the first tool that is missing.
bench_require() {
	local script=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || {
			echo "$script: $tool is missing (make deps)" >&2
			exit 1
		}
	done
}

# bench_store: a work dir with a store of its own, a loopback registry filled with the
# fixture images, and their base image pulled by hutch and by podman (private --root and
# --runroot). Sets hutch, work, podman (an array) and image; all of it goes at exit.
bench_store() {
	hutch=$top/hutch
	work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-bench.XXXXXX")
	# The user's runtime dir (tmpfs, from logind or bench_as_user), else one in the work dir.
	export XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/run}
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"
	podman=(podman --root "$work/proot" --runroot "$work/prun" --cgroup-manager=cgroupfs
		--runtime runc --events-backend=none)
	trap bench_store_remove EXIT
	"$top/tests/fixtures/mkimages.py" "$work/fixtures" >/dev/null
	local registry
	registry=$("$top/tests/fixtures/registry.sh" start "$work/registry")
	"$top/tests/fixtures/registry.sh" push "$work/registry" "$work/fixtures" >/dev/null
	image=$registry/base:latest
	"$hutch" pull -q --tls-verify=false "$image" >/dev/null
	"${podman[@]}" pull -q --tls-verify=false "$image" >/dev/null
}

# bench_commands: the fixture image's busybox layer unpacked at $work/rootfs, and the two
# commands run.sh and rounds.sh compare: hutch_cmd (hutch run --rm with no network) and
# bwrap_cmd (bwrap with the namespaces hutch gives such a container: user, mount, pid, ipc,
# uts, net; and the same kind of mounts). Needs bench_store first.
bench_commands() {
	local manifest layer
	manifest=$(jq -er '.manifests[0].digest' "$work/fixtures/base/index.json")
	layer=$(jq -er '.layers[0].digest' "$work/fixtures/base/blobs/sha256/${manifest#sha256:}")
	mkdir -p "$work/rootfs"
	tar -xzf "$work/fixtures/base/blobs/sha256/${layer#sha256:}" -C "$work/rootfs" \
		--no-same-owner 2>/dev/null || true
	hutch_cmd="$hutch run --rm --network none $image true"
	bwrap_cmd="bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-net \
--uid 0 --gid 0 --bind $work/rootfs / --proc /proc --dev /dev --tmpfs /dev/shm \
--mqueue /dev/mqueue --ro-bind /sys /sys --hostname hutch /bin/true"
}

bench_store_remove() {
	"$hutch" rm -a -f >/dev/null 2>&1 || true
	"${podman[@]}" rm -a -f >/dev/null 2>&1 || true
	# podman's rootless pause process would outlive the run.
	if [[ -f $XDG_RUNTIME_DIR/libpod/tmp/pause.pid ]]; then
		kill "$(cat "$XDG_RUNTIME_DIR/libpod/tmp/pause.pid")" 2>/dev/null || true
	fi
	"$top/tests/fixtures/registry.sh" stop "$work/registry" >/dev/null 2>&1 || true
	"$hutch" unshare rm -rf "$work" 2>/dev/null || rm -rf "$work"
}
