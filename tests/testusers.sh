# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Root-only helpers shared by tests/check.sh and tests/demo.sh: the unprivileged users the
# rootless suite runs as, created idempotently, and devices made usable as on a normal distro.

ensure_user() { # name want_ranges
	local name=$1 ranges=$2
	if ! id -u "$name" >/dev/null 2>&1; then
		useradd -m -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$name"
	fi
	if [[ $ranges == yes ]]; then
		grep -q "^$name:" /etc/subuid 2>/dev/null ||
			usermod --add-subuids 1000000-1065535 "$name"
		grep -q "^$name:" /etc/subgid 2>/dev/null ||
			usermod --add-subgids 1000000-1065535 "$name"
	else
		sed -i "/^$name:/d" /etc/subuid /etc/subgid 2>/dev/null || true
	fi
	local uid
	uid=$(id -u "$name")
	# What a login session gives: a private XDG_RUNTIME_DIR.
	install -d -m 0700 -o "$name" -g "$(id -g "$name")" "/run/user/$uid"
}

# /dev/fuse and /dev/net/tun are 0600 on some fresh machines; distros ship them 0666.
open_devices() {
	local dev
	for dev in /dev/fuse /dev/net/tun; do
		if [[ -e $dev ]]; then chmod 0666 "$dev"; fi
	done
}
