/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI side of hutch: config.json from image + options, the runtime (namespaces,
 * mounts, pivot_root, capabilities, seccomp, hooks, lifecycle) and the monitor.
 */
#pragma once

#include "lib/lib.h"

/* What the cgroup setup of this host allows a rootless user. */
struct oci_cgroup_info {
	int version;	  /* 2 when a unified hierarchy exists, 1 for v1 only */
	bool hybrid;	  /* v1 controllers mounted, v2 beside them in /sys/fs/cgroup/unified */
	char *mount;	  /* cgroup2 mount point, or NULL; owned */
	char *path;	  /* our cgroup v2 path from /proc/self/cgroup; owned */
	char **delegated; /* controllers usable in our own (delegated) cgroup; owned strv */
	char *reason;	  /* why none are delegated, or NULL; owned */
};

/* Find out, from /sys/fs/cgroup and /proc/self/cgroup; never fails, fields may be NULL. */
void oci_cgroup_probe(struct oci_cgroup_info *out);
void oci_cgroup_info_clear(struct oci_cgroup_info *c);
