# shellcheck shell=bash disable=SC2154  # top is set by the script that sources this file
# SPDX-License-Identifier: Apache-2.0
#
# Shared by the bench scripts (sourced; the caller sets top to the source tree).

# bench_as_user SCRIPT ARGS...: when run as root, copy the built binaries and tests/ to a
# stage the unprivileged $HUTCH_TEST_USER owns, run tests/bench/SCRIPT ARGS there as that
# user with a clean environment, remove the stage and exit with the script's status.
# As any other user it returns and the caller goes on.
bench_as_user() {
	[[ $(id -u) == 0 ]] || return 0
	local script=$1 user=${HUTCH_TEST_USER:-hutchtest} uid stage f rc=0
	shift
	uid=$(id -u "$user")
	stage=$(mktemp -d /var/tmp/hutch-bench.XXXXXX)
	for f in hutch hutch-monitor hutch-init hutch-runtime; do
		if [[ -e $top/$f ]]; then cp -a "$top/$f" "$stage/"; fi
	done
	cp -a "$top/tests" "$stage/"
	chown -R "$user:" "$stage"
	install -d -m 0700 -o "$user" "/run/user/$uid"
	runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME="$(getent passwd "$user" | cut -d: -f6)" XDG_RUNTIME_DIR="/run/user/$uid" \
		bash "$stage/tests/bench/$script" "$@" || rc=$?
	runuser -u "$user" -- "$stage/hutch" unshare rm -rf "$stage" 2>/dev/null || rm -rf "$stage"
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
