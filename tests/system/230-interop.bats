#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Interop with podman (issue #4): an image podman pushes to the test registry (Docker
# schema2, layers recompressed by podman) is pulled and read by hutch.

load helpers
load storage_helpers

podman_() {
	podman --root "$BATS_TEST_TMPDIR/podman" --runroot "$XDG_RUNTIME_DIR/podman" \
		--storage-driver vfs "$@"
}

teardown() {
	podman_ system reset -f >/dev/null 2>&1 || true
}

@test "interop: an image podman pushed is pulled and unpacked by hutch" {
	command -v podman >/dev/null || skip_machine "podman is not installed"
	run podman_ pull -q --tls-verify=false "docker://$HUTCH_REGISTRY/layers:latest"
	assert_success
	run podman_ push -q --tls-verify=false --format v2s2 "${lines[-1]}" "docker://$HUTCH_REGISTRY/frompodman:latest"
	assert_success
	pull_fixture frompodman
	run_hutch image inspect --format '{{.ManifestType}}' "$HUTCH_REGISTRY/frompodman"
	assert_output "application/vnd.docker.distribution.manifest.v2+json"
	in_rootfs overlay "$HUTCH_REGISTRY/frompodman" 'cd $ROOTFS; ls -A opaque; cat data/added3.txt; stat -c %u data/owned1000; test -e data/deleted.txt || echo deleted'
	assert_output "new.txt
added in layer 3
1000
deleted"
}
