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
	rm -rf "$stage/tests"
	install -d -o "$user" "$stage/tests"
	for p in hutch hutch-monitor hutch-init hutch-runtime; do
		install -m 0755 -o "$user" "$top/$p" "$stage/$p"
	done
	cp -r "$top/tests/fixtures" "$stage/tests/"
	chown -R "$user:" "$stage/tests"
	install -m 0755 -o "$user" "$top/tests/demo.sh" "$stage/demo.sh"
	exec runuser -u "$user" -- env -i HOME="$(getent passwd "$user" | cut -d: -f6)" \
		USER="$user" PATH=/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
		XDG_RUNTIME_DIR="/run/user/$(id -u "$user")" HUTCH="$stage/hutch" \
		HUTCH_FIXTURES_DIR="$stage/tests/fixtures" bash "$stage/demo.sh"
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

# A real container from an image built offline from the host's busybox-static, served by a
# loopback registry for the length of the demo.
fixtures=${HUTCH_FIXTURES_DIR:-$top/tests/fixtures}
demo=$(mktemp -d "${TMPDIR:-/tmp}/hutch-demo.XXXXXX")
export XDG_DATA_HOME=$demo/data XDG_RUNTIME_DIR=$demo/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 0700 "$XDG_RUNTIME_DIR"
cleanup() {
	"$hutch" rm -a -f >/dev/null 2>&1 || true
	"$fixtures/registry.sh" stop "$demo/registry" >/dev/null 2>&1 || true
	"$hutch" unshare rm -rf "$demo" 2>/dev/null || rm -rf "$demo"
}
trap cleanup EXIT
say "building the fixture images from busybox-static"
"$fixtures/mkimages.py" "$demo/images" >/dev/null
registry=$("$fixtures/registry.sh" start "$demo/registry")
"$fixtures/registry.sh" push "$demo/registry" "$demo/images" >/dev/null
image=$registry/base:latest
step "$hutch" pull -q --tls-verify=false "$image"
step "$hutch" images
# shellcheck disable=SC2016 # expanded in the container
step "$hutch" run --rm "$image" sh -c 'echo hello from $(hostname); id; cat /proc/self/uid_map'
step "$hutch" run -d --init --name demo "$image" sh -c 'echo started; exec sleep 300'
step "$hutch" ps
sleep 0.3
step "$hutch" logs demo
step "$hutch" exec demo ps
step "$hutch" top demo
step "$hutch" stop -t 1 demo
step "$hutch" ps -a
step "$hutch" rm demo
