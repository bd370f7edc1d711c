/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shell completion scripts generated from the command table: bash, zsh and fish. Static
 * words (commands, flags, choices) are written into the script; dynamic values (container
 * and image names) come from the hidden `hutch __complete KIND`, as podman does.
 */
#include "tool/cli.h"

#include <errno.h>
#include <string.h>

static const char *kind_word(const struct cli_opt *o, enum cli_complete k)
{
	switch (k) {
	case CLI_COMPLETE_FILE:
		return "file";
	case CLI_COMPLETE_DIR:
		return "dir";
	case CLI_COMPLETE_CONTAINER:
		return "containers";
	case CLI_COMPLETE_CTR_RUNNING:
		return "containers-running";
	case CLI_COMPLETE_CTR_STARTABLE:
		return "containers-startable";
	case CLI_COMPLETE_CTR_PAUSED:
		return "containers-paused";
	case CLI_COMPLETE_POD:
		return "pods";
	case CLI_COMPLETE_VOLUME:
		return "volumes";
	case CLI_COMPLETE_VOLUME_SPEC:
		return "volume-spec";
	case CLI_COMPLETE_INSPECT:
		return "inspect";
	case CLI_COMPLETE_IMAGE:
		return "images";
	case CLI_COMPLETE_SIGNAL:
		return "signals";
	case CLI_COMPLETE_COMMAND:
		return "commands";
	case CLI_COMPLETE_EXECUTABLE:
		return "executable";
	case CLI_COMPLETE_FORMAT:
	case CLI_COMPLETE_CHOICES:
		return o != NULL && o->choices != NULL ? "choices" : "none";
	case CLI_COMPLETE_NONE:
		break;
	}
	return "none";
}

/* Whether k's values come from `hutch __complete KIND PREFIX` (live names, signals). */
static bool is_dynamic(enum cli_complete k)
{
	switch (k) {
	case CLI_COMPLETE_CONTAINER:
	case CLI_COMPLETE_CTR_RUNNING:
	case CLI_COMPLETE_CTR_STARTABLE:
	case CLI_COMPLETE_CTR_PAUSED:
	case CLI_COMPLETE_POD:
	case CLI_COMPLETE_VOLUME:
	case CLI_COMPLETE_INSPECT:
	case CLI_COMPLETE_IMAGE:
	case CLI_COMPLETE_SIGNAL:
	case CLI_COMPLETE_COMMAND:
		return true;
	default:
		return false;
	}
}

/* Write s with each space replaced by sep: one option's choices as one shell word. */
static void put_joined(FILE *f, const char *s, char sep)
{
	for (; *s; s++)
		fputc(*s == ' ' ? sep : *s, f);
}

/* ---------- bash ---------- */

static void bash_spec(FILE *f, const struct cli_cmd *cmd, const char *path)
{
	fprintf(f, "\t\"%s\")\n", path);
	fprintf(f, "\t\topts=\"");
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		fprintf(f, "--%s ", o->name);
		if (o->short_name)
			fprintf(f, "-%c ", o->short_name);
	}
	fprintf(f, "%s\"\n", cmd == &cli_root ? "" : "--help -h");
	fprintf(f, "\t\tvalopts=\"");
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		if (o->type == CLI_BOOL)
			continue;
		/* Each option carries its own values: "--pull=choices:always|missing|...". */
		for (int form = 0; form < (o->short_name ? 2 : 1); form++) {
			if (form == 0)
				fprintf(f, "--%s=%s", o->name, kind_word(o, o->complete));
			else
				fprintf(f, "-%c=%s", o->short_name, kind_word(o, o->complete));
			if (strcmp(kind_word(o, o->complete), "choices") == 0) {
				fputc(':', f);
				put_joined(f, o->choices, '|');
			}
			fputc(' ', f);
		}
	}
	fprintf(f, "\"\n\t\tchoices=\"\"\n\t\tsubs=\"");
	for (size_t i = 0; cmd->subs != NULL && cmd->subs[i].name != NULL; i++) {
		if (cmd->subs[i].hidden)
			continue;
		fprintf(f, "%s ", cmd->subs[i].name);
		for (size_t j = 0; cmd->subs[i].aliases && cmd->subs[i].aliases[j]; j++)
			fprintf(f, "%s ", cmd->subs[i].aliases[j]);
	}
	fprintf(f, "\"\n\t\toperands=\"%s\"\n", kind_word(NULL, cmd->operands));
	/* After the first operand of run, exec, unshare: the container's command, a path. */
	fprintf(f, "\t\tafter=\"%s\"\n", cmd->stop_at_operand ? "file" : "");
	if (cmd->operands == CLI_COMPLETE_CHOICES && strcmp(cmd->name, "completion") == 0)
		fprintf(f, "\t\tchoices=\"bash zsh fish\"\n");
	fprintf(f, "\t\t;;\n");
	for (size_t i = 0; cmd->subs != NULL && cmd->subs[i].name != NULL; i++) {
		const struct cli_cmd *s = &cmd->subs[i];
		if (s->hidden)
			continue;
		autofree char *sp = *path ? xasprintf("%s %s", path, s->name) : xstrdup(s->name);
		bash_spec(f, s, sp);
		for (size_t j = 0; s->aliases && s->aliases[j]; j++) {
			autofree char *ap = *path ? xasprintf("%s %s", path, s->aliases[j])
						  : xstrdup(s->aliases[j]);
			bash_spec(f, s, ap);
		}
	}
}

static const char bash_main[] =
    "_hutch_values() {\n"
    "\tlocal kind=$1 cur=$2 words\n"
    "\tcase $kind in\n"
    "\tfile) mapfile -t COMPREPLY < <(compgen -f -- \"$cur\") ;;\n"
    "\tdir) mapfile -t COMPREPLY < <(compgen -d -- \"$cur\") ;;\n"
    "\texecutable) mapfile -t COMPREPLY < <(compgen -c -- \"$cur\") ;;\n"
    "\tchoices) mapfile -t COMPREPLY < <(compgen -W \"$choices\" -- \"$cur\") ;;\n"
    "\tchoices:*)\n"
    "\t\twords=${kind#choices:}\n"
    "\t\tmapfile -t COMPREPLY < <(compgen -W \"${words//|/ }\" -- \"$cur\") ;;\n"
    "\tvolume-spec)\n"
    "\t\tmapfile -t COMPREPLY < <(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete volumes "
    "\"$cur\" 2>/dev/null)\" -- \"$cur\"; compgen -f -- \"$cur\") ;;\n"
    "\tcontainers* | images | pods | volumes | inspect | signals | commands)\n"
    "\t\tmapfile -t COMPREPLY < <(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete \"$kind\" "
    "\"$cur\" 2>/dev/null)\" -- \"$cur\") ;;\n"
    "\t*) COMPREPLY=() ;;\n"
    "\tesac\n"
    "\t# container:, seccomp=, type=bind, want more after them, as podman's NoSpace.\n"
    "\tif ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[:=,] ]]; then\n"
    "\t\tcompopt -o nospace 2>/dev/null\n"
    "\tfi\n"
    "\treturn 0\n"
    "}\n\n"
    "_hutch() {\n"
    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
    "\tlocal path=\"\" opts valopts choices subs operands after i w kind skip=0 seen_operand=0\n"
    "\t_hutch_spec \"\"\n"
    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
    "\t\tw=${COMP_WORDS[i]}\n"
    "\t\tif ((skip)); then skip=0; continue; fi\n"
    "\t\tcase $w in\n"
    "\t\t--*=*) continue ;;\n"
    "\t\t-*) case \" $valopts \" in *\" $w=\"*) skip=1 ;; esac; continue ;;\n"
    "\t\tesac\n"
    "\t\tif ((seen_operand == 0)) && [[ \" $subs \" == *\" $w \"* ]]; then\n"
    "\t\t\tpath=${path:+$path }$w\n"
    "\t\t\t_hutch_spec \"$path\"\n"
    "\t\telse\n"
    "\t\t\tseen_operand=1\n"
    "\t\tfi\n"
    "\tdone\n"
    "\tif [[ $prev == -* ]]; then\n"
    "\t\tfor w in $valopts; do\n"
    "\t\t\tif [[ ${w%%=*} == \"$prev\" ]]; then\n"
    "\t\t\t\t_hutch_values \"${w#*=}\" \"$cur\"\n"
    "\t\t\t\treturn 0\n"
    "\t\t\tfi\n"
    "\t\tdone\n"
    "\tfi\n"
    "\tif [[ $cur == -* ]]; then\n"
    "\t\tmapfile -t COMPREPLY < <(compgen -W \"$opts\" -- \"$cur\")\n"
    "\telif [[ -n $subs ]]; then\n"
    "\t\tmapfile -t COMPREPLY < <(compgen -W \"$subs\" -- \"$cur\")\n"
    "\telif ((seen_operand)) && [[ $after == file ]]; then\n"
    "\t\t_hutch_values file \"$cur\"\n"
    "\telse\n"
    "\t\tkind=$operands\n"
    "\t\t_hutch_values \"$kind\" \"$cur\"\n"
    "\tfi\n"
    "\treturn 0\n"
    "}\n"
    "complete -F _hutch hutch\n";

static void gen_bash(FILE *f)
{
	fprintf(f, "# bash completion for hutch, generated by `hutch completion bash`; do not "
		   "edit.\n# shellcheck shell=bash disable=SC2034\n\n");
	fprintf(f, "_hutch_spec() {\n\tcase $1 in\n");
	bash_spec(f, &cli_root, "");
	fprintf(f, "\t*) opts=\"--help -h\" valopts=\"\" choices=\"\" subs=\"\" operands=none "
		   "after=\"\" ;;\n"
		   "\tesac\n}\n\n");
	fputs(bash_main, f);
}

/* ---------- zsh ---------- */

static void zsh_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("[]:'\\", *s))
			fputc(*s == '\'' ? '`' : '\\', f);
		if (*s != '\'')
			fputc(*s, f);
	}
}

static void zsh_action(FILE *f, const struct cli_opt *o, enum cli_complete k)
{
	switch (k) {
	case CLI_COMPLETE_FILE:
		fprintf(f, "_files");
		return;
	case CLI_COMPLETE_DIR:
		fprintf(f, "_files -/");
		return;
	case CLI_COMPLETE_EXECUTABLE:
		fprintf(f, "_command_names -e");
		return;
	case CLI_COMPLETE_VOLUME_SPEC:
		fprintf(f, "{_hutch_dynamic volumes; _files}");
		return;
	case CLI_COMPLETE_FORMAT:
	case CLI_COMPLETE_CHOICES:
		if (o != NULL && o->choices != NULL) {
			/* A colon ends the action's field: container\: keeps it a value. */
			fputc('(', f);
			for (const char *c = o->choices; *c; c++)
				fprintf(f, *c == ':' ? "\\:" : "%c", *c);
			fputc(')', f);
			return;
		}
		break;
	default:
		if (is_dynamic(k)) {
			fprintf(f, "{_hutch_dynamic %s}", kind_word(o, k));
			return;
		}
		break;
	}
	fprintf(f, " ");
}

static void zsh_opt(FILE *f, const struct cli_opt *o)
{
	fprintf(f, "\t\t'");
	if (o->short_name)
		fprintf(f, "(-%c --%s)'{-%c,--%s%s}'", o->short_name, o->name, o->short_name,
			o->name, o->type == CLI_BOOL ? "" : "=");
	else
		fprintf(f, "%s--%s%s", o->type == CLI_LIST ? "*" : "", o->name,
			o->type == CLI_BOOL ? "" : "=");
	fputc('[', f);
	zsh_escape(f, o->help);
	fputc(']', f);
	if (o->type != CLI_BOOL) {
		fprintf(f, ":%s:", o->arg_name ? o->arg_name : "value");
		zsh_action(f, o, o->complete);
	}
	fprintf(f, "' \\\n");
}

static void zsh_func(FILE *f, const struct cli_cmd *cmd, const char *fname)
{
	fprintf(f, "%s() {\n\tlocal curcontext=$curcontext state line\n\ttypeset -A opt_args\n",
		fname);
	if (cmd->subs != NULL) {
		fprintf(f, "\tlocal -a cmds\n\tcmds=(\n");
		for (size_t i = 0; cmd->subs[i].name != NULL; i++) {
			if (cmd->subs[i].hidden)
				continue;
			fprintf(f, "\t\t'%s:", cmd->subs[i].name);
			zsh_escape(f, cmd->subs[i].summary);
			fprintf(f, "'\n");
		}
		fprintf(f, "\t)\n");
	}
	fprintf(f, "\t_arguments -C -s \\\n");
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++)
		zsh_opt(f, &cmd->opts[i]);
	if (cmd != &cli_root)
		fprintf(f, "\t\t'(-h --help)'{-h,--help}'[Show help for this command]' \\\n");
	if (cmd->subs != NULL) {
		fprintf(f, "\t\t'1: :->cmd' '*:: :->args'\n");
		fprintf(f, "\tcase $state in\n\tcmd) _describe -t commands command cmds ;;\n"
			   "\targs)\n\t\tcase $line[1] in\n");
		for (size_t i = 0; cmd->subs[i].name != NULL; i++) {
			const struct cli_cmd *s = &cmd->subs[i];
			if (s->hidden)
				continue;
			fprintf(f, "\t\t%s", s->name);
			for (size_t j = 0; s->aliases && s->aliases[j]; j++)
				fprintf(f, "|%s", s->aliases[j]);
			fprintf(f, ") %s_%s ;;\n", fname, s->name);
		}
		fprintf(f, "\t\tesac ;;\n\tesac\n}\n\n");
	} else {
		fprintf(f, "\t\t'*: :");
		zsh_action(f, NULL, cmd->operands);
		if (cmd->operands == CLI_COMPLETE_CHOICES)
			fprintf(f, "(bash zsh fish)");
		fprintf(f, "'\n}\n\n");
	}
	for (size_t i = 0; cmd->subs != NULL && cmd->subs[i].name != NULL; i++) {
		if (cmd->subs[i].hidden)
			continue;
		autofree char *sub = xasprintf("%s_%s", fname, cmd->subs[i].name);
		zsh_func(f, &cmd->subs[i], sub);
	}
}

static void gen_zsh(FILE *f)
{
	fprintf(f, "#compdef hutch\n# zsh completion for hutch, generated by `hutch completion "
		   "zsh`; do not edit.\n\n");
	fprintf(f, "_hutch_dynamic() {\n\tlocal -a vals\n\tvals=(${(f)\"$(hutch __complete $1 "
		   "\"$PREFIX\" 2>/dev/null)\"})\n\tcompadd -a vals\n}\n\n");
	zsh_func(f, &cli_root, "_hutch");
	fprintf(f, "_hutch \"$@\"\n");
}

/* ---------- fish ---------- */

static void fish_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void fish_cmd(FILE *f, const struct cli_cmd *cmd, const char *cond)
{
	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		const struct cli_opt *o = &cmd->opts[i];
		fprintf(f, "complete -c hutch -n '%s' -l %s", cond, o->name);
		if (o->short_name)
			fprintf(f, " -s %c", o->short_name);
		if (o->type != CLI_BOOL) {
			/* -r with files only where a path is wanted; -x (no files) elsewhere,
			 * as podman's NoFileComp. */
			switch (o->complete) {
			case CLI_COMPLETE_FILE:
			case CLI_COMPLETE_DIR:
				fprintf(f, " -r -F");
				break;
			case CLI_COMPLETE_VOLUME_SPEC:
				fprintf(f, " -r -F -a '(hutch __complete volumes (commandline -ct) "
					   "2>/dev/null)'");
				break;
			default:
				fprintf(f, " -x");
				if (is_dynamic(o->complete))
					fprintf(f,
						" -a '(hutch __complete %s (commandline -ct) "
						"2>/dev/null)'",
						kind_word(o, o->complete));
				else if (o->choices != NULL)
					fprintf(f, " -a '%s'", o->choices);
				break;
			}
		}
		fprintf(f, " -d '");
		fish_escape(f, o->help);
		fprintf(f, "'\n");
	}
	if (cmd != &cli_root)
		fprintf(f,
			"complete -c hutch -n '%s' -l help -s h -d 'Show help for this "
			"command'\n",
			cond);
	for (size_t i = 0; cmd->subs != NULL && cmd->subs[i].name != NULL; i++) {
		const struct cli_cmd *s = &cmd->subs[i];
		if (s->hidden)
			continue;
		/* Offer the subcommand only while none of its siblings is on the line. */
		fprintf(f, "complete -c hutch -n '%s; and not __fish_seen_subcommand_from", cond);
		for (size_t j = 0; cmd->subs[j].name != NULL; j++)
			if (!cmd->subs[j].hidden)
				fprintf(f, " %s", cmd->subs[j].name);
		fprintf(f, "' -a %s -d '", s->name);
		fish_escape(f, s->summary);
		fprintf(f, "'\n");
		/* `hutch pod stop` is not `hutch stop`: a command of the top level holds
		 * while no other group (container, pod, ...) is on the line. */
		autofree char *sub =
		    xasprintf("%s; and __fish_seen_subcommand_from %s", cond, s->name);
		for (size_t j = 0; cmd == &cli_root && cmd->subs[j].name != NULL; j++) {
			const struct cli_cmd *g = &cmd->subs[j];
			if (g->subs == NULL || g->hidden || g == s)
				continue;
			char *more = xasprintf(
			    "%s%s %s", sub,
			    strstr(sub, "; and not") ? "" : "; and not __fish_seen_subcommand_from",
			    g->name);
			free(sub);
			sub = more;
		}
		fish_cmd(f, s, sub);
	}
	if (is_dynamic(cmd->operands) && cmd->operands != CLI_COMPLETE_COMMAND)
		fprintf(f,
			"complete -c hutch -n '%s' -a '(hutch __complete %s (commandline -ct) "
			"2>/dev/null)'\n",
			cond, kind_word(NULL, cmd->operands));
	else if (cmd->operands == CLI_COMPLETE_CHOICES && strcmp(cmd->name, "completion") == 0)
		fprintf(f, "complete -c hutch -n '%s' -a 'bash zsh fish'\n", cond);
}

static void gen_fish(FILE *f)
{
	fprintf(f, "# fish completion for hutch, generated by `hutch completion fish`; do not "
		   "edit.\n\ncomplete -c hutch -f\n");
	fish_cmd(f, &cli_root, "true");
}

int cli_gen_completion(FILE *f, const char *shell, struct error **err)
{
	if (strcmp(shell, "bash") == 0)
		gen_bash(f);
	else if (strcmp(shell, "zsh") == 0)
		gen_zsh(f);
	else if (strcmp(shell, "fish") == 0)
		gen_fish(f);
	else
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported shell \"%s\": want bash, zsh or fish", shell);
	return 0;
}
