/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd's unit file syntax for hutch-generator: [Section] headers, Key=Value lines,
 * comments (# and ;), a backslash at the end of a line continuing it (comment lines inside
 * a continuation are dropped, as systemd drops them), repeated keys kept in order. Values
 * are kept as written: specifiers (%N, %t...) pass through to systemd untouched.
 */
#include "tool/generator/generator.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void gen_warn(const struct gen_unit *u, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	autofree char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	const char *where = u && u->path ? u->path : u ? u->filename : NULL;
	if (where && line > 0)
		fprintf(stderr, "hutch-generator: %s:%d: %s\n", where, line, msg);
	else if (where)
		fprintf(stderr, "hutch-generator: %s: %s\n", where, msg);
	else
		fprintf(stderr, "hutch-generator: %s\n", msg);
}

static struct gen_group *group_add(struct gen_unit *u, const char *name)
{
	u->g = xrealloc(u->g, (u->n + 1) * sizeof(*u->g));
	struct gen_group *g = &u->g[u->n++];
	*g = (struct gen_group){ .name = xstrdup(name) };
	return g;
}

static void kv_add(struct gen_group *g, const char *key, const char *value, int line)
{
	g->kv = xrealloc(g->kv, (g->n + 1) * sizeof(*g->kv));
	g->kv[g->n++] =
	    (struct gen_kv){ .key = xstrdup(key), .value = xstrdup(value), .line = line };
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Does the line end in an unescaped backslash (a continuation)? */
static bool continues(const char *s)
{
	size_t n = strlen(s), k = 0;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/* One logical line (continuations joined) starting at line number no. */
static void parse_line(struct gen_unit *u, struct gen_group **cur, char *l, int no)
{
	l = trim(l);
	if (*l == '\0' || *l == '#' || *l == ';')
		return;
	if (*l == '[') {
		size_t n = strlen(l);
		if (n < 3 || l[n - 1] != ']') {
			gen_warn(u, no, "invalid section header '%s'", l);
			*cur = NULL;
			return;
		}
		l[n - 1] = '\0';
		*cur = gen_group(u, l + 1);
		if (*cur == NULL)
			*cur = group_add(u, l + 1);
		return;
	}
	char *eq = strchr(l, '=');
	if (eq == NULL) {
		gen_warn(u, no, "missing '=', ignoring line");
		return;
	}
	if (*cur == NULL) {
		gen_warn(u, no, "assignment outside of a section, ignoring");
		return;
	}
	*eq = '\0';
	kv_add(*cur, trim(l), trim(eq + 1), no);
}

struct gen_unit *gen_unit_parse(const char *path, const char *text)
{
	struct gen_unit *u = xzalloc(sizeof(*u));
	u->path = path ? xstrdup(path) : NULL;
	const char *base = path ? strrchr(path, '/') : NULL;
	u->filename = xstrdup(base ? base + 1 : path ? path : "");
	struct gen_group *cur = NULL;
	autofree char *acc = NULL; /* a continued line so far */
	int start = 0, no = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		autofree char *line = xstrndup(p, len);
		p += len + (nl ? 1 : 0);
		no++;
		if (acc) {
			/* systemd drops comment lines inside a continuation. */
			const char *t = line;
			while (isspace((unsigned char)*t))
				t++;
			if (*t == '#' || *t == ';')
				continue;
		}
		bool more = continues(line);
		if (more) {
			char *bs = strrchr(line, '\\');
			*bs = ' ';
			bs[1] = '\0';
		}
		char *joined = acc ? xasprintf("%s%s", acc, line) : xstrdup(line);
		free(acc);
		acc = joined;
		if (start == 0)
			start = no;
		if (more)
			continue;
		parse_line(u, &cur, acc, start);
		free(acc);
		acc = NULL;
		start = 0;
	}
	if (acc)
		parse_line(u, &cur, acc, start);
	return u;
}

void gen_unit_free(struct gen_unit *u)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < u->n; i++) {
		for (size_t j = 0; j < u->g[i].n; j++) {
			free(u->g[i].kv[j].key);
			free(u->g[i].kv[j].value);
		}
		free(u->g[i].kv);
		free(u->g[i].name);
	}
	free(u->g);
	free(u->path);
	free(u->filename);
	free(u->service);
	free(u->resource);
	strv_free(u->pod_members);
	free(u);
}

struct gen_group *gen_group(const struct gen_unit *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->g[i].name, name) == 0)
			return &u->g[i];
	return NULL;
}

const char *gen_last(const struct gen_unit *u, const char *group, const char *key)
{
	struct gen_group *g = gen_group(u, group);
	for (size_t j = g ? g->n : 0; j > 0; j--)
		if (strcmp(g->kv[j - 1].key, key) == 0)
			return g->kv[j - 1].value;
	return NULL;
}

char **gen_all(const struct gen_unit *u, const char *group, const char *key)
{
	char **v = xzalloc(sizeof(*v));
	struct gen_group *g = gen_group(u, group);
	for (size_t j = 0; g && j < g->n; j++) {
		if (strcmp(g->kv[j].key, key) != 0)
			continue;
		if (g->kv[j].value[0] == '\0') {
			/* systemd: an empty assignment resets the list. */
			strv_free(v);
			v = xzalloc(sizeof(*v));
		} else {
			strv_push(&v, g->kv[j].value);
		}
	}
	return v;
}

char **gen_all_words(const struct gen_unit *u, const char *group, const char *key)
{
	autostrv char **all = gen_all(u, group, key);
	char **v = xzalloc(sizeof(*v));
	for (size_t i = 0; all[i]; i++) {
		char **w = gen_split_words(all[i]);
		for (size_t k = 0; w[k]; k++)
			strv_push_take(&v, steal_ptr(&w[k]));
		strv_free(w);
	}
	return v;
}

char **gen_last_words(const struct gen_unit *u, const char *group, const char *key)
{
	const char *s = gen_last(u, group, key);
	return s ? gen_split_words(s) : NULL;
}

int gen_bool(const struct gen_unit *u, const char *group, const char *key, bool *val)
{
	const char *s = gen_last(u, group, key);
	if (s == NULL)
		return 0;
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *val = true, 1;
		if (strcasecmp(s, no[i]) == 0)
			return *val = false, 1;
	}
	return -1;
}

struct gen_group *gen_group_ensure(struct gen_unit *u, const char *name)
{
	struct gen_group *g = gen_group(u, name);
	return g ? g : group_add(u, name);
}

void gen_add(struct gen_unit *u, const char *group, const char *key, const char *value)
{
	kv_add(gen_group_ensure(u, group), key, value, 0);
}

void gen_unset(struct gen_unit *u, const char *group, const char *key)
{
	struct gen_group *g = gen_group(u, group);
	size_t k = 0;
	for (size_t j = 0; g && j < g->n; j++) {
		if (strcmp(g->kv[j].key, key) == 0) {
			free(g->kv[j].key);
			free(g->kv[j].value);
		} else {
			g->kv[k++] = g->kv[j];
		}
	}
	if (g)
		g->n = k;
}

void gen_set(struct gen_unit *u, const char *group, const char *key, const char *value)
{
	gen_unset(u, group, key);
	gen_add(u, group, key, value);
}

void gen_rename_group(struct gen_unit *u, const char *from, const char *to)
{
	struct gen_group *g = gen_group(u, from);
	if (g) {
		free(g->name);
		g->name = xstrdup(to);
	}
}

/* C escapes after a backslash (systemd's cunescape); *p is past the backslash. Relaxed:
 * an unknown escape keeps the backslash. */
static void unescape_one(const char **p, char **out, size_t *n)
{
	static const char from[] = "abfnrtv\\\"' s";
	static const char to[] = "\a\b\f\n\r\t\v\\\"' \x20";
	const char *hit = **p ? strchr(from, **p) : NULL;
	if (hit) {
		(*out)[(*n)++] = to[hit - from];
		(*p)++;
	} else if (**p == 'x' && isxdigit((unsigned char)(*p)[1]) &&
		   isxdigit((unsigned char)(*p)[2])) {
		char hex[3] = { (*p)[1], (*p)[2], 0 };
		(*out)[(*n)++] = (char)strtol(hex, NULL, 16);
		*p += 3;
	} else {
		(*out)[(*n)++] = '\\';
		if (**p)
			(*out)[(*n)++] = *(*p)++;
	}
}

char **gen_split_words(const char *s)
{
	char **v = xzalloc(sizeof(*v));
	const char *p = s;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		char *w = xmalloc(strlen(p) + 1);
		size_t n = 0;
		char quote = 0;
		while (*p && (quote || !isspace((unsigned char)*p))) {
			char c = *p++;
			if (quote && c == quote)
				quote = 0;
			else if (!quote && (c == '"' || c == '\''))
				quote = c;
			else if (c == '\\')
				unescape_one(&p, &w, &n);
			else
				w[n++] = c;
		}
		w[n] = '\0';
		strv_push_take(&v, w);
	}
	return v;
}

char *gen_quote_word(const char *w)
{
	bool plain = *w != '\0';
	for (const char *c = w; *c && plain; c++)
		plain = !isspace((unsigned char)*c) && !iscntrl((unsigned char)*c) && *c != '"' &&
			*c != '\'' && *c != '\\' && *c != ';';
	size_t len = strlen(w);
	char *out = xmalloc(len * 4 + 3), *o = out;
	if (!plain)
		*o++ = '"';
	for (const char *c = w; *c; c++) {
		if (*c == '$') {
			*o++ = '$';
			*o++ = '$';
		} else if (plain) {
			*o++ = *c;
		} else if (*c == '"' || *c == '\\') {
			*o++ = '\\';
			*o++ = *c;
		} else if (*c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (iscntrl((unsigned char)*c)) {
			o += sprintf(o, "\\x%02x", (unsigned char)*c);
		} else {
			*o++ = *c;
		}
	}
	if (!plain)
		*o++ = '"';
	*o = '\0';
	return out;
}

char *gen_unit_text(const struct gen_unit *u)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	fprintf(f, "# Automatically generated by hutch-generator\n#\n");
	for (size_t i = 0; i < u->n; i++) {
		fprintf(f, "%s[%s]\n", i ? "\n" : "", u->g[i].name);
		for (size_t j = 0; j < u->g[i].n; j++)
			fprintf(f, "%s=%s\n", u->g[i].kv[j].key, u->g[i].kv[j].value);
	}
	fclose(f);
	return buf;
}
