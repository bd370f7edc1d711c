/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding a container by full ID, name or unique ID prefix (podman's order) without reading
 * every record: a full ID is its directory, a prefix needs only the directory names, and a
 * name goes through the name index, containers/by-name/NAME, a symlink whose target is the
 * ID. The index is a hint: the record it leads to must carry that name, or the entry is
 * stale and counts for nothing (a create or a rename that died half-way, a container that
 * another process renamed meanwhile). It is written under containers.lock: at create
 * before the record, at rename before the record changes (the old name's entry goes after),
 * and an entry goes when its container is removed. A store without one (written by an
 * older hutch) has it built from the records on first use.
 */
#include "oci/engine/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define INDEX "by-name"

/* ctr_names_lock; without wait, an EWOULDBLOCK error when another process holds it. */
static struct ctr_names_hold names_lock(struct eng *eng, bool wait, struct error **err)
{
	struct ctr_names_hold h = { .eng = eng, .rc = 0 };
	if (eng->names_depth > 0) {
		eng->names_depth++;
		return h;
	}
	autofree char *path = xasprintf("%s/containers.lock", storage_root(eng->store));
	int fd = fs_lock(path, O_RDWR | O_CREAT, LOCK_EX | (wait ? 0 : LOCK_NB));
	if (fd < 0) {
		h.rc = err_sys(err, "locking %s", path);
		return h;
	}
	eng->names_fd = fd;
	eng->names_depth = 1;
	return h;
}

struct ctr_names_hold ctr_names_lock(struct eng *eng, struct error **err)
{
	return names_lock(eng, true, err);
}

void ctr_names_unlock(struct ctr_names_hold *h)
{
	struct eng *eng = h->eng;
	if (h->rc != 0 || eng == NULL || eng->names_depth == 0)
		return;
	h->rc = -1;
	if (--eng->names_depth == 0) {
		close(eng->names_fd);
		eng->names_fd = -1;
	}
}

/* ROOT/containers/by-name[/name] (owned). */
static char *index_path(struct eng *eng, const char *name)
{
	struct storage *s = eng->store;
	return name ? xasprintf("%s/containers/" INDEX "/%s", storage_root(s), name)
		    : xasprintf("%s/containers/" INDEX, storage_root(s));
}

/* The ID name's entry points at (owned), NULL when there is none or it is junk; *none
 * tells that the store has no index at all. */
static char *index_get(struct eng *eng, const char *name, bool *none)
{
	*none = false;
	autofree char *path = index_path(eng, name);
	char buf[72];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n == 64) {
		buf[n] = '\0';
		return ctr_is_id(buf, 64) ? xstrdup(buf) : NULL;
	}
	if (n < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		autofree char *dir = index_path(eng, NULL);
		struct stat st;
		*none = stat(dir, &st) < 0 || !S_ISDIR(st.st_mode);
	}
	return NULL;
}

/* Point dir/name at id, replacing what was there, by rename. */
static int link_at(const char *dir, const char *name, const char *id, struct error **err)
{
	autofree char *tmp = xasprintf("%s/.tmp-%s", dir, name);
	autofree char *dst = xasprintf("%s/%s", dir, name);
	unlink(tmp);
	if (symlink(id, tmp) < 0)
		return err_sys(err, "writing %s", tmp);
	if (rename(tmp, dst) < 0) {
		err_sys(err, "writing %s", dst);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Build the index from the records, under containers.lock; a no-op when it exists. Without
 * wait, an EWOULDBLOCK error when another process holds the lock: a lookup may run under a
 * container's lock, which must not wait for containers.lock (that order is a rename's).
 */
static int index_build(struct eng *eng, bool wait, struct error **err)
{
	struct storage *s = eng->store;
	autonames struct ctr_names_hold lk = names_lock(eng, wait, err);
	if (lk.rc < 0)
		return -1;
	autofree char *dir = index_path(eng, NULL);
	struct stat st;
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0; /* another process built it meanwhile */
	if (unlink(dir) < 0 && errno != ENOENT)
		return err_sys(err, "removing %s", dir);
	/* Built aside and renamed into place: a half-built index is never seen. */
	autofree char *tmp = xasprintf("%s/containers/.tmp-" INDEX, storage_root(s));
	if (fs_rm_rf(tmp, err) < 0)
		return -1;
	autofree char *ctrs = xasprintf("%s/containers", storage_root(s));
	if ((mkdir(ctrs, 0700) < 0 && errno != EEXIST) || mkdir(tmp, 0700) < 0)
		return err_sys(err, "creating %s", tmp);
	struct eng_ctr **v = NULL;
	size_t n = 0;
	int rc = eng_ctr_list(eng, &v, &n, err);
	/* Oldest first: with two records of one name, the older one keeps it. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		autofree char *link = xasprintf("%s/%s", tmp, v[i]->name);
		if (ctr_valid_name(v[i]->name) && symlink(v[i]->id, link) < 0 && errno != EEXIST)
			rc = err_sys(err, "writing %s", link);
	}
	eng_ctr_list_free(v, n);
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = err_sys(err, "creating %s", dir);
	if (rc < 0)
		fs_rm_rf(tmp, NULL);
	return rc;
}

/* Without an index: the records, the older first. */
static struct eng_ctr *scan_name(struct eng *eng, const char *name)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *err = NULL;
	if (eng_ctr_list(eng, &v, &n, &err) < 0)
		err_free(&err);
	struct eng_ctr *hit = NULL;
	for (size_t i = 0; i < n; i++) {
		if (hit == NULL && strcmp(v[i]->name, name) == 0)
			hit = v[i];
		else
			eng_ctr_free(&v[i]);
	}
	free(v);
	return hit;
}

struct eng_ctr *ctr_by_name(struct eng *eng, const char *name)
{
	if (!ctr_valid_name(name))
		return NULL;
	bool none = false;
	autofree char *id = index_get(eng, name, &none);
	if (none) {
		struct error *err = NULL;
		if (index_build(eng, false, &err) < 0) {
			/* A store we cannot write to, or the lock busy: the slow way. */
			log_debug("building the container name index: %s", err->msg);
			err_free(&err);
			return scan_name(eng, name);
		}
		id = index_get(eng, name, &none);
	}
	if (id == NULL)
		return NULL;
	struct eng_ctr *c = ctr_load(eng, AT_FDCWD, id, false);
	if (c != NULL && strcmp(c->name, name) != 0)
		eng_ctr_free(&c); /* stale: that container is called otherwise now */
	return c;
}

int ctr_name_set(struct eng *eng, const char *name, const char *id, struct error **err)
{
	autonames struct ctr_names_hold lk = ctr_names_lock(eng, err);
	if (lk.rc < 0)
		return -1;
	bool none = false;
	free(index_get(eng, name, &none));
	if (none && index_build(eng, true, err) < 0)
		return -1;
	autofree char *dir = index_path(eng, NULL);
	return link_at(dir, name, id, err);
}

void ctr_name_paths(struct eng *eng, const char *name, char **entry, char **lock)
{
	struct storage *s = eng->store;
	*entry = index_path(eng, name);
	*lock = xasprintf("%s/containers.lock", storage_root(s));
}

bool ctr_name_drop_try(struct eng *eng, const char *name, const char *id, bool wait)
{
	struct error *err = NULL;
	autonames struct ctr_names_hold lk = names_lock(eng, wait, &err);
	if (lk.rc < 0) {
		/* Left behind, the entry is stale, and ignored. */
		log_debug("dropping the name index entry of %s: %s", name, err->msg);
		err_free(&err);
		return false;
	}
	bool none = false;
	autofree char *cur = ctr_valid_name(name) ? index_get(eng, name, &none) : NULL;
	autofree char *path = index_path(eng, name);
	if (cur != NULL && strcmp(cur, id) == 0 && unlink(path) < 0)
		log_debug("removing %s: %s", path, strerror(errno));
	return true;
}

void ctr_name_drop(struct eng *eng, const char *name, const char *id)
{
	ctr_name_drop_try(eng, name, id, true);
}

/* The one container whose ID starts with prefix: reads the directory, and only the
 * records of the IDs that match. */
static int by_prefix(struct eng *eng, const char *prefix, struct eng_ctr **out, struct error **err)
{
	struct storage *s = eng->store;
	autofree char *dir = xasprintf("%s/containers", storage_root(s));
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
	size_t len = strlen(prefix);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, prefix, len) != 0 || strlen(de->d_name) != 64 ||
		    !ctr_is_id(de->d_name, 64))
			continue;
		struct eng_ctr *c = ctr_load(eng, dirfd(d), de->d_name, false);
		if (c == NULL)
			continue;
		if (*out != NULL) {
			eng_ctr_free(&c);
			eng_ctr_free(out);
			return err_set(err, EINVAL, ERR_TOOL,
				       "more than one result for container \"%s\": use a longer ID",
				       prefix);
		}
		*out = c;
	}
	return 0;
}

int ctr_find(struct eng *eng, const char *name_or_id, struct eng_ctr **out, struct error **err)
{
	*out = NULL;
	size_t len = strlen(name_or_id);
	if (len == 64 && ctr_is_id(name_or_id, 64))
		*out = ctr_load(eng, AT_FDCWD, name_or_id, false);
	if (*out == NULL)
		*out = ctr_by_name(eng, name_or_id);
	if (*out == NULL && len < 64 && ctr_is_id(name_or_id, 64) &&
	    by_prefix(eng, name_or_id, out, err) < 0)
		return -1;
	if (*out == NULL)
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no container with name or ID \"%s\" found: no such container",
			       name_or_id);
	return 0;
}

char **eng_ctr_all_ids(struct eng *eng, enum eng_ctr_all which, size_t *n, struct error **err)
{
	bool running_only = which == ENG_CTR_ALL_RUNNING, for_rm = which == ENG_CTR_ALL_REMOVE;
	bool stopped_only = which == ENG_CTR_ALL_STARTABLE;
	char **v = NULL;
	struct eng_ctr **all = NULL;
	size_t na = 0;
	/* The brief records have the state and the pod; callers load the full ones by ID. */
	if (eng_ctr_list_brief(eng, &all, &na, err) < 0)
		return NULL;
	for (size_t k = 0; k < na; k++) {
		struct eng_ctr *c = all[for_rm ? na - 1 - k : k];
		bool runs = c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED;
		if ((!running_only || c->state.status == ENG_CTR_RUNNING) &&
		    !(stopped_only && runs))
			strv_push(&v, c->id);
	}
	eng_ctr_list_free(all, na);
	*n = strv_len(v);
	if (v == NULL)
		v = xzalloc(sizeof(char *));
	return v;
}
