/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `auto-update`: the flags into the engine's options (oci/engine/autoupdate.c holds the
 * rules), and its reports as podman's table, JSON or template. The failures the engine
 * gathered come after the output, as podman prints them.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/io.h"
#include "tool/render.h"

#include <errno.h>
#include <string.h>

/* A report as podman's output row: Container is "ID12 (name)". */
static struct json_object *row_of(const struct eng_autoupdate_report *r)
{
	struct json_object *o = json_object_new_object();
	autofree char *both = xasprintf("%.12s (%s)", r->ctr_id, r->ctr_name);
	json_object_object_add(o, "Unit", json_object_new_string(r->unit));
	json_object_object_add(o, "Container", json_object_new_string(both));
	json_object_object_add(o, "ContainerName", json_object_new_string(r->ctr_name));
	json_object_object_add(o, "ContainerID", json_object_new_string(r->ctr_id));
	json_object_object_add(o, "Image", json_object_new_string(r->image));
	json_object_object_add(o, "Policy", json_object_new_string(r->policy));
	json_object_object_add(o, "Updated", json_object_new_string(r->updated));
	return o;
}

int cmd_auto_update(struct cli_ctx *ctx, struct error **err)
{
	if (ctx->argc > 0)
		return err_set(err, EINVAL, ERR_TOOL, "`hutch auto-update` takes no arguments");
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && strcmp(fmt, "json") != 0 && cli_format_check(fmt, err) < 0)
		return -1;
	struct eng_autoupdate_opts o = {
		.authfile = cli_opt_str(ctx, "authfile"),
		.tls_verify =
		    cli_opt_is_set(ctx, "tls-verify") ? cli_opt_bool(ctx, "tls-verify") : -1,
		.dry_run = cli_opt_bool(ctx, "dry-run"),
		.rollback = cli_opt_bool(ctx, "rollback"),
		.progress = cli_pull_progress(false),
	};
	if (o.authfile != NULL && !fs_exists(o.authfile))
		return err_set(err, ENOENT, ERR_TOOL,
			       "checking authfile: stat %s: no such file or directory", o.authfile);
	struct eng_autoupdate_report *reps = NULL;
	size_t n = 0;
	int rc = eng_autoupdate(ctx->eng, &o, &reps, &n, err);
	/* Nothing to update: no output at all, not even the header, as podman. */
	if (n > 0) {
		static const char *const keys[] = { "Unit",   "Container", "Image",
						    "Policy", "Updated",   NULL };
		struct json_object *rows = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(rows, row_of(&reps[i]));
		struct error *e = NULL;
		fflush(stderr);
		if (cli_list(ctx, rows, "ContainerID", "UNIT\tCONTAINER\tIMAGE\tPOLICY\tUPDATED",
			     keys, &e) < 0) {
			if (rc == 0)
				rc = -1, *err = e;
			else
				err_free(&e);
		}
		json_object_put(rows);
	}
	eng_autoupdate_reports_free(reps, n);
	return rc;
}
