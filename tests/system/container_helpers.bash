# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the container tests: the fixture image pulled into this test's own store.

load helpers

IMAGE=${HUTCH_REGISTRY:-127.0.0.1:5000}/base:latest

setup() {
	hutch_isolate
	run_hutch pull -q --tls-verify=false "$IMAGE"
}

teardown() {
	# Leave nothing running behind a test, whatever happened in it.
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

# wait_for CMD...: retry a condition for up to 10 s.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	return 1
}
