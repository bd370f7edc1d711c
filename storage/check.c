/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image store's half of `system check` (podman 5's): blobs against their digests,
 * image records against their blobs and layers, layers against their layer.json and chain
 * ID, and the leftovers no record refers to. With repair it runs under gc.lock held
 * exclusively, as the collector does: pulls, saves, loads and imports hold it shared, so
 * every temp dir found then belongs to a command that was killed.
 * The sweep at store open removes those leftovers too, but only where a lock tells that
 * their owner is gone, and never waits for one.
 */
#include "storage/internal.h"
#include "lib/json.h"
#include "userns/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct storage_damage *storage_check_add(struct storage_check_report *r,
					 enum storage_damage_kind kind, const char *id,
					 const char *fmt, ...)
{
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct storage_damage *d = &r->v[r->n++];
	va_list ap;
	va_start(ap, fmt);
	*d = (struct storage_damage){ .kind = kind,
				      .id = xstrdup(id),
				      .problem = xvasprintf(fmt, ap) };
	va_end(ap);
	return d;
}

void storage_check_report_clear(struct storage_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].problem);
		free(r->v[i].done);
	}
	free(r->v);
	*r = (struct storage_check_report){ 0 };
}

static bool is_chain(const char *nm)
{
	return strlen(nm) == SHA256_HEX_LEN && store_is_hex(nm);
}

/* Whether the file's sha256 is hex. */
static bool blob_ok(const char *path, const char *hex)
{
	autoclose int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct sha256_ctx *c = sha256_new();
	char buf[65536], got[SHA256_HEX_LEN + 1];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(c, buf, (size_t)n);
	sha256_final_hex(c, got); /* frees c */
	return n == 0 && strcmp(got, hex) == 0;
}

struct ck {
	struct storage *s;
	const struct storage_check_opts *o;
	struct storage_check_report *r;
	char **bad_layers; /* chains whose layer.json or diff dir is broken */
	char **bad_blobs;  /* blobs whose bytes do not match their name */
	char **keep;	   /* layers and blobs of the images kept and of containers */
};

static void rm_path(struct ck *k, struct storage_damage *d, const char *path)
{
	struct error *e = NULL;
	if (!k->o->repair)
		return;
	if (store_rm_tree(k->s, path, &e) == 0) {
		d->mended = true;
	} else {
		log_warn("%s", e->msg);
		err_free(&e);
	}
}

/* layers/CHAIN: a layer.json with a diff ID, and a diff dir. */
static void check_layers(struct ck *k)
{
	autofree char *dir = xasprintf("%s/layers", k->s->root);
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (!is_chain(de->d_name))
			continue;
		autofree char *diff_id = NULL;
		struct error *e = NULL;
		const char *why = NULL;
		if (store_layer_info(k->s, de->d_name, &diff_id, NULL, &e) < 0 || diff_id == NULL ||
		    !storage_digest_valid(diff_id))
			why = "layer.json is missing or damaged";
		err_free(&e);
		autofree char *diff = store_layer_dir(k->s, de->d_name);
		struct stat st;
		if (why == NULL && (lstat(diff, &st) < 0 || !S_ISDIR(st.st_mode)))
			why = "its diff directory is missing";
		if (why == NULL)
			continue;
		storage_check_add(k->r, STORAGE_DAMAGE_LAYER, de->d_name, "%s", why);
		strv_push(&k->bad_layers, de->d_name);
	}
}

/* blobs/sha256/HEX against HEX. */
static void check_blobs(struct ck *k)
{
	if (k->o->quick)
		return;
	autofree char *dir = xasprintf("%s/blobs/sha256", k->s->root);
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (!is_chain(de->d_name))
			continue;
		autofree char *p = xasprintf("%s/%s", dir, de->d_name);
		if (!blob_ok(p, de->d_name))
			strv_push(&k->bad_blobs, de->d_name);
	}
}

/* What is wrong with an image (owned), NULL when nothing is. */
static char *image_problem(struct ck *k, const struct storage_image *img)
{
	autofree char *cfg = xasprintf("%s/blobs/sha256/%s", k->s->root, img->id);
	if (!fs_exists(cfg))
		return xstrdup("its config blob is missing");
	if (strv_contains(k->bad_blobs, img->id))
		return xstrdup("its config blob does not match its digest");
	const char *md = img->manifest_digest;
	if (storage_digest_valid(md)) {
		autofree char *mp = xasprintf("%s/blobs/sha256/%s", k->s->root, md + 7);
		if (!fs_exists(mp))
			return xstrdup("its manifest blob is missing");
		if (strv_contains(k->bad_blobs, md + 7))
			return xstrdup("its manifest blob does not match its digest");
	}
	size_t nl = strv_len(img->layers);
	if (nl == 0 || nl != strv_len(img->diff_ids))
		return xstrdup("its layer chain does not match its diff IDs");
	for (size_t i = 0; i < nl; i++) {
		const char *l = img->layers[i];
		char want[SHA256_HEX_LEN + 1];
		if (!storage_digest_valid(img->diff_ids[i]))
			return xstrdup("its layer chain does not match its diff IDs");
		storage_chain_id(i > 0 ? img->layers[i - 1] : NULL, img->diff_ids[i], want);
		if (strcmp(want, l) != 0)
			return xasprintf("layer %.12s is not the chain of its diff IDs", l);
		if (!store_layer_exists(k->s, l))
			return xasprintf("layer %.12s is missing", l);
		if (strv_contains(k->bad_layers, l))
			return xasprintf("layer %.12s is damaged", l);
	}
	return NULL;
}

static void remove_image(struct ck *k, struct storage_damage *d, const char *id)
{
	autofree char *dir = xasprintf("%s/images/%s", k->s->root, id);
	autofree char *trash = xasprintf("%s/images/.trash-%s", k->s->root, id);
	struct error *e = NULL;
	autoclose int lk = store_lock(k->s, "meta.lock", true, false, &e);
	if (lk >= 0 && rename(dir, trash) == 0 && fs_rm_rf(trash, &e) == 0)
		d->mended = true;
	if (e != NULL)
		log_warn("%s", e->msg);
	err_free(&e);
}

static void keep_image(struct ck *k, const struct storage_image *img)
{
	for (size_t j = 0; img->layers[j] != NULL; j++)
		strv_push(&k->keep, img->layers[j]);
	strv_push(&k->keep, img->id);
	if (storage_digest_valid(img->manifest_digest))
		strv_push(&k->keep, img->manifest_digest + 7);
}

static int check_images(struct ck *k, struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (store_image_records(k->s, &imgs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		autofree char *why = image_problem(k, imgs[i]);
		if (why == NULL) {
			keep_image(k, imgs[i]);
			continue;
		}
		struct storage_damage *d =
		    storage_check_add(k->r, STORAGE_DAMAGE_IMAGE, imgs[i]->id, "%s", why);
		autostrv char **users = storage_image_users(k->s, imgs[i]->id);
		if (users[0] != NULL) {
			/* podman leaves a damaged image a container uses, unless forced
			 * (the engine removes the containers first then). */
			free(d->problem);
			d->problem = xasprintf("%s (used by container %.12s)", why, users[0]);
			keep_image(k, imgs[i]);
		} else if (k->o->repair) {
			remove_image(k, d, imgs[i]->id);
		}
		/* Its layers and blobs are orphans only once it is gone. */
		if (!d->mended && users[0] == NULL)
			keep_image(k, imgs[i]);
	}
	storage_image_list_free(imgs, n);
	/* A container mounts its own copy of the chain, even should its image be gone. */
	autostrv char **ctrs = storage_container_list(k->s);
	for (size_t i = 0; ctrs[i] != NULL; i++) {
		autofree char *p =
		    xasprintf("%s/containers/%s/container.json", k->s->root, ctrs[i]);
		struct json_object *o = json_file_at(AT_FDCWD, p, 1 << 20);
		autostrv char **layers = o ? store_record_layers(o) : NULL;
		for (size_t j = 0; layers && layers[j]; j++)
			strv_push(&k->keep, layers[j]);
		json_object_put(o);
	}
	return 0;
}

/* Layers and blobs of no image or container, and what killed commands left. */
static void check_leftovers(struct ck *k)
{
	autofree char *ldir = xasprintf("%s/layers", k->s->root);
	autoclosedir DIR *d = opendir(ldir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		const char *nm = de->d_name;
		bool tmp = strncmp(nm, ".tmp-", 5) == 0 || strncmp(nm, ".trash-", 7) == 0;
		if (!tmp && (!is_chain(nm) || strv_contains(k->keep, nm)))
			continue;
		autofree char *p = xasprintf("%s/%s", ldir, nm);
		autofree char *rel = xasprintf("layers/%s", nm);
		if (tmp) {
			rm_path(k,
				storage_check_add(k->r, STORAGE_DAMAGE_LEFTOVER, rel,
						  "left by a killed command"),
				p);
			continue;
		}
		/* A damaged layer was reported already: that entry says whether it went. */
		struct storage_damage *dl = NULL;
		for (size_t i = 0; i < k->r->n; i++)
			if (k->r->v[i].kind == STORAGE_DAMAGE_LAYER &&
			    strcmp(k->r->v[i].id, nm) == 0)
				dl = &k->r->v[i];
		if (dl == NULL)
			dl = storage_check_add(k->r, STORAGE_DAMAGE_LEFTOVER, rel,
					       "a layer of no image or container");
		rm_path(k, dl, p);
		autofree char *lockf = xasprintf("%s.lock", p);
		if (dl->mended)
			unlink(lockf);
	}
	autofree char *bdir = xasprintf("%s/blobs/sha256", k->s->root);
	autoclosedir DIR *b = opendir(bdir);
	for (struct dirent *de; b != NULL && (de = readdir(b)) != NULL;) {
		if (de->d_name[0] == '.' || strv_contains(k->keep, de->d_name))
			continue;
		autofree char *rel = xasprintf("blobs/sha256/%s", de->d_name);
		autofree char *p = xasprintf("%s/%s", bdir, de->d_name);
		struct storage_damage *dd =
		    storage_check_add(k->r, STORAGE_DAMAGE_LEFTOVER, rel,
				      is_chain(de->d_name) ? "a blob of no image" : "not a blob");
		if (k->o->repair && unlink(p) == 0)
			dd->mended = true;
	}
	static const char *const dirs[] = { "tmp", "images" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		autofree char *dir = xasprintf("%s/%s", k->s->root, dirs[i]);
		autoclosedir DIR *t = opendir(dir);
		for (struct dirent *de; t != NULL && (de = readdir(t)) != NULL;) {
			const char *nm = de->d_name;
			if (i == 0 ? nm[0] == '.' : strncmp(nm, ".trash-", 7) != 0)
				continue;
			autofree char *rel = xasprintf("%s/%s", dirs[i], nm);
			autofree char *p = xasprintf("%s/%s", dir, nm);
			rm_path(k,
				storage_check_add(k->r, STORAGE_DAMAGE_LEFTOVER, rel,
						  "left by a killed command"),
				p);
		}
	}
}

/* containers/.tmp-ID: storage_container_create makes it under meta.lock, so with that
 * lock held any found is a dead command's. */
static void check_ctr_tmp(struct ck *k)
{
	struct error *e = NULL;
	autoclose int lk = store_lock(k->s, "meta.lock", true, false, &e);
	err_free(&e);
	if (lk < 0)
		return;
	autofree char *dir = xasprintf("%s/containers", k->s->root);
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, ".tmp-", 5) != 0 || !is_chain(de->d_name + 5))
			continue;
		autofree char *rel = xasprintf("containers/%s", de->d_name);
		autofree char *p = xasprintf("%s/%s", dir, de->d_name);
		rm_path(k,
			storage_check_add(k->r, STORAGE_DAMAGE_LEFTOVER, rel,
					  "left by a killed command"),
			p);
	}
}

int storage_check(struct storage *s, const struct storage_check_opts *o,
		  struct storage_check_report *r, struct error **err)
{
	/* Waits for pulls, saves, loads and imports to finish, as rmi does. */
	autoclose int gc = store_lock(s, "gc.lock", true, false, err);
	if (gc < 0)
		return -1;
	struct ck k = { .s = s, .o = o, .r = r };
	k.bad_layers = xcalloc(1, sizeof(char *));
	k.bad_blobs = xcalloc(1, sizeof(char *));
	k.keep = xcalloc(1, sizeof(char *));
	check_layers(&k);
	check_blobs(&k);
	int rc = check_images(&k, err);
	if (rc == 0) {
		check_leftovers(&k);
		check_ctr_tmp(&k);
	}
	strv_free(k.bad_layers);
	strv_free(k.bad_blobs);
	strv_free(k.keep);
	return rc;
}

char *storage_container_missing_layer(struct storage *s, const char *ctr_id)
{
	autofree char *p = xasprintf("%s/containers/%s/container.json", s->root, ctr_id);
	struct json_object *o = json_file_at(AT_FDCWD, p, 1 << 20);
	autostrv char **layers = o ? store_record_layers(o) : NULL;
	json_object_put(o);
	for (size_t j = 0; layers && layers[j]; j++)
		if (!store_layer_exists(s, layers[j]))
			return xstrdup(layers[j]);
	return NULL;
}

/* ---------- the sweep at store open ---------- */

static void sweep_rm(struct storage *s, const char *path)
{
	struct error *e = NULL;
	if (store_rm_tree(s, path, &e) < 0) {
		log_debug("removing %s: %s", path, e->msg);
		err_free(&e);
	}
}

/* Entries of root/sub whose name starts with one of the prefixes (owned, NULL if none). */
static char **leftovers(struct storage *s, const char *sub, const char *p1, const char *p2)
{
	autofree char *dir = xasprintf("%s/%s", s->root, sub);
	autoclosedir DIR *d = opendir(dir);
	char **out = NULL;
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		const char *nm = de->d_name;
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		if (strncmp(nm, p1, strlen(p1)) == 0 || (p2 && strncmp(nm, p2, strlen(p2)) == 0))
			strv_push(&out, nm);
	}
	return out;
}

void store_sweep(struct storage *s)
{
	/* One readdir each of the dirs where killed commands leave temp dirs; locks only
	 * when there is something to remove, and never waiting for them. */
	autostrv char **lay = leftovers(s, "layers", ".tmp-", ".trash-");
	autostrv char **tmp = leftovers(s, "tmp", "", NULL);
	autostrv char **ctr = leftovers(s, "containers", ".tmp-", NULL);
	if (lay != NULL || tmp != NULL) {
		struct error *e = NULL;
		/* Held shared by every pull, save, load and import: with it ours, none runs. */
		autoclose int gc = store_lock(s, "gc.lock", true, true, &e);
		err_free(&e);
		for (size_t i = 0; lay && lay[i]; i++) {
			const char *nm = lay[i];
			autofree char *p = xasprintf("%s/layers/%s", s->root, nm);
			/* A pull unpacks into .tmp-CHAIN under layers/CHAIN.lock. */
			autofree char *lname = xasprintf("layers/%s.lock", nm + 5);
			autoclose int lk =
			    gc >= 0 || strncmp(nm, ".tmp-", 5) != 0 || !is_chain(nm + 5)
				? -1
				: store_lock(s, lname, true, true, &e);
			err_free(&e);
			if (gc >= 0 || lk >= 0)
				sweep_rm(s, p);
		}
		for (size_t i = 0; gc >= 0 && tmp && tmp[i]; i++) {
			if (tmp[i][0] == '.')
				continue;
			autofree char *p = xasprintf("%s/tmp/%s", s->root, tmp[i]);
			sweep_rm(s, p);
		}
	}
	bool mine = false;
	for (size_t i = 0; ctr && ctr[i]; i++)
		mine = mine || is_chain(ctr[i] + 5);
	if (mine) {
		struct error *e = NULL;
		autoclose int lk = store_lock(s, "meta.lock", true, true, &e);
		err_free(&e);
		for (size_t i = 0; lk >= 0 && ctr[i]; i++) {
			if (!is_chain(ctr[i] + 5))
				continue;
			autofree char *p = xasprintf("%s/containers/%s", s->root, ctr[i]);
			sweep_rm(s, p);
		}
	}
}

int storage_reset(struct storage *s, const char *also, struct error **err)
{
	/* Layers and upper dirs hold subordinate ids: removed in the user namespace. */
	if (also != NULL && store_rm_tree(s, also, err) < 0)
		return -1;
	return store_rm_tree(s, s->root, err);
}
