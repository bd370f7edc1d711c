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
#include <ctype.h>
#include <linux/openat2.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct json_object *obj_or_empty(struct json_object *st, const char *key)
{
	struct json_object *o = json_get_type(st, key, json_type_object);
	return o ? json_object_get(o) : json_object_new_object();
}

/* The volume's facts in podman's order (volume inspect and ls show them as they are). */
static struct json_object *vol_doc(struct eng *eng, const char *name)
{
	struct json_object *st = ctr_vol_stored(eng, name);
	if (st == NULL)
		return NULL;
	autofree char *data = xasprintf("%s/volumes/%s/_data", storage_root(eng->store), name);
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Driver", json_object_new_string("local"));
	/* Where the store is can change (XDG_DATA_HOME): say where it is now. */
	json_object_object_add(doc, "Mountpoint", json_object_new_string(data));
	json_object_object_add(doc, "CreatedAt",
			       json_object_new_string(json_str(st, "CreatedAt") ?: ""));
	json_object_object_add(doc, "Labels", obj_or_empty(st, "Labels"));
	json_object_object_add(doc, "Scope", json_object_new_string("local"));
	json_object_object_add(doc, "Options", obj_or_empty(st, "Options"));
	/* podman's JSON leaves out Anonymous and NeedsChown when false, but its templates
	 * see them: they are always here. */
	json_object_object_add(doc, "Anonymous",
			       json_object_new_boolean(ctr_vol_flag(st, "Anonymous", false)));
	json_object_object_add(doc, "MountCount", json_object_new_int(0));
	json_object_object_add(doc, "NeedsCopyUp",
			       json_object_new_boolean(ctr_vol_flag(st, "NeedsCopyUp", true)));
	json_object_object_add(doc, "NeedsChown",
			       json_object_new_boolean(ctr_vol_flag(st, "NeedsChown", false)));
	json_object_put(st);
	return doc;
}

/* Rewrite the stored record (temp file and rename). */
static int vol_save(struct eng *eng, const char *name, struct json_object *st, struct error **err)
{
	autofree char *dir = ctr_vol_dir(eng, name);
	autofree char *path = xasprintf("%s/volume.json", dir);
	const char *text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY);
	return fs_write_atomic(path, text, strlen(text), 0600, err);
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

/*
 * -o KEY=VALUE as podman's local driver takes them: type (tmpfs, bind, or a filesystem hutch
 * cannot mount rootless), device (for bind an existing path), o (mount options), uid, gid,
 * copy and nocopy. Into *out (owned object of strings); *copy false for nocopy.
 */
static int vol_options(char *const *opts, struct json_object **out, bool *copy, struct error **err)
{
	struct json_object *o = json_object_new_object();
	*out = NULL;
	*copy = true;
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		autofree char *k =
		    eq ? xstrndup(opts[i], (size_t)(eq - opts[i])) : xstrdup(opts[i]);
		const char *val = eq ? eq + 1 : "";
		static const char *const known[] = { "type", "device", "o",	 "uid",
						     "gid",  "copy",   "nocopy", NULL };
		bool ok = false;
		for (size_t j = 0; known[j] && !ok; j++)
			ok = strcasecmp(k, known[j]) == 0;
		if (!ok) {
			json_object_put(o);
			if (strcasecmp(k, "size") == 0 || strcasecmp(k, "inodes") == 0)
				return err_set(err, ENOTSUP, ERR_TOOL,
					       "volume options size and inodes not supported. "
					       "Filesystem does not support Project Quota");
			return err_set(err, EINVAL, ERR_TOOL,
				       "invalid mount option %s for driver 'local': invalid "
				       "argument",
				       k);
		}
		for (char *c = k; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(k, "nocopy") == 0)
			*copy = false;
		json_object_object_add(o, k, json_object_new_string(val));
	}
	const char *type = json_str(o, "type"), *dev = json_str(o, "device");
	struct stat st;
	if (type != NULL && strcmp(type, "bind") == 0 && dev != NULL && stat(dev, &st) < 0) {
		int e = errno;
		json_object_put(o);
		return err_set(err, e, ERR_TOOL,
			       "invalid volume option device for driver 'local': stat %s: %s", dev,
			       e == ENOENT ? "no such file or directory" : strerror(e));
	}
	if (type != NULL && strcmp(type, "bind") == 0 && dev == NULL) {
		json_object_put(o);
		return err_set(err, EINVAL, ERR_TOOL,
			       "invalid volume option type=bind for driver 'local': it needs "
			       "device=PATH");
	}
	*out = o;
	return 0;
}

int eng_vol_create(struct eng *eng, const struct eng_vol_create_req *r, char **out_name,
		   struct error **err)
{
	char hex[SHA256_HEX_LEN + 1];
	const char *name = r->name;
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
	struct json_object *old = ctr_vol_stored(eng, name);
	if (old != NULL) {
		json_object_put(old);
		if (!r->ignore)
			return err_set(err, EEXIST, ERR_TOOL,
				       "volume with name %s already exists: volume already exists",
				       name);
		*out_name = xstrdup(name);
		return 0;
	}
	struct json_object *opts = NULL;
	bool copy = true;
	if (vol_options(r->options, &opts, &copy, err) < 0)
		return -1;
	autofree char *dir = ctr_vol_dir(eng, name);
	/* Shared: prune (exclusive) takes any volumes/.tmp-* it finds for a killed create's. */
	autoclose int lk = ctr_vol_lock(eng, false, err);
	if (lk < 0) {
		json_object_put(opts);
		return -1;
	}
	struct json_object *doc = json_object_new_object();
	autofree char *now = ctr_now();
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Driver", json_object_new_string("local"));
	json_object_object_add(doc, "CreatedAt", json_object_new_string(now));
	json_object_object_add(doc, "Labels", json_from_kv(r->labels));
	json_object_object_add(doc, "Scope", json_object_new_string("local"));
	json_object_object_add(doc, "Options", opts);
	json_object_object_add(doc, "Anonymous", json_object_new_boolean(r->name == NULL));
	/* Until a container has used it: filled from the image, chowned to its user. */
	json_object_object_add(doc, "NeedsCopyUp", json_object_new_boolean(copy));
	json_object_object_add(doc, "NeedsChown", json_object_new_boolean(r->name != NULL));
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	int rc = vol_make(dir, name, text, err);
	json_object_put(doc);
	if (rc < 0 && r->ignore && (*err)->code == EEXIST) {
		/* Made by another process meanwhile: what --ignore and -v NAME want. */
		err_free(err);
		rc = 0;
	}
	if (rc == 0)
		*out_name = xstrdup(name);
	return rc;
}

/* opts appended to *to (comma-separated). */
static void add_opts(char **to, const char *opts)
{
	if (opts == NULL || *opts == '\0')
		return;
	char *n = *to ? xasprintf("%s,%s", *to, opts) : xstrdup(opts);
	free(*to);
	*to = n;
}

/* Whether the comma-separated list has the option o. */
static bool has_opt(const char *list, const char *o)
{
	autofree char *copy = xstrdup(list ? list : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (strcmp(t, o) == 0)
			return true;
	return false;
}

int eng_vol_resolve(struct eng *eng, struct oci_volume *v, struct error **err)
{
	struct storage *s = eng->store;
	if (v->kind != OCI_MOUNT_VOLUME)
		return 0;
	autofree char *name = NULL;
	struct eng_vol_create_req r = { .name = v->src, .ignore = true };
	if (eng_vol_create(eng, &r, &name, err) < 0)
		return -1;
	struct json_object *st = ctr_vol_stored(eng, name);
	struct json_object *o = json_get(st, "Options");
	const char *type = json_str(o, "type"), *dev = json_str(o, "device");
	const char *mo = json_str(o, "o");
	int rc = 0;
	free(v->src);
	v->src = NULL;
	v->volume = xstrdup(name);
	if (type != NULL && strcmp(type, "tmpfs") == 0) {
		/* A tmpfs of its own for each container, with the volume's mount options. */
		v->kind = OCI_MOUNT_TMPFS;
		add_opts(&v->options, mo);
	} else if (dev != NULL && ((type && strcmp(type, "bind") == 0) || has_opt(mo, "bind") ||
				   has_opt(mo, "rbind"))) {
		v->kind = OCI_MOUNT_BIND;
		v->src = xstrdup(dev);
		v->ro |= has_opt(mo, "ro");
	} else if (type != NULL || dev != NULL) {
		rc = err_set(err, ENOTSUP, ERR_TOOL,
			     "volume %s: mounting type %s (device %s) needs root: hutch mounts "
			     "tmpfs and bind volumes",
			     name, type ? type : "(none)", dev ? dev : "(none)");
	} else {
		v->src = xasprintf("%s/volumes/%s/_data", storage_root(s), name);
	}
	json_object_put(st);
	return rc;
}

struct json_object *eng_vol_inspect(struct eng *eng, const char *name, struct error **err)
{
	struct json_object *doc = strchr(name, '/') ? NULL : vol_doc(eng, name);
	if (doc == NULL)
		err_set(err, ENOENT, ERR_NOSUCH, "no volume with name \"%s\" found: no such volume",
			name);
	return doc;
}

static int by_name(const void *a, const void *b)
{
	struct json_object *const *x = a, *const *y = b;
	return strcmp(json_str(*x, "Name") ?: "", json_str(*y, "Name") ?: "");
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
	/* By name, as podman lists them (and prune names them). */
	json_object_array_sort(all, by_name);
	return all;
}

int eng_vol_mountpoint(struct eng *eng, const char *name, char **path, struct error **err)
{
	*path = NULL;
	struct json_object *st = ctr_vol_stored(eng, name);
	if (st == NULL)
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no volume with name \"%s\" found: no such volume", name);
	struct json_object *o = json_get(st, "Options");
	const char *type = json_str(o, "type"), *dev = json_str(o, "device");
	int rc = 0;
	if (type != NULL && strcmp(type, "bind") == 0 && dev != NULL)
		*path = xstrdup(dev);
	else if (type != NULL || dev != NULL)
		rc = err_set(err, ENOTSUP, ERR_TOOL,
			     "volume %s is mounted (type %s) only in the containers that use it",
			     name, type ? type : "(none)");
	else
		*path = xasprintf("%s/volumes/%s/_data", storage_root(eng->store), name);
	json_object_put(st);
	return rc;
}

/* ---------- export and import: a tar stream of _data ---------- */

struct vol_tar_job {
	const char *data; /* the volume's _data */
	int fd;		  /* the stream */
	bool import;
};

static int vol_tar_fn(void *arg, struct error **err)
{
	const struct vol_tar_job *j = arg;
	autoclose int dfd = open(j->data, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(err, "opening %s", j->data);
	if (!j->import)
		return ctr_tar_write(dfd, ".", j->fd, err);
	umask(0);
	return ctr_tar_extract(j->fd, dfd, &(struct ctr_tar_opts){ .into_ctr = true }, err);
}

/* As root in the user namespace: the files may belong to subordinate ids. */
static int vol_tar(struct eng *eng, const char *name, int fd, bool import, struct error **err)
{
	struct json_object *doc = eng_vol_inspect(eng, name, err);
	if (doc == NULL)
		return -1;
	autofree char *data = xstrdup(json_str(doc, "Mountpoint"));
	json_object_put(doc);
	struct vol_tar_job j = { .data = data, .fd = fd, .import = import };
	struct userns_map m;
	struct userns_child child;
	if (userns_default_map(&m, err) < 0)
		return -1;
	int rc = userns_spawn(&m, 0, vol_tar_fn, &j, &child, err);
	userns_map_clear(&m);
	int status;
	if (rc < 0 || proc_wait(child.pid, &status, err) < 0)
		return err_wrap(err, "%s volume %s", import ? "importing into" : "exporting", name);
	return 0;
}

int eng_vol_export(struct eng *eng, const char *name, int out_fd, struct error **err)
{
	return vol_tar(eng, name, out_fd, false, err);
}

int eng_vol_import(struct eng *eng, const char *name, int in_fd, struct error **err)
{
	return vol_tar(eng, name, in_fd, true, err);
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
	autostrv char **users = ctr_vol_users(eng, name, mp);
	if (users[0] != NULL && !force)
		return err_set(err, EBUSY, ERR_INUSE,
			       "volume %s is being used by the following container(s): %s: volume "
			       "is being used",
			       name, users[0]);
	/* -f removes the containers that use it first, as podman does. */
	for (size_t i = 0; users[i]; i++) {
		struct eng_ctr *c = NULL;
		int rc = ctr_find(eng, users[i], &c, err);
		if (rc == 0)
			rc = eng_ctr_remove(eng, c, true, err);
		eng_ctr_free(&c);
		if (rc < 0)
			return -1;
	}
	return ctr_vol_delete(eng, name, err);
}

/* ---------- filters (volume ls --filter, volume prune --filter) ---------- */

static const char *const filter_keys[] = { "name",   "driver", "scope",	   "label",
					   "label!", "opt",    "dangling", NULL };

/* Whether labels has KEY (spec "KEY") or KEY=VALUE (spec "KEY=VALUE"). */
static bool has_label(struct json_object *labels, const char *spec)
{
	const char *eq = strchr(spec, '=');
	autofree char *k = eq ? xstrndup(spec, (size_t)(eq - spec)) : xstrdup(spec);
	struct json_object *v = json_get(labels, k);
	if (v == NULL)
		return false;
	return eq == NULL || strcmp(json_object_get_string(v), eq + 1) == 0;
}

/* One filter's verdict on the volume doc; -1 and *err for a bad value. */
static int filter_one(struct eng *eng, struct json_object *doc, const char *key, const char *val,
		      bool *ok, struct error **err)
{
	const char *name = json_str(doc, "Name");
	if (strcmp(key, "name") == 0) {
		/* podman: a regular expression, found anywhere in the name. */
		regex_t re;
		if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
			return err_set(err, EINVAL, ERR_TOOL, "invalid filter name=%s: bad regex",
				       val);
		*ok = regexec(&re, name, 0, NULL, 0) == 0;
		regfree(&re);
	} else if (strcmp(key, "driver") == 0 || strcmp(key, "scope") == 0) {
		*ok = strcmp(val, "local") == 0;
	} else if (strcmp(key, "label") == 0 || strcmp(key, "label!") == 0) {
		*ok = has_label(json_get(doc, "Labels"), val) == (strcmp(key, "label") == 0);
	} else if (strcmp(key, "opt") == 0) {
		*ok = has_label(json_get(doc, "Options"), val);
	} else {
		if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0)
			return err_set(err, EINVAL, ERR_TOOL,
				       "invalid dangling filter value \"%s\"", val);
		autostrv char **users = ctr_vol_users(eng, name, json_str(doc, "Mountpoint"));
		*ok = (users[0] == NULL) == (strcmp(val, "true") == 0);
	}
	return 0;
}

/* Whether doc passes every filter KEY=VALUE: filters of one key are ORed, keys ANDed. */
static int vol_match(struct eng *eng, struct json_object *doc, char *const *filters, bool *match,
		     struct error **err)
{
	*match = true;
	for (size_t k = 0; filter_keys[k] && *match; k++) {
		bool seen = false, any = false;
		for (size_t i = 0; filters && filters[i]; i++) {
			const char *eq = strchr(filters[i], '=');
			size_t kl = eq ? (size_t)(eq - filters[i]) : strlen(filters[i]);
			if (strlen(filter_keys[k]) != kl || strncmp(filters[i], filter_keys[k], kl))
				continue;
			bool ok = false;
			seen = true;
			if (filter_one(eng, doc, filter_keys[k], eq + 1, &ok, err) < 0)
				return -1;
			any |= ok;
		}
		*match = !seen || any;
	}
	return 0;
}

static int check_filters(char *const *filters, struct error **err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *eq = strchr(filters[i], '=');
		bool ok = false;
		for (size_t k = 0; eq && filter_keys[k] && !ok; k++)
			ok = strlen(filter_keys[k]) == (size_t)(eq - filters[i]) &&
			     strncmp(filters[i], filter_keys[k], (size_t)(eq - filters[i])) == 0;
		if (!ok)
			return err_set(err, EINVAL, ERR_TOOL, "\"%s\" is an invalid volume filter",
				       filters[i]);
	}
	return 0;
}

int eng_vol_query(struct eng *eng, char *const *filters, struct json_object **out,
		  struct error **err)
{
	*out = NULL;
	if (check_filters(filters, err) < 0)
		return -1;
	struct json_object *all = eng_vol_list(eng);
	struct json_object *sel = json_object_new_array();
	for (size_t i = 0; i < json_len(all); i++) {
		struct json_object *doc = json_idx(all, i);
		bool match = false;
		if (vol_match(eng, doc, filters, &match, err) < 0) {
			json_object_put(all);
			json_object_put(sel);
			return -1;
		}
		if (match)
			json_object_array_add(sel, json_object_get(doc));
	}
	json_object_put(all);
	*out = sel;
	return 0;
}

char **eng_vol_prune(struct eng *eng, char *const *filters, bool dry_run, struct error **err)
{
	if (check_filters(filters, err) < 0)
		return NULL;
	autoclose int lk = ctr_vol_lock(eng, !dry_run, err);
	if (lk < 0)
		return NULL;
	char **removed = xzalloc(sizeof(char *));
	/* Volumes a killed create left half-made (vol_make), or a killed rm or prune half
	 * deleted (ctr_vol_delete): nobody makes or deletes one now. */
	autofree char *top = xasprintf("%s/volumes", storage_root(eng->store));
	autoclosedir DIR *d = dry_run ? NULL : opendir(top);
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
	for (size_t i = 0; i < json_len(all); i++) {
		struct json_object *v = json_idx(all, i);
		const char *name = json_str(v, "Name");
		autostrv char **users = ctr_vol_users(eng, name, json_str(v, "Mountpoint"));
		bool match = false;
		int rc = users[0] != NULL ? 0 : vol_match(eng, v, filters, &match, err);
		if (rc == 0 && match && !dry_run)
			rc = ctr_vol_delete(eng, name, err);
		if (rc < 0) {
			json_object_put(all);
			strv_free(removed);
			return NULL;
		}
		if (match)
			strv_push(&removed, name);
	}
	json_object_put(all);
	return removed;
}

int eng_vol_remove_anonymous(struct eng *eng, char *const *names, struct error **err)
{
	return ctr_vol_remove_anon(eng, names, true, err);
}

/* ---------- filling from the image ---------- */

struct fill_job {
	const struct oci_volume *mounts;
	const bool *fill; /* per mount: whether to fill it from the image */
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
		if (!j->fill[i])
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

/* After a container's first use: no chown any more, and no copy-up once the volume has
 * content (podman's NeedsChown and NeedsCopyUp; an empty volume may still be filled). */
static void vol_used(struct eng *eng, const struct oci_volume *v)
{
	struct json_object *st = ctr_vol_stored(eng, v->volume);
	if (st == NULL)
		return;
	bool copyup = ctr_vol_flag(st, "NeedsCopyUp", true),
	     chown = ctr_vol_flag(st, "NeedsChown", false);
	bool filled = v->kind == OCI_MOUNT_VOLUME && !dir_is_empty(v->src);
	struct error *e = NULL;
	if (chown || (copyup && filled)) {
		json_object_object_add(st, "NeedsChown", json_object_new_boolean(false));
		json_object_object_add(st, "NeedsCopyUp",
				       json_object_new_boolean(copyup && !filled));
		if (vol_save(eng, v->volume, st, &e) < 0) {
			log_warn("volume %s: %s", v->volume, e->msg);
			err_free(&e);
		}
	}
	json_object_put(st);
}

int ctr_vol_fill(struct eng *eng, struct eng_ctr *c, const struct oci_volume *mounts, size_t n,
		 struct error **err)
{
	bool any = false;
	autofree bool *fill = xzalloc((n + 1) * sizeof(bool));
	for (size_t i = 0; i < n; i++) {
		const struct oci_volume *v = &mounts[i];
		if (v->kind != OCI_MOUNT_VOLUME || !dir_is_empty(v->src))
			continue;
		struct json_object *st = v->volume ? ctr_vol_stored(eng, v->volume) : NULL;
		fill[i] = ctr_vol_flag(st, "NeedsCopyUp", true);
		json_object_put(st);
		any |= fill[i];
	}
	struct fill_job j = { .mounts = mounts, .fill = fill, .n = n };
	if (any && ctr_with_root(eng, c, fill_fn, &j, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (mounts[i].volume != NULL)
			vol_used(eng, &mounts[i]);
	return 0;
}
