/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing and dispatch. getopt_long arrays are built from the table at run time; global
 * options come before the command, command options after it. Only this file prints an
 * error and decides the exit code (STYLE.md B3).
 */
#include "tool/cli.h"
#include "oci/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HUTCH_DEBUG_ACCESSORS
#define HUTCH_DEBUG_ACCESSORS 1
#endif

static size_t opts_len(const struct cli_opt *opts)
{
	size_t n = 0;
	while (opts != NULL && opts[n].name != NULL)
		n++;
	return n;
}

static int opt_index(const struct cli_ctx *ctx, const char *name)
{
	const struct cli_opt *opts = ctx->cmd->opts;
	for (size_t i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strcmp(opts[i].name, name) == 0)
			return (int)i;
	if (HUTCH_DEBUG_ACCESSORS) {
		fprintf(stderr, "Error: internal: command %s has no option --%s\n", ctx->path,
			name);
		abort();
	}
	return -1;
}

bool cli_opt_is_set(const struct cli_ctx *ctx, const char *name)
{
	int i = opt_index(ctx, name);
	return i >= 0 && ctx->vals[i].set;
}

bool cli_opt_flag(const struct cli_ctx *ctx, const char *name)
{
	const struct cli_opt *opts = ctx->cmd->opts;
	for (size_t i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strcmp(opts[i].name, name) == 0)
			return cli_opt_bool(ctx, name);
	return false;
}

bool cli_opt_bool(const struct cli_ctx *ctx, const char *name)
{
	int i = opt_index(ctx, name);
	if (i < 0)
		return false;
	if (!ctx->vals[i].set)
		return ctx->cmd->opts[i].def != NULL && strcmp(ctx->cmd->opts[i].def, "true") == 0;
	return ctx->vals[i].num != 0;
}

const char *cli_opt_str(const struct cli_ctx *ctx, const char *name)
{
	int i = opt_index(ctx, name);
	if (i < 0)
		return NULL;
	return ctx->vals[i].set ? ctx->vals[i].str : ctx->cmd->opts[i].def;
}

long cli_opt_int(const struct cli_ctx *ctx, const char *name)
{
	int i = opt_index(ctx, name);
	if (i < 0)
		return 0;
	if (ctx->vals[i].set)
		return ctx->vals[i].num;
	return ctx->cmd->opts[i].def != NULL ? strtol(ctx->cmd->opts[i].def, NULL, 10) : 0;
}

char *const *cli_opt_list(const struct cli_ctx *ctx, const char *name)
{
	int i = opt_index(ctx, name);
	return i >= 0 ? ctx->vals[i].list : NULL;
}

static int usage_error(struct error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(struct error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	autofree char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return err_set(err, EINVAL, ERR_USAGE, "%s", msg);
}

static int parse_bool(const char *s, bool *out)
{
	if (s == NULL || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

static int store_value(const struct cli_opt *o, struct cli_val *v, const char *arg,
		       struct error **err)
{
	v->set = true;
	switch (o->type) {
	case CLI_BOOL: {
		bool b;
		if (parse_bool(arg, &b) < 0)
			return usage_error(err,
					   "invalid argument \"%s\" for \"--%s\" flag: "
					   "want true or false",
					   arg, o->name);
		v->num = b;
		return 0;
	}
	case CLI_INT: {
		char *end = NULL;
		errno = 0;
		long n = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0')
			return usage_error(err,
					   "invalid argument \"%s\" for \"--%s\" flag: "
					   "want an integer",
					   arg, o->name);
		v->num = n;
		return 0;
	}
	case CLI_STRING:
		v->str = arg;
		return 0;
	case CLI_SECRET: {
		/* arg points into the process's argument area, which /proc/PID/cmdline shows:
		 * keep a copy and blank the original (its length stays visible, its bytes not). */
		size_t n = strlen(arg);
		if (v->owned != NULL)
			explicit_bzero(v->owned, strlen(v->owned));
		free(v->owned);
		v->owned = xstrdup(arg);
		v->str = v->owned;
		memset((char *)arg, '*', n);
		return 0;
	}
	case CLI_STRING_OPTVAL:
		v->str = arg != NULL ? arg : "true";
		return 0;
	case CLI_LIST: {
		size_t n = strv_len(v->list);
		v->list = xrealloc(v->list, (n + 2) * sizeof(char *));
		v->list[n] = (char *)arg;
		v->list[n + 1] = NULL;
		return 0;
	}
	}
	return 0;
}

/* The option a failing getopt call was looking at, for the message. */
static const char *bad_arg(char **argv, int idx)
{
	return idx > 0 && argv[idx - 1] != NULL ? argv[idx - 1] : "?";
}

/*
 * pflag's "-a=false" for a short boolean flag, which getopt knows only as "--archive=false":
 * such words are rewritten so (up to the first operand where operands stop the parsing).
 */
static void long_form_bools(const struct cli_opt *opts, size_t n, bool stop, int argc, char **argv,
			    int from)
{
	static char **kept; /* the rewritten words, reachable for the process's life */
	for (int i = from; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0 || (stop && a[0] != '-'))
			break;
		if (a[0] != '-' || a[1] == '-' || a[1] == '\0' || a[2] != '=')
			continue;
		for (size_t k = 0; k < n; k++) {
			if (opts[k].short_name != a[1] || opts[k].type != CLI_BOOL)
				continue;
			char *w = xasprintf("--%s%s", opts[k].name, a + 2);
			strv_push_take(&kept, w);
			argv[i] = w;
			break;
		}
	}
}

/*
 * Parse argv[*pos..] against opts (plus an implicit --help). Stops at the first operand
 * when stop is set; otherwise GNU getopt moves operands to the end. *pos ends at the first
 * operand; *help is set by -h/--help.
 */
static int parse_opts(const char *path, const struct cli_opt *opts, bool stop, bool add_help,
		      int argc, char **argv, struct cli_val *vals, bool *help, int *pos,
		      struct error **err)
{
	size_t n = opts_len(opts);
	autofree struct option *longopts = xcalloc(n + 2, sizeof(struct option));
	/* "+" stops at the first operand, ":" reports a missing value as ':'. */
	autofree char *shortopts = xzalloc(3 * n + 6);
	char *sp = shortopts;
	if (stop)
		*sp++ = '+';
	*sp++ = ':';
	for (size_t i = 0; i < n; i++) {
		const struct cli_opt *o = &opts[i];
		longopts[i].name = o->name;
		longopts[i].has_arg = o->type == CLI_BOOL || o->type == CLI_STRING_OPTVAL
					  ? optional_argument
					  : required_argument;
		longopts[i].val = 256 + (int)i;
		if (o->short_name) {
			*sp++ = o->short_name;
			if (o->type != CLI_BOOL)
				*sp++ = ':';
		}
	}
	/* -h is --help unless the command uses it (run -h is --hostname, as in podman). */
	bool h_taken = false;
	for (size_t i = 0; i < n; i++)
		h_taken |= opts[i].short_name == 'h';
	if (add_help) {
		longopts[n].name = "help";
		longopts[n].has_arg = no_argument;
		longopts[n].val = h_taken ? 255 : 'h';
		if (!h_taken)
			*sp++ = 'h';
	}
	long_form_bools(opts, n, stop, argc, argv, *pos);
	/* getopt_long wants argv[0] before the options: parse from *pos - 1. */
	int sub_argc = argc - *pos + 1;
	char **sub_argv = argv + *pos - 1;
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(sub_argc, sub_argv, shortopts, longopts, NULL);
		if (c == -1)
			break;
		if ((c == 'h' && add_help && !h_taken) || (c == 255 && add_help)) {
			*help = true;
			continue;
		}
		if (c == '?') {
			if (optopt != 0 && optopt < 256)
				return usage_error(err, "unknown shorthand flag: '%c' in %s",
						   optopt, bad_arg(sub_argv, optind));
			return usage_error(err, "unknown flag: %s", bad_arg(sub_argv, optind));
		}
		if (c == ':') {
			const char *a = bad_arg(sub_argv, optind);
			return usage_error(err, "flag needs an argument: %s", a);
		}
		int idx = -1;
		if (c >= 256) {
			idx = c - 256;
		} else {
			for (size_t i = 0; i < n; i++)
				if (opts[i].short_name == c)
					idx = (int)i;
		}
		if (idx < 0)
			return usage_error(err, "unknown flag: %s", bad_arg(sub_argv, optind));
		if (store_value(&opts[idx], &vals[idx], optarg, err) < 0)
			return -1;
	}
	(void)path;
	*pos += optind - 1;
	return 0;
}

static void free_vals(struct cli_val *vals, const struct cli_opt *opts)
{
	for (size_t i = 0; vals != NULL && i < opts_len(opts); i++) {
		free(vals[i].list);
		if (vals[i].owned != NULL)
			explicit_bzero(vals[i].owned, strlen(vals[i].owned));
		free(vals[i].owned);
	}
	free(vals);
}

static int check_arg_count(const struct cli_cmd *cmd, const char *path, int n, struct error **err)
{
	if (n < cmd->min_args) {
		if (cmd->min_args == 1 && cmd->max_args == 1)
			return usage_error(err, "\"hutch %s\" requires exactly 1 argument", path);
		return usage_error(err, "\"hutch %s\" requires at least %d argument%s", path,
				   cmd->min_args, cmd->min_args == 1 ? "" : "s");
	}
	if (cmd->max_args >= 0 && n > cmd->max_args) {
		if (cmd->max_args == 0)
			return usage_error(err, "\"hutch %s\" accepts no arguments", path);
		return usage_error(err, "\"hutch %s\" accepts at most %d argument%s", path,
				   cmd->max_args, cmd->max_args == 1 ? "" : "s");
	}
	return 0;
}

/* Resolve the command (and subcommand) at argv[*pos]; *path gets "image ls" etc. */
static const struct cli_cmd *resolve_cmd(int argc, char **argv, int *pos, char **path,
					 struct error **err)
{
	if (*pos >= argc) {
		err_set(err, EINVAL, ERR_USAGE, "missing command 'hutch COMMAND'");
		return NULL;
	}
	const struct cli_cmd *cmd = cli_find(cli_root.subs, argv[*pos]);
	if (cmd == NULL) {
		err_set(err, EINVAL, ERR_USAGE, "unrecognized command `hutch %s`", argv[*pos]);
		return NULL;
	}
	*path = xstrdup(cmd->name);
	(*pos)++;
	while (cmd->subs != NULL && *pos < argc && argv[*pos][0] != '-') {
		const struct cli_cmd *sub = cli_find(cmd->subs, argv[*pos]);
		if (sub == NULL) {
			err_set(err, EINVAL, ERR_USAGE, "unrecognized command `hutch %s %s`", *path,
				argv[*pos]);
			return NULL;
		}
		char *p = xasprintf("%s %s", *path, sub->name);
		free(*path);
		*path = p;
		cmd = sub;
		(*pos)++;
	}
	return cmd;
}

void cli_print_error(const struct error *e)
{
	/* One line, whatever an image, a registry or a container put in the message: no
	 * newline splits it and no escape sequence reaches the terminal. The one exception:
	 * podman's list of gathered failures ("2 errors occurred:" then a "\t* ..." line
	 * each, eng_image_remove's), each item made printable on its own. */
	autofree char *msg = xstrdup(e->msg != NULL ? e->msg : "unknown error");
	static const char item[] = "\n\t* ";
	size_t digits = strspn(msg, "0123456789");
	bool list = digits > 0 && strncmp(msg + digits, " errors occurred:\n\t* ", 21) == 0;
	fputs("Error: ", stderr);
	char *p = msg;
	for (char *q; list && (q = strstr(p, item)) != NULL; p = q + strlen(item)) {
		*q = '\0';
		str_printable(p);
		fprintf(stderr, "%s%s", p, item);
	}
	str_printable(p);
	fprintf(stderr, "%s\n", p);
}

static void print_error(const struct error *e, const char *path)
{
	cli_print_error(e);
	if (e->kind == ERR_USAGE) {
		if (path != NULL)
			fprintf(stderr, "See 'hutch %s --help'.\n", path);
		else
			fprintf(stderr, "See 'hutch --help'.\n");
	}
}

/*
 * --log-level and --debug (-D). As podman, a bad level or both flags is no "Error:" line
 * but its own message and exit status 1 (logrus's and cobra's pre-run check): -1 then,
 * with ctx->exit_status set.
 */
static int log_setup(struct cli_ctx *ctx, const char *level, bool debug)
{
	if (debug && level != NULL) {
		fprintf(stderr, "Setting --log-level and --debug is not allowed\n");
		ctx->exit_status = 1;
		return -1;
	}
	if (debug)
		level = "debug";
	struct error *e = NULL;
	if (level != NULL && log_parse_level(level, &log_current_level, &e) < 0) {
		fprintf(stderr, "%s\n", e->msg);
		err_free(&e);
		ctx->exit_status = 1;
		return -1;
	}
	log_info("hutch filtering at log level %s", level != NULL ? level : "warn");
	return 0;
}

/* What a debug log starts with: the command line, as podman logs its own. The parse has
 * blanked the values of secret options (CLI_SECRET) in argv by then. */
static void log_start(const char *path, int argc, char **argv)
{
	if (log_current_level < LOG_LEVEL_DEBUG)
		return;
	autofree char *line = xstrdup("");
	for (int i = 0; i < argc; i++) {
		char *l = xasprintf("%s%s%s", line, i ? " " : "", argv[i]);
		free(line);
		line = l;
	}
	log_debug("Called %s (%s)", path, line);
	log_trace("hutch %s, pid %d", HUTCH_VERSION, (int)getpid());
}

static int run(int argc, char **argv, struct cli_ctx *ctx, struct error **err)
{
	size_t ng = opts_len(cli_global_opts);
	autofree struct cli_val *gvals = xcalloc(ng + 1, sizeof(*gvals));
	bool help = false;
	int pos = 1;
	int rc = parse_opts("", cli_global_opts, true, false, argc, argv, gvals, &help, &pos, err);
	const char *level = NULL;
	bool debug = false;
	for (size_t i = 0; i < ng; i++) {
		const struct cli_opt *o = &cli_global_opts[i];
		if (!gvals[i].set)
			continue;
		if (strcmp(o->name, "help") == 0)
			help = true;
		else if (strcmp(o->name, "version") == 0 && rc == 0 && pos >= argc) {
			printf("hutch version %s\n", HUTCH_VERSION);
			return 0;
		} else if (strcmp(o->name, "noout") == 0) {
			/* podman's --noout: what the command prints goes nowhere, errors still
			 * do (stderr) */
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
			if (null >= 0 && null != STDOUT_FILENO) {
				dup2(null, STDOUT_FILENO);
				close(null);
			}
		} else if (strcmp(o->name, "storage-driver") == 0) {
			ctx->storage_driver = gvals[i].str;
		} else if (strcmp(o->name, "root") == 0) {
			ctx->store_root = gvals[i].str;
		} else if (strcmp(o->name, "runtime") == 0) {
			ctx->runtime = gvals[i].str;
		} else if (strcmp(o->name, "runtime-flag") == 0) {
			ctx->runtime_flags = steal_ptr(&gvals[i].list);
		} else if (strcmp(o->name, "log-level") == 0) {
			level = gvals[i].str;
		} else if (strcmp(o->name, "debug") == 0) {
			debug = gvals[i].num != 0;
		}
	}
	for (size_t i = 0; i < ng; i++)
		free(gvals[i].list);
	if (rc < 0)
		return -1;
	if (log_setup(ctx, level, debug) < 0)
		return 0;
	if (help && pos >= argc) {
		cli_print_help(stdout, &cli_root, NULL);
		return 0;
	}
	autofree char *path = NULL;
	const struct cli_cmd *cmd = resolve_cmd(argc, argv, &pos, &path, err);
	if (cmd == NULL)
		return -1;
	ctx->cmd = cmd;
	ctx->path = path;
	ctx->vals = xcalloc(opts_len(cmd->opts) + 1, sizeof(struct cli_val));
	/* The words in the order given (getopt reorders argv's pointers), logged after the
	 * parse: a secret option's value is wiped by then. */
	autofree char **given = xcalloc((size_t)argc + 1, sizeof(char *));
	memcpy(given, argv, (size_t)argc * sizeof(char *));
	rc = parse_opts(path, cmd->opts, cmd->stop_at_operand, true, argc, argv, ctx->vals, &help,
			&pos, err);
	log_start(path, argc, given);
	if (rc == 0 && (help || cmd->handler == NULL)) {
		if (cmd->handler == NULL && !help && pos < argc) {
			rc = err_set(err, EINVAL, ERR_USAGE, "unrecognized command `hutch %s %s`",
				     path, argv[pos]);
		} else {
			cli_print_help(stdout, cmd, path);
			if (cmd->handler == NULL && !help)
				rc = err_set(err, EINVAL, ERR_USAGE,
					     "missing command 'hutch %s "
					     "COMMAND'",
					     path);
		}
		goto out;
	}
	if (rc == 0)
		rc = check_arg_count(cmd, path, argc - pos, err);
	if (rc == 0) {
		ctx->argc = argc - pos;
		ctx->argv = argv + pos;
		struct eng_open_opts eo = { .storage_driver = ctx->storage_driver,
					    .any_driver = cmd->any_driver,
					    .root = ctx->store_root,
					    .runtime_flags = ctx->runtime_flags };
		if (cmd->store)
			rc = eng_open(&eo, &ctx->eng, err);
		cli_format_set_name(cmd->name);
		if (rc == 0)
			rc = cmd->handler(ctx, err);
		eng_close(&ctx->eng);
	}
out:
	if (rc < 0 && *err != NULL && (*err)->kind == ERR_USAGE)
		print_error(*err, path), err_free(err), rc = -2;
	free_vals(ctx->vals, cmd->opts);
	ctx->vals = NULL;
	ctx->path = NULL;
	return rc;
}

/* The fds from 3 on that hutch was started with (up to 3+63), before it opened any. */
static uint64_t inherited_fds;

bool cli_fd_inherited(int fd)
{
	return fd >= 3 && fd < 3 + 64 && (inherited_fds & (UINT64_C(1) << (fd - 3))) != 0;
}

int cli_main(int argc, char **argv)
{
	for (int fd = 3; fd < 3 + 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			inherited_fds |= UINT64_C(1) << (fd - 3);
	struct cli_ctx ctx = { .root = &cli_root, .cmdline = argv };
	struct error *err = NULL;
	int rc = run(argc, argv, &ctx, &err);
	free(ctx.runtime_flags);
	if (rc == -2)
		return 125;
	if (rc < 0) {
		print_error(err, NULL);
		int code = err_exit_code(err);
		if (ctx.cmd != NULL && ctx.cmd->rm_codes && err->kind == ERR_NOSUCH)
			code = 1;
		else if (ctx.cmd != NULL && ctx.cmd->rm_codes && err->kind == ERR_INUSE)
			code = 2;
		if (ctx.error_status > 0)
			code = ctx.error_status;
		err_free(&err);
		return code;
	}
	fflush(stdout);
	if (ferror(stdout))
		return 125;
	return ctx.exit_status;
}
