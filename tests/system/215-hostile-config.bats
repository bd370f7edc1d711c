#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Hostile image configs (what fuzz_image_config found): an image whose Env, Cmd or
# Entrypoint holds something else than strings pulls, but run refuses it with one clean
# error (exit 125) instead of crashing on a null.

load helpers

setup() {
	hutch_isolate
}

@test "hostile image config: a null or a number in Env, Cmd or Entrypoint is a clean error" {
	local cfg name n=0
	for cfg in '{"Env": ["A=1", null]}' '{"Cmd": ["sh", 5]}' '{"Entrypoint": [null]}'; do
		name=badcfg$((++n))
		push_image "$name" --base --config "$cfg"
		run_hutch pull -q --tls-verify=false "$HUTCH_REGISTRY/$name"
		run_hutch 125 run --rm "$HUTCH_REGISTRY/$name" true
		assert_equal "${#stderr_lines[@]}" 1
		[[ $stderr == "Error: "*"is not a string" ]] || fail "unexpected: $stderr"
	done
	# Nothing was left behind by the refused runs.
	run_hutch ps -a -q
	assert_output ""
}
