/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image records: images/ID/image.json plus the manifest and config in blobs/. Every change
 * happens under meta.lock and is written atomically; a name belongs to one image at a time
 * (tagging moves it, as in podman). Deleting layers needs gc.lock, which pulls hold shared.
 */
#include "storage/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORD_MAX (4 << 20)

/* A record's list: never NULL, as the image's users expect. */
static char **record_strv(struct json_object *o, const char *key)
{
	char **v = json_strv(json_get(o, key));
	return v != NULL ? v : xcalloc(1, sizeof(char *));
}

void storage_image_free(struct storage_image **ip)
{
	struct storage_image *i = *ip;
	if (i == NULL)
		return;
	free(i->id);
	strv_free(i->names);
	strv_free(i->names_history);
	strv_free(i->digests);
	free(i->manifest_digest);
	strv_free(i->layers);
	strv_free(i->diff_ids);
	json_object_put(i->config);
	json_object_put(i->manifest);
	free(i);
	*ip = NULL;
}

void storage_image_list_free(struct storage_image **imgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		storage_image_free(&imgs[i]);
	free(imgs);
}

/* The names an image has had, as containers/storage keeps them: each time its names are set,
 * the current ones go first and the earlier history follows, without repeats. */
static char **names_history(const struct storage_image *img)
{
	char **h = xcalloc(1, sizeof(char *));
	for (size_t i = 0; img->names != NULL && img->names[i] != NULL; i++)
		if (!strv_contains(h, img->names[i]))
			strv_push(&h, img->names[i]);
	for (size_t i = 0; img->names_history != NULL && img->names_history[i] != NULL; i++)
		if (!strv_contains(h, img->names_history[i]))
			strv_push(&h, img->names_history[i]);
	return h;
}

static int write_record(struct storage *s, const struct storage_image *img, struct error **err)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(img->id));
	json_object_object_add(o, "names", json_from_strv(img->names));
	autostrv char **hist = names_history(img);
	json_object_object_add(o, "names_history", json_from_strv(hist));
	json_object_object_add(o, "digests", json_from_strv(img->digests));
	json_object_object_add(o, "manifest_digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(o, "layers", json_from_strv(img->layers));
	json_object_object_add(o, "diff_ids", json_from_strv(img->diff_ids));
	json_object_object_add(o, "size", json_object_new_int64(img->size));
	json_object_object_add(o, "pulled", json_object_new_int64(img->pulled));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	autofree char *dir = xasprintf("%s/images/%s", s->root, img->id);
	autofree char *path = xasprintf("%s/image.json", dir);
	int rc = fs_mkdir_p(dir, 0700, err);
	if (rc == 0)
		rc = store_write(path, text, strlen(text), err);
	json_object_put(o);
	return rc;
}

static struct json_object *load_blob_json(struct storage *s, const char *digest, size_t max)
{
	autofree char *text = NULL;
	size_t len = 0;
	if (store_get_blob(s, digest, max, &text, &len, NULL) < 0)
		return NULL;
	return doc_parse(text, len, digest, NULL);
}

/* The config and manifest blobs of a record read without them; -1 without a config. */
static int load_blobs(struct storage *s, struct storage_image *img, struct error **err)
{
	autofree char *cd = xasprintf("sha256:%s", img->id);
	img->config = load_blob_json(s, cd, CONFIG_MAX);
	img->manifest = load_blob_json(s, img->manifest_digest, MANIFEST_MAX);
	if (img->config == NULL)
		return err_set(err, EIO, ERR_TOOL, "image %.12s: config blob is missing", img->id);
	return 0;
}

/* Load images/ID/image.json, and with blobs the config and manifest it names; NULL when
 * missing or damaged (it is then ignored). */
static struct storage_image *read_record_as(struct storage *s, const char *id, bool blobs,
					    struct error **err)
{
	autofree char *path = xasprintf("%s/images/%s/image.json", s->root, id);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(path, RECORD_MAX, &text, &len, err) < 0)
		return NULL;
	struct json_object *o = doc_parse(text, len, path, err);
	if (o == NULL)
		return NULL;
	struct storage_image *img = xzalloc(sizeof(*img));
	img->id = xstrdup(id);
	img->names = record_strv(o, "names");
	img->names_history = record_strv(o, "names_history");
	char **hist = names_history(img); /* records from before the history: their names */
	strv_free(img->names_history);
	img->names_history = hist;
	img->digests = record_strv(o, "digests");
	img->layers = record_strv(o, "layers");
	img->diff_ids = record_strv(o, "diff_ids");
	const char *md = json_str(o, "manifest_digest");
	img->manifest_digest = xstrdup(md != NULL ? md : "");
	img->size = json_object_get_int64(json_get(o, "size"));
	img->pulled = json_object_get_int64(json_get(o, "pulled"));
	json_object_put(o);
	if (blobs && load_blobs(s, img, err) < 0)
		storage_image_free(&img);
	return img;
}

static struct storage_image *read_record(struct storage *s, const char *id, struct error **err)
{
	return read_record_as(s, id, true, err);
}

/* Every image record; with blobs, each with its config and manifest (those without a
 * config are left out then). */
static int list_records(struct storage *s, bool blobs, struct storage_image ***imgs, size_t *n,
			struct error **err)
{
	autofree char *dir = xasprintf("%s/images", s->root);
	struct dirent **list = NULL;
	int cnt = scandir(dir, &list, NULL, alphasort);
	*imgs = NULL;
	*n = 0;
	if (cnt < 0)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
	*imgs = xcalloc((size_t)cnt + 1, sizeof(**imgs));
	for (int i = 0; i < cnt; i++) {
		const char *name = list[i]->d_name;
		if (strlen(name) == SHA256_HEX_LEN) {
			struct error *e = NULL;
			struct storage_image *img = read_record_as(s, name, blobs, &e);
			if (img != NULL)
				(*imgs)[(*n)++] = img;
			else
				log_debug("skipping image %s: %s", name, e ? e->msg : "?");
			err_free(&e);
		}
		free(list[i]);
	}
	free(list);
	return 0;
}

int storage_image_list(struct storage *s, struct storage_image ***imgs, size_t *n,
		       struct error **err)
{
	return list_records(s, true, imgs, n, err);
}

int store_image_records(struct storage *s, struct storage_image ***imgs, size_t *n,
			struct error **err)
{
	return list_records(s, false, imgs, n, err);
}

/* Names a short name may stand for: alias, search registries, localhost. */
static char **candidates(const char *name, struct error **err)
{
	struct storage_ref r;
	if (storage_ref_parse(name, &r, err) < 0)
		return NULL;
	char **out = xcalloc(1, sizeof(char *));
	if (r.domain != NULL) {
		if (storage_ref_qualify(&r, "docker.io", err) < 0) {
			storage_ref_clear(&r);
			strv_free(out);
			return NULL;
		}
		strv_push_take(&out, storage_ref_string(&r));
		storage_ref_clear(&r);
		return out;
	}
	struct storage_regconf c;
	autostrv char **doms = NULL;
	if (storage_regconf_load(&c, NULL) == 0) {
		for (size_t i = 0; c.search != NULL && c.search[i] != NULL; i++)
			strv_push(&doms, c.search[i]);
		storage_regconf_clear(&c);
	}
	strv_push(&doms, "localhost");
	strv_push(&doms, "docker.io");
	for (size_t i = 0; doms[i] != NULL; i++) {
		struct storage_ref q = { .path = xstrdup(r.path),
					 .tag = r.tag ? xstrdup(r.tag) : NULL,
					 .digest = r.digest ? xstrdup(r.digest) : NULL };
		/* A name too long under this registry cannot be stored there: not a candidate. */
		if (storage_ref_qualify(&q, doms[i], NULL) == 0)
			strv_push_take(&out, storage_ref_string(&q));
		storage_ref_clear(&q);
	}
	storage_ref_clear(&r);
	return out;
}

/* Does img carry the full reference `want` ("host/path:tag" or "host/path@digest")? */
static bool image_has(const struct storage_image *img, const char *want)
{
	const char *at = strchr(want, '@');
	if (at == NULL)
		return strv_contains(img->names, want);
	if (strcmp(at + 1, img->manifest_digest) == 0) {
		/* name@digest: the repository must match one of its names or digests too */
		size_t nl = (size_t)(at - want);
		for (size_t i = 0; img->names[i]; i++)
			if (strncmp(img->names[i], want, nl) == 0 && img->names[i][nl] == ':')
				return true;
	}
	for (size_t i = 0; img->digests[i]; i++) {
		const char *dat = strchr(img->digests[i], '@');
		if (strcmp(img->digests[i], want) == 0)
			return true;
		/* name:tag@digest matches name@digest */
		const char *wcolon = memrchr(want, ':', (size_t)(at - want));
		const char *wslash = memrchr(want, '/', (size_t)(at - want));
		if (dat && wcolon && wcolon > wslash && strcmp(dat, at) == 0 &&
		    (size_t)(dat - img->digests[i]) == (size_t)(wcolon - want) &&
		    strncmp(img->digests[i], want, (size_t)(wcolon - want)) == 0)
			return true;
	}
	return false;
}

static int lookup_as(struct storage *s, const char *name, bool blobs, struct storage_image **out,
		     struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	*out = NULL;
	/* The records alone (names, digests): only the one found needs its blobs. */
	if (list_records(s, false, &imgs, &n, err) < 0)
		return -1;
	const char *idq = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
	struct storage_image *found = NULL;
	if (strlen(idq) >= 3 && store_is_hex(idq)) {
		for (size_t i = 0; i < n; i++)
			if (strncmp(imgs[i]->id, idq, strlen(idq)) == 0) {
				if (found != NULL) {
					storage_image_list_free(imgs, n);
					return err_set(err, EINVAL, ERR_TOOL,
						       "%s: ambiguous image ID prefix", name);
				}
				found = imgs[i];
			}
	}
	autostrv char **cands = found == NULL ? candidates(name, NULL) : NULL;
	for (size_t c = 0; cands != NULL && cands[c] != NULL && found == NULL; c++)
		for (size_t i = 0; i < n && found == NULL; i++)
			if (image_has(imgs[i], cands[c]))
				found = imgs[i];
	for (size_t i = 0; i < n; i++)
		if (imgs[i] == found)
			*out = steal_ptr(&imgs[i]);
	storage_image_list_free(imgs, n);
	if (*out == NULL)
		return err_set(err, ENOENT, ERR_NOSUCH, "%s: image not known", name);
	if (blobs && load_blobs(s, *out, err) < 0) {
		storage_image_free(out);
		return -1;
	}
	return 0;
}

int storage_image_lookup(struct storage *s, const char *name, struct storage_image **out,
			 struct error **err)
{
	return lookup_as(s, name, true, out, err);
}

int storage_image_lookup_record(struct storage *s, const char *name, struct storage_image **out,
				struct error **err)
{
	return lookup_as(s, name, false, out, err);
}

/* Remove name from every image but keep_id; caller holds meta.lock. */
static int take_name(struct storage *s, const char *name, const char *keep_id, struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (list_records(s, false, &imgs, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (strcmp(imgs[i]->id, keep_id) == 0 || !strv_contains(imgs[i]->names, name))
			continue;
		size_t w = 0;
		for (size_t r = 0; imgs[i]->names[r]; r++) {
			if (strcmp(imgs[i]->names[r], name) == 0)
				free(imgs[i]->names[r]);
			else
				imgs[i]->names[w++] = imgs[i]->names[r];
		}
		imgs[i]->names[w] = NULL;
		rc = write_record(s, imgs[i], err);
	}
	storage_image_list_free(imgs, n);
	return rc;
}

int store_image_commit(struct storage *s, const struct image_commit *c, struct error **err)
{
	autoclose int lk = store_lock(s, "meta.lock", true, false, err);
	if (lk < 0)
		return -1;
	const char *id = c->config_digest + 7;
	struct storage_image *img = read_record(s, id, NULL);
	if (img == NULL) {
		img = xzalloc(sizeof(*img));
		img->id = xstrdup(id);
		img->names = xcalloc(1, sizeof(char *));
		img->digests = xcalloc(1, sizeof(char *));
	}
	free(img->manifest_digest);
	img->manifest_digest = xstrdup(c->manifest_digest);
	strv_free(img->layers);
	strv_free(img->diff_ids);
	img->layers = xcalloc(1, sizeof(char *));
	img->diff_ids = xcalloc(1, sizeof(char *));
	for (size_t i = 0; c->chain_ids[i]; i++) {
		strv_push(&img->layers, c->chain_ids[i]);
		strv_push(&img->diff_ids, c->diff_ids[i]);
	}
	img->size = c->size;
	/* In ns: `rmi -a` goes in this order, and two images stored within one second (a
	 * pull, then the pause image a pod builds) must keep theirs. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	img->pulled = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	/* A name a pull or load brings goes first, as podman's storage puts it (`images NAME`
	 * lists it first); tag adds at the end. */
	if (c->name != NULL && !strv_contains(img->names, c->name)) {
		size_t n = strv_len(img->names);
		img->names = xrealloc(img->names, (n + 2) * sizeof(char *));
		memmove(img->names + 1, img->names, (n + 1) * sizeof(char *));
		img->names[0] = xstrdup(c->name);
	}
	if (c->repo_digest != NULL && !strv_contains(img->digests, c->repo_digest))
		strv_push(&img->digests, c->repo_digest);
	int rc = 0;
	if (c->name != NULL)
		rc = take_name(s, c->name, id, err);
	if (rc == 0)
		rc = write_record(s, img, err);
	storage_image_free(&img);
	return rc;
}

/* Normalise a name for tag/untag: short names go under localhost/, as podman does. */
static char *norm_name(const char *name, struct error **err)
{
	struct storage_ref r;
	if (storage_ref_parse(name, &r, err) < 0)
		return NULL;
	if (r.digest != NULL) {
		storage_ref_clear(&r);
		err_set(err, EINVAL, ERR_TOOL, "%s: a tag cannot contain a digest", name);
		return NULL;
	}
	char *s = storage_ref_qualify(&r, "localhost", err) == 0 ? storage_ref_string(&r) : NULL;
	storage_ref_clear(&r);
	return s;
}

int storage_image_tag(struct storage *s, const char *id, const char *name, struct error **err)
{
	autofree char *full = norm_name(name, err);
	if (full == NULL)
		return -1;
	autoclose int lk = store_lock(s, "meta.lock", true, false, err);
	if (lk < 0)
		return -1;
	struct storage_image *img = read_record(s, id, err);
	if (img == NULL)
		return -1;
	int rc = 0;
	if (!strv_contains(img->names, full)) {
		strv_push(&img->names, full);
		rc = take_name(s, full, id, err);
		if (rc == 0)
			rc = write_record(s, img, err);
	}
	storage_image_free(&img);
	return rc;
}

/*
 * Remove name from image id; *removed (owned, may be NULL) gets the full name taken off.
 * A NAME@DIGEST (or NAME:TAG@DIGEST) reference the image answers to is no tag of it:
 * untagging one succeeds and leaves the tags alone, as podman's untag of a digest name.
 */
static int untag_as(struct storage *s, const char *id, const char *name, char **removed,
		    struct error **err)
{
	autostrv char **cands = candidates(name, err);
	if (cands == NULL)
		return -1;
	autoclose int lk = store_lock(s, "meta.lock", true, false, err);
	if (lk < 0)
		return -1;
	struct storage_image *img = read_record(s, id, err);
	if (img == NULL)
		return -1;
	bool hit = false;
	for (size_t c = 0; cands[c] && !hit; c++) {
		if (strchr(cands[c], '@') != NULL && image_has(img, cands[c])) {
			if (removed != NULL)
				*removed = xstrdup(cands[c]);
			storage_image_free(&img);
			return 0;
		}
		size_t w = 0;
		for (size_t r = 0; img->names[r]; r++) {
			if (!hit && strcmp(img->names[r], cands[c]) == 0) {
				if (removed != NULL)
					*removed = xstrdup(img->names[r]);
				free(img->names[r]);
				hit = true;
			} else {
				img->names[w++] = img->names[r];
			}
		}
		img->names[w] = NULL;
	}
	int rc = hit ? write_record(s, img, err)
		     : err_set(err, EINVAL, ERR_TOOL, "%s: tag not known on image %.12s", name, id);
	storage_image_free(&img);
	return rc;
}

int storage_image_untag(struct storage *s, const char *id, const char *name, struct error **err)
{
	return untag_as(s, id, name, NULL, err);
}

char **storage_image_users(struct storage *s, const char *image_id)
{
	autofree char *dir = xasprintf("%s/containers", s->root);
	char **out = xcalloc(1, sizeof(char *));
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *p = xasprintf("%s/%s/container.json", dir, de->d_name);
		autofree char *text = NULL;
		size_t len = 0;
		if (fs_read_file(p, 1 << 20, &text, &len, NULL) < 0)
			continue;
		struct json_object *o = doc_parse(text, len, p, NULL);
		const char *image = json_str(o, "image");
		if (image != NULL && strcmp(image, image_id) == 0)
			strv_push(&out, de->d_name);
		json_object_put(o);
	}
	return out;
}

/*
 * Delete layers and blobs no image record refers to. Skipped (not an error) while a pull
 * holds gc.lock: that pull may be about to use them; the next rmi or prune collects them.
 */
static int gc(struct storage *s, struct error **err)
{
	struct error *lerr = NULL;
	autoclose int lk = store_lock(s, "gc.lock", true, true, &lerr);
	if (lk < 0) {
		log_debug("not collecting layers: %s", lerr->msg);
		err_free(&lerr);
		return 0;
	}
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (storage_image_list(s, &imgs, &n, err) < 0)
		return -1;
	autostrv char **keep = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; imgs[i]->layers[j]; j++)
			strv_push(&keep, imgs[i]->layers[j]);
		strv_push(&keep, imgs[i]->id);
		if (strlen(imgs[i]->manifest_digest) > 7)
			strv_push(&keep, imgs[i]->manifest_digest + 7);
	}
	storage_image_list_free(imgs, n);
	autofree char *ldir = xasprintf("%s/layers", s->root);
	autoclosedir DIR *d = opendir(ldir);
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && d != NULL && (de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		bool tmp = strncmp(nm, ".tmp-", 5) == 0 || strncmp(nm, ".trash-", 7) == 0;
		if (!tmp && (strlen(nm) != SHA256_HEX_LEN || strv_contains(keep, nm)))
			continue;
		autofree char *p = xasprintf("%s/%s", ldir, nm);
		autofree char *trash = tmp ? xstrdup(p) : xasprintf("%s/.trash-%s", ldir, nm);
		if (!tmp && rename(p, trash) < 0)
			continue;
		rc = store_rm_tree(s, trash, err);
		autofree char *lockf = xasprintf("%s/%s.lock", ldir, tmp ? nm + 5 : nm);
		if (!tmp)
			unlink(lockf);
	}
	/* Scratch dirs of save, load and import: theirs is a shared gc.lock, so with ours
	 * held exclusively any left here belong to a command that was killed. */
	autofree char *tdir = xasprintf("%s/tmp", s->root);
	autoclosedir DIR *t = opendir(tdir);
	while (rc == 0 && t != NULL && (de = readdir(t)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *p = xasprintf("%s/%s", tdir, de->d_name);
		rc = store_rm_tree(s, p, err);
	}
	autofree char *bdir = xasprintf("%s/blobs/sha256", s->root);
	autoclosedir DIR *b = opendir(bdir);
	while (rc == 0 && b != NULL && (de = readdir(b)) != NULL) {
		if (strlen(de->d_name) != SHA256_HEX_LEN || strv_contains(keep, de->d_name))
			continue;
		autofree char *p = xasprintf("%s/%s", bdir, de->d_name);
		unlink(p);
	}
	return rc;
}

static int delete_image(struct storage *s, const struct storage_image *img, struct error **err)
{
	autofree char *dir = xasprintf("%s/images/%s", s->root, img->id);
	autofree char *trash = xasprintf("%s/images/.trash-%s", s->root, img->id);
	if (rename(dir, trash) < 0)
		return err_sys(err, "removing image %.12s", img->id);
	return fs_rm_rf(trash, err);
}

int storage_image_remove(struct storage *s, const char *name, bool force, char **untagged,
			 bool *deleted, char **id, struct error **err)
{
	struct storage_image *img = NULL;
	*deleted = false;
	*id = NULL;
	*untagged = NULL;
	if (storage_image_lookup_record(s, name, &img, err) < 0)
		return -1;
	*id = xstrdup(img->id);
	bool by_id =
	    strncmp(img->id, strncmp(name, "sha256:", 7) == 0 ? name + 7 : name, strlen(name)) == 0;
	/* A name of several (a digest name counts beside the tags) is only taken off, with or
	 * without force, as podman does: `rmi -f NAME` never deletes the image's other names. */
	size_t names = strv_len(img->names) + (strchr(name, '@') != NULL ? 1 : 0);
	if (!by_id && names > 1) {
		int rc = untag_as(s, img->id, name, untagged, err);
		storage_image_free(&img);
		return rc;
	}
	if (!force && by_id && names > 1) {
		storage_image_free(&img);
		return err_set(err, EBUSY, ERR_TOOL,
			       "unable to delete image %.12s (must force) - image is referenced "
			       "in multiple repositories",
			       *id);
	}
	int rc;
	{
		/* The users are looked for under meta.lock, which a container's creation holds
		 * while it checks that its image is there: none is made on a deleted image. */
		autoclose int lk = store_lock(s, "meta.lock", true, false, err);
		autostrv char **users = lk < 0 ? NULL : storage_image_users(s, img->id);
		if (users != NULL && users[0] != NULL)
			rc = err_set(err, EBUSY, ERR_INUSE,
				     "image used by %s: image is in use by a container: consider "
				     "listing external containers and force-removing image",
				     users[0]);
		else
			rc = lk < 0 ? -1 : delete_image(s, img, err);
	}
	storage_image_free(&img);
	if (rc < 0)
		return -1;
	*deleted = true;
	return gc(s, err);
}

int storage_prune(struct storage *s, bool all, char ***removed, struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	*removed = xcalloc(1, sizeof(char *));
	if (storage_image_list(s, &imgs, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!all && imgs[i]->names[0] != NULL)
			continue;
		/* Under meta.lock, as in storage_image_remove. */
		autoclose int lk = store_lock(s, "meta.lock", true, false, err);
		if (lk < 0) {
			rc = -1;
			break;
		}
		autostrv char **users = storage_image_users(s, imgs[i]->id);
		if (users[0] != NULL)
			continue;
		rc = delete_image(s, imgs[i], err);
		if (rc == 0)
			strv_push(removed, imgs[i]->id);
	}
	storage_image_list_free(imgs, n);
	if (rc == 0)
		rc = gc(s, err);
	return rc;
}
