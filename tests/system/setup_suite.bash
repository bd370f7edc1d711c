# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Once per test run: build the fixture images from busybox-static and start one loopback
# registry filled with them. If either fails the suite fails loudly (no silent skips).

setup_suite() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HUTCH_SUITE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hutch-suite.XXXXXX")
	export HUTCH_SUITE_DIR
	export HUTCH_FIXTURES=$HUTCH_SUITE_DIR/fixtures
	if ! "$top/tests/fixtures/mkimages.py" "$HUTCH_FIXTURES" >&2; then
		echo "setup_suite: building the fixture images failed" >&2
		return 1
	fi
	if ! HUTCH_REGISTRY=$("$top/tests/fixtures/registry.sh" start "$HUTCH_SUITE_DIR/registry"); then
		echo "setup_suite: the test registry did not start" >&2
		return 1
	fi
	export HUTCH_REGISTRY
	if ! "$top/tests/fixtures/registry.sh" push "$HUTCH_SUITE_DIR/registry" "$HUTCH_FIXTURES" >&2; then
		echo "setup_suite: pushing the fixture images failed" >&2
		return 1
	fi
}

teardown_suite() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	if [[ -n ${HUTCH_SUITE_DIR:-} ]]; then
		"$top/tests/fixtures/registry.sh" stop "$HUTCH_SUITE_DIR/registry" || true
		rm -rf "$HUTCH_SUITE_DIR"
	fi
}
