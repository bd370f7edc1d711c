/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guard against drift (STYLE.md B6): walk the command table and check that every
 * command and option appears in --help, in the man page and in each completion script.
 */
#include "tool/cli.h"
#include "tests/unit/tap.h"

static char *render_help(const struct cli_cmd *cmd, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_print_help(f, cmd, path);
	fclose(f);
	return buf;
}

static char *render_man(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct error *err = NULL;
	if (cli_gen_man(f, path, "docs/cmd", &err) < 0) {
		fprintf(f, "ERROR %s", err->msg);
		err_free(&err);
	}
	fclose(f);
	return buf;
}

static char *completions[3];
static const char *const shells[3] = { "bash", "zsh", "fish" };

static void check_cmd(const struct cli_cmd *cmd, const char *path)
{
	autofree char *help = render_help(cmd, path);
	autofree char *man = render_man(path);
	has_str(help, cmd->summary, "%s: summary in --help", path);
	ok(strstr(man, "ERROR") == NULL, "%s: man page renders", path);
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		autofree char *flag = xasprintf("--%s", o->name);
		autofree char *manflag = xasprintf("**--%s**", o->name);
		ok(o->help != NULL && *o->help, "%s %s: has help text", path, flag);
		has_str(help, flag, "%s %s: in --help", path, flag);
		has_str(help, o->help, "%s %s: help text in --help", path, flag);
		has_str(man, manflag, "%s %s: in the man page", path, flag);
		for (int s = 0; s < 3; s++) {
			/* fish names long flags as "-l NAME"; the others as --NAME. */
			autofree char *want = s == 2 ? xasprintf("-l %s", o->name) : xstrdup(flag);
			has_str(completions[s], want, "%s %s: in %s completion", path, flag,
				shells[s]);
		}
		if (o->short_name) {
			autofree char *sflag = xasprintf("-%c,", o->short_name);
			has_str(help, sflag, "%s -%c: short form in --help", path, o->short_name);
		}
		ok(o->type == CLI_BOOL || o->arg_name != NULL,
		   "%s %s: value options name their argument", path, flag);
	}
	for (size_t i = 0; cmd->subs != NULL && cmd->subs[i].name != NULL; i++) {
		const struct cli_cmd *s = &cmd->subs[i];
		if (s->hidden)
			continue;
		has_str(help, s->name, "%s: lists subcommand %s", path, s->name);
		for (int sh = 0; sh < 3; sh++)
			has_str(completions[sh], s->name, "%s: %s in %s completion", path, s->name,
				shells[sh]);
		autofree char *sub = *path ? xasprintf("%s %s", path, s->name) : xstrdup(s->name);
		check_cmd(s, sub);
	}
}

int main(void)
{
	for (int s = 0; s < 3; s++) {
		size_t len = 0;
		FILE *f = open_memstream(&completions[s], &len);
		struct error *err = NULL;
		ok(cli_gen_completion(f, shells[s], &err) == 0, "%s completion renders", shells[s]);
		fclose(f);
	}
	check_cmd(&cli_root, "");
	/* The root page lists the global options too. */
	autofree char *root_help = render_help(&cli_root, NULL);
	has_str(root_help, "--log-level", "global --log-level in hutch --help");
	for (int s = 0; s < 3; s++)
		free(completions[s]);
	return done_testing();
}
