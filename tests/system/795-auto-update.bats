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

# ---------- under the systemd user manager ----------

# The test's units, stopped and removed in teardown.
UNITS=()

teardown() {
	local u
	for u in "${UNITS[@]}"; do
		sysctl stop "$u.service" >/dev/null 2>&1 || true
		rm -f "$HOME/.config/systemd/user/$u.service"
	done
	((${#UNITS[@]} == 0)) || sysctl daemon-reload || true
	"$HUTCH" rm -a -f >/dev/null 2>&1 || true
}

# The manager for hutch's systemctl: the test's runtime dir is its own, the manager's
# socket is in the user's (systemctl --user looks in $XDG_RUNTIME_DIR/systemd).
au_manager() {
	sysd_require
	ln -s "$HUTCH_SYSD_RUNTIME/systemd" "$XDG_RUNTIME_DIR/systemd"
}

# au_image NAME VERSION [START]: push NAME:latest with /version and /start (the unit's
# command: by default it runs; "exit 1" makes a broken image).
au_image() {
	local start=${3:-exec sleep 1000}
	push_image "$1" --base --layer "[{\"name\":\"version\",\"data\":\"$2\"},
		{\"name\":\"start\",\"mode\":\"0755\",\"data\":\"#!/bin/sh\\n$start\\n\"}]" >/dev/null
}

# au_unit UNIT NAME POLICY IMAGE: a unit as `generate systemd --new` writes them, with the
# test's store, started.
au_unit() {
	local unit=$1 name=$2 policy=$3 ref=$4
	UNITS+=("$unit")
	mkdir -p "$HOME/.config/systemd/user"
	cat >"$HOME/.config/systemd/user/$unit.service" <<X
[Service]
Type=notify
NotifyAccess=all
Environment=PODMAN_SYSTEMD_UNIT=%n
Environment=XDG_DATA_HOME=$XDG_DATA_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR
ExecStartPre=/bin/rm -f %t/%n.cid
ExecStart=$HUTCH run --sdnotify=conmon --replace --cidfile=%t/%n.cid -d --name $name --label io.containers.autoupdate=$policy $ref /start
ExecStop=$HUTCH rm -f -i --cidfile=%t/%n.cid
X
	sysctl daemon-reload
	run -0 timeout 60 env XDG_RUNTIME_DIR="$HUTCH_SYSD_RUNTIME" systemctl --user start "$unit.service"
	# Its main process is the container's (MAINPID), not the ExecStart that has exited.
	local main
	main=$(sysctl show -p MainPID --value "$unit.service")
	[[ $main == "$("$HUTCH" inspect --format '{{.State.Pid}}' "$name")" ]]
}

# The version file of the image container NAME runs now.
au_version() {
	"$HUTCH" exec "$1" cat /version
}

@test "sysd: a Type=notify unit with run -d --sdnotify=conmon has the container as its main process" {
	sysd_require
	local img=$HUTCH_REGISTRY/au-notify:latest unit=hutch-au-notify-$$ main
	au_image au-notify one
	run_hutch pull -q --tls-verify=false "$img"
	# ExecStart exits as soon as the container runs: systemd must have heard MAINPID by
	# then, each time (au_unit checks the main PID).
	au_unit "$unit" aunotify disabled "$img"
	for _ in 1 2 3; do
		run -0 timeout 60 env XDG_RUNTIME_DIR="$HUTCH_SYSD_RUNTIME" systemctl --user restart "$unit.service"
		main=$(sysctl show -p MainPID --value "$unit.service")
		[[ $main == "$("$HUTCH" inspect --format '{{.State.Pid}}' aunotify)" ]]
		run -0 sysctl is-active "$unit.service"
	done
}
