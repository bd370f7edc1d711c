#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: a short tour on an embedded default, with no registry access. As root it runs
# as the unprivileged test user (created if needed), as hutch is meant to be used.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
user=${HUTCH_TEST_USER:-hutchtest}

if [[ $(id -u) == 0 ]]; then
	# shellcheck source=tests/testusers.sh
	. "$top/tests/testusers.sh"
	ensure_user "$user" yes
	open_devices
	stage=/var/tmp/hutch-demo
	install -d -o "$user" "$stage"
	install -m 0755 -o "$user" "$top/hutch" "$stage/hutch"
	install -m 0755 -o "$user" "$top/tests/demo.sh" "$stage/demo.sh"
	exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
		USER="$user" PATH=/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="/run/user/$(id -u "$user")" HUTCH="$stage/hutch" \
		bash "$stage/demo.sh"
fi

hutch=${HUTCH:-$top/hutch}
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step() {
	say "$*"
	"$@"
}

echo "hutch demo, as $(id -un) (uid $(id -u))"
step "$hutch" version
step "$hutch" info --format '{{.host.user.name}} has subuids {{json .host.user.subuids}}; native overlay: {{.store.overlay.native}}'
step "$hutch" unshare cat /proc/self/uid_map
step "$hutch" unshare id
work=$(mktemp -d)
touch "$work/file"
step "$hutch" unshare chown 1000:1000 "$work/file"
say "stat -c '%u:%g %n' $work/file   # owned by a subordinate id on the host"
stat -c '%u:%g %n' "$work/file"
step "$hutch" unshare rm -rf "$work"
echo
echo "Containers themselves (hutch run) arrive with the runtime, image and container issues."
