#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# A reference's 255-character limit holds for the name once qualified (found by
# fuzz_reference): a short name that fits but grows past it under localhost/ or
# docker.io/library/ is refused instead of being stored as a name that never parses again.

load helpers
load storage_helpers

@test "reference limits: tag refuses a name too long once qualified" {
	pull_fixture base
	local long base=$HUTCH_REGISTRY/base
	long=$(printf 'a%.0s' {1..250})
	run_hutch 125 tag "$base" "$long"
	assert_equal "$stderr" "Error: invalid reference format \"localhost/$long:latest\": repository name longer than 255 characters"
	run_hutch 125 tag "$base" "docker.io/${long:0:240}"
	assert_regex "$stderr" "^Error: invalid reference format \"docker.io/library/a+:latest\": repository name longer than 255 characters\$"
	# What fits is still taken, and found again by that name.
	run_hutch tag "$base" "${long:0:240}"
	run_hutch inspect --format '{{.Id}}' "localhost/${long:0:240}"
	run_hutch images --format '{{.Repository}}'
	refute_output --partial "$long"
}
