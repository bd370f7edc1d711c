/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-runtime: the runc-compatible front end of the OCI runtime library (oci/oci.h).
 * It parses runc's command line (global options before the command, as podman and conmon
 * pass them) and calls the library; errors exit 1 with the message on stderr and in the
 * --log file, in runc's text or json shape, so any OCI client can lift it.
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
	bool log_json;
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
	if (g->log_json) {
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

/* Exactly n operands after the options, else a usage error. */
static int want_args(int argc, char **argv, int n, const char *cmd, struct error **err)
{
	if (argc - optind != n)
		return usage_err(err, cmd,
				 n == 1 ? "requires exactly one container id"
					: "wrong number of arguments");
	(void)argv;
	return 0;
}

static int parse_int(const char *s, int *out, struct error **err)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 0 || v > 65536)
		return err_set(err, EINVAL, ERR_USAGE, "invalid number \"%s\"", s);
	*out = (int)v;
	return 0;
}

/* create and run share their options; run adds --detach and --keep. */
static int create_or_run(const struct globals *g, int argc, char **argv, bool run, int *status,
			 struct error **err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "no-pivot", no_argument, NULL, 'P' },
		{ "no-new-keyring", no_argument, NULL, 'K' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "no-subreaper", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_create_opts o = { .root = g->root };
	bool detach = false;
	int c;
	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bundle = optarg;
			break;
		case 'p':
			o.pid_file = optarg;
			break;
		case 'c':
			o.console_socket = optarg;
			break;
		case 'P':
			o.no_pivot = true;
			break;
		case 'K':
			o.no_new_keyring = true;
			break;
		case 'f':
			if (parse_int(optarg, &o.preserve_fds, err) < 0)
				return -1;
			break;
		case 'd':
			detach = true;
			break;
		case 'k':
		case 'S':
			break;
		default:
			return usage_err(err, argv[0], "unknown option");
		}
	}
	if (want_args(argc, argv, 1, argv[0], err) < 0)
		return -1;
	o.id = argv[optind];
	if (!run)
		return oci_container_create(&o, err);
	return oci_container_run(&o, detach, status, err);
}

static int cmd_state(const struct globals *g, int argc, char **argv, struct error **err)
{
	if (getopt_long(argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
		return usage_err(err, "state", "unknown option");
	if (want_args(argc, argv, 1, "state", err) < 0)
		return -1;
	struct oci_state_info st;
	if (oci_container_state(g->root, argv[optind], &st, err) < 0)
		return -1;
	printf("%s\n", st.json);
	oci_state_info_clear(&st);
	return 0;
}

static int cmd_kill(const struct globals *g, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	bool all = false;
	int c, sig = 15;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return usage_err(err, "kill", "unknown option");
		all = true;
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return usage_err(err, "kill", "usage: kill [--all] ID [SIGNAL]");
	if (n == 2 && oci_parse_signal(argv[optind + 1], &sig, err) < 0)
		return -1;
	return oci_container_kill(g->root, argv[optind], sig, all, err);
}

static int cmd_delete(const struct globals *g, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_err(err, "delete", "unknown option");
		force = true;
	}
	if (want_args(argc, argv, 1, "delete", err) < 0)
		return -1;
	return oci_container_delete(g->root, argv[optind], force, err);
}

static int cmd_simple(const struct globals *g, int argc, char **argv, struct error **err)
{
	if (getopt_long(argc, argv, "+", (struct option[]){ { 0 } }, NULL) != -1)
		return usage_err(err, argv[0], "unknown option");
	if (want_args(argc, argv, 1, argv[0], err) < 0)
		return -1;
	if (strcmp(argv[0], "start") == 0)
		return oci_container_start(g->root, argv[optind], err);
	return oci_container_pause(g->root, argv[optind], strcmp(argv[0], "pause") == 0, err);
}

static int cmd_exec(const struct globals *g, int argc, char **argv, int *status, struct error **err)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "cwd", required_argument, NULL, 'w' },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "preserve-fds", required_argument, NULL, 'f' },
		{ "no-new-privs", no_argument, NULL, 'N' },
		{ "process-label", required_argument, NULL, 'L' },
		{ "apparmor", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_exec_opts o = { .root = g->root };
	autostrv char **env = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+p:tde:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_file = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'P':
			o.pid_file = optarg;
			break;
		case 'c':
			o.console_socket = optarg;
			break;
		case 'w':
			o.cwd = optarg;
			break;
		case 'e':
			strv_push(&env, optarg);
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'f':
			if (parse_int(optarg, &o.preserve_fds, err) < 0)
				return -1;
			break;
		case 'N':
		case 'L':
		case 'A':
			break;
		default:
			return usage_err(err, "exec", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_err(err, "exec", "requires a container id");
	o.id = argv[optind];
	o.args = argv + optind + 1;
	o.env = env;
	return oci_container_exec(&o, status, err);
}

static int cmd_list(const struct globals *g, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "quiet", no_argument, NULL, 'q' },
					      { NULL, 0, NULL, 0 } };
	bool json = false, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			json = strcmp(optarg, "json") == 0;
		else if (c == 'q')
			quiet = true;
		else
			return usage_err(err, "list", "unknown option");
	}
	struct oci_state_info *v = NULL;
	size_t n = 0;
	if (oci_container_list(g->root, &v, &n, err) < 0)
		return -1;
	json_object *a = json_object_new_array();
	if (!json && !quiet)
		printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		if (json)
			json_object_array_add(a, json_tokener_parse(v[i].json));
		else if (quiet)
			printf("%s\n", v[i].id);
		else
			printf("%-20s %-8d %-10s %-40s %-30s %s\n", v[i].id, (int)v[i].pid,
			       oci_status_name(v[i].status), v[i].bundle,
			       v[i].created ? v[i].created : "", v[i].owner ? v[i].owner : "");
		oci_state_info_clear(&v[i]);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(
				   a, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
	free(v);
	return 0;
}

static int cmd_ps(const struct globals *g, int argc, char **argv, struct error **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return usage_err(err, "ps", "unknown option");
		json = strcmp(optarg, "json") == 0;
	}
	if (optind >= argc)
		return usage_err(err, "ps", "requires a container id");
	autofree pid_t *pids = NULL;
	size_t n = 0;
	if (oci_container_pids(g->root, argv[optind], &pids, &n, err) < 0)
		return -1;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
		return 0;
	}
	printf("PID\n");
	for (size_t i = 0; i < n; i++)
		printf("%d\n", (int)pids[i]);
	return 0;
}

static int cmd_spec(int argc, char **argv, struct error **err)
{
	static const struct option opts[] = { { "rootless", no_argument, NULL, 'r' },
					      { "bundle", required_argument, NULL, 'b' },
					      { NULL, 0, NULL, 0 } };
	bool rootless = false;
	const char *bundle = ".";
	int c;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'r')
			rootless = true;
		else if (c == 'b')
			bundle = optarg;
		else
			return usage_err(err, "spec", "unknown option");
	}
	autofree char *path = xasprintf("%s/config.json", bundle);
	if (fs_exists(path))
		return err_set(err, EEXIST, ERR_TOOL, "%s exists: remove it first", path);
	autofree char *text = oci_spec_default_json(rootless);
	autofree char *line = xasprintf("%s\n", text);
	return fs_write_atomic(path, line, strlen(line), 0644, err);
}

static void print_help(void)
{
	printf("Usage: hutch-runtime [global options] COMMAND [options] ARGS\n\n"
	       "An OCI runtime, runc-compatible, for rootless containers.\n\n"
	       "Commands: create, start, run, state, kill, delete, exec, list, ps, spec,\n"
	       "          features, pause, resume\n\n"
	       "Global options: --root DIR, --log FILE, --log-format text|json, --debug,\n"
	       "                --systemd-cgroup, --rootless true|false|auto, --version\n");
}

static int dispatch(const struct globals *g, int argc, char **argv, int *status, struct error **err)
{
	const char *cmd = argv[0];
	optind = 0; /* reinitialise getopt for the command's own options */
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "run") == 0)
		return create_or_run(g, argc, argv, cmd[0] == 'r', status, err);
	if (strcmp(cmd, "start") == 0 || strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0)
		return cmd_simple(g, argc, argv, err);
	if (strcmp(cmd, "state") == 0)
		return cmd_state(g, argc, argv, err);
	if (strcmp(cmd, "kill") == 0)
		return cmd_kill(g, argc, argv, err);
	if (strcmp(cmd, "delete") == 0)
		return cmd_delete(g, argc, argv, err);
	if (strcmp(cmd, "exec") == 0)
		return cmd_exec(g, argc, argv, status, err);
	if (strcmp(cmd, "list") == 0)
		return cmd_list(g, argc, argv, err);
	if (strcmp(cmd, "ps") == 0)
		return cmd_ps(g, argc, argv, err);
	if (strcmp(cmd, "spec") == 0)
		return cmd_spec(argc, argv, err);
	if (strcmp(cmd, "features") == 0) {
		autofree char *f = oci_features_json();
		printf("%s\n", f);
		return 0;
	}
	return err_set(err, EINVAL, ERR_USAGE, "unknown command \"%s\"", cmd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "debug", no_argument, NULL, 'D' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "criu", required_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct globals g = { 0 };
	struct error *err = NULL;
	int c, status = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.root = optarg;
			break;
		case 'l':
			g.log_path = optarg;
			break;
		case 'F':
			g.log_json = strcmp(optarg, "json") == 0;
			break;
		case 'D':
			log_current_level = LOG_LEVEL_DEBUG;
			break;
		case 's':
		case 'R':
		case 'C':
			break;
		case 'v':
			printf("hutch-runtime version %s\ncommit: %s\nspec: 1.2.0\n", HUTCH_VERSION,
			       HUTCH_GIT_COMMIT);
			return 0;
		case 'h':
			print_help();
			return 0;
		default:
			print_help();
			return 1;
		}
	}
	if (optind >= argc) {
		print_help();
		return 1;
	}
	if (dispatch(&g, argc - optind, argv + optind, &status, &err) < 0) {
		report(&g, err->msg);
		err_free(&err);
		return 1;
	}
	return status;
}
