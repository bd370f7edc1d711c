#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# By hand, as root, not in make check (which runs it once): the full-disk system tests
# (tests/system/250-full-disk.bats: pull, then stop/kill/wait/logs/start/rm with no free
# space, issue 13 item 4) N times over, each on a fresh small tmpfs; counts the rounds.
#   tests/stress/full-disk.sh [N]        (default 20; HUTCH_TEST_USER picks the user)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-20}
[[ $(id -u) == 0 ]] || { echo "run as root: the tmpfs needs mounting" >&2; exit 2; }
good=0 start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for ((i = 1; i <= n; i++)); do
	if "$top/tests/check.sh" system "$top/tests/system/250-full-disk.bats" >"$log" 2>&1; then
		good=$((good + 1))
	else
		echo "# round $i failed:"
		sed 's/^/#   /' "$log" | tail -20
	fi
done
echo "# $good of $n rounds passed in $((SECONDS - start)) s"
((good == n))
