/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -v SRC:DST:U: before each start, a mount's source whose top is not owned by the
 * container's user (process.user of config.json) is chowned to it, recursively, as root in
 * the user namespace; one whose top already is is left alone (podman's rule: files chowned
 * since inside it stay as they are).
 */
#include "oci/engine/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct chown_job {
	char **paths;
	uid_t uid;
	gid_t gid;
};

/* nftw has no argument for its callback: the child is single-threaded, one job at a time. */
static const struct chown_job *cur;

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	if (lchown(path, cur->uid, cur->gid) < 0)
		log_debug("chown %s: %s", path, strerror(errno));
	return 0;
}

static int chown_fn(void *arg, struct error **err)
{
	cur = arg;
	for (size_t i = 0; cur->paths[i]; i++) {
		struct stat st;
		if (lstat(cur->paths[i], &st) < 0)
			return err_sys(err, "%s", cur->paths[i]);
		if (st.st_uid == cur->uid && st.st_gid == cur->gid)
			continue;
		if (nftw(cur->paths[i], chown_one, 32, FTW_PHYS) < 0)
			return err_sys(err, "chowning %s", cur->paths[i]);
	}
	return 0;
}

int ctr_vol_chown(struct eng *eng, struct eng_ctr *c, struct error **err)
{
	autostrv char **paths = NULL;
	struct json_object *mounts = json_get(c->doc, "Mounts");
	for (size_t i = 0; i < json_len(mounts); i++) {
		struct json_object *m = json_idx(mounts, i);
		const char *src = json_str(m, "Source");
		if (json_object_get_boolean(json_get(m, "Chown")) && src != NULL && *src)
			strv_push(&paths, src);
	}
	if (paths == NULL)
		return 0;
	autofree char *dir = eng_ctr_dir(eng, c->id);
	autofree char *path = xasprintf("%s/config.json", dir);
	struct json_object *spec = json_file_at(AT_FDCWD, path, 16 << 20);
	struct json_object *user = json_get(json_get(spec, "process"), "user");
	struct chown_job j = { .paths = paths,
			       .uid = (uid_t)json_object_get_int64(json_get(user, "uid")),
			       .gid = (gid_t)json_object_get_int64(json_get(user, "gid")) };
	json_object_put(spec);
	struct userns_map m;
	struct userns_child child;
	if (userns_default_map(&m, err) < 0)
		return -1;
	int rc = userns_spawn(&m, 0, chown_fn, &j, &child, err);
	userns_map_clear(&m);
	int status;
	if (rc < 0 || proc_wait(child.pid, &status, err) < 0)
		return err_wrap(err, "chowning the :U volumes of %s", c->name);
	return 0;
}
