#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fault-injection loops of tests/stress/races.bash with many rounds, by hand:
#   tests/stress/races.sh [-n ROUNDS] [LOOP...]     (default: 200 rounds of every loop)
# LOOP: rename rm start_rm save vol_create vol_prune vol_prune_kill rename_rm rmi_run. As
# root it runs as $HUTCH_TEST_USER (default hutchtest), as the bench scripts do. It builds
# the fixture images, starts the loopback registry, pulls the base image into a store of
# its own and removes it all at the end; each loop prints "race_LOOP: N rounds ok" or its
# first violation, and the script exits 1 if any loop failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user ../stress/races.sh "$@"

rounds=200
if [[ ${1:-} == -n ]]; then
	rounds=$2
	shift 2
fi
loops=("$@")
((${#loops[@]})) || loops=(rename rm start_rm save vol_create vol_prune vol_prune_kill rename_rm rmi_run)

HUTCH=$top/hutch
work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-races.XXXXXX")
export HUTCH XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/run}
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	"$HUTCH" rm -a -f >/dev/null 2>&1
	"$top/tests/fixtures/registry.sh" stop "$work/registry" >/dev/null 2>&1
	"$HUTCH" unshare rm -rf "$work" 2>/dev/null || rm -rf "$work"
}
trap cleanup EXIT
"$top/tests/fixtures/mkimages.py" "$work/fixtures" >/dev/null || exit 1
registry=$("$top/tests/fixtures/registry.sh" start "$work/registry") || exit 1
"$top/tests/fixtures/registry.sh" push "$work/registry" "$work/fixtures" >/dev/null || exit 1
IMAGE=$registry/base:latest
export IMAGE
"$HUTCH" pull -q --tls-verify=false "$IMAGE" >/dev/null || exit 1

# shellcheck source=tests/stress/races.bash
. "$top/tests/stress/races.bash"
rc=0
for l in "${loops[@]}"; do
	start=$SECONDS
	"race_$l" "$rounds" || rc=1
	echo "# race_$l: $((SECONDS - start)) s"
done
exit "$rc"
