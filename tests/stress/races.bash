# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Fault-injection loops for issue 13 ("races and kills that lose or corrupt data"), shared by
# tests/system/485-races.bats (a few rounds each, in `make check`) and tests/stress/races.sh
# (as many as asked, by hand). Each race_NAME N runs N rounds against the store of the
# current XDG dirs with $HUTCH and $IMAGE (pulled already), kills or races a command at a
# random moment, and checks an invariant after every round: it prints the first violation
# and returns 1, or prints "race_NAME: N rounds ok" and returns 0.

# The store and the run dir of the current environment.
race_store() { echo "${XDG_DATA_HOME:-$HOME/.local/share}/hutch"; }
race_run() { echo "$XDG_RUNTIME_DIR/hutch"; }

# race_pause MAX_MS: sleep a random 0..MAX_MS milliseconds (microsecond steps).
race_pause() {
	local us=$((RANDOM * 32768 + RANDOM))
	us=$((us % ($1 * 1000 + 1)))
	sleep "$((us / 1000000)).$(printf %06d $((us % 1000000)))"
}

# race_kill_at MAX_MS CMD...: start hutch CMD, kill -9 it after a random pause.
race_kill_at() {
	local max=$1 pid
	shift
	"$HUTCH" "$@" >/dev/null 2>&1 &
	pid=$!
	race_pause "$max"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

race_fail() {
	echo "${FUNCNAME[1]}: round $1: $2" >&2
	return 1
}

# Every listed container's name is its own and finds it; no name is listed twice.
race_check_names() {
	local round=$1 id name got seen=" "
	while read -r id name; do
		[[ -n $id ]] || continue
		[[ $seen != *" $name "* ]] || race_fail "$round" "two containers named $name" || return 1
		seen+="$name "
		got=$("$HUTCH" inspect --format '{{.Id}}' "$name" 2>&1) ||
			race_fail "$round" "ps lists $name ($id) but inspect says: $got" || return 1
		[[ $got == "$id"* ]] ||
			race_fail "$round" "ps lists $name as $id, inspect finds $got" || return 1
	done < <("$HUTCH" ps -a --no-trunc --format '{{.ID}} {{.Names}}')
}

# Nothing left of containers that are gone: no trash, no name entry leading nowhere or to
# another name, no run dir or runtime state, no process of theirs.
race_check_leftovers() {
	local round=$1 ids f id
	ids=" $("$HUTCH" ps -a -q --no-trunc | tr '\n' ' ') "
	for f in "$(race_store)"/containers/.trash-*; do
		[[ -e $f ]] && { race_fail "$round" "trash left: $f"; return 1; }
	done
	for f in "$(race_store)"/containers/by-name/*; do
		[[ -L $f ]] || continue
		id=$(readlink "$f")
		[[ $ids == *" $id "* ]] ||
			race_fail "$round" "name entry $(basename "$f") leads to gone $id" || return 1
	done
	for f in "$(race_run)"/containers/* "$(race_run)"/runtime/*; do
		[[ -e $f ]] || continue
		[[ $ids == *" $(basename "$f") "* ]] ||
			race_fail "$round" "run dir of a gone container: $f" || return 1
	done
	if pgrep -u "$(id -u)" -f 'sleep 4711' >/dev/null; then
		race_fail "$round" "a removed container's process runs: $(pgrep -a -f 'sleep 4711')"
		return 1
	fi
}

# Wait (up to 10 s) until no monitor of ours runs (zombies aside): its exit command may
# be finishing a removal, which a later command leaves to it.
race_settle() {
	local i
	for ((i = 0; i < 100; i++)); do
		ps -u "$(id -u)" -o stat=,comm= | grep -v '^Z' | grep -q hutch-monitor || return 0
		sleep 0.1
	done
}

# kill -9 during `rename`: one name per container, and the name finds it.
race_rename() {
	local n=$1 i cur new
	"$HUTCH" rm -f -a >/dev/null 2>&1 || true
	"$HUTCH" create --name ra "$IMAGE" true >/dev/null || return 1
	for ((i = 1; i <= n; i++)); do
		cur=$("$HUTCH" ps -a --format '{{.Names}}')
		new=rb
		[[ $cur == rb ]] && new=ra
		race_kill_at 4 rename "$cur" "$new"
		race_check_names "$i" || return 1
		# The name the killed rename left free can be taken: still one name each.
		if "$HUTCH" create --name "$([[ $cur == ra ]] && echo ra || echo rb)" "$IMAGE" true \
			>/dev/null 2>&1; then
			race_check_names "$i" || return 1
			"$HUTCH" rm "$cur" >/dev/null 2>&1 || true
			[[ $("$HUTCH" ps -a -q | wc -l) == 1 ]] ||
				race_fail "$i" "rm $cur did not remove the new one" || return 1
		fi
	done
	"$HUTCH" rm -f -a >/dev/null 2>&1 || true
	echo "race_rename: $n rounds ok"
}

# kill -9 during `rm -f` of a running container: once the removal is finished by the next
# command (another rm, a create), nothing of it is left.
race_rm() {
	local n=$1 i out
	for ((i = 1; i <= n; i++)); do
		"$HUTCH" run -d --name "rm$i" "$IMAGE" sleep 4711 >/dev/null || return 1
		race_kill_at 40 rm -f "rm$i"
		race_settle
		# Still there: removable; gone: the next create finishes what is left.
		if "$HUTCH" inspect "rm$i" >/dev/null 2>&1; then
			out=$("$HUTCH" rm -f "rm$i" 2>&1) ||
				race_fail "$i" "rm -f after the killed one failed: $out" || return 1
		fi
		"$HUTCH" create --name probe "$IMAGE" true >/dev/null || return 1
		"$HUTCH" rm probe >/dev/null || return 1
		race_check_leftovers "$i" || return 1
	done
	echo "race_rm: $n rounds ok"
}

# `start` racing `rm -f` of a running container: whoever wins, no run dir or process is left
# of a removed one.
race_start_rm() {
	local n=$1 i p
	for ((i = 1; i <= n; i++)); do
		"$HUTCH" run -d --name "sr$i" "$IMAGE" sleep 4711 >/dev/null || return 1
		"$HUTCH" rm -f "sr$i" >/dev/null 2>&1 &
		p=$!
		race_pause 10
		"$HUTCH" start "sr$i" >/dev/null 2>&1 || true
		wait "$p" || true
		race_settle
		"$HUTCH" rm -f "sr$i" >/dev/null 2>&1 || true # (when the start came last)
		race_check_leftovers "$i" || return 1
	done
	echo "race_start_rm: $n rounds ok"
}

# kill -9 during `save -o FILE`: FILE stays the complete archive it was (save writes aside).
race_save() {
	local n=$1 i dir sum
	dir=$(mktemp -d "${TMPDIR:-/tmp}/race-save.XXXXXX")
	"$HUTCH" save -o "$dir/a.tar" "$IMAGE" || return 1
	sum=$(sha256sum <"$dir/a.tar")
	for ((i = 1; i <= n; i++)); do
		race_kill_at 30 save -o "$dir/a.tar" "$IMAGE"
		[[ $(sha256sum <"$dir/a.tar") == "$sum" ]] ||
			race_fail "$i" "the archive at FILE changed: $(stat -c %s "$dir/a.tar") bytes, $(tar -tf "$dir/a.tar" 2>&1 | tail -1)" ||
			{ rm -rf "$dir"; return 1; }
	done
	# The temp files the killed saves left go with the next save to FILE (their pids are
	# gone); one of a live save would stay.
	"$HUTCH" save -o "$dir/a.tar" "$IMAGE" || { rm -rf "$dir"; return 1; }
	if compgen -G "$dir/a.tar.tmp-*" >/dev/null; then
		race_fail "$n" "temp files left after the next save: $(ls "$dir")"
		rm -rf "$dir"
		return 1
	fi
	rm -rf "$dir"
	echo "race_save: $n rounds ok"
}

# Parallel `volume create` of one new name: one succeeds, the others say it exists.
race_vol_create() {
	local n=$1 i k ok out
	out=$(mktemp "${TMPDIR:-/tmp}/race-vol.XXXXXX")
	for ((i = 1; i <= n; i++)); do
		for k in 1 2 3 4; do
			{ "$HUTCH" volume create "vc$i" >/dev/null 2>>"$out" && echo ok >>"$out"; } &
		done
		wait || true
		ok=$(grep -c '^ok$' "$out" || true)
		[[ $ok == 1 ]] || race_fail "$i" "$ok of 4 parallel creates of vc$i succeeded" ||
			{ rm -f "$out"; return 1; }
		[[ $(grep -c 'already exists' "$out") == 3 ]] ||
			race_fail "$i" "the others did not say it exists: $(cat "$out")" || { rm -f "$out"; return 1; }
		: >"$out"
		"$HUTCH" volume rm "vc$i" >/dev/null || { rm -f "$out"; return 1; }
	done
	rm -f "$out"
	echo "race_vol_create: $n rounds ok"
}

# `volume prune -f` racing `run -v NAME:/d`: a volume a container uses is never deleted.
race_vol_prune() {
	local n=$1 i p got
	for ((i = 1; i <= n; i++)); do
		(for _ in 1 2 3 4 5 6 7 8; do "$HUTCH" volume prune -f >/dev/null 2>&1 || true; done) &
		p=$!
		race_pause 20
		"$HUTCH" run --name "vp$i" -v "vp$i:/d" "$IMAGE" sh -c 'echo kept >/d/f' >/dev/null 2>&1 ||
			true
		wait "$p" || true
		"$HUTCH" inspect "vp$i" >/dev/null 2>&1 || continue
		got=$(cat "$(race_store)/volumes/vp$i/_data/f" 2>&1) || true
		[[ $got == kept ]] ||
			race_fail "$i" "container vp$i exists, its volume: $got" || return 1
		{ "$HUTCH" rm "vp$i" >/dev/null && "$HUTCH" volume rm "vp$i" >/dev/null; } || return 1
	done
	echo "race_vol_prune: $n rounds ok"
}

# kill -9 during `volume prune -f` (or `volume rm`): a volume is listed whole (all its
# files) or not at all, and the next prune, or system check --repair, leaves nothing of it.
race_vol_prune_kill() {
	local n=$1 i got
	for ((i = 1; i <= n; i++)); do
		"$HUTCH" volume create "vk$i" >/dev/null || return 1
		"$HUTCH" unshare sh -c "cd '$(race_store)/volumes/vk$i/_data' && mkdir d && cd d && seq 1 1500 | xargs touch" ||
			return 1
		race_kill_at 150 volume prune -f
		if "$HUTCH" volume inspect "vk$i" >/dev/null 2>&1; then
			got=$(find "$(race_store)/volumes/vk$i/_data/d" -type f | wc -l)
			[[ $got == 1500 ]] ||
				race_fail "$i" "volume vk$i is listed with $got of its 1500 files" || return 1
		fi
		"$HUTCH" system check --repair >/dev/null 2>&1 || true
		got=$("$HUTCH" system check 2>&1) ||
			race_fail "$i" "system check after repair: $got" || return 1
		"$HUTCH" volume rm -f "vk$i" >/dev/null 2>&1 || true
	done
	got=$(ls -A "$(race_store)/volumes")
	[[ -z $got ]] || race_fail "$n" "left in volumes/: $got" || return 1
	echo "race_vol_prune_kill: $n rounds ok"
}

# A running --rm container renamed: once it exits, neither name's index entry is left.
race_rename_rm() {
	local n=$1 i f
	for ((i = 1; i <= n; i++)); do
		"$HUTCH" run -d --rm --name "rr$i" "$IMAGE" sleep 0.5 >/dev/null || return 1
		"$HUTCH" rename "rr$i" "rn$i" >/dev/null 2>&1 || true
		"$HUTCH" wait "rn$i" "rr$i" >/dev/null 2>&1 || true
		race_settle
		for f in "$(race_store)"/containers/by-name/*; do
			[[ -L $f ]] && { race_fail "$i" "name entry left: $(basename "$f") -> $(readlink "$f")"; return 1; }
		done
		"$HUTCH" run --name "rn$i" "$IMAGE" true >/dev/null ||
			race_fail "$i" "the name rn$i cannot be used again" || return 1
		"$HUTCH" rm "rn$i" >/dev/null || return 1
	done
	echo "race_rename_rm: $n rounds ok"
}

# `rmi -f` racing `run` of that image: a container that exists has its image (and layers).
race_rmi_run() {
	local n=$1 i dir p img got
	dir=$(mktemp -d "${TMPDIR:-/tmp}/race-rmi.XXXXXX")
	mkdir "$dir/root" && echo x >"$dir/root/f" && tar -C "$dir/root" -cf "$dir/l.tar" . || return 1
	# Bystanders: rmi reads every container's storage record for users, which takes a while.
	for ((i = 1; i <= 200; i++)); do
		"$HUTCH" create "$IMAGE" true >/dev/null || return 1
	done
	for ((i = 1; i <= n; i++)); do
		"$HUTCH" import "$dir/l.tar" localhost/rr:latest >/dev/null || { rm -rf "$dir"; return 1; }
		"$HUTCH" run --name "rr$i" localhost/rr:latest /f >/dev/null 2>&1 &
		p=$!
		race_pause 15
		"$HUTCH" rmi -f localhost/rr:latest >/dev/null 2>&1 || true
		wait "$p" || true
		if img=$("$HUTCH" inspect --format '{{.Image}}' "rr$i" 2>/dev/null); then
			got=$("$HUTCH" image inspect --format '{{.Id}}' "$img" 2>&1) ||
				race_fail "$i" "container rr$i exists, its image $img: $got" ||
				{ rm -rf "$dir"; return 1; }
			"$HUTCH" rm -f "rr$i" >/dev/null || true
		fi
		"$HUTCH" rmi -f localhost/rr:latest >/dev/null 2>&1 || true
	done
	rm -rf "$dir"
	"$HUTCH" rm -a -f >/dev/null || true
	echo "race_rmi_run: $n rounds ok"
}
