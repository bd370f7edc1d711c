/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 with delegation, as real systems have it: systemd gives the user's own cgroup
 * (user@UID.service and below) to the user, with the controllers listed in its
 * cgroup.controllers. Anything else, a root-owned cgroup or v1 only, means no limits
 * can be applied rootless, and the callers say so once.
 */
#include "oci/oci.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool is_cgroup2(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
}

/* The "0::/path" line of /proc/self/cgroup. */
static char *own_cgroup_path(void)
{
	autofree char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file("/proc/self/cgroup", 65536, &text, NULL, &err) < 0) {
		err_free(&err);
		return NULL;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "0::", 3) == 0)
			return xstrdup(line + 3);
	return NULL;
}

void oci_cgroup_probe(struct oci_cgroup_info *out)
{
	*out = (struct oci_cgroup_info){ 0 };
	if (is_cgroup2("/sys/fs/cgroup")) {
		out->version = 2;
		out->mount = xstrdup("/sys/fs/cgroup");
	} else if (is_cgroup2("/sys/fs/cgroup/unified")) {
		out->version = 2;
		out->hybrid = true;
		out->mount = xstrdup("/sys/fs/cgroup/unified");
	} else {
		out->version = 1;
		out->reason = xstrdup("only cgroup v1 is mounted; rootless limits need cgroup v2");
		return;
	}
	out->path = own_cgroup_path();
	if (out->path == NULL) {
		out->reason = xstrdup("no cgroup v2 entry in /proc/self/cgroup");
		return;
	}
	autofree char *dir = xasprintf("%s%s", out->mount, out->path);
	struct stat st;
	if (stat(dir, &st) < 0 || st.st_uid != getuid()) {
		out->reason = xasprintf("cgroup %s belongs to uid %u, not to you: no controllers "
					"are delegated (systemd delegates them to user@%u.service "
					"in a login session)",
					out->path, stat(dir, &st) == 0 ? (unsigned)st.st_uid : 0,
					(unsigned)getuid());
		return;
	}
	autofree char *file = xasprintf("%s/cgroup.controllers", dir);
	autofree char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file(file, 4096, &text, NULL, &err) < 0) {
		out->reason = xstrdup(err->msg);
		err_free(&err);
		return;
	}
	char *save = NULL;
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		strv_push(&out->delegated, w);
	if (out->delegated == NULL)
		out->reason = xasprintf("cgroup %s has no controllers enabled", out->path);
}

void oci_cgroup_info_clear(struct oci_cgroup_info *c)
{
	free(c->mount);
	free(c->path);
	strv_free(c->delegated);
	free(c->reason);
	*c = (struct oci_cgroup_info){ 0 };
}
