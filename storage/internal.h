/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the files of storage/: references, registries.conf, auth, the
 * registry client, document decoders, the store layout and layer unpack. Nothing outside
 * storage/ includes this; the public API is storage/storage.h.
 */
#pragma once

#include "storage/storage.h"
#include "userns/userns.h"

#include "lib/json.h"
#include <pthread.h>
#include <time.h>

/* ---------- references (reference.c) ---------- */

/* True for "sha256:" plus 64 lowercase hex digits. */
bool storage_digest_valid(const char *d);
/* True for a tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool storage_tag_valid(const char *s);

/* ---------- registries.conf (regconf.c) ---------- */

struct regconf_mirror {
	char *location;
	bool insecure;
};

struct regconf_registry {
	char *prefix; /* NULL: same as location */
	char *location;
	bool insecure;
	bool blocked;
	struct regconf_mirror *mirrors;
	size_t n_mirrors;
};

struct storage_regconf {
	char **search; /* unqualified-search-registries */
	char *short_name_mode;
	struct regconf_registry *regs;
	size_t n_regs;
	char **alias_keys; /* [aliases], parallel vectors */
	char **alias_vals;
};

/* Parse text (named file in messages) on top of what c already holds. */
int storage_regconf_parse(const char *file, const char *text, struct storage_regconf *c,
			  struct error **err);
/* The user's file or else the system file, then the drop-in directories. */
int storage_regconf_load(struct storage_regconf *c, struct error **err);
/*
 * The reading shared by the containers config files (registries.conf, containers.conf):
 * path's text (at most max bytes) goes to parse; a file that is not there is nothing
 * unless must. storage_conf_dropins does so for each DIR/ *.conf in name order.
 */
typedef int (*storage_conf_parse_fn)(const char *path, const char *text, void *arg,
				     struct error **err);
int storage_conf_file(const char *path, size_t max, bool must, storage_conf_parse_fn parse,
		      void *arg, struct error **err);
int storage_conf_dropins(const char *dir, size_t max, bool must, storage_conf_parse_fn parse,
			 void *arg, struct error **err);
void storage_regconf_clear(struct storage_regconf *c);
/* The [[registry]] whose prefix matches "host/path" best; *matched = prefix length. */
const struct regconf_registry *storage_regconf_find(const struct storage_regconf *c,
						    const char *name, size_t *matched);
/* The alias for a short name, or NULL. Borrowed. */
const char *storage_regconf_alias(const struct storage_regconf *c, const char *shortname);

/* ---------- the pull's limits (pullconf.c): containers.conf [engine] ---------- */

#define PULL_REQUEST_TIMEOUT 120 /* s */
#define PULL_STALL_TIMEOUT 30	 /* s */
#define PULL_LAYER_MAX_RATIO 100
/* What the layers of a pull may unpack to whatever their compressed size. */
#define PULL_LAYER_FLOOR (64LL << 20)

struct storage_pullconf {
	long request_timeout; /* pull_request_timeout: seconds for a request but a blob's body */
	long stall_timeout;   /* pull_stall_timeout: seconds without useful progress */
	long layer_max_ratio; /* pull_layer_max_ratio: unpacked / compressed bytes; 0: no bound */
};

void storage_pullconf_defaults(struct storage_pullconf *c);
/* Read our keys of text's [engine] table (named file in messages) into c. */
int storage_pullconf_parse(const char *file, const char *text, struct storage_pullconf *c,
			   struct error **err);
/* The defaults, then containers.conf files in podman's order. */
int storage_pullconf_load(struct storage_pullconf *c, struct error **err);

/* ---------- credentials (auth.c) ---------- */

/*
 * Credentials for registry host (and repository path, for namespaced auth.json entries):
 * --creds, else --authfile (only), else the default auth.json files in order. *userpass
 * (owned, "user:password") is NULL when none are configured.
 */
int storage_auth_lookup(const char *host, const char *path, const char *authfile, const char *creds,
			char **userpass, struct error **err);

/* ---------- registry client (registry.c) ---------- */

struct reg_opts {
	int tls_verify;	      /* -1: from registries.conf, 0: off (http allowed), 1: on */
	bool insecure;	      /* registries.conf insecure = true */
	const char *userpass; /* basic credentials or NULL */
	long
	    request_timeout; /* seconds for a request but a blob stream, retries included; 0: none */
	long stall_timeout;  /* seconds without useful progress that make a stall; 0: never */
	int progress_fd; /* the pull's progress pipe (WAIT notes while connecting); <= 0: none */
	bool push;	 /* a token for pull and push on repo (else pull only) */
	char *const *mount_from; /* more repositories of the registry to read (pull scope), for
				  * cross-repository mounts; NULL: none */
	const char *cert_dir;	 /* --cert-dir: the only certificate dir; NULL: certs.d */
};

struct reg_client;

/* Connect to host (a registry name as in a reference): ping /v2/ and learn the auth scheme.
 * An empty repo asks tokens for no repository (login's check of the credentials). */
int reg_open(const char *host, const char *repo, const struct reg_opts *o, struct reg_client **out,
	     struct error **err);
void reg_close(struct reg_client **c);
/* GET a manifest by tag or digest; verifies the digest. Owned outputs. */
int reg_get_manifest(struct reg_client *c, const char *ref, char **body, size_t *len,
		     char **media_type, char **digest, struct error **err);
/* GET a small blob (config) into memory, at most max bytes, verified against digest. */
int reg_get_blob(struct reg_client *c, const char *digest, size_t max, char **body, size_t *len,
		 struct error **err);

/* Receives blob bytes in order; returns 0, or -1 to abort (err set). */
typedef int (*reg_sink)(void *arg, const void *data, size_t len, struct error **err);
/*
 * Stream a blob of `size` bytes to sink, retrying dropped connections and 5xx with
 * backoff, resuming with Range from the last byte delivered. Does not verify the digest:
 * the sink hashes as it goes.
 */
int reg_stream_blob(struct reg_client *c, const char *digest, int64_t size, reg_sink sink,
		    void *arg, struct error **err);
/* ---------- the push side (registry.c) ---------- */

/* HEAD a blob of size bytes: 1 when the registry has it, 0 when not (404, or a 200 that
 * names neither the digest nor the size), -1 on error. */
int reg_blob_exists(struct reg_client *c, const char *digest, int64_t size, struct error **err);
/* Mount digest from repository from (same registry): 1 when mounted, 0 when the registry
 * started an upload instead (*location, owned: where it goes on), -1 on error. */
int reg_blob_mount(struct reg_client *c, const char *digest, const char *from, char **location,
		   struct error **err);
/* Bytes to upload: len bytes of fd from off (pread), or of mem when fd < 0; with len -1,
 * fd is a stream (a pipe) read to its end, sent once (no retry). */
struct reg_upload {
	int fd;
	int64_t off, len;
	const char *mem;
	/* called as bytes go out (may be NULL) */
	void (*sent)(void *arg, int64_t n);
	void *arg;
};
/*
 * Upload a blob of size bytes from fd (or mem): a monolithic POST then PUT below chunk
 * bytes, else PATCH in chunks of that many bytes (Content-Range) and a closing PUT. location:
 * an upload the registry started already (a refused mount), or NULL.
 */
int reg_blob_upload(struct reg_client *c, const char *digest, const struct reg_upload *body,
		    int64_t chunk, const char *location, struct error **err);
/* A streamed upload, for a blob whose digest is known only once it is sent: start it
 * (*location, owned), send a stream in one PATCH (chunked transfer encoding; *location moves
 * on), and close it with the digest. */
int reg_upload_start(struct reg_client *c, char **location, struct error **err);
int reg_upload_stream(struct reg_client *c, char **location, const struct reg_upload *body,
		      struct error **err);
int reg_upload_finish(struct reg_client *c, const char *location, const char *digest,
		      struct error **err);
/* PUT a manifest under ref (a tag or digest) with its media type. */
int reg_put_manifest(struct reg_client *c, const char *ref, const char *media_type,
		     const char *body, size_t len, struct error **err);

/* List tags (GET /v2/NAME/tags/list). */
int reg_list_tags(struct reg_client *c, char ***tags, struct error **err);
/* Process-wide curl setup; call once before threads. */
void reg_global_init(void);

/* ---------- layer compression for push (compress.c) ---------- */

enum layer_compression {
	LAYER_GZIP,
	LAYER_ZSTD,
};
struct compressor;
struct store_hashed_out;
/* A compressor writing to out (borrowed; store_hashed_write hashes and counts): gzip as
 * parallel members, zstd multithreaded. */
struct compressor *compressor_new(enum layer_compression kind, struct store_hashed_out *out,
				  struct error **err);
int compressor_write(struct compressor *c, const void *data, size_t len, struct error **err);
/* End the stream (when ok; else only free) and free the compressor. */
int compressor_finish(struct compressor **c, bool ok, struct error **err);

/* ---------- documents (manifest.c) ---------- */

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"

#define MANIFEST_MAX (4 << 20)
#define CONFIG_MAX (16 << 20)

enum doc_kind {
	DOC_MANIFEST,
	DOC_INDEX
};

struct oci_desc {
	char *media_type;
	char *digest;
	int64_t size;
	char *os, *arch, *variant; /* index entries only */
};

struct oci_manifest {
	char *media_type;
	struct oci_desc config;
	struct oci_desc *layers;
	size_t n_layers;
};

struct oci_index {
	struct oci_desc *manifests;
	size_t n;
};

struct oci_config_info {
	char **diff_ids;
	char *os, *arch, *variant, *created;
};

/* Which document this is, from the Content-Type (may be NULL) and the body. */
int doc_kind(const char *content_type, const char *body, size_t len, enum doc_kind *kind,
	     struct error **err);
int manifest_decode(const char *body, size_t len, struct oci_manifest *m, struct error **err);
void manifest_clear(struct oci_manifest *m);
int index_decode(const char *body, size_t len, struct oci_index *x, struct error **err);
void index_clear(struct oci_index *x);
/* The entry for os/arch/variant (NULL variant: any, preferring the arch default). */
const struct oci_desc *index_select(const struct oci_index *x, const char *os, const char *arch,
				    const char *variant, struct error **err);
int config_decode(const char *body, size_t len, struct oci_config_info *c, struct error **err);
void config_info_clear(struct oci_config_info *c);
/* Is this a layer media type we can unpack? */
bool layer_media_type_ok(const char *mt);
/* The host's GOARCH name (amd64, arm64...). */
/* Parse a JSON document (at most max bytes) into an object; error names what. */
struct json_object *doc_parse(const char *body, size_t len, const char *what, struct error **err);
void oci_desc_clear(struct oci_desc *d);

/* ---------- the store (store.c, images.c, layers.c) ---------- */

struct storage {
	char *root;    /* $XDG_DATA_HOME/hutch */
	char *runtime; /* $XDG_RUNTIME_DIR/hutch */
	enum storage_driver driver;
	struct userns_map map;
	bool map_loaded;
	bool in_userns; /* this copy lives in a child already in the store's user namespace */
};

/* flock on root/NAME; returns an fd (owned) or -1. exclusive or shared; nb: don't wait. */
int store_lock(struct storage *s, const char *name, bool exclusive, bool nb, struct error **err);
/* The chain id after parent (NULL for the bottom layer) and diff_id; hex written to out. */
void storage_chain_id(const char *parent_hex, const char *diff_id, char out[SHA256_HEX_LEN + 1]);
/* Lowercase hex digits only (an empty string too): IDs, chain IDs, their prefixes. */
bool store_is_hex(const char *s);
/* Path of a layer's diff dir (owned). */
char *store_layer_dir(struct storage *s, const char *chain_hex);
/* layers/CHAIN/LAYER_BLOB: the layer's blob as pulled (compressed), when it was kept. */
#define LAYER_BLOB "blob"
bool store_layer_exists(struct storage *s, const char *chain_hex);
/*
 * Write a store file atomically against a killed process (temp file, rename) but without
 * fsync: on ext4 (data=ordered) one fsync after an unpack flushes every layer byte written
 * so far, which tripled the time of a cold pull. Like containers/storage, the store is
 * consistent across kills, not across power loss.
 */
int store_write(const char *path, const void *data, size_t len, struct error **err);
/* Store a verified document under blobs/sha256/HEX. */
int store_put_blob(struct storage *s, const char *digest, const char *data, size_t len,
		   struct error **err);
int store_get_blob(struct storage *s, const char *digest, size_t max, char **data, size_t *len,
		   struct error **err);
/* Run fs_rm_rf(path) inside the user namespace (the tree belongs to subordinate ids). */
int store_rm_tree(struct storage *s, const char *path, struct error **err);
int store_map(struct storage *s, const struct userns_map **m, struct error **err);

/* A new image record from a pulled/loaded image; names are added (taken from others). */
struct image_commit {
	const char *config_digest;
	const char *manifest_digest;
	char **chain_ids; /* hex, bottom first */
	char **diff_ids;
	int64_t size;		 /* sum of the layers' unpacked sizes */
	const char *name;	 /* "host/path:tag" to add, or NULL */
	const char *repo_digest; /* "host/path@sha256:..." or NULL */
};
int store_image_commit(struct storage *s, const struct image_commit *c, struct error **err);
/* Layer records: diff_id, size. */
int store_layer_info(struct storage *s, const char *chain_hex, char **diff_id, int64_t *size,
		     struct error **err);

/* Set in the pull child, which already runs as root in the user namespace. */

/* ---------- unpack (unpack.c) ---------- */

struct unpack_result {
	char diff_id[7 + SHA256_HEX_LEN + 1]; /* "sha256:" + hex of the uncompressed tar */
	int64_t size;			      /* uncompressed bytes */
};

/* A bound on the decompressed bytes of unpacks, shared by the threads of one pull. */
struct unpack_budget {
	_Atomic int64_t left; /* below 0: spent, every unpack using it fails with EFBIG */
};

/*
 * Unpack a (possibly gzip/zstd-compressed) tar read from fd into the directory dirfd,
 * converting whiteouts to the overlay form: 0/0 char devices and user.overlay.opaque.
 * Every path is resolved inside dirfd (openat2 RESOLVE_IN_ROOT); entries that climb out
 * with ".." are refused. On success fd has been read to EOF (the sender's hash is whole).
 * Run as root in the user namespace so ownership lands on subordinate ids. Every
 * decompressed byte is taken from budget (NULL: unbounded) before it is used.
 */
int unpack_tar_fd(int fd, int dirfd, struct unpack_budget *budget, struct unpack_result *res,
		  struct error **err);

/* ---------- storing a layer (layers.c): pull, load and import share this ---------- */

struct layer_import {
	char chain[SHA256_HEX_LEN + 1];	 /* "" with diff_id NULL: known after the unpack */
	char parent[SHA256_HEX_LEN + 1]; /* "" for the bottom layer */
	const char *diff_id;		 /* "sha256:..." the image config promises, or NULL */
	const char *blob_digest;	 /* the (compressed) blob, for layer.json; NULL: diff_id */
	int64_t blob_size;
	int64_t size; /* out: unpacked bytes */
};

/* Fill dirfd, the new layer's empty diff dir, from some source (unpack_tar_fd). */
typedef int (*layer_fill)(void *arg, int dirfd, struct unpack_result *res, struct error **err);

/*
 * Store one layer unless it is there already (*existed): under layers/CHAIN.lock, fill
 * layers/.tmp-CHAIN/diff, check the diff ID against li->diff_id, write layer.json and
 * rename to layers/CHAIN. With li->diff_id NULL (import: a bottom layer whose digest is
 * unknown until read) the chain is set from the diff ID the fill reports. A failure
 * removes the temporary dir. Runs as root in the user namespace.
 */
int store_import_layer(struct storage *s, struct layer_import *li, layer_fill fill, void *arg,
		       bool *existed, struct error **err);

/* ---------- a layer from an overlay upper dir (commit.c): commit and build ---------- */

struct tar_ids;

struct layer_new {
	char chain[SHA256_HEX_LEN + 1];
	char diff_id[7 + SHA256_HEX_LEN + 1];	  /* "sha256:" of the tar */
	char blob_digest[7 + SHA256_HEX_LEN + 1]; /* "sha256:" of the gzipped tar */
	int64_t blob_size;			  /* gzipped bytes */
	int64_t size;				  /* unpacked bytes */
};

/*
 * Store the overlay upper dir upper_fd (borrowed; a container's, so hostile: read by fds,
 * nothing followed) as a layer on top of parent_chain (NULL or "": a bottom layer): deleted
 * files become .wh. whiteouts, opaque dirs .wh..wh..opq; owners are read as this user
 * namespace maps them (run as root in the store's) and mapped back through ids, for a
 * container's mapping nested in it (NULL: none, the store's ids are the container's). The
 * gzipped tar is kept beside the layer as its blob. out is filled on success.
 */
int store_layer_from_upper(struct storage *s, int upper_fd, const struct tar_ids *ids,
			   const char *parent_chain, struct layer_new *out, struct error **err);

/* ---------- tar writing (tarwrite.c) and archives (save.c, load.c, import.c) ---------- */

struct archive;
/* An archive's (or a plain) output: bytes written to fd, hashed into h, counted in n. */
struct store_hashed_out {
	int fd;
	struct sha256_ctx *h;
	int64_t n;
};
/* libarchive's write callback for a struct store_hashed_out (a may be NULL) (save.c). */
ssize_t store_hashed_write(struct archive *a, void *arg, const void *buf, size_t len);
/*
 * Write the tree at root (an absolute path) into a, sorted, with owners, modes, times,
 * xattrs and hard links. layer: overlay whiteouts and opaque dirs go out in the OCI form.
 */
int tar_write_tree(struct archive *a, const char *root, bool layer, struct error **err);
/*
 * Owners as a container with its own mapping nested in the store's (--userns=keep-id) sees
 * them: map takes the store's ids back to the container's. The store's 0 is the image's
 * root and the keep-id user alike: an entry whose path is owned by 0 in one of lowers (the
 * image's layer dirs, topmost first) too keeps 0, as a copy-up of the image's file.
 */
struct tar_ids {
	const struct userns_map *map;
	const int *lowers;
	size_t n_lowers;
};
/* The same from an open directory (borrowed), which may be hostile: an overlay upper dir.
 * ids: NULL when the owners as this namespace sees them are the tar's. */
int tar_write_tree_at(struct archive *a, int dirfd, bool layer, const struct tar_ids *ids,
		      struct error **err);

/* What a function run by store_run_userns gets: its argument and the result pipe. */
typedef int (*store_child_fn)(struct storage *s, void *arg, int out_fd, struct error **err);
/*
 * Run fn as root in a user namespace (plus extra_flags) holding gc.lock shared, dying with
 * the CLI. What it writes to out_fd (keep it under a pipe's 64 KiB) comes back in *out
 * (owned, may be NULL).
 */
int store_run_userns(struct storage *s, int extra_flags, store_child_fn fn, void *arg, char **out,
		     struct error **err);

/* ---------- the check (check.c) and what it reads ---------- */

/* Every image record without its blobs, damaged ones too (owned; storage_image_list_free). */
int store_image_records(struct storage *s, struct storage_image ***imgs, size_t *n,
			struct error **err);
/* The layer chain a container.json keeps (owned), NULL when it has none that is valid. */
char **store_record_layers(struct json_object *rec);
/* Remove the leftovers of killed commands that no live one can own (storage_open). */
void store_sweep(struct storage *s);
