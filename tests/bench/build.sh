#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build (issue 17): the same Containerfiles built by hutch and by `podman build`, side by
# side in one hyperfine run: uncached (--no-cache), cached (nothing changed) and with one
# copied file changed before each run (the steps from its COPY on run again). Two
# Containerfiles: the newcomer's (a base image, COPY of an app, a RUN, EXPOSE, CMD) and a
# multi-stage one (a RUN builds an artifact, a scratch stage copies it). The base image is
# the fixtures' busybox, in a loopback registry, pulled by both first. Ratios printed.
#
# Usage: tests/bench/build.sh [RUNS]   (as root it re-runs itself as $HUTCH_TEST_USER)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-10}

# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
bench_as_user build.sh "$runs"
bench_require build.sh hyperfine podman jq
bench_store

app=$work/app
mkdir -p "$app/src"
printf '#!/bin/sh\necho "hello from the app"\n' >"$app/src/app.sh"
chmod 755 "$app/src/app.sh"
for i in $(seq 1 50); do head -c 4096 /dev/urandom >"$app/src/data$i.bin"; done
echo 0 >"$app/src/version"
cat >"$app/Containerfile" <<CF
FROM $image
RUN mkdir -p /app && echo built >/app/stamp
COPY src/ /app/
RUN cat /app/version >/app/version.seen
EXPOSE 8080
CMD ["/app/app.sh"]
CF
multi=$work/multi
mkdir -p "$multi"
echo 0 >"$multi/input"
cat >"$multi/Containerfile" <<CF
FROM $image AS build
COPY input /input
RUN mkdir /out && cp /input /out/artifact && echo done >>/out/artifact
FROM scratch
COPY --from=build /out/artifact /artifact
CF

hb="$hutch build -q"
pb="${podman[*]} build -q"
# warm both caches once
for d in "$app" "$multi"; do
	$hb -t bench "$d" >/dev/null
	$pb -t bench "$d" >/dev/null 2>&1
done

touch_app="date +%s%N >$app/src/version"
touch_multi="date +%s%N >$multi/input"
# one hyperfine run: every command with its --prepare (a no-op but for the changed-file ones)
args=()
add() { # NAME PREPARE COMMAND
	args+=(-n "$1" --prepare "$2" "$3")
}
add "hutch uncached (app)" true "$hb --no-cache -t bench $app"
add "podman uncached (app)" true "$pb --no-cache -t bench $app"
add "hutch cached (app)" true "$hb -t bench $app"
add "podman cached (app)" true "$pb -t bench $app"
add "hutch changed file (app)" "sh -c '$touch_app'" "$hb -t bench $app"
add "podman changed file (app)" "sh -c '$touch_app'" "$pb -t bench $app"
add "hutch uncached (multi-stage)" true "$hb --no-cache -t bench2 $multi"
add "podman uncached (multi-stage)" true "$pb --no-cache -t bench2 $multi"
add "hutch cached (multi-stage)" true "$hb -t bench2 $multi"
add "podman cached (multi-stage)" true "$pb -t bench2 $multi"
add "hutch changed file (multi-stage)" "sh -c '$touch_multi'" "$hb -t bench2 $multi"
add "podman changed file (multi-stage)" "sh -c '$touch_multi'" "$pb -t bench2 $multi"
preps=()
cmds=()
for ((k = 0; k < ${#args[@]}; k += 5)); do
	preps+=(--prepare "${args[k + 3]}")
	cmds+=(-n "${args[k + 1]}" "${args[k + 4]}")
done
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/build.json" "${preps[@]}" \
	"${cmds[@]}" >/dev/null
jq -r '.results[] | "\(.command): \(.mean * 1000 | round) ms ± \(.stddev * 1000 | round)"' \
	"$work/build.json"
echo
jq -r '[.results[] | {key: .command, value: .mean}] | from_entries as $m
	| ["uncached (app)", "cached (app)", "changed file (app)", "uncached (multi-stage)",
	   "cached (multi-stage)", "changed file (multi-stage)"][]
	| "\(.): podman/hutch = \(($m["podman " + .] / $m["hutch " + .]) * 10 | round / 10)x (goal >= 2)"' \
	"$work/build.json"
