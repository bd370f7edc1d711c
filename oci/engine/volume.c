/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named volumes: $store/volumes/NAME/{volume.json,_data}. A volume is created by
 * `volume create` or on first use by -v NAME:/path; an empty one mounted where the image has
 * files is filled with them when the container is created, as podman does, by a copy made
 * as root in the user namespace (ownership kept). A container's record names the volumes
 * it uses (Mounts, Type "volume"), which is how rm and prune know one is in use.
 * volumes.lock orders that: a container create holds it shared from the moment it resolves
 * its named volumes until its record is written, and rm and prune hold it exclusive while
 * they look for users and delete, so no volume is deleted between a create's resolve and
 * its record. A volume is made in volumes/.tmp-NAME-PID and renamed into place, so of
 * several creates of one name exactly one makes it; it is deleted by a rename to
 * volumes/.trash-NAME-PID first, so a killed rm or prune never leaves a volume half
 * deleted under its name (the trash goes at the next prune, or by `system check --repair`).
 */
#include "oci/engine/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *vol_dir(struct eng *eng, const char *name)
{
	struct storage *s = eng->store;
	return xasprintf("%s/volumes/%s", storage_root(s), name);
}

/* The record of an existing volume (volume.json; made up for one without it). */
static struct json_object *vol_doc(struct eng *eng, const char *name)
{
	autofree char *dir = vol_dir(eng, name);
	autofree char *data = xasprintf("%s/_data", dir);
	if (!fs_exists(data))
		return NULL;
	autofree char *path = xasprintf("%s/volume.json", dir);
	struct json_object *doc = json_object_from_file(path);
	if (doc == NULL) {
		doc = json_object_new_object();
		json_object_object_add(doc, "Name", json_object_new_string(name));
		json_object_object_add(doc, "Driver", json_object_new_string("local"));
		json_object_object_add(doc, "Labels", json_object_new_object());
		json_object_object_add(doc, "Scope", json_object_new_string("local"));
		json_object_object_add(doc, "Options", json_object_new_object());
	}
	/* Where the store is can change (XDG_DATA_HOME): say where it is now. */
	json_object_object_add(doc, "Mountpoint", json_object_new_string(data));
	return doc;
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

/* Make volume dir (dir/_data and dir/volume.json) by a temp dir renamed into place; an
 * EEXIST error when another process made it first. */
static int vol_make(const char *dir, const char *name, const char *text, struct error **err)
{
	autofree char *tmp =
	    xasprintf("%.*s/.tmp-%s-%d", (int)(strrchr(dir, '/') - dir), dir, name, (int)getpid());
	autofree char *data = xasprintf("%s/_data", tmp);
	autofree char *json = xasprintf("%s/volume.json", tmp);
	if (fs_rm_rf(tmp, err) < 0 || fs_mkdir_p(data, 0755, err) < 0 ||
	    fs_write_atomic(json, text, strlen(text), 0600, err) < 0) {
		fs_rm_rf(tmp, NULL);
		return -1;
	}
	/* rename replaces an empty dir (a create killed before) but never a volume. */
	if (rename(tmp, dir) < 0) {
		int e = errno;
		fs_rm_rf(tmp, NULL);
		if (e == ENOTEMPTY || e == EEXIST)
			return err_set(err, EEXIST, ERR_TOOL,
				       "volume with name %s already exists: volume already exists",
				       name);
		errno = e;
		return err_sys(err, "creating %s", dir);
	}
	return 0;
}

int eng_vol_create(struct eng *eng, const char *name, char *const *labels, bool ignore,
		   char **out_name, struct error **err)
{
	char hex[SHA256_HEX_LEN + 1];
	if (name == NULL) {
		/* Anonymous: a random 64-hex name, as podman's. */
		autofree char *id =
		    xasprintf("%d-%ld-%ld", (int)getpid(), random(), (long)time(NULL));
		sha256_hex(id, strlen(id), hex);
		name = hex;
	} else if (!ctr_valid_name(name)) {
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid volume name \"%s\": names must match "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
			       name);
	}
	struct json_object *old = vol_doc(eng, name);
	if (old != NULL) {
		json_object_put(old);
		if (!ignore)
			return err_set(err, EEXIST, ERR_TOOL,
				       "volume with name %s already exists: volume already exists",
				       name);
		*out_name = xstrdup(name);
		return 0;
	}
	autofree char *dir = vol_dir(eng, name);
	/* Shared: prune (exclusive) takes any volumes/.tmp-* it finds for a killed create's. */
	autoclose int lk = ctr_vol_lock(eng, false, err);
	if (lk < 0)
		return -1;
	struct json_object *doc = json_object_new_object();
	autofree char *now = ctr_now();
	struct json_object *lab = json_object_new_object();
	for (size_t i = 0; labels && labels[i]; i++) {
		const char *eq = strchr(labels[i], '=');
		autofree char *k =
		    eq ? xstrndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
		json_object_object_add(lab, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Driver", json_object_new_string("local"));
	json_object_object_add(doc, "CreatedAt", json_object_new_string(now));
	json_object_object_add(doc, "Labels", lab);
	json_object_object_add(doc, "Scope", json_object_new_string("local"));
	json_object_object_add(doc, "Options", json_object_new_object());
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	int rc = vol_make(dir, name, text, err);
	json_object_put(doc);
	if (rc < 0 && ignore && (*err)->code == EEXIST) {
		/* Made by another process meanwhile: what --ignore and -v NAME want. */
		err_free(err);
		rc = 0;
	}
	if (rc == 0)
		*out_name = xstrdup(name);
	return rc;
}

int eng_vol_resolve(struct eng *eng, struct oci_volume *v, struct error **err)
{
	struct storage *s = eng->store;
	if (v->kind != OCI_MOUNT_VOLUME)
		return 0;
	autofree char *name = NULL;
	if (eng_vol_create(eng, v->src, NULL, true, &name, err) < 0)
		return -1;
	free(v->src);
	v->src = xasprintf("%s/volumes/%s/_data", storage_root(s), name);
	return 0;
}

struct json_object *eng_vol_inspect(struct eng *eng, const char *name, struct error **err)
{
	struct json_object *doc = strchr(name, '/') ? NULL : vol_doc(eng, name);
	if (doc == NULL)
		err_set(err, ENOENT, ERR_NOSUCH, "no volume with name \"%s\" found: no such volume",
			name);
	return doc;
}

struct json_object *eng_vol_list(struct eng *eng)
{
	struct storage *s = eng->store;
	struct json_object *all = json_object_new_array();
	autofree char *dir = xasprintf("%s/volumes", storage_root(s));
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		struct json_object *doc = vol_doc(eng, de->d_name);
		if (doc != NULL)
			json_object_array_add(all, doc);
	}
	return all;
}

/* IDs of the containers whose record mounts the volume (owned vector, maybe empty). */
static char **vol_users(struct eng *eng, const char *mountpoint)
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
			const char *src = json_str(json_object_array_get_idx(mounts, k), "Source");
			if (src != NULL && strcmp(src, mountpoint) == 0) {
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

/* Out of the way under a name no listing shows (in one step), then deleted. */
static int vol_delete(struct eng *eng, const char *name, struct error **err)
{
	autofree char *dir = vol_dir(eng, name);
	autofree char *trash =
	    xasprintf("%s/volumes/.trash-%s-%d", storage_root(eng->store), name, (int)getpid());
	if (rename(dir, trash) < 0)
		return err_sys(err, "removing volume %s", name);
	if (ctr_vol_rm_dir(trash, err) < 0)
		return err_wrap(err, "removing volume %s", name);
	return 0;
}

int eng_vol_remove(struct eng *eng, const char *name, bool force, struct error **err)
{
	autoclose int lk = ctr_vol_lock(eng, true, err);
	if (lk < 0)
		return -1;
	struct json_object *doc = eng_vol_inspect(eng, name, err);
	if (doc == NULL)
		return -1;
	autofree char *mp = xstrdup(json_str(doc, "Mountpoint"));
	json_object_put(doc);
	autostrv char **users = vol_users(eng, mp);
	if (users[0] != NULL && !force)
		return err_set(err, EBUSY, ERR_INUSE,
			       "volume %s is being used by the following container(s): %s: volume "
			       "is being used",
			       name, users[0]);
	/* -f removes the containers that use it first, as podman does. */
	for (size_t i = 0; users[i]; i++) {
		struct eng_ctr *c = NULL;
		int rc = eng_ctr_lookup(eng, users[i], &c, err);
		if (rc == 0)
			rc = eng_ctr_remove(eng, c, true, err);
		eng_ctr_free(&c);
		if (rc < 0)
			return -1;
	}
	return vol_delete(eng, name, err);
}

char **eng_vol_prune(struct eng *eng, struct error **err)
{
	autoclose int lk = ctr_vol_lock(eng, true, err);
	if (lk < 0)
		return NULL;
	char **removed = xzalloc(sizeof(char *));
	/* Volumes a killed create left half-made (vol_make), or a killed rm or prune half
	 * deleted (vol_delete): nobody makes or deletes one now. */
	autofree char *top = xasprintf("%s/volumes", storage_root(eng->store));
	autoclosedir DIR *d = opendir(top);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		autofree char *p = xasprintf("%s/%s", top, de->d_name);
		if ((strncmp(de->d_name, ".tmp-", 5) == 0 ||
		     strncmp(de->d_name, ".trash-", 7) == 0) &&
		    ctr_vol_rm_dir(p, err) < 0) {
			strv_free(removed);
			return NULL;
		}
	}
	struct json_object *all = eng_vol_list(eng);
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *v = json_object_array_get_idx(all, i);
		autostrv char **users = vol_users(eng, json_str(v, "Mountpoint"));
		if (users[0] != NULL)
			continue;
		if (vol_delete(eng, json_str(v, "Name"), err) < 0) {
			json_object_put(all);
			strv_free(removed);
			return NULL;
		}
		strv_push(&removed, json_str(v, "Name"));
	}
	json_object_put(all);
	return removed;
}

/* ---------- filling from the image ---------- */

struct fill_job {
	const struct oci_volume *mounts;
	size_t n;
};

static bool dir_is_empty(const char *path)
{
	autoclosedir DIR *d = opendir(path);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			return false;
	return d != NULL;
}

static int fill_fn(int rootfd, void *arg, struct error **err)
{
	const struct fill_job *j = arg;
	umask(0);
	for (size_t i = 0; i < j->n; i++) {
		const struct oci_volume *v = &j->mounts[i];
		if (v->kind != OCI_MOUNT_VOLUME || !dir_is_empty(v->src))
			continue;
		autoclose int srcfd = fs_openat2(rootfd, v->dst, O_PATH | O_DIRECTORY,
						 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (srcfd < 0)
			continue; /* nothing in the image there */
		autoclose int tdir = open(v->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (tdir < 0)
			return err_sys(err, "opening %s", v->src);
		if (ctr_tar_copy(srcfd, ".", tdir, &(struct ctr_tar_opts){ .into_ctr = true },
				 err) < 0)
			return err_wrap(err, "filling volume %s from the image", v->src);
	}
	return 0;
}

int ctr_vol_fill(struct eng *eng, struct eng_ctr *c, const struct oci_volume *mounts, size_t n,
		 struct error **err)
{
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= mounts[i].kind == OCI_MOUNT_VOLUME && dir_is_empty(mounts[i].src);
	if (!any)
		return 0;
	struct fill_job j = { .mounts = mounts, .n = n };
	return ctr_with_root(eng, c, fill_fn, &j, err);
}
