/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret create, ls, inspect, rm and exists: podman's words and output over the engine's
 * secret store (oci/engine/secret.c). The content is read here (a file, stdin or an
 * environment variable), handed to the engine, wiped, and never printed.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/render.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_READ_MAX (512000 + 1) /* one byte more: the engine says what is too large */

/* The content NAME FILE|- (or, with --env, the variable SOURCE) stands for; owned. */
static int secret_content(struct cli_ctx *ctx, const char *source, char **data, size_t *len,
			  struct error **err)
{
	if (cli_opt_bool(ctx, "env")) {
		const char *v = getenv(source);
		if (v == NULL)
			return err_set(err, ENOENT, ERR_TOOL,
				       "cannot create store secret data: environment variable %s "
				       "is not set",
				       source);
		*data = xstrdup(v);
		*len = strlen(v);
		return 0;
	}
	if (strcmp(source, "-") == 0) {
		if (isatty(STDIN_FILENO))
			return err_set(err, EINVAL, ERR_TOOL,
				       "if `-` is used, data must be passed into stdin");
		return fs_read_fd(STDIN_FILENO, SECRET_READ_MAX, data, len, err);
	}
	struct error *e = NULL;
	if (fs_read_file(source, SECRET_READ_MAX, data, len, &e) < 0) {
		if (e->code == EFBIG) {
			err_free(&e);
			*data = xzalloc(1);
			*len = SECRET_READ_MAX; /* the engine's message */
			return 0;
		}
		int code = e->code ? e->code : EIO;
		err_free(&e);
		/* podman's (Go's) words: "open FILE: no such file or directory" */
		autofree char *why = xstrdup(strerror(code));
		why[0] = (char)tolower((unsigned char)why[0]);
		return err_set(err, code, ERR_TOOL, "open %s: %s", source, why);
	}
	return 0;
}

int cmd_secret_create(struct cli_ctx *ctx, struct error **err)
{
	char *data = NULL;
	size_t len = 0;
	if (secret_content(ctx, ctx->argv[1], &data, &len, err) < 0)
		return -1;
	struct eng_secret_create_req r = { .name = ctx->argv[0],
					   .data = data,
					   .len = len,
					   .driver = cli_opt_str(ctx, "driver"),
					   .driver_opts = cli_opt_list(ctx, "driver-opts"),
					   .labels = cli_opt_list(ctx, "label") };
	autofree char *id = NULL;
	int rc = eng_secret_create(ctx->eng, &r, &id, err);
	explicit_bzero(data, len < SECRET_READ_MAX ? len : 0);
	free(data);
	if (rc == 0)
		printf("%s\n", id);
	return rc;
}

int cmd_secret_ls(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct json_object *docs = NULL;
	if (eng_secret_query(ctx->eng, cli_opt_list(ctx, "filter"), &docs, err) < 0)
		return -1;
	/* podman's rows: the times as "3 minutes ago" */
	struct json_object *rows = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(docs); i++) {
		struct json_object *d = json_object_array_get_idx(docs, i);
		struct json_object *spec = json_object_object_get(d, "Spec"), *r;
		r = json_object_new_object();
		json_object_object_add(r, "ID", json_object_get(json_object_object_get(d, "ID")));
		json_object_object_add(r, "Name",
				       json_object_get(json_object_object_get(spec, "Name")));
		json_object_object_add(r, "Driver",
				       json_object_get(json_object_object_get(
					   json_object_object_get(spec, "Driver"), "Name")));
		static const char *const times[] = { "CreatedAt", "UpdatedAt" };
		for (size_t k = 0; k < 2; k++) {
			autofree char *ago = cli_fmt_ago(
			    json_object_get_string(json_object_object_get(d, times[k])));
			json_object_object_add(r, times[k], json_object_new_string(ago));
		}
		json_object_array_add(rows, r);
	}
	json_object_put(docs);
	static const char *const keys[] = {
		"ID", "Name", "Driver", "CreatedAt", "UpdatedAt", NULL
	};
	int rc = cli_list(ctx, rows, "ID", "ID\tNAME\tDRIVER\tCREATED\tUPDATED", keys, err);
	json_object_put(rows);
	return rc;
}

/* Go's time.Time text of an RFC 3339 UTC time: "2006-01-02 15:04:05.5 +0000 UTC" (owned). */
static char *go_time(const char *t)
{
	char *s = xstrdup(t ? t : "");
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == 'Z')
		s[--n] = '\0';
	char *tee = strchr(s, 'T'), *dot = strchr(s, '.');
	if (tee != NULL)
		*tee = ' ';
	while (dot != NULL && n > 0 && s[n - 1] == '0')
		s[--n] = '\0';
	if (dot != NULL && s + n - 1 == dot)
		s[--n] = '\0';
	char *out = xasprintf("%s +0000 UTC", s);
	free(s);
	return out;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --pretty: podman's human-readable form of one secret (labels sorted, as Go's range). */
static void print_pretty(struct json_object *d)
{
	struct json_object *spec = json_object_object_get(d, "Spec");
	printf("ID:              %s\n", json_object_get_string(json_object_object_get(d, "ID")));
	printf("Name:              %s\n",
	       json_object_get_string(json_object_object_get(spec, "Name")));
	struct json_object *labels = json_object_object_get(spec, "Labels");
	if (labels != NULL && json_object_object_length(labels) > 0) {
		printf("Labels:\n");
		autostrv char **kv = NULL;
		json_object_object_foreach (labels, k, v)
			strv_push_take(&kv, xasprintf("%s=%s", k, json_object_get_string(v)));
		qsort(kv, strv_len(kv), sizeof(char *), str_cmp);
		for (size_t i = 0; kv[i] != NULL; i++)
			printf(" - %s\n", kv[i]);
	}
	printf("Driver:            %s\n", json_object_get_string(json_object_object_get(
					      json_object_object_get(spec, "Driver"), "Name")));
	autofree char *c = go_time(json_object_get_string(json_object_object_get(d, "CreatedAt")));
	autofree char *u = go_time(json_object_get_string(json_object_object_get(d, "UpdatedAt")));
	printf("Created at:        %s\nUpdated at:        %s\n", c, u);
}

/* podman's: the documents of the secrets found, then the first failure. */
int cmd_secret_inspect(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	bool pretty = cli_opt_bool(ctx, "pretty");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct json_object *all = json_object_new_array();
	struct error *first = NULL;
	for (int i = 0; i < ctx->argc; i++) {
		struct error *e = NULL;
		struct json_object *v = eng_secret_inspect(ctx->eng, ctx->argv[i], &e);
		if (v != NULL)
			json_object_array_add(all, v);
		else if (first == NULL)
			first = e;
		else
			err_free(&e);
	}
	int rc = 0;
	if (pretty && fmt == NULL)
		for (size_t i = 0; i < json_object_array_length(all); i++)
			print_pretty(json_object_array_get_idx(all, i));
	else
		rc = cli_format_render_list(stdout, fmt, all, err);
	json_object_put(all);
	if (rc == 0 && first != NULL) {
		*err = first;
		return err_wrap(err, "inspecting secret");
	}
	err_free(&first);
	return rc;
}

int cmd_secret_rm(struct cli_ctx *ctx, struct error **err)
{
	autostrv char **names = NULL;
	if (cli_opt_bool(ctx, "all")) {
		struct json_object *all = eng_secret_list(ctx->eng);
		for (size_t i = 0; i < json_object_array_length(all); i++)
			strv_push(&names, json_object_get_string(json_object_object_get(
					      json_object_array_get_idx(all, i), "ID")));
		json_object_put(all);
	} else if (ctx->argc == 0) {
		return err_set(err, EINVAL, ERR_USAGE, "`hutch secret rm` requires one argument");
	} else {
		for (int i = 0; i < ctx->argc; i++)
			strv_push(&names, ctx->argv[i]);
	}
	int rc = 0;
	for (size_t i = 0; names && names[i]; i++) {
		struct error *e = NULL;
		autofree char *id = NULL;
		if (eng_secret_remove(ctx->eng, names[i], &id, &e) < 0)
			cli_operand_failed(&rc, err, e);
		else
			printf("%s\n", id);
	}
	return rc;
}

int cmd_secret_exists(struct cli_ctx *ctx, struct error **err)
{
	struct error *e = NULL;
	struct json_object *d = eng_secret_inspect(ctx->eng, ctx->argv[0], &e);
	if (d != NULL) {
		json_object_put(d);
		return 0;
	}
	if (e->kind != ERR_NOSUCH) {
		*err = e;
		return -1;
	}
	err_free(&e);
	ctx->exit_status = 1;
	return 0;
}
