/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registry credentials: --creds, or auth.json in podman's order ($XDG_RUNTIME_DIR/containers,
 * ~/.config/containers, ~/.docker/config.json). Entries may be keyed by host or by
 * host/namespace; the most specific one wins, as in containers/image.
 */
#include "storage/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AUTHFILE_MAX (1 << 20)

/* Normalise an auth.json key: strip a scheme and Docker Hub's legacy forms. */
static char *norm_key(const char *k)
{
	if (strncmp(k, "https://", 8) == 0)
		k += 8;
	else if (strncmp(k, "http://", 7) == 0)
		k += 7;
	char *s = xstrdup(k);
	/* n is the length throughout: "//v1" loses "/v1", then its last '/'. */
	size_t n = strlen(s);
	if (n > 4 && strcmp(s + n - 4, "/v1/") == 0)
		n -= 4;
	else if (n > 3 && strcmp(s + n - 3, "/v1") == 0)
		n -= 3;
	while (n > 0 && s[n - 1] == '/')
		n--;
	s[n] = '\0';
	if (strcmp(s, "index.docker.io") == 0 || strcmp(s, "registry-1.docker.io") == 0) {
		free(s);
		s = xstrdup("docker.io");
	}
	return s;
}

/* Search one file; 1 when found (*userpass set), 0 when not, -1 on error. */
static int search_file(const char *file, bool must, const char *host, const char *path,
		       char **userpass, struct error **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	struct error *e = NULL;
	if (fs_read_file(file, AUTHFILE_MAX, &text, &len, &e) < 0) {
		if (!must && e->code == ENOENT) {
			err_free(&e);
			return 0;
		}
		*err = e;
		return err_wrap(err, "reading credentials");
	}
	autofree char *what = xasprintf("credentials file %s", file);
	struct json_object *o = doc_parse(text, len, what, err), *auths;
	if (o == NULL)
		return -1;
	int found = 0;
	size_t best = 0;
	autofree char *full = xasprintf("%s/%s", host, path);
	if ((auths = json_get_type(o, "auths", json_type_object)) != NULL) {
		json_object_object_foreach (auths, key, val) {
			autofree char *k = norm_key(key);
			size_t kl = strlen(k);
			bool match =
			    strcmp(k, host) == 0 ||
			    (strncmp(full, k, kl) == 0 && (full[kl] == '/' || full[kl] == '\0'));
			const char *a = json_str(val, "auth");
			if (!match || kl <= best || a == NULL)
				continue;
			char *dec = base64_decode(a);
			if (dec == NULL || strchr(dec, ':') == NULL) {
				free(dec);
				/* key belongs to o: the message first, then o goes. */
				err_set(err, EINVAL, ERR_TOOL, "%s: invalid \"auth\" entry for %s",
					file, key);
				json_object_put(o);
				return -1;
			}
			free(*userpass);
			*userpass = dec;
			best = kl;
			found = 1;
		}
	}
	json_object_put(o);
	return found;
}

int storage_auth_lookup(const char *host, const char *path, const char *authfile, const char *creds,
			char **userpass, struct error **err)
{
	*userpass = NULL;
	if (creds != NULL && *creds != '\0') {
		if (strchr(creds, ':') == NULL || creds[0] == ':')
			return err_set(err, EINVAL, ERR_USAGE,
				       "--creds: want USERNAME:PASSWORD (interactive password "
				       "prompts are not supported)");
		*userpass = xstrdup(creds);
		return 0;
	}
	if (authfile == NULL)
		authfile = getenv("REGISTRY_AUTH_FILE");
	if (authfile != NULL && *authfile != '\0')
		return search_file(authfile, true, host, path, userpass, err) < 0 ? -1 : 0;
	autostrv char **files = NULL;
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (rt != NULL && *rt == '/')
		strv_push_take(&files, xasprintf("%s/containers/auth.json", rt));
	autofree char *cfg = paths_config_home(NULL);
	if (cfg != NULL)
		strv_push_take(&files, xasprintf("%s/containers/auth.json", cfg));
	autofree char *home = paths_home(NULL);
	if (home != NULL)
		strv_push_take(&files, xasprintf("%s/.docker/config.json", home));
	for (size_t i = 0; files != NULL && files[i] != NULL; i++) {
		int rc = search_file(files[i], false, host, path, userpass, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return 0;
}
