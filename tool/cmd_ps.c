/* SPDX-License-Identifier: Apache-2.0 */
/* `hutch ps` and `hutch inspect` / `container inspect`: the views of container records. */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/ctr_inspect.h"
#include "tool/ps_fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---------- ps, inspect ---------- */

int cmd_ps(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct eng_ctr_query q = {
		.filters = cli_opt_list(ctx, "filter"),
		.all = cli_opt_bool(ctx, "all"),
		.last = cli_opt_bool(ctx, "latest") ? 1 : cli_opt_int(ctx, "last"),
		.sort = cli_opt_str(ctx, "sort"),
	};
	bool no_trunc = cli_opt_bool(ctx, "no-trunc"), quiet = cli_opt_bool(ctx, "quiet");
	struct eng *eng = ctx->eng;
	struct eng_ctr **pick = NULL;
	size_t np = 0;
	if (eng_ctr_query(eng, &q, &pick, &np, err) < 0)
		return -1;
	int rc = 0;
	if (rc == 0 && quiet) {
		for (size_t i = 0; i < np; i++)
			printf("%.*s\n", no_trunc ? 64 : 12, pick[i]->id);
	} else if (rc == 0 && fmt != NULL && strcmp(fmt, "json") == 0) {
		struct json_object *rows = json_object_new_array();
		for (size_t i = 0; i < np; i++)
			json_object_array_add(rows, ps_fmt_row(pick[i], no_trunc, true));
		printf("%s\n", json_object_to_json_string_ext(
				   rows, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(rows);
	} else if (rc == 0 && fmt != NULL && !cli_format_is_table(fmt)) {
		for (size_t i = 0; i < np && rc == 0; i++) {
			struct json_object *row = ps_fmt_row(pick[i], no_trunc, false);
			rc = cli_format_render(stdout, fmt, row, err);
			json_object_put(row);
		}
	} else if (rc == 0) {
		autostrv char **table = NULL;
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);
		if (fmt == NULL) {
			/* The default columns, written directly: the same text as the template
			 * "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Created}}\t{{.Status}}\t
			 * {{.Ports}}\t{{.Names}}" gives, without a JSON row per container. */
			if (!cli_opt_bool(ctx, "noheading"))
				fputs(
				    "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n",
				    mf);
			for (size_t i = 0; i < np; i++) {
				autofree char *line = ps_fmt_line(pick[i], no_trunc);
				fputs(line, mf);
				fputc('\n', mf);
			}
		} else {
			/* podman's heading of every field of a row, ps's own over them */
			static const char *const h[] = {
				"ID",	   "CONTAINER ID", "Image",	 "IMAGE",  "Command",
				"COMMAND", "Created",	   "CREATED",	 "Status", "STATUS",
				"Ports",   "PORTS",	   "Names",	 "NAMES",  "State",
				"STATE",   "CreatedAt",	   "CREATED AT", "Labels", "LABELS",
				"ImageID", "IMAGE ID",	   "Pid",	 "PID",	   NULL,
			};
			struct json_object *first =
			    np > 0 ? ps_fmt_row(pick[0], no_trunc, false) : NULL;
			struct json_object *hdr = cli_format_headers(first, h);
			json_object_put(first);
			if (!cli_opt_bool(ctx, "noheading"))
				rc = cli_format_header(mf, fmt, hdr, err);
			for (size_t i = 0; i < np && rc == 0; i++) {
				struct json_object *row = ps_fmt_row(pick[i], no_trunc, false);
				rc = cli_format_render(mf, fmt, row, err);
				json_object_put(row);
			}
			json_object_put(hdr);
		}
		fclose(mf);
		char *save = NULL;
		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			strv_push(&table, l);
		free(buf);
		if (rc == 0 && table != NULL)
			cli_fmt_table(stdout, table);
	}
	eng_ctr_list_free(pick, np);
	return rc;
}

static struct json_object *ctr_inspect_one(struct eng *eng, const char *name, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(eng, name, &c, err) < 0)
		return NULL;
	struct json_object *facts = eng_ctr_inspect(c);
	struct json_object *doc = inspect_ctr_podman(facts);
	json_object_put(facts);
	return doc;
}

/* -l: the newest container is the one operand (ctx->argv then points at static storage). */
static int latest_operand(struct cli_ctx *ctx, struct error **err)
{
	static char id[65], *argv[2] = { id, NULL };
	if (ctx->argv == argv)
		return 0; /* inspect passed it on to container inspect */
	if (!cli_opt_bool(ctx, "latest")) {
		if (ctx->argc == 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "\"hutch %s\" requires at least 1 argument", ctx->path);
		return 0;
	}
	if (ctx->argc > 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "--latest and containers cannot be used together");
	struct eng_ctr **pick = NULL;
	size_t n = 0;
	if (eng_ctr_query(ctx->eng, &(struct eng_ctr_query){ .last = 1 }, &pick, &n, err) < 0)
		return -1;
	if (n > 0)
		snprintf(id, sizeof(id), "%s", pick[0]->id);
	eng_ctr_list_free(pick, n);
	if (n == 0)
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no containers to inspect: no such container");
	ctx->argv = argv;
	ctx->argc = 1;
	return 0;
}

int cmd_container_inspect(struct cli_ctx *ctx, struct error **err)
{
	if (latest_operand(ctx, err) < 0)
		return -1;
	return cli_inspect(ctx, ctr_inspect_one, NULL, err);
}

/* `hutch inspect`: containers first, then images, as podman looks them up; a name that is
 * neither is "no such object", as podman says, not a missing image. */
int cmd_inspect(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	struct error *lerr = NULL;
	if (latest_operand(ctx, err) < 0)
		return -1;
	if (eng_ctr_lookup(eng, ctx->argv[0], &c, &lerr) == 0)
		return cmd_container_inspect(ctx, err);
	err_free(&lerr);
	for (int i = 0; i < ctx->argc; i++) {
		struct storage_image *img = NULL;
		if (storage_image_lookup_record(eng_storage(eng), ctx->argv[i], &img, &lerr) < 0 &&
		    lerr->code == ENOENT) {
			err_free(&lerr);
			return err_set(err, ENOENT, ERR_TOOL,
				       "inspecting object: no such object: \"%s\"", ctx->argv[i]);
		}
		err_free(&lerr);
		storage_image_free(&img);
	}
	return cmd_image_inspect(ctx, err);
}
