#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Recovery tools (issue 13, item 7): system check [--repair] [--quick] [--force] finds each
# kind of damage inflicted here by hand and mends it; system prune and system reset as
# podman's; leftovers of killed commands removed at the next store open.

load container_helpers

st() { echo "$XDG_DATA_HOME/hutch"; }

image_id() { "$HUTCH" images -q --no-trunc "$IMAGE" | sed 's/^sha256://'; }

first_layer() { jq -r '.layers[0]' "$(st)/images/$(image_id)/image.json"; }

fake_id() { printf '%064d' "$1"; }

@test "system check: a clean store passes quietly" {
	run_hutch create --name c1 "$IMAGE" true
	run_hutch system check
	assert_output ""
	run_hutch system check --quick --repair
	assert_output ""
}

@test "system check: a deleted layer; --repair keeps a container on it, --force removes it" {
	local img layer
	img=$(image_id)
	layer=$(first_layer)
	run_hutch create --name onit "$IMAGE" true
	local cid=$output
	"$HUTCH" unshare rm -rf "$(st)/layers/$layer"
	run_hutch 125 system check --quick
	assert_line "Damaged container $cid:"
	assert_line "	layer ${layer:0:12} is missing"
	assert_line "Damaged image $img:"
	[[ $stderr == "Error: damage detected in local storage" ]]
	run_hutch 125 system check --repair
	refute_line --partial "Deleted damaged"
	[[ $stderr == *"still present after repair attempt"* ]]
	run_hutch inspect --format '{{.Id}}' onit
	run_hutch system check --repair --force
	assert_line "Deleted damaged container: $cid"
	assert_line "Deleted damaged image: $img"
	run_hutch system check
	assert_output ""
	run_hutch 125 inspect onit
	# What still works works: the image comes back and runs.
	run_hutch pull -q --tls-verify=false "$IMAGE"
	run_hutch run --rm "$IMAGE" echo back
	assert_output back
}

@test "system check: a corrupt blob is found unless --quick, and --repair removes its image" {
	local img
	img=$(image_id)
	chmod u+w "$(st)/blobs/sha256/$img"
	echo junk >>"$(st)/blobs/sha256/$img"
	run_hutch system check --quick
	assert_output ""
	run_hutch 125 system check
	assert_line "Damaged image $img:"
	assert_line "	its config blob does not match its digest"
	run_hutch system check --repair
	assert_line "Deleted damaged image: $img"
	run_hutch system check
	assert_output ""
	run_hutch images -q
	assert_output ""
	run_hutch pull -q --tls-verify=false "$IMAGE"
	run_hutch run --rm "$IMAGE" echo again
	assert_output again
}

@test "system check: dangling and missing names, a removal cut short, run dirs of gone containers" {
	run_hutch create --name keep "$IMAGE" true
	local kid=$output
	run_hutch create --name gone "$IMAGE" true
	local gid=$output
	local c
	c=$(st)/containers
	# A by-name entry of a container that is gone, one naming another, one missing.
	ln -s "$(fake_id 7)" "$c/by-name/ghost"
	ln -sfn "$kid" "$c/by-name/other"
	rm "$c/by-name/keep"
	# Temp entries of a name write and of an index build, from commands killed a while ago.
	ln -s "$kid" "$c/by-name/.tmp-keep"
	mkdir "$c/.tmp-by-name"
	touch -h -d '2 minutes ago' "$c/by-name/.tmp-keep" "$c/.tmp-by-name"
	# A removal cut short: the record renamed into the trash, nothing finished it.
	mv "$c/$gid" "$c/.trash-$gid"
	rm -f "$c/by-name/gone"
	# The run dir and runtime state of a container that is gone.
	local rid
	rid=$(fake_id 9)
	mkdir -p "$XDG_RUNTIME_DIR/hutch/containers/$rid" "$XDG_RUNTIME_DIR/hutch/runtime/$rid"
	echo 1 >"$XDG_RUNTIME_DIR/hutch/containers/$rid/exit"
	# An orphan blob, a layer of no image, and an image removal cut short.
	echo x >"$(st)/blobs/sha256/$(fake_id 5)"
	mkdir -p "$(st)/layers/$(fake_id 6)/diff" "$(st)/images/.trash-$(fake_id 4)"
	run_hutch 125 system check
	assert_line "Leftover containers/by-name/ghost:"
	assert_line "Leftover containers/by-name/other:"
	assert_line "	names container ${kid:0:12}, which is called keep"
	assert_line "Leftover containers/by-name/keep:"
	assert_line "Leftover containers/.trash-$gid:"
	assert_line "Leftover containers/by-name/.tmp-keep:"
	assert_line "Leftover containers/.tmp-by-name:"
	assert_line "Leftover $XDG_RUNTIME_DIR/hutch/containers/$rid:"
	assert_line "Leftover $XDG_RUNTIME_DIR/hutch/runtime/$rid:"
	assert_line "Leftover blobs/sha256/$(fake_id 5):"
	assert_line "Damaged layer $(fake_id 6):"
	assert_line "Leftover images/.trash-$(fake_id 4):"
	run_hutch system check --repair
	assert_line "Deleted leftover: containers/by-name/ghost"
	assert_line "Restored: containers/by-name/keep"
	assert_line "Deleted leftover: containers/.trash-$gid"
	[[ ! -e $c/.trash-$gid && ! -e $XDG_RUNTIME_DIR/hutch/containers/$rid ]]
	[[ ! -L $c/by-name/ghost && ! -L $c/by-name/other && ! -L $c/by-name/.tmp-keep ]]
	[[ ! -e $c/.tmp-by-name ]]
	run_hutch system check
	assert_output ""
	# Lookups by name work again, and the store goes on as before.
	run_hutch inspect --format '{{.Id}}' keep
	assert_output "$kid"
	run_hutch start -a keep
	run_hutch create --name gone "$IMAGE" true
}

@test "system check: two records of one name; --repair keeps it where its entry leads and renames the other" {
	run_hutch create --name twin "$IMAGE" true
	local keep=$output
	run_hutch create --name other "$IMAGE" true
	local dup=$output
	# What a rename killed half-way left in earlier versions: both records say "twin".
	local f
	for f in hutch.json state.json; do
		jq -c '.Name = "twin"' "$(st)/containers/$dup/$f" >"$BATS_TEST_TMPDIR/r"
		cp "$BATS_TEST_TMPDIR/r" "$(st)/containers/$dup/$f"
	done
	rm "$(st)/containers/by-name/other"
	run_hutch 125 system check
	assert_line "Damaged container $dup:"
	assert_line "	its name twin is container ${keep:0:12}'s too"
	run_hutch system check --repair
	assert_line --regexp "^Repaired container $dup: renamed from twin to [a-z]+_[a-z]+ \\(${keep:0:12} keeps twin\\)$"
	run_hutch system check
	assert_output ""
	run_hutch inspect --format '{{.Id}}' twin
	assert_output "$keep"
	local fresh
	fresh=$("$HUTCH" inspect --format '{{.Name}}' "$dup")
	[[ $fresh != twin ]]
	run_hutch inspect --format '{{.Id}}' "$fresh"
	assert_output "$dup"
}

@test "system check: volumes half removed or half made by killed commands; --repair removes them" {
	run_hutch volume create half
	run_hutch volume create whole
	echo data >"$(st)/volumes/whole/_data/f"
	# A volume deleted in place and killed half-way, and what a killed rm, prune or create
	# leaves now (renamed aside first).
	rm -rf "$(st)/volumes/half/_data"
	mkdir -p "$(st)/volumes/.trash-gone-999999/_data" "$(st)/volumes/.tmp-new-999999/_data"
	run_hutch volume ls -q
	assert_output "whole"
	run_hutch 125 system check
	assert_line "Leftover volumes/half:"
	assert_line "	a volume half removed (no _data): its name cannot be used"
	assert_line "Leftover volumes/.trash-gone-999999:"
	assert_line "Leftover volumes/.tmp-new-999999:"
	refute_line --partial "volumes/whole"
	run_hutch system check --repair
	assert_line "Deleted leftover: volumes/half"
	run_hutch system check
	assert_output ""
	run_hutch volume create half
	run_hutch volume ls -q
	assert_line half
	assert_line whole
	[[ $(cat "$(st)/volumes/whole/_data/f") == data ]]
}

@test "store open: leftovers of killed commands go, those of live ones stay" {
	local chain live
	chain=$(fake_id 3)
	live=$(fake_id 2)
	mkdir -p "$(st)/layers/.tmp-$chain/diff/big" "$(st)/layers/.tmp-$live/diff" \
		"$(st)/tmp/save-abc" "$(st)/containers/.tmp-$(fake_id 1)/upper"
	head -c 1M /dev/zero >"$(st)/layers/.tmp-$chain/diff/big/file"
	# A live pull of another layer holds that layer's lock and gc.lock shared.
	local ready=$BATS_TEST_TMPDIR/ready
	setsid flock -s "$(st)/gc.lock" flock "$(st)/layers/$live.lock" sh -c "touch $ready; sleep 30" &
	local holder=$!
	wait_for test -e "$ready"
	run_hutch images -q
	[[ ! -e $(st)/layers/.tmp-$chain ]]
	[[ -e $(st)/layers/.tmp-$live ]]
	# tmp/ is only known dead with gc.lock ours; containers/.tmp-ID under meta.lock.
	[[ -e $(st)/tmp/save-abc ]]
	[[ ! -e $(st)/containers/.tmp-$(fake_id 1) ]]
	kill -- -"$holder"
	wait "$holder" || true
	flock -x -w 10 "$(st)/gc.lock" true
	flock -x -w 10 "$(st)/layers/$live.lock" true
	run_hutch images -q
	[[ ! -e $(st)/layers/.tmp-$live && ! -e $(st)/tmp/save-abc ]]
}

@test "store open: pulls killed at random moments leave nothing at the next command" {
	# Not "i": bats's own helpers (run) set a global i.
	local rounds=${HUTCH_STRESS_N:-3} round
	for ((round = 1; round <= rounds; round++)); do
		"$HUTCH" rmi -a -f >/dev/null 2>&1 || true
		"$HUTCH" pull -q --tls-verify=false "$IMAGE" >/dev/null 2>&1 &
		local p=$!
		sleep "$((RANDOM % 4)).$((RANDOM % 10))$((RANDOM % 10))e-1"
		kill -9 "$p" 2>/dev/null || true
		wait "$p" || true
		# The pull's user-namespace child dies with it (PDEATHSIG); give it the moment.
		sleep 0.2
		run_hutch images -q
		run ls -A "$(st)/layers" "$(st)/tmp"
		refute_output --partial ".tmp-"
		# A pull killed between a layer's rename and the image record leaves a whole
		# layer of no image (the next pull reuses it): a leftover for check, no damage.
		run_hutch '?' system check
		refute_output --partial "Damaged"
		local found=${output:+"a leftover"}
		run_hutch system check --repair
		run_hutch system check
		assert_output ""
		echo "# killed pull: round $round of $rounds: ${found:-clean}" >&3
	done
}

@test "system prune: as podman's, with -a and --volumes; asks without -f" {
	run_hutch create --name stopped "$IMAGE" true
	local sid=$output
	run_hutch run -d --name up -v used:/d "$IMAGE" sleep 100
	run_hutch volume create spare
	run bash -c "echo n | '$HUTCH' system prune"
	[[ $output == *"WARNING! This command removes:"* ]]
	[[ $output == *"Are you sure you want to continue? [y/N]"* ]]
	run_hutch inspect --format '{{.Id}}' stopped
	run_hutch system prune -f
	assert_output "Deleted Containers
$sid
Total reclaimed space: ${lines[2]#Total reclaimed space: }"
	run_hutch volume inspect spare
	run_hutch system prune -f --volumes -a
	assert_line "Deleted Volumes"
	assert_line spare
	refute_line used
	run_hutch inspect --format '{{.Id}}' up
	# The image of a running container stays, even with -a.
	run_hutch images -q
	[[ -n $output ]]
	run_hutch rm -f up
	run_hutch system prune -f -a
	assert_line "Deleted Images"
	run_hutch images -q
	assert_output ""
}

@test "system reset: removes everything, running containers too; asks without -f" {
	run_hutch run -d --name up "$IMAGE" sleep 100
	run_hutch volume create v1
	run bash -c "echo n | '$HUTCH' system reset"
	[[ $output == *"WARNING! This will remove:"* ]]
	run_hutch inspect --format '{{.Id}}' up
	run_hutch system reset -f
	assert_output ""
	[[ ! -e $(st) && ! -e $XDG_RUNTIME_DIR/hutch/containers ]]
	assert_no_process "sleep 100"
	run_hutch ps -a -q
	assert_output ""
	run_hutch volume ls -q
	assert_output ""
	run_hutch images -q
	assert_output ""
}
