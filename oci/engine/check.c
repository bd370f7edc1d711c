/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `system check` (podman 5's) over the engine's files, then storage's (storage/check.c):
 * containers whose layers are gone, the name index against the records (an entry of a
 * container that is gone or now called otherwise; a name with no entry), removals cut
 * short (containers/.trash-ID), run dirs of containers that are gone, two records of one
 * name, and volumes that killed commands left half made or half removed. A container on
 * damaged storage is removed only with force, as podman does.
 */
#include "oci/engine/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct eng_ctr *find_id(struct eng_ctr **v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, id) == 0)
			return v[i];
	return NULL;
}

static size_t count_name(struct eng_ctr **v, size_t n, const char *name)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += strcmp(v[i]->name, name) == 0;
	return k;
}

/* Containers whose layer chain is not all there, and those on images found damaged
 * (users, from a first storage pass): removed only with repair and force. */
static void check_ctrs(struct eng *eng, struct eng_ctr **v, size_t n, char *const *users,
		       const struct eng_check_opts *o, struct storage_check_report *r)
{
	struct storage *s = eng->store;
	for (size_t i = 0; i < n; i++) {
		autofree char *miss = storage_container_missing_layer(s, v[i]->id);
		if (miss == NULL && !strv_contains(users, v[i]->id))
			continue;
		struct storage_damage *d =
		    miss ? storage_check_add(r, STORAGE_DAMAGE_CONTAINER, v[i]->id,
					     "layer %.12s is missing", miss)
			 : storage_check_add(r, STORAGE_DAMAGE_CONTAINER, v[i]->id,
					     "its image is damaged");
		if (!o->repair || !o->force)
			continue;
		struct error *e = NULL;
		if (eng_ctr_remove(eng, v[i], true, &e) == 0)
			d->mended = true;
		else
			log_warn("%s", e->msg);
		err_free(&e);
	}
}

/*
 * dir/nm, the temp entry of a name written (a link renamed into by-name a moment later) or
 * of the index built aside (containers/.tmp-by-name): both live for microseconds under
 * containers.lock, so one a minute old was left by a command that was killed.
 */
static void stale_tmp(const char *dir, const char *nm, const char *rel_dir, bool repair,
		      struct storage_check_report *r)
{
	autofree char *p = xasprintf("%s/%s", dir, nm);
	struct stat st;
	if (lstat(p, &st) < 0 || st.st_mtime > time(NULL) - 60)
		return;
	autofree char *rel = xasprintf("%s/%s", rel_dir, nm);
	struct storage_damage *d =
	    storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, rel, "left by a killed command");
	struct error *e = NULL;
	if (repair && fs_rm_rf(p, &e) == 0)
		d->mended = true;
	err_free(&e);
}

/*
 * Two records of one name (a rename killed in versions before its present order): the
 * name stays with the container its index entry leads to (else the oldest: the list is
 * oldest first), and the others get fresh generated names.
 */
static void check_dup_names(struct eng *eng, struct eng_ctr **v, size_t n, const char *dir,
			    bool repair, struct storage_check_report *r)
{
	for (size_t i = 0; i < n; i++) {
		if (count_name(v, n, v[i]->name) < 2)
			continue;
		autofree char *p = xasprintf("%s/%s", dir, v[i]->name);
		char id[72];
		ssize_t len = readlink(p, id, sizeof(id) - 1);
		id[len > 0 ? len : 0] = '\0';
		struct eng_ctr *keep = find_id(v, n, id);
		if (keep != NULL && strcmp(keep->name, v[i]->name) != 0)
			keep = NULL;
		for (size_t j = 0; j < n && keep == NULL; j++)
			if (strcmp(v[j]->name, v[i]->name) == 0)
				keep = v[j];
		if (keep == v[i])
			continue;
		struct storage_damage *d =
		    storage_check_add(r, STORAGE_DAMAGE_CONTAINER, v[i]->id,
				      "its name %s is container %.12s's too", v[i]->name, keep->id);
		if (!repair)
			continue;
		struct error *e = NULL;
		if (ctr_name_set(eng, keep->name, keep->id, &e) < 0) {
			log_warn("%s", e->msg);
			err_free(&e);
			continue;
		}
		autofree char *old = xstrdup(v[i]->name);
		autofree char *fresh = ctr_new_name();
		if (eng_ctr_rename(eng, v[i], fresh, &e) == 0) {
			d->mended = true;
			d->done = xasprintf("renamed from %s to %s (%.12s keeps %s)", old, fresh,
					    keep->id, old);
		} else {
			log_warn("%s", e->msg);
		}
		err_free(&e);
	}
}

/* containers/by-name against the records. */
static void check_names(struct eng *eng, struct eng_ctr **v, size_t n, bool repair,
			struct storage_check_report *r)
{
	autofree char *dir = xasprintf("%s/containers/by-name", storage_root(eng->store));
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return; /* no index yet: the first lookup builds it */
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		const char *nm = de->d_name;
		if (strncmp(nm, ".tmp-", 5) == 0) {
			stale_tmp(dir, nm, "containers/by-name", repair, r);
			continue;
		}
		if (nm[0] == '.')
			continue;
		autofree char *p = xasprintf("%s/%s", dir, nm);
		char id[72];
		ssize_t len = readlink(p, id, sizeof(id) - 1);
		id[len > 0 ? len : 0] = '\0';
		struct eng_ctr *c = find_id(v, n, id);
		if (c != NULL && strcmp(c->name, nm) == 0)
			continue;
		autofree char *rel = xasprintf("containers/by-name/%s", nm);
		struct storage_damage *dd =
		    c == NULL ? storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, rel,
						  "names container %.12s, which is gone", id)
			      : storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, rel,
						  "names container %.12s, which is called %s", id,
						  c->name);
		if (!repair)
			continue;
		ctr_name_drop(eng, nm, id);
		dd->mended = !fs_exists(p);
	}
	check_dup_names(eng, v, n, dir, repair, r);
	/* A name with no entry: lookups by it fail. Restored unless two records share it
	 * (told above). */
	for (size_t i = 0; i < n; i++) {
		autofree char *p = xasprintf("%s/%s", dir, v[i]->name);
		char id[72];
		ssize_t len = readlink(p, id, sizeof(id) - 1);
		id[len > 0 ? len : 0] = '\0';
		if (strcmp(id, v[i]->id) == 0)
			continue;
		if (count_name(v, n, v[i]->name) > 1)
			continue;
		autofree char *rel = xasprintf("containers/by-name/%s", v[i]->name);
		struct storage_damage *dd =
		    storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, rel,
				      "missing: container %.12s has this name", v[i]->id);
		struct error *e = NULL;
		if (repair && ctr_name_set(eng, v[i]->name, v[i]->id, &e) == 0)
			dd->mended = dd->restored = true;
		err_free(&e);
	}
}

/* A run dir's monitor is alive: a container being created, run or removed owns it. */
static bool run_dir_live(const char *run)
{
	autofree char *mpid = xasprintf("%s/%s", run, OCI_MONITOR_PID_FILE);
	return ctr_pid_alive(ctr_read_pid(mpid), "hutch-monitor");
}

/* Removals cut short, and run dirs (and runtime state dirs) of containers that are gone. */
static void check_leftovers(struct eng *eng, bool repair, struct storage_check_report *r)
{
	const char *root = storage_root(eng->store);
	autofree char *cdir = xasprintf("%s/containers", root);
	autoclosedir DIR *d = opendir(cdir);
	size_t first = r->n;
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		const char *id = de->d_name + 7;
		if (strncmp(de->d_name, ".trash-", 7) != 0 || !ctr_is_id(id, 64) ||
		    strlen(id) != 64)
			continue;
		struct error *e = NULL;
		autofree char *run = eng_ctr_run_dir(eng, id, &e);
		err_free(&e);
		if (run != NULL && run_dir_live(run))
			continue;
		autofree char *rel = xasprintf("containers/%s", de->d_name);
		storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, rel, "a removal cut short");
	}
	if (d != NULL)
		stale_tmp(cdir, ".tmp-by-name", "containers", repair, r);
	if (repair && r->n > first) {
		eng_ctr_purge_trash(eng);
		for (size_t i = first; i < r->n; i++) {
			autofree char *p = xasprintf("%s/%s", root, r->v[i].id);
			r->v[i].mended = !fs_exists(p);
		}
	}
	struct error *e = NULL;
	autofree char *runs = eng_ctr_run_dir(eng, "", &e);
	autofree char *rt = ctr_runtime_root(eng, &e);
	err_free(&e);
	if (runs != NULL)
		runs[strlen(runs) - 1] = '\0'; /* the ID's place: "" */
	const char *bases[] = { runs, rt };
	for (size_t b = 0; b < 2; b++) {
		autoclosedir DIR *rd = bases[b] ? opendir(bases[b]) : NULL;
		for (struct dirent *de; rd != NULL && (de = readdir(rd)) != NULL;) {
			const char *id = de->d_name;
			if (strlen(id) != 64 || !ctr_is_id(id, 64))
				continue;
			autofree char *rec = xasprintf("%s/%s", cdir, id);
			autofree char *trash = xasprintf("%s/.trash-%s", cdir, id);
			autofree char *run = eng_ctr_run_dir(eng, id, &e);
			err_free(&e);
			if (fs_exists(rec) || fs_exists(trash) || (run && run_dir_live(run)))
				continue;
			autofree char *p = xasprintf("%s/%s", bases[b], id);
			struct storage_damage *dd =
			    storage_check_add(r, STORAGE_DAMAGE_LEFTOVER, p,
					      b == 0 ? "the run dir of a container that is gone"
						     : "runtime state of a container that is gone");
			if (repair && fs_rm_rf(p, &e) == 0)
				dd->mended = true;
			err_free(&e);
		}
	}
}

/*
 * volumes/: what a killed create (.tmp-NAME-PID) or rm or prune (.trash-NAME-PID) left, and
 * a volume without _data (deleted half-way by versions that deleted it in place): no
 * listing shows it, yet its name cannot be made again. Under volumes.lock, exclusive: no
 * create or removal is under way.
 */
static void check_volumes(struct eng *eng, bool repair, struct storage_check_report *r)
{
	struct error *e = NULL;
	autoclose int lk = ctr_vol_lock(eng, true, &e);
	if (lk < 0) {
		log_warn("%s", e->msg);
		err_free(&e);
		return;
	}
	autofree char *top = xasprintf("%s/volumes", storage_root(eng->store));
	autoclosedir DIR *d = opendir(top);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		const char *nm = de->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		autofree char *p = xasprintf("%s/%s", top, nm);
		autofree char *data = xasprintf("%s/_data", p);
		bool tmp = strncmp(nm, ".tmp-", 5) == 0, trash = strncmp(nm, ".trash-", 7) == 0;
		struct stat st;
		if (!tmp && !trash &&
		    (nm[0] == '.' || lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || fs_exists(data)))
			continue;
		autofree char *rel = xasprintf("volumes/%s", nm);
		struct storage_damage *dd = storage_check_add(
		    r, STORAGE_DAMAGE_LEFTOVER, rel, "%s",
		    tmp	    ? "a volume create cut short"
		    : trash ? "a volume removal cut short"
			    : "a volume half removed (no _data): its name cannot be used");
		if (repair && ctr_vol_rm_dir(p, &e) == 0)
			dd->mended = !fs_exists(p);
		err_free(&e);
	}
}

/* IDs of the containers that use images a storage pass (no repair) finds damaged. */
static char **damaged_users(struct eng *eng, const struct eng_check_opts *o, struct error **err)
{
	struct storage *s = eng->store;
	struct storage_check_report pre = { 0 };
	struct storage_check_opts so = { .quick = o->quick };
	char **users = xcalloc(1, sizeof(char *));
	if (o->repair && o->force && storage_check(s, &so, &pre, err) < 0) {
		strv_free(users);
		return NULL;
	}
	for (size_t i = 0; i < pre.n; i++) {
		if (pre.v[i].kind != STORAGE_DAMAGE_IMAGE)
			continue;
		autostrv char **u = storage_image_users(s, pre.v[i].id);
		for (size_t j = 0; u[j] != NULL; j++)
			strv_push(&users, u[j]);
	}
	storage_check_report_clear(&pre);
	return users;
}

int eng_system_check(struct eng *eng, const struct eng_check_opts *o,
		     struct storage_check_report *r, struct error **err)
{
	autostrv char **users = damaged_users(eng, o, err);
	if (users == NULL)
		return -1;
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_ctr_list(eng, &v, &n, err) < 0)
		return -1;
	check_ctrs(eng, v, n, users, o, r);
	eng_ctr_list_free(v, n);
	/* The names against the records as they are now (after removals). */
	if (eng_ctr_list(eng, &v, &n, err) < 0)
		return -1;
	check_names(eng, v, n, o->repair, r);
	eng_ctr_list_free(v, n);
	check_leftovers(eng, o->repair, r);
	check_volumes(eng, o->repair, r);
	struct storage_check_opts so = { .quick = o->quick, .repair = o->repair };
	return storage_check(eng->store, &so, r, err);
}
