/* SPDX-License-Identifier: Apache-2.0 */
/* The template module's internals: the parsed tree, the execution state, the functions. */
#pragma once

#include "tool/template.h"

struct tmpl_ctx {
	const char *name, *text;
	struct error **err;
};

enum tmpl_akind {
	A_FIELD,
	A_DOT,
	A_VAR,
	A_FUNC,
	A_STR,
	A_INT,
	A_FLOAT,
	A_BOOL,
	A_NIL,
	A_PIPE
};

struct tmpl_pipe;

struct tmpl_arg {
	enum tmpl_akind kind;
	int pos;
	char *s; /* function, variable name or string value */
	char **fields;
	size_t nfields;
	long long i;
	double d;
	struct tmpl_pipe *pipe;
};

struct tmpl_cmd {
	int pos;
	struct tmpl_arg *args;
	size_t nargs;
};

struct tmpl_pipe {
	int pos;
	char *vars[2];
	int nvars;
	bool assign;
	struct tmpl_cmd *cmds;
	size_t ncmds;
};

enum tmpl_ntype {
	N_IF,
	N_RANGE,
	N_WITH,
	N_TEXT,
	N_ACTION,
	N_BREAK,
	N_CONTINUE
};

struct tmpl_node;
struct tmpl_list {
	struct tmpl_node **v;
	size_t n;
};

struct tmpl_node {
	enum tmpl_ntype type;
	int pos;
	char *text;
	struct tmpl_pipe *pipe;
	struct tmpl_list body, alt;
};

struct cli_tmpl {
	char *name, *text;
	struct tmpl_list root;
};

/* A value: a JSON value (NULL is JSON null, Go's nil) or, when missing, Go's invalid
 * reflect.Value ("<no value>"). j is a reference owned by the holder. */
struct tmpl_val {
	bool missing;
	struct json_object *j;
};

int tmpl_errf(struct tmpl_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool tmpl_fn_known(const char *name);
/* Call function name on args (n of them, borrowed); the result in *out (owned). The
 * message of a failure is set through x without the "template:" prefix. */
int tmpl_fn_call(struct tmpl_ctx *x, const char *name, struct tmpl_val *args, size_t n,
		 struct tmpl_val *out);
bool tmpl_truth(const struct tmpl_val *v);
/* Go's name of v's type, for messages ("string", "int", "map[string]interface {}"). */
const char *tmpl_type_name(const struct tmpl_val *v);
/* Go's fmt %v of v into f. */
void tmpl_print(FILE *f, const struct tmpl_val *v);
