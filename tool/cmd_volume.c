/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volume create, ls, inspect, rm and prune: named volumes in the store (oci/engine).
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/render.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cmd_volume_create(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	const char *driver = cli_opt_str(ctx, "driver");
	if (driver != NULL && strcmp(driver, "local") != 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "volume plugin %s not found: no such volume plugin (hutch has the "
			       "local driver)",
			       driver);
	struct eng_vol_create_req r = { .name = ctx->argc ? ctx->argv[0] : NULL,
					.labels = cli_opt_list(ctx, "label"),
					.options = cli_opt_list(ctx, "opt"),
					.ignore = cli_opt_bool(ctx, "ignore") };
	autofree char *name = NULL;
	if (eng_vol_create(eng, &r, &name, err) < 0)
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
	struct json_object *all = NULL;
	if (eng_vol_query(eng, cli_opt_list(ctx, "filter"), &all, err) < 0)
		return -1;
	static const char *const keys[] = { "Driver", "Name", NULL };
	int rc = cli_list(ctx, all, "Name", "DRIVER\tVOLUME NAME", keys, err);
	json_object_put(all);
	return rc;
}

int cmd_volume_rm(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	bool force = cli_opt_bool(ctx, "force");
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
		if (eng_vol_remove(eng, names[i], force, err) < 0) {
			/* podman: --force makes a volume that is not there no error. */
			if (force && (*err)->kind == ERR_NOSUCH) {
				err_free(err);
				continue;
			}
			return -1;
		}
		printf("%s\n", names[i]);
	}
	return 0;
}

int cmd_volume_prune(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	char *const *filters = cli_opt_list(ctx, "filter");
	if (!cli_opt_bool(ctx, "force")) {
		/* podman names what would go, then asks (on stdout, as it does). */
		autostrv char **would = eng_vol_prune(eng, filters, true, err);
		if (would == NULL)
			return -1;
		printf("WARNING! This will remove all volumes not used by at least one container. "
		       "The following volumes will be removed:\n");
		for (size_t i = 0; would[i]; i++)
			printf("%s\n", would[i]);
		if (would[0] == NULL) {
			printf("No dangling volumes found\n");
			return 0;
		}
		printf("Are you sure you want to continue? [y/N] ");
		fflush(stdout);
		char answer[16] = "";
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	autostrv char **removed = eng_vol_prune(eng, filters, false, err);
	if (removed == NULL)
		return -1;
	for (size_t i = 0; removed[i]; i++)
		printf("%s\n", removed[i]);
	return 0;
}

int cmd_volume_export(struct cli_ctx *ctx, struct error **err)
{
	const char *path = cli_opt_str(ctx, "output");
	autoclose int fd = -1;
	if (path != NULL && strcmp(path, "-") != 0)
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	else if (isatty(STDOUT_FILENO))
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot write to terminal, use command-line redirection or the "
			       "--output flag");
	else
		fd = dup(STDOUT_FILENO);
	if (fd < 0)
		return err_sys(err, "opening %s", path ? path : "stdout");
	return eng_vol_export(ctx->eng, ctx->argv[0], fd, err);
}

int cmd_volume_import(struct cli_ctx *ctx, struct error **err)
{
	const char *path = ctx->argv[1];
	autoclose int fd = -1;
	if (strcmp(path, "-") != 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else if (isatty(STDIN_FILENO))
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot read from terminal, use command-line redirection");
	else
		fd = dup(STDIN_FILENO);
	if (fd < 0)
		return err_sys(err, "opening %s", path);
	return eng_vol_import(ctx->eng, ctx->argv[0], fd, err);
}

int cmd_volume_mount(struct cli_ctx *ctx, struct error **err)
{
	/* The files of subordinate ids are root's only in the user namespace, as in podman. */
	if (geteuid() != 0)
		return err_set(err, EPERM, ERR_TOOL,
			       "cannot run command \"hutch %s\" in rootless mode, must execute "
			       "`hutch unshare` first",
			       ctx->path);
	for (int i = 0; i < ctx->argc; i++) {
		autofree char *path = NULL;
		if (eng_vol_mountpoint(ctx->eng, ctx->argv[i], &path, err) < 0)
			return -1;
		printf("%s\n", path);
	}
	return 0;
}

int cmd_volume_unmount(struct cli_ctx *ctx, struct error **err)
{
	/* Nothing was mounted: the files are where they always are. */
	for (int i = 0; i < ctx->argc; i++) {
		autofree char *path = NULL;
		if (eng_vol_mountpoint(ctx->eng, ctx->argv[i], &path, err) < 0)
			return -1;
		printf("%s\n", ctx->argv[i]);
	}
	return 0;
}
