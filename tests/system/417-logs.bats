#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Logs with --log-opt max-size (issue #13, item 5): the log rotates into one kept file,
# ctr.log.1; `logs -f` follows across every rotation, plain `logs` shows the rotated part
# as much as is kept, and --tail takes the last lines of both.

load container_helpers

@test "logs -f follows a rotating log: 100,000 lines, all of them, in order" {
	mkdir "$BATS_TEST_TMPDIR/gate"
	# It writes once the follower runs: the kept files alone could not hold it all.
	run_hutch run -d --name big --log-opt max-size=1mb -v "$BATS_TEST_TMPDIR/gate:/gate" \
		"$IMAGE" sh -c 'while [ ! -e /gate/go ]; do sleep 0.1; done; seq 1 100000'
	"$HUTCH" logs -f big >"$BATS_TEST_TMPDIR/followed" 2>"$BATS_TEST_TMPDIR/followed.err" &
	local follower=$!
	sleep 0.5
	touch "$BATS_TEST_TMPDIR/gate/go"
	# Bounded: a follower that hangs at a rotation fails here instead of hanging the suite.
	local i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$follower" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$follower" 2>/dev/null; then
		kill "$follower"
		fail "logs -f still runs 60 s later: $(wc -l <"$BATS_TEST_TMPDIR/followed") lines"
	fi
	wait "$follower"
	seq 1 100000 >"$BATS_TEST_TMPDIR/want"
	run cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/followed"
	assert_success
	local dir
	dir=$XDG_DATA_HOME/hutch/containers/$("$HUTCH" inspect big --format '{{.Id}}')
	# It did rotate, and kept one old file.
	[[ -s $dir/ctr.log.1 ]]

	# Plain logs: the rotated file, then the current one, with no gap between. (A line is
	# one full record, or partial ones and then a full one; the first kept record may be
	# the end of a line whose start went with the older file.)
	run_hutch logs big
	local cur kept
	cur=$(grep -c ' stdout F ' "$dir/ctr.log")
	kept=$((cur + $(grep -c ' stdout F ' "$dir/ctr.log.1")))
	assert_equal "${#lines[@]}" "$kept"
	[[ $kept -gt $cur ]]
	assert_equal "$(printf '%s\n' "${lines[@]:1}")" "$(seq $((100000 - kept + 2)) 100000)"

	run_hutch logs --tail 5 big
	assert_output "$(seq 99996 100000)"
}
