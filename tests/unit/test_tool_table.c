/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guard against drift (STYLE.md B6): walk the command table and check that every
 * command and option appears in --help, in the man page and in each completion script.
 */
#include "tool/cli.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <unistd.h>

static char *render_help(const struct cli_cmd *cmd, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_print_help(f, cmd, path);
	fclose(f);
	return buf;
}

static char *render_man_in(const char *path, const char *prose_dir)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct error *err = NULL;
	if (cli_gen_man(f, path, prose_dir, &err) < 0) {
		fprintf(f, "ERROR %s", err->msg);
		err_free(&err);
	}
	fclose(f);
	return buf;
}

static char *render_man(const char *path)
{
	return render_man_in(path, "docs/cmd");
}

static void write_prose(const char *dir, const char *name, const char *text)
{
	autofree char *p = xasprintf("%s/%s.md", dir, name);
	struct error *err = NULL;
	ok(fs_write_atomic(p, text, strlen(text), 0644, &err) == 0, "write %s.md", name);
	err_free(&err);
}

/* A subcommand that is a top-level command (same handler) takes that command's prose when it
 * has none of its own, and says which command it is; the top-level page names its twins. */
static void check_twin_prose(void)
{
	char dir[] = "/tmp/test_tool_table.XXXXXX";
	ok(mkdtemp(dir) != NULL, "prose dir");
	write_prose(dir, "rm", "Prose of rm.\n\n## EXAMPLES\nrm example\n");
	autofree char *sub = render_man_in("container rm", dir);
	has_str(sub, "**hutch container rm** is the same command as **hutch rm**.",
		"container rm: names its twin");
	has_str(sub, "Prose of rm.", "container rm: rm's description");
	has_str(sub, "rm example", "container rm: rm's examples");
	has_str(sub, "**hutch-rm(1)**", "container rm: SEE ALSO hutch-rm");
	autofree char *top = render_man_in("rm", dir);
	has_str(top, "**hutch-container-rm(1)**", "rm: SEE ALSO hutch-container-rm");
	ok(strstr(top, "same command") == NULL, "rm: no twin sentence on the top-level page");
	write_prose(dir, "container-rm", "Own prose.\n");
	autofree char *own = render_man_in("container rm", dir);
	has_str(own, "Own prose.", "container rm: its own prose wins");
	ok(strstr(own, "Prose of rm.") == NULL, "container rm: not rm's prose then");
	autofree char *alone = render_man_in("container inspect", dir);
	ok(strstr(alone, "same command") == NULL, "container inspect: a command of its own");
	ok(strstr(alone, "**hutch-container-inspect(1)**") == NULL,
	   "container inspect: not its own SEE ALSO");
	autofree char *rm1 = xasprintf("%s/rm.md", dir),
		      *rm2 = xasprintf("%s/container-rm.md", dir);
	unlink(rm1);
	unlink(rm2);
	rmdir(dir);
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
	check_twin_prose();
	/* The root page lists the global options too. */
	autofree char *root_help = render_help(&cli_root, NULL);
	has_str(root_help, "--log-level", "global --log-level in hutch --help");
	for (int s = 0; s < 3; s++)
		free(completions[s]);
	return done_testing();
}
