#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containers.conf (issue 16): the keys hutch applies change what a container gets, in
# podman's file order (the user's containers.conf, then its containers.conf.d/*.conf drop-ins
# in name order; $CONTAINERS_CONF alone when set), `info` names the file and line of each,
# and a malformed file is one error naming file and line.

load container_helpers

CONF_DIR() { echo "$XDG_CONFIG_HOME/containers"; }

# conf TEXT: the user's containers.conf
conf() {
	mkdir -p "$(CONF_DIR)"
	printf '%s\n' "$1" >"$(CONF_DIR)/containers.conf"
}

# origin KEY: info's file:line of table.key
origin() {
	"$HUTCH" info --format json | jq -r --arg k "$1" '.containersConf.settings[$k].file'
}

@test "containers.conf netns: the default network mode; info names the file" {
	conf '[containers]
# containers without a network, unless --network says otherwise
netns = "none"  # a comment'
	run_hutch run --rm "$IMAGE" ls /sys/class/net
	assert_output lo
	run_hutch create --name n "$IMAGE" true
	run_hutch inspect --format '{{.HostConfig.NetworkMode}}' n
	assert_output none
	# The flag wins.
	run_hutch run --rm --network slirp4netns "$IMAGE" ls /sys/class/net
	assert_line tap0
	[[ $(origin containers.netns) == "$(CONF_DIR)/containers.conf:3" ]]
}

@test "containers.conf log_driver and log_size_max; a drop-in overrides the file" {
	conf '[containers]
log_driver = "k8s-file"
log_size_max = 20000'
	run_hutch create --name a "$IMAGE" true
	run_hutch inspect --format '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}' a
	assert_output "k8s-file 20kB"
	mkdir -p "$(CONF_DIR)/containers.conf.d"
	printf '[containers]\nlog_driver = "passthrough"\n' >"$(CONF_DIR)/containers.conf.d/20-b.conf"
	printf '[containers]\nlog_driver = "none"\n' >"$(CONF_DIR)/containers.conf.d/10-a.conf"
	printf '[containers]\nlog_driver = "bogus"\n' >"$(CONF_DIR)/containers.conf.d/30-c.conf.off"
	run_hutch create --name b "$IMAGE" true
	run_hutch inspect --format '{{.HostConfig.LogConfig.Type}}' b
	assert_output passthrough
	[[ $(origin containers.log_driver) == "$(CONF_DIR)/containers.conf.d/20-b.conf:2" ]]
	[[ $(origin containers.log_size_max) == "$(CONF_DIR)/containers.conf:3" ]]
	# The flag wins.
	run_hutch create --name c --log-driver k8s-file "$IMAGE" true
	run_hutch inspect --format '{{.HostConfig.LogConfig.Type}}' c
	assert_output k8s-file
}

@test "containers.conf default_capabilities: the container's set (/proc/self/status, inspect)" {
	conf '[containers]
default_capabilities = [
  "CHOWN",    # 0
  "net_raw",  # 13
]'
	run_hutch run --rm "$IMAGE" grep CapEff /proc/self/status
	assert_output --regexp 'CapEff:[[:space:]]+0000000000002001$'
	run_hutch create --name c "$IMAGE" true
	run_hutch inspect --format '{{.EffectiveCaps}}' c
	assert_output '[CAP_CHOWN CAP_NET_RAW]'
	# --cap-add still adds to it.
	run_hutch run --rm --cap-add KILL "$IMAGE" grep CapEff /proc/self/status
	assert_output --regexp 'CapEff:[[:space:]]+0000000000002021$'
	[[ $(origin containers.default_capabilities) == "$(CONF_DIR)/containers.conf:2" ]]
}

@test "containers.conf env: the default entries instead of podman's (TERM); -e wins" {
	conf '[containers]
env = ["FOO=bar", "GREETING=hello world"]'
	run_hutch run --rm "$IMAGE" env
	assert_line FOO=bar
	assert_line "GREETING=hello world"
	refute_line --regexp '^TERM='
	# shellcheck disable=SC2016 # expanded in the container
	run_hutch run --rm -e FOO=mine "$IMAGE" sh -c 'echo $FOO'
	assert_output mine
	[[ $(origin containers.env) == "$(CONF_DIR)/containers.conf:2" ]]
}

@test "containers.conf [network] default_network: where netns=bridge containers go" {
	run_hutch network create confnet
	conf '[containers]
netns = "bridge"
[network]
default_network = "confnet"'
	run_hutch create --name c "$IMAGE" true
	run_hutch inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' c
	assert_output confnet
	[[ $(origin network.default_network) == "$(CONF_DIR)/containers.conf:4" ]]
	run_hutch rm -f c
	run_hutch network rm confnet
}

@test "CONTAINERS_CONF: that file alone; a malformed file is one error naming file and line" {
	conf '[containers]
netns = "none"'
	local other=$BATS_TEST_TMPDIR/other.conf
	printf '[containers]\nenv = ["ONLY=1"]\n' >"$other"
	CONTAINERS_CONF=$other run_hutch info --format json
	jq -e --arg f "$other" '.containersConf.files == [$f]' <<<"$output"
	# shellcheck disable=SC2016 # expanded in the container
	CONTAINERS_CONF=$other run_hutch run --rm "$IMAGE" sh -c 'ls /sys/class/net; echo $ONLY'
	assert_line tap0
	assert_line 1
	# malformed: the file and line, for run and in info
	local f
	f=$(CONF_DIR)/containers.conf
	conf '[containers]
netns = "none" x'
	run_hutch 125 run --rm "$IMAGE" true
	assert_equal "$stderr" "Error: $f:2: unexpected \"x\" after the value of netns"
	run_hutch info --format json
	jq -e --arg m "$f:2: unexpected \"x\" after the value of netns" '.containersConf.error == $m' <<<"$output"
	conf '[containers]

env = ["FOO=1", "BAR"]'
	run_hutch 125 run --rm "$IMAGE" true
	assert_equal "$stderr" "Error: $f:3: env: \"BAR\" is not KEY=VALUE"
	conf '[containers]
log_driver = "syslog"'
	run_hutch 125 create "$IMAGE" true
	assert_equal "$stderr" "Error: $f:2: log_driver: unknown log driver \"syslog\": k8s-file, json-file, none or passthrough"
	conf '[containers]
log_size_max = "big"'
	run_hutch 125 create "$IMAGE" true
	assert_equal "$stderr" "Error: $f:2: log_size_max: \"big\" is not a number of bytes"
	conf '[containers]
netns = "none'
	run_hutch 125 create "$IMAGE" true
	assert_equal "$stderr" "Error: $f:2: unterminated string"
}
