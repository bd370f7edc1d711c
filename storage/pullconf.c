/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pull's own limits, from the [engine] table of containers.conf, read in podman's order
 * (CONTAINERS_CONF alone, else /usr/share, /etc, then the user's file and drop-ins; a later
 * file wins key by key). podman ignores keys it does not know, so hutch's sit beside its
 * own. The files hold much that is not ours (podman's tables, arrays over several lines), so
 * the reader is lenient: it follows table headers and reads only our keys, strictly.
 */
#include "storage/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX (1 << 20)
#define SECONDS_MAX (1L << 30) /* 34 years: anything above is a typo */

void storage_pullconf_defaults(struct storage_pullconf *c)
{
	c->request_timeout = PULL_REQUEST_TIMEOUT;
	c->stall_timeout = PULL_STALL_TIMEOUT;
	c->layer_max_ratio = PULL_LAYER_MAX_RATIO;
}

/* Seconds, or a Go-style duration of whole h, m and s ("90s", "1m30s", "2h"): seconds. */
static bool parse_seconds(const char *s, long *out)
{
	const char *start = s;
	long total = 0;
	if (*s == '\0')
		return false;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return false;
		char *end;
		errno = 0;
		long n = strtol(s, &end, 10), unit = 1;
		if (*end == 'h' || *end == 'm' || *end == 's')
			unit = *end == 'h' ? 3600 : *end == 'm' ? 60 : 1, end++;
		else if (*end != '\0' || s != start)
			return false; /* a bare number is only allowed alone */
		if (errno != 0 || n > SECONDS_MAX / unit || total > SECONDS_MAX - n * unit)
			return false;
		total += n * unit;
		s = end;
	}
	*out = total;
	return true;
}

/* The value of one of our keys: an integer, or for timeouts a quoted duration. */
static int parse_value(const char *file, int line, const char *key, const char *v, bool duration,
		       long *out, struct error **err)
{
	autofree char *val = NULL;
	if (*v == '"' || *v == '\'') {
		const char *e = strchr(v + 1, *v);
		if (e != NULL && duration)
			val = xstrndup(v + 1, (size_t)(e - v - 1));
	} else {
		val = xstrndup(v, strcspn(v, " \t\r#"));
	}
	long n = 0;
	char *end = NULL;
	bool good = val != NULL && *val != '\0';
	if (good && duration) {
		good = parse_seconds(val, &n);
	} else if (good) {
		errno = 0;
		n = strtol(val, &end, 10);
		good = errno == 0 && *end == '\0' && n >= 0 && n <= SECONDS_MAX;
	}
	if (!good)
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s must be %s", file, line, key,
			       duration ? "a number of seconds or a duration such as \"90s\""
					: "a whole number, 0 or more");
	*out = n;
	return 0;
}

int storage_pullconf_parse(const char *file, const char *text, struct storage_pullconf *c,
			   struct error **err)
{
	static const struct {
		const char *key;
		bool duration;
		size_t off;
	} keys[] = {
		{ "pull_request_timeout", true,
		  offsetof(struct storage_pullconf, request_timeout) },
		{ "pull_stall_timeout", true, offsetof(struct storage_pullconf, stall_timeout) },
		{ "pull_layer_max_ratio", false,
		  offsetof(struct storage_pullconf, layer_max_ratio) },
	};
	bool engine = false;
	int line = 0;
	for (const char *p = text; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		line++;
		const char *s = p + strspn(p, " \t");
		size_t n = strcspn(s, "\n");
		if (*s == '[') {
			/* A table header: "[engine]" (spaces allowed inside); any other is not ours. */
			autofree char *h = xstrndup(s + 1, strcspn(s + 1, "]\n"));
			char *name = h + strspn(h, " \t");
			name[strcspn(name, " \t")] = '\0';
			engine = s[1] != '[' && strcmp(name, "engine") == 0;
			continue;
		}
		if (!engine)
			continue;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t kl = strlen(keys[i].key);
			if (n <= kl || strncmp(s, keys[i].key, kl) != 0)
				continue;
			const char *v = s + kl + strspn(s + kl, " \t");
			if (*v != '=')
				continue;
			v += 1 + strspn(v + 1, " \t");
			autofree char *one = xstrndup(v, (size_t)(s + n - v));
			long *dst = (long *)((char *)c + keys[i].off);
			if (parse_value(file, line, keys[i].key, one, keys[i].duration, dst, err) <
			    0)
				return -1;
		}
	}
	return 0;
}

static int parse_pullconf(const char *path, const char *text, void *c, struct error **err)
{
	return storage_pullconf_parse(path, text, c, err);
}

static int load_file(const char *path, bool must, struct storage_pullconf *c, struct error **err)
{
	return storage_conf_file(path, CONF_MAX, must, parse_pullconf, c, err);
}

static int load_dropins(const char *dir, struct storage_pullconf *c, struct error **err)
{
	return storage_conf_dropins(dir, CONF_MAX, false, parse_pullconf, c, err);
}

int storage_pullconf_load(struct storage_pullconf *c, struct error **err)
{
	storage_pullconf_defaults(c);
	const char *env = getenv("CONTAINERS_CONF");
	if (env != NULL && *env != '\0')
		return load_file(env, true, c, err);
	autofree char *cfg = paths_config_home(err);
	if (cfg == NULL)
		return -1;
	autofree char *user = xasprintf("%s/containers/containers.conf", cfg);
	autofree char *userd = xasprintf("%s/containers/containers.conf.d", cfg);
	if (load_file("/usr/share/containers/containers.conf", false, c, err) < 0 ||
	    load_file("/etc/containers/containers.conf", false, c, err) < 0 ||
	    load_dropins("/etc/containers/containers.conf.d", c, err) < 0 ||
	    load_file(user, false, c, err) < 0 || load_dropins(userd, c, err) < 0)
		return -1;
	return 0;
}
