#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Shell completion with live names and per-option values (issue 14): the committed bash
# script, driven as bash drives it (COMP_WORDS, COMP_CWORD, then the completion function),
# offers the names podman's completion offers for the same command, and each option's own
# values, checked against podman 4.3.1's `podman __complete`.

load container_helpers

# complete_bash WORD...: what bash offers for the line `hutch WORD...`, the last word being
# the one completed (may be ""), sorted, one a line.
complete_bash() {
	# shellcheck disable=SC2016
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hutch
		printf "%s\n" "${COMPREPLY[@]}"' _ "$HUTCH_TOP/completions/hutch.bash" "$HUTCH" "$@" |
		sed '/^$/d' | sort
}

# What podman 4.3.1 offers for `podman ARGS... ""`, sorted (its private store: no names).
podman_values() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman" \
		__complete "$@" "" 2>/dev/null | sed '/^:/d; /^Completion ended/d; /^$/d' | sort
}

@test "completion: running containers for stop, startable ones for start, all for rm" {
	run_hutch run -d --name run1 --network none "$IMAGE" sleep 300
	run_hutch create --name made1 --network none "$IMAGE" true
	run_hutch run --name done1 --network none "$IMAGE" true
	run_hutch inspect --format '{{.Id}}' run1
	local id=$output

	for cmd in stop kill exec attach stats "container stop"; do
		# shellcheck disable=SC2086
		run complete_bash $cmd ""
		assert_output "run1"
	done
	run complete_bash start ""
	assert_output "done1
made1"
	run complete_bash container start m
	assert_output "made1"
	for cmd in rm logs wait restart top port "container inspect" "container rm"; do
		# shellcheck disable=SC2086
		run complete_bash $cmd ""
		assert_output "done1
made1
run1"
	done
	# inspect takes any object, as podman's: containers and images here.
	run complete_bash inspect ""
	assert_output "$IMAGE
done1
made1
run1"
	# No container is paused; unpause offers none.
	run complete_bash unpause ""
	assert_output ""
	# IDs once two characters are typed, as podman offers them (12 characters). Ten typed
	# here: three could be another container's too (IDs are random).
	run complete_bash stop "${id:0:10}"
	assert_output "${id:0:12}"
	run complete_bash start "${id:0:10}"
	assert_output ""
	# Options still complete before the operand.
	run complete_bash stop --ig
	assert_output "--ignore"
}

@test "completion: the same names as podman 4.3.1 for containers in the same states" {
	command -v podman >/dev/null || skip_machine "podman is not installed"
	local p=(podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman"
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend none --runtime runc)
	"${p[@]}" pull -q --tls-verify=false "docker://$IMAGE" >/dev/null
	"${p[@]}" run -d --network none --name run1 "$IMAGE" sleep 300 >/dev/null
	"${p[@]}" create --network none --name made1 "$IMAGE" true >/dev/null
	"${p[@]}" run --network none --name done1 "$IMAGE" true >/dev/null
	run_hutch run -d --name run1 --network none "$IMAGE" sleep 300
	run_hutch create --name made1 --network none "$IMAGE" true
	run_hutch run --name done1 --network none "$IMAGE" true
	local cmd theirs mine bad=""
	# (Not diff: podman's also offers images, which hutch's diff does not take.)
	for cmd in stop start rm kill exec attach logs wait restart unpause pause stats top port \
		rename export "container inspect"; do
		# shellcheck disable=SC2086
		theirs=$("${p[@]}" __complete $cmd "" 2>/dev/null |
			sed '/^:/d; /^Completion ended/d; /^$/d' | sort)
		# shellcheck disable=SC2086
		mine=$(complete_bash $cmd "")
		[[ $mine == "$theirs" ]] || bad+=" $cmd: hutch [${mine//$'\n'/ }] podman [${theirs//$'\n'/ }];"
	done
	"${p[@]}" rm -f -t 0 run1 >/dev/null 2>&1 || true
	"${p[@]}" system reset -f >/dev/null 2>&1 || true
	[[ -z $bad ]] || fail "completions differ from podman's:$bad"
}

@test "completion: images for run, create, rmi and tag; pods and volumes for theirs" {
	run complete_bash run ""
	assert_output "$IMAGE"
	run complete_bash run --rm -it ""
	assert_output "$IMAGE"
	# A short form of the name once something is typed, as podman does.
	run complete_bash create ba
	assert_output "base:latest"
	run complete_bash rmi ""
	assert_output "$IMAGE"
	run complete_bash image inspect ""
	assert_output "$IMAGE"
	# After the image comes the container's command: no more image names.
	run complete_bash run "$IMAGE" ""
	refute_output --partial "$IMAGE"

	run_hutch volume create vol1
	run_hutch pod create --name pod1 --network none
	run complete_bash volume rm ""
	assert_output "vol1"
	run complete_bash volume create ""
	assert_output ""
	run complete_bash pod rm ""
	assert_output "pod1"
	run complete_bash run --pod ""
	assert_output "pod1"
	run complete_bash run -v vo
	assert_line "vol1"
	run_hutch pod rm -f pod1
}

@test "completion: each option offers its own values, as podman's do" {
	command -v podman >/dev/null || skip_machine "podman is not installed"
	local line mine
	for line in "run --pull" "run --restart" "create --pull" "ps --format" "images --format" \
		"volume inspect --format" "pod ps --format" "diff --format" "history --format"; do
		# shellcheck disable=SC2086
		run complete_bash $line ""
		mine=$output
		# shellcheck disable=SC2086
		run podman_values $line
		[[ $mine == "$output" ]] || fail "$line: hutch offers [$mine], podman [$output]"
	done
	run complete_bash run --pull ""
	assert_output "always
missing
never
newer"
	run complete_bash create --pull n
	assert_output "never
newer"
	# Not every value of every option: the log driver's and userns' are not networks.
	run complete_bash run --network ""
	refute_output --partial "k8s-file"
	refute_output --partial "keep-id"
	assert_line "slirp4netns"
	assert_line "container:"
	run complete_bash run --log-driver ""
	assert_output "k8s-file
none
passthrough"
	# Signals without SIG, as podman offers them, for --signal and --stop-signal.
	run complete_bash kill --signal ""
	assert_line "KILL"
	assert_line "TERM"
	assert_line "RTMIN+1"
	refute_output --partial "always"
	run complete_bash kill -s HU
	assert_output "HUP"
	run podman_values kill --signal
	assert_line "HUP"
}

@test "completion: __complete works on an empty store and takes a prefix" {
	run_hutch __complete containers-running
	assert_output ""
	run_hutch __complete images ba
	assert_output "base:latest"
	run_hutch __complete commands sto
	assert_output "stop"
	run_hutch 125 __complete nosuch
}

# A bin dir with hutch by name: the zsh and fish scripts call `hutch __complete`.
hutch_on_path() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$HUTCH" "$BATS_TEST_TMPDIR/bin/hutch"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

@test "completion: fish offers running containers for stop, pods for pod stop, values for --pull" {
	command -v fish >/dev/null || skip_machine "fish is not installed"
	hutch_on_path
	run_hutch run -d --name run1 --network none "$IMAGE" sleep 300
	run_hutch create --name made1 --network none "$IMAGE" true
	local script=$HUTCH_TOP/completions/hutch.fish
	run fish -c "source $script; complete -C 'hutch stop '"
	assert_output "run1"
	run fish -c "source $script; complete -C 'hutch start '"
	assert_output "made1"
	# `pod stop` is not `stop`: pods, of which there are none.
	run fish -c "source $script; complete -C 'hutch pod stop '"
	assert_output ""
	# The option's own values and no file names.
	run fish -c "source $script; complete -C 'hutch run --pull '"
	assert_output "always	Pull the image: always, missing, never
missing	Pull the image: always, missing, never
never	Pull the image: always, missing, never
newer	Pull the image: always, missing, never"
}

@test "completion: zsh completes a running container's name for stop" {
	command -v zsh >/dev/null || skip_machine "zsh is not installed"
	hutch_on_path
	run_hutch run -d --name run1 --network none "$IMAGE" sleep 300
	run_hutch create --name made1 --network none "$IMAGE" true
	# A real interactive zsh on a pseudo-terminal: compinit with the committed _hutch, then
	# "hutch stop " and a TAB; the one running container is put on the line.
	cat >"$BATS_TEST_TMPDIR/drive.zsh" <<'ZSH'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; print READY"
local out all=""
while zpty -r -t z out; do all+=$out; [[ $all == *READY* ]] && break; done
zpty -n -w z "$2"$'\t'
sleep 2
all=""
while zpty -r -t z out; do all+=$out; done
print -r -- "$all"
zpty -d z
ZSH
	run env TERM=dumb zsh -f "$BATS_TEST_TMPDIR/drive.zsh" "$HUTCH_TOP/completions" "hutch stop "
	assert_output --partial "hutch stop run1"
	run env TERM=dumb zsh -f "$BATS_TEST_TMPDIR/drive.zsh" "$HUTCH_TOP/completions" "hutch start "
	assert_output --partial "hutch start made1"
}
