/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volume create, ls, inspect, rm and prune: named volumes in the store (oci/engine).
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cmd_volume_create(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autofree char *name = NULL;
	if (eng_vol_create(eng, ctx->argc ? ctx->argv[0] : NULL, cli_opt_list(ctx, "label"),
			   cli_opt_bool(ctx, "ignore"), &name, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

int cmd_volume_inspect(struct cli_ctx *ctx, struct error **err)
{
	if (!cli_opt_bool(ctx, "all") && ctx->argc == 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "provide one or more volume names or use --all");
	return cli_inspect(ctx, eng_vol_inspect, eng_vol_list, err);
}

int cmd_volume_ls(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct eng *eng = ctx->eng;
	struct json_object *all = eng_vol_list(eng);
	static const char *const keys[] = { "Driver", "Name", NULL };
	int rc = cli_list(ctx, all, "Name", "DRIVER\tVOLUME NAME", keys, err);
	json_object_put(all);
	return rc;
}

int cmd_volume_rm(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autostrv char **names = NULL;
	if (cli_opt_bool(ctx, "all")) {
		struct json_object *all = eng_vol_list(eng);
		for (size_t i = 0; i < json_object_array_length(all); i++)
			strv_push(&names, json_object_get_string(json_object_object_get(
					      json_object_array_get_idx(all, i), "Name")));
		json_object_put(all);
	} else if (ctx->argc == 0) {
		return err_set(err, EINVAL, ERR_USAGE,
			       "choose either one or more volumes or --all");
	} else {
		for (int i = 0; i < ctx->argc; i++)
			strv_push(&names, ctx->argv[i]);
	}
	for (size_t i = 0; names && names[i]; i++) {
		if (eng_vol_remove(eng, names[i], cli_opt_bool(ctx, "force"), err) < 0)
			return -1;
		printf("%s\n", names[i]);
	}
	return 0;
}

int cmd_volume_prune(struct cli_ctx *ctx, struct error **err)
{
	if (!cli_opt_bool(ctx, "force")) {
		fprintf(stderr, "WARNING! This will remove all volumes not used by at least one "
				"container.\nAre you sure you want to continue? [y/N] ");
		char answer[16] = "";
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	struct eng *eng = ctx->eng;
	autostrv char **removed = eng_vol_prune(eng, err);
	if (removed == NULL)
		return -1;
	for (size_t i = 0; removed[i]; i++)
		printf("%s\n", removed[i]);
	return 0;
}
