/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `load`: a docker-archive or oci-archive (possibly compressed) is unpacked into a scratch
 * dir of the store (regular files only, names checked), every digest is verified, and the
 * layers go in through store_import_layer, as pull's do. Runs in the user namespace.
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

/* ---------- load ---------- */

/* "a/./b" -> "a/b"; refuse "..", absolute names become relative. NULL when refused. */
static char *safe_name(const char *in)
{
	while (*in == '/' || (in[0] == '.' && in[1] == '/'))
		in += *in == '/' ? 1 : 2;
	autofree char *s = xstrdup(in);
	char *out = xzalloc(strlen(in) + 1);
	for (char *save = NULL, *p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0 || strchr(p, '\\') != NULL) {
			free(out);
			return NULL;
		}
		if (*out)
			strcat(out, "/");
		strcat(out, p);
	}
	return out;
}

/* podman's words for input that is no image archive (its system tests look for them). */
#define NOT_AN_IMAGE "payload does not match any of the supported image formats"

/* Unpack the regular files of the archive on in_fd into dir (plain files, no links). */
static int extract(int in_fd, const char *dir, struct error **err)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	int rc = 0;
	size_t entries = 0;
	if (archive_read_open_fd(a, in_fd, COPY_BUF) != ARCHIVE_OK)
		rc = err_set(err, EINVAL, ERR_TOOL, "%s: not a tar archive (%s)", NOT_AN_IMAGE,
			     archive_error_string(a));
	struct archive_entry *e;
	int r = ARCHIVE_FATAL;
	while (rc == 0 &&
	       ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		entries++;
		if (archive_entry_filetype(e) != AE_IFREG)
			continue; /* directories are made as needed; links are not used by loaders */
		autofree char *name = safe_name(archive_entry_pathname(e));
		if (name == NULL || *name == '\0') {
			rc = err_set(err, EPERM, ERR_TOOL, "refusing archive entry \"%s\"",
				     archive_entry_pathname(e));
			break;
		}
		autofree char *path = xasprintf("%s/%s", dir, name);
		char *slash = strrchr(path, '/');
		*slash = '\0';
		rc = fs_mkdir_p(path, 0700, err);
		*slash = '/';
		autoclose int fd =
		    rc == 0
			? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)
			: -1;
		if (rc == 0 && fd < 0)
			rc = err_sys(err, "writing %s", path);
		if (rc == 0 && archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
			rc = err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, ERR_TOOL,
				     "unpacking %s: %s", name, archive_error_string(a));
	}
	/* Nothing read at all: not an archive of any kind, as podman says it. */
	if (rc == 0 && r != ARCHIVE_EOF && entries == 0)
		rc = err_set(err, EINVAL, ERR_TOOL, "%s: not a tar archive (%s)", NOT_AN_IMAGE,
			     archive_error_string(a));
	else if (rc == 0 && r != ARCHIVE_EOF)
		rc =
		    err_set(err, EIO, ERR_TOOL, "reading the archive: %s", archive_error_string(a));
	archive_read_free(a);
	return rc;
}

static int file_sha256(const char *path, char hex[SHA256_HEX_LEN + 1], int64_t *size,
		       struct error **err)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "%s is missing from the archive", strrchr(path, '/') + 1);
	struct sha256_ctx *h = sha256_new();
	autofree char *buf = xmalloc(COPY_BUF);
	ssize_t n;
	*size = 0;
	while ((n = read(fd, buf, COPY_BUF)) > 0) {
		sha256_update(h, buf, (size_t)n);
		*size += n;
	}
	sha256_final_hex(h, hex);
	return n < 0 ? err_sys(err, "reading %s", path) : 0;
}

/* Keep the layer's file beside its diff dir, as a pull keeps its blob: a later save writes
 * these very bytes, and the image keeps its ID. Not worth failing a load over. */
static void keep_blob(int fd, int dirfd)
{
	autoclose int out =
	    openat(dirfd, "../" LAYER_BLOB, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	autofree char *buf = xmalloc(COPY_BUF);
	ssize_t n = -1;
	if (out >= 0 && lseek(fd, 0, SEEK_SET) == 0)
		while ((n = read(fd, buf, COPY_BUF)) > 0 && fs_write_all(out, buf, (size_t)n) == 0)
			;
	if (out >= 0 && n != 0)
		unlinkat(dirfd, "../" LAYER_BLOB, 0);
}

static int fill_from_file(void *arg, int dirfd, struct unpack_result *res, struct error **err)
{
	autoclose int fd = open(arg, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening %s", (const char *)arg);
	if (unpack_tar_fd(fd, dirfd, NULL, res, err) < 0)
		return -1;
	keep_blob(fd, dirfd);
	return 0;
}

/* One image found in the archive, with the files that make it up. */
struct loaded {
	char *config_path;
	char *digest_want; /* config digest the archive promises (OCI), or NULL */
	char **layer_paths;
	char **layer_digests; /* OCI: the blob digests; NULL for docker-archive */
	char **names;
	char *manifest; /* the manifest to store (owned text) */
};

static void loaded_clear(struct loaded *l)
{
	free(l->config_path), free(l->digest_want), free(l->manifest);
	strv_free(l->layer_paths), strv_free(l->layer_digests), strv_free(l->names);
	*l = (struct loaded){ 0 };
}

/* Check, store the layers and commit one image; write its names to out_fd. */
static int load_image(struct storage *s, struct loaded *l, int out_fd, struct error **err)
{
	char hex[SHA256_HEX_LEN + 1];
	int64_t csize;
	autofree char *cfg = NULL;
	size_t clen = 0;
	struct oci_config_info ci = { 0 };
	if (file_sha256(l->config_path, hex, &csize, err) < 0 ||
	    fs_read_file(l->config_path, CONFIG_MAX, &cfg, &clen, err) < 0)
		return -1;
	autofree char *cdigest = xasprintf("sha256:%s", hex);
	if (l->digest_want != NULL && strcmp(l->digest_want, cdigest) != 0)
		return err_msg(err, "config digest mismatch: want %s, got %s", l->digest_want,
			       cdigest);
	if (config_decode(cfg, clen, &ci, err) < 0)
		return -1;
	size_t n = strv_len(l->layer_paths);
	int rc = 0;
	if (strv_len(ci.diff_ids) != n)
		rc = err_msg(err, "image config lists %zu layers, the archive %zu",
			     strv_len(ci.diff_ids), n);
	char **chains = xcalloc(n + 1, sizeof(char *));
	struct json_object *mlayers = json_object_new_array();
	int64_t total = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char bhex[SHA256_HEX_LEN + 1];
		int64_t bsize;
		if (file_sha256(l->layer_paths[i], bhex, &bsize, err) < 0) {
			rc = -1;
			break;
		}
		autofree char *bdigest = xasprintf("sha256:%s", bhex);
		if (l->layer_digests != NULL && strcmp(l->layer_digests[i], bdigest) != 0) {
			rc = err_msg(err, "layer digest mismatch: want %s, got %s",
				     l->layer_digests[i], bdigest);
			break;
		}
		struct layer_import li = { .diff_id = ci.diff_ids[i],
					   .blob_digest = bdigest,
					   .blob_size = bsize };
		storage_chain_id(i ? chains[i - 1] : NULL, ci.diff_ids[i], li.chain);
		if (i)
			memcpy(li.parent, chains[i - 1], sizeof(li.parent));
		bool existed;
		rc = store_import_layer(s, &li, fill_from_file, l->layer_paths[i], &existed, err);
		chains[i] = xstrdup(li.chain);
		total += li.size;
		bool plain = strcmp(bdigest, ci.diff_ids[i]) == 0;
		struct json_object *d = json_object_new_object();
		json_object_object_add(
		    d, "mediaType",
		    json_object_new_string(plain ? MT_OCI_LAYER_TAR : MT_OCI_LAYER_GZ));
		json_object_object_add(d, "digest", json_object_new_string(bdigest));
		json_object_object_add(d, "size", json_object_new_int64(bsize));
		json_object_array_add(mlayers, d);
	}
	if (l->manifest == NULL) { /* docker-archive has none: describe what was loaded */
		struct json_object *m = json_object_new_object(), *c = json_object_new_object();
		json_object_object_add(c, "mediaType", json_object_new_string(MT_OCI_CONFIG));
		json_object_object_add(c, "digest", json_object_new_string(cdigest));
		json_object_object_add(c, "size", json_object_new_int64(csize));
		json_object_object_add(m, "schemaVersion", json_object_new_int(2));
		json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
		json_object_object_add(m, "config", c);
		json_object_object_add(m, "layers", json_object_get(mlayers));
		l->manifest = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
		json_object_put(m);
	}
	json_object_put(mlayers);
	char mhex[SHA256_HEX_LEN + 1];
	sha256_hex(l->manifest, strlen(l->manifest), mhex);
	autofree char *mdigest = xasprintf("sha256:%s", mhex);
	if (rc == 0)
		rc = store_put_blob(s, cdigest, cfg, clen, err);
	if (rc == 0)
		rc = store_put_blob(s, mdigest, l->manifest, strlen(l->manifest), err);
	struct image_commit ic = { .config_digest = cdigest,
				   .manifest_digest = mdigest,
				   .chain_ids = chains,
				   .diff_ids = ci.diff_ids,
				   .size = total,
				   .name = l->names && l->names[0] ? l->names[0] : NULL };
	if (rc == 0)
		rc = store_image_commit(s, &ic, err);
	for (size_t i = 1; rc == 0 && l->names && l->names[i]; i++)
		rc = storage_image_tag(s, hex, l->names[i], err);
	for (size_t i = 0; rc == 0 && l->names && l->names[i]; i++)
		dprintf(out_fd, "%s\n", l->names[i]);
	if (rc == 0 && (l->names == NULL || l->names[0] == NULL))
		dprintf(out_fd, "sha256:%s\n", hex);
	strv_free(chains);
	config_info_clear(&ci);
	return rc;
}

/* A name from an archive: docker-archive short names mean docker.io, OCI ones localhost. */
static char *archive_name(const char *in, const char *domain)
{
	struct storage_ref r;
	if (storage_ref_parse(in, &r, NULL) < 0)
		return NULL;
	char *s = storage_ref_qualify(&r, r.domain ? r.domain : domain, NULL) == 0
		      ? storage_ref_string(&r)
		      : NULL;
	storage_ref_clear(&r);
	return s;
}

static struct json_object *read_json(const char *dir, const char *name, struct error **err)
{
	autofree char *p = xasprintf("%s/%s", dir, name);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(p, MANIFEST_MAX, &text, &len, err) < 0)
		return NULL;
	return doc_parse(text, len, name, err);
}

static int load_docker(struct storage *s, const char *dir, int out_fd, struct error **err)
{
	/* An array, which doc_parse (objects only) does not take. */
	autofree char *p = xasprintf("%s/manifest.json", dir);
	autofree char *text = NULL;
	if (fs_read_file(p, MANIFEST_MAX, &text, NULL, err) < 0)
		return -1;
	struct json_object *man = json_tokener_parse(text);
	int rc = 0;
	if (man == NULL || !json_object_is_type(man, json_type_array))
		rc = err_msg(err, "manifest.json: not a JSON array");
	for (size_t i = 0; rc == 0 && i < json_len(man); i++) {
		struct json_object *e = json_idx(man, i), *ls = json_get(e, "Layers");
		const char *config = json_str(e, "Config");
		/* A null Config is there (and named no file): json_get would call it absent. */
		if (!json_object_object_get_ex(e, "Config", NULL) ||
		    !json_object_is_type(ls, json_type_array)) {
			rc = err_msg(err, "manifest.json: entry %zu has no Config or Layers", i);
			break;
		}
		/* File names are strings: a null has no name to make safe. */
		autostrv char **layers = NULL;
		size_t bad = 0;
		if (config == NULL || json_strv_all(ls, &layers, &bad) < 0) {
			rc = err_msg(
			    err, "manifest.json: entry %zu: Config and Layers must name files", i);
			break;
		}
		struct loaded l = { 0 };
		autofree char *cname = safe_name(config);
		l.config_path = xasprintf("%s/%s", dir, cname ? cname : "");
		l.layer_paths = xcalloc(1, sizeof(char *));
		l.names = xcalloc(1, sizeof(char *));
		for (size_t j = 0; layers[j] != NULL; j++) {
			autofree char *ln = safe_name(layers[j]);
			strv_push_take(&l.layer_paths, xasprintf("%s/%s", dir, ln ? ln : ""));
		}
		struct json_object *tags = json_get_type(e, "RepoTags", json_type_array);
		for (size_t j = 0; j < json_len(tags); j++) {
			const char *tag = json_object_get_string(json_idx(tags, j));
			char *nm = tag != NULL ? archive_name(tag, "docker.io") : NULL;
			if (nm != NULL)
				strv_push_take(&l.names, nm);
		}
		rc = load_image(s, &l, out_fd, err);
		loaded_clear(&l);
	}
	json_object_put(man);
	return rc;
}

static char *blob_file(const char *dir, const char *digest)
{
	return storage_digest_valid(digest) ? xasprintf("%s/blobs/sha256/%s", dir, digest + 7)
					    : xasprintf("%s/(invalid digest)", dir);
}

/* One manifest descriptor of index.json (descending into a nested index for the host). */
static int load_oci_entry(struct storage *s, const char *dir, const struct oci_desc *d,
			  const char *name, int out_fd, struct error **err)
{
	autofree char *mpath = blob_file(dir, d->digest);
	autofree char *text = NULL;
	size_t len = 0;
	char hex[SHA256_HEX_LEN + 1];
	int64_t size;
	if (file_sha256(mpath, hex, &size, err) < 0 ||
	    fs_read_file(mpath, MANIFEST_MAX, &text, &len, err) < 0)
		return -1;
	if (strcmp(hex, d->digest + 7) != 0)
		return err_msg(err, "manifest digest mismatch: want %s, got sha256:%s", d->digest,
			       hex);
	enum doc_kind kind;
	if (doc_kind(d->media_type, text, len, &kind, err) < 0)
		return -1;
	if (kind == DOC_INDEX) {
		struct oci_index idx;
		if (index_decode(text, len, &idx, err) < 0)
			return -1;
		const struct oci_desc *sel =
		    index_select(&idx, "linux", storage_host_arch(), NULL, err);
		int rc = sel ? load_oci_entry(s, dir, sel, name, out_fd, err) : -1;
		index_clear(&idx);
		return rc;
	}
	struct oci_manifest m;
	if (manifest_decode(text, len, &m, err) < 0)
		return -1;
	struct loaded l = { .config_path = blob_file(dir, m.config.digest),
			    .digest_want = xstrdup(m.config.digest),
			    .layer_paths = xcalloc(1, sizeof(char *)),
			    .layer_digests = xcalloc(1, sizeof(char *)),
			    .names = xcalloc(1, sizeof(char *)),
			    .manifest = steal_ptr(&text) };
	for (size_t i = 0; i < m.n_layers; i++) {
		strv_push_take(&l.layer_paths, blob_file(dir, m.layers[i].digest));
		strv_push(&l.layer_digests, m.layers[i].digest);
	}
	char *nm = name ? archive_name(name, "localhost") : NULL;
	if (nm != NULL)
		strv_push_take(&l.names, nm);
	int rc = load_image(s, &l, out_fd, err);
	loaded_clear(&l);
	manifest_clear(&m);
	return rc;
}

static int load_oci(struct storage *s, const char *dir, int out_fd, struct error **err)
{
	struct json_object *idx = read_json(dir, "index.json", err), *ms;
	if (idx == NULL)
		return -1;
	int rc = 0;
	if ((ms = json_get_type(idx, "manifests", json_type_array)) == NULL)
		rc = err_msg(err, "index.json: no manifests");
	for (size_t i = 0; rc == 0 && i < json_len(ms); i++) {
		struct json_object *e = json_idx(ms, i);
		struct oci_desc d = { 0 };
		/* Only strings are copied; the digest is checked before it names a file (and
		 * before load_oci_entry compares past its "sha256:"). */
		d.digest = json_str_dup(e, "digest");
		d.media_type = json_str_dup(e, "mediaType");
		const char *nm = json_str(json_get(e, "annotations"), REF_NAME);
		if (!storage_digest_valid(d.digest))
			rc = err_msg(err, "index.json: entry %zu has no valid digest", i);
		else
			rc = load_oci_entry(s, dir, &d, nm, out_fd, err);
		oci_desc_clear(&d);
	}
	json_object_put(idx);
	return rc;
}

struct load_arg {
	int in_fd;
};

static int load_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	struct load_arg *a = arg;
	autofree char *dir = storage_tmpdir(s, "load", err);
	if (dir == NULL)
		return -1;
	int rc = extract(a->in_fd, dir, err);
	autofree char *man = xasprintf("%s/manifest.json", dir);
	autofree char *idx = xasprintf("%s/index.json", dir);
	if (rc == 0 && fs_exists(man))
		rc = load_docker(s, dir, out_fd, err);
	else if (rc == 0 && fs_exists(idx))
		rc = load_oci(s, dir, out_fd, err);
	else if (rc == 0)
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "%s: no manifest.json (docker-archive) or index.json (oci-archive)",
			     NOT_AN_IMAGE);
	fs_rm_rf(dir, NULL);
	return rc;
}

int storage_load(struct storage *s, int in_fd, char ***names, struct error **err)
{
	struct load_arg a = { .in_fd = in_fd };
	autofree char *out = NULL;
	*names = xcalloc(1, sizeof(char *));
	if (store_run_userns(s, 0, load_child, &a, &out, err) < 0)
		return err_wrap(err, "loading the archive");
	for (char *save = NULL, *p = strtok_r(out, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		strv_push(names, p);
	return 0;
}
