#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# run -it and exec -it through a real pty (util-linux script): typed input echoes, the
# window size of the outer terminal reaches the container, the shell's status comes back.

load container_helpers

# tty_run SCRIPT_INPUT CMD: run CMD under `script` in a 33x101 pty, feeding the input slowly.
tty_run() {
	local input=$1
	shift
	run bash -c "{ sleep 1.5; printf '%b' '$input'; sleep 2; } | script -qfec 'stty rows 33 cols 101; $*' /dev/null"
	echo "$output"
}

# detach_run FILE KEYS HUTCH-ARGS...: exec -it a shell in a pty, have it write its PID to
# FILE, then type KEYS.
detach_run() {
	local file=$1 keys=$2
	shift 2
	run bash -c "{ sleep 2; printf 'echo \$\$ >$file\\n'; sleep 2; printf '$keys'; sleep 2; } |
		script -qfec \"'$HUTCH' $*\" /dev/null"
	echo "$output"
}

@test "run -it: echo of typed input, stty size, the shell's exit status" {
	tty_run 'echo typed-$((6*7))\nstty size\nexit 3\n' "'$HUTCH' run -it --name tt '$IMAGE' sh"
	[[ $status -eq 3 ]]
	[[ $output == *"echo typed-\$((6*7))"* ]]
	[[ $output == *"typed-42"* ]]
	[[ $output == *"33 101"* ]]
}

@test "exec -it into a running container through its own pty" {
	run_hutch run -d --name ex "$IMAGE" sleep 300
	tty_run 'tty\nstty size\nexit 4\n' "'$HUTCH' exec -it ex sh"
	[[ $status -eq 4 ]]
	[[ $output == *"/dev/pts/"* ]]
	[[ $output == *"33 101"* ]]
}

@test "exec -it: the window size follows the outer terminal's (SIGWINCH)" {
	run_hutch run -d --name ew "$IMAGE" sleep 300
	# A background job resizes the pty at 3 s: the kernel signals the foreground (hutch).
	run bash -c "{ sleep 1.5; printf 'stty size\n'; sleep 3; printf 'stty size\nexit 5\n'; sleep 2; } |
		script -qfec 'stty rows 33 cols 101; (sleep 3; stty rows 40 cols 90 </dev/tty) & \"$HUTCH\" exec -it ew sh' /dev/null"
	echo "$output"
	[[ $status -eq 5 ]]
	[[ $output == *"33 101"* ]]
	[[ $output == *"40 90"* ]]
}

@test "exec -it: the detach keys leave the process running; --detach-keys changes them" {
	run_hutch run -d --name ed "$IMAGE" sleep 300
	detach_run /tmp/shpid '\x10\x11' exec -it ed sh
	[[ $status -eq 0 ]]
	run_hutch exec ed sh -c 'kill -0 "$(cat /tmp/shpid)" && cat /proc/$(cat /tmp/shpid)/comm'
	assert_output "sh"
	# Other keys: ctrl-x,y detaches.
	detach_run /tmp/shpid2 '\x18y' exec -it --detach-keys ctrl-x,y ed sh
	[[ $status -eq 0 ]]
	run_hutch exec ed sh -c 'kill -0 "$(cat /tmp/shpid2)"'
	run_hutch 125 exec -it --detach-keys bogus-key ed sh
	[[ $stderr == *'invalid detach keys "bogus-key"'* ]]
}
