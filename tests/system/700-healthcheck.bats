#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Healthchecks run by the container's monitor on its own timer (issue 16): --health-* flags
# and the image's HEALTHCHECK, `healthcheck run` with podman's exit codes, the status in ps
# and inspect (podman 4.3.1's State.Health), the on-failure actions, the start period, the
# timeout of a hanging check, and the monitor's size with checks running.

load container_helpers

# health C: the health status of container C (also for bash -c in wait_for)
health() {
	"$HUTCH" inspect --format '{{.State.Health.Status}}' "$1"
}
export -f health

@test "healthcheck run: healthy 0, unhealthy 1, 125 without a check or not running; inspect and ps" {
	run_hutch run -d --name ok --health-cmd 'echo hi; exit 0' --health-interval disable "$IMAGE" sleep 300
	run_hutch inspect --format '{{.State.Health.Status}}' ok
	assert_output starting
	run_hutch healthcheck run ok
	assert_output healthy
	run_hutch inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{len .State.Health.Log}}' ok
	assert_output "healthy 0 1"
	run_hutch inspect --format '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' ok
	assert_output "0 hi"
	# podman's Config.Healthcheck: a string runs with CMD-SHELL; zero durations left out
	run_hutch inspect --format '{{json .Config.Healthcheck}}' ok
	assert_output '{"Test":["CMD-SHELL","echo hi; exit 0"],"Timeout":30000000000,"Retries":3}'
	run_hutch inspect --format '{{.Config.HealthcheckOnFailureAction}}' ok
	assert_output none
	run_hutch ps --format '{{.Names}} {{.Status}}'
	[[ $output =~ ^ok\ Up\ .*\(healthy\)$ ]]
	# Failures: 1 each, unhealthy at the third (the default retries); output kept
	run_hutch run -d --name bad --health-cmd 'echo out; echo err >&2; exit 3' --health-interval disable "$IMAGE" sleep 300
	run_hutch 1 healthcheck run bad
	assert_output unhealthy
	run_hutch inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' bad
	assert_output "starting 1"
	run_hutch 1 healthcheck run bad
	run_hutch 1 healthcheck run bad
	run_hutch inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' bad
	assert_output "unhealthy 3"
	run_hutch inspect --format '{{json .State.Health}}' bad
	[[ $output == *'"ExitCode":3,"Output":"out\nerr"'* ]]
	run_hutch ps --filter health=unhealthy --format '{{.Names}} {{.Status}}'
	[[ $output =~ ^bad\ Up\ .*\(unhealthy\)$ ]]
	run_hutch ps --filter health=healthy --format '{{.Names}}'
	assert_output ok
	# A JSON array runs as it is (CMD)
	run_hutch run -d --name arr --health-cmd '["/bin/sh","-c","exit 0"]' --health-interval disable "$IMAGE" sleep 300
	run_hutch inspect --format '{{json .Config.Healthcheck.Test}}' arr
	assert_output '["CMD","/bin/sh","-c","exit 0"]'
	run_hutch healthcheck run arr
	# 125: no healthcheck, not running, no such container (podman's messages)
	run_hutch run -d --name plain "$IMAGE" sleep 300
	run_hutch 125 healthcheck run plain
	[[ $stderr == *"has no defined healthcheck"* ]]
	run_hutch ps --format '{{.Names}} {{.Status}}' --filter name=plain
	[[ $output =~ ^plain\ Up\ [^\(]*$ ]]
	# podman's State.Health of a container without a check: empty
	run_hutch inspect --format '{{json .State.Health}}' plain
	assert_output '{"Status":"","FailingStreak":0,"Log":null}'
	run_hutch create --name idle --health-cmd true "$IMAGE" sleep 300
	run_hutch 125 healthcheck run idle
	[[ $stderr == *"is not running"* ]]
	run_hutch 125 healthcheck run nosuch
	assert_equal "$stderr" 'Error: unable to look up nosuch to perform a health check: no container with name or ID "nosuch" found: no such container'
}

@test "the monitor's timer: healthy, then unhealthy after --health-retries failures; RSS stays small" {
	run_hutch run -d --name flip --health-cmd 'test -e /tmp/ok' --health-interval 1s \
		--health-retries 2 "$IMAGE" sh -c 'touch /tmp/ok; exec sleep 300'
	wait_for bash -c "[[ \$(health flip) == healthy ]]"
	run_hutch exec flip rm /tmp/ok
	wait_for bash -c "[[ \$(health flip) == unhealthy ]]"
	run_hutch inspect --format '{{.State.Health.FailingStreak}}' flip
	[[ $output -ge 2 ]]
	# At most five results kept
	sleep 4
	run_hutch inspect --format '{{len .State.Health.Log}}' flip
	assert_output 5
	# No daemon, no timer unit: the monitor itself, with a check every second, stays small.
	local mpid rss
	mpid=$("$HUTCH" inspect --format '{{.State.ConmonPid}}' flip)
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$mpid/status")
	echo "monitor VmRSS ${rss} kB"
	[[ $rss -le 1024 ]]
	# Passing again: healthy, the streak reset
	run_hutch exec flip touch /tmp/ok
	wait_for bash -c "[[ \$(health flip) == healthy ]]"
	run_hutch inspect --format '{{.State.Health.FailingStreak}}' flip
	assert_output 0
}

@test "--health-start-period: failures in it do not count" {
	run_hutch run -d --name slow --health-cmd 'exit 1' --health-start-period 1m \
		--health-retries 1 --health-interval disable "$IMAGE" sleep 300
	run_hutch 1 healthcheck run slow
	assert_output unhealthy
	run_hutch inspect --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' slow
	assert_output "starting 0"
}

@test "--health-timeout: a hanging check is killed, with what it started" {
	run_hutch run -d --name hang --health-cmd 'sleep 100 & sleep 200' --health-timeout 1s \
		--health-interval disable "$IMAGE" sleep 300
	local t0=$SECONDS
	run_hutch 125 healthcheck run hang
	assert_equal "$stderr" "Error: healthcheck command exceeded timeout of 1s"
	[[ $((SECONDS - t0)) -le 5 ]]
	run_hutch inspect --format '{{range .State.Health.Log}}{{.ExitCode}}{{end}} {{.State.Health.FailingStreak}}' hang
	assert_output "-1 1"
	# Neither the check nor its background child is left in the container.
	wait_for bash -c "! '$HUTCH' exec hang ps -o args | grep -q 'sleep [12]00'"
}

@test "--health-on-failure kill, stop and restart" {
	run_hutch run -d --name k --health-cmd 'exit 1' --health-retries 1 --health-on-failure kill \
		--health-interval disable "$IMAGE" sleep 300
	run_hutch 1 healthcheck run k
	wait_for bash -c "[[ \$('$HUTCH' inspect --format '{{.State.Status}}' k) == exited ]]"
	run_hutch inspect --format '{{.State.ExitCode}} {{.State.Health.Status}}' k
	assert_output "137 unhealthy"
	run_hutch ps -a --filter name=k --format '{{.Status}}'
	[[ $output =~ ^Exited\ \(137\).*\(unhealthy\)$ ]]
	# stop: the stop signal, SIGKILL after --stop-timeout; no restart policy brings it back
	run_hutch run -d --name s --health-cmd 'exit 1' --health-retries 1 --health-on-failure stop \
		--stop-timeout 1 --restart always --health-interval disable "$IMAGE" sleep 300
	run_hutch 1 healthcheck run s
	wait_for bash -c "[[ \$('$HUTCH' inspect --format '{{.State.Status}}' s) == exited ]]"
	sleep 1
	run_hutch inspect --format '{{.State.Status}} {{.State.ExitCode}}' s
	assert_output "exited 137"
	# restart: stopped and started again, whatever the restart policy
	run_hutch run -d --name r --health-cmd 'echo "}]},{\"x\"}"; exit 1' --health-retries 1 --health-on-failure restart \
		--stop-timeout 1 --health-interval disable "$IMAGE" sleep 300
	local pid
	pid=$("$HUTCH" inspect --format '{{.State.Pid}}' r)
	run_hutch 1 healthcheck run r
	wait_for bash -c "p=\$('$HUTCH' inspect --format '{{.State.Status}} {{.State.Pid}}' r); [[ \$p == running* && \$p != 'running $pid' ]]"
	# a fresh start: starting again, the earlier results kept (as podman)
	run_hutch inspect --format '{{.State.Health.Status}} {{len .State.Health.Log}}' r
	assert_output "starting 1"
	run_hutch inspect --format '{{range .State.Health.Log}}{{.Output}}{{end}}' r
	assert_output '}]},{"x"}'
	# the restart was that once: a later end is not restarted (no restart policy)
	run_hutch kill r
	wait_for bash -c "[[ \$('$HUTCH' inspect --format '{{.State.Status}}' r) == exited ]]"
	sleep 1
	run_hutch inspect --format '{{.State.Status}}' r
	assert_output exited
}

@test "the image's HEALTHCHECK applies; --no-healthcheck and --health-cmd none drop it" {
	push_image hc --base --config '{"Healthcheck": {"Test": ["CMD-SHELL", "echo from-image"], "Interval": 60000000000, "Retries": 2}}'
	local img=$HUTCH_REGISTRY/hc:latest
	run_hutch run -d --name img --tls-verify=false "$img" sleep 300
	run_hutch inspect --format '{{json .Config.Healthcheck}}' img
	assert_output '{"Test":["CMD-SHELL","echo from-image"],"Interval":60000000000,"Timeout":30000000000,"Retries":2}'
	run_hutch healthcheck run img
	run_hutch inspect --format '{{range .State.Health.Log}}{{.Output}}{{end}}' img
	assert_output from-image
	run_hutch run -d --name off --no-healthcheck "$img" sleep 300
	run_hutch inspect --format '{{json .Config}}' off
	[[ $output != *'"Healthcheck":'* ]]
	run_hutch 125 healthcheck run off
	run_hutch run -d --name none --health-cmd none "$img" sleep 300
	run_hutch inspect --format '{{json .Config.Healthcheck.Test}}' none
	assert_output '["NONE"]'
	run_hutch 125 healthcheck run none
	[[ $stderr == *"has no defined healthcheck"* ]]
}

@test "--health-* values are checked with podman's messages" {
	run_hutch 125 create --health-cmd true --health-interval bogus "$IMAGE"
	assert_equal "$stderr" 'Error: invalid healthcheck-interval: time: invalid duration "bogus"'
	run_hutch 125 create --health-cmd true --health-interval 500ms "$IMAGE"
	assert_equal "$stderr" 'Error: healthcheck-interval must be at least 1 second'
	run_hutch 125 create --health-cmd true --health-timeout 0s "$IMAGE"
	assert_equal "$stderr" 'Error: healthcheck-timeout must be at least 1 second'
	run_hutch 125 create --health-cmd true --health-retries 0 "$IMAGE"
	assert_equal "$stderr" 'Error: healthcheck-retries must be greater than 0'
	run_hutch 125 create --health-cmd true --health-on-failure bogus "$IMAGE"
	assert_equal "$stderr" 'Error: invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop'
	run_hutch 125 create --health-cmd true --no-healthcheck "$IMAGE"
	assert_equal "$stderr" 'Error: cannot specify both --no-healthcheck and --health-cmd'
	run_hutch create --name fine --health-cmd true --health-interval 1m30s --health-start-period 2.5s "$IMAGE"
	run_hutch inspect --format '{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.StartPeriod}}' fine
	assert_output "90000000000 2500000000"
}
