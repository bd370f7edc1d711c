#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Stress for one runtime dir per store (issue 13, item 2): N rounds, each starting three
# containers at once from three shells whose own runtime dirs differ (two XDG_RUNTIME_DIRs
# and none), on a store with no pin yet. Invariants after each round: every shell sees all
# three running, exactly three container processes live, and `rm -a -f` from any one shell
# leaves none. Run by tests/system/415-runtime-dir.bats with a small N; by hand:
#   HUTCH=./hutch IMAGE=REF XDG_DATA_HOME=DIR tests/stress/runtime-dir.sh 50
# (IMAGE pulled into that store first; run as an unprivileged user).
set -uo pipefail
n=${1:-10}
: "${HUTCH:?set HUTCH}" "${IMAGE:?set IMAGE}" "${XDG_DATA_HOME:?set XDG_DATA_HOME}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-stress-rundir.XXXXXX")
mkdir -m 0700 "$work/a" "$work/b"
uid=$(id -u)
fails=0

shell_of() { # k CMD...: run hutch as shell k (0: $work/a, 1: $work/b, 2: none)
	local k=$1
	shift
	case $k in
	0) XDG_RUNTIME_DIR=$work/a "$HUTCH" "$@" ;;
	1) XDG_RUNTIME_DIR=$work/b "$HUTCH" "$@" ;;
	2) env -u XDG_RUNTIME_DIR "$HUTCH" "$@" ;;
	esac
}

running() { pgrep -u "$uid" -x -f "sleep 77$1[0-9]" | wc -l; }

for ((r = 0; r < n; r++)); do
	rm -f "$XDG_DATA_HOME/hutch/runtime-dir"
	for k in 0 1 2; do
		# The shells that lose the race for the pin warn that they use the winner's.
		(shell_of "$k" run -d --name "s$k" "$IMAGE" sleep "77$((r % 10))$k" \
			>/dev/null 2>"$work/err$k" || echo "exit $?" >>"$work/err$k") &
	done
	wait
	bad=""
	for k in 0 1 2; do
		grep -q "^exit " "$work/err$k" && bad+=" shell $k: $(tr '\n' ' ' <"$work/err$k");"
	done
	for k in 0 1 2; do
		seen=$(shell_of "$k" ps -q 2>/dev/null | wc -l)
		[[ $seen == 3 ]] || bad+=" shell $k sees $seen running;"
	done
	live=$(running $((r % 10)))
	[[ $live == 3 ]] || bad+=" $live processes;"
	shell_of $((r % 3)) rm -a -f >/dev/null 2>&1
	for ((i = 0; i < 50; i++)); do
		[[ $(running $((r % 10))) == 0 ]] && break
		sleep 0.1
	done
	left=$(running $((r % 10)))
	[[ $left == 0 ]] || bad+=" $left left after rm -a -f;"
	if [[ -n $bad ]]; then
		echo "round $r:$bad"
		fails=$((fails + 1))
		# Clean up from every shell before the next round.
		for k in 0 1 2; do shell_of "$k" rm -a -f >/dev/null 2>&1; done
	fi
done
rm -rf "$work"
echo "runtime-dir: $n rounds, $fails failed"
((fails == 0))
