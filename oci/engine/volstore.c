/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Volume records as every part of the engine reads them: where a volume is, its stored
 * record, which containers use it, deleting one, volumes.lock, and removing the anonymous
 * volumes of a container that is gone (rm -v, --rm). Below ops.c, which removes --rm
 * containers' anonymous volumes as it finishes their removal; volume.c holds the rest.
 */
#include "oci/engine/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

char *ctr_vol_dir(struct eng *eng, const char *name)
{
	struct storage *s = eng->store;
	return xasprintf("%s/volumes/%s", storage_root(s), name);
}

/* The stored record of an existing volume (volume.json; made up for one without it), owned,
 * or NULL when there is no such volume. */
struct json_object *ctr_vol_stored(struct eng *eng, const char *name)
{
	autofree char *dir = ctr_vol_dir(eng, name);
	autofree char *data = xasprintf("%s/_data", dir);
	if (!fs_exists(data))
		return NULL;
	autofree char *path = xasprintf("%s/volume.json", dir);
	struct json_object *doc = json_file_at(AT_FDCWD, path, 1 << 20);
	if (doc == NULL) {
		doc = json_object_new_object();
		json_object_object_add(doc, "Name", json_object_new_string(name));
	}
	return doc;
}

/* A flag of the stored record; absent: dflt (records of earlier versions have none). */
bool ctr_vol_flag(struct json_object *st, const char *key, bool dflt)
{
	struct json_object *b = json_get_type(st, key, json_type_boolean);
	return b ? json_object_get_boolean(b) : dflt;
}

int ctr_vol_lock(struct eng *eng, bool excl, struct error **err)
{
	struct storage *s = eng->store;
	autofree char *dir = xasprintf("%s/volumes", storage_root(s));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(err, "creating %s", dir);
	autofree char *path = xasprintf("%s/volumes.lock", storage_root(s));
	int fd = fs_lock(path, O_RDWR | O_CREAT, excl ? LOCK_EX : LOCK_SH);
	return fd < 0 ? err_sys(err, "locking %s", path) : fd;
}

/* IDs of the containers whose record mounts the volume (owned vector, maybe empty): by its
 * name, or by its mountpoint in records of earlier versions. */
char **ctr_vol_users(struct eng *eng, const char *name, const char *mountpoint)
{
	char **ids = xzalloc(sizeof(char *));
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (eng_ctr_list_brief(eng, &v, &n, &e) < 0)
		err_free(&e);
	for (size_t i = 0; i < n; i++) {
		/* The brief record has the mounts, but not brief.json of older versions. */
		autoctr struct eng_ctr *full = json_get(v[i]->doc, "Mounts") == NULL
						   ? ctr_load(eng, AT_FDCWD, v[i]->id, false)
						   : NULL;
		struct json_object *mounts = json_get((full ? full : v[i])->doc, "Mounts");
		for (size_t k = 0; k < json_len(mounts); k++) {
			struct json_object *m = json_idx(mounts, k);
			const char *vn = json_str(m, "Name"), *src = json_str(m, "Source");
			if ((vn != NULL && strcmp(vn, name) == 0) ||
			    (vn == NULL && src != NULL && strcmp(src, mountpoint) == 0)) {
				strv_push(&ids, v[i]->id);
				break;
			}
		}
	}
	eng_ctr_list_free(v, n);
	return ids;
}

static int rm_fn(void *arg, struct error **err)
{
	return fs_rm_rf(arg, err);
}

/* The data may hold files of subordinate ids: delete dir as root in the user namespace. */
int ctr_vol_rm_dir(const char *dir, struct error **err)
{
	struct userns_map m;
	struct userns_child child;
	if (userns_default_map(&m, err) < 0)
		return -1;
	int rc = userns_spawn(&m, 0, rm_fn, (void *)dir, &child, err);
	userns_map_clear(&m);
	int status;
	if (rc < 0 || proc_wait(child.pid, &status, err) < 0)
		return -1;
	return 0;
}

/* Out of the way under a name no listing shows (in one step), then deleted: a killed rm
 * or prune leaves a trash that prune and system check remove. */
int ctr_vol_delete(struct eng *eng, const char *name, struct error **err)
{
	autofree char *dir = ctr_vol_dir(eng, name);
	autofree char *trash =
	    xasprintf("%s/volumes/.trash-%s-%d", storage_root(eng->store), name, (int)getpid());
	if (rename(dir, trash) < 0)
		return err_sys(err, "removing volume %s", name);
	if (ctr_vol_rm_dir(trash, err) < 0)
		return err_wrap(err, "removing volume %s", name);
	return 0;
}

char **eng_ctr_volume_names(const struct eng_ctr *c)
{
	char **names = xzalloc(sizeof(char *));
	struct json_object *mounts = json_get(c->doc, "Mounts");
	for (size_t k = 0; k < json_len(mounts); k++) {
		const char *vn = json_str(json_idx(mounts, k), "Name");
		if (vn != NULL)
			strv_push(&names, vn);
	}
	return names;
}

int ctr_vol_remove_anon(struct eng *eng, char *const *names, bool wait, struct error **err)
{
	bool any = false;
	for (size_t i = 0; names && names[i]; i++) {
		struct json_object *st = ctr_vol_stored(eng, names[i]);
		any |= ctr_vol_flag(st, "Anonymous", false);
		json_object_put(st);
	}
	if (!any)
		return 0;
	autofree char *path = xasprintf("%s/volumes.lock", storage_root(eng->store));
	autoclose int lk = fs_lock(path, O_RDWR | O_CREAT, LOCK_EX | (wait ? 0 : LOCK_NB));
	if (lk < 0)
		return wait ? err_sys(err, "locking %s", path) : 0; /* busy: prune takes them */
	for (size_t i = 0; names[i]; i++) {
		struct json_object *st = ctr_vol_stored(eng, names[i]);
		bool anon = ctr_vol_flag(st, "Anonymous", false);
		json_object_put(st);
		if (!anon)
			continue;
		/* One another container still uses stays, as in podman. */
		autofree char *dir = ctr_vol_dir(eng, names[i]);
		autofree char *mp = xasprintf("%s/_data", dir);
		autostrv char **users = ctr_vol_users(eng, names[i], mp);
		if (users[0] == NULL && ctr_vol_delete(eng, names[i], err) < 0)
			return -1;
	}
	return 0;
}

bool ctr_has_anon_volumes(struct eng *eng, const struct eng_ctr *c)
{
	autostrv char **names = eng_ctr_volume_names(c);
	bool any = false;
	for (size_t i = 0; names[i] && !any; i++) {
		struct json_object *st = ctr_vol_stored(eng, names[i]);
		any = ctr_vol_flag(st, "Anonymous", false);
		json_object_put(st);
	}
	return any;
}
