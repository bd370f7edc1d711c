#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# One runtime dir (issue 13, item 2), the case a rootless suite cannot stage: a container
# started where /run/user/UID does not exist (cron or `su` before any login), then a login
# creates /run/user/UID and its shell, with XDG_RUNTIME_DIR set to it, must still see the
# container, stop it, start one copy and remove it. Runs hutch as the test user; moves that
# user's /run/user/UID aside for the test and puts it back.

load helpers

U=${HUTCH_TEST_USER:-hutchtest}

setup() {
	id "$U" >/dev/null 2>&1 || skip "no test user $U"
	UID_U=$(id -u "$U")
	USER_RUN=/run/user/$UID_U
	SAVED=""
	if [[ -e $USER_RUN ]]; then
		SAVED=$USER_RUN.hutch-test-saved
		mv "$USER_RUN" "$SAVED"
	fi
	WORK=$(mktemp -d /var/tmp/hutch-rundir-root.XXXXXX)
	mkdir -p "$WORK/bin" "$WORK/data" "$WORK/config" "$WORK/rootfs/bin"
	cp "$HUTCH_TOP"/hutch "$HUTCH_TOP"/hutch-monitor "$HUTCH_TOP"/hutch-runtime \
		"$HUTCH_TOP"/hutch-init "$WORK/bin/"
	cp /bin/busybox "$WORK/rootfs/bin/busybox"
	for t in sh sleep true; do ln -s busybox "$WORK/rootfs/bin/$t"; done
	tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
	chown -R "$U:" "$WORK"
	# A container of an earlier run of this file that its teardown could not reach (a
	# killed run): its init would count as a second copy.
	pkill -9 -u "$UID_U" -x -f -- "sleep 4161" || true
	# The fallback of a shell without a session, from earlier runs: not this test's.
	as_u_nosession "$WORK/bin/hutch" unshare rm -rf "/tmp/hutch-run-$UID_U/hutch/containers" || true
}

teardown() {
	as_u_session "$WORK/bin/hutch" rm -a -f >/dev/null 2>&1 || true
	as_u_nosession "$WORK/bin/hutch" rm -a -f >/dev/null 2>&1 || true
	as_u_nosession "$WORK/bin/hutch" unshare rm -rf "$WORK/data" >/dev/null 2>&1 || true
	rm -rf "$USER_RUN" "$WORK"
	[[ -z $SAVED ]] || mv "$SAVED" "$USER_RUN"
}

# The test user's hutch, as a shell without a session (no XDG_RUNTIME_DIR) would run it.
as_u_nosession() {
	runuser -u "$U" -- env -i HOME="$WORK" USER="$U" PATH=/usr/local/bin:/usr/bin:/bin \
		XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" "$@"
}

# The same in a login session: XDG_RUNTIME_DIR=/run/user/UID.
as_u_session() {
	runuser -u "$U" -- env -i HOME="$WORK" USER="$U" PATH=/usr/local/bin:/usr/bin:/bin \
		XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" \
		XDG_RUNTIME_DIR="$USER_RUN" "$@"
}

copies() {
	pgrep -u "$UID_U" -x -f -- "sleep 4161" | wc -l
}

@test "root: started before /run/user/UID existed, seen and managed from a login shell" {
	run as_u_nosession "$WORK/bin/hutch" import "$WORK/rootfs.tar" localhost/tiny
	assert_success
	run as_u_nosession "$WORK/bin/hutch" run -d --name c localhost/tiny sleep 4161
	assert_success
	sleep 0.5
	assert_equal "$(copies)" 1
	# A login: logind makes /run/user/UID, the session's shell has XDG_RUNTIME_DIR.
	mkdir -m 0700 "$USER_RUN"
	chown "$U:" "$USER_RUN"
	run --separate-stderr as_u_session "$WORK/bin/hutch" ps --format '{{.Names}} {{.State}}'
	assert_success
	assert_output "c running"
	[[ $stderr == *"using runtime directory /tmp/hutch-run-$UID_U/hutch, where this store's containers run"* ]]
	run as_u_session "$WORK/bin/hutch" stop -t 0 c
	assert_success
	sleep 0.5
	assert_equal "$(copies)" 0
	run as_u_nosession "$WORK/bin/hutch" ps -a --format '{{.Names}} {{.State}}'
	assert_output "c exited"
	run as_u_session "$WORK/bin/hutch" start c
	assert_success
	run as_u_nosession "$WORK/bin/hutch" start c
	assert_success
	sleep 0.5
	assert_equal "$(copies)" 1
	run as_u_session "$WORK/bin/hutch" rm -f c
	assert_success
	sleep 0.5
	assert_equal "$(copies)" 0
	run as_u_nosession "$WORK/bin/hutch" ps -a -q
	assert_output ""
}

@test "root: without /run/user/UID, a fallback someone else planted is refused" {
	mkdir -p "$WORK/tmp"
	ln -s / "$WORK/tmp/hutch-run-$UID_U"
	chown -h "$U:" "$WORK/tmp" "$WORK/tmp/hutch-run-$UID_U"
	run --separate-stderr as_u_nosession env TMPDIR="$WORK/tmp" "$WORK/bin/hutch" info
	assert_failure 125
	[[ $stderr == *"is not a private directory of ours"* ]]
}
