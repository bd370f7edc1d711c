/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, Docker style: [host[:port]/]path[:tag][@sha256:hex]. Parsing checks the
 * grammar of distribution/reference (lower-case path components, tag charset and length,
 * digest form); qualifying adds the registry and Docker Hub's "library/" as podman does.
 */
#include "storage/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX_NAME 255
#define REF_MAX_TAG 128

void storage_ref_clear(struct storage_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (struct storage_ref){ 0 };
}

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool valid_component(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_alnum_lower(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_alnum_lower(s[i]))
			i++;
		if (i == n)
			return true;
		size_t sep = i;
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_alnum_lower(s[i]) || i == sep)
			return false;
	}
	return true;
}

/* A registry host: labels of [A-Za-z0-9-], an IPv6 literal in brackets, optional :port. */
static bool valid_domain(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0)
		return false;
	if (s[0] == '[') {
		while (i < n && s[i] != ']') {
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '[' &&
			    s[i] != '.')
				return false;
			i++;
		}
		if (i == n)
			return false;
		i++;
	} else {
		while (i < n && s[i] != ':') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
				return false;
			i++;
		}
		if (i == 0 || s[0] == '-' || s[0] == '.' || s[i - 1] == '.' || s[i - 1] == '-')
			return false;
		/* Every dot-separated label is non-empty and does not start or end with '-'. */
		for (size_t j = 1; j < i; j++)
			if (s[j] == '.' && (s[j - 1] == '.' || s[j - 1] == '-' || s[j + 1] == '-'))
				return false;
	}
	if (i == n)
		return true;
	if (s[i] != ':' || i + 1 == n || n - i - 1 > 5)
		return false;
	for (i++; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool storage_tag_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > REF_MAX_TAG || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

bool storage_digest_valid(const char *d)
{
	if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d + 7) != SHA256_HEX_LEN)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* The first component names a registry when it has a '.' or ':' or is "localhost". */
static bool looks_like_domain(const char *s, size_t n)
{
	return memchr(s, '.', n) != NULL || memchr(s, ':', n) != NULL ||
	       (n == 9 && memcmp(s, "localhost", 9) == 0) || (n > 0 && s[0] == '[');
}

static int bad_ref(struct error **err, const char *s, const char *why)
{
	return err_set(err, EINVAL, ERR_TOOL, "invalid reference format \"%s\": %s", s, why);
}

static int parse_name(const char *s, const char *name, struct storage_ref *r, struct error **err)
{
	const char *slash = strchr(name, '/');
	const char *path = name;
	if (slash != NULL && looks_like_domain(name, (size_t)(slash - name))) {
		if (!valid_domain(name, (size_t)(slash - name)))
			return bad_ref(err, s, "invalid registry host");
		r->domain = xstrndup(name, (size_t)(slash - name));
		path = slash + 1;
	}
	if (*path == '\0')
		return bad_ref(err, s, "empty repository path");
	for (const char *p = path;;) {
		const char *e = strchr(p, '/');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (size_t i = 0; i < n; i++)
			if (isupper((unsigned char)p[i]))
				return bad_ref(err, s, "repository name must be lowercase");
		if (!valid_component(p, n))
			return bad_ref(err, s, "invalid repository path component");
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (strlen(name) > REF_MAX_NAME)
		return bad_ref(err, s, "repository name longer than 255 characters");
	r->path = xstrdup(path);
	return 0;
}

int storage_ref_parse(const char *s, struct storage_ref *r, struct error **err)
{
	*r = (struct storage_ref){ 0 };
	if (s == NULL || *s == '\0')
		return bad_ref(err, "", "empty reference");
	autofree char *copy = xstrdup(s);
	char *at = strchr(copy, '@');
	if (at != NULL) {
		*at = '\0';
		if (strncmp(at + 1, "sha256:", 7) != 0)
			return bad_ref(err, s, "only sha256 digests are supported");
		if (!storage_digest_valid(at + 1))
			return bad_ref(err, s, "a sha256 digest has 64 lowercase hex digits");
		r->digest = xstrdup(at + 1);
	}
	/* A tag is after the last ':' that follows the last '/'; an earlier ':' is a port. */
	char *slash = strrchr(copy, '/');
	char *colon = strrchr(slash != NULL ? slash : copy, ':');
	if (colon != NULL) {
		*colon = '\0';
		if (!storage_tag_valid(colon + 1)) {
			storage_ref_clear(r);
			return bad_ref(err, s, "invalid tag");
		}
		r->tag = xstrdup(colon + 1);
	}
	if (parse_name(s, copy, r, err) < 0) {
		storage_ref_clear(r);
		return -1;
	}
	if (r->tag == NULL && r->digest == NULL)
		r->tag = xstrdup("latest");
	return 0;
}

int storage_ref_qualify(struct storage_ref *r, const char *domain, struct error **err)
{
	if (r->domain == NULL)
		r->domain = xstrdup(domain);
	if (strcmp(r->domain, "docker.io") == 0 && strchr(r->path, '/') == NULL) {
		char *p = xasprintf("library/%s", r->path);
		free(r->path);
		r->path = p;
	}
	if (strlen(r->domain) + 1 + strlen(r->path) > REF_MAX_NAME) {
		autofree char *s = storage_ref_string(r);
		return bad_ref(err, s, "repository name longer than 255 characters");
	}
	return 0;
}

char *storage_ref_name(const struct storage_ref *r)
{
	return xasprintf("%s/%s", r->domain != NULL ? r->domain : "", r->path);
}

char *storage_ref_string(const struct storage_ref *r)
{
	return xasprintf("%s%s%s%s%s%s%s", r->domain != NULL ? r->domain : "",
			 r->domain != NULL ? "/" : "", r->path, r->tag != NULL ? ":" : "",
			 r->tag != NULL ? r->tag : "", r->digest != NULL ? "@" : "",
			 r->digest != NULL ? r->digest : "");
}
