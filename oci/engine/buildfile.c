/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Containerfile parser of `build`: text in, instruction list out, nothing else (no
 * file, no store). Docker's rules: parser directives (`# syntax=`, `# escape=`) in the
 * leading comments only; comment lines dropped, also inside a continued instruction; the
 * escape character at the end of a line continues it; the keyword in any case; leading
 * --flags; the exec form when the arguments are a JSON array of strings; heredocs
 * (`<<EOF`, `<<-EOF`, `<<'EOF'`) on RUN, COPY and ADD, their bodies the lines up to the
 * terminator. Variable substitution (eng_bf_words) is Docker's shell-word lexer: quotes,
 * the escape character, $VAR, ${VAR}, ${VAR:-x}, ${VAR:+x}, ${VAR-x}, ${VAR+x}, ${VAR:?x}.
 * Input is hostile: every error names the file and line, nothing is unbounded.
 */
#include "oci/engine/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const known[] = { "ADD",	    "ARG",     "CMD",	     "COPY",
				     "ENTRYPOINT",  "ENV",     "EXPOSE",     "FROM",
				     "HEALTHCHECK", "LABEL",   "MAINTAINER", "ONBUILD",
				     "RUN",	    "SHELL",   "STOPSIGNAL", "USER",
				     "VOLUME",	    "WORKDIR", NULL };

/* Instructions whose arguments may be a JSON array (the exec form). */
static bool takes_json(const char *cmd)
{
	return strcmp(cmd, "RUN") == 0 || strcmp(cmd, "CMD") == 0 ||
	       strcmp(cmd, "ENTRYPOINT") == 0 || strcmp(cmd, "SHELL") == 0 ||
	       strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0 || strcmp(cmd, "VOLUME") == 0;
}

static bool takes_flags(const char *cmd)
{
	return strcmp(cmd, "RUN") == 0 || strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0 ||
	       strcmp(cmd, "FROM") == 0 || strcmp(cmd, "HEALTHCHECK") == 0;
}

static bool takes_heredoc(const char *cmd)
{
	return strcmp(cmd, "RUN") == 0 || strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0;
}

/* Directives: "# key=value" lines before anything else. */
static bool directive(const char *line, size_t len, char **key, char **value)
{
	size_t i = 0;
	while (i < len && isblank((unsigned char)line[i]))
		i++;
	if (i >= len || line[i] != '#')
		return false;
	i++;
	while (i < len && isblank((unsigned char)line[i]))
		i++;
	size_t k = i;
	while (i < len && (isalnum((unsigned char)line[i]) || line[i] == '_'))
		i++;
	size_t klen = i - k;
	while (i < len && isblank((unsigned char)line[i]))
		i++;
	if (klen == 0 || i >= len || line[i] != '=')
		return false;
	i++;
	while (i < len && isblank((unsigned char)line[i]))
		i++;
	size_t v = i, e = len;
	while (e > v && isspace((unsigned char)line[e - 1]))
		e--;
	*key = xstrndup(line + k, klen);
	for (char *p = *key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*value = xstrndup(line + v, e - v);
	return true;
}

static void heredoc_free(struct eng_bf_heredoc *h)
{
	free(h->name);
	free(h->body);
}

static void instr_clear(struct eng_bf_instr *in)
{
	free(in->cmd);
	free(in->args);
	free(in->original);
	strv_free(in->flags);
	strv_free(in->json);
	for (size_t i = 0; i < in->n_heredocs; i++)
		heredoc_free(&in->heredocs[i]);
	free(in->heredocs);
	if (in->onbuild != NULL) {
		instr_clear(in->onbuild);
		free(in->onbuild);
	}
	*in = (struct eng_bf_instr){ 0 };
}

void eng_bf_clear(struct eng_bf *b)
{
	for (size_t i = 0; i < b->n; i++)
		instr_clear(&b->v[i]);
	free(b->v);
	free(b->syntax);
	*b = (struct eng_bf){ 0 };
}

/* The heredoc markers of an instruction's arguments: "<<EOF", "<<-EOF", "<<'EOF'",
 * "<<\"EOF\"" words. Appended to in->heredocs (bodies filled later). */
static int find_heredocs(struct eng_bf_instr *in, const char *file, int line, struct error **err)
{
	const char *s = in->args;
	while ((s = strstr(s, "<<")) != NULL) {
		const char *p = s + 2;
		bool chomp = false, quoted = false;
		if (*p == '-')
			chomp = true, p++;
		char q = 0;
		if (*p == '"' || *p == '\'')
			q = *p++, quoted = true;
		const char *n = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			p++;
		if (p == n || (q && *p != q)) {
			s += 2;
			continue;
		}
		if (in->n_heredocs >= 16)
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: too many heredocs", file,
				       line);
		in->heredocs = xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*in->heredocs));
		in->heredocs[in->n_heredocs++] = (struct eng_bf_heredoc){
			.name = xstrndup(n, (size_t)(p - n)), .expand = !quoted, .chomp = chomp
		};
		s = q ? p + 1 : p;
	}
	return 0;
}

/* Split off leading --flags (for the instructions that take them). */
static void split_flags(struct eng_bf_instr *in)
{
	char *s = in->args;
	for (;;) {
		while (isblank((unsigned char)*s))
			s++;
		if (strncmp(s, "--", 2) != 0 || s[2] == '\0' || isspace((unsigned char)s[2]))
			break;
		char *e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		strv_push_take(&in->flags, xstrndup(s, (size_t)(e - s)));
		s = e;
	}
	char *rest = xstrdup(s);
	free(in->args);
	in->args = rest;
}

/* The exec form: a JSON array of strings only; anything else is the shell form. */
static void try_json(struct eng_bf_instr *in)
{
	const char *s = in->args;
	if (*s != '[')
		return;
	struct json_tokener *tok = json_tokener_new_ex(16);
	if (tok == NULL)
		return;
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	bool whole = o != NULL && json_tokener_get_error(tok) == json_tokener_success;
	if (whole) {
		size_t off = json_tokener_get_parse_end(tok);
		while (s[off] && isspace((unsigned char)s[off]))
			off++;
		whole = s[off] == '\0';
	}
	json_tokener_free(tok);
	char **v = NULL;
	size_t bad = 0;
	if (whole && json_object_is_type(o, json_type_array) && json_strv_all(o, &v, &bad) == 0)
		in->json = v;
	json_object_put(o);
}

static int add_instr(struct eng_bf *b, const char *file, int line, const char *text,
		     struct eng_bf_instr *out, bool nested, struct error **err)
{
	while (isblank((unsigned char)*text))
		text++;
	const char *e = text;
	while (*e && !isspace((unsigned char)*e))
		e++;
	struct eng_bf_instr in = { .line = line };
	in.cmd = xstrndup(text, (size_t)(e - text));
	for (char *p = in.cmd; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	bool ok = false;
	for (size_t i = 0; known[i] != NULL && !ok; i++)
		ok = strcmp(known[i], in.cmd) == 0;
	if (!ok) {
		str_printable(in.cmd);
		err_set(err, EINVAL, ERR_TOOL, "%s:%d: unknown instruction: %s", file, line,
			in.cmd);
		instr_clear(&in);
		return -1;
	}
	while (isblank((unsigned char)*e))
		e++;
	in.args = xstrdup(e);
	size_t n = strlen(in.args);
	while (n > 0 && isspace((unsigned char)in.args[n - 1]))
		in.args[--n] = '\0';
	in.original = xasprintf("%s%s%s", in.cmd, *in.args ? " " : "", in.args);
	if (strcmp(in.cmd, "ONBUILD") == 0) {
		if (nested) {
			instr_clear(&in);
			return err_set(
			    err, EINVAL, ERR_TOOL,
			    "%s:%d: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", file,
			    line);
		}
		if (*in.args == '\0') {
			instr_clear(&in);
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: ONBUILD requires an instruction", file, line);
		}
		in.onbuild = xcalloc(1, sizeof(*in.onbuild));
		if (add_instr(b, file, line, in.args, in.onbuild, true, err) < 0) {
			instr_clear(&in);
			return -1;
		}
		const char *sub = in.onbuild->cmd;
		if (strcmp(sub, "FROM") == 0 || strcmp(sub, "MAINTAINER") == 0) {
			err_set(err, EINVAL, ERR_TOOL,
				"%s:%d: %s isn't allowed as an ONBUILD trigger", file, line, sub);
			instr_clear(&in);
			return -1;
		}
		*out = in;
		return 0;
	}
	if (takes_flags(in.cmd))
		split_flags(&in);
	if (takes_json(in.cmd))
		try_json(&in);
	if (in.json == NULL && takes_heredoc(in.cmd) && find_heredocs(&in, file, line, err) < 0) {
		instr_clear(&in);
		return -1;
	}
	bool empty_ok = strcmp(in.cmd, "RUN") == 0 && in.n_heredocs > 0;
	if (*in.args == '\0' && !empty_ok) {
		int rc = err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s requires at least one argument",
				 file, line, in.cmd);
		instr_clear(&in);
		return rc;
	}
	*out = in;
	return 0;
}

/* One line: [s, e) without its newline. */
struct bf_line {
	const char *s;
	size_t len;
};

static bool next_line(const char **p, const char *end, struct bf_line *l)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *le = nl ? nl : end;
	l->s = *p;
	l->len = (size_t)(le - *p);
	if (l->len > 0 && l->s[l->len - 1] == '\r')
		l->len--;
	*p = nl ? nl + 1 : end;
	return true;
}

static bool blank(const struct bf_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!isspace((unsigned char)l->s[i]))
			return false;
	return true;
}

static bool comment(const struct bf_line *l)
{
	size_t i = 0;
	while (i < l->len && isblank((unsigned char)l->s[i]))
		i++;
	return i < l->len && l->s[i] == '#';
}

/* The line ends with the escape character (trailing blanks allowed): its length without. */
static bool continued(const struct bf_line *l, char esc, size_t *keep)
{
	size_t e = l->len;
	while (e > 0 && isblank((unsigned char)l->s[e - 1]))
		e--;
	if (e == 0 || l->s[e - 1] != esc)
		return false;
	*keep = e - 1;
	return true;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* The bodies of in's heredocs: the lines after the instruction up to each terminator. */
static int read_heredocs(struct eng_bf_instr *in, const char **p, const char *end, int *lineno,
			 const char *file, struct error **err)
{
	for (size_t h = 0; h < in->n_heredocs; h++) {
		struct eng_bf_heredoc *hd = &in->heredocs[h];
		struct sbuf body = { 0 };
		sb_add(&body, "", 0);
		struct bf_line l;
		bool done = false;
		while (!done && next_line(p, end, &l)) {
			(*lineno)++;
			const char *s = l.s;
			size_t n = l.len;
			if (hd->chomp)
				while (n > 0 && *s == '\t')
					s++, n--;
			if (n == strlen(hd->name) && memcmp(s, hd->name, n) == 0) {
				done = true;
				break;
			}
			sb_add(&body, s, n);
			sb_addc(&body, '\n');
		}
		if (!done) {
			free(body.s);
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: unterminated heredoc %s (no line \"%s\")", file,
				       in->line, hd->name, hd->name);
		}
		hd->body = body.s;
	}
	return 0;
}

int eng_bf_parse(const char *text, size_t len, const char *file, struct eng_bf *out,
		 struct error **err)
{
	*out = (struct eng_bf){ .escape = '\\' };
	const char *p = text, *end = text + len;
	if (memchr(text, '\0', len) != NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s: a NUL byte in the file", file);
	struct bf_line l;
	int lineno = 0;
	/* Directives: leading "# key=value" lines, each key once. */
	const char *q = p;
	int dl = 0;
	while (next_line(&q, end, &l)) {
		char *k = NULL, *v = NULL;
		if (!directive(l.s, l.len, &k, &v))
			break;
		dl++;
		bool known_key = true;
		if (strcmp(k, "escape") == 0) {
			if (strcmp(v, "\\") != 0 && strcmp(v, "`") != 0) {
				free(k);
				int rc = err_set(err, EINVAL, ERR_TOOL,
						 "%s:%d: invalid escape token '%s' does not "
						 "validate",
						 file, dl, v);
				free(v);
				eng_bf_clear(out); /* a syntax directive before it */
				return rc;
			}
			out->escape = *v;
		} else if (strcmp(k, "syntax") == 0) {
			free(out->syntax);
			out->syntax = xstrdup(v);
		} else {
			known_key = false;
		}
		free(k);
		free(v);
		(void)known_key;
		p = q;
		lineno = dl;
	}
	struct sbuf cur = { 0 };
	int start = 0;
	while (next_line(&p, end, &l)) {
		lineno++;
		if (cur.s == NULL && (blank(&l) || comment(&l)))
			continue;
		if (cur.s != NULL && comment(&l))
			continue; /* a comment inside a continued instruction */
		if (cur.s != NULL && blank(&l))
			continue; /* Docker drops empty continuation lines */
		if (cur.s == NULL)
			start = lineno;
		size_t keep = 0;
		if (continued(&l, out->escape, &keep)) {
			sb_add(&cur, l.s, keep);
			if (cur.len > (1 << 20)) {
				free(cur.s);
				eng_bf_clear(out);
				return err_set(err, EINVAL, ERR_TOOL, "%s:%d: instruction too long",
					       file, start);
			}
			continue;
		}
		sb_add(&cur, l.s, l.len);
		if (out->n >= 10000) {
			free(cur.s);
			eng_bf_clear(out);
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: too many instructions", file,
				       start);
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		struct eng_bf_instr *in = &out->v[out->n];
		int rc = add_instr(out, file, start, cur.s, in, false, err);
		free(cur.s);
		cur = (struct sbuf){ 0 };
		if (rc < 0) {
			eng_bf_clear(out);
			return -1;
		}
		out->n++;
		struct eng_bf_instr *hin = in->onbuild ? in->onbuild : in;
		if (hin->n_heredocs > 0 && read_heredocs(hin, &p, end, &lineno, file, err) < 0) {
			eng_bf_clear(out);
			return -1;
		}
	}
	if (cur.s != NULL) { /* a continuation at the end of the file */
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		struct eng_bf_instr *in = &out->v[out->n];
		int rc = add_instr(out, file, start, cur.s, in, false, err);
		free(cur.s);
		if (rc < 0) {
			eng_bf_clear(out);
			return -1;
		}
		out->n++;
		struct eng_bf_instr *hin = in->onbuild ? in->onbuild : in;
		if (hin->n_heredocs > 0 && read_heredocs(hin, &p, end, &lineno, file, err) < 0) {
			eng_bf_clear(out);
			return -1;
		}
	}
	if (out->n == 0) {
		eng_bf_clear(out); /* directives only */
		return err_set(err, EINVAL, ERR_TOOL, "%s: no instructions", file);
	}
	return 0;
}

/* ---------- words and variables ---------- */

struct lexer {
	const char *s;
	char esc;
	eng_bf_lookup lookup;
	void *arg;
	const char *file;
	int line;
	unsigned depth;
};

static int lex_word_until(struct lexer *x, struct sbuf *out, const char *stop, bool in_dq,
			  struct error **err);

static int lex_var(struct lexer *x, struct sbuf *out, struct error **err)
{
	/* at '$' */
	x->s++;
	if (*x->s == '{') {
		x->s++;
		const char *n = x->s;
		while (*x->s && (isalnum((unsigned char)*x->s) || *x->s == '_'))
			x->s++;
		size_t nl = (size_t)(x->s - n);
		if (nl == 0)
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: bad substitution", x->file,
				       x->line);
		autofree char *name = xstrndup(n, nl);
		const char *val = x->lookup(x->arg, name);
		if (*x->s == '}') {
			x->s++;
			if (val)
				sb_add(out, val, strlen(val));
			return 0;
		}
		bool colon = false;
		if (*x->s == ':')
			colon = true, x->s++;
		char op = *x->s;
		if (op != '-' && op != '+' && op != '?')
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: unsupported modifier (%c) in substitution", x->file,
				       x->line, op ? op : ' ');
		x->s++;
		if (++x->depth > 32)
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: substitution nested too deep",
				       x->file, x->line);
		struct sbuf w = { 0 };
		sb_add(&w, "", 0);
		int rc = lex_word_until(x, &w, "}", false, err);
		x->depth--;
		if (rc < 0) {
			free(w.s);
			return -1;
		}
		if (*x->s != '}') {
			free(w.s);
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: missing '}' in substitution",
				       x->file, x->line);
		}
		x->s++;
		bool set = val != NULL && (!colon || *val);
		if (op == '-')
			sb_add(out, set ? val : w.s, strlen(set ? val : w.s));
		else if (op == '+') {
			if (set)
				sb_add(out, w.s, strlen(w.s));
		} else if (!set) {
			str_printable(w.s);
			int rc2 = err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s: %s", x->file, x->line,
					  name, *w.s ? w.s : "is not allowed to be unset");
			free(w.s);
			return rc2;
		} else
			sb_add(out, val, strlen(val));
		free(w.s);
		return 0;
	}
	const char *n = x->s;
	while (*x->s && (isalnum((unsigned char)*x->s) || *x->s == '_'))
		x->s++;
	if (x->s == n) {
		sb_addc(out, '$');
		return 0;
	}
	autofree char *name = xstrndup(n, (size_t)(x->s - n));
	const char *val = x->lookup(x->arg, name);
	if (val)
		sb_add(out, val, strlen(val));
	return 0;
}

/* Read one word (or, in a ${...} modifier, up to a stop character) into out. */
static int lex_word_until(struct lexer *x, struct sbuf *out, const char *stop, bool in_dq,
			  struct error **err)
{
	(void)in_dq;
	while (*x->s) {
		char c = *x->s;
		if (stop != NULL && strchr(stop, c) != NULL)
			return 0;
		if (stop == NULL && isspace((unsigned char)c))
			return 0;
		if (c == x->esc) {
			x->s++;
			if (*x->s == '\0')
				return 0;
			sb_addc(out, *x->s++);
			continue;
		}
		if (c == '\'') {
			x->s++;
			while (*x->s && *x->s != '\'')
				sb_addc(out, *x->s++);
			if (*x->s != '\'')
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: unexpected end of "
					       "statement while looking for "
					       "matching single-quote",
					       x->file, x->line);
			x->s++;
			continue;
		}
		if (c == '"') {
			x->s++;
			while (*x->s && *x->s != '"') {
				if (*x->s == x->esc &&
				    (x->s[1] == '"' || x->s[1] == '$' || x->s[1] == x->esc)) {
					sb_addc(out, x->s[1]);
					x->s += 2;
				} else if (*x->s == '$') {
					if (lex_var(x, out, err) < 0)
						return -1;
				} else
					sb_addc(out, *x->s++);
			}
			if (*x->s != '"')
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: unexpected end of "
					       "statement while looking for "
					       "matching double-quote",
					       x->file, x->line);
			x->s++;
			continue;
		}
		if (c == '$') {
			if (lex_var(x, out, err) < 0)
				return -1;
			continue;
		}
		sb_addc(out, c);
		x->s++;
	}
	return 0;
}

int eng_bf_words(const char *s, const struct eng_bf_expand *e, bool split, char ***words,
		 struct error **err)
{
	*words = xcalloc(1, sizeof(char *));
	struct lexer x = { .s = s,
			   .esc = e->escape ? e->escape : '\\',
			   .lookup = e->lookup,
			   .arg = e->arg,
			   .file = e->file ? e->file : "Containerfile",
			   .line = e->line };
	while (*x.s) {
		while (split && isspace((unsigned char)*x.s))
			x.s++;
		if (*x.s == '\0')
			break;
		struct sbuf w = { 0 };
		sb_add(&w, "", 0);
		int rc = lex_word_until(&x, &w, split ? NULL : "", false, err);
		if (rc < 0) {
			free(w.s);
			strv_free(*words);
			*words = NULL;
			return -1;
		}
		strv_push_take(words, w.s);
		if (!split)
			break;
	}
	return 0;
}

/* Split on blanks outside quotes, keeping the quotes (Docker's parseWords, for ENV and
 * LABEL's name=value pairs). */
char **eng_bf_split_raw(const char *s, char esc)
{
	char **v = xcalloc(1, sizeof(char *));
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		const char *b = s;
		char q = 0;
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (*s == esc && s[1] && q != '\'') {
				s += 2;
				continue;
			}
			if (q && *s == q)
				q = 0;
			else if (!q && (*s == '"' || *s == '\''))
				q = *s;
			s++;
		}
		strv_push_take(&v, xstrndup(b, (size_t)(s - b)));
	}
	return v;
}
