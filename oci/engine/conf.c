/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.conf, the part hutch reads: the string, scalar and string-array keys of its
 * tables (TOML), from podman's files in podman's order for a rootless user.
 * $CONTAINERS_CONF alone when set (a missing one is an error, as podman's); otherwise
 * /usr/share/containers/, then /etc/containers/, then the user's ~/.config/containers/:
 * in each, containers.conf and then containers.conf.d/NAME.conf in name order, each file
 * overriding the ones before. Inline tables and other arrays are skipped; a key hutch does
 * not use is ignored, as podman ignores what it does not know. Each value keeps the file
 * and line it came from (`info` shows them). Read once per handle, at first use.
 */
#include "oci/engine/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONF_MAX (1 << 20)

struct ctr_conf_entry {
	char *table, *key;
	char *value; /* a string or scalar; NULL for an array */
	char **list; /* an array of strings */
	char *file;  /* where it was set */
	int line;
};

struct ctr_conf {
	struct ctr_conf_entry *v;
	size_t n;
	char **files; /* the files read, in order */
};

/* Set table.key from path:line, overriding an earlier file's value. value or list owned. */
static void conf_set(struct ctr_conf *c, const char *table, const char *key, char *value,
		     char **list, const char *path, int line)
{
	struct ctr_conf_entry *e = NULL;
	for (size_t i = 0; i < c->n && e == NULL; i++)
		if (strcmp(c->v[i].table, table) == 0 && strcmp(c->v[i].key, key) == 0)
			e = &c->v[i];
	if (e == NULL) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		e = &c->v[c->n++];
		*e = (struct ctr_conf_entry){ xstrdup(table), xstrdup(key), NULL, NULL, NULL, 0 };
	}
	free(e->value);
	strv_free(e->list);
	free(e->file);
	e->value = value;
	e->list = list;
	e->file = xstrdup(path);
	e->line = line;
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

/* An array of strings at p ([ "a", 'b', ] over lines, with comments); *end after it.
 * NULL when it holds anything else (numbers, tables): such arrays are skipped. */
static char **parse_string_array(const char *p, const char **end)
{
	autostrv char **v = xzalloc(sizeof(char *));
	for (p++;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
			p++;
		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (*p == ']') {
			*end = p + 1;
			return steal_ptr(&v);
		}
		if (*p != '"' && *p != '\'')
			return NULL;
		const char *e = NULL;
		char *item = parse_string(p, &e);
		if (item == NULL)
			return NULL;
		strv_push_take(&v, item);
		p = e;
	}
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
			char **list = NULL;
			int at = line;
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
			} else if (*v == '[' && (list = parse_string_array(v, &end)) != NULL) {
				for (const char *q = v; q < end; q++)
					line += *q == '\n';
			} else if (*v == '[' || *v == '{') {
				end = skip_nested(v);
				for (const char *q = v; q < end; q++)
					line += *q == '\n';
			} else {
				size_t vlen = strcspn(v, " \t#\r\n");
				if (vlen == 0)
					return err_set(err, EINVAL, ERR_TOOL,
						       "%s:%d: %s has no value", path, line, key);
				value = xstrndup(v, vlen);
				end = v + vlen;
			}
			if (value != NULL || list != NULL)
				conf_set(c, table, key, value, list, path, at);
			/* Only a comment may follow a value on its line. */
			const char *rest = skip_space(end);
			if (*rest != '\0' && *rest != '\n' && *rest != '\r' && *rest != '#')
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: unexpected \"%.*s\" after the value of %s",
					       path, line, (int)strcspn(rest, "\r\n"), rest, key);
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
	strv_push(&c->files, path);
	return conf_parse(c, path, text, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/containers.conf, then each DIR/containers.conf.d/NAME.conf in name order (podman's). */
static int conf_read_dir(struct ctr_conf *c, const char *dir, struct error **err)
{
	autofree char *main = xasprintf("%s/containers.conf", dir);
	if (conf_read(c, main, false, err) < 0)
		return -1;
	autofree char *dropins = xasprintf("%s/containers.conf.d", dir);
	autoclosedir DIR *d = opendir(dropins);
	if (d == NULL)
		return 0;
	autostrv char **names = NULL;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0)
			strv_push(&names, de->d_name);
	}
	size_t n = strv_len(names);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		autofree char *f = xasprintf("%s/%s", dropins, names[i]);
		if (conf_read(c, f, false, err) < 0)
			return -1;
	}
	return 0;
}

static void conf_free(struct ctr_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].table);
		free(c->v[i].key);
		free(c->v[i].value);
		strv_free(c->v[i].list);
		free(c->v[i].file);
	}
	free(c->v);
	strv_free(c->files);
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
		rc = conf_read_dir(c, "/usr/share/containers", err);
		if (rc == 0)
			rc = conf_read_dir(c, "/etc/containers", err);
		struct error *e = NULL;
		autofree char *home = rc == 0 ? paths_config_home(&e) : NULL;
		err_free(&e);
		autofree char *user = home ? xasprintf("%s/containers", home) : NULL;
		if (user != NULL)
			rc = conf_read_dir(c, user, err);
	}
	if (rc < 0) {
		conf_free(c);
		return -1;
	}
	eng->conf = c;
	return 0;
}

/* The entry of table.key, or NULL; loads the files on first use. */
static int conf_find(struct eng *eng, const char *table, const char *key,
		     const struct ctr_conf_entry **out, struct error **err)
{
	*out = NULL;
	if (eng->conf == NULL && conf_load(eng, err) < 0)
		return -1;
	for (size_t i = 0; i < eng->conf->n; i++)
		if (strcmp(eng->conf->v[i].table, table) == 0 &&
		    strcmp(eng->conf->v[i].key, key) == 0)
			*out = &eng->conf->v[i];
	return 0;
}

int ctr_conf_get(struct eng *eng, const char *table, const char *key, const char **value,
		 struct error **err)
{
	const struct ctr_conf_entry *e = NULL;
	*value = NULL;
	if (conf_find(eng, table, key, &e, err) < 0)
		return -1;
	if (e != NULL && e->value == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s wants a string, not an array",
			       e->file, e->line, key);
	*value = e ? e->value : NULL;
	return 0;
}

int ctr_conf_get_list(struct eng *eng, const char *table, const char *key, char *const **list,
		      struct error **err)
{
	const struct ctr_conf_entry *e = NULL;
	*list = NULL;
	if (conf_find(eng, table, key, &e, err) < 0)
		return -1;
	if (e != NULL && e->list == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s wants an array of strings",
			       e->file, e->line, key);
	*list = e ? e->list : NULL;
	return 0;
}

int ctr_conf_origin(struct eng *eng, const char *table, const char *key, const char **file,
		    int *line)
{
	const struct ctr_conf_entry *e = NULL;
	struct error *err = NULL;
	*file = NULL;
	*line = 0;
	if (conf_find(eng, table, key, &e, &err) < 0) {
		err_free(&err);
		return -1;
	}
	if (e != NULL) {
		*file = e->file;
		*line = e->line;
	}
	return 0;
}

/* The keys hutch applies, in `info`'s order. */
static const char *const conf_keys[][2] = {
	{ "containers", "netns" },	  { "containers", "log_driver" },
	{ "containers", "log_size_max" }, { "containers", "default_capabilities" },
	{ "containers", "env" },	  { "engine", "infra_image" },
	{ "network", "default_network" },
};

struct json_object *ctr_conf_info(struct eng *eng, struct error **err)
{
	if (eng->conf == NULL && conf_load(eng, err) < 0)
		return NULL;
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "files", json_from_strv(eng->conf->files));
	struct json_object *set = json_object_new_object();
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		const struct ctr_conf_entry *e = NULL;
		struct error *ign = NULL;
		if (conf_find(eng, conf_keys[i][0], conf_keys[i][1], &e, &ign) < 0 || e == NULL) {
			err_free(&ign);
			continue;
		}
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "value",
				       e->list ? json_from_strv(e->list)
					       : json_object_new_string(e->value));
		autofree char *where = xasprintf("%s:%d", e->file, e->line);
		json_object_object_add(o, "file", json_object_new_string(where));
		autofree char *name = xasprintf("%s.%s", conf_keys[i][0], conf_keys[i][1]);
		json_object_object_add(set, name, o);
	}
	json_object_object_add(doc, "settings", set);
	return doc;
}

/* A containers.conf error names the file and line the value came from. */
static int __attribute__((format(printf, 5, 6)))
conf_bad(struct eng *eng, const char *table, const char *key, struct error **err, const char *fmt,
	 ...)
{
	const char *file = NULL;
	int line = 0;
	ctr_conf_origin(eng, table, key, &file, &line);
	va_list ap;
	va_start(ap, fmt);
	autofree char *what = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s: %s", file ? file : "containers.conf",
		       line, key, what);
}

/* "NET_RAW" or "cap_net_raw" as "CAP_NET_RAW" (owned). */
static char *conf_cap_name(const char *c)
{
	char *out = strncasecmp(c, "CAP_", 4) == 0 ? xstrdup(c) : xasprintf("CAP_%s", c);
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return out;
}

int ctr_conf_defaults(struct eng *eng, const char *network, bool in_pod,
		      struct ctr_conf_defaults *d, struct error **err)
{
	*d = (struct ctr_conf_defaults){ 0 };
	const char *v = NULL;
	char *const *list = NULL;
	if (ctr_conf_get(eng, "containers", "log_driver", &v, err) < 0)
		return -1;
	if (v != NULL && *v != '\0') {
		enum oci_log_driver kind;
		struct error *e = NULL;
		if (strcmp(v, "json-file") == 0) {
			v = "k8s-file";
		} else if (strcmp(v, "journald") == 0) {
			log_warn("containers.conf: log_driver \"journald\" is not supported by "
				 "hutch: using k8s-file");
			v = "k8s-file";
		} else if (oci_log_driver_parse(v, &kind, &e) < 0) {
			err_free(&e);
			return conf_bad(eng, "containers", "log_driver", err,
					"unknown log driver \"%s\": k8s-file, json-file, none or "
					"passthrough",
					v);
		}
		d->log_driver = v;
	}
	if (ctr_conf_get(eng, "containers", "log_size_max", &v, err) < 0)
		return -1;
	if (v != NULL) {
		char *end = NULL;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (end == v || *end != '\0' || errno != 0)
			return conf_bad(eng, "containers", "log_size_max", err,
					"\"%s\" is not a number of bytes", v);
		if (n > 0)
			d->log_max_size = (uint64_t)n;
	}
	if (ctr_conf_get(eng, "containers", "netns", &v, err) < 0)
		return -1;
	if (v != NULL && strcmp(v, "private") != 0 && network == NULL && !in_pod)
		d->network = v;
	const char *net = network ? network : d->network;
	if (ctr_conf_get(eng, "network", "default_network", &v, err) < 0)
		return -1;
	if (net != NULL && strcmp(net, "bridge") == 0 && v != NULL && *v != '\0' &&
	    strcmp(v, CTR_NET_DEFAULT) != 0)
		d->network = v;
	if (ctr_conf_get_list(eng, "containers", "default_capabilities", &list, err) < 0)
		return -1;
	if (list != NULL) {
		autostrv char **caps = xzalloc(sizeof(char *));
		for (size_t i = 0; list[i] != NULL; i++)
			strv_push_take(&caps, conf_cap_name(list[i]));
		d->caps = steal_ptr(&caps);
	}
	if (ctr_conf_get_list(eng, "containers", "env", &list, err) < 0)
		return -1;
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		if (strchr(list[i], '=') == NULL)
			return conf_bad(eng, "containers", "env", err, "\"%s\" is not KEY=VALUE",
					list[i]);
	d->env = list;
	return 0;
}

void ctr_conf_defaults_clear(struct ctr_conf_defaults *d)
{
	strv_free(d->caps);
	*d = (struct ctr_conf_defaults){ 0 };
}
