/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `commit`: a container's overlay upper dir becomes a new layer on top of its image's, and
 * the image config is the container's (storage_commit). The layer is taken from the upper
 * dir alone (store_layer_from_upper, which `build` shares), never by comparing trees: the
 * dir is written as a tar once, hashed as it goes (the diff ID) and gzipped on the fly into
 * the blob kept beside the layer (its digest and size are the manifest's), and the blob is
 * unpacked into the new layer dir through store_import_layer, like a pulled one.
 */
#include "storage/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------- a layer from an upper dir ---------- */

/* The tar end: its bytes are hashed (the diff ID) and handed to the gzip writer. */
struct tar_out {
	struct archive *gz;
	struct sha256_ctx *sha;
	int64_t n;
};

static la_ssize_t tar_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct tar_out *o = arg;
	sha256_update(o->sha, buf, len);
	o->n += (int64_t)len;
	la_ssize_t w = archive_write_data(o->gz, buf, len);
	if (w != (la_ssize_t)len) {
		archive_set_error(a, archive_errno(o->gz) > 0 ? archive_errno(o->gz) : EIO, "%s",
				  archive_error_string(o->gz) ?: "compressing the layer");
		return -1;
	}
	return w;
}

static int ar_error(struct archive *a, const char *what, struct error **err)
{
	int e = archive_errno(a);
	return err_set(err, e > 0 ? e : EIO, ERR_TOOL, "%s: %s", what,
		       archive_error_string(a) ?: "failed");
}

/* The gzip writer (its bytes go to the blob file, hashed: store_hashed_write): libarchive's raw format (one entry, no framing) with the gzip filter;
 * no padding after the stream. */
static struct archive *gz_open(struct store_hashed_out *o, struct error **err)
{
	struct archive *gz = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	if (archive_write_set_format_raw(gz) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(gz) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(gz, 1) != ARCHIVE_OK ||
	    archive_write_open(gz, o, NULL, store_hashed_write, NULL) != ARCHIVE_OK ||
	    archive_write_header(gz, e) != ARCHIVE_OK) {
		ar_error(gz, "compressing the layer", err);
		archive_entry_free(e);
		archive_write_free(gz);
		return NULL;
	}
	archive_entry_free(e);
	return gz;
}

/* upper_fd as a tar, gzipped into blob_fd; the digests of both forms. */
static int write_blob(int upper_fd, bool layer, const struct tar_ids *ids, int blob_fd,
		      struct layer_new *out, struct error **err)
{
	struct store_hashed_out go = { .fd = blob_fd, .h = sha256_new() };
	struct tar_out to = { .sha = sha256_new() };
	int rc = -1;
	struct archive *tar = NULL;
	if ((to.gz = gz_open(&go, err)) == NULL)
		goto out;
	tar = archive_write_new();
	if (archive_write_set_format_pax_restricted(tar) != ARCHIVE_OK ||
	    archive_write_open(tar, &to, NULL, tar_write, NULL) != ARCHIVE_OK) {
		ar_error(tar, "writing the layer", err);
		goto out;
	}
	if (tar_write_tree_at(tar, upper_fd, layer, ids, err) < 0)
		goto out;
	if (archive_write_close(tar) != ARCHIVE_OK) {
		ar_error(tar, "writing the layer", err);
		goto out;
	}
	if (archive_write_close(to.gz) != ARCHIVE_OK) {
		ar_error(to.gz, "compressing the layer", err);
		goto out;
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(to.sha, hex); /* which frees it */
	to.sha = NULL;
	snprintf(out->diff_id, sizeof(out->diff_id), "sha256:%s", hex);
	sha256_final_hex(go.h, hex);
	go.h = NULL;
	snprintf(out->blob_digest, sizeof(out->blob_digest), "sha256:%s", hex);
	out->blob_size = go.n;
	rc = 0;
out:
	if (tar != NULL)
		archive_write_free(tar);
	if (to.gz != NULL)
		archive_write_free(to.gz);
	sha256_free(to.sha);
	sha256_free(go.h);
	return rc;
}

struct blob_fill {
	int fd;		  /* the gzipped blob, read from the start */
	const char *path; /* moved beside the layer once unpacked */
};

static int fill_from_blob(void *arg, int dirfd, struct unpack_result *res, struct error **err)
{
	struct blob_fill *b = arg;
	if (lseek(b->fd, 0, SEEK_SET) < 0)
		return err_sys(err, "rewinding the layer blob");
	if (unpack_tar_fd(b->fd, dirfd, NULL, res, err) < 0)
		return -1;
	/* Kept as a pulled layer's blob is: save writes it as it is, push will send it. */
	if (renameat(AT_FDCWD, b->path, dirfd, "../" LAYER_BLOB) < 0)
		log_debug("keeping the layer blob: %s", strerror(errno));
	return 0;
}

/* A layer of the tree at dirfd: an upper dir (layer: whiteouts to the OCI form) or a whole
 * rootfs (--squash). */
static int layer_from_tree(struct storage *s, int upper_fd, bool layer, const struct tar_ids *ids,
			   const char *parent_chain, struct layer_new *out, struct error **err)
{
	*out = (struct layer_new){ 0 };
	autofree char *tmp = storage_tmpdir(s, "commit", err);
	if (tmp == NULL)
		return -1;
	autofree char *blob = xasprintf("%s/blob", tmp);
	autoclose int fd = open(blob, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = fd < 0 ? err_sys(err, "creating %s", blob)
			: write_blob(upper_fd, layer, ids, fd, out, err);
	struct layer_import li = { .diff_id = out->diff_id,
				   .blob_digest = out->blob_digest,
				   .blob_size = out->blob_size };
	if (rc == 0) {
		storage_chain_id(parent_chain && *parent_chain ? parent_chain : NULL, out->diff_id,
				 li.chain);
		snprintf(li.parent, sizeof(li.parent), "%s", parent_chain ? parent_chain : "");
		struct blob_fill bf = { .fd = fd, .path = blob };
		bool existed = false;
		rc = store_import_layer(s, &li, fill_from_blob, &bf, &existed, err);
		memcpy(out->chain, li.chain, sizeof(out->chain));
		out->size = li.size;
	}
	fs_rm_rf(tmp, NULL);
	return rc;
}

int store_layer_from_upper(struct storage *s, int upper_fd, const struct tar_ids *ids,
			   const char *parent_chain, struct layer_new *out, struct error **err)
{
	return layer_from_tree(s, upper_fd, true, ids, parent_chain, out, err);
}

/* ---------- the image ---------- */

/* A layer's blob as its layer.json records it (the pulled blob, or the diff ID). */
static void layer_blob(struct storage *s, const char *chain, const char *diff_id, char **digest,
		       int64_t *size)
{
	autofree char *p = xasprintf("%s/layers/%s/layer.json", s->root, chain);
	struct json_object *o = json_file_at(AT_FDCWD, p, 1 << 16);
	const char *d = json_str(o, "compressed_digest");
	*digest = xstrdup(d && storage_digest_valid(d) ? d : diff_id);
	struct json_object *n = json_get_type(o, "compressed_size", json_type_int);
	*size = n ? json_object_get_int64(n) : 0;
	json_object_put(o);
}

static struct json_object *desc(const char *mt, const char *digest, int64_t size)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

/* The manifest: the layers as their blobs were kept, the new one gzipped. */
static char *commit_manifest(struct storage *s, const struct storage_commit_opts *o,
			     const char *config, char **chains, char **diff_ids)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(config, strlen(config), hex);
	autofree char *cd = xasprintf("sha256:%s", hex);
	struct json_object *m = json_object_new_object(), *ls = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(
	    m, "mediaType",
	    json_object_new_string(o->docker ? MT_DOCKER_MANIFEST : MT_OCI_MANIFEST));
	json_object_object_add(
	    m, "config",
	    desc(o->docker ? MT_DOCKER_CONFIG : MT_OCI_CONFIG, cd, (int64_t)strlen(config)));
	for (size_t i = 0; chains[i] != NULL && diff_ids[i] != NULL; i++) {
		autofree char *d = NULL;
		int64_t size = 0;
		layer_blob(s, chains[i], diff_ids[i], &d, &size);
		bool plain = strcmp(d, diff_ids[i]) == 0;
		const char *mt = o->docker ? MT_DOCKER_LAYER
				 : plain   ? MT_OCI_LAYER_TAR
					   : MT_OCI_LAYER_GZ;
		if (plain && size == 0)
			store_layer_info(s, chains[i], NULL, &size, NULL);
		json_object_array_add(ls, desc(mt, d, size));
	}
	json_object_object_add(m, "layers", ls);
	char *text = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	return text;
}

static char *now_rfc3339_nano(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char buf[64];
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09ldZ", ts.tv_nsec);
	return xstrdup(buf);
}

/* The image config: the parent's, with the container's settings, the new layer and a
 * history entry as podman writes one ("/bin/sh", "FROM IMAGE"). */
static char *commit_config(const struct storage_commit_opts *o, const char *diff_id)
{
	const struct storage_image *img = o->image;
	struct json_object *cfg = NULL;
	if (img->config == NULL || json_object_deep_copy(img->config, &cfg, NULL) != 0 ||
	    !json_object_is_type(cfg, json_type_object)) {
		json_object_put(cfg);
		cfg = json_object_new_object();
	}
	autofree char *now = now_rfc3339_nano();
	json_object_object_add(cfg, "created", json_object_new_string(now));
	if (json_get(cfg, "architecture") == NULL)
		json_object_object_add(cfg, "architecture",
				       json_object_new_string(storage_host_arch()));
	if (json_get(cfg, "os") == NULL)
		json_object_object_add(cfg, "os", json_object_new_string("linux"));
	json_object_object_del(cfg, "author");
	json_object_object_del(cfg, "comment");
	if (o->author != NULL && *o->author)
		json_object_object_add(cfg, "author", json_object_new_string(o->author));
	if (o->docker && o->message != NULL && *o->message)
		json_object_object_add(cfg, "comment", json_object_new_string(o->message));
	struct json_object *cc = json_get_type(cfg, "config", json_type_object);
	if (cc == NULL) {
		cc = json_object_new_object();
		json_object_object_add(cfg, "config", cc);
	}
	storage_image_config_to_json(o->config, cc);
	struct json_object *rootfs = json_get_type(cfg, "rootfs", json_type_object);
	if (rootfs == NULL) {
		rootfs = json_object_new_object();
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(cfg, "rootfs", rootfs);
	}
	struct json_object *ids = json_object_new_array();
	for (size_t i = 0; !o->squash && img->diff_ids != NULL && img->diff_ids[i] != NULL; i++)
		json_object_array_add(ids, json_object_new_string(img->diff_ids[i]));
	json_object_array_add(ids, json_object_new_string(diff_id));
	json_object_object_add(rootfs, "diff_ids", ids);
	struct json_object *hist = json_get_type(cfg, "history", json_type_array);
	if (hist == NULL || o->squash) { /* squashed: the image's own entry alone, as podman */
		hist = json_object_new_array();
		json_object_object_add(cfg, "history", hist);
	}
	struct json_object *h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(now));
	json_object_object_add(h, "created_by", json_object_new_string("/bin/sh"));
	if (o->author != NULL && *o->author)
		json_object_object_add(h, "author", json_object_new_string(o->author));
	if (o->image_name != NULL && *o->image_name) {
		autofree char *from = xasprintf("FROM %s", o->image_name);
		json_object_object_add(h, "comment", json_object_new_string(from));
	}
	json_object_array_add(hist, h);
	char *text = xstrdup(json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN));
	json_object_put(cfg);
	return text;
}

struct commit_arg {
	const struct storage_commit_opts *o;
};

/* The new layer: the upper dir on top of the image's, or with squash the whole rootfs as
 * mounted (in this child's mount namespace) as a bottom layer. */
static int commit_layer(struct storage *s, const struct storage_commit_opts *o,
			const struct tar_ids *ids, struct layer_new *ln, struct error **err)
{
	const struct storage_image *img = o->image;
	size_t nl = strv_len(img->layers);
	if (!o->squash) {
		autofree char *upper = xasprintf("%s/containers/%s/upper", s->root, o->ctr_id);
		autoclose int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (ufd < 0)
			return err_sys(err, "opening %s", upper);
		return store_layer_from_upper(s, ufd, ids, nl ? img->layers[nl - 1] : NULL, ln,
					      err);
	}
	/* Mounts made here must not propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(err, "making / private");
	autofree char *mp = NULL;
	if (storage_rootfs_mount(s, o->ctr_id, &mp, err) < 0)
		return -1;
	/* Closed before the unmount, which an open fd on the mount would make fail. */
	int fd = open(mp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = fd < 0 ? err_sys(err, "opening %s", mp)
			: layer_from_tree(s, fd, false, ids, NULL, ln, err);
	if (fd >= 0)
		close(fd);
	/* fuse-overlayfs lives until its mount goes: unmount before leaving the namespace. */
	struct error *e2 = NULL;
	if (storage_rootfs_umount(s, o->ctr_id, rc == 0 ? err : &e2) < 0 && rc == 0)
		rc = -1;
	err_free(&e2);
	return rc;
}

static int commit_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	const struct storage_commit_opts *o = ((struct commit_arg *)arg)->o;
	const struct storage_image *img = o->image;
	size_t nl = o->squash ? 0 : strv_len(img->layers);
	struct layer_new ln;
	/* keep-id: the image's layer dirs tell its root's files from the user's. */
	autostrv char **dirs = o->ids != NULL ? storage_image_layer_dirs(s, img) : NULL;
	size_t nd = strv_len(dirs);
	autofree int *lowers = xcalloc(nd + 1, sizeof(int));
	for (size_t i = 0; i < nd; i++)
		lowers[i] = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct tar_ids ti = { .map = o->ids, .lowers = lowers, .n_lowers = nd };
	int rc = commit_layer(s, o, o->ids != NULL ? &ti : NULL, &ln, err);
	for (size_t i = 0; i < nd; i++)
		if (lowers[i] >= 0)
			close(lowers[i]);
	if (rc < 0)
		return -1;
	autofree char *cfg = commit_config(o, ln.diff_id);
	autostrv char **chains = xcalloc(1, sizeof(char *));
	autostrv char **diffs = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < nl && img->diff_ids != NULL && img->diff_ids[i] != NULL; i++) {
		strv_push(&chains, img->layers[i]);
		strv_push(&diffs, img->diff_ids[i]);
	}
	strv_push(&chains, ln.chain);
	strv_push(&diffs, ln.diff_id);
	autofree char *man = commit_manifest(s, o, cfg, chains, diffs);
	char chex[SHA256_HEX_LEN + 1], mhex[SHA256_HEX_LEN + 1];
	sha256_hex(cfg, strlen(cfg), chex);
	sha256_hex(man, strlen(man), mhex);
	autofree char *cd = xasprintf("sha256:%s", chex);
	autofree char *md = xasprintf("sha256:%s", mhex);
	struct image_commit ic = { .config_digest = cd,
				   .manifest_digest = md,
				   .chain_ids = chains,
				   .diff_ids = diffs,
				   .size = (o->squash ? 0 : img->size) + ln.size,
				   .name = o->name };
	if (store_put_blob(s, cd, cfg, strlen(cfg), err) < 0 ||
	    store_put_blob(s, md, man, strlen(man), err) < 0 || store_image_commit(s, &ic, err) < 0)
		return -1;
	return fs_write_all(out_fd, chex, SHA256_HEX_LEN) < 0 ? err_sys(err, "reporting the ID")
							      : 0;
}

int storage_commit(struct storage *s, const struct storage_commit_opts *o, char **image_id,
		   struct error **err)
{
	struct storage_commit_opts opts = *o;
	autofree char *name = NULL;
	if (o->name != NULL && (name = storage_name_localhost(o->name, err)) == NULL)
		return -1;
	opts.name = name;
	struct commit_arg a = { .o = &opts };
	autofree char *out = NULL;
	enum storage_driver d;
	/* The probe spawns its own namespace: settle the driver before entering ours. */
	if (o->squash && storage_driver_resolve(s, &d, err) < 0)
		return -1;
	if (store_run_userns(s, o->squash ? CLONE_NEWNS : 0, commit_child, &a, &out, err) < 0)
		return err_wrap(err, "committing %.12s", o->ctr_id);
	if (out == NULL || strlen(out) != SHA256_HEX_LEN)
		return err_msg(err, "committing %.12s: no image ID came back", o->ctr_id);
	*image_id = steal_ptr(&out);
	return 0;
}

/* ---------- build: one step's image ---------- */

struct build_arg {
	const struct storage_build_step *o;
	const char *ctr_id;  /* the working container whose upper dir is the layer */
	const char *scratch; /* or, on scratch, a plain dir filled and taken as it is */
	const char *parent;  /* the parent's top layer chain, or NULL */
};

/* The fill in a mounted rootfs (or the scratch dir), then the layer: in the user and a
 * private mount namespace. Reports "CHAIN DIFFID SIZE". */
static int build_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	struct build_arg *a = arg;
	const struct storage_build_step *o = a->o;
	autofree char *upper = a->scratch ? xstrdup(a->scratch)
					  : xasprintf("%s/containers/%s/upper", s->root, a->ctr_id);
	if (o->fill != NULL) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return err_sys(err, "making / private");
		autofree char *mp = NULL;
		if (a->scratch == NULL && storage_rootfs_mount(s, a->ctr_id, &mp, err) < 0)
			return -1;
		int fd = open(mp ? mp : upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int rc = fd < 0 ? err_sys(err, "opening %s", mp ? mp : upper)
				: o->fill(o->fill_arg, fd, err);
		if (fd >= 0)
			close(fd);
		struct error *e2 = NULL;
		if (mp != NULL && storage_rootfs_umount(s, a->ctr_id, rc == 0 ? err : &e2) < 0 &&
		    rc == 0)
			rc = -1;
		err_free(&e2);
		if (rc < 0)
			return -1;
	}
	autoclose int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return err_sys(err, "opening %s", upper);
	struct layer_new ln;
	if (store_layer_from_upper(s, ufd, NULL, a->parent, &ln, err) < 0)
		return -1;
	if (o->fill != NULL && a->scratch == NULL) { /* our own working container: gone now */
		if (storage_container_unlist(s, a->ctr_id, err) < 0)
			return -1;
		autofree char *trash = xasprintf("%s/containers/.trash-%s", s->root, a->ctr_id);
		fs_rm_rf(trash, NULL);
	}
	autofree char *rep = xasprintf("%s %s %lld", ln.chain, ln.diff_id, (long long)ln.size);
	return fs_write_all(out_fd, rep, strlen(rep)) < 0 ? err_sys(err, "reporting the layer") : 0;
}

static int build_layer(struct storage *s, const struct storage_build_step *o, char *chain,
		       char *diff_id, int64_t *size, struct error **err)
{
	const struct storage_image *p = o->parent;
	size_t nl = p ? strv_len(p->layers) : 0;
	struct build_arg a = { .o = o,
			       .ctr_id = o->ctr_id,
			       .parent = nl ? p->layers[nl - 1] : NULL };
	autofree char *own = NULL, *tmp = NULL;
	if (o->ctr_id == NULL && nl == 0) {
		if ((tmp = storage_tmpdir(s, "build", err)) == NULL)
			return -1;
		a.scratch = tmp;
	} else if (o->ctr_id == NULL) {
		char raw[16], hex[SHA256_HEX_LEN + 1];
		if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
			return err_sys(err, "getrandom");
		sha256_hex(raw, sizeof(raw), hex);
		own = xstrdup(hex);
		if (storage_container_create(s, own, p, err) < 0)
			return -1;
		a.ctr_id = own;
	}
	enum storage_driver d;
	if (o->fill != NULL && a.scratch == NULL && storage_driver_resolve(s, &d, err) < 0)
		return -1;
	autofree char *out = NULL;
	int rc = store_run_userns(s, o->fill ? CLONE_NEWNS : 0, build_child, &a, &out, err);
	if (tmp != NULL) {
		struct error *e2 = NULL;
		if (store_rm_tree(s, tmp, &e2) < 0)
			err_free(&e2);
	}
	if (rc < 0 && own != NULL) {
		struct error *e2 = NULL;
		if (storage_container_remove(s, own, &e2) < 0)
			err_free(&e2);
	}
	if (rc < 0)
		return -1;
	long long sz = 0;
	if (out == NULL || sscanf(out, "%64s %71s %lld", chain, diff_id, &sz) != 3)
		return err_msg(err, "no layer came back");
	*size = sz;
	return 0;
}

int storage_build_step(struct storage *s, const struct storage_build_step *o, char **image_id,
		       struct error **err)
{
	const struct storage_image *p = o->parent;
	autostrv char **chains = xcalloc(1, sizeof(char *));
	autostrv char **diffs = xcalloc(1, sizeof(char *));
	for (size_t i = 0; p != NULL && p->layers != NULL && p->layers[i] != NULL &&
			   p->diff_ids != NULL && p->diff_ids[i] != NULL;
	     i++) {
		strv_push(&chains, p->layers[i]);
		strv_push(&diffs, p->diff_ids[i]);
	}
	int64_t size = p ? p->size : 0;
	struct json_object *cfg = o->config;
	struct json_object *rootfs = json_get_type(cfg, "rootfs", json_type_object);
	if (rootfs == NULL) {
		rootfs = json_object_new_object();
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(cfg, "rootfs", rootfs);
	}
	json_object_object_add(rootfs, "diff_ids", json_from_strv(diffs));
	if (o->ctr_id != NULL || o->fill != NULL) {
		char chain[SHA256_HEX_LEN + 1], diff_id[7 + SHA256_HEX_LEN + 1];
		int64_t lsize = 0;
		if (build_layer(s, o, chain, diff_id, &lsize, err) < 0)
			return -1;
		strv_push(&chains, chain);
		strv_push(&diffs, diff_id);
		json_object_array_add(json_get(rootfs, "diff_ids"),
				      json_object_new_string(diff_id));
		size += lsize;
	}
	const char *text = json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN);
	struct storage_commit_opts mo = { .docker = o->docker };
	autofree char *man = commit_manifest(s, &mo, text, chains, diffs);
	char chex[SHA256_HEX_LEN + 1], mhex[SHA256_HEX_LEN + 1];
	sha256_hex(text, strlen(text), chex);
	sha256_hex(man, strlen(man), mhex);
	autofree char *cd = xasprintf("sha256:%s", chex);
	autofree char *md = xasprintf("sha256:%s", mhex);
	struct image_commit ic = { .config_digest = cd,
				   .manifest_digest = md,
				   .chain_ids = chains,
				   .diff_ids = diffs,
				   .size = size };
	if (store_put_blob(s, cd, text, strlen(text), err) < 0 ||
	    store_put_blob(s, md, man, strlen(man), err) < 0 || store_image_commit(s, &ic, err) < 0)
		return -1;
	*image_id = xstrdup(chex);
	return 0;
}

char *storage_now_rfc3339(void)
{
	return now_rfc3339_nano();
}

/* ---------- build: the layer cache, buildcache/KEY -> image ID ---------- */

char *storage_build_cache_get(struct storage *s, const char *key)
{
	autofree char *p = xasprintf("%s/buildcache/%s", s->root, key);
	autofree char *id = NULL;
	struct error *e = NULL;
	if (fs_read_file(p, 128, &id, NULL, &e) < 0) {
		err_free(&e);
		return NULL;
	}
	if (strlen(id) != SHA256_HEX_LEN)
		return NULL;
	autofree char *rec = xasprintf("%s/images/%s/image.json", s->root, id);
	return fs_exists(rec) ? steal_ptr(&id) : NULL;
}

int storage_build_cache_put(struct storage *s, const char *key, const char *image_id,
			    struct error **err)
{
	autofree char *d = xasprintf("%s/buildcache", s->root);
	if (fs_mkdir_p(d, 0700, err) < 0)
		return -1;
	autofree char *p = xasprintf("%s/%s", d, key);
	return fs_write_replace(p, image_id, strlen(image_id), 0600, err);
}
