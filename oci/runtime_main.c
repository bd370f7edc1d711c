/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-runtime: the runc-compatible front end of the OCI runtime library (oci/oci.h).
 * It parses runc's command line (global options before the command, as podman and conmon
 * pass them) and calls the library; errors exit 1 with the message on stderr and in the
 * --log file, in runc's text or json shape, so any OCI client can lift it. One table of
 * commands, each with its options (lib/args.c), drives the parsing and --help.
 */
#include "oci/oci.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

struct globals {
	const char *root;
	const char *log_path;
	const char *log_format; /* "json", else text */
	bool debug;
};

/* What the options of every command set: parsed first, then turned into the library's
 * request by the command's handler. */
struct rt_args {
	const char *bundle, *pid_file, *console_socket, *process, *cwd, *user, *format;
	char **env; /* owned */
	int preserve_fds;
	bool no_pivot, no_new_keyring, detach, tty, all, force, quiet, rootless;
};

/*
 * runc's error report: the bare message on stderr (clients such as podman prefix the
 * runtime's path themselves), and the --log file in the format asked for.
 */
static void report(const struct globals *g, const char *msg)
{
	fprintf(stderr, "%s\n", msg);
	if (g->log_path == NULL)
		return;
	FILE *f = fopen(g->log_path, "ae");
	if (f == NULL)
		return;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (g->log_format != NULL && strcmp(g->log_format, "json") == 0) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "level", json_object_new_string("error"));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_string(when));
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		json_object *s = json_object_new_string(msg);
		fprintf(f, "time=\"%s\" level=error msg=%s\n", when,
			json_object_to_json_string_ext(s, JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(s);
	}
	fclose(f);
}

static int usage_err(struct error **err, const char *cmd, const char *what)
{
	return err_set(err, EINVAL, ERR_USAGE, "%s: %s (see hutch-runtime --help)", cmd, what);
}

/* --preserve-fds N */
static int parse_int(void *field, const char *s, const char *word, struct error **err)
{
	(void)word;
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 0 || v > 65536)
		return err_set(err, EINVAL, ERR_USAGE, "invalid number \"%s\"", s);
	*(int *)field = (int)v;
	return 0;
}

#define A(f) offsetof(struct rt_args, f)
#define G(f) offsetof(struct globals, f)
#define HELP_OPT                                                   \
	{                                                          \
		"help", 'h', ARGS_STOP, 0, NULL, NULL, "show help" \
	}

/* create and run share their options; run adds --detach and --keep (create takes them
 * too, as before). */
static const struct args_opt create_opts[] = {
	{ "bundle", 'b', ARGS_STR, A(bundle), NULL, "DIR", "the bundle (default: .)" },
	{ "pid-file", 0, ARGS_STR, A(pid_file), NULL, "FILE", "write the init's pid there" },
	{ "console-socket", 0, ARGS_STR, A(console_socket), NULL, "PATH",
	  "AF_UNIX socket that receives the pty master" },
	{ "no-pivot", 0, ARGS_FLAG, A(no_pivot), NULL, NULL, "chroot instead of pivot_root" },
	{ "no-new-keyring", 0, ARGS_FLAG, A(no_new_keyring), NULL, NULL,
	  "no session keyring (never made)" },
	{ "preserve-fds", 0, ARGS_FN, A(preserve_fds), parse_int, "N",
	  "pass fds 3 to 3+N-1 to the container" },
	{ "detach", 'd', ARGS_FLAG, A(detach), NULL, NULL, "run: do not wait for the container" },
	{ "keep", 0, ARGS_SKIP, 0, NULL, NULL, "accepted, ignored" },
	{ "no-subreaper", 0, ARGS_SKIP, 0, NULL, NULL, "accepted, ignored" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt no_opts[] = { HELP_OPT, { 0 } };
static const struct args_opt kill_opts[] = {
	{ "all", 'a', ARGS_FLAG, A(all), NULL, NULL, "signal every process of the container" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt delete_opts[] = {
	{ "force", 'f', ARGS_FLAG, A(force), NULL, NULL, "kill a running container first" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt exec_opts[] = {
	{ "process", 'p', ARGS_STR, A(process), NULL, "FILE", "the process, as JSON" },
	{ "tty", 't', ARGS_FLAG, A(tty), NULL, NULL, "allocate a pseudo-terminal" },
	{ "detach", 'd', ARGS_FLAG, A(detach), NULL, NULL, "do not wait for the process" },
	{ "pid-file", 0, ARGS_STR, A(pid_file), NULL, "FILE", "write the process's pid there" },
	{ "console-socket", 0, ARGS_STR, A(console_socket), NULL, "PATH",
	  "AF_UNIX socket that receives the pty master" },
	{ "cwd", 0, ARGS_STR, A(cwd), NULL, "DIR", "working directory" },
	{ "env", 'e', ARGS_STRV, A(env), NULL, "VAR=VALUE", "set an environment variable" },
	{ "user", 'u', ARGS_STR, A(user), NULL, "UID[:GID]", "run as this user" },
	{ "preserve-fds", 0, ARGS_FN, A(preserve_fds), parse_int, "N",
	  "pass fds 3 to 3+N-1 to the process" },
	{ "no-new-privs", 0, ARGS_SKIP, 0, NULL, NULL, "accepted, ignored" },
	{ "process-label", 0, ARGS_SKIP_ARG, 0, NULL, "LABEL", "accepted, ignored" },
	{ "apparmor", 0, ARGS_SKIP_ARG, 0, NULL, "PROFILE", "accepted, ignored" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt list_opts[] = {
	{ "format", 'f', ARGS_STR, A(format), NULL, "table|json", "output format" },
	{ "quiet", 'q', ARGS_FLAG, A(quiet), NULL, NULL, "only the IDs" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt ps_opts[] = {
	{ "format", 'f', ARGS_STR, A(format), NULL, "table|json", "output format" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt spec_opts[] = {
	{ "rootless", 0, ARGS_FLAG, A(rootless), NULL, NULL, "a spec for a rootless container" },
	{ "bundle", 'b', ARGS_STR, A(bundle), NULL, "DIR", "write DIR/config.json (default: .)" },
	HELP_OPT,
	{ 0 },
};
static const struct args_opt global_opts[] = {
	{ "root", 0, ARGS_STR, G(root), NULL, "DIR", "state root" },
	{ "log", 0, ARGS_STR, G(log_path), NULL, "FILE", "append errors to FILE" },
	{ "log-format", 0, ARGS_STR, G(log_format), NULL, "text|json", "the --log format" },
	{ "debug", 0, ARGS_FLAG, G(debug), NULL, NULL, "debug output" },
	{ "systemd-cgroup", 0, ARGS_SKIP, 0, NULL, NULL, "accepted, ignored" },
	{ "rootless", 0, ARGS_SKIP_ARG, 0, NULL, "true|false|auto", "accepted, ignored" },
	{ "criu", 0, ARGS_SKIP_ARG, 0, NULL, "PATH", NULL },
	{ "version", 'v', ARGS_STOP, 0, NULL, NULL, "print the version" },
	HELP_OPT,
	{ 0 },
};
#undef A
#undef G

struct rt_cmd;
/* A command's handler: the parsed options and the operands (n of them). */
typedef int (*rt_handler)(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
			  char **args, int n, int *status, struct error **err);

struct rt_cmd {
	const char *name;
	const char *operands; /* for help */
	const char *summary;
	const struct args_opt *opts; /* NULL: the words after the command are not looked at */
	int min, max;		     /* operands; max -1: no limit */
	const char *arity_msg;	     /* the usage error when their number is wrong */
	rt_handler run;
};

static int cmd_create(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		      char **args, int n, int *status, struct error **err)
{
	(void)n;
	struct oci_create_opts o = { .root = g->root,
				     .id = args[0],
				     .bundle = a->bundle,
				     .pid_file = a->pid_file,
				     .console_socket = a->console_socket,
				     .preserve_fds = a->preserve_fds,
				     .no_pivot = a->no_pivot,
				     .no_new_keyring = a->no_new_keyring };
	if (strcmp(cmd->name, "create") == 0)
		return oci_container_create(&o, err);
	return oci_container_run(&o, a->detach, status, err);
}

static int cmd_state(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		     char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)a, (void)n, (void)status;
	struct oci_state_info st;
	if (oci_container_state(g->root, args[0], &st, err) < 0)
		return -1;
	printf("%s\n", st.json);
	oci_state_info_clear(&st);
	return 0;
}

static int cmd_kill(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		    char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)status;
	int sig = 15;
	if (n == 2 && oci_parse_signal(args[1], &sig, err) < 0)
		return -1;
	return oci_container_kill(g->root, args[0], sig, a->all, err);
}

static int cmd_delete(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		      char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)n, (void)status;
	return oci_container_delete(g->root, args[0], a->force, err);
}

/* start, pause and resume */
static int cmd_simple(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		      char **args, int n, int *status, struct error **err)
{
	(void)a, (void)n, (void)status;
	if (strcmp(cmd->name, "start") == 0)
		return oci_container_start(g->root, args[0], err);
	return oci_container_pause(g->root, args[0], strcmp(cmd->name, "pause") == 0, err);
}

static int cmd_exec(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		    char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)n;
	struct oci_exec_opts o = { .root = g->root,
				   .id = args[0],
				   .args = args + 1,
				   .env = a->env,
				   .process_file = a->process,
				   .tty = a->tty,
				   .detach = a->detach,
				   .pid_file = a->pid_file,
				   .console_socket = a->console_socket,
				   .cwd = a->cwd,
				   .user = a->user,
				   .preserve_fds = a->preserve_fds };
	return oci_container_exec(&o, status, err);
}

static bool is_json(const struct rt_args *a)
{
	return a->format != NULL && strcmp(a->format, "json") == 0;
}

static int cmd_list(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		    char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)args, (void)n, (void)status;
	bool json = is_json(a);
	struct oci_state_info *v = NULL;
	size_t count = 0;
	if (oci_container_list(g->root, &v, &count, err) < 0)
		return -1;
	json_object *arr = json_object_new_array();
	if (!json && !a->quiet)
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; i < count; i++) {
		if (json)
			json_object_array_add(arr, json_tokener_parse(v[i].json));
		else if (a->quiet)
			printf("%s\n", v[i].id);
		else
			printf("%-20s %-8d %-10s %-40s %-30s %s\n", v[i].id, (int)v[i].pid,
			       oci_status_name(v[i].status), v[i].bundle,
			       v[i].created ? v[i].created : "", v[i].owner ? v[i].owner : "");
		oci_state_info_clear(&v[i]);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(
				   arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	free(v);
	return 0;
}

static int cmd_ps(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a, char **args,
		  int n, int *status, struct error **err)
{
	(void)cmd, (void)n, (void)status;
	autofree pid_t *pids = NULL;
	size_t count = 0;
	if (oci_container_pids(g->root, args[0], &pids, &count, err) < 0)
		return -1;
	if (is_json(a)) {
		printf("[");
		for (size_t i = 0; i < count; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	printf("PID\n");
	for (size_t i = 0; i < count; i++)
		printf("%d\n", (int)pids[i]);
	return 0;
}

static int cmd_spec(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
		    char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)g, (void)args, (void)n, (void)status;
	autofree char *path = xasprintf("%s/config.json", a->bundle ? a->bundle : ".");
	if (fs_exists(path))
		return err_set(err, EEXIST, ERR_TOOL, "%s exists: remove it first", path);
	autofree char *text = oci_spec_default_json(a->rootless);
	autofree char *line = xasprintf("%s\n", text);
	return fs_write_atomic(path, line, strlen(line), 0644, err);
}

static int cmd_features(const struct rt_cmd *cmd, const struct globals *g, struct rt_args *a,
			char **args, int n, int *status, struct error **err)
{
	(void)cmd, (void)g, (void)a, (void)args, (void)n, (void)status, (void)err;
	autofree char *f = oci_features_json();
	printf("%s\n", f);
	return 0;
}

#define ONE_ID 1, 1, "requires exactly one container id"

static const struct rt_cmd commands[] = {
	{ "create", "ID", "create a container", create_opts, ONE_ID, cmd_create },
	{ "start", "ID", "start a created container", no_opts, ONE_ID, cmd_simple },
	{ "run", "ID", "create and start a container", create_opts, ONE_ID, cmd_create },
	{ "state", "ID", "print a container's state", no_opts, ONE_ID, cmd_state },
	{ "kill", "ID [SIGNAL]", "signal a container (default SIGTERM)", kill_opts, 1, 2,
	  "usage: kill [--all] ID [SIGNAL]", cmd_kill },
	{ "delete", "ID", "delete a container", delete_opts, ONE_ID, cmd_delete },
	{ "exec", "ID [COMMAND [ARG...]]", "run a process in a container", exec_opts, 1, -1,
	  "requires a container id", cmd_exec },
	{ "list", "", "list containers", list_opts, 0, -1, NULL, cmd_list },
	{ "ps", "ID", "list a container's processes", ps_opts, 1, -1, "requires a container id",
	  cmd_ps },
	{ "spec", "", "write a default config.json", spec_opts, 0, -1, NULL, cmd_spec },
	{ "features", "", "print what the runtime supports", NULL, 0, -1, NULL, cmd_features },
	{ "pause", "ID", "freeze a container", no_opts, ONE_ID, cmd_simple },
	{ "resume", "ID", "thaw a paused container", no_opts, ONE_ID, cmd_simple },
};

static void print_help(FILE *f)
{
	fprintf(f, "Usage: hutch-runtime [global options] COMMAND [options] ARGS\n\n"
		   "An OCI runtime, runc-compatible, for rootless containers.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "   %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options:\n");
	args_help(f, global_opts);
	fprintf(f, "\nRun 'hutch-runtime COMMAND --help' for a command's options.\n");
}

static void print_cmd_help(const struct rt_cmd *c)
{
	printf("Usage: hutch-runtime %s [options]%s%s\n\n%s\n", c->name, c->operands[0] ? " " : "",
	       c->operands, c->summary);
	if (c->opts != NULL) {
		printf("\nOptions:\n");
		args_help(stdout, c->opts);
	}
}

static int dispatch(const struct globals *g, int argc, char **argv, int *status, struct error **err)
{
	const struct rt_cmd *c = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) && c == NULL; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			c = &commands[i];
	if (c == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "unknown command \"%s\"", argv[0]);
	struct rt_args a = { 0 };
	struct args_result r = { .first = argc };
	int rc = -1;
	if (c->opts != NULL && args_parse(c->opts, argc, argv, &a, &r, err) < 0) {
		if (r.bad != NULL)
			usage_err(err, c->name, "unknown option");
		goto out;
	}
	if (r.stop != NULL) {
		print_cmd_help(c);
		rc = 0;
		goto out;
	}
	int n = c->opts != NULL ? argc - r.first : 0;
	if (n < c->min || (c->max >= 0 && n > c->max)) {
		usage_err(err, c->name, c->arity_msg);
		goto out;
	}
	rc = c->run(c, g, &a, argv + r.first, n, status, err);
out:
	strv_free(a.env);
	return rc;
}

int main(int argc, char **argv)
{
	struct globals g = { 0 };
	struct error *err = NULL;
	struct args_result r;
	int status = 0;
	/* An unknown global flag (a client's runtime flags, podman's --runtime-flag) fails
	 * with its name, on stderr and in the --log given before it, as crun's; runc's usage
	 * on stdout. */
	opterr = 0;
	if (args_parse(global_opts, argc, argv, &g, &r, &err) < 0) {
		autofree char *msg =
		    r.bad != NULL ? xasprintf("unknown flag: %s", r.bad) : xstrdup(err->msg);
		report(&g, msg);
		err_free(&err);
		print_help(stdout);
		return 1;
	}
	opterr = 1;
	if (r.stop != NULL && r.stop->short_name == 'v') {
		printf("hutch-runtime version %s\ncommit: %s\nspec: 1.2.0\n", HUTCH_VERSION,
		       HUTCH_GIT_COMMIT);
		return 0;
	}
	if (r.stop != NULL || r.first >= argc) {
		print_help(stdout);
		return r.stop != NULL ? 0 : 1;
	}
	if (g.debug)
		log_current_level = LOG_LEVEL_DEBUG;
	if (dispatch(&g, argc - r.first, argv + r.first, &status, &err) < 0) {
		report(&g, err->msg);
		err_free(&err);
		return 1;
	}
	return status;
}
