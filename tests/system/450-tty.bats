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
