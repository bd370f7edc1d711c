# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers of the image/storage system tests (2NN-*.bats), on top of helpers.bash.

# The registry of the suite, and a registries.conf that lets hutch use it over plain http.
reg_insecure_conf() {
	mkdir -p "$XDG_CONFIG_HOME/containers"
	cat >"$XDG_CONFIG_HOME/containers/registries.conf" <<CONF
unqualified-search-registries = ["$HUTCH_REGISTRY"]

[[registry]]
location = "$HUTCH_REGISTRY"
insecure = true
CONF
}

# fixture_digest LAYOUT: the manifest (or index) digest the registry serves for LAYOUT
fixture_digest() {
	jq -er '.manifests[0].digest' "$HUTCH_FIXTURES/$1/index.json"
}

# fixture_config_id LAYOUT: the image ID (config digest hex) of a single-platform layout
fixture_config_id() {
	local m
	m=$HUTCH_FIXTURES/$1/blobs/sha256/$(fixture_digest "$1" | cut -d: -f2)
	jq -er '.config.digest' "$m" | cut -d: -f2
}

# pull_fixture NAME [ARGS...]: pull $HUTCH_REGISTRY/NAME over plain http
pull_fixture() {
	local name=$1
	shift
	run_hutch pull -q --tls-verify=false "$@" "$HUTCH_REGISTRY/$name"
}

host_arch() {
	case $(uname -m) in
	x86_64 | amd64) echo amd64 ;;
	aarch64 | arm64) echo arm64 ;;
	*) uname -m ;;
	esac
}

store() {
	echo "$XDG_DATA_HOME/hutch"
}

# in_rootfs DRIVER IMAGE SCRIPT: run sh -c SCRIPT with $ROOTFS the mounted rootfs
in_rootfs() {
	local driver=$1 image=$2 script=$3
	run_hutch --storage-driver "$driver" __rootfs "$image" sh -c "$script"
}
