/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources: the v2 limit files (shared with cgroupfs.c, root's way), and rootless,
 * a cgroup of the container's own below the user's delegated cgroup (oci_cgroup_probe
 * finds it), limits written, the init moved in. Without delegation (v1 only, hybrid with a
 * root-owned cgroup, as on many CI hosts) the limits are not applied and the runtime says
 * so once, as runc does rootless. As root, oci_cgroup_enter goes to cgroupfs.c.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *dir, const char *file, const char *value, struct error **err)
{
	autofree char *path = xasprintf("%s/%s", dir, file);
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, value, strlen(value)) < 0)
		return err_sys(err, "writing %s to %s", value, path);
	return 0;
}

bool oci_cgroup_wants(const struct rt_resources *r, const char *ctrl)
{
	if (strcmp(ctrl, "memory") == 0)
		return r->memory_limit > 0 || r->memory_swap > 0;
	if (strcmp(ctrl, "pids") == 0)
		return r->pids_limit > 0;
	if (strcmp(ctrl, "cpu") == 0)
		return r->cpu_shares > 0 || r->cpu_quota > 0 || r->cpu_period > 0;
	return false;
}

static int v2_memory(const char *dir, const struct rt_resources *r, struct error **err)
{
	char buf[64];
	if (r->memory_limit > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r->memory_limit);
		if (write_file(dir, "memory.max", buf, err) < 0)
			return -1;
	}
	if (r->memory_swap > 0 && r->memory_limit > 0 && r->memory_swap >= r->memory_limit) {
		/* OCI's swap is memory+swap; cgroup v2 counts swap alone. */
		snprintf(buf, sizeof(buf), "%lld", (long long)(r->memory_swap - r->memory_limit));
		if (write_file(dir, "memory.swap.max", buf, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_cpu(const char *dir, const struct rt_resources *r, struct error **err)
{
	char buf[64];
	if (r->cpu_shares > 0) {
		/* The conversion runc and crun use from shares (2..262144) to weight (1..10000). */
		uint64_t shares = r->cpu_shares < 2	   ? 2
				  : r->cpu_shares > 262144 ? 262144
							   : r->cpu_shares;
		unsigned long long w = 1 + ((shares - 2) * 9999) / 262142;
		snprintf(buf, sizeof(buf), "%llu", w);
		if (write_file(dir, "cpu.weight", buf, err) < 0)
			return -1;
	}
	if (r->cpu_quota > 0) {
		snprintf(buf, sizeof(buf), "%lld %llu", (long long)r->cpu_quota,
			 (unsigned long long)(r->cpu_period ? r->cpu_period : 100000));
		if (write_file(dir, "cpu.max", buf, err) < 0)
			return -1;
	}
	return 0;
}

int oci_cgroup_v2_limits(const char *dir, const char *ctrl, const struct rt_resources *r,
			 struct error **err)
{
	char buf[64];
	if (ctrl != NULL && strcmp(ctrl, "memory") == 0)
		return v2_memory(dir, r, err);
	if (ctrl != NULL && strcmp(ctrl, "cpu") == 0)
		return v2_cpu(dir, r, err);
	if (ctrl != NULL) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r->pids_limit);
		return write_file(dir, "pids.max", buf, err);
	}
	for (size_t i = 0; r->unified != NULL && r->unified[i] != NULL; i++) {
		autofree char *key = xstrdup(r->unified[i]);
		char *eq = strchr(key, '=');
		*eq = '\0';
		if (strchr(key, '/') != NULL || key[0] == '.' || key[0] == '\0')
			return err_msg(err, "linux.resources.unified: invalid key %s", key);
		if (write_file(dir, key, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * Rootless: a cgroup of the container's own below our delegated one, for the limits whose
 * controllers are delegated; the others are not applied, and one warning says which.
 */
static int enter_delegated(const struct rt_spec *s, const char *id, pid_t pid,
			   struct rt_cgroups *out, struct error **err)
{
	static bool warned;
	const struct rt_resources *r = &s->lx.res;
	if (!r->any && s->lx.cgroups_path == NULL)
		return 0;
	struct oci_cgroup_info ci;
	oci_cgroup_probe(&ci);
	if (ci.delegated == NULL) {
		if (r->any && !warned)
			log_warn("resource limits are not applied: %s",
				 ci.reason ? ci.reason : "no delegated cgroup v2");
		warned = true;
		oci_cgroup_info_clear(&ci);
		return 0;
	}
	/* Controllers must be enabled for children before a child can use them. */
	autofree char *parent = xasprintf("%s%s", ci.mount, strcmp(ci.path, "/") ? ci.path : "");
	autofree char *dir = xasprintf("%s/hutch-%s", parent, id);
	for (size_t i = 0; ci.delegated[i] != NULL; i++) {
		autofree char *c = xasprintf("+%s", ci.delegated[i]);
		struct error *e = NULL;
		if (write_file(parent, "cgroup.subtree_control", c, &e) < 0)
			err_free(&e); /* busy parents refuse; the limits below then say why */
	}
	int rc = -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err_sys(err, "creating cgroup %s", dir);
		goto out;
	}
	strv_push(&out->made, dir);
	strv_push(&out->dirs, dir);
	out->v2 = xstrdup(dir);
	static const char *const ctrls[] = { "memory", "pids", "cpu" };
	for (size_t i = 0; i < 3; i++) {
		if (!oci_cgroup_wants(r, ctrls[i]))
			continue;
		if (!strv_contains(ci.delegated, ctrls[i])) {
			/* A hybrid host's v2 hierarchy may hold none of them (only hugetlb). */
			if (!warned)
				log_warn(
				    "resource limits are not applied: the %s controller is not "
				    "in cgroup %s (%s cgroup v2 at %s)",
				    ctrls[i], ci.path, ci.hybrid ? "hybrid host," : "", ci.mount);
			warned = true;
			continue;
		}
		if (oci_cgroup_v2_limits(dir, ctrls[i], r, err) < 0)
			goto out;
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if ((r->unified != NULL && oci_cgroup_v2_limits(dir, NULL, r, err) < 0) ||
	    write_file(dir, "cgroup.procs", buf, err) < 0)
		goto out;
	rc = 0;
out:
	oci_cgroup_info_clear(&ci);
	return rc;
}

int oci_cgroup_enter(const struct rt_spec *s, const char *id, pid_t pid, struct rt_cgroups *out,
		     struct error **err)
{
	/* Root of the host makes cgroups wherever the config says, as runc; anyone else
	 * (rootless, or root of a user namespace, as under podman) needs delegation. */
	if (geteuid() == 0 && !userns_is_inside())
		return oci_cgroupfs_enter(s, id, pid, out, err);
	return enter_delegated(s, id, pid, out, err);
}

int oci_cgroup_freeze(const char *path, bool frozen, struct error **err)
{
	if (path == NULL)
		return err_msg(err, "the container has no cgroup of its own: pause and resume need "
				    "a delegated cgroup v2 freezer");
	return write_file(path, "cgroup.freeze", frozen ? "1" : "0", err);
}
