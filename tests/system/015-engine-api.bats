#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The engine as an API without the CLI (issue 12): tests/engine/engine_drive.c pulls with a
# recording progress sink, creates, starts and execs with pipes as the streams, attaches,
# stops, copies out to an fd, inspects and removes, and exits non-zero naming the first
# mismatch. It is built by `make unit-bins`.

load helpers

DRIVE=$HUTCH_TOP/build/obj/tests/engine_drive

@test "engine API: pull with a progress sink, then a container's life with pipes as stdio" {
	[[ -x $DRIVE ]] || fail "$DRIVE is missing: build it with make unit-bins"
	# The engine finds hutch-monitor beside its own program, and names the program as the
	# monitor's exit command (engine_drive __cleanup ID): a directory of its own.
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	cp "$DRIVE" "$bin/engine_drive"
	ln -s "$HUTCH_TOP/hutch-monitor" "$bin/hutch-monitor"
	ln -s "$HUTCH_TOP/hutch-init" "$bin/hutch-init"
	# layers: three blobs, for the progress events of parallel downloads.
	run --separate-stderr "$bin/engine_drive" "$HUTCH_REGISTRY/layers:latest"
	echo "$output"
	[[ -z $stderr ]] || echo "[stderr] $stderr"
	assert_success
	assert_line "engine_drive: all steps passed"
	assert_line "pull: 3 blobs, bytes add up"
	# What the engine left is what hutch reads: the image, and no container.
	run_hutch images --format '{{.Repository}}:{{.Tag}}'
	assert_output "$HUTCH_REGISTRY/layers:latest"
	run_hutch ps -a -q
	assert_output ""
}
