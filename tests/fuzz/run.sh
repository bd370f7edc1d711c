#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The runner behind `make fuzz` and `make fuzz-smoke`: each target in turn, one process
# (the machine is shared), for SECONDS on its seeds (tests/fuzz/corpus/TARGET, read only)
# and its working corpus (build/fuzz/corpus/TARGET, which grows from run to run).
#   tests/fuzz/run.sh SECONDS TARGET...
# Fails when a target reports a crash, leak, timeout, out-of-memory or sanitizer error,
# naming the saved input and the command that replays it. One summary line per target
# (executions, seconds, corpus size) goes to stdout and to build/fuzz/summary.txt.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:?usage: run.sh SECONDS TARGET...}
shift
fuzz=$top/build/fuzz
failed=()
mkdir -p "$fuzz/logs"
: >"$fuzz/summary.txt"

# Per target: the largest input worth trying, and a dictionary when there is one.
max_len() {
	case $1 in
	reference) echo 1024 ;;
	unpack) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

for t in "$@"; do
	bin=$fuzz/fuzz_$t
	seeds=$top/tests/fuzz/corpus/$t
	work=$fuzz/corpus/$t
	art=$fuzz/artifacts/$t
	log=$fuzz/logs/$t.log
	mkdir -p "$work" "$art" "$fuzz/tmp"
	opts=(-max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$art/")
	[[ -f $top/tests/fuzz/$t.dict ]] && opts+=(-dict="$top/tests/fuzz/$t.dict")
	echo "fuzz: $t for ${secs}s (log: ${log#"$top"/})"
	start=$SECONDS
	(cd "$top" && FUZZ_UNPACK_TMP=$fuzz/tmp \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "${opts[@]}" "$work" "$seeds") >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	time=$((SECONDS - start))
	size=$(find "$work" -type f | wc -l)
	line="$t: ${runs:-?} executions in ${time}s, corpus $size inputs"
	if ((rc != 0)); then
		found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
		line+=", FAILED (status $rc)"
		failed+=("$t")
		grep -m1 -E '^(==[0-9]+==ERROR|.*runtime error|fuzz: invariant|SUMMARY)' "$log"
		if [[ -n $found ]]; then
			echo "fuzz: $t: reproducer ${found#"$top"/}"
			echo "fuzz: replay it with: build/fuzz/fuzz_$t ${found#"$top"/}"
		fi
		tail -n 40 "$log" >&2
	fi
	echo "$line" | tee -a "$fuzz/summary.txt"
done
if ((${#failed[@]} > 0)); then
	echo "fuzz: findings in: ${failed[*]} (logs in build/fuzz/logs/)" >&2
	exit 1
fi
