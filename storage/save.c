/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `save`: images as docker-archive (manifest.json, CONFIG.json, LAYER.tar; several images)
 * or oci-archive (an OCI layout: oci-layout, index.json, blobs/sha256/...; one image).
 * The store keeps layers unpacked; a pulled layer also keeps its blob as the registry sent
 * it, which save writes decompressed when that gives the layer's diff ID: the image keeps
 * its ID, as podman's save does. Other layers are written again from their diff dir
 * (tarwrite.c, deterministic); when those bytes differ from the tar the image came with,
 * the config's diff_ids are updated, which changes the image ID; a layer hutch itself
 * wrote (import, load of a hutch archive) comes out identical.
 * Runs in the user namespace: layer files belong to subordinate ids.
 */
#include "storage/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_NAME "org.opencontainers.image.ref.name"
#define COPY_BUF (256 << 10)

/* ---------- save ---------- */

struct saved_layer {
	char chain[SHA256_HEX_LEN + 1];
	char hex[SHA256_HEX_LEN + 1]; /* sha256 of the tar written */
	int64_t size;
	char *path; /* the tar in the scratch dir */
};

struct save_run {
	struct storage *s;
	char *const *ids;
	char *const *const *names; /* per image: its names (RepoTags) */
	enum storage_archive_format format;
	int out_fd;
	char *tmp;
	struct saved_layer **layers; /* each allocated: pointers to them are kept */
	size_t n_layers;
	struct archive *out;
};

ssize_t store_hashed_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct store_hashed_out *f = arg;
	if (fs_write_all(f->fd, buf, len) < 0) {
		if (a != NULL)
			archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	sha256_update(f->h, buf, len);
	f->n += (int64_t)len;
	return (la_ssize_t)len;
}

/*
 * The layer's kept blob, decompressed, to path when its digest is the layer's diff ID
 * (the tar the image was made of, byte for byte): true then, with *size and hex set.
 */
static bool blob_tar(struct save_run *r, const char *chain, const char *path, int64_t *size,
		     char hex[SHA256_HEX_LEN + 1])
{
	autofree char *blob = xasprintf("%s/layers/%s/" LAYER_BLOB, r->s->root, chain);
	autofree char *diff_id = NULL;
	if (!fs_exists(blob) || store_layer_info(r->s, chain, &diff_id, NULL, NULL) < 0 ||
	    diff_id == NULL || strncmp(diff_id, "sha256:", 7) != 0)
		return false;
	struct store_hashed_out f = {
		.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), .h = sha256_new()
	};
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	autoclose int in = open(blob, O_RDONLY | O_CLOEXEC);
	bool ok = f.fd >= 0 && in >= 0 && archive_read_open_fd(a, in, COPY_BUF) == ARCHIVE_OK &&
		  archive_read_next_header(a, &e) == ARCHIVE_OK;
	autofree char *buf = xmalloc(COPY_BUF);
	la_ssize_t n = 0;
	while (ok && (n = archive_read_data(a, buf, COPY_BUF)) > 0)
		ok = store_hashed_write(NULL, &f, buf, (size_t)n) == n;
	ok = ok && n == 0;
	archive_read_free(a);
	if (f.fd >= 0)
		close(f.fd);
	sha256_final_hex(f.h, hex);
	*size = f.n;
	return ok && strcmp(hex, diff_id + 7) == 0;
}

/* Write layer chain as a tar into the scratch dir (once per save). */
static const struct saved_layer *save_layer(struct save_run *r, const char *chain,
					    struct error **err)
{
	for (size_t i = 0; i < r->n_layers; i++)
		if (strcmp(r->layers[i]->chain, chain) == 0)
			return r->layers[i];
	autofree char *dir = store_layer_dir(r->s, chain);
	autofree char *path = xasprintf("%s/layer-%zu.tar", r->tmp, r->n_layers);
	struct saved_layer kept = { 0 };
	if (blob_tar(r, chain, path, &kept.size, kept.hex)) {
		memcpy(kept.chain, chain, sizeof(kept.chain));
		kept.path = steal_ptr(&path);
		struct saved_layer *p = xmalloc(sizeof(*p));
		*p = kept;
		r->layers = xrealloc(r->layers, (r->n_layers + 1) * sizeof(*r->layers));
		r->layers[r->n_layers++] = p;
		return p;
	}
	unlink(path);
	struct store_hashed_out f = { .fd =
					  open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600),
				      .h = sha256_new() };
	if (f.fd < 0) {
		sha256_free(f.h);
		err_sys(err, "creating %s", path);
		return NULL;
	}
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	int rc = archive_write_open(a, &f, NULL, store_hashed_write, NULL) == ARCHIVE_OK
		     ? 0
		     : err_msg(err, "writing %s: %s", path, archive_error_string(a));
	if (rc == 0)
		rc = tar_write_tree(a, dir, true, err);
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, ERR_TOOL,
			     "writing %s: %s", path, archive_error_string(a));
	archive_write_free(a);
	close(f.fd);
	struct saved_layer l = { .size = f.n };
	sha256_final_hex(f.h, l.hex);
	if (rc < 0) {
		err_wrap(err, "layer %.12s", chain);
		return NULL;
	}
	memcpy(l.chain, chain, sizeof(l.chain));
	l.path = steal_ptr(&path);
	struct saved_layer *p = xmalloc(sizeof(*p));
	*p = l;
	r->layers = xrealloc(r->layers, (r->n_layers + 1) * sizeof(*r->layers));
	r->layers[r->n_layers++] = p;
	return p;
}

static int out_fail(struct save_run *r, const char *name, struct error **err)
{
	int e = archive_errno(r->out);
	return err_set(err, e > 0 ? e : EIO, ERR_TOOL, "writing %s: %s", name,
		       archive_error_string(r->out));
}

static int out_header(struct save_run *r, const char *name, int64_t size, struct error **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	int rc = archive_write_header(r->out, e);
	archive_entry_free(e);
	return rc < ARCHIVE_WARN ? out_fail(r, name, err) : 0;
}

static int out_mem(struct save_run *r, const char *name, const char *data, size_t len,
		   struct error **err)
{
	if (out_header(r, name, (int64_t)len, err) < 0)
		return -1;
	if (len > 0 && archive_write_data(r->out, data, len) != (la_ssize_t)len)
		return out_fail(r, name, err);
	return 0;
}

static int out_file(struct save_run *r, const char *name, const struct saved_layer *l,
		    struct error **err)
{
	if (out_header(r, name, l->size, err) < 0)
		return -1;
	autoclose int fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "reading %s", l->path);
	autofree char *buf = xmalloc(COPY_BUF);
	ssize_t n;
	while ((n = read(fd, buf, COPY_BUF)) > 0)
		if (archive_write_data(r->out, buf, (size_t)n) != n)
			return out_fail(r, name, err);
	return n < 0 ? err_sys(err, "reading %s", l->path) : 0;
}

/* The image's config with diff_ids of the layers as written now (owned text). */
static char *save_config(struct save_run *r, const char *id, const struct saved_layer **ls,
			 size_t n, struct error **err)
{
	autofree char *digest = xasprintf("sha256:%s", id);
	char *text = NULL;
	size_t len = 0;
	if (store_get_blob(r->s, digest, CONFIG_MAX, &text, &len, err) < 0)
		return NULL;
	struct json_object *o = doc_parse(text, len, "image config", err), *ids;
	if (o == NULL) {
		free(text);
		return NULL;
	}
	ids = json_get_type(json_get(o, "rootfs"), "diff_ids", json_type_array);
	if (ids == NULL || json_len(ids) != n) {
		json_object_put(o);
		free(text);
		err_msg(err, "image %.12s: config and layers disagree", id);
		return NULL;
	}
	bool same = true;
	for (size_t i = 0; i < n; i++) {
		autofree char *d = xasprintf("sha256:%s", ls[i]->hex);
		const char *cur = json_object_get_string(json_idx(ids, i));
		same = same && cur != NULL && strcmp(cur, d) == 0;
		json_object_array_put_idx(ids, i, json_object_new_string(d));
	}
	/* Unchanged layers keep the original bytes, and with them the image ID. */
	if (!same) {
		free(text);
		text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	return text;
}

static int save_docker(struct save_run *r, struct error **err)
{
	struct json_object *man = json_object_new_array();
	autostrv char **written = xcalloc(1, sizeof(char *));
	int rc = 0;
	for (size_t i = 0; rc == 0 && r->ids[i] != NULL; i++) {
		struct storage_image *img = NULL;
		if (storage_image_lookup(r->s, r->ids[i], &img, err) < 0) {
			rc = -1;
			break;
		}
		size_t n = strv_len(img->layers);
		const struct saved_layer **ls = xcalloc(n + 1, sizeof(*ls));
		struct json_object *entry = json_object_new_object(),
				   *layers = json_object_new_array(),
				   *tags = json_object_new_array();
		for (size_t j = 0; rc == 0 && j < n; j++) {
			ls[j] = save_layer(r, img->layers[j], err);
			if (ls[j] == NULL) {
				rc = -1;
				break;
			}
			autofree char *name = xasprintf("%s.tar", ls[j]->hex);
			json_object_array_add(layers, json_object_new_string(name));
			if (!strv_contains(written, name)) {
				rc = out_file(r, name, ls[j], err);
				strv_push(&written, name);
			}
		}
		autofree char *cfg = rc == 0 ? save_config(r, img->id, ls, n, err) : NULL;
		char hex[SHA256_HEX_LEN + 1];
		if (cfg != NULL) {
			sha256_hex(cfg, strlen(cfg), hex);
			autofree char *cname = xasprintf("%s.json", hex);
			if (!strv_contains(written, cname)) {
				rc = out_mem(r, cname, cfg, strlen(cfg), err);
				strv_push(&written, cname);
			}
			json_object_object_add(entry, "Config", json_object_new_string(cname));
		} else {
			rc = -1;
		}
		for (size_t j = 0; r->names[i][j] != NULL; j++)
			json_object_array_add(tags, json_object_new_string(r->names[i][j]));
		json_object_object_add(entry, "RepoTags", tags);
		json_object_object_add(entry, "Layers", layers);
		json_object_array_add(man, entry);
		free(ls);
		storage_image_free(&img);
	}
	if (rc == 0) {
		const char *text = json_object_to_json_string_ext(man, JSON_C_TO_STRING_PLAIN);
		rc = out_mem(r, "manifest.json", text, strlen(text), err);
	}
	json_object_put(man);
	return rc;
}

static struct json_object *desc_json(const char *mt, const char *hex, int64_t size)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	autofree char *dg = xasprintf("sha256:%s", hex);
	json_object_object_add(d, "digest", json_object_new_string(dg));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

static int out_blob(struct save_run *r, const char *text, char hex[SHA256_HEX_LEN + 1],
		    struct error **err)
{
	sha256_hex(text, strlen(text), hex);
	autofree char *name = xasprintf("blobs/sha256/%s", hex);
	return out_mem(r, name, text, strlen(text), err);
}

static int save_oci(struct save_run *r, struct error **err)
{
	struct storage_image *img = NULL;
	if (storage_image_lookup(r->s, r->ids[0], &img, err) < 0)
		return -1;
	size_t n = strv_len(img->layers);
	const struct saved_layer **ls = xcalloc(n + 1, sizeof(*ls));
	struct json_object *layers = json_object_new_array();
	int rc = 0;
	for (size_t j = 0; rc == 0 && j < n; j++) {
		ls[j] = save_layer(r, img->layers[j], err);
		if (ls[j] == NULL) {
			rc = -1;
			break;
		}
		json_object_array_add(layers, desc_json(MT_OCI_LAYER_TAR, ls[j]->hex, ls[j]->size));
		autofree char *name = xasprintf("blobs/sha256/%s", ls[j]->hex);
		bool dup = false;
		for (size_t k = 0; k < j; k++)
			dup = dup || ls[k] == ls[j];
		if (!dup)
			rc = out_file(r, name, ls[j], err);
	}
	autofree char *cfg = rc == 0 ? save_config(r, img->id, ls, n, err) : NULL;
	char chex[SHA256_HEX_LEN + 1], mhex[SHA256_HEX_LEN + 1];
	rc = cfg != NULL ? out_blob(r, cfg, chex, err) : -1;
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	json_object_object_add(m, "config",
			       desc_json(MT_OCI_CONFIG, chex, cfg ? (int64_t)strlen(cfg) : 0));
	json_object_object_add(m, "layers", layers);
	autofree char *mtext = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	if (rc == 0)
		rc = out_blob(r, mtext, mhex, err);
	struct json_object *idx = json_object_new_object(), *ms = json_object_new_array();
	struct json_object *d = desc_json(MT_OCI_MANIFEST, mhex, (int64_t)strlen(mtext));
	if (r->names[0][0] != NULL) {
		struct json_object *ann = json_object_new_object();
		json_object_object_add(ann, REF_NAME, json_object_new_string(r->names[0][0]));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(ms, d);
	json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
	json_object_object_add(idx, "manifests", ms);
	const char *itext = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN);
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (rc == 0)
		rc = out_mem(r, "oci-layout", layout, strlen(layout), err);
	if (rc == 0)
		rc = out_mem(r, "index.json", itext, strlen(itext), err);
	json_object_put(idx);
	free(ls);
	storage_image_free(&img);
	return rc;
}

static int save_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	(void)out_fd;
	struct save_run *r = arg;
	if ((r->tmp = storage_tmpdir(s, "save", err)) == NULL)
		return -1;
	r->out = archive_write_new();
	archive_write_set_format_pax_restricted(r->out);
	int rc = archive_write_open_fd(r->out, r->out_fd) == ARCHIVE_OK
		     ? 0
		     : out_fail(r, "the archive", err);
	if (rc == 0)
		rc = r->format == STORAGE_ARCHIVE_OCI ? save_oci(r, err) : save_docker(r, err);
	if (rc == 0 && archive_write_close(r->out) != ARCHIVE_OK)
		rc = out_fail(r, "the archive", err);
	archive_write_free(r->out);
	for (size_t i = 0; i < r->n_layers; i++) {
		free(r->layers[i]->path);
		free(r->layers[i]);
	}
	free(r->layers);
	fs_rm_rf(r->tmp, NULL);
	free(r->tmp);
	return rc;
}

/* RepoTags for an image given as arg: by ID none (it loads as <none>); by name that name
 * (the full form), as podman writes them. */
static char **save_names(const struct storage_image *img, const char *arg)
{
	char **v = xcalloc(1, sizeof(char *));
	const char *hex = strncmp(arg, "sha256:", 7) == 0 ? arg + 7 : arg;
	if (strncmp(img->id, hex, strlen(hex)) == 0)
		return v;
	const char *slash = strrchr(arg, '/');
	bool tagged = strchr(slash ? slash : arg, ':') != NULL || strchr(arg, '@') != NULL;
	autofree char *want = tagged ? xstrdup(arg) : xasprintf("%s:latest", arg);
	size_t wl = strlen(want);
	for (size_t j = 0; img->names[j] != NULL && v[0] == NULL; j++) {
		size_t nl = strlen(img->names[j]);
		if (strcmp(img->names[j], want) == 0 ||
		    (nl > wl && img->names[j][nl - wl - 1] == '/' &&
		     strcmp(img->names[j] + nl - wl, want) == 0))
			strv_push(&v, img->names[j]);
	}
	if (v[0] == NULL && img->names[0] != NULL)
		strv_push(&v, img->names[0]);
	return v;
}

/* save; as: the one image's name in the archive (NULL: as save_names picks). */
static int save_images(struct storage *s, char *const *images, const char *as,
		       enum storage_archive_format format, int out_fd, struct error **err)
{
	size_t n = strv_len(images);
	if (n == 0)
		return err_set(err, EINVAL, ERR_USAGE, "no image to save");
	if (n > 1 && format == STORAGE_ARCHIVE_OCI)
		return err_set(err, EINVAL, ERR_USAGE,
			       "oci-archive holds one image: use docker-archive for several");
	autostrv char **ids = xcalloc(n + 1, sizeof(char *));
	char ***names = xcalloc(n + 1, sizeof(char **));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct storage_image *img = NULL;
		rc = storage_image_lookup(s, images[i], &img, err);
		if (rc < 0)
			break;
		ids[i] = xstrdup(img->id);
		if (as != NULL) {
			names[i] = xcalloc(2, sizeof(char *));
			names[i][0] = xstrdup(as);
		} else {
			names[i] = save_names(img, images[i]);
		}
		storage_image_free(&img);
	}
	autofree char *out = NULL;
	struct save_run r = { .s = s,
			      .ids = ids,
			      .names = (char *const *const *)names,
			      .format = format,
			      .out_fd = out_fd };
	if (rc == 0)
		rc = store_run_userns(s, 0, save_child, &r, &out, err);
	for (size_t i = 0; i < n; i++)
		strv_free(names[i]);
	free(names);
	return rc < 0 ? err_wrap(err, "saving %s", images[0]) : 0;
}

int storage_save(struct storage *s, char *const *images, enum storage_archive_format format,
		 int out_fd, struct error **err)
{
	return save_images(s, images, NULL, format, out_fd, err);
}

int storage_save_as(struct storage *s, const char *image, const char *name,
		    enum storage_archive_format format, int out_fd, struct error **err)
{
	char *const images[] = { (char *)image, NULL };
	return save_images(s, images, name, format, out_fd, err);
}
