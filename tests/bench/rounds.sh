#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Start-up cost in interleaved rounds (issue 12, "no start-up cost"): each round is one short
# hyperfine run of
#   hutch run --rm --network none IMAGE true
#   the bwrap command of run.sh (same namespaces, same kind of mounts, /bin/true)
#   hutch version
# side by side, and prints hutch's and bwrap's mean, their ratio and hutch version's mean;
# then the median ratio of the rounds. On a shared VM the absolute figures drift with the
# neighbours: the ratio of commands measured in the same round is what compares.
#
# With --podman-first K it runs the rounds, then K `podman run --rm` (runc, cgroupfs,
# private --root, as run.sh's podman) in a row, then the rounds again: the burst that made
# hutch's ratio go up on this machine (see RESULTS.md, issue 12). With --delete-first N
# instead, the burst is N empty files created and deleted beside the store's containers:
# what podman's runs do to the store's file system when their files land in the same ext4
# block groups (on an ext4 without a journal, new inodes skip the ones deleted in the last
# minute or so, one lookup each). With --later S as well, the rounds once more S seconds
# after that.
# With --against DIR, each round also runs DIR's hutch (another build: the checkout of an
# earlier commit, built) in the same hyperfine run, on the same store: its run --rm and its
# `hutch version`, and prints this build's time over that one's, for before/after figures
# that the machine's drift cannot tilt.
# The counts that do not depend on the load (page faults, syscalls, execs, inodes) are not
# taken here: they need perf and strace as root (RESULTS.md, issue 12, gives the commands).
#
# Usage: tests/bench/rounds.sh [--podman-first K | --delete-first N] [--later S] [--against DIR]
#                              [ROUNDS [RUNS]]
#   (defaults: 5 rounds of 20 runs each; as root it re-runs itself as $HUTCH_TEST_USER)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
args=("$@")
podman_first=0 delete_first=0 later=0 against=
while (($#)); do
	case $1 in
	--podman-first)
		podman_first=$2
		shift 2
		;;
	--delete-first)
		delete_first=$2
		shift 2
		;;
	--later)
		later=$2
		shift 2
		;;
	--against)
		against=$2
		shift 2
		;;
	*) break ;;
	esac
done
rounds=${1:-5}
runs=${2:-20}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
if [[ -n $against && $(id -u) == 0 ]]; then
	# The other build's binaries where the test user can run them.
	base=$(mktemp -d /var/tmp/hutch-bench-base.XXXXXX)
	for f in hutch hutch-monitor hutch-init hutch-runtime; do
		if [[ -e $against/$f ]]; then cp -a "$against/$f" "$base/"; fi
	done
	chmod -R a+rX "$base"
	for ((k = 0; k < ${#args[@]}; k++)); do
		if [[ ${args[k]} == --against ]]; then args[k + 1]=$base; fi
	done
	trap 'rm -rf "$base"' EXIT
	(bench_as_user rounds.sh "${args[@]}")
	exit
fi
bench_as_user rounds.sh "${args[@]}"
bench_require rounds.sh hyperfine podman runc bwrap jq python3
bench_store
bench_commands
version_cmd="$hutch version"
base_cmd='' base_version=''
if [[ -n $against ]]; then
	base_cmd="$against/hutch run --rm --network none $image true"
	base_version="$against/hutch version"
fi
podman_cmd="${podman[*]} run --rm --network none $image true"
for cmd in "$hutch_cmd" "$bwrap_cmd" "$version_cmd" ${against:+"$base_cmd" "$base_version"}; do
	$cmd >/dev/null || {
		echo "rounds.sh: failed: $cmd" >&2
		exit 1
	}
done

# rounds LABEL: ROUNDS hyperfine runs of the three commands, one line each, then the median.
rounds() {
	local label=$1 r
	for ((r = 1; r <= rounds; r++)); do
		local extra=()
		if [[ -n $against ]]; then
			extra=(-n base "$base_cmd" -n base_version "$base_version")
		fi
		hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/round.json" \
			-n hutch "$hutch_cmd" -n bwrap "$bwrap_cmd" -n version "$version_cmd" \
			"${extra[@]}" >/dev/null 2>"$work/hyperfine.err" || {
			cat "$work/hyperfine.err" >&2
			return 1
		}
		jq -r --arg l "$label" --arg r "$r" '
			(.results | map({key: .command, value: (.mean * 1000)}) | from_entries) as $m
			| "\($l) round \($r): hutch \($m.hutch * 10 | round / 10) ms, bwrap \($m.bwrap * 10 | round / 10) ms, ratio \($m.hutch / $m.bwrap * 100 | round / 100), hutch version \($m.version * 100 | round / 100) ms"
			+ (if $m.base then ", base \($m.base * 10 | round / 10) ms (this/base \($m.hutch / $m.base * 100 | round / 100)), base version \($m.base_version * 100 | round / 100) ms (this/base \($m.version / $m.base_version * 100 | round / 100))" else "" end)' \
			"$work/round.json"
	done | tee "$work/rounds.txt"
	sed 's/.*ratio \([0-9.]*\),.*/\1/' "$work/rounds.txt" | sort -n |
		awk -v l="$label" '{ r[NR] = $1 } END {
			printf "%s: hutch / bwrap, median of %d rounds = %.2f (min %.2f, max %.2f)\n",
				l, NR, (r[int((NR + 1) / 2)] + r[int(NR / 2) + 1]) / 2, r[1], r[NR] }'
	if [[ -n $against ]]; then
		sed -n 's/.*, base [0-9.]* ms (this\/base \([0-9.]*\)), base version [0-9.]* ms (this\/base \([0-9.]*\))$/\1 \2/p' \
			"$work/rounds.txt" | awk -v l="$label" '
			function median(v, n,   i, j, t) {
				for (i = 2; i <= n; i++)
					for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
				return (v[int((n + 1) / 2)] + v[int(n / 2) + 1]) / 2
			}
			{ run[NR] = $1; ver[NR] = $2 } END {
				printf "%s: this build / base, median of %d rounds: run --rm %.2f, version %.2f\n",
					l, NR, median(run, NR), median(ver, NR) }'
	fi
}

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), $(nproc) cores, $rounds rounds of $runs runs"
if ((podman_first == 0 && delete_first == 0)); then
	rounds rounds
	exit 0
fi
rounds before
start=$(date +%s%N)
if ((podman_first > 0)); then
	for ((i = 0; i < podman_first; i++)); do
		$podman_cmd
	done
	echo "$podman_first podman run --rm in $((($(date +%s%N) - start) / 1000000)) ms"
else
	junk=$XDG_DATA_HOME/hutch/containers/.bench-junk
	mkdir "$junk"
	(cd "$junk" && seq 1 "$delete_first" | xargs touch)
	rm -rf "$junk"
	echo "$delete_first files created and deleted in $((($(date +%s%N) - start) / 1000000)) ms"
fi
rounds after
if ((later > 0)); then
	sleep "$later"
	rounds "${later} s later"
fi
