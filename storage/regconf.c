/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.conf (v2): a reader for the subset of TOML the file uses, since Debian 12
 * packages no TOML library for C. Supported: comments, bare and quoted keys, basic and
 * literal strings, booleans, integers, arrays (over several lines), [aliases],
 * [[registry]] and [[registry.mirror]]. Anything else is refused with its line number.
 */
#include "storage/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REGCONF_MAX (1 << 20)

enum tval_kind {
	TV_STR,
	TV_BOOL,
	TV_INT,
	TV_ARRAY
};

struct tval {
	enum tval_kind kind;
	char *str;
	bool b;
	long n;
	char **arr; /* strings only: registries.conf has no other arrays */
};

struct tparser {
	const char *p;
	int line;
	const char *file;
};

static int perr(struct tparser *t, struct error **err, const char *what)
{
	return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s", t->file, t->line, what);
}

/* Skip blanks; with nl also newlines and comments. */
static void skip_ws(struct tparser *t, bool nl)
{
	for (;;) {
		if (*t->p == ' ' || *t->p == '\t' || *t->p == '\r') {
			t->p++;
		} else if (*t->p == '#') {
			while (*t->p && *t->p != '\n')
				t->p++;
		} else if (nl && *t->p == '\n') {
			t->p++;
			t->line++;
		} else {
			return;
		}
	}
}

static void put_utf8(char **o, unsigned long cp)
{
	char *q = *o;
	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xc0 | (cp >> 6));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (char)(0xe0 | (cp >> 12));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (char)(0xf0 | (cp >> 18));
		*q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (char)(0x80 | (cp & 0x3f));
	}
	*o = q;
}

/* A "basic" (escapes) or 'literal' string on one line. */
static int parse_string(struct tparser *t, char **out, struct error **err)
{
	char quote = *t->p++;
	if ((quote == '"' && strncmp(t->p, "\"\"", 2) == 0) ||
	    (quote == '\'' && strncmp(t->p, "''", 2) == 0))
		return perr(t, err, "multi-line strings are not supported");
	autofree char *buf = xmalloc(strlen(t->p) * 4 + 1);
	char *o = buf;
	for (;;) {
		char c = *t->p;
		if (c == '\0' || c == '\n')
			return perr(t, err, "unterminated string");
		t->p++;
		if (c == quote)
			break;
		if (c != '\\' || quote == '\'') {
			*o++ = c;
			continue;
		}
		c = *t->p++;
		switch (c) {
		case '"':
		case '\\':
			*o++ = c;
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'u':
		case 'U': {
			int nd = c == 'u' ? 4 : 8;
			unsigned long cp = 0;
			for (int i = 0; i < nd; i++, t->p++) {
				if (!isxdigit((unsigned char)*t->p))
					return perr(t, err, "invalid unicode escape in string");
				cp = cp * 16 + (unsigned long)(isdigit((unsigned char)*t->p)
								   ? *t->p - '0'
								   : (tolower(*t->p) - 'a' + 10));
			}
			if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return perr(t, err, "invalid unicode escape in string");
			put_utf8(&o, cp);
			break;
		}
		default:
			return perr(t, err, "invalid escape in string");
		}
	}
	*o = '\0';
	*out = steal_ptr(&buf);
	return 0;
}

static void tval_clear(struct tval *v)
{
	free(v->str);
	strv_free(v->arr);
	*v = (struct tval){ 0 };
}

static int parse_value(struct tparser *t, struct tval *v, struct error **err)
{
	*v = (struct tval){ 0 };
	if (*t->p == '"' || *t->p == '\'') {
		v->kind = TV_STR;
		return parse_string(t, &v->str, err);
	}
	if (strncmp(t->p, "true", 4) == 0 || strncmp(t->p, "false", 5) == 0) {
		v->kind = TV_BOOL;
		v->b = t->p[0] == 't';
		t->p += v->b ? 4 : 5;
		return 0;
	}
	if (isdigit((unsigned char)*t->p) || *t->p == '-' || *t->p == '+') {
		char *end;
		errno = 0;
		v->kind = TV_INT;
		v->n = strtol(t->p, &end, 10);
		if (errno != 0 || end == t->p)
			return perr(t, err, "invalid integer");
		t->p = end;
		return 0;
	}
	if (*t->p == '[') {
		t->p++;
		v->kind = TV_ARRAY;
		v->arr = xcalloc(1, sizeof(char *));
		for (;;) {
			skip_ws(t, true);
			if (*t->p == ']') {
				t->p++;
				return 0;
			}
			if (*t->p != '"' && *t->p != '\'')
				return perr(t, err, "arrays may only hold strings here");
			char *s = NULL;
			if (parse_string(t, &s, err) < 0)
				return -1;
			strv_push_take(&v->arr, s);
			skip_ws(t, true);
			if (*t->p == ',')
				t->p++;
			else if (*t->p != ']')
				return perr(t, err, "expected ',' or ']' in array");
		}
	}
	if (*t->p == '{')
		return perr(t, err, "inline tables are not supported: use [[registry.mirror]]");
	return perr(t, err, "expected a value");
}

static int parse_key(struct tparser *t, char **key, struct error **err)
{
	if (*t->p == '"' || *t->p == '\'')
		return parse_string(t, key, err);
	const char *s = t->p;
	while (isalnum((unsigned char)*t->p) || *t->p == '_' || *t->p == '-')
		t->p++;
	if (t->p == s)
		return perr(t, err, "expected a key");
	if (*t->p == '.')
		return perr(t, err, "dotted keys are not supported");
	*key = xstrndup(s, (size_t)(t->p - s));
	return 0;
}

enum section {
	SEC_TOP,
	SEC_ALIASES,
	SEC_REGISTRY,
	SEC_MIRROR,
	SEC_IGNORED
};

struct load_state {
	struct storage_regconf *c;
	enum section sec;
};

static int parse_header(struct tparser *t, struct load_state *st, struct error **err)
{
	bool dbl = t->p[1] == '[';
	t->p += dbl ? 2 : 1;
	const char *s = t->p;
	while (*t->p && *t->p != ']' && *t->p != '\n')
		t->p++;
	autofree char *name = xstrndup(s, (size_t)(t->p - s));
	if (*t->p != ']' || (dbl && t->p[1] != ']'))
		return perr(t, err, "unterminated table header");
	t->p += dbl ? 2 : 1;
	struct storage_regconf *c = st->c;
	if (dbl && strcmp(name, "registry") == 0) {
		c->regs = xrealloc(c->regs, (c->n_regs + 1) * sizeof(*c->regs));
		c->regs[c->n_regs++] = (struct regconf_registry){ 0 };
		st->sec = SEC_REGISTRY;
	} else if (dbl && strcmp(name, "registry.mirror") == 0) {
		if (c->n_regs == 0)
			return perr(t, err, "[[registry.mirror]] before any [[registry]]");
		struct regconf_registry *r = &c->regs[c->n_regs - 1];
		r->mirrors = xrealloc(r->mirrors, (r->n_mirrors + 1) * sizeof(*r->mirrors));
		r->mirrors[r->n_mirrors++] = (struct regconf_mirror){ 0 };
		st->sec = SEC_MIRROR;
	} else if (!dbl && strcmp(name, "aliases") == 0) {
		st->sec = SEC_ALIASES;
	} else if (!dbl && strncmp(name, "registries.", 11) == 0) {
		return perr(t, err,
			    "version 1 tables ([registries.*]) are not supported: use the "
			    "v2 format (unqualified-search-registries, [[registry]])");
	} else if (!dbl && strcmp(name, "engine") == 0) {
		st->sec = SEC_IGNORED;
	} else {
		autofree char *m =
		    xasprintf("unknown table [%s%s%s]", dbl ? "[" : "", name, dbl ? "]" : "");
		return perr(t, err, m);
	}
	return 0;
}

static int want(struct tparser *t, const struct tval *v, enum tval_kind k, const char *key,
		struct error **err)
{
	static const char *const names[] = { "a string", "a boolean", "an integer", "an array" };
	if (v->kind == k)
		return 0;
	autofree char *m = xasprintf("%s must be %s", key, names[k]);
	return perr(t, err, m);
}

static int assign(struct tparser *t, struct load_state *st, const char *key, struct tval *v,
		  struct error **err)
{
	struct storage_regconf *c = st->c;
	struct regconf_registry *r = c->n_regs ? &c->regs[c->n_regs - 1] : NULL;
	struct regconf_mirror *m = r && r->n_mirrors ? &r->mirrors[r->n_mirrors - 1] : NULL;
	switch (st->sec) {
	case SEC_TOP:
		if (strcmp(key, "unqualified-search-registries") == 0) {
			if (want(t, v, TV_ARRAY, key, err) < 0)
				return -1;
			strv_free(c->search);
			c->search = steal_ptr(&v->arr);
		} else if (strcmp(key, "short-name-mode") == 0) {
			if (want(t, v, TV_STR, key, err) < 0)
				return -1;
			free(c->short_name_mode);
			c->short_name_mode = steal_ptr(&v->str);
		} else {
			log_debug("%s:%d: ignoring key %s", t->file, t->line, key);
		}
		return 0;
	case SEC_ALIASES:
		if (want(t, v, TV_STR, key, err) < 0)
			return -1;
		strv_push(&c->alias_keys, key);
		strv_push_take(&c->alias_vals, steal_ptr(&v->str));
		return 0;
	case SEC_REGISTRY:
	case SEC_MIRROR: {
		bool mir = st->sec == SEC_MIRROR;
		if (strcmp(key, "location") == 0 || (!mir && strcmp(key, "prefix") == 0)) {
			if (want(t, v, TV_STR, key, err) < 0)
				return -1;
			char **dst =
			    mir ? &m->location : (key[0] == 'p' ? &r->prefix : &r->location);
			free(*dst);
			*dst = steal_ptr(&v->str);
		} else if (strcmp(key, "insecure") == 0 || (!mir && strcmp(key, "blocked") == 0)) {
			if (want(t, v, TV_BOOL, key, err) < 0)
				return -1;
			if (mir)
				m->insecure = v->b;
			else if (key[0] == 'i')
				r->insecure = v->b;
			else
				r->blocked = v->b;
		} else {
			log_debug("%s:%d: ignoring key %s", t->file, t->line, key);
		}
		return 0;
	}
	case SEC_IGNORED:
		return 0;
	}
	return 0;
}

int storage_regconf_parse(const char *file, const char *text, struct storage_regconf *c,
			  struct error **err)
{
	struct tparser t = { .p = text, .line = 1, .file = file };
	struct load_state st = { .c = c, .sec = SEC_TOP };
	for (;;) {
		skip_ws(&t, true);
		if (*t.p == '\0')
			return 0;
		if (*t.p == '[') {
			if (parse_header(&t, &st, err) < 0)
				return -1;
		} else {
			autofree char *key = NULL;
			struct tval v = { 0 };
			if (parse_key(&t, &key, err) < 0)
				return -1;
			skip_ws(&t, false);
			if (*t.p != '=')
				return perr(&t, err, "expected '=' after key");
			t.p++;
			skip_ws(&t, false);
			int line = t.line;
			int rc = parse_value(&t, &v, err);
			if (rc == 0) {
				int end = t.line;
				t.line = line;
				rc = assign(&t, &st, key, &v, err);
				t.line = end;
			}
			tval_clear(&v);
			if (rc < 0)
				return -1;
		}
		skip_ws(&t, false);
		if (*t.p != '\n' && *t.p != '\0')
			return perr(&t, err, "unexpected text after the value");
	}
}

void storage_regconf_clear(struct storage_regconf *c)
{
	strv_free(c->search);
	strv_free(c->alias_keys);
	strv_free(c->alias_vals);
	free(c->short_name_mode);
	for (size_t i = 0; i < c->n_regs; i++) {
		struct regconf_registry *r = &c->regs[i];
		free(r->prefix);
		free(r->location);
		for (size_t j = 0; j < r->n_mirrors; j++)
			free(r->mirrors[j].location);
		free(r->mirrors);
	}
	free(c->regs);
	*c = (struct storage_regconf){ 0 };
}

int storage_conf_file(const char *path, size_t max, bool must, storage_conf_parse_fn parse,
		      void *arg, struct error **err)
{
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, max, &text, NULL, &e) < 0) {
		if (!must && (e->code == ENOENT || e->code == ENOTDIR)) {
			err_free(&e);
			return 0;
		}
		*err = e;
		return -1;
	}
	return parse(path, text, arg, err);
}

static int filter_conf(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

int storage_conf_dropins(const char *dir, size_t max, bool must, storage_conf_parse_fn parse,
			 void *arg, struct error **err)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, filter_conf, alphasort);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		autofree char *p = xasprintf("%s/%s", dir, list[i]->d_name);
		if (rc == 0)
			rc = storage_conf_file(p, max, must, parse, arg, err);
		free(list[i]);
	}
	free(list);
	return rc;
}

static int parse_regconf(const char *path, const char *text, void *c, struct error **err)
{
	return storage_regconf_parse(path, text, c, err);
}

static int load_file(const char *path, bool must, struct storage_regconf *c, struct error **err)
{
	return storage_conf_file(path, REGCONF_MAX, must, parse_regconf, c, err);
}

static int load_dropins(const char *dir, struct storage_regconf *c, struct error **err)
{
	return storage_conf_dropins(dir, REGCONF_MAX, true, parse_regconf, c, err);
}

int storage_regconf_load(struct storage_regconf *c, struct error **err)
{
	*c = (struct storage_regconf){ 0 };
	const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
	if (env != NULL && *env != '\0')
		return load_file(env, true, c, err);
	/* As containers/image: the user's file, when there is one, replaces the system file;
	 * drop-in directories are read on top of either. */
	autofree char *cfg = paths_config_home(err);
	if (cfg == NULL)
		return -1;
	autofree char *user = xasprintf("%s/containers/registries.conf", cfg);
	autofree char *userd = xasprintf("%s/containers/registries.conf.d", cfg);
	const char *sys = getenv("HUTCH_SYSTEM_REGISTRIES_CONF");
	if (sys == NULL)
		sys = "/etc/containers/registries.conf";
	int rc = load_file(fs_exists(user) ? user : sys, false, c, err);
	if (rc == 0 && getenv("HUTCH_SYSTEM_REGISTRIES_CONF") == NULL)
		rc = load_dropins("/etc/containers/registries.conf.d", c, err);
	if (rc == 0)
		rc = load_dropins(userd, c, err);
	if (rc < 0)
		storage_regconf_clear(c);
	return rc;
}

/* Does prefix p match name n at a component boundary? "*.example.com" matches subdomains. */
static size_t prefix_match(const char *p, const char *n)
{
	if (strncmp(p, "*.", 2) == 0) {
		const char *slash = strchr(n, '/');
		size_t hl = slash ? (size_t)(slash - n) : strlen(n);
		size_t pl = strlen(p + 1);
		if (hl > pl && memcmp(n + hl - pl, p + 1, pl) == 0)
			return hl;
		return 0;
	}
	size_t pl = strlen(p);
	if (strncmp(p, n, pl) != 0)
		return 0;
	if (n[pl] == '\0' || n[pl] == '/' || n[pl] == ':' || n[pl] == '@')
		return pl;
	return 0;
}

const struct regconf_registry *storage_regconf_find(const struct storage_regconf *c,
						    const char *name, size_t *matched)
{
	const struct regconf_registry *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < c->n_regs; i++) {
		const char *p = c->regs[i].prefix ? c->regs[i].prefix : c->regs[i].location;
		if (p == NULL)
			continue;
		size_t l = prefix_match(p, name);
		if (l > best_len) {
			best = &c->regs[i];
			best_len = l;
		}
	}
	*matched = best_len;
	return best;
}

const char *storage_regconf_alias(const struct storage_regconf *c, const char *shortname)
{
	const char *found = NULL;
	for (size_t i = 0; c->alias_keys != NULL && c->alias_keys[i] != NULL; i++)
		if (strcmp(c->alias_keys[i], shortname) == 0)
			found = c->alias_vals[i]; /* later files win */
	return found;
}
