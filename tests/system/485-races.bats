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
	race_rename "${RACES_N:-15}"
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

@test "parallel volume create of one name: one succeeds, the others say it exists" {
	race_vol_create "${RACES_N:-5}"
}

@test "volume prune racing run -v: a volume in use is never deleted" {
	race_vol_prune "${RACES_N:-6}"
}
