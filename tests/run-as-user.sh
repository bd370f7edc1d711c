#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Developer helper (root): run some system test files as the unprivileged test user, the
# way tests/check.sh does, without running the whole suite.
#   tests/run-as-user.sh tests/system/200-pull.bats [more.bats...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
name=${HUTCH_TEST_USER:-hutchst}
# shellcheck source=tests/testusers.sh
. "$top/tests/testusers.sh"
ensure_user "$name" yes
open_devices
stage=/var/tmp/hutch-dev-$name
mkdir -p "$stage"
rsync -a --delete --exclude .git "$top/" "$stage/"
chown -R "$name:" "$stage"
uid=$(id -u "$name")
cd "$stage"
exec runuser -u "$name" -- env -i HOME="$(getent passwd "$name" | cut -d: -f6)" USER="$name" \
	PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
	XDG_RUNTIME_DIR="/run/user/$uid" TERM=dumb bats "${BATS_ARGS[@]:---print-output-on-failure}" "$@"
