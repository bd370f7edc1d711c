#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test runner behind `make check`: unit tests (ASan+UBSan builds) and the bats system
# suite, counted from their TAP into one closing line "N passed, N failed, N skipped".
# As root it first creates the unprivileged test users (idempotent), makes /dev/fuse and
# /dev/net/tun usable as on a normal distro, and runs the rootless suite as those users.
#   tests/check.sh all|unit|system|valgrind|root [FILE.bats...]
# With files, `system` runs only those (as the test user) and `root` only those (as root).
# As root, `all` and `system` also run tests/system/root/ as root: what the runtime does
# for a root caller (devices, cgroup v1) cannot be tested rootless.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}
shift || true
files=("$@")
TEST_USER=${HUTCH_TEST_USER:-hutchtest}
NOSUBID_USER=${HUTCH_NOSUBID_USER:-hutchnoid}
passed=0 failed=0 skipped=0
# shellcheck source=tests/testusers.sh
. "$top/tests/testusers.sh"

# Count one TAP stream (a file) into the totals and echo it. In CI a skip counts as a
# failure unless its reason names a machine limit ("# skip machine: ...").
count_tap() {
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"not ok"*) failed=$((failed + 1)) ;;
		"ok"*"# skip"* | "ok"*"# SKIP"*)
			if [[ -n ${CI:-} && $line != *"# skip machine:"* && $line != *"# SKIP machine:"* ]]; then
				echo "# (CI: a skip that names no machine limit counts as a failure)"
				failed=$((failed + 1))
			else
				skipped=$((skipped + 1))
			fi
			;;
		"ok"*) passed=$((passed + 1)) ;;
		esac
	done <"$1"
}

run_unit() {
	local t out rc
	out=$(mktemp)
	for t in "$top"/build/asan/tests/test_*; do
		[[ -x $t ]] || continue
		echo "# unit: $(basename "$t")"
		(cd "$top" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
			UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$t") >"$out" 2>&1
		rc=$?
		count_tap "$out"
		if ((rc != 0)) && ! grep -q '^not ok' "$out"; then
			echo "not ok - $(basename "$t") exited with status $rc (crash or sanitizer report)"
			failed=$((failed + 1))
		fi
	done
	rm -f "$out"
}

run_valgrind() {
	local t out rc
	out=$(mktemp)
	for t in "$top"/build/obj/tests/test_*; do
		[[ -x $t ]] || continue
		echo "# valgrind: $(basename "$t")"
		(cd "$top" && valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--error-exitcode=99 "$t") >"$out" 2>&1
		rc=$?
		count_tap "$out"
		if ((rc != 0)); then
			echo "not ok - $(basename "$t") under valgrind exited with status $rc"
			failed=$((failed + 1))
		fi
	done
	rm -f "$out"
}

run_bats() {
	local dir=$1 out
	out=$(mktemp)
	# Only directories with .bats files; setup_suite.bash there starts the registry once.
	compgen -G "$dir/*.bats" >/dev/null || return 0
	if ((${#files[@]} > 0)); then
		(cd "$top" && bats --tap "${files[@]}") >"$out" 2>&1
	else
		(cd "$top" && bats --tap "$dir") >"$out" 2>&1
	fi
	local rc=$?
	count_tap "$out"
	if ((rc != 0)) && ! grep -q '^not ok' "$out"; then
		echo "not ok - bats $dir exited with status $rc (suite setup failed?)"
		failed=$((failed + 1))
	fi
	rm -f "$out"
}

# ---- root: set up the unprivileged users, then run everything as them ----

as_user() { # name mode [files...]
	local name=$1 sub=$2 uid stage home rc smallfs='' f staged=()
	shift 2
	[[ $name == "$TEST_USER" ]] && smallfs=$SMALLFS
	uid=$(id -u "$name")
	home=$(getent passwd "$name" | cut -d: -f6)
	# A private copy the user can read and write (the checkout may sit under /root); one
	# per run, so that runs from several checkouts at once do not trample each other.
	stage=$(mktemp -d /var/tmp/hutch-check-"$name".XXXXXX)
	rsync -a --exclude .git "$top/" "$stage/"
	chown -R "$name:" "$stage"
	# Files named relative to the checkout (or inside it): the same files in the copy.
	for f in "$@"; do
		f=$(realpath -m "$f")
		staged+=("$stage/${f#"$top"/}")
	done
	[[ $sub == nosubid ]] || sysd_up "$name"
	runuser -u "$name" -- env -i HOME="$home" USER="$name" LOGNAME="$name" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="/run/user/$uid" CI="${CI:-}" TERM=dumb HUTCH_STRESS_N="${HUTCH_STRESS_N:-}" \
		HUTCH_COUNTS_FILE="$stage/.counts" HUTCH_SMALLFS="$smallfs" \
		HUTCH_SYSD_RUNTIME="$SYSD_RUNTIME" HUTCH_SYSD_GENERATORS="$SYSD_GENERATORS" \
		bash "$stage/tests/check.sh" "$sub" "${staged[@]}"
	rc=$?
	sysd_down
	if [[ -f $stage/.counts ]]; then
		local p f s
		read -r p f s <"$stage/.counts"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	else
		echo "not ok - the suite as $name did not finish (status $rc)"
		failed=$((failed + 1))
	fi
	rm -rf "$stage"
}

# A real systemd user manager for the test user (issue 16's units), started as root because
# only root can give it what it needs when PID 1 is not systemd: a private mount namespace
# with a tmpfs on /run/systemd holding /run/systemd/system (so it believes systemd booted)
# and, bound over /run/systemd/user-generators, a directory the test user fills; and a
# cgroup of its own under the unified hierarchy, owned by the user. The tests talk to it
# through $HUTCH_SYSD_RUNTIME/systemd/private (systemctl --user); tests/system/helpers.bash
# sysd_require skips with a machine reason where it did not start. One manager per run.
SYSD_PID='' SYSD_CGROUP='' SYSD_RUNTIME='' SYSD_GENERATORS=''
sysd_cgroup_rm() { # dir: remove a cgroup tree depth first
	[[ -d $1 ]] || return 0
	local f pid
	while IFS= read -r f; do
		while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$f"
	done < <(find "$1" -name cgroup.procs)
	find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
	[[ ! -d $1 ]] || { sleep 0.5; find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null; }
	return 0
}
sysd_up() { # user
	local name=$1 uid home unified
	uid=$(id -u "$name")
	home=$(getent passwd "$name" | cut -d: -f6)
	unified=/sys/fs/cgroup/unified
	[[ -f $unified/cgroup.procs ]] || unified=/sys/fs/cgroup
	if [[ ! -x /lib/systemd/systemd || ! -f $unified/cgroup.procs ]] || ! command -v unshare >/dev/null; then
		echo "# no systemd user manager: systemd or the unified cgroup hierarchy is missing"
		return 0
	fi
	# A manager left by a run that was killed.
	pkill -u "$name" -x systemd 2>/dev/null && sleep 1
	SYSD_CGROUP=$unified/hutch-sysd-$name
	sysd_cgroup_rm "$SYSD_CGROUP"
	SYSD_RUNTIME=/run/user/$uid
	SYSD_GENERATORS=$home/.hutch-sysd-generators
	mkdir -p "$SYSD_CGROUP" "$SYSD_RUNTIME" "$SYSD_GENERATORS"
	chown -R "$name:" "$SYSD_CGROUP" "$SYSD_GENERATORS"
	chown "$name:" "$SYSD_RUNTIME"
	chmod 0700 "$SYSD_RUNTIME"
	find "$SYSD_GENERATORS" -mindepth 1 -delete
	# shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o mode=0755 hutch-sysd /run/systemd || exit 1
		mkdir -p /run/systemd/system /run/systemd/user-generators
		mount --bind "$4" /run/systemd/user-generators || exit 1
		echo $$ >"$1/cgroup.procs" || exit 1
		exec runuser -u "$2" -- env -i HOME="$3" USER="$2" LOGNAME="$2" LANG=C.UTF-8 \
			PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin XDG_RUNTIME_DIR="$5" \
			/lib/systemd/systemd --user' sysd "$SYSD_CGROUP" "$name" "$home" "$SYSD_GENERATORS" \
		"$SYSD_RUNTIME" </dev/null >/dev/null 2>&1 &
	SYSD_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -S $SYSD_RUNTIME/systemd/private ]] && return 0
		kill -0 "$SYSD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# the systemd user manager did not start: unit tests will skip"
	sysd_down
}
sysd_down() {
	if [[ -n $SYSD_PID ]]; then
		kill -TERM "$SYSD_PID" 2>/dev/null
		local i
		for ((i = 0; i < 50; i++)); do
			kill -0 "$SYSD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$SYSD_PID" 2>/dev/null
		wait "$SYSD_PID" 2>/dev/null
	fi
	[[ -n $SYSD_CGROUP ]] && sysd_cgroup_rm "$SYSD_CGROUP"
	SYSD_PID='' SYSD_CGROUP='' SYSD_RUNTIME='' SYSD_GENERATORS=''
}

# A small tmpfs owned by the test user, for the full-disk test (tests/system/250-*.bats):
# an unprivileged user cannot mount one. Fresh every run; unmounted when the runner exits.
SMALLFS=
smallfs_down() {
	[[ -n $SMALLFS ]] && mountpoint -q "$SMALLFS" && umount "$SMALLFS"
	[[ -n $SMALLFS ]] && rmdir "$SMALLFS" 2>/dev/null
	SMALLFS=
}
smallfs_up() { # user
	local dir=/var/tmp/hutch-smallfs-$1
	SMALLFS=$dir
	smallfs_down
	mkdir -p "$dir"
	if mount -t tmpfs -o "size=8m,mode=0700,uid=$(id -u "$1"),gid=$(id -g "$1")" hutch-smallfs "$dir"; then
		SMALLFS=$dir
		trap smallfs_down EXIT
	else
		echo "# could not mount a tmpfs at $dir: the full-disk test will skip"
		rmdir "$dir" 2>/dev/null
	fi
}

finish() {
	if [[ -n ${HUTCH_COUNTS_FILE:-} ]]; then
		echo "$passed $failed $skipped" >"$HUTCH_COUNTS_FILE"
		echo "# as $(id -un): $passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed, $skipped skipped"
	fi
	((failed == 0))
	exit
}

if [[ $(id -u) == 0 && $mode != valgrind ]]; then
	ensure_user "$TEST_USER" yes
	ensure_user "$NOSUBID_USER" no
	open_devices
	smallfs_up "$TEST_USER"
	case $mode in
	all) as_user "$TEST_USER" all; as_user "$NOSUBID_USER" nosubid; run_bats "$top/tests/system/root" ;;
	unit) as_user "$TEST_USER" unit ;;
	system)
		if ((${#files[@]} > 0)); then
			as_user "$TEST_USER" system "${files[@]}"
		else
			as_user "$TEST_USER" system; as_user "$NOSUBID_USER" nosubid
			run_bats "$top/tests/system/root"
		fi
		;;
	root) run_bats "$top/tests/system/root" ;;
	*) echo "usage: $0 all|unit|system|valgrind" >&2; exit 2 ;;
	esac
	finish
fi

case $mode in
all) run_unit; run_bats "$top/tests/system" ;;
unit) run_unit ;;
system) run_bats "$top/tests/system" ;;
nosubid) run_bats "$top/tests/system/nosubid" ;;
valgrind) run_valgrind ;;
*) echo "usage: $0 all|unit|system|valgrind" >&2; exit 2 ;;
esac
finish
