/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.conf, the part hutch reads: the string and scalar keys of its tables (TOML),
 * from podman's files in podman's order for a rootless user. $CONTAINERS_CONF alone when
 * set (a missing one is an error, as podman's); otherwise /usr/share/containers/, then
 * /etc/containers/, then the user's ~/.config/containers/containers.conf, each overriding
 * the one before. Arrays and inline tables are skipped; a key hutch does not use is
 * ignored, as podman ignores what it does not know. Read once per handle, at first use.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX (1 << 20)

struct ctr_conf_entry {
	char *table, *key, *value;
};

struct ctr_conf {
	struct ctr_conf_entry *v;
	size_t n;
};

static void conf_set(struct ctr_conf *c, const char *table, const char *key, char *value)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].table, table) == 0 && strcmp(c->v[i].key, key) == 0) {
			free(c->v[i].value);
			c->v[i].value = value;
			return;
		}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct ctr_conf_entry){ xstrdup(table), xstrdup(key), value };
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A quoted TOML string at p ("..." with \-escapes, or '...' literal); *end after it. */
static char *parse_string(const char *p, const char **end)
{
	char q = *p++;
	autofree char *out = xzalloc(strcspn(p, "\n") + 1);
	size_t n = 0;
	for (; *p && *p != q && *p != '\n'; p++) {
		if (q == '"' && *p == '\\' && p[1] != '\0') {
			p++;
			static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
			const char *k = strchr(from, *p);
			out[n++] = k ? to[k - from] : *p;
		} else {
			out[n++] = *p;
		}
	}
	if (*p != q)
		return NULL;
	*end = p + 1;
	return steal_ptr(&out);
}

/* Past an array or inline table that starts at p, over lines and quoted strings. */
static const char *skip_nested(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (*p == '"' || *p == '\'') {
			const char *end = NULL;
			char *s = parse_string(p, &end);
			free(s);
			if (s == NULL)
				return p + strlen(p);
			p = end - 1;
		} else if (*p == '#') {
			p += strcspn(p, "\n") - 1;
		} else if (*p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ']' || *p == '}') && --depth == 0) {
			return p + 1;
		}
	}
	return p;
}

static int conf_parse(struct ctr_conf *c, const char *path, const char *text, struct error **err)
{
	autofree char *table = xstrdup("");
	int line = 1;
	for (const char *p = text; *p;) {
		p = skip_space(p);
		if (*p == '\n' || *p == '\r' || *p == '#') {
			const char *nl = strchr(p, '\n');
			line++;
			p = nl ? nl + 1 : p + strlen(p);
			continue;
		}
		if (*p == '[') {
			/* [table] or [[array of tables]]: only the name matters here. */
			const char *name = p + strspn(p, "[");
			size_t len = strcspn(name, "]\n");
			free(table);
			table = xstrndup(name, len);
		} else {
			size_t klen = strcspn(p, " \t=\n");
			autofree char *key = xstrndup(p, klen);
			const char *v = skip_space(p + klen);
			if (klen == 0 || *v != '=')
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: want KEY = VALUE or [TABLE]", path, line);
			v = skip_space(v + 1);
			const char *end = v;
			char *value = NULL;
			if ((strncmp(v, "\"\"\"", 3) == 0 || strncmp(v, "\'\'\'", 3) == 0)) {
				/* A multi-line string: no key hutch reads has one; skipped. */
				char delim[4] = { v[0], v[0], v[0], '\0' };
				const char *close = strstr(v + 3, delim);
				if (close == NULL)
					return err_set(err, EINVAL, ERR_TOOL,
						       "%s:%d: unterminated string", path, line);
				end = close + 3;
				for (const char *q = v; q < end; q++)
					line += *q == '\n';
			} else if (*v == '"' || *v == '\'') {
				if ((value = parse_string(v, &end)) == NULL)
					return err_set(err, EINVAL, ERR_TOOL,
						       "%s:%d: unterminated string", path, line);
			} else if (*v == '[' || *v == '{') {
				end = skip_nested(v);
				for (const char *q = v; q < end; q++)
					line += *q == '\n';
			} else {
				size_t vlen = strcspn(v, " \t#\r\n");
				value = xstrndup(v, vlen);
				end = v + vlen;
			}
			if (value != NULL)
				conf_set(c, table, key, value);
			p = end;
		}
		const char *nl = strchr(p, '\n');
		line++;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return 0;
}

static int conf_read(struct ctr_conf *c, const char *path, bool must, struct error **err)
{
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, CONF_MAX, &text, NULL, &e) < 0) {
		if (!must && e->code == ENOENT) {
			err_free(&e);
			return 0;
		}
		*err = e;
		return err_wrap(err, "reading containers.conf");
	}
	return conf_parse(c, path, text, err);
}

static void conf_free(struct ctr_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].table);
		free(c->v[i].key);
		free(c->v[i].value);
	}
	free(c->v);
	free(c);
}

void ctr_conf_free(struct eng *eng)
{
	if (eng->conf != NULL)
		conf_free(eng->conf);
	eng->conf = NULL;
}

static int conf_load(struct eng *eng, struct error **err)
{
	struct ctr_conf *c = xzalloc(sizeof(*c));
	const char *env = getenv("CONTAINERS_CONF");
	int rc = 0;
	if (env != NULL && *env != '\0') {
		rc = conf_read(c, env, true, err);
	} else {
		rc = conf_read(c, "/usr/share/containers/containers.conf", false, err);
		if (rc == 0)
			rc = conf_read(c, "/etc/containers/containers.conf", false, err);
		struct error *e = NULL;
		autofree char *home = rc == 0 ? paths_config_home(&e) : NULL;
		err_free(&e);
		autofree char *user =
		    home ? xasprintf("%s/containers/containers.conf", home) : NULL;
		if (user != NULL)
			rc = conf_read(c, user, false, err);
	}
	if (rc < 0) {
		conf_free(c);
		return -1;
	}
	eng->conf = c;
	return 0;
}

int ctr_conf_get(struct eng *eng, const char *table, const char *key, const char **value,
		 struct error **err)
{
	*value = NULL;
	if (eng->conf == NULL && conf_load(eng, err) < 0)
		return -1;
	for (size_t i = 0; i < eng->conf->n; i++)
		if (strcmp(eng->conf->v[i].table, table) == 0 &&
		    strcmp(eng->conf->v[i].key, key) == 0)
			*value = eng->conf->v[i].value;
	return 0;
}
