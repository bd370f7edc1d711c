/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Everything rendered from the command table: `--help`, the man page markdown that
 * go-md2man turns into docs/hutch-*.1, and the bash, zsh and fish completion scripts.
 */
#include "tool/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct cli_opt help_opt = { "help",   'h',	 NULL,
					 CLI_BOOL, NULL, "Show help for this command",
					 0,	   NULL };

/* --help where the command's own option has -h (run's --hostname, as podman's). */
static const struct cli_opt help_opt_long = { "help",	0,    NULL,
					      CLI_BOOL, NULL, "Show help for this command",
					      0,	NULL };

/* The command's options plus the implicit --help, in table order. */
static size_t collect_opts(const struct cli_cmd *cmd, const struct cli_opt **out, size_t max)
{
	size_t n = 0;
	bool h_taken = false;
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL && n < max; i++) {
		out[n++] = &cmd->opts[i];
		h_taken |= cmd->opts[i].short_name == 'h';
	}
	if (cmd != &cli_root && n < max)
		out[n++] = h_taken ? &help_opt_long : &help_opt;
	return n;
}

#define MAX_OPTS 128

static char *opt_label(const struct cli_opt *o)
{
	const char *arg = o->type == CLI_BOOL ? "" : " ";
	const char *argname = o->type == CLI_BOOL ? "" : (o->arg_name ? o->arg_name : "value");
	if (o->short_name)
		return xasprintf("-%c, --%s%s%s", o->short_name, o->name, arg, argname);
	return xasprintf("    --%s%s%s", o->name, arg, argname);
}

static int cmd_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct cli_cmd *const *)a)->name,
		      (*(const struct cli_cmd *const *)b)->name);
}

static int opt_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct cli_opt *const *)a)->name,
		      (*(const struct cli_opt *const *)b)->name);
}

void cli_print_help(FILE *f, const struct cli_cmd *cmd, const char *path)
{
	fprintf(f, "%s\n\nUsage:\n", cmd->summary);
	if (path == NULL)
		fprintf(f, "  hutch [options] COMMAND\n");
	else if (cmd->handler == NULL)
		fprintf(f, "  hutch %s COMMAND\n", path);
	else
		fprintf(f, "  hutch %s [options]%s%s\n", path,
			cmd->synopsis && *cmd->synopsis ? " " : "",
			cmd->synopsis ? cmd->synopsis : "");
	if (cmd->subs != NULL) {
		/* Sorted by name, as podman (cobra) lists them. */
		const struct cli_cmd *subs[MAX_OPTS];
		size_t ns = 0;
		for (size_t i = 0; cmd->subs[i].name != NULL && ns < MAX_OPTS; i++)
			if (!cmd->subs[i].hidden)
				subs[ns++] = &cmd->subs[i];
		qsort(subs, ns, sizeof(subs[0]), cmd_cmp);
		fprintf(f, "\nAvailable Commands:\n");
		for (size_t i = 0; i < ns; i++)
			fprintf(f, "  %-12s %s\n", subs[i]->name, subs[i]->summary);
	}
	const struct cli_opt *opts[MAX_OPTS];
	size_t n = collect_opts(cmd, opts, MAX_OPTS);
	if (n == 0)
		return;
	qsort(opts, n, sizeof(opts[0]), opt_cmp);
	size_t width = 0;
	for (size_t i = 0; i < n; i++) {
		autofree char *l = opt_label(opts[i]);
		if (strlen(l) > width)
			width = strlen(l);
	}
	fprintf(f, "\nOptions:\n");
	for (size_t i = 0; i < n; i++) {
		autofree char *l = opt_label(opts[i]);
		fprintf(f, "  %-*s   %s", (int)width, l, opts[i]->help);
		if (opts[i]->def != NULL && opts[i]->type != CLI_BOOL)
			fprintf(f, " (default \"%s\")", opts[i]->def);
		fputc('\n', f);
	}
	if (cmd->subs != NULL)
		fprintf(f,
			"\nUse \"hutch %s%sCOMMAND --help\" for more information about a "
			"command.\n",
			path ? path : "", path ? " " : "");
}

const struct cli_cmd *cli_find(const struct cli_cmd *cmds, const char *name)
{
	for (size_t i = 0; cmds != NULL && cmds[i].name != NULL; i++) {
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
		for (size_t j = 0; cmds[i].aliases != NULL && cmds[i].aliases[j] != NULL; j++)
			if (strcmp(cmds[i].aliases[j], name) == 0)
				return &cmds[i];
	}
	return NULL;
}

const struct cli_cmd *cli_lookup_path(char **words, int n)
{
	const struct cli_cmd *cmd = &cli_root;
	for (int i = 0; i < n; i++) {
		const struct cli_cmd *sub = cli_find(cmd->subs, words[i]);
		if (sub == NULL)
			return NULL;
		cmd = sub;
	}
	return cmd;
}

/* ---------- man pages ---------- */

/* Escape characters that go-md2man (markdown) would take as markup. */
static void md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static char *path_dashes(const char *path)
{
	char *p = xstrdup(path);
	for (char *c = p; *c; c++)
		if (*c == ' ')
			*c = '-';
	return p;
}

/* The prose file's text before and after its "## EXAMPLES" heading. */
static int read_prose(const char *dir, const char *name, char **desc, char **rest,
		      struct error **err)
{
	autofree char *file = xasprintf("%s/%s.md", dir, name);
	autofree char *text = NULL;
	*desc = *rest = NULL;
	if (fs_read_file(file, 1 << 20, &text, NULL, err) < 0) {
		if ((*err)->code != ENOENT)
			return -1;
		err_free(err);
		return 0;
	}
	char *ex = strstr(text, "## EXAMPLES");
	if (ex != NULL) {
		*rest = xstrdup(ex);
		*ex = '\0';
	}
	*desc = xstrdup(text);
	return 0;
}

/*
 * The top-level command that a subcommand is: the first one in the table with the same
 * handler ("container rm" is "rm", "image ls" is "images"). Its prose serves both pages, so
 * one file documents one command. NULL for a command of its own or a top-level one.
 */
static const struct cli_cmd *twin_of(const struct cli_cmd *cmd, bool top)
{
	if (top || cmd->handler == NULL || cmd->hidden)
		return NULL;
	for (const struct cli_cmd *c = cli_root.subs; c->name != NULL; c++)
		if (!c->hidden && c->handler == cmd->handler)
			return c;
	return NULL;
}

/* SEE ALSO: the other names of the same command, in table order. */
static void print_twins(FILE *f, const struct cli_cmd *cmd, const struct cli_cmd *twin)
{
	if (twin != NULL) {
		fprintf(f, ", **hutch-%s(1)**", twin->name);
		return;
	}
	for (const struct cli_cmd *g = cli_root.subs; cmd->handler != NULL && g->name; g++)
		for (size_t i = 0; g->subs != NULL && g->subs[i].name != NULL; i++)
			if (g->subs[i].handler == cmd->handler && &g->subs[i] != cmd &&
			    !g->subs[i].hidden)
				fprintf(f, ", **hutch-%s-%s(1)**", g->name, g->subs[i].name);
}

int cli_gen_man(FILE *f, const char *path, const char *prose_dir, struct error **err)
{
	autostrv char **words = NULL;
	autofree char *copy = xstrdup(path ? path : "");
	char *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strv_push(&words, w);
	const struct cli_cmd *cmd = cli_lookup_path(words, (int)strv_len(words));
	if (cmd == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "no command \"%s\"", path);
	bool root = cmd == &cli_root;
	autofree char *dashed = root ? xstrdup("hutch") : path_dashes(path);
	autofree char *page = root ? xstrdup("hutch") : xasprintf("hutch-%s", dashed);
	autofree char *desc = NULL, *rest = NULL;
	if (read_prose(prose_dir, root ? "hutch" : dashed, &desc, &rest, err) < 0)
		return -1;
	bool top = root || strchr(path, ' ') == NULL;
	const struct cli_cmd *twin = twin_of(cmd, top);
	if (desc == NULL && twin != NULL &&
	    read_prose(prose_dir, twin->name, &desc, &rest, err) < 0)
		return -1;
	fprintf(f, "%% %s 1\n\n## NAME\n%s \\- ", page, page);
	md_escape(f, cmd->summary);
	fprintf(f, "\n\n## SYNOPSIS\n");
	if (root)
		fprintf(f, "**hutch** [*options*] *command*\n\n");
	else if (cmd->handler == NULL)
		fprintf(f, "**hutch %s** *subcommand*\n\n", path);
	else {
		fprintf(f, "**hutch %s** [*options*]", path);
		if (cmd->synopsis && *cmd->synopsis) {
			fputc(' ', f);
			md_escape(f, cmd->synopsis);
		}
		fprintf(f, "\n\n");
	}
	fprintf(f, "## DESCRIPTION\n");
	if (twin != NULL)
		fprintf(f, "**hutch %s** is the same command as **hutch %s**.\n\n", path,
			twin->name);
	if (desc != NULL && *desc)
		fprintf(f, "%s\n", desc);
	else {
		md_escape(f, cmd->summary);
		fprintf(f, ".\n\n");
	}
	if (cmd->subs != NULL) {
		fprintf(f, "## COMMANDS\n\n| Command | Man Page | Description |\n"
			   "| ------- | -------- | ----------- |\n");
		for (size_t i = 0; cmd->subs[i].name != NULL; i++) {
			const struct cli_cmd *s = &cmd->subs[i];
			if (s->hidden)
				continue;
			autofree char *sp =
			    root ? xstrdup(s->name) : xasprintf("%s-%s", dashed, s->name);
			fprintf(f, "| %s | hutch-%s(1) | ", s->name, sp);
			md_escape(f, s->summary);
			fprintf(f, " |\n");
		}
		fprintf(f, "\n");
	}
	const struct cli_opt *opts[MAX_OPTS];
	size_t n = collect_opts(cmd, opts, MAX_OPTS);
	if (n > 0)
		fprintf(f, "## %sOPTIONS\n\n", root ? "GLOBAL " : "");
	for (size_t i = 0; i < n; i++) {
		const struct cli_opt *o = opts[i];
		fprintf(f, "#### **--%s**", o->name);
		if (o->short_name)
			fprintf(f, ", **-%c**", o->short_name);
		if (o->type != CLI_BOOL)
			fprintf(f, "=*%s*", o->arg_name ? o->arg_name : "value");
		fprintf(f, "\n\n");
		md_escape(f, o->help);
		if (o->def != NULL && o->type != CLI_BOOL) {
			fprintf(f, " (default: ");
			md_escape(f, o->def);
			fputc(')', f);
		}
		if (o->type == CLI_LIST)
			fprintf(f, ". Can be given more than once");
		fprintf(f, ".\n\n");
	}
	if (rest != NULL)
		fprintf(f, "%s\n", rest);
	fprintf(f, "## SEE ALSO\n**hutch(1)**");
	if (!root) {
		fprintf(f, ", **podman-%s(1)**", dashed);
		print_twins(f, cmd, twin);
	}
	fprintf(f, "\n");
	return 0;
}
