#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# By hand, not in make check (which runs 1 round): N rounds of `logs -f` following a log
# that a writer rotates at 1 MiB while it writes 100,000 lines (issue 13, item 5). Each
# round must see every line in order; the unit test counts the rounds that did.
#   tests/stress/logs-follow.sh [N]      (default 200; build with make unit-bins first)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-200}
bin=$top/build/obj/tests/test_oci_logs
[[ -x $bin ]] || { echo "build it first: make unit-bins" >&2; exit 2; }
start=$SECONDS
HUTCH_LOGS_ROUNDS=$n "$bin" | grep -E '^#|^(not )?ok .*rounds'
rc=${PIPESTATUS[0]}
echo "# $n rounds in $((SECONDS - start)) s"
exit "$rc"
