/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `import` and `export`. Import stores a rootfs tar as the one layer of a new image
 * through store_import_layer (the layer's digest is known only once the stream is read)
 * and writes a config and manifest for it, with the --change instructions applied
 * (storage_import_changes). Export mounts a container's rootfs in a
 * private user and mount namespace (storage_rootfs_mount) and writes it as a tar.
 */
#include "storage/internal.h"

#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

/* "KEY=VALUE" or "KEY VALUE" of --change. */
static int split_change(const char *in, char **key, const char **val, struct error **err)
{
	size_t k = strcspn(in, "= \t");
	if (k == 0 || in[k] == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "invalid --change \"%s\": want KEY=VALUE",
			       in);
	*key = xstrndup(in, k);
	for (char *p = *key; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	*val = in + k + 1;
	while (**val == ' ' || **val == '\t')
		(*val)++;
	return 0;
}

/* CMD/ENTRYPOINT: a JSON array (exec form) or a string run by /bin/sh -c (shell form). */
static int parse_command(const char *key, const char *val, char ***out, struct error **err)
{
	strv_free(*out);
	*out = xcalloc(1, sizeof(char *));
	if (*val != '[') {
		strv_push(out, "/bin/sh");
		strv_push(out, "-c");
		strv_push(out, val);
		return 0;
	}
	struct json_object *a = json_tokener_parse(val);
	bool ok = a != NULL && json_object_is_type(a, json_type_array);
	for (size_t i = 0; ok && i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		ok = json_object_is_type(e, json_type_string);
		if (ok)
			strv_push(out, json_object_get_string(e));
	}
	json_object_put(a);
	return ok ? 0
		  : err_set(err, EINVAL, ERR_USAGE,
			    "invalid --change %s: \"%s\" is not a JSON array of strings", key, val);
}

static int apply_change(struct storage_image_config *c, const char *change, struct error **err)
{
	autofree char *key = NULL;
	const char *val = NULL;
	if (split_change(change, &key, &val, err) < 0)
		return -1;
	if (strcmp(key, "CMD") == 0)
		return parse_command(key, val, &c->cmd, err);
	if (strcmp(key, "ENTRYPOINT") == 0)
		return parse_command(key, val, &c->entrypoint, err);
	if (strcmp(key, "ENV") == 0) {
		size_t n = strcspn(val, "= \t");
		if (n == 0 || val[n] == '\0')
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --change ENV \"%s\": want NAME=VALUE", val);
		strv_push_take(&c->env, xasprintf("%.*s=%s", (int)n, val, val + n + 1));
		return 0;
	}
	if (strcmp(key, "WORKDIR") == 0 || strcmp(key, "USER") == 0) {
		char **field = key[0] == 'W' ? &c->workdir : &c->user;
		free(*field);
		*field = xstrdup(val);
		return 0;
	}
	return err_set(err, EINVAL, ERR_USAGE,
		       "unsupported --change key \"%s\": hutch supports CMD, ENTRYPOINT, ENV, "
		       "WORKDIR and USER",
		       key);
}

int storage_import_changes(struct storage_image_config *c, char *const *changes, struct error **err)
{
	for (size_t i = 0; changes != NULL && changes[i] != NULL; i++)
		if (apply_change(c, changes[i], err) < 0)
			return -1;
	return 0;
}

static char *now_rfc3339(void)
{
	char buf[64];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* The image config of an imported layer (owned text). */
static char *import_config(const struct storage_import_opts *o, const char *diff_id)
{
	const struct storage_image_config *c = o->config;
	autofree char *now = now_rfc3339();
	struct json_object *cfg = json_object_new_object(), *cc = json_object_new_object();
	if (c != NULL && c->cmd != NULL)
		json_object_object_add(cc, "Cmd", json_from_strv(c->cmd));
	if (c != NULL && c->entrypoint != NULL)
		json_object_object_add(cc, "Entrypoint", json_from_strv(c->entrypoint));
	if (c != NULL && c->env != NULL)
		json_object_object_add(cc, "Env", json_from_strv(c->env));
	if (c != NULL && c->workdir != NULL)
		json_object_object_add(cc, "WorkingDir", json_object_new_string(c->workdir));
	if (c != NULL && c->user != NULL)
		json_object_object_add(cc, "User", json_object_new_string(c->user));
	json_object_object_add(cfg, "created", json_object_new_string(now));
	json_object_object_add(cfg, "architecture", json_object_new_string(storage_host_arch()));
	json_object_object_add(cfg, "os", json_object_new_string("linux"));
	json_object_object_add(cfg, "config", cc);
	struct json_object *rootfs = json_object_new_object(), *ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(diff_id));
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", ids);
	json_object_object_add(cfg, "rootfs", rootfs);
	struct json_object *h = json_object_new_object(), *hist = json_object_new_array();
	json_object_object_add(h, "created", json_object_new_string(now));
	json_object_object_add(h, "created_by",
			       json_object_new_string("/bin/sh -c #(nop) ADD "
						      "file:imported in / "));
	if (o->message != NULL)
		json_object_object_add(h, "comment", json_object_new_string(o->message));
	json_object_array_add(hist, h);
	json_object_object_add(cfg, "history", hist);
	char *text = xstrdup(json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN));
	json_object_put(cfg);
	return text;
}

static char *import_manifest(const char *config, const char *diff_id, int64_t size)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(config, strlen(config), hex);
	autofree char *cd = xasprintf("sha256:%s", hex);
	struct json_object *m = json_object_new_object(), *c = json_object_new_object();
	json_object_object_add(c, "mediaType", json_object_new_string(MT_OCI_CONFIG));
	json_object_object_add(c, "digest", json_object_new_string(cd));
	json_object_object_add(c, "size", json_object_new_int64((int64_t)strlen(config)));
	struct json_object *l = json_object_new_object(), *ls = json_object_new_array();
	json_object_object_add(l, "mediaType", json_object_new_string(MT_OCI_LAYER_TAR));
	json_object_object_add(l, "digest", json_object_new_string(diff_id));
	json_object_object_add(l, "size", json_object_new_int64(size));
	json_object_array_add(ls, l);
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
	json_object_object_add(m, "config", c);
	json_object_object_add(m, "layers", ls);
	char *text = xstrdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
	json_object_put(m);
	return text;
}

struct import_arg {
	int in_fd;
	const struct storage_import_opts *o;
	int64_t tar_size;
};

static int fill_stream(void *arg, int dirfd, struct unpack_result *res, struct error **err)
{
	struct import_arg *a = arg;
	if (unpack_tar_fd(a->in_fd, dirfd, NULL, res, err) < 0)
		return -1;
	a->tar_size = res->size;
	return 0;
}

static int import_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	struct import_arg *a = arg;
	struct layer_import li = { 0 };
	bool existed;
	if (store_import_layer(s, &li, fill_stream, a, &existed, err) < 0)
		return -1;
	/* The bottom layer's chain ID is its diff ID. */
	autofree char *diff_id = xasprintf("sha256:%s", li.chain);
	autofree char *cfg = import_config(a->o, diff_id);
	autofree char *man = import_manifest(cfg, diff_id, a->tar_size);
	char chex[SHA256_HEX_LEN + 1], mhex[SHA256_HEX_LEN + 1];
	sha256_hex(cfg, strlen(cfg), chex);
	sha256_hex(man, strlen(man), mhex);
	autofree char *cd = xasprintf("sha256:%s", chex);
	autofree char *md = xasprintf("sha256:%s", mhex);
	char *chains[] = { li.chain, NULL };
	char *diffs[] = { diff_id, NULL };
	struct image_commit ic = { .config_digest = cd,
				   .manifest_digest = md,
				   .chain_ids = chains,
				   .diff_ids = diffs,
				   .size = li.size,
				   .name = a->o->name };
	if (store_put_blob(s, cd, cfg, strlen(cfg), err) < 0 ||
	    store_put_blob(s, md, man, strlen(man), err) < 0 || store_image_commit(s, &ic, err) < 0)
		return -1;
	return fs_write_all(out_fd, chex, SHA256_HEX_LEN) < 0 ? err_sys(err, "reporting the ID")
							      : 0;
}

int storage_import(struct storage *s, int in_fd, const struct storage_import_opts *o,
		   char **image_id, struct error **err)
{
	struct storage_import_opts opts = *o;
	autofree char *name = NULL;
	if (o->name != NULL) {
		/* As tag does: short names go under localhost/. */
		struct storage_ref r;
		if (storage_ref_parse(o->name, &r, err) < 0)
			return -1;
		if (storage_ref_qualify(&r, r.domain ? r.domain : "localhost", err) < 0) {
			storage_ref_clear(&r);
			return -1;
		}
		name = storage_ref_string(&r);
		storage_ref_clear(&r);
		opts.name = name;
	}
	struct import_arg a = { .in_fd = in_fd, .o = &opts };
	autofree char *out = NULL;
	if (store_run_userns(s, 0, import_child, &a, &out, err) < 0)
		return err_wrap(err, "importing");
	if (out == NULL || strlen(out) != SHA256_HEX_LEN)
		return err_msg(err, "importing: no image ID came back");
	*image_id = steal_ptr(&out);
	return 0;
}

/* ---------- export ---------- */

struct export_arg {
	const char *ctr;
	int out_fd;
};

static int export_child(struct storage *s, void *arg, int out_fd, struct error **err)
{
	(void)out_fd;
	struct export_arg *a = arg;
	/* Mounts made here must not propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(err, "making / private");
	autofree char *mp = NULL;
	if (storage_rootfs_mount(s, a->ctr, &mp, err) < 0)
		return -1;
	struct archive *ar = archive_write_new();
	archive_write_set_format_pax_restricted(ar);
	int rc = archive_write_open_fd(ar, a->out_fd) == ARCHIVE_OK
		     ? tar_write_tree(ar, mp, false, err)
		     : err_msg(err, "writing the archive: %s", archive_error_string(ar));
	if (rc == 0 && archive_write_close(ar) != ARCHIVE_OK)
		rc = err_set(err, archive_errno(ar) > 0 ? archive_errno(ar) : EIO, ERR_TOOL,
			     "writing the archive: %s", archive_error_string(ar));
	archive_write_free(ar);
	/* fuse-overlayfs lives until its mount goes: unmount before leaving the namespace. */
	struct error *e2 = NULL;
	if (storage_rootfs_umount(s, a->ctr, rc == 0 ? err : &e2) < 0 && rc == 0)
		rc = -1;
	err_free(&e2);
	return rc;
}

int storage_export(struct storage *s, const char *ctr_id, int out_fd, struct error **err)
{
	enum storage_driver d;
	/* The probe spawns its own namespace: settle the driver before entering ours. */
	if (storage_driver_resolve(s, &d, err) < 0)
		return -1;
	struct export_arg a = { .ctr = ctr_id, .out_fd = out_fd };
	autofree char *out = NULL;
	if (store_run_userns(s, CLONE_NEWNS, export_child, &a, &out, err) < 0)
		return err_wrap(err, "exporting %s", ctr_id);
	return 0;
}
