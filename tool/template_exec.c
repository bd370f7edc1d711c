/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Executing a parsed template (tool/template.c): Go's evaluation of fields, variables,
 * commands and pipelines, if/with/range/break/continue, and Go's execution errors
 * ("template: NAME:LINE:COL: executing \"NAME\" at <CONTEXT>: ...").
 */
#include "tool/template_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct var {
	char *name;
	struct tmpl_val v;
};

struct exec {
	struct tmpl_ctx x;
	FILE *f;
	struct tmpl_val dot;
	struct var *vars;
	size_t nvars;
	int jump;  /* 1 break, 2 continue */
	bool maps; /* CLI_TMPL_MAPS */
};

static void val_clear(struct tmpl_val *v)
{
	json_object_put(v->j);
	*v = (struct tmpl_val){ 0 };
}

static struct tmpl_val val_ref(const struct tmpl_val *v)
{
	return (struct tmpl_val){ v->missing, json_object_get(v->j) };
}

/* The text of an operand or command, as Go's Node.String() shows it in errors. */
static void arg_str(FILE *m, const struct tmpl_arg *a);

static void pipe_str(FILE *m, const struct tmpl_pipe *p)
{
	for (size_t i = 0; i < p->ncmds; i++) {
		if (i)
			fputs(" | ", m);
		for (size_t j = 0; j < p->cmds[i].nargs; j++) {
			if (j)
				fputc(' ', m);
			arg_str(m, &p->cmds[i].args[j]);
		}
	}
}

static void arg_str(FILE *m, const struct tmpl_arg *a)
{
	switch (a->kind) {
	case A_DOT:
		fputc('.', m);
		break;
	case A_VAR:
	case A_FUNC:
		fputs(a->s, m);
		break;
	case A_STR:
		fprintf(m, "\"%s\"", a->s);
		break;
	case A_INT:
	case A_FLOAT:
		fputs(a->s, m);
		break;
	case A_BOOL:
		fputs(a->i ? "true" : "false", m);
		break;
	case A_NIL:
		fputs("nil", m);
		break;
	case A_PIPE:
		fputc('(', m);
		pipe_str(m, a->pipe);
		fputc(')', m);
		break;
	case A_FIELD:
		break;
	}
	for (size_t i = 0; i < a->nfields; i++)
		fprintf(m, ".%s", a->fields[i]);
}

static int exec_err(struct exec *e, int pos, const struct tmpl_arg *a, const struct tmpl_cmd *c,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int exec_err(struct exec *e, int pos, const struct tmpl_arg *a, const struct tmpl_cmd *c,
		    const char *fmt, ...)
{
	char *msg = NULL, *ctx = NULL;
	size_t len = 0;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	FILE *m = open_memstream(&ctx, &len);
	if (c != NULL) {
		for (size_t j = 0; j < c->nargs; j++) {
			if (j)
				fputc(' ', m);
			arg_str(m, &c->args[j]);
		}
	} else if (a != NULL) {
		arg_str(m, a);
	}
	fclose(m);
	int line = 1, col = pos;
	for (int i = 0; i < pos && e->x.text[i]; i++)
		if (e->x.text[i] == '\n')
			line++, col = pos - i - 1;
	int rc =
	    err_set(e->x.err, EINVAL, ERR_TOOL, "template: %s:%d:%d: executing \"%s\" at <%s>: %s",
		    e->x.name, line, col, e->x.name, ctx, msg ? msg : "");
	free(msg);
	free(ctx);
	return rc;
}

/* An object is a Go struct when every key starts with an upper-case letter. */
static bool is_struct(struct json_object *o)
{
	if (json_object_object_length(o) == 0)
		return false;
	json_object_object_foreach (o, k, v) {
		(void)v;
		if (!(k[0] >= 'A' && k[0] <= 'Z'))
			return false;
	}
	return true;
}

/* v.f1.f2... in place (v owned). */
static int fields(struct exec *e, const struct tmpl_arg *a, struct tmpl_val *v)
{
	for (size_t i = 0; i < a->nfields; i++) {
		const char *f = a->fields[i];
		if (v->missing)
			return 0;
		if (v->j == NULL) {
			val_clear(v);
			return exec_err(e, a->pos, a, NULL,
					"nil pointer evaluating interface {}.%s", f);
		}
		struct json_object *next = NULL;
		if (json_object_is_type(v->j, json_type_object)) {
			/* podman's structs have a field ID that JSON calls "Id" */
			if (json_object_object_get_ex(v->j, f, &next) ||
			    (strcmp(f, "ID") == 0 && is_struct(v->j) &&
			     json_object_object_get_ex(v->j, "Id", &next))) {
				json_object_get(next);
				json_object_put(v->j);
				v->j = next;
				continue;
			}
			if (e->maps || !is_struct(v->j)) {
				val_clear(v);
				v->missing = true;
				continue;
			}
		}
		const char *tn = tmpl_type_name(v);
		if (json_object_is_type(v->j, json_type_object))
			tn = "interface {}";
		int rc = exec_err(e, a->pos, a, NULL, "can't evaluate field %s in type %s", f, tn);
		val_clear(v);
		return rc;
	}
	return 0;
}

static struct var *find_var(struct exec *e, const char *name)
{
	for (size_t i = e->nvars; i-- > 0;)
		if (strcmp(e->vars[i].name, name) == 0)
			return &e->vars[i];
	return NULL;
}

static void push_var(struct exec *e, const char *name, struct tmpl_val v)
{
	e->vars = xrealloc(e->vars, (e->nvars + 1) * sizeof(*e->vars));
	e->vars[e->nvars++] = (struct var){ xstrdup(name), v };
}

static void pop_vars(struct exec *e, size_t to)
{
	while (e->nvars > to) {
		e->nvars--;
		free(e->vars[e->nvars].name);
		val_clear(&e->vars[e->nvars].v);
	}
}

static int eval_pipe(struct exec *e, const struct tmpl_pipe *p, struct tmpl_val *out);
static int eval_cmd(struct exec *e, const struct tmpl_cmd *c, struct tmpl_val *final,
		    struct tmpl_val *out);

/* One operand as an argument (or a command on its own). */
static int eval_arg(struct exec *e, const struct tmpl_arg *a, struct tmpl_val *out)
{
	*out = (struct tmpl_val){ 0 };
	switch (a->kind) {
	case A_DOT:
		*out = val_ref(&e->dot);
		return 0;
	case A_FIELD:
		*out = val_ref(&e->dot);
		return fields(e, a, out);
	case A_VAR: {
		struct var *v = find_var(e, a->s);
		if (v == NULL)
			return exec_err(e, a->pos, a, NULL, "undefined variable: %s", a->s);
		*out = val_ref(&v->v);
		return fields(e, a, out);
	}
	case A_PIPE:
		if (eval_pipe(e, a->pipe, out) < 0)
			return -1;
		return fields(e, a, out);
	case A_STR:
		out->j = json_object_new_string(a->s);
		return 0;
	case A_INT:
		out->j = json_object_new_int64(a->i);
		return 0;
	case A_FLOAT:
		out->j = json_object_new_double(a->d);
		return 0;
	case A_BOOL:
		out->j = json_object_new_boolean(a->i != 0);
		return 0;
	case A_NIL:
		return 0;
	case A_FUNC: {
		struct tmpl_cmd c = { a->pos, (struct tmpl_arg *)a, 1 };
		return eval_cmd(e, &c, NULL, out);
	}
	}
	return 0;
}

static int call(struct exec *e, const struct tmpl_cmd *c, struct tmpl_val *final,
		struct tmpl_val *out)
{
	size_t n = c->nargs - 1 + (final != NULL);
	struct tmpl_val *args = xcalloc(n + 1, sizeof(*args));
	int rc = 0;
	size_t got = 0;
	for (size_t i = 1; i < c->nargs && rc == 0; i++, got++)
		rc = eval_arg(e, &c->args[i], &args[got]);
	if (rc == 0 && final != NULL)
		args[got++] = val_ref(final);
	if (rc == 0) {
		struct error *fe = NULL;
		struct tmpl_ctx fx = { e->x.name, e->x.text, &fe };
		rc = tmpl_fn_call(&fx, c->args[0].s, args, got, out);
		if (rc < 0) {
			exec_err(e, c->pos, NULL, c, "%s", fe->msg);
			err_free(&fe);
		}
	}
	for (size_t i = 0; i < got; i++)
		val_clear(&args[i]);
	free(args);
	return rc;
}

static int eval_cmd(struct exec *e, const struct tmpl_cmd *c, struct tmpl_val *final,
		    struct tmpl_val *out)
{
	const struct tmpl_arg *a = &c->args[0];
	if (a->kind == A_FUNC)
		return call(e, c, final, out);
	if (c->nargs > 1 || final != NULL) {
		if (a->kind == A_FIELD)
			return exec_err(e, a->pos, a, NULL,
					"%s has arguments but cannot be invoked as function",
					a->fields[a->nfields - 1]);
		char *s = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&s, &len);
		arg_str(m, a);
		fclose(m);
		int rc = exec_err(e, a->pos, a, NULL, "can't give argument to non-function %s", s);
		free(s);
		return rc;
	}
	if (a->kind == A_NIL)
		return exec_err(e, a->pos, a, NULL, "nil is not a command");
	return eval_arg(e, a, out);
}

static int eval_pipe(struct exec *e, const struct tmpl_pipe *p, struct tmpl_val *out)
{
	struct tmpl_val v = { 0 };
	bool have = false;
	for (size_t i = 0; i < p->ncmds; i++) {
		struct tmpl_val r = { 0 };
		int rc = eval_cmd(e, &p->cmds[i], have ? &v : NULL, &r);
		val_clear(&v);
		if (rc < 0)
			return -1;
		v = r;
		have = true;
	}
	*out = v;
	return 0;
}

/* Evaluate a pipeline, binding or assigning its variables (if/with/actions). */
static int eval_decl_pipe(struct exec *e, const struct tmpl_pipe *p, struct tmpl_val *out)
{
	if (eval_pipe(e, p, out) < 0)
		return -1;
	for (int i = 0; i < p->nvars; i++) {
		if (p->assign) {
			struct var *v = find_var(e, p->vars[i]);
			if (v != NULL) {
				val_clear(&v->v);
				v->v = val_ref(out);
			}
		} else {
			push_var(e, p->vars[i], val_ref(out));
		}
	}
	return 0;
}

static int walk_list(struct exec *e, const struct tmpl_list *l);

static int walk_body(struct exec *e, const struct tmpl_list *l, struct tmpl_val *dot)
{
	struct tmpl_val save = e->dot;
	if (dot != NULL)
		e->dot = *dot;
	int rc = walk_list(e, l);
	e->dot = save;
	return rc;
}

static int range_one(struct exec *e, const struct tmpl_node *n, struct json_object *key,
		     struct json_object *elem, bool *stop)
{
	const struct tmpl_pipe *p = n->pipe;
	size_t scope = e->nvars;
	if (p->nvars == 1) {
		push_var(e, p->vars[0], (struct tmpl_val){ false, json_object_get(elem) });
	} else if (p->nvars == 2) {
		push_var(e, p->vars[0], (struct tmpl_val){ false, json_object_get(key) });
		push_var(e, p->vars[1], (struct tmpl_val){ false, json_object_get(elem) });
	}
	struct tmpl_val d = { false, elem };
	int rc = walk_body(e, &n->body, &d);
	pop_vars(e, scope);
	if (e->jump == 1)
		*stop = true;
	e->jump = 0;
	return rc;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_range(struct exec *e, const struct tmpl_node *n)
{
	struct tmpl_val v = { 0 };
	if (eval_pipe(e, n->pipe, &v) < 0)
		return -1;
	int rc = 0;
	size_t count = 0;
	bool stop = false;
	if (v.missing || v.j == NULL) {
		/* nothing to iterate: Go's invalid value */
	} else if (json_object_is_type(v.j, json_type_array)) {
		count = json_object_array_length(v.j);
		for (size_t i = 0; i < count && rc == 0 && !stop; i++) {
			struct json_object *k = json_object_new_int64((int64_t)i);
			rc = range_one(e, n, k, json_object_array_get_idx(v.j, i), &stop);
			json_object_put(k);
		}
	} else if (json_object_is_type(v.j, json_type_object)) {
		count = (size_t)json_object_object_length(v.j);
		char **keys = xcalloc(count + 1, sizeof(*keys));
		size_t i = 0;
		json_object_object_foreach (v.j, k, val) {
			(void)val;
			keys[i++] = k;
		}
		qsort(keys, count, sizeof(*keys), cmp_keys);
		for (i = 0; i < count && rc == 0 && !stop; i++) {
			struct json_object *key = json_object_new_string(keys[i]);
			rc = range_one(e, n, key, json_object_object_get(v.j, keys[i]), &stop);
			json_object_put(key);
		}
		free(keys);
	} else {
		char *s = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&s, &len);
		tmpl_print(m, &v);
		fclose(m);
		struct tmpl_arg *a = &n->pipe->cmds[n->pipe->ncmds - 1].args[0];
		rc = exec_err(e, a->pos, a, NULL, "range can't iterate over %s", s);
		free(s);
	}
	if (rc == 0 && count == 0)
		rc = walk_body(e, &n->alt, NULL);
	val_clear(&v);
	return rc;
}

static int walk_node(struct exec *e, const struct tmpl_node *n)
{
	size_t scope = e->nvars;
	struct tmpl_val v = { 0 };
	int rc = 0;
	switch (n->type) {
	case N_TEXT:
		fputs(n->text, e->f);
		return 0;
	case N_BREAK:
	case N_CONTINUE:
		e->jump = n->type == N_BREAK ? 1 : 2;
		return 0;
	case N_ACTION:
		if (eval_decl_pipe(e, n->pipe, &v) < 0)
			return -1;
		if (n->pipe->nvars == 0)
			tmpl_print(e->f, &v);
		val_clear(&v);
		/* declared variables live to the end of the enclosing list */
		return 0;
	case N_IF:
	case N_WITH:
		if (eval_decl_pipe(e, n->pipe, &v) < 0)
			return -1;
		if (tmpl_truth(&v))
			rc = walk_body(e, &n->body, n->type == N_WITH ? &v : NULL);
		else
			rc = walk_body(e, &n->alt, NULL);
		break;
	case N_RANGE:
		rc = walk_range(e, n);
		break;
	}
	pop_vars(e, scope);
	val_clear(&v);
	return rc;
}

static int walk_list(struct exec *e, const struct tmpl_list *l)
{
	size_t scope = e->nvars;
	int rc = 0;
	for (size_t i = 0; i < l->n && rc == 0 && e->jump == 0; i++)
		rc = walk_node(e, l->v[i]);
	pop_vars(e, scope);
	return rc;
}

int cli_tmpl_exec(const struct cli_tmpl *t, FILE *f, struct json_object *dot, unsigned flags,
		  struct error **err)
{
	struct exec e = { .x = { t->name, t->text, err },
			  .f = f,
			  .dot = { false, dot },
			  .maps = (flags & CLI_TMPL_MAPS) != 0 };
	push_var(&e, "$", (struct tmpl_val){ false, json_object_get(dot) });
	int rc = walk_list(&e, &t->root);
	pop_vars(&e, 0);
	free(e.vars);
	return rc;
}
