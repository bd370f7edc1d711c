#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Issue 13, item 7 by hand with a large N: pulls killed with SIGKILL at random moments, each
# followed by one command whose store open must leave no layers/.tmp-* or tmp/* behind, and
# a clean `system check`. The same loop runs in `make check` with N=3
# (tests/system/495-system-check.bats). Usage, as root from the checkout:
#   tests/stress/killed-pulls.sh [N] [TEST_USER]
set -euo pipefail
n=${1:-200}
user=${2:-${HUTCH_TEST_USER:-hutchtest}}
top=$(cd "$(dirname "$0")/../.." && pwd)
start=$(date +%s)
HUTCH_STRESS_N=$n HUTCH_TEST_USER=$user "$top/tests/check.sh" system \
	"$top/tests/system/495-system-check.bats"
echo "killed pulls: $n rounds in $(($(date +%s) - start)) s"
