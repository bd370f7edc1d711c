#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The systemd user manager that tests/check.sh starts for the unit tests of issue 16: it
# runs, starts a unit, runs a generator placed in $HUTCH_SYSD_GENERATORS, and delivers a
# Type=notify unit's READY=1 (what Notify= units of hutch need).

load helpers

@test "sysd: the user manager starts a transient unit and runs generators" {
	sysd_require
	run -0 env XDG_RUNTIME_DIR="$HUTCH_SYSD_RUNTIME" systemd-run --user --wait -q -p Type=exec /bin/true
	local out=$BATS_TEST_TMPDIR/gen-out unit=hutch-sysd-probe-$$
	cat >"$HUTCH_SYSD_GENERATORS/$unit" <<X
#!/bin/sh
printf '[Service]\\nType=notify\\nNotifyAccess=all\\nExecStart=/bin/sh -c "echo ran >$out; systemd-notify --ready; sleep 60"\\n' >"\$1/$unit.service"
X
	chmod +x "$HUTCH_SYSD_GENERATORS/$unit"
	run -0 sysctl daemon-reload
	run -0 timeout 20 env XDG_RUNTIME_DIR="$HUTCH_SYSD_RUNTIME" systemctl --user start "$unit.service"
	[[ $(cat "$out") == ran ]]
	run -0 sysctl is-active "$unit.service"
	run -0 sysctl stop "$unit.service"
	rm -f "$HUTCH_SYSD_GENERATORS/$unit"
	run -0 sysctl daemon-reload
	run -4 sysctl status "$unit.service"
}
