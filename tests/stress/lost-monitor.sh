#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fault injection (issue 13, item 1): kill -9 a container's monitor at a random moment of
# `run -d`, or of its life, sometimes its init too, and check what hutch says against the
# processes: running exactly when the init lives, never a second copy after `start`, and
# nothing left (process, run dir, name) after `rm -f`.
#
#   tests/stress/lost-monitor.sh N IMAGE   (as an unprivileged user; HUTCH: the binary)
#
# tests/system/416-lost-monitor.bats runs it with a small N; run a large one by hand.
set -euo pipefail

n=${1:?usage: lost-monitor.sh N IMAGE}
image=${2:?usage: lost-monitor.sh N IMAGE}
hutch=${HUTCH:-$(dirname "$0")/../../hutch}
run=${XDG_RUNTIME_DIR:?}/hutch/containers
me=$(id -u)
fails=0 lost=0 killed_init=0

fail() {
	echo "round $i: $*" >&2
	fails=$((fails + 1))
}

# The processes running exactly CMD (the container's command line).
count() { pgrep -u "$me" -c -x -f -- "$1" || true; }

for ((i = 1; i <= n; i++)); do
	name=lm$i cmd="sleep 7$i"
	# A moment in run -d (0-150 ms) or after it.
	"$hutch" run -d --name "$name" "$image" sleep "7$i" >/dev/null 2>&1 &
	cli=$!
	sleep "0.$((RANDOM % 16))"
	for f in "$run"/*/monitor.pid; do
		[[ -e $f ]] && kill -9 "$(cat "$f")" 2>/dev/null && lost=$((lost + 1))
	done
	wait "$cli" || true
	# Sometimes the init goes too.
	if ((RANDOM % 3 == 0)); then
		pkill -9 -u "$me" -x -f -- "$cmd" && killed_init=$((killed_init + 1))
		sleep 0.1
	fi
	"$hutch" inspect "$name" >/dev/null 2>&1 || continue
	state=$("$hutch" inspect --format '{{.State.Status}}' "$name")
	alive=$(count "$cmd")
	[[ $alive -le 1 ]] || fail "$alive copies"
	if [[ $alive == 1 && $state != running ]]; then
		fail "the init lives, but the state is $state"
	elif [[ $alive == 0 && $state == running ]]; then
		# The init may be a zombie for a moment (pid 1 reaps it): ask again.
		sleep 0.2
		state=$("$hutch" inspect --format '{{.State.Status}}' "$name")
		[[ $state != running ]] || fail "no init, but the state is running"
	fi
	"$hutch" start "$name" >/dev/null 2>&1 || true
	alive=$(count "$cmd")
	[[ $alive -le 1 ]] || fail "$alive copies after start"
	"$hutch" stop -t 0 "$name" >/dev/null 2>&1 || fail "stop failed"
	alive=$(count "$cmd")
	[[ $alive == 0 ]] || fail "stop left $alive copies"
	id=$("$hutch" inspect --format '{{.Id}}' "$name")
	"$hutch" rm -f "$name" >/dev/null || fail "rm -f failed"
	[[ ! -e $run/$id ]] || fail "run dir left"
	"$hutch" inspect "$name" >/dev/null 2>&1 && fail "still there after rm -f"
done
echo "lost-monitor: $n rounds, $lost monitors killed, $killed_init inits killed, $fails failures"
[[ $fails == 0 ]]
