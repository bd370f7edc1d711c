/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's text/template for --format, over json-c documents. The text is lexed into tokens,
 * parsed into a tree (checking functions and variables as Go does at parse time), then
 * executed. A JSON object stands for a Go struct or map: a missing key is "<no value>" in
 * a map, but an error ("can't evaluate field") in a struct, and an object whose keys all
 * start with an upper-case letter is taken for a struct (podman's documents are structs;
 * Labels and Options are maps). Values print as Go's fmt.Print (tool/template_fn.c).
 */
#include "tool/template.h"
#include "tool/template_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---------- lexer ---------- */

enum tok_type {
	T_TEXT,
	T_LEFT,
	T_RIGHT,
	T_FIELD, /* .Name */
	T_DOT,
	T_VAR, /* $x or $ */
	T_IDENT,
	T_STRING, /* value already unquoted */
	T_NUMBER,
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_DECLARE,
	T_ASSIGN,
	T_COMMA,
	T_CHAR, /* punctuation of no meaning */
	T_EOF,
};

struct tok {
	enum tok_type t;
	int pos, end; /* end: just after the token, to tell ".A.B" from ".A .B" */
	char *s;      /* owned text (unquoted for strings) */
};

struct lexer {
	const char *text;
	size_t n;
	struct tok *v;
	size_t nv, cap;
};

static void emit(struct lexer *l, enum tok_type t, int pos, const char *s, size_t len)
{
	if (l->nv == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->nv++] = (struct tok){ t, pos, pos + (int)len, s ? xstrndup(s, len) : NULL };
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alnum_(int c)
{
	return isalnum(c) || c == '_';
}

int tmpl_errf(struct tmpl_ctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	int rc = err_set(x->err, EINVAL, ERR_TOOL, "%s", m ? m : "template error");
	free(m);
	return rc;
}

static int line_of(const char *text, int pos)
{
	int line = 1;
	for (int i = 0; i < pos && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

static int parse_err(struct tmpl_ctx *x, int pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	int rc = err_set(x->err, EINVAL, ERR_TOOL, "template: %s:%d: %s", x->name,
			 line_of(x->text, pos), m ? m : "");
	free(m);
	return rc;
}

/* A quoted string's value with Go's escapes; -1 when malformed. */
static int unquote(const char *s, size_t len, char **out)
{
	char *buf = xmalloc(len + 1), *o = buf;
	for (size_t i = 1; i + 1 < len; i++) {
		if (s[i] != '\\') {
			*o++ = s[i];
			continue;
		}
		char c = s[++i];
		static const char from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
		const char *k = strchr(from, c);
		if (c != '\0' && k != NULL) {
			*o++ = to[k - from];
		} else if (c == 'x' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
			   isxdigit((unsigned char)s[i + 2])) {
			char h[3] = { s[i + 1], s[i + 2], 0 };
			*o++ = (char)strtol(h, NULL, 16);
			i += 2;
		} else if (c == 'u' && i + 4 < len) {
			char h[5] = { s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0 };
			unsigned long cp = strtoul(h, NULL, 16);
			/* UTF-8 of the code point */
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | (cp >> 6));
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xe0 | (cp >> 12));
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			i += 4;
		} else {
			free(buf);
			return -1;
		}
	}
	*o = '\0';
	*out = buf;
	return 0;
}

/* Lex one action starting at *pp (after the left delimiter); leaves *pp after "}}". */
static int lex_action(struct tmpl_ctx *x, struct lexer *l, size_t *pp, bool *trim_right, int start)
{
	const char *t = l->text;
	size_t p = *pp, n = l->n;
	for (;;) {
		if (p >= n)
			return parse_err(x, start, "unclosed action");
		if (is_space(t[p])) {
			if (p + 3 < n + 0 && t[p + 1] == '-' && t[p + 2] == '}' &&
			    t[p + 3] == '}') {
				*trim_right = true;
				*pp = p + 4;
				emit(l, T_RIGHT, (int)p, NULL, 0);
				return 0;
			}
			p++;
			continue;
		}
		if (t[p] == '}' && p + 1 < n && t[p + 1] == '}') {
			*trim_right = false;
			*pp = p + 2;
			emit(l, T_RIGHT, (int)p, NULL, 0);
			return 0;
		}
		size_t s = p;
		char c = t[p];
		if (c == '|' || c == '(' || c == ')' || c == ',' || c == '=') {
			emit(l,
			     c == '|'	? T_PIPE
			     : c == '(' ? T_LPAREN
			     : c == ')' ? T_RPAREN
			     : c == ',' ? T_COMMA
					: T_ASSIGN,
			     (int)p, NULL, 0);
			l->v[l->nv - 1].end = (int)p + 1;
			p++;
		} else if (c == ':' && p + 1 < n && t[p + 1] == '=') {
			emit(l, T_DECLARE, (int)p, NULL, 0);
			p += 2;
		} else if (c == '"' || c == '`') {
			for (p++; p < n && t[p] != c; p++) {
				if (c == '"' && t[p] == '\\' && p + 1 < n)
					p++;
				else if (c == '"' && t[p] == '\n')
					break;
			}
			if (p >= n || t[p] != c)
				return parse_err(x, (int)s,
						 c == '"' ? "unterminated quoted string"
							  : "unterminated raw quoted string");
			p++;
			char *v = NULL;
			if (c == '`') {
				v = xstrndup(t + s + 1, p - s - 2);
			} else if (unquote(t + s, p - s, &v) < 0) {
				return parse_err(x, (int)s, "invalid syntax");
			}
			emit(l, T_STRING, (int)s, NULL, 0);
			l->v[l->nv - 1].s = v;
		} else if (c == '$') {
			for (p++; p < n && is_alnum_((unsigned char)t[p]); p++)
				;
			emit(l, T_VAR, (int)s, t + s, p - s);
		} else if (c == '.' && p + 1 < n && isdigit((unsigned char)t[p + 1])) {
			goto number;
		} else if (c == '.') {
			for (p++; p < n && is_alnum_((unsigned char)t[p]); p++)
				;
			emit(l, p - s == 1 ? T_DOT : T_FIELD, (int)s, t + s, p - s);
		} else if (isdigit((unsigned char)c) || c == '-' || c == '+') {
		number:
			for (p++;
			     p < n && (isalnum((unsigned char)t[p]) || t[p] == '.' || t[p] == '_' ||
				       ((t[p] == '-' || t[p] == '+') &&
					(t[p - 1] == 'e' || t[p - 1] == 'E')));
			     p++)
				;
			emit(l, T_NUMBER, (int)s, t + s, p - s);
		} else if (isalpha((unsigned char)c) || c == '_') {
			for (p++; p < n && is_alnum_((unsigned char)t[p]); p++)
				;
			emit(l, T_IDENT, (int)s, t + s, p - s);
		} else if (isprint((unsigned char)c)) {
			/* other punctuation is a token the parser refuses ("unexpected") */
			emit(l, T_CHAR, (int)s, t + s, 1);
			p++;
		} else {
			return parse_err(x, (int)s, "unrecognized character in action: U+%04X",
					 (unsigned char)c);
		}
	}
}

static int lex(struct tmpl_ctx *x, struct lexer *l)
{
	const char *t = l->text;
	size_t p = 0, n = l->n;
	bool trim_next = false;
	while (p < n) {
		const char *open = strstr(t + p, "{{");
		size_t e = open ? (size_t)(open - t) : n, te = e;
		if (trim_next)
			while (p < e && is_space(t[p]))
				p++;
		trim_next = false;
		size_t in = e + 2;
		bool trim_left = open && e + 3 < n && t[e + 2] == '-' && is_space(t[e + 3]);
		if (trim_left) {
			while (te > p && is_space(t[te - 1]))
				te--;
			in = e + 3;
		}
		if (te > p)
			emit(l, T_TEXT, (int)p, t + p, te - p);
		if (open == NULL)
			break;
		size_t c = in;
		while (c < n && is_space(t[c]) && trim_left)
			c++;
		if (c + 1 < n && t[c] == '/' && t[c + 1] == '*') {
			const char *end = strstr(t + c + 2, "*/");
			if (end == NULL)
				return parse_err(x, (int)e, "unclosed comment");
			size_t q = (size_t)(end - t) + 2;
			if (q + 3 < n + 1 && is_space(t[q]) && t[q + 1] == '-' && t[q + 2] == '}' &&
			    t[q + 3] == '}') {
				trim_next = true;
				p = q + 4;
			} else if (q + 1 < n && t[q] == '}' && t[q + 1] == '}') {
				p = q + 2;
			} else {
				return parse_err(x, (int)e,
						 "comment ends before closing delimiter");
			}
			continue;
		}
		emit(l, T_LEFT, (int)e, NULL, 0);
		p = in;
		if (lex_action(x, l, &p, &trim_next, (int)e) < 0)
			return -1;
	}
	emit(l, T_EOF, (int)n, NULL, 0);
	return 0;
}

/* ---------- parser ---------- */

struct parser {
	struct tmpl_ctx *x;
	struct tok *v;
	size_t i;
	char **vars; /* declared variables in scope */
	size_t nvars;
	int in_range;
};

static struct tok *peek(struct parser *ps)
{
	return &ps->v[ps->i];
}

static struct tok *next(struct parser *ps)
{
	struct tok *t = &ps->v[ps->i];
	if (t->t != T_EOF)
		ps->i++;
	return t;
}

static struct tmpl_pipe *parse_pipe(struct parser *ps, const char *ctx, bool decl_ok);
static void tmpl_pipe_free(struct tmpl_pipe *p);
static void tmpl_arg_clear(struct tmpl_arg *a);

static bool var_known(struct parser *ps, const char *name)
{
	for (size_t i = ps->nvars; i-- > 0;)
		if (strcmp(ps->vars[i], name) == 0)
			return true;
	return false;
}

static void push_var(struct parser *ps, const char *name)
{
	ps->vars = xrealloc(ps->vars, (ps->nvars + 1) * sizeof(*ps->vars));
	ps->vars[ps->nvars++] = xstrdup(name);
}

static void pop_vars(struct parser *ps, size_t to)
{
	while (ps->nvars > to)
		free(ps->vars[--ps->nvars]);
}

/* Field names after a term: ".A.B" tokens adjacent to it. */
static void chain(struct parser *ps, struct tmpl_arg *a)
{
	while (peek(ps)->t == T_FIELD) {
		/* a field term's first name stands alone; later names touch the one before */
		bool first = a->kind == A_FIELD && a->nfields == 0;
		if (!first && ps->v[ps->i - 1].end != peek(ps)->pos)
			break;
		struct tok *t = next(ps);
		a->fields = xrealloc(a->fields, (a->nfields + 1) * sizeof(*a->fields));
		a->fields[a->nfields++] = xstrdup(t->s + 1);
	}
}

/* One operand; 0 when there is none here (*a untouched), 1 when parsed, -1 on error. */
static int operand(struct parser *ps, struct tmpl_arg *a)
{
	struct tok *t = peek(ps);
	*a = (struct tmpl_arg){ .pos = t->pos };
	switch (t->t) {
	case T_FIELD:
		a->kind = A_FIELD;
		chain(ps, a);
		return 1;
	case T_DOT:
		next(ps);
		a->kind = A_DOT;
		return 1;
	case T_VAR:
		next(ps);
		if (!var_known(ps, t->s))
			return parse_err(ps->x, t->pos, "undefined variable \"%s\"", t->s);
		a->kind = A_VAR;
		a->s = xstrdup(t->s);
		chain(ps, a);
		return 1;
	case T_STRING:
		next(ps);
		a->kind = A_STR;
		a->s = xstrdup(t->s);
		return 1;
	case T_NUMBER: {
		next(ps);
		char *end = NULL;
		errno = 0;
		a->s = xstrdup(t->s); /* Go shows a number as it was written */
		long long i = strtoll(t->s, &end, 0);
		if (*end == '\0' && errno == 0) {
			a->kind = A_INT;
			a->i = i;
			return 1;
		}
		double d = strtod(t->s, &end);
		if (*end != '\0' || strncmp(t->s, "0x", 2) == 0)
			return parse_err(ps->x, t->pos, "bad number syntax: \"%s\"", t->s);
		a->kind = A_FLOAT;
		a->d = d;
		return 1;
	}
	case T_IDENT:
		next(ps);
		if (strcmp(t->s, "true") == 0 || strcmp(t->s, "false") == 0) {
			a->kind = A_BOOL;
			a->i = t->s[0] == 't';
		} else if (strcmp(t->s, "nil") == 0) {
			a->kind = A_NIL;
		} else if (tmpl_fn_known(t->s)) {
			a->kind = A_FUNC;
			a->s = xstrdup(t->s);
		} else {
			return parse_err(ps->x, t->pos, "function \"%s\" not defined", t->s);
		}
		return 1;
	case T_LPAREN:
		next(ps);
		a->kind = A_PIPE;
		a->pipe = parse_pipe(ps, "parenthesized pipeline", false);
		if (a->pipe == NULL)
			return -1;
		if (next(ps)->t != T_RPAREN) {
			tmpl_arg_clear(a);
			return parse_err(ps->x, t->pos, "unclosed left paren");
		}
		chain(ps, a);
		return 1;
	default:
		return 0;
	}
}

static void tmpl_arg_clear(struct tmpl_arg *a)
{
	free(a->s);
	for (size_t i = 0; i < a->nfields; i++)
		free(a->fields[i]);
	free(a->fields);
	tmpl_pipe_free(a->pipe);
}

static void tmpl_pipe_free(struct tmpl_pipe *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ncmds; i++) {
		for (size_t j = 0; j < p->cmds[i].nargs; j++)
			tmpl_arg_clear(&p->cmds[i].args[j]);
		free(p->cmds[i].args);
	}
	free(p->cmds);
	for (int i = 0; i < p->nvars; i++)
		free(p->vars[i]);
	free(p);
}

static bool ends_pipe(enum tok_type t)
{
	return t == T_RIGHT || t == T_RPAREN || t == T_EOF;
}

/* A pipeline up to "}}" (or ")" when parenthesised); ctx names it in errors ("if"). */
static struct tmpl_pipe *parse_pipe(struct parser *ps, const char *ctx, bool decl_ok)
{
	struct tmpl_pipe *p = xcalloc(1, sizeof(*p));
	p->pos = peek(ps)->pos;
	/* Declarations: $x :=, $i, $e :=, $x = */
	if (decl_ok && peek(ps)->t == T_VAR) {
		size_t save = ps->i;
		struct tok *v1 = next(ps), *v2 = NULL;
		if (peek(ps)->t == T_COMMA) {
			next(ps);
			if (peek(ps)->t == T_VAR)
				v2 = next(ps);
		}
		enum tok_type op = peek(ps)->t;
		if ((op == T_DECLARE || op == T_ASSIGN) && (v2 == NULL || op == T_DECLARE)) {
			next(ps);
			p->assign = op == T_ASSIGN;
			if (p->assign && !var_known(ps, v1->s)) {
				parse_err(ps->x, v1->pos, "undefined variable \"%s\"", v1->s);
				tmpl_pipe_free(p);
				return NULL;
			}
			p->vars[p->nvars++] = xstrdup(v1->s);
			if (v2)
				p->vars[p->nvars++] = xstrdup(v2->s);
		} else {
			ps->i = save;
		}
	}
	for (;;) {
		struct tmpl_cmd c = { .pos = peek(ps)->pos };
		for (;;) {
			struct tmpl_arg a;
			int r = operand(ps, &a);
			if (r < 0) {
				for (size_t k = 0; k < c.nargs; k++)
					tmpl_arg_clear(&c.args[k]);
				free(c.args);
				tmpl_pipe_free(p);
				return NULL;
			}
			if (r == 0)
				break;
			c.args = xrealloc(c.args, (c.nargs + 1) * sizeof(*c.args));
			c.args[c.nargs++] = a;
		}
		struct tok *t = peek(ps);
		if (c.nargs > 0) {
			p->cmds = xrealloc(p->cmds, (p->ncmds + 1) * sizeof(*p->cmds));
			p->cmds[p->ncmds++] = c;
		}
		if (t->t == T_PIPE) {
			if (c.nargs == 0) {
				parse_err(ps->x, t->pos, "unexpected \"|\" in command");
				tmpl_pipe_free(p);
				return NULL;
			}
			next(ps);
			continue;
		}
		if (!ends_pipe(t->t)) {
			parse_err(ps->x, t->pos, "unexpected \"%s\" in %s",
				  t->s		      ? t->s
				  : t->t == T_COMMA   ? ","
				  : t->t == T_LPAREN  ? "("
				  : t->t == T_DECLARE ? ":="
				  : t->t == T_ASSIGN  ? "="
						      : "?",
				  c.nargs == 0 ? ctx : "operand");
			tmpl_pipe_free(p);
			return NULL;
		}
		if (t->t == T_EOF) {
			parse_err(ps->x, t->pos, "unclosed action");
			tmpl_pipe_free(p);
			return NULL;
		}
		/* Go takes "{{.A | }}" as "{{.A}}" */
		if (p->ncmds == 0) {
			parse_err(ps->x, t->pos, "missing value for %s", ctx);
			tmpl_pipe_free(p);
			return NULL;
		}
		break;
	}
	if (!p->assign)
		for (int i = 0; i < p->nvars; i++)
			push_var(ps, p->vars[i]);
	return p;
}

static void list_add(struct tmpl_list *l, struct tmpl_node *n)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = n;
}

static void list_clear(struct tmpl_list *l);

static void node_free(struct tmpl_node *n)
{
	if (n == NULL)
		return;
	free(n->text);
	tmpl_pipe_free(n->pipe);
	list_clear(&n->body);
	list_clear(&n->alt);
	free(n);
}

static void list_clear(struct tmpl_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	*l = (struct tmpl_list){ 0 };
}

/* Parse nodes into l until {{end}} / {{else}} (returned in *stop: 1 end, 2 else) or EOF. */
static int parse_list(struct parser *ps, struct tmpl_list *l, int *stop);

static const char *const keywords[] = { "if",	    "range",  "with",	  "else",  "end", "break",
					"continue", "define", "template", "block", NULL };

static int keyword(struct tok *t)
{
	if (t->t != T_IDENT)
		return -1;
	for (int i = 0; keywords[i]; i++)
		if (strcmp(t->s, keywords[i]) == 0)
			return i;
	return -1;
}

static int expect_right(struct parser *ps, const char *what)
{
	struct tok *t = next(ps);
	if (t->t != T_RIGHT)
		return parse_err(ps->x, t->pos, "unexpected %s in %s",
				 t->t == T_EOF	    ? "EOF"
				 : t->t == T_RPAREN ? "\")\""
						    : "token",
				 what);
	return 0;
}

/* if / range / with: the pipeline, the body, an optional else (or else if/with). */
static struct tmpl_node *parse_control(struct parser *ps, enum tmpl_ntype type, int pos)
{
	static const char *const names[] = {
		[N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with"
	};
	size_t scope = ps->nvars;
	struct tmpl_node *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->pos = pos;
	n->pipe = parse_pipe(ps, names[type], true);
	int stop = 0;
	if (n->pipe == NULL || expect_right(ps, names[type]) < 0)
		goto fail;
	ps->in_range += type == N_RANGE;
	int rc = parse_list(ps, &n->body, &stop);
	ps->in_range -= type == N_RANGE;
	if (rc < 0)
		goto fail;
	if (stop == 0) {
		/* Go names the line of the last token, not the end of the text */
		parse_err(ps->x, ps->v[ps->i > 0 ? ps->i - 1 : 0].pos, "unexpected EOF");
		goto fail;
	}
	if (stop == 2) {
		/* {{else if ...}} / {{else with ...}}: a nested node ending at our {{end}} */
		int kw = keyword(peek(ps));
		if ((kw == 0 && type == N_IF) || (kw == 2 && type == N_WITH)) {
			struct tok *t = next(ps);
			pop_vars(ps, scope);
			struct tmpl_node *sub = parse_control(ps, type, t->pos);
			if (sub == NULL)
				goto fail;
			list_add(&n->alt, sub);
			pop_vars(ps, scope);
			return n;
		}
		if (expect_right(ps, "else") < 0)
			goto fail;
		if (parse_list(ps, &n->alt, &stop) < 0)
			goto fail;
		if (stop != 1) {
			if (stop == 2)
				parse_err(ps->x, peek(ps)->pos, "expected end; found {{else}}");
			else
				parse_err(ps->x, peek(ps)->pos, "unexpected EOF");
			goto fail;
		}
	}
	pop_vars(ps, scope);
	return n;
fail:
	pop_vars(ps, scope);
	node_free(n);
	return NULL;
}

static int parse_list(struct parser *ps, struct tmpl_list *l, int *stop)
{
	*stop = 0;
	for (;;) {
		struct tok *t = next(ps);
		if (t->t == T_EOF)
			return 0;
		if (t->t == T_TEXT) {
			struct tmpl_node *n = xcalloc(1, sizeof(*n));
			n->type = N_TEXT;
			n->text = xstrdup(t->s);
			list_add(l, n);
			continue;
		}
		/* T_LEFT */
		struct tok *k = peek(ps);
		int kw = keyword(k);
		if (kw == 4 || kw == 3) { /* end, else */
			next(ps);
			*stop = kw == 4 ? 1 : 2;
			if (kw == 4)
				return expect_right(ps, "end");
			return 0;
		}
		if (kw == 5 || kw == 6) { /* break, continue */
			next(ps);
			if (ps->in_range == 0)
				return parse_err(ps->x, k->pos, "{{%s}} outside {{range}}", k->s);
			if (expect_right(ps, k->s) < 0)
				return -1;
			struct tmpl_node *n = xcalloc(1, sizeof(*n));
			n->type = kw == 5 ? N_BREAK : N_CONTINUE;
			n->pos = k->pos;
			list_add(l, n);
			continue;
		}
		if (kw >= 7)
			return parse_err(ps->x, k->pos, "{{%s}} is not supported by hutch", k->s);
		if (kw >= 0) {
			next(ps);
			struct tmpl_node *n = parse_control(ps,
							    kw == 0   ? N_IF
							    : kw == 1 ? N_RANGE
								      : N_WITH,
							    k->pos);
			if (n == NULL)
				return -1;
			list_add(l, n);
			continue;
		}
		struct tmpl_node *n = xcalloc(1, sizeof(*n));
		n->type = N_ACTION;
		n->pos = k->pos;
		n->pipe = parse_pipe(ps, "command", true);
		list_add(l, n);
		if (n->pipe == NULL || expect_right(ps, "command") < 0)
			return -1;
	}
}

struct cli_tmpl *cli_tmpl_parse(const char *name, const char *text, struct error **err)
{
	struct tmpl_ctx x = { .name = name, .text = text, .err = err };
	struct lexer l = { .text = text, .n = strlen(text) };
	struct cli_tmpl *t = NULL;
	if (lex(&x, &l) == 0) {
		struct parser ps = { .x = &x, .v = l.v };
		push_var(&ps, "$");
		t = xcalloc(1, sizeof(*t));
		t->name = xstrdup(name);
		t->text = xstrdup(text);
		int stop = 0;
		if (parse_list(&ps, &t->root, &stop) < 0 ||
		    (stop != 0 && parse_err(&x, ps.v[ps.i > 0 ? ps.i - 1 : 0].pos,
					    "unexpected {{%s}}", stop == 1 ? "end" : "else") < 0))
			cli_tmpl_free(&t);
		pop_vars(&ps, 0);
		free(ps.vars);
	}
	for (size_t i = 0; i < l.nv; i++)
		free(l.v[i].s);
	free(l.v);
	return t;
}

void cli_tmpl_free(struct cli_tmpl **t)
{
	if (*t == NULL)
		return;
	list_clear(&(*t)->root);
	free((*t)->name);
	free((*t)->text);
	free(*t);
	*t = NULL;
}
