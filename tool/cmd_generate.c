/* SPDX-License-Identifier: Apache-2.0 */
/*
 * generate systemd: the engine writes the units (oci/engine/sdunit.c); this prints them,
 * or writes them as files in the current directory (--files), or as JSON (--format json).
 * The command table lends the engine the grammar of run, create and pod create, so that
 * --new can rewrite a recorded command line word by word.
 */
#include "tool/cli.h"
#include "oci/engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 1: opt takes a value in command cmd ("run", "pod create"), 0: none, -1: no such option. */
static int option_arity(const char *cmd, const char *opt)
{
	char *words[2] = { NULL, NULL };
	char buf[32];
	snprintf(buf, sizeof(buf), "%s", cmd);
	char *space = strchr(buf, ' ');
	words[0] = buf;
	if (space != NULL) {
		*space = '\0';
		words[1] = space + 1;
	}
	const struct cli_cmd *c = cli_lookup_path(words, space ? 2 : 1);
	for (size_t i = 0; c != NULL && c->opts != NULL && c->opts[i].name != NULL; i++) {
		const struct cli_opt *o = &c->opts[i];
		bool match = opt[1] == '-' ? strcmp(opt + 2, o->name) == 0
					   : opt[2] == '\0' && o->short_name == opt[1];
		if (match)
			return o->type == CLI_BOOL ? 0 : 1;
	}
	return strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0 ? 0 : -1;
}

/* --files: each unit as NAME.service in the current directory; its path printed. */
static int write_files(const struct eng_sdunit *u, size_t n, struct error **err)
{
	char cwd[4096];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return err_sys(err, "getting the current directory");
	for (size_t i = 0; i < n; i++) {
		autofree char *path = xasprintf("%s/%s", cwd, u[i].name);
		if (fs_write_replace(path, u[i].text, strlen(u[i].text), 0644, err) < 0)
			return err_wrap(err, "generating systemd unit files");
		printf("%s\n", path);
	}
	return 0;
}

static int print_units(const struct eng_sdunit *u, size_t n, const char *format, struct error **err)
{
	if (format == NULL || *format == '\0') {
		for (size_t i = 0; i < n; i++)
			fputs(u[i].text, stdout);
		return 0;
	}
	if (strcmp(format, "json") != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported format \"%s\": only json is supported", format);
	/* podman's map of unit name (without .service) to text */
	struct json_object *m = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		autofree char *key = xstrdup(u[i].name);
		char *dot = strrchr(key, '.');
		if (dot != NULL)
			*dot = '\0';
		json_object_object_add(m, key, json_object_new_string(u[i].text));
	}
	int rc = cli_format_render(stdout, "json", m, err);
	json_object_put(m);
	return rc;
}

int cmd_generate_systemd(struct cli_ctx *ctx, struct error **err)
{
	autofree char *self = realpath("/proc/self/exe", NULL);
	/* -t, --time: podman's older name of --stop-timeout */
	bool t_set = cli_opt_is_set(ctx, "time");
	struct eng_sdunit_opts o = {
		.new_ctr = cli_opt_bool(ctx, "new"),
		.use_name = cli_opt_bool(ctx, "name"),
		.no_header = cli_opt_bool(ctx, "no-header"),
		.template_unit = cli_opt_bool(ctx, "template"),
		.restart_policy = cli_opt_is_set(ctx, "restart-policy")
				      ? cli_opt_str(ctx, "restart-policy")
				      : NULL,
		.restart_sec = cli_opt_int(ctx, "restart-sec"),
		.start_timeout = cli_opt_int(ctx, "start-timeout"),
		.stop_timeout = t_set ? cli_opt_int(ctx, "time") : cli_opt_int(ctx, "stop-timeout"),
		.stop_timeout_set = t_set || cli_opt_is_set(ctx, "stop-timeout"),
		.container_prefix = cli_opt_str(ctx, "container-prefix"),
		.pod_prefix = cli_opt_str(ctx, "pod-prefix"),
		.separator = cli_opt_str(ctx, "separator"),
		.wants = cli_opt_list(ctx, "wants"),
		.after = cli_opt_list(ctx, "after"),
		.requires = cli_opt_list(ctx, "requires"),
		.env = cli_opt_list(ctx, "env"),
		.executable = self ? self : "/usr/bin/hutch",
		.now = time(NULL),
		.option_arity = option_arity,
	};
	if (o.restart_sec < 0 || o.start_timeout < 0 || o.stop_timeout < 0)
		return err_set(err, EINVAL, ERR_USAGE, "timeouts must be 0 or more seconds");
	struct eng_sdunit *u = NULL;
	size_t n = 0;
	if (eng_sdunits(ctx->eng, ctx->argv[0], &o, &u, &n, err) < 0)
		return -1;
	int rc = cli_opt_bool(ctx, "files") ? write_files(u, n, err)
					    : print_units(u, n, cli_opt_str(ctx, "format"), err);
	eng_sdunits_free(u, n);
	return rc;
}
