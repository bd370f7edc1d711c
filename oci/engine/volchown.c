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
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct chown_job {
	char **paths;
	uid_t uid;
	gid_t gid;
};

/* Deeper trees are left as they are (one fd a level). */
#define CHOWN_MAX_DEPTH 128

/*
 * Everything below the directory fd (ours to close), through fds only: each entry by
 * fchownat(AT_SYMLINK_NOFOLLOW) relative to its directory, each subdirectory opened with
 * O_NOFOLLOW. A container that shares the volume and swaps a directory for a link
 * meanwhile cannot aim a chown at the host's files, as a walk by path names could.
 */
static void chown_below(const struct chown_job *j, int fd, dev_t dev, int depth)
{
	autoclosedir DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	int dfd = dirfd(d);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fchownat(dfd, de->d_name, j->uid, j->gid, AT_SYMLINK_NOFOLLOW) < 0)
			log_debug("chown %s: %s", de->d_name, strerror(errno));
		struct stat st;
		if (depth >= CHOWN_MAX_DEPTH ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_dev != dev)
			continue;
		int cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			chown_below(j, cfd, dev, depth + 1);
	}
}

static int chown_fn(void *arg, struct error **err)
{
	const struct chown_job *j = arg;
	for (size_t i = 0; j->paths[i]; i++) {
		/* The source is the user's own path, given on the command line. */
		int fd = open(j->paths[i], O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			err_sys(err, "%s", j->paths[i]);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		if (st.st_uid == j->uid && st.st_gid == j->gid) {
			close(fd);
			continue;
		}
		if (fchownat(fd, "", j->uid, j->gid, AT_EMPTY_PATH) < 0) {
			err_sys(err, "chowning %s", j->paths[i]);
			close(fd);
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			chown_below(j, fd, st.st_dev, 0);
		else
			close(fd);
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
