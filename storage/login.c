/* SPDX-License-Identifier: Apache-2.0 */
/*
 * login and logout: the auth.json key a user's registry argument stands for, the check of
 * credentials against the registry (GET /v2/ through the pull's client: Basic, or a Bearer
 * token for no repository), and the writing beside auth.c's reading: one entry set or removed,
 * every other entry and unknown key kept, the file rewritten 0600 by temp file and rename.
 * Passwords never go into a message or a log line; buffers that held one are wiped.
 */
#include "storage/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUTHFILE_MAX (1 << 20)

/* Wipe and free a string that held a secret. */
static void secret_free(char **s)
{
	if (*s != NULL)
		explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

#define autosecret __attribute__((cleanup(secret_free)))

static char *b64_encode(const char *in)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(in);
	const unsigned char *p = (const unsigned char *)in;
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = a[(v >> 18) & 63];
		*o++ = a[(v >> 12) & 63];
		*o++ = i + 1 < n ? a[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? a[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

char *storage_auth_path(const char *authfile, struct error **err)
{
	if (authfile != NULL && *authfile != '\0')
		return xstrdup(authfile);
	const char *env = getenv("REGISTRY_AUTH_FILE");
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (rt != NULL && *rt == '/')
		return xasprintf("%s/containers/auth.json", rt);
	/* podman's fallback when XDG_RUNTIME_DIR is not set */
	autofree char *dir = xasprintf("/run/user/%u", (unsigned)getuid());
	if (!fs_exists(dir)) {
		err_set(err, ENOENT, ERR_TOOL,
			"no place for credentials: XDG_RUNTIME_DIR is not set and %s does not "
			"exist (use --authfile)",
			dir);
		return NULL;
	}
	return xasprintf("%s/containers/auth.json", dir);
}

/* No registry given: the first unqualified-search registry, as podman's. */
static int default_registry(char **key, struct error **err)
{
	struct storage_regconf conf = { 0 };
	if (storage_regconf_load(&conf, err) < 0) {
		storage_regconf_clear(&conf);
		return -1;
	}
	if (conf.search != NULL && conf.search[0] != NULL)
		*key = xstrdup(conf.search[0]);
	storage_regconf_clear(&conf);
	if (*key == NULL)
		return err_set(err, ENOENT, ERR_TOOL,
			       "no registries found in registries.conf, a registry must be "
			       "provided");
	return 0;
}

int storage_auth_key(const char *input, char **key, struct error **err)
{
	*key = NULL;
	if (input == NULL)
		return default_registry(key, err);
	const char *k = input;
	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	autofree char *s = xstrdup(k);
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	if (n == 0)
		return default_registry(key, err);
	/* A registry alone is its own key, as podman stores it. */
	if (strchr(s, '/') == NULL) {
		*key = steal_ptr(&s);
		return 0;
	}
	const char *last = strrchr(s, '/');
	struct storage_ref r = { 0 };
	struct error *e = NULL;
	if (storage_ref_parse(s, &r, &e) < 0) {
		err_free(&e);
		return err_set(err, EINVAL, ERR_TOOL,
			       "parse reference from \"%s\": invalid reference format", input);
	}
	if (strchr(last, ':') != NULL || r.digest != NULL) {
		storage_ref_clear(&r);
		return err_set(err, EINVAL, ERR_TOOL, "reference \"%s\" contains tag or digest",
			       input);
	}
	/* "alpine/x" is Docker Hub's, and "docker.io/alpine" is "docker.io/library/alpine" */
	int rc = storage_ref_qualify(&r, "docker.io", err);
	if (rc == 0)
		*key = storage_ref_name(&r);
	storage_ref_clear(&r);
	return rc;
}

int storage_login_check(const char *key, const char *userpass, const struct storage_login_opts *o,
			struct error **err)
{
	autofree char *host = xstrndup(key, strcspn(key, "/"));
	struct storage_regconf conf = { 0 };
	struct storage_pullconf lim;
	if (storage_regconf_load(&conf, err) < 0 || storage_pullconf_load(&lim, err) < 0) {
		storage_regconf_clear(&conf);
		return -1;
	}
	size_t matched = 0;
	const struct regconf_registry *r = storage_regconf_find(&conf, key, &matched);
	struct reg_opts ro = { .tls_verify = o->tls_verify,
			       .insecure = r != NULL && r->insecure,
			       .userpass = userpass,
			       .request_timeout = lim.request_timeout,
			       .stall_timeout = lim.stall_timeout,
			       .cert_dir = o->cert_dir };
	storage_regconf_clear(&conf);
	struct reg_client *c = NULL;
	struct error *e = NULL;
	/* An empty repository: the token, where one is asked for, is for no repository. */
	if (reg_open(host, "", &ro, &c, &e) == 0) {
		reg_close(&c);
		return 0;
	}
	if (e->code == EACCES) {
		log_debug("logging into %s: %s", key, e->msg);
		err_free(&e);
		return err_set(err, EACCES, ERR_TOOL,
			       "logging into \"%s\": invalid username/password", key);
	}
	*err = e;
	return err_wrap(err, "authenticating creds for \"%s\"", key);
}

/* The file's document, or a new {"auths": {}} when there is none; *auths borrowed from it. */
static struct json_object *auth_doc(const char *file, struct json_object **auths,
				    struct error **err)
{
	autosecret char *text = NULL;
	size_t len = 0;
	struct error *e = NULL;
	struct json_object *o = NULL;
	if (fs_read_file(file, AUTHFILE_MAX, &text, &len, &e) < 0) {
		if (e->code != ENOENT) {
			*err = e;
			err_wrap(err, "reading credentials");
			return NULL;
		}
		err_free(&e);
		o = json_object_new_object();
	} else {
		autofree char *what = xasprintf("credentials file %s", file);
		if ((o = doc_parse(text, len, what, err)) == NULL)
			return NULL;
		if (!json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			err_set(err, EINVAL, ERR_TOOL, "credentials file %s: not a JSON object",
				file);
			return NULL;
		}
	}
	*auths = json_get(o, "auths");
	if (*auths == NULL || !json_object_is_type(*auths, json_type_object)) {
		*auths = json_object_new_object();
		json_object_object_add(o, "auths", *auths);
	}
	return o;
}

static int auth_write(const char *file, struct json_object *o, struct error **err)
{
	autofree char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (fs_mkdir_p(dir, 0700, err) < 0)
			return err_wrap(err, "storing credentials");
	}
	const char *text = json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB | JSON_C_TO_STRING_SPACED |
		   JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fs_write_atomic(file, text, strlen(text), 0600, err);
	explicit_bzero((char *)text, strlen(text));
	return rc < 0 ? err_wrap(err, "storing credentials in %s", file) : 0;
}

int storage_auth_set(const char *file, const char *key, const char *userpass, struct error **err)
{
	struct json_object *auths = NULL;
	struct json_object *o = auth_doc(file, &auths, err);
	if (o == NULL)
		return -1;
	autosecret char *b64 = b64_encode(userpass);
	struct json_object *entry = json_object_new_object();
	json_object_object_add(entry, "auth", json_object_new_string(b64));
	json_object_object_add(auths, key, entry);
	int rc = auth_write(file, o, err);
	json_object_put(o);
	return rc;
}

int storage_auth_remove(const char *file, const char *key, struct error **err)
{
	struct json_object *auths = NULL;
	struct json_object *o = auth_doc(file, &auths, err);
	if (o == NULL)
		return -1;
	autostrv char **gone = NULL;
	json_object_object_foreach (auths, k, v) {
		(void)v;
		if (key == NULL || strcmp(k, key) == 0)
			strv_push(&gone, k);
	}
	for (size_t i = 0; gone != NULL && gone[i] != NULL; i++)
		json_object_object_del(auths, gone[i]);
	int rc = 0;
	if (key != NULL && gone == NULL)
		rc = err_set(err, ENOENT, ERR_NOSUCH, "not logged into %s", key);
	else if (key != NULL || fs_exists(file))
		rc = auth_write(file, o, err);
	json_object_put(o);
	return rc;
}

int storage_auth_get(const char *authfile, const char *key, char **userpass, struct error **err)
{
	autofree char *host = xstrndup(key, strcspn(key, "/"));
	const char *path = key[strlen(host)] == '/' ? key + strlen(host) + 1 : "";
	*userpass = NULL;
	/* A file given that is not there yet holds nothing (login creates it). */
	if (authfile == NULL || *authfile == '\0')
		authfile = getenv("REGISTRY_AUTH_FILE");
	if (authfile != NULL && *authfile != '\0' && !fs_exists(authfile))
		return 0;
	return storage_auth_lookup(host, path, authfile, NULL, userpass, err);
}
