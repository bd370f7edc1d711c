/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets (podman's `secret`, file driver): STORE/secrets/ID/secret.json (the record: ID,
 * Name, Driver, Options, Labels, CreatedAt, UpdatedAt) and STORE/secrets/ID/data (the
 * content, 0600, in a 0700 directory), under secrets.lock as volumes are under theirs. IDs
 * are 25 hex digits, as podman's. The content leaves the store only through
 * ctr_secret_data, for a container's start (ctrsecret.c): no document here carries it.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 512000 /* podman's bound on the content */
#define SECRET_ID_LEN 25

static char *secrets_dir(struct eng *eng)
{
	return xasprintf("%s/secrets", storage_root(eng->store));
}

static int secrets_lock(struct eng *eng, bool excl, struct error **err)
{
	autofree char *dir = secrets_dir(eng);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(err, "creating %s", dir);
	autofree char *path = xasprintf("%s/secrets.lock", dir);
	int fd = fs_lock(path, O_RDWR | O_CREAT, excl ? LOCK_EX : LOCK_SH);
	return fd < 0 ? err_sys(err, "locking %s", path) : fd;
}

/* podman's rule: 1 to 64 of [a-zA-Z0-9_.-], starting and ending with a letter or digit. */
static bool name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && ((i == 0 || i == n - 1) || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

static bool is_id(const char *s)
{
	if (strlen(s) != SECRET_ID_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* Every stored record (an owned array), by creation. */
static struct json_object *load_all(struct eng *eng)
{
	struct json_object *all = json_object_new_array();
	autofree char *dir = secrets_dir(eng);
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!is_id(de->d_name))
			continue;
		autofree char *path = xasprintf("%s/%s/secret.json", dir, de->d_name);
		struct json_object *rec = json_file_at(AT_FDCWD, path, 1 << 20);
		if (rec != NULL && json_str(rec, "ID") != NULL && json_str(rec, "Name") != NULL)
			json_object_array_add(all, rec);
		else
			json_object_put(rec);
	}
	return all;
}

/* The record of name_or_id: a name, a full ID, or a unique ID prefix (owned). */
static struct json_object *find(struct eng *eng, const char *name_or_id, struct error **err)
{
	struct json_object *all = load_all(eng), *hit = NULL;
	size_t n = strlen(name_or_id), prefixed = 0;
	for (size_t i = 0; i < json_len(all) && hit == NULL; i++) {
		struct json_object *r = json_idx(all, i);
		if (strcmp(json_str(r, "Name"), name_or_id) == 0 ||
		    strcmp(json_str(r, "ID"), name_or_id) == 0)
			hit = r;
	}
	for (size_t i = 0; i < json_len(all) && hit == NULL && n > 0; i++) {
		struct json_object *r = json_idx(all, i);
		if (strncmp(json_str(r, "ID"), name_or_id, n) == 0)
			prefixed++;
	}
	for (size_t i = 0; i < json_len(all) && hit == NULL && prefixed == 1; i++) {
		struct json_object *r = json_idx(all, i);
		if (strncmp(json_str(r, "ID"), name_or_id, n) == 0)
			hit = r;
	}
	if (hit != NULL)
		json_object_get(hit);
	json_object_put(all);
	if (hit == NULL)
		err_set(err, ENOENT, ERR_NOSUCH, "no secret with name or id \"%s\": no such secret",
			name_or_id);
	return hit;
}

struct json_object *ctr_secret_find(struct eng *eng, const char *name_or_id, struct error **err)
{
	autoclose int lk = secrets_lock(eng, false, err);
	return lk < 0 ? NULL : find(eng, name_or_id, err);
}

int ctr_secret_data(struct eng *eng, const char *id, char **data, size_t *len, struct error **err)
{
	autoclose int lk = secrets_lock(eng, false, err);
	if (lk < 0)
		return -1;
	autofree char *dir = secrets_dir(eng);
	autofree char *path = xasprintf("%s/%s/data", dir, id);
	return fs_read_file(path, SECRET_MAX, data, len, err);
}

int eng_secret_create(struct eng *eng, const struct eng_secret_create_req *r, char **out_id,
		      struct error **err)
{
	if (!name_valid(r->name))
		return err_set(err, EINVAL, ERR_TOOL,
			       "only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end "
			       "character must be [a-zA-Z0-9]: %s: invalid secret name",
			       r->name);
	if (r->driver != NULL && *r->driver != '\0' && strcmp(r->driver, "file") != 0)
		return err_set(err, EINVAL, ERR_TOOL, "invalid driver");
	if (r->len == 0 || r->len >= SECRET_MAX)
		return err_set(err, EINVAL, ERR_TOOL,
			       "secret data must be larger than 0 and less than 512000 bytes");
	for (size_t i = 0; r->driver_opts && r->driver_opts[i]; i++)
		if (strchr(r->driver_opts[i], '=') == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --driver-opts \"%s\": want KEY=VALUE",
				       r->driver_opts[i]);
	autoclose int lk = secrets_lock(eng, true, err);
	if (lk < 0)
		return -1;
	struct error *e = NULL;
	struct json_object *old = find(eng, r->name, &e);
	err_free(&e);
	if (old != NULL && strcmp(json_str(old, "Name"), r->name) == 0) {
		json_object_put(old);
		return err_set(err, EEXIST, ERR_TOOL, "%s: secret name in use", r->name);
	}
	json_object_put(old);
	autofree char *full = ctr_new_id();
	full[SECRET_ID_LEN] = '\0';
	autofree char *base = secrets_dir(eng);
	autofree char *dir = xasprintf("%s/%s", base, full);
	if (mkdir(dir, 0700) < 0)
		return err_sys(err, "creating %s", dir);
	autofree char *now = ctr_now();
	/* podman writes a secret's times in UTC with a Z */
	size_t nl = strlen(now);
	if (nl > 6 && strcmp(now + nl - 6, "+00:00") == 0)
		strcpy(now + nl - 6, "Z");
	struct json_object *rec = json_object_new_object();
	json_object_object_add(rec, "ID", json_object_new_string(full));
	json_object_object_add(rec, "Name", json_object_new_string(r->name));
	json_object_object_add(rec, "Driver", json_object_new_string("file"));
	json_object_object_add(rec, "Options", json_from_kv(r->driver_opts));
	json_object_object_add(rec, "Labels", json_from_kv(r->labels));
	json_object_object_add(rec, "CreatedAt", json_object_new_string(now));
	json_object_object_add(rec, "UpdatedAt", json_object_new_string(now));
	const char *text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PRETTY);
	autofree char *data = xasprintf("%s/data", dir);
	autofree char *recp = xasprintf("%s/secret.json", dir);
	/* The data first: a secret exists once its record does. */
	int rc = fs_write_atomic(data, r->data, r->len, 0600, err);
	if (rc == 0)
		rc = fs_write_atomic(recp, text, strlen(text), 0600, err);
	json_object_put(rec);
	if (rc < 0) {
		struct error *re = NULL;
		fs_rm_rf(dir, &re);
		err_free(&re);
		return -1;
	}
	*out_id = steal_ptr(&full);
	return 0;
}

/* podman's document of a secret: never its content. */
static struct json_object *secret_doc(struct eng *eng, struct json_object *rec)
{
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "ID", json_object_new_string(json_str(rec, "ID")));
	json_object_object_add(doc, "CreatedAt",
			       json_object_new_string(json_str(rec, "CreatedAt") ?: ""));
	json_object_object_add(doc, "UpdatedAt",
			       json_object_new_string(json_str(rec, "UpdatedAt") ?: ""));
	struct json_object *spec = json_object_new_object();
	json_object_object_add(spec, "Name", json_object_new_string(json_str(rec, "Name")));
	struct json_object *drv = json_object_new_object();
	json_object_object_add(drv, "Name",
			       json_object_new_string(json_str(rec, "Driver") ?: "file"));
	struct json_object *opts = json_object_new_object();
	struct json_object *given = json_get_type(rec, "Options", json_type_object);
	if (given != NULL) {
		json_object_object_foreach (given, k, v)
			json_object_object_add(opts, k, json_object_get(v));
	}
	if (json_get(opts, "path") == NULL) {
		autofree char *dir = secrets_dir(eng);
		json_object_object_add(opts, "path", json_object_new_string(dir));
	}
	json_object_object_add(drv, "Options", opts);
	json_object_object_add(spec, "Driver", drv);
	struct json_object *labels = json_get_type(rec, "Labels", json_type_object);
	json_object_object_add(spec, "Labels",
			       labels ? json_object_get(labels) : json_object_new_object());
	json_object_object_add(doc, "Spec", spec);
	return doc;
}

struct json_object *eng_secret_inspect(struct eng *eng, const char *name_or_id, struct error **err)
{
	struct json_object *rec = ctr_secret_find(eng, name_or_id, err);
	if (rec == NULL)
		return NULL;
	struct json_object *doc = secret_doc(eng, rec);
	json_object_put(rec);
	return doc;
}

static int by_created(const void *a, const void *b)
{
	struct json_object *const *x = a, *const *y = b;
	return strcmp(json_str(*x, "CreatedAt") ?: "", json_str(*y, "CreatedAt") ?: "");
}

struct json_object *eng_secret_list(struct eng *eng)
{
	struct json_object *out = json_object_new_array();
	struct error *e = NULL;
	autoclose int lk = secrets_lock(eng, false, &e);
	if (lk < 0) {
		err_free(&e);
		return out;
	}
	struct json_object *all = load_all(eng);
	json_object_array_sort(all, by_created);
	for (size_t i = 0; i < json_len(all); i++)
		json_object_array_add(out, secret_doc(eng, json_idx(all, i)));
	json_object_put(all);
	return out;
}

/* One filter against a document: name= (a regular expression, as podman's), id= (a
 * prefix). */
static int filter_match(struct json_object *doc, const char *f, bool *ok, struct error **err)
{
	const char *eq = strchr(f, '=');
	if (eq == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "invalid filter \"%s\"", f);
	autofree char *key = xstrndup(f, (size_t)(eq - f));
	const char *val = eq + 1;
	if (strcmp(key, "id") == 0) {
		*ok = strncmp(json_str(doc, "ID"), val, strlen(val)) == 0;
		return 0;
	}
	if (strcmp(key, "name") != 0)
		return err_set(err, EINVAL, ERR_TOOL, "invalid filter \"%s\"", key);
	regex_t re;
	if (regcomp(&re, val, REG_EXTENDED | REG_NOSUB) != 0)
		return err_set(err, EINVAL, ERR_TOOL, "invalid name filter \"%s\"", val);
	*ok = regexec(&re, json_str(json_get(doc, "Spec"), "Name"), 0, NULL, 0) == 0;
	regfree(&re);
	return 0;
}

int eng_secret_query(struct eng *eng, char *const *filters, struct json_object **out,
		     struct error **err)
{
	struct json_object *all = eng_secret_list(eng);
	*out = json_object_new_array();
	for (size_t i = 0; i < json_len(all); i++) {
		struct json_object *doc = json_idx(all, i);
		/* One key's filters ORed, keys ANDed, as podman's. */
		bool name_seen = false, name_ok = false, id_seen = false, id_ok = false;
		for (size_t k = 0; filters && filters[k]; k++) {
			bool ok = false;
			if (filter_match(doc, filters[k], &ok, err) < 0) {
				json_object_put(all);
				json_object_put(*out);
				*out = NULL;
				return -1;
			}
			bool is_id_filter = strncmp(filters[k], "id=", 3) == 0;
			*(is_id_filter ? &id_seen : &name_seen) = true;
			if (ok)
				*(is_id_filter ? &id_ok : &name_ok) = true;
		}
		if ((!name_seen || name_ok) && (!id_seen || id_ok))
			json_object_array_add(*out, json_object_get(doc));
	}
	json_object_put(all);
	return 0;
}

int eng_secret_remove(struct eng *eng, const char *name_or_id, char **out_id, struct error **err)
{
	autoclose int lk = secrets_lock(eng, true, err);
	if (lk < 0)
		return -1;
	struct json_object *rec = find(eng, name_or_id, err);
	if (rec == NULL)
		return -1;
	autofree char *id = xstrdup(json_str(rec, "ID"));
	json_object_put(rec);
	autofree char *base = secrets_dir(eng);
	autofree char *dir = xasprintf("%s/%s", base, id);
	autofree char *recp = xasprintf("%s/secret.json", dir);
	/* The record first: from then on the secret is gone, whatever the rest does. */
	if (unlink(recp) < 0)
		return err_sys(err, "removing %s", recp);
	if (fs_rm_rf(dir, err) < 0)
		return -1;
	*out_id = steal_ptr(&id);
	return 0;
}
