/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image storage: references, the registry client, the content store under
 * $XDG_DATA_HOME/hutch, layer unpack and the overlay rootfs of a container.
 */
#pragma once

#include "lib/lib.h"

struct json_object;
struct userns_map;

/*
 * Whether the kernel mounts overlayfs inside a user namespace here (Linux >= 5.11 with
 * userxattr). Probed once by really mounting one under store_dir, and the answer cached in
 * runtime_dir until the next boot. *reason (owned) says why not when *native is false.
 */
int storage_overlay_probe(const char *store_dir, const char *runtime_dir, bool *native,
			  char **reason, struct error **err);

/*
 * Whether fuse-overlayfs can be used: the binary is in $PATH and /dev/fuse opens read-write.
 * *reason (owned) says what is missing, naming the device mode or the package.
 */
bool storage_fuse_usable(char **path, char **reason);

/* The host's architecture in OCI terms: "amd64", "arm64", ... */
const char *storage_host_arch(void);

/* ---------- references ---------- */

/* A parsed image reference. domain is NULL for a short name until qualified. */
struct storage_ref {
	char *domain; /* "docker.io", "127.0.0.1:5000" */
	char *path;   /* "library/alpine" */
	char *tag;    /* "latest" by default; NULL when only a digest was given */
	char *digest; /* "sha256:<hex>" or NULL */
};

/* Parse (and check) a reference; a clear "invalid reference format" error otherwise. */
int storage_ref_parse(const char *s, struct storage_ref *ref, struct error **err);
/*
 * Fill in domain when missing, and Docker Hub's "library/" for one-component paths. Fails
 * (ref changed, still to be cleared) when the name grows past 255 characters, as podman's
 * normalised parse does: a stored name must parse again.
 */
int storage_ref_qualify(struct storage_ref *ref, const char *domain, struct error **err);
/* "domain/path" and "domain/path[:tag][@digest]" (owned). */
char *storage_ref_name(const struct storage_ref *ref);
char *storage_ref_string(const struct storage_ref *ref);
void storage_ref_clear(struct storage_ref *ref);

/* ---------- the store ---------- */

enum storage_driver {
	STORAGE_DRIVER_AUTO = 0, /* native overlay when the probe says so, else fuse */
	STORAGE_DRIVER_OVERLAY,	 /* kernel overlayfs in the user namespace */
	STORAGE_DRIVER_FUSE,	 /* fuse-overlayfs */
	STORAGE_DRIVER_VFS,	 /* accepted for podman's command lines; no container rootfs */
};

struct storage;

/*
 * Open the user's store (root, or NULL for $XDG_DATA_HOME/hutch), creating its layout.
 * driver_name is NULL (then storage.conf's driver, else auto), "overlay", "fuse-overlayfs"
 * or "vfs" (image commands only: a container's rootfs then fails). Free with
 * storage_close.
 */
int storage_open(const char *driver_name, const char *root, struct storage **out,
		 struct error **err);
void storage_close(struct storage **s);
/* A store handle closed when it goes out of scope. */
#define autostore __attribute__((cleanup(storage_close)))
/* The store root (borrowed). */
const char *storage_root(const struct storage *s);

/*
 * Pull progress, as events to a sink the caller gives. A pull's layers form one batch: a
 * START per blob first (item 0, 1, ... in the manifest's order), then BYTES as each
 * downloads (they add up to the blob's size), DONE or ERROR once each ends (a failed pull
 * leaves the blobs it had not reached without one), and END. --all-tags makes one batch per
 * tag. Around a batch: TRYING names each reference as its pull begins (before any START;
 * again for each candidate of a short name, each tag of --all-tags), and STORED follows the
 * END of a pull that stored its image. Events come in order, one at a time, from a thread storage_pull starts and joins
 * before it returns (a sink sharing state with other threads locks it); strings are valid
 * only during the call.
 */
enum storage_progress_kind {
	STORAGE_PROGRESS_START,	 /* label ("Copying blob"), digest ("sha256:..."), total bytes */
	STORAGE_PROGRESS_BYTES,	 /* n more bytes of the item arrived */
	STORAGE_PROGRESS_DONE,	 /* status "done", or "Already exists" (no bytes came) */
	STORAGE_PROGRESS_ERROR,	 /* status "failed" */
	STORAGE_PROGRESS_END,	 /* the batch is over */
	STORAGE_PROGRESS_TRYING, /* label: the full reference being pulled */
	STORAGE_PROGRESS_STORED, /* digest: the config ("sha256:..."); the image is stored */
	STORAGE_PROGRESS_WAIT,	 /* outside batches: status says what the pull waits for (a
				  * registry that cannot be reached yet) */
};

struct storage_progress_event {
	enum storage_progress_kind kind;
	unsigned item; /* the blob's index in its batch (0 for TRYING) */
	const char *label, *digest;
	int64_t total;
	int64_t n;
	const char *status;
};

struct storage_progress_sink {
	void (*event)(void *ctx, const struct storage_progress_event *ev);
	void *ctx;
};

struct storage_pull_opts {
	const char *os, *arch, *variant;	      /* NULL: the host's */
	const char *authfile;			      /* only this auth file */
	const char *creds;			      /* "user[:password]" */
	int tls_verify;				      /* -1 default (registries.conf), 0, 1 */
	const struct storage_progress_sink *progress; /* NULL: a silent pull */
	bool all_tags;
};

/*
 * Pull ref (short names resolve through registries.conf) into the store. Runs the
 * download and unpack as root in a user namespace. *image_id (owned) is the config digest
 * hex. Errors read "pulling REF: ...".
 */
int storage_pull(struct storage *s, const char *ref, const struct storage_pull_opts *o,
		 char **image_id, struct error **err);

/* ---------- login and logout (login.c; reading in auth.c) ---------- */

struct storage_login_opts {
	int tls_verify;	      /* -1: registries.conf, 0: off (http allowed), 1: on */
	const char *cert_dir; /* --cert-dir, or NULL: certs.d */
};

/* The auth file login and logout write: authfile, else $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json. Owned; NULL with err when there is no place. */
char *storage_auth_path(const char *authfile, struct error **err);
/* The auth.json key the registry argument of login/logout stands for: "host[:port]" as
 * given, or "host/path" normalised; a scheme is dropped, a tag or digest refused. NULL
 * input: the first unqualified-search registry of registries.conf. Owned. */
int storage_auth_key(const char *input, char **key, struct error **err);
/* Check "user:password" against key's registry (GET /v2/, Basic or a Bearer token). A
 * refusal is EACCES: `logging into "KEY": invalid username/password`. */
int storage_login_check(const char *key, const char *userpass, const struct storage_login_opts *o,
			struct error **err);
/* Store userpass for key in file (created 0600, temp file and rename; other entries and
 * unknown keys kept). */
int storage_auth_set(const char *file, const char *key, const char *userpass, struct error **err);
/* Remove key's entry from file (key NULL: every entry). No entry: ERR_NOSUCH "not logged
 * into KEY". */
int storage_auth_remove(const char *file, const char *key, struct error **err);
/* The credentials pull would use for key (authfile or the default files): *userpass owned
 * "user:password", or NULL when none. */
int storage_auth_get(const char *authfile, const char *key, char **userpass, struct error **err);
/* A private scratch dir PREFIX-XXXXXX under the store's tmp dir (on its filesystem, not
 * /tmp; gc empties it): owned path; the caller removes it. */
char *storage_tmpdir(struct storage *s, const char *prefix, struct error **err);

/* `push`: where to, and how. */
struct storage_push_opts {
	const char *authfile, *creds; /* as pull's */
	const char *cert_dir;	      /* the only dir of certificates; NULL: certs.d */
	int tls_verify;		      /* -1 default (registries.conf), 0, 1 */
	/* "oci", "v2s2" or "docker"; NULL: the image's own manifest type (OCI for one that has
	 * none, or with zstd) */
	const char *format;
	const char *compression;		      /* "gzip" (NULL) or "zstd" */
	const struct storage_progress_sink *progress; /* NULL: silent */
};

/*
 * Push image (a name or ID in the store) to dest: "docker://REF" or a bare REF (NULL: the
 * image's own name), "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]" or
 * "docker-archive:FILE[:REF]". To a registry, per the distribution spec: blobs the registry
 * has are skipped (HEAD), mounted from another repository of it when the image came from
 * there, else uploaded (monolithic when small, in chunks when large); then the manifest.
 * Layers kept compressed as wanted go as they are (an unchanged pulled image keeps its
 * manifest digest); others are compressed (gzip or zstd). *digest (owned) is the manifest's
 * digest. Errors read as podman's.
 */
int storage_push(struct storage *s, const char *image, const char *dest,
		 const struct storage_push_opts *o, char **digest, struct error **err);
/*
 * The digest ("sha256:...", owned) of the manifest a fully qualified ref names in its
 * registry now, for o's platform (an index's entry for it): what a pull of ref would store
 * as the image's manifest digest. Reads registries.conf (mirrors, insecure), the auth files
 * and o's tls_verify, authfile and creds; stores nothing.
 */
int storage_remote_digest(const char *ref, const struct storage_pull_opts *o, char **digest,
			  struct error **err);

/* One image record. */
struct storage_image {
	char *id;	       /* config digest hex */
	char **names;	       /* "host/path:tag" */
	char **names_history;  /* every name it has had, the current ones first (podman's) */
	char **digests;	       /* "host/path@sha256:..." */
	char *manifest_digest; /* "sha256:..." */
	char **layers;	       /* chain ids (hex), bottom first */
	char **diff_ids;
	int64_t size;	/* unpacked bytes */
	int64_t pulled; /* when the record was written: ns since the epoch (older records: s) */
	struct json_object *config; /* the image config (owned) */
	struct json_object *manifest;
};

void storage_image_free(struct storage_image **img);
/* An image record freed when it goes out of scope. */
#define autoimage __attribute__((cleanup(storage_image_free)))
/* All image records (owned vector of owned records). */
int storage_image_list(struct storage *s, struct storage_image ***imgs, size_t *n,
		       struct error **err);
void storage_image_list_free(struct storage_image **imgs, size_t n);
/*
 * Find an image by ID (or unique ID prefix of 3+ hex digits), full name, or short name
 * (tried against the search registries and localhost). ENOENT error when not found.
 */
int storage_image_lookup(struct storage *s, const char *name, struct storage_image **img,
			 struct error **err);
/* The same without the config and manifest (NULL): what rmi, tag and untag need, which
 * also works for an image whose blobs are damaged. */
int storage_image_lookup_record(struct storage *s, const char *name, struct storage_image **img,
				struct error **err);
/* Add name (normalised) to image id; it moves from any other image that had it. */
int storage_image_tag(struct storage *s, const char *id, const char *name, struct error **err);
/* Remove name from image id; EINVAL when the image does not have it. */
int storage_image_untag(struct storage *s, const char *id, const char *name, struct error **err);
/*
 * `rmi`: with a name that is one of several names (with or without force), only untag:
 * *untagged (owned) is the full name taken off. Otherwise delete the image and the layers
 * no other image uses (an ID of an image with several names needs force). Refuses an image
 * a container uses: containers must be removed first, as podman without --force.
 */
int storage_image_remove(struct storage *s, const char *name, bool force, char **untagged,
			 bool *deleted, char **id, struct error **err);
/*
 * The filters of `images` (podman's --filter): "dangling=true|false", "reference=PATTERN"
 * (a glob on names; every pattern must match one of an image's names), "after=IMAGE" (or
 * "since=IMAGE") and "before=IMAGE": created after or before that image.
 * refs is an owned vector a caller may push more patterns onto (an `images REPO` operand).
 */
struct storage_image_filter {
	int dangling; /* -1: any, 0: tagged only, 1: untagged only */
	char **refs;
	char *after_ref, *before_ref; /* owned; NULL: no such filter */
	int64_t after_ns, before_ns;  /* their creation times, by storage_image_filter_resolve */
};
/* Parse "KEY=VALUE" strings into f (cleared by the caller even on failure); a usage error
 * names an unknown key or a bad value. */
int storage_image_filter_parse(char *const *filters, struct storage_image_filter *f,
			       struct error **err);
/* Look up the images after= and before= name (ENOENT error when one does not exist). */
int storage_image_filter_resolve(struct storage *s, struct storage_image_filter *f,
				 struct error **err);
/* Whether img passes every filter of f. */
bool storage_image_filter_match(const struct storage_image_filter *f,
				const struct storage_image *img);
void storage_image_filter_clear(struct storage_image_filter *f);
/* Whether imgs[i] is an intermediate image of a build, which `images` shows only with
 * --all, as podman's: it has no name, and another image of imgs is made on it (its layers
 * and history begin with imgs[i]'s). */
bool storage_image_intermediate(struct storage_image *const *imgs, size_t n, size_t i);
/* Delete dangling images (all unused with all), then unreferenced layers. */
int storage_prune(struct storage *s, bool all, char ***removed, struct error **err);

/* ---------- an image's documents ---------- */

/* podman's `image inspect` document of img (Id, Digest, RepoTags, Config, RootFS,
 * GraphDriver, History, ...): an owned JSON object. */
struct json_object *storage_image_inspect(struct storage *s, const struct storage_image *img);
/* One entry of the image config's history, with the size of the layer it made. */
struct storage_history_entry {
	const char *id;		/* the image's ID for the newest entry, NULL for the others */
	const char *created;	/* RFC 3339; the strings are borrowed from img, NULL when absent */
	const char *created_by; /* the whole command */
	const char *comment;
	int64_t size; /* bytes of its layer; 0 for an empty_layer entry */
};
/* img's history, newest first: an owned array of *n entries (free), valid while img is. */
struct storage_history_entry *storage_image_history(struct storage *s,
						    const struct storage_image *img, size_t *n);

/* ---------- the API for containers (issue #5) ---------- */

/* What a container needs from its image config; every field owned, NULL when absent. */
struct storage_image_config {
	char **entrypoint;
	char **cmd;
	char **env;
	char *workdir;
	char *user;
	char **exposed_ports; /* "80/tcp" */
	char *stop_signal;
	char **labels;	/* "KEY=VALUE" */
	char **volumes; /* "/path" */
	char **onbuild; /* the instructions as written */
};
/* Is a container's rootfs mounted with fuse-overlayfs's owner mapping (keep-id), so that its
 * upper dir holds the store's usual owners? (rootfs.c) */
bool storage_rootfs_shifted(const struct storage *s, const char *ctr_id);
int storage_image_config_get(const struct storage_image *img, struct storage_image_config *c,
			     struct error **err);
void storage_image_config_clear(struct storage_image_config *c);
/* Write c's fields into an image config's "config" object cc: each field replaces the key
 * (a NULL field removes it). */
void storage_image_config_to_json(const struct storage_image_config *c, struct json_object *cc);
/* The image's layer dirs, topmost first (overlay lowerdir order). Owned vector. */
char **storage_image_layer_dirs(struct storage *s, const struct storage_image *img);

/*
 * Create the container's storage: containers/ID/{upper,work,merged} and a record naming
 * the image, so rmi refuses to delete the image while the container exists, and its layer
 * chain, so the rootfs mounts without reading the image.
 */
int storage_container_create(struct storage *s, const char *ctr_id, const struct storage_image *img,
			     struct error **err);
/* Delete the container's storage (inside the user namespace: the upper dir holds subids). */
int storage_container_remove(struct storage *s, const char *ctr_id, struct error **err);
/* The first step of that alone: rename the container's dir to containers/.trash-ID under
 * meta.lock. 1 when it did, 0 when the dir was gone already, -1 with *err. */
int storage_container_unlist(struct storage *s, const char *ctr_id, struct error **err);
/* Remove containers/.tmp-ID, what a create killed before its rename left (under meta.lock,
 * which the create holds throughout). Failures are only logged (debug). */
void storage_container_drop_tmp(struct storage *s, const char *ctr_id);
/*
 * Removal in two steps, for the monitor of a --rm container: the container is gone once
 * its dir is renamed to the trash under the lock (what storage_container_remove does
 * first; the monitor does it itself, before it reports the exit status), and
 * storage_container_purge then unmounts and deletes the trash. These are the three paths
 * (owned).
 */
void storage_container_unlist_paths(struct storage *s, const char *ctr_id, char **dir, char **trash,
				    char **lock);
/* Unmount the rootfs left in the trash (same namespaces) and delete the trash. */
int storage_container_purge(struct storage *s, const char *ctr_id, struct error **err);
/* IDs of containers that use image_id (owned vector, possibly empty). */
char **storage_image_users(struct storage *s, const char *image_id);

/*
 * Mount the container's rootfs at containers/ID/merged and return that path (owned).
 * Must be called as root inside the container's user namespace and a private mount
 * namespace. Uses the driver chosen at storage_open or settled by storage_driver_resolve
 * (call that on the host side, before entering the namespace: the probe spawns its own
 * namespace). Still "auto" here: try kernel overlay, fall back to fuse-overlayfs, which
 * daemonizes and lives until storage_rootfs_umount (or the mount namespace) ends it.
 * Typical use for `run`: storage_image_lookup -> storage_image_config_get ->
 * storage_driver_resolve -> storage_container_create -> (fork into userns+mountns)
 * storage_rootfs_mount -> pivot_root -> ... -> storage_container_remove.
 */
int storage_rootfs_mount(struct storage *s, const char *ctr_id, char **mountpoint,
			 struct error **err);
/* The same for a container removed when it exits (--rm): the kernel overlay is mounted
 * "volatile", so that its unmount does not sync the filesystem under the upper dir (without
 * the option where the kernel refuses it). */
int storage_rootfs_mount_volatile(struct storage *s, const char *ctr_id, char **mountpoint,
				  struct error **err);
/*
 * The owners of the rootfs shown through a mapping (fuse-overlayfs's uidmapping and
 * gidmapping: "STORED:SHOWN:COUNT" triples, colon-joined): a container whose user namespace
 * maps ids otherwise than the one the store was filled in (--userns keep-id) sees the
 * image's owners as the image has them, and what it writes is stored as the others'.
 */
struct storage_idmap {
	const char *uids, *gids;
};
/* storage_rootfs_mount (vol: _volatile) with owners shown through map, on fuse-overlayfs;
 * where fuse-overlayfs is not usable, as storage_rootfs_mount (owners as stored). */
int storage_rootfs_mount_mapped(struct storage *s, const char *ctr_id, bool vol,
				const struct storage_idmap *map, char **mountpoint,
				struct error **err);
/* Unmount it (same namespaces). ENOENT/EINVAL (not mounted) are not errors. */
int storage_rootfs_umount(struct storage *s, const char *ctr_id, struct error **err);
/* The driver chosen at storage_open (--storage-driver or storage.conf), AUTO when none was
 * and no mount has resolved it yet. No probe. */
enum storage_driver storage_driver_chosen(const struct storage *s);
/* The driver a mount would use now ("overlay" or "fuse-overlayfs"), probing if needed. */
int storage_driver_resolve(struct storage *s, enum storage_driver *d, struct error **err);
/* Unpacked size of each of the image's layers, bottom first (owned array). */
int64_t *storage_image_layer_sizes(struct storage *s, const struct storage_image *img);
/* IDs of all container records (owned vector). */
char **storage_container_list(struct storage *s);

/* ---------- the consistency check (check.c) ---------- */

enum storage_damage_kind {
	STORAGE_DAMAGE_LAYER,
	STORAGE_DAMAGE_IMAGE,
	STORAGE_DAMAGE_CONTAINER,
	STORAGE_DAMAGE_LEFTOVER, /* temp dirs, orphans, dangling names, stale run dirs */
};

/* One finding: what (a layer chain, an image or container ID, or a path relative to the
 * store or the runtime dir's path for a leftover), why, and what --repair did. */
struct storage_damage {
	enum storage_damage_kind kind;
	char *id;
	char *problem;
	bool mended;   /* --repair removed it (or, restored, put it right) */
	bool restored; /* mended by restoring, not removing (a missing name) */
	char *done;    /* mended otherwise: what the repair did (owned), or NULL */
};

struct storage_check_report {
	struct storage_damage *v;
	size_t n;
};

struct storage_check_opts {
	bool quick;  /* skip hashing the blobs */
	bool repair; /* remove damaged images not in use, orphan layers and blobs, leftovers */
};

/* Add a finding to r; problem is a printf format. Returns the entry (borrowed). */
struct storage_damage *storage_check_add(struct storage_check_report *r,
					 enum storage_damage_kind kind, const char *id,
					 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void storage_check_report_clear(struct storage_check_report *r);
/*
 * Check the image store: blobs against their digests (not with quick), image records
 * against their config, manifest and layers, layers (layer.json, diff dir, chain ID), and
 * leftovers: layers and blobs of no image or container, temp and trash dirs of killed
 * commands. With repair, under gc.lock held exclusively, remove damaged images that no
 * container uses, and the orphans and leftovers. Findings are appended to r.
 */
int storage_check(struct storage *s, const struct storage_check_opts *o,
		  struct storage_check_report *r, struct error **err);
/* Delete the whole store, and also (a path, may be NULL) first: system reset. */
int storage_reset(struct storage *s, const char *also, struct error **err);
/* The first layer of the container's chain that is missing (owned), NULL when none is (or
 * the container has no storage record: an infra container). */
char *storage_container_missing_layer(struct storage *s, const char *ctr_id);

/* ---------- archives: save, load, import, export ---------- */

enum storage_archive_format {
	STORAGE_ARCHIVE_DOCKER = 0, /* docker-archive: manifest.json, CONFIG.json, LAYER.tar */
	STORAGE_ARCHIVE_OCI,	    /* oci-archive: an OCI image layout in a tar */
};

/*
 * Write images (names or IDs; several only in a docker-archive) as a tar to out_fd. Layers
 * are written again from the store, uncompressed; when they differ from the tars the image
 * came with, the config's diff_ids are updated (the saved image then has another ID).
 */
int storage_save(struct storage *s, char *const *images, enum storage_archive_format format,
		 int out_fd, struct error **err);
/* The same for one image, named name in the archive (NULL: as save names it). */
int storage_save_as(struct storage *s, const char *image, const char *name,
		    enum storage_archive_format format, int out_fd, struct error **err);
/*
 * Read a docker-archive or oci-archive (possibly compressed) from in_fd, verify every
 * digest and store its images. *names (owned) gets each image's names, or "sha256:ID" for
 * one without.
 */
int storage_load(struct storage *s, int in_fd, char ***names, struct error **err);
/* Whether s is an http:// or https:// URL (load -i takes one, as podman's does). */
bool storage_is_url(const char *s);
/* Write the body of url (http or https, redirects followed) to fd. Errors read
 * "fetching URL: ...". */
int storage_fetch_url(const char *url, int fd, struct error **err);

/* What `import` puts into the new image's config besides the one layer. */
struct storage_import_opts {
	const struct storage_image_config *config; /* Cmd, Entrypoint, Env, WorkingDir, User */
	const char *message;			   /* history comment, or NULL */
	const char *name;			   /* image name, or NULL for none */
};
/*
 * Apply `import`/`commit --change` instructions to c, in order: "KEY=VALUE" or "KEY VALUE"
 * with KEY (any case) podman's list: CMD or ENTRYPOINT (a JSON array of strings, else a
 * string for /bin/sh -c), ENV and LABEL (NAME=VALUE or NAME VALUE, added or replaced),
 * EXPOSE (ports, "/tcp" by default) and VOLUME (paths or a JSON array, added), ONBUILD
 * (added), WORKDIR, USER and STOPSIGNAL (replaced). Usage errors name the bad one.
 */
int storage_import_changes(struct storage_image_config *c, char *const *changes,
			   struct error **err);
/* Make an image of one layer from a rootfs tar (possibly compressed) read from in_fd. */
int storage_import(struct storage *s, int in_fd, const struct storage_import_opts *o,
		   char **image_id, struct error **err);
/* A name for a new image: short names go under localhost/, as podman's tag and commit do
 * (owned "host/path:tag", NULL with an "invalid reference format" error). */
char *storage_name_localhost(const char *name, struct error **err);

/* `commit`: what the new image is made of. */
struct storage_commit_opts {
	const char *ctr_id;			   /* its upper dir is the new layer */
	const struct storage_image *image;	   /* the container's image: the parent */
	const char *image_name;			   /* as the container names it ("FROM ...") */
	const struct storage_image_config *config; /* the container's settings, changes applied */
	const char *author, *message;		   /* NULL: none */
	bool docker; /* docker's manifest and config types, else OCI */
	bool squash; /* one layer of the whole rootfs, no parent's (the container must not run) */
	const char *name; /* the new image's name, or NULL */
	/* The container's user namespace nested in the store's (--userns=keep-id): its files'
	 * owners are mapped back through it. NULL: the container uses the store's mapping. */
	const struct userns_map *ids;
};
/*
 * Store ctr_id's changes (its overlay upper dir) as a layer on top of o->image and an image
 * of that with o->config: *image_id (owned) is its ID. The container may run: its upper dir
 * is read as it is meanwhile (the caller pauses it for a still one).
 */
int storage_commit(struct storage *s, const struct storage_commit_opts *o, char **image_id,
		   struct error **err);
/*
 * Write container ctr_id's rootfs (image layers plus its own changes, as mounted) as a tar
 * to out_fd. The rootfs is mounted in a private user and mount namespace for this; the
 * container must not be running.
 */
int storage_export(struct storage *s, const char *ctr_id, int out_fd, struct error **err);

/* ---------- build: one step's image (commit.c) ---------- */

/* Fill a working rootfs (rootfd, the mounted rootfs; borrowed): run as root in the user
 * namespace. */
typedef int (*storage_build_fill)(void *arg, int rootfd, struct error **err);
/* A build step: the parent image plus, maybe, one layer, with the config given. */
struct storage_build_step {
	const struct storage_image *parent; /* NULL: scratch */
	/* The whole image config to write (borrowed): its rootfs.diff_ids are set to the
	 * parent's plus the new layer's; history must have the step's entry already. */
	struct json_object *config;
	/* The layer: this container's upper dir (RUN), or fill called on a working
	 * rootfs of the parent made for it (COPY, ADD); neither: no layer (metadata). */
	const char *ctr_id;
	storage_build_fill fill;
	void *fill_arg;
	bool docker; /* docker's manifest and config media types, else OCI */
};
/* Store the step's image, unnamed; *image_id (owned) its ID. */
int storage_build_step(struct storage *s, const struct storage_build_step *o, char **image_id,
		       struct error **err);
/* Now, RFC 3339 with nanoseconds (UTC), owned. */
char *storage_now_rfc3339(void);
/* The layer cache: the image a step of this key made (owned; NULL when none, or when
 * that image is gone), and recording one. key: hex. */
char *storage_build_cache_get(struct storage *s, const char *key);
int storage_build_cache_put(struct storage *s, const char *key, const char *image_id,
			    struct error **err);
/* Unpack a (possibly compressed) tar from fd into dirfd, every path inside it, as pulls
 * do (ADD of a local archive); run as root in the user namespace. */
int storage_unpack_into(int fd, int dirfd, struct error **err);
