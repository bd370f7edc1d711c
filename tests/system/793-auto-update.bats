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
	# Its main process is the container's monitor (MAINPID, as podman's conmon), not the ExecStart that has exited.
	local main
	main=$(sysctl show -p MainPID --value "$unit.service")
	[[ $main == "$("$HUTCH" inspect --format '{{.State.ConmonPid}}' "$name")" ]]
}

# The version file of the image container NAME runs now.
au_version() {
	"$HUTCH" exec "$1" cat /version
}

@test "sysd: a Type=notify unit with run -d --sdnotify=conmon has the container's monitor as its main process" {
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
		[[ $main == "$("$HUTCH" inspect --format '{{.State.ConmonPid}}' aunotify)" ]]
		run -0 sysctl is-active "$unit.service"
	done
}

@test "auto-update registry: --dry-run says pending and changes nothing; a new image is pulled and the unit restarted on it" {
	au_manager
	local img=$HUTCH_REGISTRY/au-reg:latest unit=hutch-au-reg-$$
	au_image au-reg one
	run_hutch pull -q --tls-verify=false "$img"
	au_unit "$unit" aureg registry "$img"
	[[ $(au_version aureg) == one ]]
	local cid old
	cid=$("$HUTCH" inspect --format '{{.Id}}' aureg)
	old=$("$HUTCH" images -q "$img")
	run_hutch auto-update --tls-verify=false
	assert_line --index 0 --regexp '^UNIT +CONTAINER +IMAGE +POLICY +UPDATED$'
	assert_line --index 1 --regexp "^$unit.service +${cid:0:12} \\(aureg\\) +$img +registry +false$"
	au_image au-reg two
	run_hutch auto-update --tls-verify=false --dry-run
	assert_line --index 1 --regexp "^$unit.service +${cid:0:12} \\(aureg\\) +$img +registry +pending$"
	[[ $("$HUTCH" images -q "$img") == "$old" ]]
	[[ $("$HUTCH" inspect --format '{{.Id}}' aureg) == "$cid" ]]
	run_hutch auto-update --tls-verify=false --format '{{.Unit}},{{.ContainerName}},{{.ContainerID}},{{.Image}},{{.Policy}},{{.Updated}}'
	# The pull's progress on stderr, as podman's.
	assert_equal "$(head -1 <<<"$stderr")" "Trying to pull $img..."
	assert_output "$unit.service,aureg,$cid,$img,registry,true"
	# The unit runs the new image, in a new container.
	run -0 sysctl is-active "$unit.service"
	[[ $(au_version aureg) == two ]]
	[[ $("$HUTCH" inspect --format '{{.Id}}' aureg) != "$cid" ]]
	[[ $("$HUTCH" images -q "$img") != "$old" ]]
	run_hutch auto-update --tls-verify=false --format json
	run -0 jq -r '.[0].Updated' <<<"$output"
	assert_output false
}

@test "auto-update registry: a unit that fails on the new image rolls back to the old one" {
	au_manager
	local img=$HUTCH_REGISTRY/au-roll:latest unit=hutch-au-roll-$$
	au_image au-roll one
	run_hutch pull -q --tls-verify=false "$img"
	au_unit "$unit" auroll registry "$img"
	local old
	old=$("$HUTCH" images -q "$img")
	au_image au-roll broken 'exit 1'
	run_hutch auto-update --tls-verify=false --format '{{.Unit}} {{.Updated}}'
	assert_output "$unit.service rolled back"
	# The old image has its name back, and the unit runs it again.
	[[ $("$HUTCH" images -q "$img") == "$old" ]]
	run -0 sysctl is-active "$unit.service"
	[[ $(au_version auroll) == one ]]
	# Without rollback: failed, and the unit stays down.
	run_hutch 125 auto-update --tls-verify=false --rollback=false --format '{{.Updated}}'
	assert_output failed
	assert_equal "$(tail -1 <<<"$stderr")" "Error: restarting unit $unit.service during update: systemd unit \"$unit.service\" is not active after its restart"
	run -3 sysctl is-active "$unit.service"
}

@test "auto-update local: the image now named so; a unit that is not there fails" {
	au_manager
	local img=$HUTCH_REGISTRY/au-local:latest unit=hutch-au-local-$$
	au_image au-local one
	run_hutch pull -q --tls-verify=false "$img"
	au_unit "$unit" aulocal local "$img"
	run_hutch auto-update --format '{{.Image}} {{.Policy}} {{.Updated}}'
	assert_output "$img local false"
	# A newer image under the name in the store (no registry asked: the local policy).
	au_image au-local two
	run_hutch pull -q --tls-verify=false "$img"
	run_hutch auto-update --dry-run --format '{{.Updated}}'
	assert_output pending
	run_hutch auto-update --format '{{.Updated}}'
	assert_output true
	[[ $(au_version aulocal) == two ]]
	# A container whose unit the manager does not know: failed, with systemd's words, and
	# the old image named again (the rollback's restart fails too).
	run_hutch tag "$img" localhost/au-gone:latest
	local old
	old=$("$HUTCH" images -q localhost/au-gone:latest)
	PODMAN_SYSTEMD_UNIT=hutch-au-gone-$$.service run_hutch run -d --name gone \
		--label io.containers.autoupdate=local localhost/au-gone:latest /start
	au_image au-local three
	run_hutch pull -q --tls-verify=false "$img"
	run_hutch tag "$img" localhost/au-gone:latest
	run_hutch 125 auto-update --format '{{.ContainerName}} {{.Updated}}'
	assert_line "gone failed"
	# The pull updated aulocal's image too.
	assert_line "aulocal true"
	[[ $(au_version aulocal) == three ]]
	assert_equal "$stderr" "Error: restarting unit hutch-au-gone-$$.service during rollback: Unit hutch-au-gone-$$.service not found."
	[[ $("$HUTCH" images -q localhost/au-gone:latest) == "$old" ]]
}

@test "auto-update: bad labels, no unit label, no manager, operands" {
	run_hutch 125 auto-update x
	assert_equal "$stderr" 'Error: `hutch auto-update` takes no arguments'
	# Nothing labelled: no output at all.
	run_hutch run -d --name plain "$IMAGE" sleep 100
	run_hutch auto-update
	assert_output ''
	# Only running containers count.
	run_hutch create --name notrunning --label io.containers.autoupdate=bogus "$IMAGE" true
	run_hutch auto-update
	run_hutch run -d --name bogus --label io.containers.autoupdate=bogus "$IMAGE" sleep 100
	run_hutch 125 auto-update
	assert_equal "$stderr" 'Error: invalid auto-update policy "bogus": valid policies are ["disabled" "image" "local" "registry"]'
	run_hutch rm -f -t0 bogus
	run_hutch run -d --name off --label io.containers.autoupdate=disabled "$IMAGE" sleep 100
	run_hutch auto-update
	assert_output ''
	run env -u PODMAN_SYSTEMD_UNIT "$HUTCH" run -d --name nounit \
		--label io.containers.autoupdate=registry "$IMAGE" sleep 100
	local id
	id=$("$HUTCH" inspect --format '{{.Id}}' nounit)
	PODMAN_SYSTEMD_UNIT=x.service run_hutch run -d --name unit \
		--label io.containers.autoupdate=registry "$IMAGE" sleep 100
	# Both failures, listed as podman lists them; no manager reached from here (the
	# test's runtime dir has none).
	run_hutch 125 auto-update
	assert_output ''
	[[ $stderr == "Error: 2 errors occurred:"* ]]
	assert_equal "$(sed -n 2p <<<"$stderr")" "	* auto-updating container \"$id\": no PODMAN_SYSTEMD_UNIT label found"
	[[ $(sed -n 3p <<<"$stderr") == "	* connecting to the systemd user manager: "* ]]
}
