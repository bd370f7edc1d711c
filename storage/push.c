/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hutch push`: an image of the store to a registry (the distribution spec's push: HEAD
 * each blob, mount across repositories, monolithic or chunked uploads, then the manifest),
 * to an OCI layout directory or archive, or to a docker-archive (save's writer).
 * A layer whose kept blob (the one pulled, or commit's) is compressed as wanted goes as it
 * is: an unchanged pulled image is pushed with its own manifest, byte for byte, and keeps
 * its digest. Other layers are compressed anew (compress.c) from the kept blob's tar, or
 * from the layer dir (tarwrite.c) when there is none; if that tar is not the one the config
 * names, the config's diff_ids follow (a new image ID), as save does.
 * Runs as root in the store's user namespace (layer files belong to subordinate ids), with
 * progress events relayed to the caller's sink as pull's are.
 */
#include "storage/internal.h"
#include "storage/progress.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARALLEL 4
/* Blobs up to this size go in one PUT; larger ones in PATCH chunks of this size. */
#define UPLOAD_CHUNK (16 << 20)
#define COPY_BUF (256 << 10)
#define REF_NAME "org.opencontainers.image.ref.name"

#define MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"

enum push_kind {
	PUSH_DOCKER,
	PUSH_OCI_DIR,
	PUSH_OCI_ARCHIVE,
	PUSH_DOCKER_ARCHIVE,
};

/* A parsed destination. */
struct push_dest {
	enum push_kind kind;
	char *path;		/* DIR or FILE */
	char *tag;		/* oci: the ref name, docker-archive: the name; may be NULL */
	struct storage_ref ref; /* docker:// */
};

struct push_layer {
	char chain[SHA256_HEX_LEN + 1];
	const char *diff_id; /* the config's (borrowed from the image) */
	char *digest;	     /* the blob sent: known first for a kept blob */
	int64_t size;
	char *path;	 /* the blob file: the kept one, or compressed into the scratch dir */
	char *tar_id;	 /* the diff ID of what is sent (differs: the config follows) */
	bool kept;	 /* the kept blob, as it is */
	bool has_blob;	 /* the layer keeps a blob (compressed otherwise) */
	const char *src; /* the digest shown: the diff ID, as podman's */
};

struct push_run {
	struct storage *s;
	const struct storage_image *img;
	const struct storage_push_opts *o;
	const struct push_dest *d;
	struct reg_client *c; /* PUSH_DOCKER */
	char *layout;	      /* the OCI layout being written (the dir, or a scratch one) */
	enum layer_compression comp;
	bool oci; /* the manifest's format */
	char *tmp;
	struct push_layer *layers;
	size_t n;
	char **mount_from;
	int progress_fd;
	atomic_size_t next;
	atomic_bool failed;
	pthread_mutex_t mu;
	struct error *err;
};

static void push_layer_clear(struct push_layer *l)
{
	free(l->digest), free(l->path), free(l->tar_id);
}

/* ---------- destinations ---------- */

static int parse_dest(const char *dest, struct push_dest *d, struct error **err)
{
	static const struct {
		const char *prefix;
		enum push_kind kind;
	} transports[] = {
		{ "oci:", PUSH_OCI_DIR },
		{ "oci-archive:", PUSH_OCI_ARCHIVE },
		{ "docker-archive:", PUSH_DOCKER_ARCHIVE },
	};
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		size_t pl = strlen(transports[i].prefix);
		if (strncmp(dest, transports[i].prefix, pl) != 0)
			continue;
		d->kind = transports[i].kind;
		const char *rest = dest + pl;
		/* PATH[:TAG], split at the first ':' as podman does (a path has none). */
		const char *colon = strchr(rest, ':');
		d->path = colon ? xstrndup(rest, (size_t)(colon - rest)) : xstrdup(rest);
		d->tag = colon && colon[1] ? xstrdup(colon + 1) : NULL;
		if (*d->path == '\0')
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid destination \"%s\": no path", dest);
		return 0;
	}
	if (strncmp(dest, "docker://", 9) == 0)
		dest += 9;
	else if (strstr(dest, "://") != NULL || strncmp(dest, "dir:", 4) == 0 ||
		 strncmp(dest, "containers-storage:", 19) == 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported transport in \"%s\": want docker://, oci:, "
			       "oci-archive: or docker-archive:",
			       dest);
	d->kind = PUSH_DOCKER;
	if (storage_ref_parse(dest, &d->ref, err) < 0)
		return -1;
	if (d->ref.digest != NULL && d->ref.tag == NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid destination \"%s\": a digest is no place to push to: give "
			       "a tag",
			       dest);
	return storage_ref_qualify(&d->ref, d->ref.domain ? d->ref.domain : "docker.io", err);
}

static void dest_clear(struct push_dest *d)
{
	free(d->path), free(d->tag);
	storage_ref_clear(&d->ref);
}

/* The image's own name, as the user wrote it, for a push without a destination. */
static char *own_name(const struct storage_image *img, const char *arg)
{
	struct storage_ref r;
	if (storage_ref_parse(arg, &r, NULL) < 0)
		return NULL;
	autofree char *want = r.domain ? NULL : storage_ref_string(&r);
	bool qualified = r.domain != NULL;
	storage_ref_clear(&r);
	if (qualified)
		return xstrdup(arg);
	for (size_t i = 0; img->names && img->names[i]; i++) {
		const char *slash = strchr(img->names[i], '/');
		if (slash != NULL && strcmp(slash + 1, want) == 0)
			return xstrdup(img->names[i]);
	}
	return NULL;
}

/* ---------- layers ---------- */

/* The kept blob's compression from its magic; -1: none we know. */
static int blob_kind(const char *path)
{
	unsigned char m[4] = { 0 };
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fs_read_all(fd, m, 4) != 4)
		return -1;
	if (m[0] == 0x1f && m[1] == 0x8b)
		return LAYER_GZIP;
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return LAYER_ZSTD;
	return -1;
}

/* What the store knows of layer l: its kept blob (pulled, committed or loaded; compressed
 * or not), and whether it goes as it is. */
static void layer_plan(struct push_run *r, struct push_layer *l)
{
	autofree char *p = xasprintf("%s/layers/%s/layer.json", r->s->root, l->chain);
	struct json_object *o = json_file_at(AT_FDCWD, p, 1 << 16);
	const char *d = json_str(o, "compressed_digest");
	struct json_object *n = json_get_type(o, "compressed_size", json_type_int);
	autofree char *blob = xasprintf("%s/layers/%s/" LAYER_BLOB, r->s->root, l->chain);
	struct stat st;
	l->has_blob = d != NULL && storage_digest_valid(d) && stat(blob, &st) == 0 &&
		      (n == NULL || st.st_size == json_object_get_int64(n));
	/* podman shows the diff ID (its store keeps no other) */
	l->src = l->diff_id;
	if (l->has_blob && strcmp(d, l->diff_id) != 0 && blob_kind(blob) == (int)r->comp) {
		l->kept = true;
		l->digest = xstrdup(d);
		l->size = st.st_size;
		l->path = steal_ptr(&blob);
		l->tar_id = xstrdup(l->diff_id);
	}
	json_object_put(o);
}

/* The tar side: hashed (the diff ID of what is sent), then compressed. */
struct tar_sink {
	struct sha256_ctx *h;
	struct compressor *z;
	struct error *err;
};

static la_ssize_t tar_sink_write(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct tar_sink *t = arg;
	sha256_update(t->h, buf, len);
	if (compressor_write(t->z, buf, len, &t->err) < 0) {
		archive_set_error(a, EIO, "%s", t->err->msg);
		return -1;
	}
	return (la_ssize_t)len;
}

/* The kept blob's tar (decompressed) into t; false when it cannot be read. */
static int tar_from_blob(struct push_run *r, struct push_layer *l, struct tar_sink *t,
			 struct error **err)
{
	autofree char *blob = xasprintf("%s/layers/%s/" LAYER_BLOB, r->s->root, l->chain);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	autoclose int in = open(blob, O_RDONLY | O_CLOEXEC);
	int rc = in >= 0 && archive_read_open_fd(a, in, COPY_BUF) == ARCHIVE_OK &&
			 archive_read_next_header(a, &e) == ARCHIVE_OK
		     ? 0
		     : err_msg(err, "reading the blob of layer %.12s: %s", l->chain,
			       archive_error_string(a) ?: strerror(errno));
	autofree char *buf = xmalloc(COPY_BUF);
	la_ssize_t n = 0;
	while (rc == 0 && (n = archive_read_data(a, buf, COPY_BUF)) > 0) {
		sha256_update(t->h, buf, (size_t)n);
		rc = compressor_write(t->z, buf, (size_t)n, err);
	}
	if (rc == 0 && n < 0)
		rc = err_msg(err, "reading the blob of layer %.12s: %s", l->chain,
			     archive_error_string(a));
	archive_read_free(a);
	return rc;
}

/* The layer dir written as a tar into t (tarwrite.c: sorted, deterministic). */
static int tar_from_dir(struct push_run *r, struct push_layer *l, struct tar_sink *t,
			struct error **err)
{
	autofree char *dir = store_layer_dir(r->s, l->chain);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	int rc = archive_write_open(a, t, NULL, tar_sink_write, NULL) == ARCHIVE_OK
		     ? 0
		     : err_msg(err, "writing layer %.12s: %s", l->chain, archive_error_string(a));
	if (rc == 0)
		rc = tar_write_tree(a, dir, true, err);
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK) {
		if (t->err != NULL)
			*err = steal_ptr(&t->err);
		else
			err_msg(err, "writing layer %.12s: %s", l->chain, archive_error_string(a));
		rc = -1;
	}
	archive_write_free(a);
	err_free(&t->err);
	return rc;
}

/* Compress the layer into fd: l->digest, size and tar_id. */
static int compress_into(struct push_run *r, struct push_layer *l, int fd, struct error **err)
{
	struct store_hashed_out out = { .fd = fd, .h = sha256_new() };
	struct tar_sink t = { .h = sha256_new() };
	t.z = compressor_new(r->comp, &out, err);
	int rc = t.z == NULL   ? -1
		 : l->has_blob ? tar_from_blob(r, l, &t, err)
			       : tar_from_dir(r, l, &t, err);
	if (compressor_finish(&t.z, rc == 0, rc == 0 ? err : NULL) < 0)
		rc = -1;
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(t.h, hex);
	l->tar_id = xasprintf("sha256:%s", hex);
	sha256_final_hex(out.h, hex);
	l->digest = xasprintf("sha256:%s", hex);
	l->size = out.n;
	return rc < 0 ? err_wrap(err, "compressing layer %.12s", l->chain) : 0;
}

/*
 * What an earlier push compressed this layer to (layers/CHAIN/push-gzip or push-zstd:
 * "DIGEST SIZE TAR-DIFF-ID"), as podman's blob info cache remembers it: a registry that has
 * that blob needs neither the compression nor the bytes again.
 */
static char *cache_path(struct push_run *r, const struct push_layer *l)
{
	return xasprintf("%s/layers/%s/push-%s", r->s->root, l->chain,
			 r->comp == LAYER_ZSTD ? "zstd" : "gzip");
}

static bool cache_read(struct push_run *r, struct push_layer *l)
{
	autofree char *p = cache_path(r, l), *text = NULL;
	char d[80], t[80];
	long long size;
	if (fs_read_file(p, 4096, &text, NULL, NULL) < 0 ||
	    sscanf(text, "%79s %lld %79s", d, &size, t) != 3 || !storage_digest_valid(d) ||
	    !storage_digest_valid(t) || size < 0)
		return false;
	l->digest = xstrdup(d);
	l->size = size;
	l->tar_id = xstrdup(t);
	return true;
}

static void cache_write(struct push_run *r, const struct push_layer *l)
{
	autofree char *p = cache_path(r, l);
	autofree char *text = xasprintf("%s %lld %s\n", l->digest, (long long)l->size, l->tar_id);
	struct error *e = NULL;
	if (store_write(p, text, strlen(text), &e) < 0)
		log_debug("push: remembering the blob of layer %.12s: %s", l->chain, e->msg);
	err_free(&e);
}

struct sent_arg {
	int fd;
	unsigned item;
};

static void sent_bytes(void *arg, int64_t n)
{
	const struct sent_arg *a = arg;
	progress_send_bytes(a->fd, a->item, n);
}

/* The PATCH that streams the compressed layer from a pipe, in a thread of its own. */
struct stream_arg {
	struct push_run *r;
	char **loc;
	struct reg_upload up;
	unsigned item;
	struct error *err;
};

static void *stream_thread(void *arg)
{
	struct stream_arg *a = arg;
	if (reg_upload_stream(a->r->c, a->loc, &a->up, &a->err) < 0) {
		/* The compression stops at its next write (EPIPE). */
		close(a->up.fd);
		a->up.fd = -1;
	}
	return NULL;
}

/* Compress and upload at once: the bytes go out as they are made. */
static int stream_layer(struct push_run *r, struct push_layer *l, size_t i, struct error **err)
{
	autofree char *loc = NULL;
	if (reg_upload_start(r->c, &loc, err) < 0)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	struct sent_arg si = { r->progress_fd, (unsigned)i };
	struct stream_arg sa = { .r = r,
				 .loc = &loc,
				 .up = { .fd = p[0],
					 .len = -1,
					 .sent = r->progress_fd >= 0 ? sent_bytes : NULL,
					 .arg = &si },
				 .item = (unsigned)i };
	pthread_t th;
	if (pthread_create(&th, NULL, stream_thread, &sa) != 0) {
		close(p[0]), close(p[1]);
		return err_msg(err, "starting an upload thread");
	}
	log_debug("push: layer %.12s: compressing and uploading as a stream", l->chain);
	struct error *cerr = NULL;
	int rc = compress_into(r, l, p[1], &cerr);
	close(p[1]);
	pthread_join(th, NULL);
	if (sa.up.fd >= 0)
		close(sa.up.fd);
	/* The upload's error explains a compression cut short (EPIPE). */
	if (sa.err != NULL) {
		err_free(&cerr);
		*err = steal_ptr(&sa.err);
		return -1;
	}
	if (rc < 0) {
		*err = cerr;
		return -1;
	}
	if (reg_upload_finish(r->c, loc, l->digest, err) < 0)
		return -1;
	cache_write(r, l);
	return 0;
}

/* ---------- sending a blob ---------- */

/* Into the OCI layout: blobs/sha256/HEX, unless it is there. 1: it was. */
static int layout_put(struct push_run *r, const char *digest, const char *path, const char *mem,
		      size_t len, struct error **err)
{
	autofree char *fin = xasprintf("%s/blobs/sha256/%s", r->layout, digest + 7);
	if (fs_exists(fin))
		return 1;
	autofree char *tmp =
	    xasprintf("%s.tmp-%d-%lx", fin, (int)getpid(), (unsigned long)pthread_self());
	autoclose int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return err_sys(err, "creating %s", tmp);
	int rc = 0;
	if (path == NULL) {
		rc = fs_write_all(out, mem, len) < 0 ? err_sys(err, "writing %s", tmp) : 0;
	} else {
		autoclose int in = open(path, O_RDONLY | O_CLOEXEC);
		autofree char *buf = xmalloc(COPY_BUF);
		ssize_t n = 0;
		if (in < 0)
			rc = err_sys(err, "reading %s", path);
		while (rc == 0 && (n = read(in, buf, COPY_BUF)) > 0)
			if (fs_write_all(out, buf, (size_t)n) < 0)
				rc = err_sys(err, "writing %s", tmp);
		if (rc == 0 && n < 0)
			rc = err_sys(err, "reading %s", path);
	}
	if (rc == 0 && rename(tmp, fin) < 0)
		rc = err_sys(err, "writing %s", fin);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* The blob to the destination; *status: "done" or "skipped: already exists". */
static int send_blob(struct push_run *r, const char *digest, const char *path, const char *mem,
		     int64_t size, bool mountable, unsigned item, const char **status,
		     struct error **err)
{
	*status = "done";
	if (r->c == NULL) {
		int rc = layout_put(r, digest, path, mem, (size_t)size, err);
		if (rc == 1)
			*status = "skipped: already exists";
		return rc < 0 ? -1 : 0;
	}
	int have = reg_blob_exists(r->c, digest, size, err);
	if (have < 0)
		return -1;
	if (have == 1) {
		log_debug("push: blob %s: the registry has it, skipped", digest);
		*status = "skipped: already exists";
		return 0;
	}
	autofree char *loc = NULL;
	for (size_t i = 0; mountable && r->mount_from != NULL && r->mount_from[i] != NULL; i++) {
		struct error *e = NULL;
		int m = reg_blob_mount(r->c, digest, r->mount_from[i], &loc, &e);
		if (m == 1) {
			log_debug("push: blob %s: mounted from %s", digest, r->mount_from[i]);
			*status = "skipped: already exists";
			return 0;
		}
		if (m < 0) {
			log_debug("push: mounting blob %s from %s: %s", digest, r->mount_from[i],
				  e->msg);
			err_free(&e);
			continue;
		}
		break; /* the registry started an upload instead: go on with it */
	}
	autoclose int fd = -1;
	if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_sys(err, "reading %s", path);
	struct sent_arg sa = { .fd = r->progress_fd, .item = item };
	struct reg_upload up = { .fd = fd,
				 .mem = mem,
				 .len = size,
				 .sent = r->progress_fd >= 0 ? sent_bytes : NULL,
				 .arg = &sa };
	log_debug("push: blob %s: uploading %lld bytes%s", digest, (long long)size,
		  size > UPLOAD_CHUNK ? " in chunks" : "");
	return reg_blob_upload(r->c, digest, &up, UPLOAD_CHUNK, loc, err);
}

static int do_layer(struct push_run *r, size_t i, struct error **err)
{
	struct push_layer *l = &r->layers[i];
	const char *status = "done";
	if (!l->kept && r->c != NULL) {
		/* Known from an earlier push and there: nothing to do. Else make it and send it
		 * at once. */
		int have = 0;
		if (cache_read(r, l) && (have = reg_blob_exists(r->c, l->digest, l->size, err)) < 0)
			return err_wrap(err, "copying blob %s", l->src);
		if (have == 1) {
			log_debug("push: blob %s: the registry has it, skipped", l->digest);
			status = "skipped: already exists";
		} else {
			free(l->digest), free(l->tar_id);
			l->digest = l->tar_id = NULL;
			if (stream_layer(r, l, i, err) < 0)
				return err_wrap(err, "copying blob %s", l->src);
		}
		progress_send_done(r->progress_fd, (unsigned)i, false, status);
		return 0;
	}
	if (!l->kept && r->layout != NULL && cache_read(r, l)) {
		autofree char *have = xasprintf("%s/blobs/sha256/%s", r->layout, l->digest + 7);
		if (fs_exists(have)) {
			log_debug("push: layer %.12s: the layout has %s, skipped", l->chain,
				  l->digest);
			progress_send_done(r->progress_fd, (unsigned)i, false,
					   "skipped: already exists");
			return 0;
		}
		free(l->digest), free(l->tar_id);
		l->digest = l->tar_id = NULL;
	}
	if (!l->kept && r->layout != NULL) {
		/* Into the layout directly, named by its digest once it is known. */
		autofree char *tmp =
		    xasprintf("%s/blobs/sha256/.tmp-layer-%d-%zu", r->layout, (int)getpid(), i);
		autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return err_sys(err, "creating %s", tmp);
		int rc = compress_into(r, l, fd, err);
		autofree char *fin =
		    rc == 0 ? xasprintf("%s/blobs/sha256/%s", r->layout, l->digest + 7) : NULL;
		if (rc == 0 && fs_exists(fin))
			status = "skipped: already exists";
		else if (rc == 0 && rename(tmp, fin) < 0)
			rc = err_sys(err, "writing %s", fin);
		unlink(tmp);
		if (rc < 0)
			return err_wrap(err, "copying blob %s", l->src);
		cache_write(r, l);
		progress_send_done(r->progress_fd, (unsigned)i, false, status);
		return 0;
	}
	if (send_blob(r, l->digest, l->path, NULL, l->size, l->kept, (unsigned)i, &status, err) < 0)
		return err_wrap(err, "copying blob %s", l->src);
	progress_send_done(r->progress_fd, (unsigned)i, false, status);
	return 0;
}

static void *worker(void *arg)
{
	struct push_run *r = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= r->n || atomic_load(&r->failed))
			return NULL;
		struct error *e = NULL;
		if (do_layer(r, i, &e) < 0) {
			pthread_mutex_lock(&r->mu);
			if (r->err == NULL)
				r->err = steal_ptr(&e);
			pthread_mutex_unlock(&r->mu);
			atomic_store(&r->failed, true);
			progress_send_done(r->progress_fd, (unsigned)i, true, "failed");
		}
		err_free(&e);
	}
}

static int send_layers(struct push_run *r, struct error **err)
{
	for (size_t i = 0; i < r->n; i++) {
		struct push_layer *l = &r->layers[i];
		int64_t total = l->kept ? l->size : 0;
		if (!l->kept)
			store_layer_info(r->s, l->chain, NULL, &total, NULL);
		progress_send_start(r->progress_fd, (unsigned)i, "Copying blob", l->src, total);
	}
	size_t nt = r->n < MAX_PARALLEL ? r->n : MAX_PARALLEL;
	pthread_t th[MAX_PARALLEL];
	size_t started = 0;
	pthread_mutex_init(&r->mu, NULL);
	for (; started < nt; started++)
		if (pthread_create(&th[started], NULL, worker, r) != 0)
			break;
	if (started == 0 && r->n > 0)
		worker(r);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&r->mu);
	progress_send_end(r->progress_fd);
	if (r->err != NULL) {
		*err = steal_ptr(&r->err);
		return -1;
	}
	return 0;
}

/* ---------- config and manifest ---------- */

/* The config as stored, or with the diff IDs of the tars sent (owned). */
static char *push_config(struct push_run *r, bool *changed, struct error **err)
{
	autofree char *digest = xasprintf("sha256:%s", r->img->id);
	char *text = NULL;
	size_t len = 0;
	*changed = false;
	if (store_get_blob(r->s, digest, CONFIG_MAX, &text, &len, err) < 0)
		return NULL;
	bool same = true;
	for (size_t i = 0; i < r->n; i++)
		same = same && strcmp(r->layers[i].tar_id, r->layers[i].diff_id) == 0;
	if (same)
		return text;
	struct json_object *o = doc_parse(text, len, "image config", err), *ids;
	free(text);
	if (o == NULL)
		return NULL;
	ids = json_get_type(json_get(o, "rootfs"), "diff_ids", json_type_array);
	if (ids == NULL || json_len(ids) != r->n) {
		json_object_put(o);
		err_msg(err, "image %.12s: config and layers disagree", r->img->id);
		return NULL;
	}
	for (size_t i = 0; i < r->n; i++)
		json_object_array_put_idx(ids, i, json_object_new_string(r->layers[i].tar_id));
	text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	*changed = true;
	return text;
}

static struct json_object *desc(const char *mt, const char *digest, int64_t size)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(mt));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

/* The stored manifest's bytes when they describe exactly what was sent (owned), or NULL. */
static char *stored_manifest(struct push_run *r, const char *mt, const char *config_digest)
{
	struct json_object *m = r->img->manifest;
	const char *smt = json_str(m, "mediaType");
	struct json_object *cfg = json_get(m, "config"),
			   *ls = json_get_type(m, "layers", json_type_array);
	if (r->img->manifest_digest == NULL || smt == NULL || strcmp(smt, mt) != 0 || ls == NULL ||
	    json_len(ls) != r->n || json_str(cfg, "digest") == NULL ||
	    strcmp(json_str(cfg, "digest"), config_digest) != 0)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const char *d = json_str(json_idx(ls, i), "digest");
		if (!r->layers[i].kept || d == NULL || strcmp(d, r->layers[i].digest) != 0)
			return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	if (store_get_blob(r->s, r->img->manifest_digest, MANIFEST_MAX, &text, &len, NULL) < 0)
		return NULL;
	return text;
}

static char *make_manifest(struct push_run *r, const char *config_digest, size_t config_len,
			   const char **mt)
{
	*mt = r->oci ? MT_OCI_MANIFEST : MT_DOCKER_MANIFEST;
	char *kept = stored_manifest(r, *mt, config_digest);
	if (kept != NULL)
		return kept;
	const char *lmt = r->comp == LAYER_ZSTD ? MT_OCI_LAYER_ZSTD
			  : r->oci		? MT_OCI_LAYER_GZ
						: MT_DOCKER_LAYER;
	struct json_object *m = json_object_new_object(), *ls = json_object_new_array();
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(*mt));
	json_object_object_add(
	    m, "config",
	    desc(r->oci ? MT_OCI_CONFIG : MT_DOCKER_CONFIG, config_digest, (int64_t)config_len));
	for (size_t i = 0; i < r->n; i++)
		json_object_array_add(ls, desc(lmt, r->layers[i].digest, r->layers[i].size));
	json_object_object_add(m, "layers", ls);
	char *text = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	return text;
}

/* index.json of the layout: the manifest added, under the tag (replacing its old entry). */
static int layout_index(struct push_run *r, const char *mt, const char *digest, size_t len,
			struct error **err)
{
	autofree char *p = xasprintf("%s/index.json", r->layout);
	struct json_object *idx = fs_exists(p) ? json_file_at(AT_FDCWD, p, MANIFEST_MAX) : NULL;
	struct json_object *old = json_get_type(idx, "manifests", json_type_array);
	struct json_object *ms = json_object_new_array();
	for (size_t i = 0; i < json_len(old); i++) {
		struct json_object *e = json_idx(old, i);
		const char *name = json_str(json_get(e, "annotations"), REF_NAME);
		if (r->d->tag != NULL && name != NULL && strcmp(name, r->d->tag) == 0)
			continue;
		json_object_array_add(ms, json_object_get(e));
	}
	struct json_object *d = desc(mt, digest, (int64_t)len);
	if (r->d->tag != NULL) {
		struct json_object *ann = json_object_new_object();
		json_object_object_add(ann, REF_NAME, json_object_new_string(r->d->tag));
		json_object_object_add(d, "annotations", ann);
	}
	json_object_array_add(ms, d);
	json_object_put(idx);
	idx = json_object_new_object();
	json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
	json_object_object_add(idx, "manifests", ms);
	const char *text = json_object_to_json_string_ext(idx, JSON_C_TO_STRING_PLAIN);
	autofree char *lp = xasprintf("%s/oci-layout", r->layout);
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	int rc = fs_write_atomic(lp, layout, strlen(layout), 0644, err);
	if (rc == 0)
		rc = fs_write_atomic(p, text, strlen(text), 0644, err);
	json_object_put(idx);
	return rc;
}

/* The layout dir as a tar at path (written aside, renamed when whole). */
static int layout_archive(struct push_run *r, const char *path, struct error **err)
{
	autofree char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, "creating %s", path);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	int rc = archive_write_open_fd(a, fd) == ARCHIVE_OK
		     ? 0
		     : err_msg(err, "writing %s: %s", path, archive_error_string(a));
	if (rc == 0)
		rc = tar_write_tree(a, r->layout, false, err);
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = err_msg(err, "writing %s: %s", path, archive_error_string(a));
	archive_write_free(a);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = err_sys(err, "writing %s", path);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* ---------- the push ---------- */

/* Other repositories of the registry the image was pulled from (mount sources). */
static char **mount_sources(const struct storage_image *img, const struct storage_ref *dest)
{
	char **v = xcalloc(1, sizeof(char *));
	size_t dl = strlen(dest->domain);
	for (size_t i = 0; img->digests && img->digests[i]; i++) {
		const char *d = img->digests[i];
		const char *at = strchr(d, '@');
		if (at == NULL || strncmp(d, dest->domain, dl) != 0 || d[dl] != '/')
			continue;
		autofree char *path = xstrndup(d + dl + 1, (size_t)(at - d - dl - 1));
		if (strcmp(path, dest->path) != 0 && !strv_contains(v, path) && strv_len(v) < 4)
			strv_push(&v, path);
	}
	return v;
}

static int open_registry(struct push_run *r, struct error **err)
{
	struct storage_regconf reg = { 0 };
	struct storage_pullconf lim;
	if (storage_pullconf_load(&lim, err) < 0 || storage_regconf_load(&reg, err) < 0)
		return -1;
	autofree char *name = storage_ref_name(&r->d->ref);
	size_t ml = 0;
	const struct regconf_registry *rc = storage_regconf_find(&reg, name, &ml);
	bool insecure = rc != NULL && rc->insecure, blocked = rc != NULL && rc->blocked;
	storage_regconf_clear(&reg);
	if (blocked)
		return err_set(err, EPERM, ERR_TOOL, "registry %s is blocked in registries.conf",
			       r->d->ref.domain);
	autofree char *up = NULL;
	if (storage_auth_lookup(r->d->ref.domain, r->d->ref.path, r->o->authfile, r->o->creds, &up,
				err) < 0)
		return -1;
	r->mount_from = mount_sources(r->img, &r->d->ref);
	struct reg_opts ro = { .tls_verify = r->o->tls_verify,
			       .insecure = insecure,
			       .userpass = up,
			       .request_timeout = lim.request_timeout,
			       .stall_timeout = lim.stall_timeout,
			       .progress_fd = r->progress_fd,
			       .push = true,
			       .mount_from = r->mount_from,
			       .cert_dir = r->o->cert_dir };
	return reg_open(r->d->ref.domain, r->d->ref.path, &ro, &r->c, err);
}

static int push_run(struct push_run *r, char **digest_out, struct error **err)
{
	const struct storage_image *img = r->img;
	r->n = strv_len(img->layers);
	r->layers = xcalloc(r->n + 1, sizeof(*r->layers));
	for (size_t i = 0; i < r->n; i++) {
		struct push_layer *l = &r->layers[i];
		snprintf(l->chain, sizeof(l->chain), "%s", img->layers[i]);
		l->diff_id = img->diff_ids[i];
		layer_plan(r, l);
	}
	if ((r->tmp = storage_tmpdir(r->s, "push", err)) == NULL)
		return -1;
	if (r->d->kind == PUSH_DOCKER) {
		if (open_registry(r, err) < 0)
			return -1;
	} else if (r->d->kind == PUSH_OCI_DIR) {
		r->layout = xstrdup(r->d->path);
	} else {
		r->layout = xasprintf("%s/layout", r->tmp);
	}
	if (r->layout != NULL) {
		autofree char *blobs = xasprintf("%s/blobs/sha256", r->layout);
		if (fs_mkdir_p(blobs, 0755, err) < 0)
			return -1;
	}
	if (send_layers(r, err) < 0)
		return -1;
	bool changed;
	autofree char *cfg = push_config(r, &changed, err);
	if (cfg == NULL)
		return -1;
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(cfg, strlen(cfg), hex);
	autofree char *cdigest = xasprintf("sha256:%s", hex);
	const char *status;
	if (send_blob(r, cdigest, NULL, cfg, (int64_t)strlen(cfg), false, 0, &status, err) < 0)
		return err_wrap(err, "copying config %s", cdigest);
	progress_send_text(r->progress_fd, STORAGE_PROGRESS_STORED, cdigest);
	const char *mt;
	autofree char *man = make_manifest(r, cdigest, strlen(cfg), &mt);
	sha256_hex(man, strlen(man), hex);
	autofree char *mdigest = xasprintf("sha256:%s", hex);
	int rc;
	if (r->c != NULL) {
		const char *ref = r->d->ref.tag ? r->d->ref.tag : r->d->ref.digest;
		rc = reg_put_manifest(r->c, ref, mt, man, strlen(man), err);
	} else {
		rc = layout_put(r, mdigest, NULL, man, strlen(man), err) < 0 ? -1 : 0;
		if (rc == 0)
			rc = layout_index(r, mt, mdigest, strlen(man), err);
		if (rc == 0 && r->d->kind == PUSH_OCI_ARCHIVE)
			rc = layout_archive(r, r->d->path, err);
	}
	if (rc == 0)
		*digest_out = steal_ptr(&mdigest);
	return rc;
}

struct child_arg {
	const char *image;
	const struct push_dest *d;
	const struct storage_push_opts *o;
	int progress_fd;
	enum layer_compression comp;
};

static int push_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	struct child_arg *a = arg;
	struct storage_image *img = NULL;
	if (storage_image_lookup(s, a->image, &img, err) < 0)
		return -1;
	struct push_run r = { .s = s,
			      .img = img,
			      .o = a->o,
			      .d = a->d,
			      .comp = a->comp,
			      .progress_fd = a->progress_fd };
	const char *smt = json_str(img->manifest, "mediaType");
	const char *f = a->o->format;
	if (f != NULL)
		r.oci = strcmp(f, "oci") == 0;
	else
		r.oci =
		    a->comp == LAYER_ZSTD || smt == NULL || strcmp(smt, MT_DOCKER_MANIFEST) != 0;
	autofree char *digest = NULL;
	int rc = push_run(&r, &digest, err);
	reg_close(&r.c);
	for (size_t i = 0; i < r.n; i++)
		push_layer_clear(&r.layers[i]);
	free(r.layers);
	strv_free(r.mount_from);
	if (r.tmp != NULL)
		fs_rm_rf(r.tmp, NULL);
	free(r.tmp), free(r.layout);
	storage_image_free(&img);
	if (rc == 0 && fs_write_all(out_fd, digest, strlen(digest)) < 0)
		return err_sys(err, "reporting the digest");
	return rc;
}

int storage_push(struct storage *s, const char *image, const char *dest,
		 const struct storage_push_opts *o, char **digest, struct error **err)
{
	struct push_dest d = { 0 };
	enum layer_compression comp = LAYER_GZIP;
	const char *f = o->format;
	if (o->compression != NULL && strcmp(o->compression, "zstd") == 0)
		comp = LAYER_ZSTD;
	else if (o->compression != NULL && strcmp(o->compression, "gzip") != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported compression format \"%s\": want gzip or zstd",
			       o->compression);
	if (f != NULL && strcmp(f, "oci") != 0 && strcmp(f, "v2s2") != 0 &&
	    strcmp(f, "docker") != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "unknown format \"%s\": want oci, v2s2 or docker", f);
	if (f != NULL && strcmp(f, "oci") != 0 && comp == LAYER_ZSTD)
		return err_set(err, EINVAL, ERR_USAGE,
			       "zstd layers need the OCI format: a Docker manifest (--format %s) "
			       "cannot carry them",
			       f);
	/* Without a destination: the image's own name, which must then be one. */
	autofree char *own = NULL;
	if (dest == NULL) {
		struct storage_image *img = NULL;
		if (storage_image_lookup_record(s, image, &img, err) < 0)
			return -1;
		own = own_name(img, image);
		storage_image_free(&img);
		if (own == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "no destination given, and \"%s\" is no image name to push "
				       "to: give DESTINATION",
				       image);
		dest = own;
	}
	if (parse_dest(dest, &d, err) < 0) {
		dest_clear(&d);
		return -1;
	}
	int rc;
	if (d.kind == PUSH_DOCKER_ARCHIVE) {
		/* save's writer: layers uncompressed, as docker-archive has them */
		struct storage_image *img = NULL;
		rc = storage_image_lookup_record(s, image, &img, err);
		autofree char *name = NULL;
		if (rc == 0 && d.tag != NULL && (name = storage_name_localhost(d.tag, err)) == NULL)
			rc = -1;
		autofree char *tmp = xasprintf("%s.tmp-%d", d.path, (int)getpid());
		autoclose int fd =
		    rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
		if (rc == 0 && fd < 0)
			rc = err_sys(err, "creating %s", d.path);
		if (rc == 0)
			rc = storage_save_as(s, image, name, STORAGE_ARCHIVE_DOCKER, fd, err);
		if (rc == 0 && rename(tmp, d.path) < 0)
			rc = err_sys(err, "writing %s", d.path);
		if (rc < 0 && fd >= 0)
			unlink(tmp);
		if (rc == 0) {
			autofree char *id = xasprintf("sha256:%s", img->id);
			*digest = steal_ptr(&id);
		}
		storage_image_free(&img);
		dest_clear(&d);
		return rc;
	}
	int ev[2] = { -1, -1 };
	struct progress_relay rl;
	bool relay = o->progress != NULL && o->progress->event != NULL && pipe2(ev, O_CLOEXEC) == 0;
	if (relay && progress_relay_start(&rl, ev[0], o->progress) < 0) {
		close(ev[0]), close(ev[1]);
		ev[0] = ev[1] = -1;
		relay = false;
	}
	reg_global_init();
	struct child_arg a = {
		.image = image, .d = &d, .o = o, .progress_fd = ev[1], .comp = comp
	};
	autofree char *out = NULL;
	rc = store_run_userns(s, 0, push_child, &a, &out, err);
	if (relay) {
		close(ev[1]);
		progress_relay_join(&rl);
		close(ev[0]);
	}
	/* A registry that wants other credentials: podman's (the registry's) words too. */
	if (rc < 0 && (*err)->code == EACCES && strstr((*err)->msg, "401 Unauthorized") != NULL) {
		autofree char *m = xstrdup((*err)->msg);
		err_set(err, EACCES, ERR_TOOL, "%s: unauthorized: authentication required", m);
	}
	if (rc == 0 && (out == NULL || strncmp(out, "sha256:", 7) != 0))
		rc = err_msg(err, "pushing %s: the push process failed", image);
	if (rc == 0)
		*digest = steal_ptr(&out);
	dest_clear(&d);
	return rc;
}
