/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands about hutch itself: help, completion, the hidden __gen-man and __complete
 * (the values a shell offers, live names from the engine). They render through help.c and
 * completion.c; help.c never calls back into the command handlers.
 */
#include "tool/cli.h"

#include "oci/engine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int cmd_help(struct cli_ctx *ctx, struct error **err)
{
	if (ctx->argc == 0) {
		cli_print_help(stdout, &cli_root, NULL);
		return 0;
	}
	const struct cli_cmd *cmd = cli_lookup_path(ctx->argv, ctx->argc);
	if (cmd == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "unknown help topic \"%s%s%s\"",
			       ctx->argv[0], ctx->argc > 1 ? " " : "",
			       ctx->argc > 1 ? ctx->argv[1] : "");
	autofree char *path = ctx->argc > 1
				  ? xasprintf("%s %s", cmd == NULL ? "" : ctx->argv[0], cmd->name)
				  : xstrdup(cmd->name);
	cli_print_help(stdout, cmd, path);
	return 0;
}

int cmd_gen_man(struct cli_ctx *ctx, struct error **err)
{
	autofree char *path = NULL;
	if (ctx->argc == 0)
		path = xstrdup("");
	else if (ctx->argc == 1)
		path = xstrdup(ctx->argv[0]);
	else
		path = xasprintf("%s %s", ctx->argv[0], ctx->argv[1]);
	return cli_gen_man(stdout, path, cli_opt_str(ctx, "prose"), err);
}

/* ---------- dynamic completion values ---------- */

/* Signal names as kill -s and --stop-signal take them, without "SIG", as podman offers. */
static void print_signals(const char *prefix)
{
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *name = sigabbrev_np(i);
		if (name != NULL && strncasecmp(name, prefix, strlen(prefix)) == 0)
			printf("%s\n", name);
	}
	for (int i = 0; i <= SIGRTMAX - SIGRTMIN; i++) {
		char name[16];
		snprintf(name, sizeof(name), i == 0 ? "RTMIN" : "RTMIN+%d", i);
		if (strncasecmp(name, prefix, strlen(prefix)) == 0)
			printf("%s\n", name);
	}
}

/* The live-name kinds of `__complete KIND` and what the engine lists for each. */
static const struct {
	const char *kind;
	enum eng_names_kind names[4];
	size_t n;
} live_kinds[] = {
	{ "containers", { ENG_NAMES_CONTAINERS }, 1 },
	{ "containers-running", { ENG_NAMES_RUNNING }, 1 },
	{ "containers-startable", { ENG_NAMES_STARTABLE }, 1 },
	{ "containers-paused", { ENG_NAMES_PAUSED }, 1 },
	{ "pods", { ENG_NAMES_PODS }, 1 },
	{ "volumes", { ENG_NAMES_VOLUMES }, 1 },
	{ "images", { ENG_NAMES_IMAGES }, 1 },
	/* inspect takes any of them, as podman's does. */
	{ "inspect",
	  { ENG_NAMES_CONTAINERS, ENG_NAMES_IMAGES, ENG_NAMES_PODS, ENG_NAMES_VOLUMES },
	  4 },
};

static int print_live(struct cli_ctx *ctx, size_t k, const char *prefix, struct error **err)
{
	struct eng_open_opts eo = { .storage_driver = ctx->storage_driver,
				    .root = ctx->store_root };
	autoeng struct eng *eng = NULL;
	if (eng_open(&eo, &eng, err) < 0)
		return -1;
	for (size_t i = 0; i < live_kinds[k].n; i++) {
		autostrv char **names = eng_names(eng, live_kinds[k].names[i], prefix, err);
		if (names == NULL)
			return -1;
		for (size_t j = 0; names[j] != NULL; j++)
			printf("%s\n", names[j]);
	}
	return 0;
}

/*
 * `hutch __complete KIND [PREFIX]`: the values a shell offers, one a line, those starting
 * with PREFIX (the word being completed); the generated scripts call it. Live names come
 * from the engine (eng_names), which reads the store without locking it.
 */
int cmd_complete(struct cli_ctx *ctx, struct error **err)
{
	const char *kind = ctx->argv[0], *prefix = ctx->argc > 1 ? ctx->argv[1] : "";
	if (strcmp(kind, "commands") == 0) {
		for (size_t i = 0; cli_root.subs[i].name != NULL; i++)
			if (!cli_root.subs[i].hidden &&
			    strncmp(cli_root.subs[i].name, prefix, strlen(prefix)) == 0)
				printf("%s\n", cli_root.subs[i].name);
		return 0;
	}
	if (strncmp(kind, "subcommands:", 12) == 0) {
		const struct cli_cmd *cmd = cli_find(cli_root.subs, kind + 12);
		for (size_t i = 0; cmd != NULL && cmd->subs != NULL && cmd->subs[i].name; i++)
			if (!cmd->subs[i].hidden)
				printf("%s\n", cmd->subs[i].name);
		return 0;
	}
	if (strcmp(kind, "signals") == 0) {
		print_signals(prefix);
		return 0;
	}
	for (size_t k = 0; k < sizeof(live_kinds) / sizeof(live_kinds[0]); k++)
		if (strcmp(kind, live_kinds[k].kind) == 0)
			return print_live(ctx, k, prefix, err);
	return err_set(err, EINVAL, ERR_USAGE, "unknown completion kind \"%s\"", kind);
}

int cmd_completion(struct cli_ctx *ctx, struct error **err)
{
	return cli_gen_completion(stdout, ctx->argv[0], err);
}
