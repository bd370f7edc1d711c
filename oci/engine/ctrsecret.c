/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's secrets (run/create --secret NAME[,type=mount|env,target=,uid=,gid=,mode=]):
 * the record keeps only what podman keeps, the secret's name and ID and how it is given
 * (record "Secrets"), never its content. Each start reads the content from the store again
 * (a secret removed since fails the start, as in podman) and:
 * - type=mount: writes a copy into the container's run dir (RUN/secrets/N, a tmpfs, with the
 *   mode asked for; uid/gid are set by the launcher, root in the user namespace) and binds it
 *   read-only at the target (default /run/secrets/NAME), so it is never in the container's
 *   upper layer and commit, export and diff never carry it;
 * - type=env: sets the variable in config.json's process (the store's 0600 file the runtime
 *   reads, as podman's), not in the record, so inspect's Config.Env never shows it.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_DIR "secrets"

/* One --secret option: podman's words on a bad one. */
static int parse_opt(const char *kv, const char **type, const char **target, long *uid, long *gid,
		     long *mode, bool *ids_set, struct error **err)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : 0;
	const char *v = eq ? eq + 1 : "";
	char *end = NULL;
	if (eq != NULL && kl == 4 && strncmp(kv, "type", 4) == 0) {
		if (strcmp(v, "mount") != 0 && strcmp(v, "env") != 0)
			return err_set(err, EINVAL, ERR_TOOL, "type %s is invalid: parsing secret",
				       v);
		*type = v;
		return 0;
	}
	if (eq != NULL && kl == 6 && strncmp(kv, "target", 6) == 0 && *v != '\0') {
		*target = v;
		return 0;
	}
	long *slot = NULL;
	int base = 10;
	if (eq != NULL && kl == 3 && strncmp(kv, "uid", 3) == 0)
		slot = uid;
	else if (eq != NULL && kl == 3 && strncmp(kv, "gid", 3) == 0)
		slot = gid;
	else if (eq != NULL && kl == 4 && strncmp(kv, "mode", 4) == 0)
		slot = mode, base = 8;
	if (slot == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "option %s invalid: parsing secret", kv);
	errno = 0;
	long n = strtol(v, &end, base);
	if (errno != 0 || end == v || *end != '\0' || n < 0 ||
	    n > (slot == mode ? 07777 : 0x7fffffff))
		return err_set(err, EINVAL, ERR_TOOL, "option %s invalid: parsing secret", kv);
	*slot = n;
	*ids_set = true;
	return 0;
}

/* One --secret value into its record entry (owned), the secret looked up in the store. */
static struct json_object *plan_one(struct eng *eng, const char *spec, struct error **err)
{
	autofree char *copy = xstrdup(spec);
	char *save = NULL;
	char *name = strtok_r(copy, ",", &save);
	const char *type = "mount", *target = NULL;
	long uid = 0, gid = 0, mode = 0444;
	bool ids_set = false;
	if (name == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "no secret name given: parsing secret"), NULL;
	for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
		if (parse_opt(kv, &type, &target, &uid, &gid, &mode, &ids_set, err) < 0)
			return NULL;
	bool env = strcmp(type, "env") == 0;
	if (env && ids_set)
		return err_set(err, EINVAL, ERR_TOOL,
			       "UID, GID, Mode options cannot be set with secret type env: "
			       "parsing secret"),
		       NULL;
	struct json_object *rec = ctr_secret_find(eng, name, err);
	if (rec == NULL)
		return NULL;
	autofree char *dst = NULL;
	if (env)
		dst = xstrdup(target ? target : name);
	else if (target == NULL)
		dst = xasprintf("/run/secrets/%s", name);
	else
		dst = target[0] == '/' ? xstrdup(target) : xasprintf("/run/secrets/%s", target);
	if (env && (strchr(dst, '=') != NULL || *dst == '\0')) {
		json_object_put(rec);
		return err_set(err, EINVAL, ERR_TOOL, "target %s is invalid: parsing secret", dst),
		       NULL;
	}
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "Name", json_object_new_string(name));
	json_object_object_add(e, "ID", json_object_new_string(json_str(rec, "ID")));
	json_object_object_add(e, "Type", json_object_new_string(type));
	json_object_object_add(e, "Target", json_object_new_string(dst));
	if (!env) {
		json_object_object_add(e, "UID", json_object_new_int64(uid));
		json_object_object_add(e, "GID", json_object_new_int64(gid));
		json_object_object_add(e, "Mode", json_object_new_int64(mode));
	}
	json_object_put(rec);
	return e;
}

int ctr_secrets_plan(struct eng *eng, char *const *specs, struct json_object **out,
		     struct error **err)
{
	*out = NULL;
	if (specs == NULL || specs[0] == NULL)
		return 0;
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; specs[i] != NULL; i++) {
		struct json_object *e = plan_one(eng, specs[i], err);
		if (e == NULL) {
			json_object_put(a);
			return -1;
		}
		json_object_array_add(a, e);
	}
	*out = a;
	return 0;
}

/* config.json's env without KEY's entries, then KEY=value. */
static void set_env(struct json_object *proc, const char *key, const char *value, size_t len)
{
	struct json_object *env = json_get_type(proc, "env", json_type_array);
	if (env == NULL) {
		env = json_object_new_array();
		json_object_object_add(proc, "env", env);
	}
	size_t kl = strlen(key);
	for (size_t i = json_len(env); i-- > 0;) {
		const char *s = json_object_get_string(json_idx(env, i));
		if (s != NULL && strncmp(s, key, kl) == 0 && s[kl] == '=')
			json_object_array_del_idx(env, i, 1);
	}
	autofree char *kv = xmalloc(kl + 1 + len + 1);
	memcpy(kv, key, kl);
	kv[kl] = '=';
	memcpy(kv + kl + 1, value, len);
	kv[kl + 1 + len] = '\0';
	json_object_array_add(env, json_object_new_string(kv));
	explicit_bzero(kv, kl + 1 + len);
}

/* Drop the secret binds an earlier start added (their sources are in a run dir's secrets/). */
static void drop_secret_mounts(struct json_object *mounts, const char *id)
{
	autofree char *tail = xasprintf("/containers/%s/" SECRET_DIR "/", id);
	for (size_t i = json_len(mounts); i-- > 0;) {
		const char *src = json_str(json_idx(mounts, i), "source");
		if (src != NULL && strstr(src, tail) != NULL)
			json_object_array_del_idx(mounts, i, 1);
	}
}

static int apply_one(struct eng *eng, struct json_object *s, size_t idx, const char *run,
		     struct json_object *spec, struct error **err)
{
	const char *name = json_str(s, "Name"), *id = json_str(s, "ID");
	const char *type = json_str(s, "Type"), *target = json_str(s, "Target");
	if (name == NULL || id == NULL || type == NULL || target == NULL)
		return err_msg(err, "a damaged secret entry in the container's record");
	/* By ID: a secret removed and made again under the name is another secret. */
	struct error *e = NULL;
	struct json_object *rec = ctr_secret_find(eng, id, &e);
	json_object_put(rec);
	if (rec == NULL) {
		err_free(&e);
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no secret with name or id \"%s\": no such secret", name);
	}
	char *data = NULL;
	size_t len = 0;
	if (ctr_secret_data(eng, id, &data, &len, err) < 0)
		return err_wrap(err, "secret %s", name);
	int rc = 0;
	if (strcmp(type, "env") == 0) {
		set_env(json_get(spec, "process"), target, data, len);
	} else {
		autofree char *src = xasprintf("%s/" SECRET_DIR "/%zu", run, idx);
		long mode = json_object_get_int64(json_get(s, "Mode"));
		rc = fs_write_replace(src, data, len, (mode_t)mode, err);
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "destination", json_object_new_string(target));
		json_object_object_add(m, "type", json_object_new_string("bind"));
		json_object_object_add(m, "source", json_object_new_string(src));
		static const char *const opts[] = { "rbind", "ro", "nosuid", "nodev", "noexec" };
		struct json_object *oa = json_object_new_array();
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			json_object_array_add(oa, json_object_new_string(opts[i]));
		json_object_object_add(m, "options", oa);
		json_object_array_add(json_get(spec, "mounts"), m);
	}
	explicit_bzero(data, len);
	free(data);
	return rc;
}

int ctr_secrets_prepare(struct eng *eng, const struct eng_ctr *c, const char *run,
			struct error **err)
{
	struct json_object *list = json_get_type(c->doc, "Secrets", json_type_array);
	if (json_len(list) == 0)
		return 0;
	autofree char *dir = eng_ctr_dir(eng, c->id);
	autofree char *path = xasprintf("%s/config.json", dir);
	autofree char *sdir = xasprintf("%s/" SECRET_DIR, run);
	if (mkdir(sdir, 0700) < 0 && errno != EEXIST)
		return err_sys(err, "creating %s", sdir);
	struct json_object *spec = json_file_at(AT_FDCWD, path, 1 << 24);
	if (spec == NULL || json_get_type(spec, "mounts", json_type_array) == NULL ||
	    json_get_type(spec, "process", json_type_object) == NULL) {
		json_object_put(spec);
		return err_msg(err, "%s: no mounts or process to add the secrets to", path);
	}
	drop_secret_mounts(json_get(spec, "mounts"), c->id);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_len(list); i++)
		rc = apply_one(eng, json_idx(list, i), i, run, spec, err);
	if (rc == 0) {
		int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
		const char *text = json_object_to_json_string_ext(spec, flags);
		rc = fs_write_replace(path, text, strlen(text), 0600, err);
		explicit_bzero((char *)text, strlen(text));
	}
	json_object_put(spec);
	return rc;
}

int ctr_secrets_chown(const struct eng_ctr *c, int run_dirfd, struct error **err)
{
	struct json_object *list = json_get_type(c->doc, "Secrets", json_type_array);
	for (size_t i = 0; i < json_len(list); i++) {
		struct json_object *s = json_idx(list, i);
		const char *type = json_str(s, "Type");
		long uid = json_object_get_int64(json_get(s, "UID"));
		long gid = json_object_get_int64(json_get(s, "GID"));
		if (type == NULL || strcmp(type, "mount") != 0 || (uid == 0 && gid == 0))
			continue;
		char rel[64];
		snprintf(rel, sizeof(rel), SECRET_DIR "/%zu", i);
		if (fchownat(run_dirfd, rel, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
			return err_sys(err, "secret %s: setting its owner to %ld:%ld",
				       json_str(s, "Name"), uid, gid);
	}
	return 0;
}
