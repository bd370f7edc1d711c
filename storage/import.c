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
		return err_set(err, EINVAL, ERR_TOOL, "invalid --change \"%s\": want KEY=VALUE",
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
		  : err_set(err, EINVAL, ERR_TOOL,
			    "invalid --change %s: \"%s\" is not a JSON array of strings", key, val);
}

/* Set NAME=VALUE in a KEY=VALUE vector: replace the entry of that name, else append. */
static void kv_set(char ***v, const char *name, size_t nlen, const char *value)
{
	char *entry = xasprintf("%.*s=%s", (int)nlen, name, value);
	for (size_t i = 0; *v != NULL && (*v)[i] != NULL; i++)
		if (strncmp((*v)[i], name, nlen) == 0 && (*v)[i][nlen] == '=') {
			free((*v)[i]);
			(*v)[i] = entry;
			return;
		}
	strv_push_take(v, entry);
}

/* "text" without its double quotes, as a Dockerfile's LABEL "k"="v" gives them. */
static char *unquote(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"')
		return xstrndup(p + 1, n - 2);
	return xstrndup(p, n);
}

/* ENV and LABEL: NAME=VALUE or NAME VALUE. */
static int change_kv(const char *key, const char *val, char ***v, struct error **err)
{
	size_t n = strcspn(val, "= \t");
	if (n == 0 || val[n] == '\0')
		return err_set(err, EINVAL, ERR_TOOL, "invalid change \"%s %s\" - want NAME=VALUE",
			       key, val);
	autofree char *name = unquote(val, n);
	const char *rest = val + n + 1;
	autofree char *value = unquote(rest, strlen(rest));
	kv_set(v, name, strlen(name), value);
	return 0;
}

/* EXPOSE and VOLUME: words (VOLUME also a JSON array), added once each. */
static int change_list(const char *key, const char *val, char ***v, struct error **err)
{
	autostrv char **words = NULL;
	if (key[0] == 'V' && *val == '[') {
		struct json_object *a = json_tokener_parse(val);
		size_t bad = 0;
		int rc = json_strv_all(a, &words, &bad);
		json_object_put(a);
		if (rc < 0 || words == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "invalid change \"%s %s\" - not a JSON array of strings",
				       key, val);
	} else {
		for (const char *p = val; *p;) {
			size_t n = strcspn(p, " \t");
			if (n > 0)
				strv_push_take(&words, xstrndup(p, n));
			p += n;
			p += strspn(p, " \t");
		}
	}
	for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
		autofree char *w = key[0] == 'E' && strchr(words[i], '/') == NULL
				       ? xasprintf("%s/tcp", words[i])
				       : xstrdup(words[i]);
		if (!strv_contains(*v, w))
			strv_push(v, w);
	}
	return 0;
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
	if (strcmp(key, "ENV") == 0)
		return change_kv(key, val, &c->env, err);
	if (strcmp(key, "LABEL") == 0)
		return change_kv(key, val, &c->labels, err);
	if (strcmp(key, "EXPOSE") == 0)
		return change_list(key, val, &c->exposed_ports, err);
	if (strcmp(key, "VOLUME") == 0)
		return change_list(key, val, &c->volumes, err);
	if (strcmp(key, "ONBUILD") == 0) {
		strv_push(&c->onbuild, val);
		return 0;
	}
	char **field = strcmp(key, "WORKDIR") == 0	? &c->workdir
		       : strcmp(key, "USER") == 0	? &c->user
		       : strcmp(key, "STOPSIGNAL") == 0 ? &c->stop_signal
							: NULL;
	if (field == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "invalid change \"%s %s\" - invalid instruction %s", key, val, key);
	free(*field);
	*field = xstrdup(val);
	return 0;
}

static void set_or_del(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL)
		json_object_object_del(o, key);
	else
		json_object_object_add(o, key, v);
}

/* {"KEY": {}} for each key: ExposedPorts and Volumes. */
static struct json_object *key_set(char *const *keys)
{
	if (keys == NULL)
		return NULL;
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; keys[i] != NULL; i++)
		json_object_object_add(o, keys[i], json_object_new_object());
	return o;
}

void storage_image_config_to_json(const struct storage_image_config *c, struct json_object *cc)
{
	set_or_del(cc, "Entrypoint", c->entrypoint ? json_from_strv(c->entrypoint) : NULL);
	set_or_del(cc, "Cmd", c->cmd ? json_from_strv(c->cmd) : NULL);
	set_or_del(cc, "Env", c->env ? json_from_strv(c->env) : NULL);
	set_or_del(cc, "WorkingDir", c->workdir ? json_object_new_string(c->workdir) : NULL);
	set_or_del(cc, "User", c->user ? json_object_new_string(c->user) : NULL);
	set_or_del(cc, "ExposedPorts", key_set(c->exposed_ports));
	set_or_del(cc, "Volumes", key_set(c->volumes));
	set_or_del(cc, "Labels", c->labels ? json_from_kv(c->labels) : NULL);
	set_or_del(cc, "StopSignal",
		   c->stop_signal ? json_object_new_string(c->stop_signal) : NULL);
	set_or_del(cc, "OnBuild", c->onbuild ? json_from_strv(c->onbuild) : NULL);
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
	autofree char *now = now_rfc3339();
	struct json_object *cfg = json_object_new_object(), *cc = json_object_new_object();
	if (o->config != NULL)
		storage_image_config_to_json(o->config, cc);
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

char *storage_name_localhost(const char *name, struct error **err)
{
	struct storage_ref r;
	if (storage_ref_parse(name, &r, err) < 0)
		return NULL;
	char *full = NULL;
	if (storage_ref_qualify(&r, r.domain ? r.domain : "localhost", err) == 0)
		full = storage_ref_string(&r);
	storage_ref_clear(&r);
	return full;
}

int storage_import(struct storage *s, int in_fd, const struct storage_import_opts *o,
		   char **image_id, struct error **err)
{
	struct storage_import_opts opts = *o;
	autofree char *name = NULL;
	if (o->name != NULL && (name = storage_name_localhost(o->name, err)) == NULL)
		return -1;
	opts.name = name;
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
