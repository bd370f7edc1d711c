#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# auto-update (issue 16), as podman 4.3.1's: create records the PODMAN_SYSTEMD_UNIT of its
# environment as a label; auto-update finds running containers with the
# io.containers.autoupdate label, pulls (registry) or finds (local) a newer image, restarts
# their systemd units under the test's user manager and rolls back a unit that fails.

load container_helpers

@test "create: PODMAN_SYSTEMD_UNIT of the environment becomes a label, over --label" {
	PODMAN_SYSTEMD_UNIT=foo.service run_hutch create --name c1 "$IMAGE" true
	run_hutch inspect --format '{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}' c1
	assert_output foo.service
	# Set but empty: the label still, as podman's.
	PODMAN_SYSTEMD_UNIT='' run_hutch create --name c2 "$IMAGE" true
	run_hutch inspect --format '{{json .Config.Labels}}' c2
	assert_output --partial '"PODMAN_SYSTEMD_UNIT":""'
	PODMAN_SYSTEMD_UNIT=env.service run_hutch create --name c3 \
		--label PODMAN_SYSTEMD_UNIT=mine "$IMAGE" true
	run_hutch inspect --format '{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}' c3
	assert_output env.service
	# Not set: no label.
	run env -u PODMAN_SYSTEMD_UNIT "$HUTCH" create --name c4 "$IMAGE" true
	run_hutch inspect --format '{{json .Config.Labels}}' c4
	refute_output --partial PODMAN_SYSTEMD_UNIT
}

@test "create: the registry policy needs a fully qualified image reference" {
	run_hutch tag "$IMAGE" localhost/au:one
	run_hutch 125 create --label io.containers.autoupdate=registry au:one true
	assert_equal "$stderr" 'Error: short name: auto updates require fully-qualified image reference: "au:one"'
	# image is registry's older name
	run_hutch 125 create --label io.containers.autoupdate=image au:one true
	assert_equal "$stderr" 'Error: short name: auto updates require fully-qualified image reference: "au:one"'
	local id
	id=$("$HUTCH" images -q localhost/au:one)
	run_hutch 125 create --label io.containers.autoupdate=registry "$id" true
	assert_equal "$stderr" "Error: short name: auto updates require fully-qualified image reference: \"$id\""
	# A qualified name, the local policy, a policy auto-update will refuse: all created.
	run_hutch create --label io.containers.autoupdate=registry localhost/au:one true
	run_hutch create --label io.containers.autoupdate=local au:one true
	run_hutch create --label io.containers.autoupdate=bogus au:one true
	run_hutch create --label io.containers.autoupdate=registry \
		--label io.containers.autoupdate=disabled au:one true
}
