#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Races and kills that lost or corrupted data (issue 13, item 3): the fault-injection loops
# of tests/stress/races.bash, a few rounds each (tests/stress/races.sh runs many by hand).

load container_helpers

setup() {
	hutch_isolate
	run_hutch pull -q --tls-verify=false "$IMAGE"
	# shellcheck disable=SC1091  # (shellcheck -s bash has no -x here)
	. "$HUTCH_TOP/tests/stress/races.bash"
	export IMAGE
}

@test "kill -9 during rename: one name per container, and that name finds it" {
	race_rename "${RACES_N:-40}"
}

@test "kill -9 during rm -f: the next command finishes it, nothing is left" {
	race_rm "${RACES_N:-6}"
}

@test "start racing rm -f: no run dir or process of the removed container is left" {
	race_start_rm "${RACES_N:-6}"
}

@test "kill -9 during save -o FILE: the archive already at FILE is intact" {
	race_save "${RACES_N:-6}"
}

@test "save -o FILE removes the temp files of killed saves to FILE, not those of live ones" {
	local d=$BATS_TEST_TMPDIR
	echo old >"$d/a.tar"
	# A pid that is gone (above pid_max), and this shell's, which lives.
	echo x >"$d/a.tar.tmp-99999999-hutch"
	echo x >"$d/a.tar.tmp-$$-hutch"
	echo x >"$d/b.tar.tmp-99999999-hutch"
	run_hutch save -o "$d/a.tar" "$IMAGE"
	[[ ! -e $d/a.tar.tmp-99999999-hutch ]]
	[[ -e $d/a.tar.tmp-$$-hutch && -e $d/b.tar.tmp-99999999-hutch ]]
	tar -tf "$d/a.tar" manifest.json
}

@test "parallel volume create of one name: one succeeds, the others say it exists" {
	race_vol_create "${RACES_N:-15}"
}

@test "volume prune racing run -v: a volume in use is never deleted" {
	race_vol_prune "${RACES_N:-6}"
}

@test "kill -9 during volume prune: no volume is listed with part of its data; nothing is left after repair" {
	race_vol_prune_kill "${RACES_N:-6}"
}

@test "a running --rm container renamed: no stale name entry once it exits" {
	race_rename_rm "${RACES_N:-3}"
}

@test "rmi -f racing run: no container is left on a removed image" {
	race_rmi_run "${RACES_N:-60}"
}

@test "ENOSPC during run leaves no containers/.tmp-ID behind" {
	[[ -n ${HUTCH_SMALLFS:-} ]] || skip_machine "no small tmpfs (HUTCH_SMALLFS): run make check as root"
	export XDG_DATA_HOME=$HUTCH_SMALLFS/data
	mkdir -p "$XDG_DATA_HOME"
	run_hutch pull -q --tls-verify=false "$IMAGE"
	# Fill the filesystem (tmpfs: directories still fit, the records do not).
	dd if=/dev/zero of="$XDG_DATA_HOME/fill" bs=64k 2>/dev/null || true
	run_hutch '?' run --name full "$IMAGE" true
	((status != 0))
	[[ $stderr == *"No space left on device"* ]]
	run ls -A "$XDG_DATA_HOME/hutch/containers"
	refute_output --regexp '(^|\s)\.tmp-'
	rm -f "$XDG_DATA_HOME/fill"
	run_hutch run --rm "$IMAGE" true
}

@test "a containers/.tmp-ID a killed create left is removed by the next create" {
	local id
	id=$(printf '%064d' 7)
	mkdir -p "$BATS_TEST_TMPDIR/data/hutch/containers/.tmp-$id/upper"
	run_hutch create "$IMAGE" true
	[[ ! -e $BATS_TEST_TMPDIR/data/hutch/containers/.tmp-$id ]]
}

@test "a volumes/.tmp-NAME-PID a killed volume create left is removed by volume prune" {
	mkdir -p "$BATS_TEST_TMPDIR/data/hutch/volumes/.tmp-vx-1/_data"
	run_hutch volume prune -f
	[[ ! -e $BATS_TEST_TMPDIR/data/hutch/volumes/.tmp-vx-1 ]]
}

teardown() {
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
	# The tmpfs outlives the test: empty it (layers belong to subordinate ids).
	if [[ -n ${HUTCH_SMALLFS:-} && -d $HUTCH_SMALLFS/data ]]; then
		"$HUTCH" unshare rm -rf "$HUTCH_SMALLFS/data" || true
	fi
}
