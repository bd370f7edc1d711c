#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Completion over a store of 1000 containers (issue 14): `hutch __complete KIND ""` for the
# kinds the scripts ask for, the whole bash completion of `hutch stop <TAB>` and `hutch
# start <TAB>` (bash start-up, sourcing the generated script, the call), and `ps -a` beside
# them. The image is busybox
# imported from the host (no registry); RUNNING of the containers run `sleep`, the others
# are created only.
#
# Usage: tests/bench/complete.sh [RUNS] [RUNNING]   (as root it re-runs itself as $HUTCH_TEST_USER)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-30}
running=${2:-10}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user complete.sh "$runs" "$running"
bench_require complete.sh hyperfine busybox

hutch=$top/hutch
work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-bench.XXXXXX")
export XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/run}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"
cleanup() {
	"$hutch" rm -a -f -t 0 >/dev/null 2>&1 || "$hutch" rm -a -f >/dev/null 2>&1 || true
	"$hutch" unshare rm -rf "$work" 2>/dev/null || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/root/bin"
cp "$(command -v busybox)" "$work/root/bin/busybox"
for t in sh sleep true; do ln -s busybox "$work/root/bin/$t"; done
tar -cf "$work/root.tar" -C "$work/root" .
"$hutch" import "$work/root.tar" localhost/bench/busybox:latest >/dev/null
image=localhost/bench/busybox:latest
for i in $(seq 1 "$running"); do
	"$hutch" run -d --network none --name "r$i" "$image" sleep 600 >/dev/null
done
for i in $(seq $((running + 1)) 1000); do
	"$hutch" create --network none --name "c$i" "$image" true >/dev/null
done
[[ $("$hutch" ps -a -q | wc -l) == 1000 ]]
[[ $("$hutch" __complete containers-running "" | wc -l) == "$running" ]]

# The script as `hutch completion bash` writes it (what completions/hutch.bash holds).
"$hutch" completion bash >"$work/hutch.bash"
bash_stop='bash -c "source '"$work"'/hutch.bash; COMP_WORDS=('"$hutch"' stop \"\"); COMP_CWORD=2; _hutch"'
bash_start=${bash_stop/ stop / start }
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/complete.json" \
	-n "__complete containers-running" "$hutch __complete containers-running ''" \
	-n "__complete containers-startable" "$hutch __complete containers-startable ''" \
	-n "__complete containers" "$hutch __complete containers ''" \
	-n "__complete images" "$hutch __complete images ''" \
	-n "bash: hutch stop <TAB>" "$bash_stop" \
	-n "bash: hutch start <TAB>" "$bash_start" \
	-n "ps -a" "$hutch ps -a" >/dev/null
jq -r '.results[] | "\(.command): \(.mean * 1000 | . * 10 | round / 10) ms ± \(.stddev * 1000 | . * 10 | round / 10), median \(.median * 1000 | . * 10 | round / 10), user \(.user * 1000 | . * 10 | round / 10), system \(.system * 1000 | . * 10 | round / 10) (goal < 20)"' \
	"$work/complete.json"
