/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container commands: run, create, start, stop, kill, restart, rm, ps, logs, attach, exec,
 * wait, inspect, and the monitor's hidden exit command. Handlers parse, validate, call
 * oci/engine and map the result to podman's exit codes.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "oci/oci.h"
#include "tool/io.h"
#include "tool/render.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------- run / create ---------- */

/* The flags as a create request: a straight copy, the engine decides. */
static void create_req(struct cli_ctx *ctx, struct eng_ctr_create_req *r)
{
	*r = (struct eng_ctr_create_req){
		.image = ctx->argv[0],
		.pull = cli_opt_str(ctx, "pull"),
		.tls_verify = cli_opt_bool(ctx, "tls-verify"),
		.tls_verify_set = cli_opt_is_set(ctx, "tls-verify"),
		.progress = cli_progress(cli_opt_bool(ctx, "quiet")),
		.name = cli_opt_str(ctx, "name"),
		.command = ctx->argv + 1,
		.entrypoint = cli_opt_str(ctx, "entrypoint"),
		.env = cli_opt_list(ctx, "env"),
		.env_files = cli_opt_list(ctx, "env-file"),
		.workdir = cli_opt_str(ctx, "workdir"),
		.user = cli_opt_str(ctx, "user"),
		.hostname = cli_opt_str(ctx, "hostname"),
		.hostname_set = cli_opt_is_set(ctx, "hostname"),
		.tty = cli_opt_bool(ctx, "tty"),
		.interactive = cli_opt_bool(ctx, "interactive"),
		.read_only = cli_opt_bool(ctx, "read-only"),
		.privileged = cli_opt_bool(ctx, "privileged"),
		.init = cli_opt_bool(ctx, "init"),
		.cap_add = cli_opt_list(ctx, "cap-add"),
		.cap_drop = cli_opt_list(ctx, "cap-drop"),
		.annotations = cli_opt_list(ctx, "annotation"),
		.sysctls = cli_opt_list(ctx, "sysctl"),
		.labels = cli_opt_list(ctx, "label"),
		.group_add = cli_opt_list(ctx, "group-add"),
		.security_opts = cli_opt_list(ctx, "security-opt"),
		.rm = cli_opt_bool(ctx, "rm"),
		.replace = cli_opt_bool(ctx, "replace"),
		.restart = cli_opt_str(ctx, "restart"),
		.stop_signal = cli_opt_str(ctx, "stop-signal"),
		.stop_timeout = cli_opt_int(ctx, "stop-timeout"),
		.stop_timeout_set = cli_opt_is_set(ctx, "stop-timeout"),
		.log_driver = cli_opt_str(ctx, "log-driver"),
		.log_opts = cli_opt_list(ctx, "log-opt"),
		.userns = cli_opt_str(ctx, "userns"),
		/* --net is podman's other name of --network. */
		.network = cli_opt_is_set(ctx, "network") ? cli_opt_str(ctx, "network")
							  : cli_opt_str(ctx, "net"),
		.network_set = cli_opt_is_set(ctx, "network") || cli_opt_is_set(ctx, "net"),
		.pod = cli_opt_str(ctx, "pod"),
		.publish = cli_opt_list(ctx, "publish"),
		.publish_all = cli_opt_bool(ctx, "publish-all"),
		.dns = cli_opt_list(ctx, "dns"),
		.dns_search = cli_opt_list(ctx, "dns-search"),
		.dns_options = cli_opt_list(ctx, "dns-option"),
		.add_hosts = cli_opt_list(ctx, "add-host"),
		.network_aliases = cli_opt_list(ctx, "network-alias"),
		.volumes = cli_opt_list(ctx, "volume"),
		.mounts = cli_opt_list(ctx, "mount"),
		.tmpfs = cli_opt_list(ctx, "tmpfs"),
		.devices = cli_opt_list(ctx, "device"),
		.ulimits = cli_opt_list(ctx, "ulimit"),
		.memory = cli_opt_str(ctx, "memory"),
		.cpus = cli_opt_str(ctx, "cpus"),
		.pids_limit = cli_opt_str(ctx, "pids-limit"),
	};
}

static int write_cidfile(struct cli_ctx *ctx, const char *id, struct error **err)
{
	const char *path = cli_opt_str(ctx, "cidfile");
	if (path == NULL)
		return 0;
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, "--cidfile %s", path);
	if (fs_write_all(fd, id, strlen(id)) < 0)
		return err_sys(err, "--cidfile %s", path);
	return 0;
}

/* Create the container the flags ask for, then write --cidfile. */
static int create_common(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr **c,
			 struct error **err)
{
	struct eng_ctr_create_req r;
	create_req(ctx, &r);
	if (eng_ctr_create(eng, &r, c, err) < 0)
		return -1;
	return write_cidfile(ctx, (*c)->id, err);
}

int cmd_create(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (create_common(ctx, eng, &c, err) < 0)
		return -1;
	printf("%s\n", c->id);
	return 0;
}

int cmd_run(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (create_common(ctx, eng, &c, err) < 0)
		return -1;
	bool detach = cli_opt_bool(ctx, "detach");
	struct eng_ctr_start_opts so = { .attach = !detach,
					 .io = cli_stdio(),
					 .stdin_attached = cli_opt_bool(ctx, "interactive"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = cli_opt_bool(ctx, "sig-proxy") };
	bool detached = false;
	if (eng_ctr_run(eng, c, &so, &ctx->exit_status, &detached, err) < 0)
		return -1;
	if (detach)
		printf("%s\n", c->id);
	return 0;
}

/* ---------- start, stop, kill, restart, rm, wait ---------- */

/* Apply fn to each of names (all: from eng_ctr_all_ids, where one gone since is skipped);
 * the first failure is the error, the rest still run. */
static int each(struct cli_ctx *ctx, struct eng *eng, char **names, size_t n, bool all,
		int (*fn)(struct cli_ctx *, struct eng *, struct eng_ctr *, struct error **),
		struct error **err)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup_target(eng, names[i], all, &c, &e) < 0) {
			if (e->kind == ERR_NOSUCH && cli_opt_flag(ctx, "ignore")) {
				err_free(&e);
				continue;
			}
			cli_operand_failed(&rc, err, e);
			continue;
		}
		if (c == NULL)
			continue; /* gone since the listing */
		if (fn(ctx, eng, c, &e) < 0) {
			cli_operand_failed(&rc, err, e);
			continue;
		}
		printf("%s\n", names[i]);
	}
	return rc;
}

/* Whether --all was given (only for commands that have it). */
static bool opt_all(struct cli_ctx *ctx)
{
	return cli_opt_is_set(ctx, "all") && cli_opt_bool(ctx, "all");
}

/* The named containers, or with --all the ones the engine picks for the operation. */
static char **targets(struct cli_ctx *ctx, struct eng *eng, enum eng_ctr_all which, size_t *n,
		      struct error **err)
{
	if (opt_all(ctx))
		return eng_ctr_all_ids(eng, which, n, err);
	if (ctx->argc == 0) {
		err_set(err, EINVAL, ERR_USAGE, "\"hutch %s\" requires at least 1 argument",
			ctx->path);
		return NULL;
	}
	char **v = NULL;
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&v, ctx->argv[i]);
	*n = strv_len(v);
	return v;
}

static int do_start(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	struct eng_ctr_start_opts so = { .attach = cli_opt_bool(ctx, "attach"),
					 .io = cli_stdio(),
					 .stdin_attached = cli_opt_bool(ctx, "interactive"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = true };
	bool detached = false;
	return eng_ctr_start(eng, c, &so, &ctx->exit_status, &detached, err);
}

int cmd_start(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	if (cli_opt_bool(ctx, "attach") && ctx->argc > 1)
		return err_set(err, EINVAL, ERR_USAGE,
			       "you cannot start and attach multiple "
			       "containers at once");
	if (cli_opt_bool(ctx, "attach")) {
		autoctr struct eng_ctr *c = NULL;
		if (eng_ctr_lookup(eng, ctx->argv[0], &c, err) < 0)
			return -1;
		return do_start(ctx, eng, c, err);
	}
	return each(ctx, eng, ctx->argv, (size_t)ctx->argc, false, do_start, err);
}

static int do_stop(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	return eng_ctr_stop(c, cli_opt_is_set(ctx, "time") ? cli_opt_int(ctx, "time") : -1, err);
}

int cmd_stop(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_RUNNING, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), do_stop, err);
}

static int do_kill(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	int sig;
	if (oci_parse_signal(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	return eng_ctr_kill(c, sig, err);
}

int cmd_kill(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	int sig;
	if (oci_parse_signal(cli_opt_str(ctx, "signal"), &sig, err) < 0) {
		(*err)->kind = ERR_USAGE;
		return -1;
	}
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_RUNNING, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), do_kill, err);
}

static int do_restart(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	return eng_ctr_restart(c, cli_opt_is_set(ctx, "time") ? cli_opt_int(ctx, "time") : -1, err);
}

int cmd_restart(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_EVERY, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), do_restart, err);
}

static int do_rm(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	bool force = cli_opt_bool(ctx, "force");
	if (force && cli_opt_int(ctx, "time") > 0)
		return eng_ctr_remove_stopped(eng, c, cli_opt_int(ctx, "time"), err);
	return eng_ctr_remove(eng, c, force, err);
}

int cmd_rm(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_REMOVE, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), do_rm, err);
}

int cmd_wait(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	char *const *cond = cli_opt_list(ctx, "condition");
	for (size_t i = 0; cond && cond[i]; i++)
		if (strcmp(cond[i], "stopped") && strcmp(cond[i], "exited"))
			return err_set(
			    err, EINVAL, ERR_USAGE,
			    "invalid --condition \"%s\": hutch waits for stopped or exited",
			    cond[i]);
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		int status = 0;
		if (eng_ctr_lookup(eng, ctx->argv[i], &c, err) < 0 ||
		    eng_ctr_wait(c, &status, err) < 0)
			return -1;
		printf("%d\n", status);
	}
	return 0;
}

/* ---------- attach, exec, logs ---------- */

int cmd_attach(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(eng, ctx->argv[0], &c, err) < 0)
		return -1;
	struct eng_ctr_start_opts so = { .attach = true,
					 .io = cli_stdio(),
					 .stdin_attached = !cli_opt_bool(ctx, "no-stdin"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = cli_opt_bool(ctx, "sig-proxy") };
	bool detached = false;
	return eng_ctr_attach(c, &so, &ctx->exit_status, &detached, err);
}

int cmd_exec(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(eng, ctx->argv[0], &c, err) < 0)
		return -1;
	struct eng_ctr_exec_opts eo = { .args = ctx->argv + 1,
					.env = cli_opt_list(ctx, "env"),
					.user = cli_opt_str(ctx, "user"),
					.workdir = cli_opt_str(ctx, "workdir"),
					.tty = cli_opt_bool(ctx, "tty"),
					.interactive = cli_opt_bool(ctx, "interactive"),
					.detach = cli_opt_bool(ctx, "detach"),
					.io = cli_stdio() };
	return eng_ctr_exec(c, &eo, &ctx->exit_status, err);
}

int cmd_logs(struct cli_ctx *ctx, struct error **err)
{
	struct eng_logs_opts lo = { .timestamps = cli_opt_bool(ctx, "timestamps"),
				    .tail = cli_opt_int(ctx, "tail"),
				    .follow = cli_opt_bool(ctx, "follow"),
				    .since = cli_opt_str(ctx, "since"),
				    .until = cli_opt_str(ctx, "until") };
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		if (eng_ctr_lookup(ctx->eng, ctx->argv[i], &c, err) < 0)
			return -1;
		fflush(stdout);
		if (eng_ctr_logs(c, &lo, stdout, stderr, err) < 0)
			return -1;
	}
	return 0;
}

/* The monitor's exit command (hidden): runs inside the container's user namespace. */
int cmd_cleanup(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	return eng_ctr_cleanup(eng, ctx->argv[0], cli_opt_bool(ctx, "unlisted"), err);
}
