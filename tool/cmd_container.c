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
#include <strings.h>
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
		.progress = cli_pull_progress(cli_opt_bool(ctx, "quiet")),
		.name = cli_opt_str(ctx, "name"),
		.command = ctx->argv + 1,
		.create_command = ctx->cmdline,
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
		.systemd_unit = getenv("PODMAN_SYSTEMD_UNIT"),
		.group_add = cli_opt_list(ctx, "group-add"),
		.security_opts = cli_opt_list(ctx, "security-opt"),
		.rm = cli_opt_bool(ctx, "rm"),
		.replace = cli_opt_bool(ctx, "replace"),
		.restart = cli_opt_str(ctx, "restart"),
		.stop_signal = cli_opt_str(ctx, "stop-signal"),
		.stop_timeout = cli_opt_int(ctx, "stop-timeout"),
		.stop_timeout_set = cli_opt_is_set(ctx, "stop-timeout"),
		.log_driver =
		    cli_opt_is_set(ctx, "log-driver") ? cli_opt_str(ctx, "log-driver") : NULL,
		.log_opts = cli_opt_list(ctx, "log-opt"),
		.timeout = cli_opt_int(ctx, "timeout"),
		/* run's --runtime, else the global one */
		.runtime =
		    cli_opt_is_set(ctx, "runtime") ? cli_opt_str(ctx, "runtime") : ctx->runtime,
		.conmon_pidfile = cli_opt_str(ctx, "conmon-pidfile"),
		.hostusers = cli_opt_list(ctx, "hostuser"),
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
		.ip = cli_opt_str(ctx, "ip"),
		.mac = cli_opt_str(ctx, "mac-address"),
		.volumes = cli_opt_list(ctx, "volume"),
		.mounts = cli_opt_list(ctx, "mount"),
		.tmpfs = cli_opt_list(ctx, "tmpfs"),
		.devices = cli_opt_list(ctx, "device"),
		.ulimits = cli_opt_list(ctx, "ulimit"),
		.memory = cli_opt_str(ctx, "memory"),
		.kernel_memory = cli_opt_str(ctx, "kernel-memory"),
		.tz = cli_opt_str(ctx, "tz"),
		.unsetenv = cli_opt_list(ctx, "unsetenv"),
		.unsetenv_all = cli_opt_bool(ctx, "unsetenv-all"),
		.cpus = cli_opt_str(ctx, "cpus"),
		.pids_limit = cli_opt_str(ctx, "pids-limit"),
		.health_cmd = cli_opt_str(ctx, "health-cmd"),
		.health_interval = cli_opt_str(ctx, "health-interval"),
		.health_timeout = cli_opt_str(ctx, "health-timeout"),
		.health_start_period = cli_opt_str(ctx, "health-start-period"),
		.health_retries = cli_opt_int(ctx, "health-retries"),
		.health_retries_set = cli_opt_is_set(ctx, "health-retries"),
		.health_on_failure = cli_opt_str(ctx, "health-on-failure"),
		.no_healthcheck = cli_opt_bool(ctx, "no-healthcheck"),
		.sdnotify = cli_opt_is_set(ctx, "sdnotify") ? cli_opt_str(ctx, "sdnotify") : NULL,
		.secrets = cli_opt_list(ctx, "secret"),
		.cgroups = cli_opt_is_set(ctx, "cgroups") ? cli_opt_str(ctx, "cgroups") : NULL,
	};
}

/* podman's words for a --cidfile that is there already: checked before the container is
 * made, and again by the exclusive create. */
static int cidfile_exists(const char *path, struct error **err)
{
	return err_set(err, EEXIST, ERR_TOOL,
		       "container id file exists. Ensure another container is not using it or "
		       "delete %s",
		       path);
}

static int write_cidfile(struct cli_ctx *ctx, const char *id, struct error **err)
{
	const char *path = cli_opt_str(ctx, "cidfile");
	if (path == NULL)
		return 0;
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return cidfile_exists(path, err);
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
	/* --pod-id-file: the pod a `pod create --pod-id-file` made (systemd units) */
	autofree char *pod_id = NULL;
	const char *podf = cli_opt_str(ctx, "pod-id-file");
	if (podf != NULL) {
		size_t len = 0;
		if (r.pod != NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "cannot specify both --pod and --pod-id-file");
		if (fs_read_file(podf, 4096, &pod_id, &len, err) < 0)
			return err_wrap(err, "reading pod ID file");
		pod_id[strcspn(pod_id, " \t\r\n")] = '\0';
		r.pod = pod_id;
	}
	const char *cidfile = cli_opt_str(ctx, "cidfile");
	/* --replace: the file of the container it replaces goes too, as podman's (4.4 on):
	 * a unit's `run --replace --cidfile=%t/%N.cid` restarts after its container died. */
	if (cidfile != NULL && r.replace && unlink(cidfile) < 0 && errno != ENOENT)
		return err_sys(err, "removing --cidfile %s", cidfile);
	if (cidfile != NULL && access(cidfile, F_OK) == 0)
		return cidfile_exists(cidfile, err);
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

/*
 * --attach: only the streams named are ours; the others still reach the log. io starts as
 * our stdio. podman's words for a stream it does not know.
 */
static int attach_streams(struct cli_ctx *ctx, struct eng_stdio *io, struct error **err)
{
	char *const *v = cli_opt_list(ctx, "attach");
	if (v == NULL || v[0] == NULL)
		return 0;
	bool in = false, out = false, errs = false;
	for (size_t i = 0; v[i]; i++) {
		if (strcasecmp(v[i], "stdin") == 0)
			in = true;
		else if (strcasecmp(v[i], "stdout") == 0)
			out = true;
		else if (strcasecmp(v[i], "stderr") == 0)
			errs = true;
		else
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid stream \"%s\" for --attach - must be one of stdin, "
				       "stdout, or stderr: invalid argument",
				       v[i]);
	}
	io->in = in ? io->in : -1;
	io->out = out ? io->out : -1;
	io->err = errs ? io->err : -1;
	return 0;
}

int cmd_run(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	struct eng_stdio io = *cli_stdio();
	bool detach = cli_opt_bool(ctx, "detach");
	if (detach && cli_opt_list(ctx, "attach") != NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "--attach and --detach cannot be set together");
	/* --preserve-fds passes what the caller gave us, never an fd of hutch's own that took a
	 * number the caller left free. */
	long npres = cli_opt_int(ctx, "preserve-fds");
	for (long fd = 3; fd < 3 + npres; fd++)
		if (!cli_fd_inherited((int)fd))
			return err_set(err, EBADF, ERR_USAGE,
				       "--preserve-fds %ld: fd %ld is not open", npres, fd);
	if (attach_streams(ctx, &io, err) < 0 || create_common(ctx, eng, &c, err) < 0)
		return -1;
	struct eng_ctr_start_opts so = { .attach = !detach,
					 .io = &io,
					 .stdin_attached =
					     cli_opt_bool(ctx, "interactive") && io.in >= 0,
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = cli_opt_bool(ctx, "sig-proxy"),
					 .preserve_fds = (int)cli_opt_int(ctx, "preserve-fds"),
					 .rmi = cli_opt_bool(ctx, "rmi"),
					 .notify_socket = getenv("NOTIFY_SOCKET") };
	bool detached = false;
	if (eng_ctr_run(eng, c, &so, &ctx->exit_status, &detached, err) < 0)
		return -1;
	/* Detached, or attached to neither output: the ID, as podman. */
	if (detach || (io.out < 0 && io.err < 0))
		printf("%s\n", c->id);
	return 0;
}

/* ---------- start, stop, kill, restart, rm, wait ---------- */

/* Apply fn to each of names (all: from eng_ctr_all_ids, where one gone since is skipped)
 * that passes filters (checked; NULL: all do); the first failure is the error, the rest
 * still run. */
static int each(struct cli_ctx *ctx, struct eng *eng, char **names, size_t n, bool all,
		char *const *filters,
		int (*fn)(struct cli_ctx *, struct eng *, struct eng_ctr *, struct error **),
		struct error **err)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup_target(eng, names[i], all, &c, &e) < 0) {
			/* rm --force (the one command with it) takes a missing container as
			 * removed, as podman's */
			if (e->kind == ERR_NOSUCH &&
			    (cli_opt_flag(ctx, "ignore") || cli_opt_flag(ctx, "force"))) {
				err_free(&e);
				continue;
			}
			cli_operand_failed(&rc, err, e);
			continue;
		}
		if (c == NULL || !eng_ctr_matches(c, filters))
			continue; /* gone since the listing, or filtered out */
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

/* -l/--latest: the newest container, and no names with it. */
static char **latest_id(struct cli_ctx *ctx, struct eng *eng, size_t *n, struct error **err)
{
	if (ctx->argc > 0) {
		err_set(err, EINVAL, ERR_USAGE, "--latest and containers cannot be used together");
		return NULL;
	}
	struct eng_ctr **v = NULL;
	size_t nv = 0;
	if (eng_ctr_query(eng, &(struct eng_ctr_query){ .all = true, .last = 1 }, &v, &nv, err) < 0)
		return NULL;
	char **ids = NULL;
	if (nv == 0)
		err_set(err, ENOENT, ERR_NOSUCH, "no containers to remove");
	else
		strv_push(&ids, v[0]->id);
	eng_ctr_list_free(v, nv);
	*n = ids ? 1 : 0;
	return ids;
}

/* The named containers, or with --all the ones the engine picks for the operation. */
static char **targets(struct cli_ctx *ctx, struct eng *eng, enum eng_ctr_all which, size_t *n,
		      struct error **err)
{
	if (opt_all(ctx))
		return eng_ctr_all_ids(eng, which, n, err);
	if (cli_opt_flag(ctx, "latest"))
		return latest_id(ctx, eng, n, err);
	char **v = NULL;
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&v, ctx->argv[i]);
	/* --cidfile FILE...: the IDs that run/create --cidfile wrote (systemd units use
	 * them); a file that cannot be read is an error even with --ignore, as podman's. */
	char *const *cidfiles =
	    cli_opt_is_set(ctx, "cidfile") ? cli_opt_list(ctx, "cidfile") : NULL;
	for (size_t i = 0; cidfiles && cidfiles[i]; i++) {
		autofree char *text = NULL;
		size_t len = 0;
		if (fs_read_file(cidfiles[i], 4096, &text, &len, err) < 0) {
			strv_free(v);
			err_wrap(err, "reading CIDFile");
			return NULL;
		}
		text[strcspn(text, " \t\r\n")] = '\0';
		strv_push(&v, text);
	}
	if (v == NULL) {
		err_set(err, EINVAL, ERR_USAGE, "\"hutch %s\" requires at least 1 argument",
			ctx->path);
		return NULL;
	}
	*n = strv_len(v);
	return v;
}

static int do_start(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	struct eng_ctr_start_opts so = { .attach = cli_opt_bool(ctx, "attach"),
					 .io = cli_stdio(),
					 .stdin_attached = cli_opt_bool(ctx, "interactive"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = true,
					 .notify_socket = getenv("NOTIFY_SOCKET") };
	bool detached = false;
	if (eng_ctr_start(eng, c, &so, &ctx->exit_status, &detached, err) == 0)
		return 0;
	/* podman's start fails with 125 whatever the reason; only run says 126 or 127 */
	if ((*err)->kind == ERR_NOTFOUND || (*err)->kind == ERR_INVOKE)
		(*err)->kind = ERR_TOOL;
	return -1;
}

int cmd_start(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	bool all = opt_all(ctx), attach = cli_opt_bool(ctx, "attach");
	char *const *filters = cli_opt_list(ctx, "filter");
	/* podman's checks and words */
	if (all && ctx->argc > 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "either start all containers or the container(s) provided in the "
			       "arguments");
	if (!all && ctx->argc == 0 && filters == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "start requires at least one argument");
	if (attach && (all || filters != NULL))
		return err_set(err, EINVAL, ERR_TOOL,
			       "you cannot start and attach all containers at once");
	if (attach && ctx->argc > 1)
		return err_set(err, EINVAL, ERR_USAGE,
			       "you cannot start and attach multiple "
			       "containers at once");
	if (eng_ctr_filters_check(filters, err) < 0)
		return -1;
	if (attach) {
		autoctr struct eng_ctr *c = NULL;
		if (eng_ctr_lookup(eng, ctx->argv[0], &c, err) < 0)
			return -1;
		return do_start(ctx, eng, c, err);
	}
	/* --all, or --filter alone: every container that does not run, by full ID. */
	if (ctx->argc == 0) {
		size_t n = 0;
		autostrv char **v = eng_ctr_all_ids(eng, ENG_CTR_ALL_STARTABLE, &n, err);
		return v == NULL ? -1 : each(ctx, eng, v, n, true, filters, do_start, err);
	}
	return each(ctx, eng, ctx->argv, (size_t)ctx->argc, false, filters, do_start, err);
}

/* -t/--time, or podman's other spelling --timeout; -1: the container's own. */
static long stop_time(struct cli_ctx *ctx)
{
	if (cli_opt_is_set(ctx, "time"))
		return cli_opt_int(ctx, "time");
	return cli_opt_is_set(ctx, "timeout") ? cli_opt_int(ctx, "timeout") : -1;
}

static int do_stop(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	return eng_ctr_stop(c, stop_time(ctx), err);
}

int cmd_stop(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_RUNNING, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), NULL, do_stop, err);
}

static int do_kill(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	int sig;
	if (eng_signal_parse(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	return eng_ctr_kill(c, sig, err);
}

int cmd_kill(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	int sig;
	if (eng_signal_parse(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_RUNNING, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), NULL, do_kill, err);
}

static int do_restart(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	(void)eng;
	return eng_ctr_restart(c, stop_time(ctx), err);
}

int cmd_restart(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_EVERY, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), NULL, do_restart, err);
}

static int do_rm(struct cli_ctx *ctx, struct eng *eng, struct eng_ctr *c, struct error **err)
{
	bool force = cli_opt_bool(ctx, "force");
	/* -v: the container's anonymous volumes go with it, as in podman. */
	autostrv char **vols = cli_opt_bool(ctx, "volumes") ? eng_ctr_volume_names(c) : NULL;
	int rc;
	/* --all reaches pods' infra containers too: each takes its pod along, as podman's. */
	bool infra = false;
	eng_ctr_pod(c, &infra);
	if (cli_opt_bool(ctx, "depend") || (infra && opt_all(ctx))) {
		/* The dependents' IDs, then each prints the operand as given. */
		autostrv char **removed = NULL;
		rc = eng_ctr_remove_depend(eng, c, force, &removed, err);
		for (size_t i = 0; removed && removed[i] && strcmp(removed[i], c->id) != 0; i++)
			printf("%s\n", removed[i]);
	} else if (force && cli_opt_int(ctx, "time") > 0) {
		rc = eng_ctr_remove_stopped(eng, c, cli_opt_int(ctx, "time"), err);
	} else {
		rc = eng_ctr_remove(eng, c, force, err);
	}
	return rc < 0 ? -1 : eng_vol_remove_anonymous(eng, vols, err);
}

int cmd_rm(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	size_t n = 0;
	autostrv char **v = targets(ctx, eng, ENG_CTR_ALL_REMOVE, &n, err);
	return v == NULL ? -1 : each(ctx, eng, v, n, opt_all(ctx), NULL, do_rm, err);
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

/* container exists: the status says (0: it does, 1: no such container), as podman's. */
int cmd_container_exists(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	struct error *e = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[0], &c, &e) == 0)
		return 0;
	if (e->kind != ERR_NOSUCH) {
		*err = e;
		return -1;
	}
	err_free(&e);
	ctx->exit_status = 1;
	return 0;
}

/* `healthcheck run`: one check now; "healthy" (0) or "unhealthy" (1), as podman. */
int cmd_healthcheck_run(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[0], &c, err) < 0)
		return err_wrap(err, "unable to look up %s to perform a health check",
				ctx->argv[0]);
	enum eng_health_result r;
	if (eng_ctr_healthcheck_run(c, &r, err) < 0)
		return -1;
	printf("%s\n", r == ENG_HEALTH_HEALTHY ? "healthy" : "unhealthy");
	ctx->exit_status = r == ENG_HEALTH_HEALTHY ? 0 : 1;
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
					.detach_keys = cli_opt_str(ctx, "detach-keys"),
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
	/* Every one looked up first: a --rm container may be gone by the time another's
	 * log is done. */
	size_t n = (size_t)ctx->argc;
	struct eng_ctr **cs = xcalloc(n, sizeof(*cs));
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = eng_ctr_lookup(ctx->eng, ctx->argv[i], &cs[i], err);
	if (rc == 0) {
		fflush(stdout);
		rc = eng_ctr_logs_many(cs, n, &lo, stdout, stderr, err);
	}
	for (size_t i = 0; i < n; i++)
		eng_ctr_free(&cs[i]);
	free(cs);
	return rc;
}

/* The monitor's exit command (hidden): runs inside the container's user namespace. */
int cmd_cleanup(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	return eng_ctr_cleanup(eng, ctx->argv[0], cli_opt_bool(ctx, "unlisted"), err);
}
