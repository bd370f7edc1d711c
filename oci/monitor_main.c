/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-monitor: the per-container monitor program. hutch execs it in the process that
 * forked the container's init (so the init is its child), handing over the container's
 * stdio fds; it serves until the container exits. It links only lib/ and oci/monitor/, and
 * statically, so that a running container costs little memory. Its options are one table
 * (lib/args.c) that writes straight into struct oci_monitor_opts.
 *   hutch-monitor --id ID --run-dir DIR --pid PID [--log-path P] [--log-driver D]
 *                 [--log-max-size N] [--stdin-fd N] [--stdout-fd N] [--stderr-fd N]
 *                 [--pty-fd N] [--sync-fd N] [--listen-fd N] [--net-exit-fd N] [--net-pid N]
 *                 [--netns-fd N] [--mntns-fd N] [--udp-fwd FD:PORT]... [--tcp-fwd FD:PORT]...
 *                 [--timeout N] [--unlist DIR --unlist-to TRASH
 *                 --unlist-lock LOCK [--unlist-name ENTRY --unlist-names-lock LOCK]
 *                 [--purge-state DIR]] [--health-exec ARG... --health-file F
 *                 --health-interval MS --health-timeout MS --health-start-period MS
 *                 --health-retries N --health-on-failure A --stop-signal N --stop-timeout S]
 *                 [--sdnotify MODE --notify-socket PATH] [-- EXIT-COMMAND...]
 */
#include "oci/monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A number from -1 up (an fd, a pid); the message names the word it came in. */
static int parse_num(const char *s, const char *word, long *out, struct error **err)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < -1)
		return err_set(err, EINVAL, ERR_USAGE, "bad argument %s", word);
	*out = v;
	return 0;
}

/* An fd or a pid (int, pid_t). */
static int set_int(void *field, const char *arg, const char *word, struct error **err)
{
	long v = 0;
	if (parse_num(arg, word, &v, err) < 0)
		return -1;
	*(int *)field = (int)v;
	return 0;
}

static int set_size(void *field, const char *arg, const char *word, struct error **err)
{
	long v = 0;
	if (parse_num(arg, word, &v, err) < 0)
		return -1;
	*(uint64_t *)field = (uint64_t)v;
	return 0;
}

static int set_driver(void *field, const char *arg, const char *word, struct error **err)
{
	(void)word;
	return oci_log_driver_parse(arg, field, err);
}

/* FD:PORT, a bound host UDP socket and the container port it goes to (field: the opts). */
static int add_udp(void *field, const char *arg, const char *word, struct error **err)
{
	(void)word;
	struct oci_monitor_opts *o = field;
	int fd, port;
	if (o->n_udp >= OCI_UDP_MAX || sscanf(arg, "%d:%d", &fd, &port) != 2 || fd < 0 ||
	    port <= 0 || port > 65535)
		return err_set(err, EINVAL, ERR_USAGE, "bad argument --udp-fwd %s", arg);
	o->udp_fds[o->n_udp] = fd;
	o->udp_ports[o->n_udp++] = (uint16_t)port;
	return 0;
}

/* FD:PORT, a listening host TCP socket and the container port it goes to. */
static int add_tcp(void *field, const char *arg, const char *word, struct error **err)
{
	(void)word;
	struct oci_monitor_opts *o = field;
	int fd, port;
	if (o->n_tcp >= OCI_TCP_MAX || sscanf(arg, "%d:%d", &fd, &port) != 2 || fd < 0 ||
	    port <= 0 || port > 65535)
		return err_set(err, EINVAL, ERR_USAGE, "bad argument --tcp-fwd %s", arg);
	o->tcp_fds[o->n_tcp] = fd;
	o->tcp_ports[o->n_tcp++] = (uint16_t)port;
	return 0;
}

#define O(f) offsetof(struct oci_monitor_opts, f)
#define STR(name, f, help)                                  \
	{                                                   \
		name, 0, ARGS_STR, O(f), NULL, "PATH", help \
	}
#define NUM(name, f, help)                                 \
	{                                                  \
		name, 0, ARGS_FN, O(f), set_int, "N", help \
	}

static const struct args_opt opts[] = {
	{ "id", 0, ARGS_STR, O(id), NULL, "ID", "the container (required)" },
	STR("run-dir", run_dir, "its run directory (required)"),
	NUM("pid", pid, "its init, a child of this process (required)"),
	STR("log-path", log_path, "the container's log"),
	{ "log-driver", 0, ARGS_FN, O(log_driver), set_driver, "DRIVER",
	  "k8s-file, json-file or none" },
	{ "log-max-size", 0, ARGS_FN, O(log_max_size), set_size, "BYTES",
	  "rotate the log at this size" },
	NUM("stdin-fd", stdin_fd, "write end of the container's stdin"),
	NUM("stdout-fd", stdout_fd, "read end of its stdout"),
	NUM("stderr-fd", stderr_fd, "read end of its stderr"),
	NUM("pty-fd", pty_fd, "pty master, with a terminal"),
	NUM("sync-fd", sync_fd, "written \"ready\" once serving"),
	NUM("listen-fd", listen_fd, "the attach socket, bound"),
	NUM("net-exit-fd", net_exit_fd, "closing it stops the network helper"),
	NUM("net-pid", net_pid, "the network helper"),
	NUM("net-pidfd", net_pidfd, "a pidfd of the network helper when not our child"),
	NUM("netns-fd", netns_fd, "the container's network namespace"),
	NUM("mntns-fd", mntns_fd, "the container's mount namespace"),
	{ "udp-fwd", 0, ARGS_FN, 0, add_udp, "FD:PORT", "forward a bound UDP socket (repeatable)" },
	NUM("timeout", timeout, "kill the container after N seconds (exit code -1)"),
	{ "tcp-fwd", 0, ARGS_FN, 0, add_tcp, "FD:PORT",
	  "relay a listening TCP socket (repeatable)" },
	STR("unlist", unlist_dir, "--rm: the container's dir to unlist at exit"),
	STR("unlist-to", unlist_to, "--rm: where it is renamed"),
	STR("unlist-lock", unlist_lock, "--rm: the store's lock"),
	STR("purge-state", purge_state, "--rm: the runtime's state dir to remove"),
	STR("unlist-name", unlist_name, "--rm: the name index entry to remove"),
	STR("unlist-names-lock", unlist_names_lock, "--rm: the name index's lock"),
	{ "health-exec", 0, ARGS_STRV, O(health_exec), NULL, "ARG",
	  "one word of the healthcheck's command line (repeated)" },
	STR("health-file", health_file, "where the health state goes"),
	{ "health-interval", 0, ARGS_FN, O(health_interval), set_size, "MS",
	  "run the healthcheck this often (0: only on request)" },
	{ "health-timeout", 0, ARGS_FN, O(health_timeout), set_size, "MS",
	  "kill a healthcheck after this long" },
	{ "health-start-period", 0, ARGS_FN, O(health_start_period), set_size, "MS",
	  "failures in this time after the start do not count" },
	NUM("health-retries", health_retries, "failures in a row that make it unhealthy"),
	STR("health-on-failure", health_on_failure, "none, kill, restart or stop"),
	NUM("stop-signal", stop_signal, "the container's stop signal"),
	{ "stop-timeout", 0, ARGS_FN, O(stop_timeout), set_size, "SECONDS", "then SIGKILL" },
	STR("sdnotify", sdnotify, "conmon or healthy: READY=1 to --notify-socket"),
	STR("notify-socket", notify_socket, "the NOTIFY_SOCKET to tell"),
	NUM("notify-fd", notify_fd, "the socket the container's sd_notify messages come to"),
	{ "help", 0, ARGS_STOP, 0, NULL, NULL, "show this help" },
	{ 0 },
};

int main(int argc, char **argv)
{
	struct oci_monitor_opts o = { .stdin_fd = -1,
				      .stdout_fd = -1,
				      .stderr_fd = -1,
				      .pty_fd = -1,
				      .sync_fd = -1,
				      .listen_fd = -1,
				      .net_exit_fd = -1,
				      .net_pidfd = -1,
				      .netns_fd = -1,
				      .mntns_fd = -1,
				      .notify_fd = -1 };
	struct error *err = NULL;
	struct args_result r;
	if (args_parse(opts, argc, argv, &o, &r, &err) < 0) {
		if (r.bad != NULL)
			fprintf(stderr, "hutch-monitor: bad argument %s\n", r.bad);
		else
			fprintf(stderr, "hutch-monitor: %s\n", err->msg);
		err_free(&err);
		return 2;
	}
	if (r.stop != NULL) {
		printf("Usage: hutch-monitor --id ID --run-dir DIR --pid PID [options] "
		       "[-- EXIT-COMMAND...]\n\nOptions:\n");
		args_help(stdout, opts);
		return 0;
	}
	if (o.id == NULL || o.run_dir == NULL || o.pid <= 0) {
		fprintf(stderr, "hutch-monitor: --id, --run-dir and --pid are required\n");
		return 2;
	}
	if ((o.unlist_dir != NULL) != (o.unlist_to != NULL) ||
	    (o.unlist_dir != NULL) != (o.unlist_lock != NULL) ||
	    (o.purge_state != NULL && o.unlist_dir == NULL) ||
	    (o.unlist_name != NULL) != (o.unlist_names_lock != NULL) ||
	    (o.unlist_name != NULL && o.unlist_dir == NULL)) {
		fprintf(stderr, "hutch-monitor: --unlist, --unlist-to and --unlist-lock go "
				"together, and --purge-state and --unlist-name(s-lock) with "
				"them\n");
		return 2;
	}
	if (r.first < argc)
		o.exit_command = argv + r.first;
	/* The fds handed to us must not leak into the exit command. */
	int fds[] = { o.stdin_fd,    o.stdout_fd, o.stderr_fd, o.pty_fd,    o.sync_fd,
		      o.net_exit_fd, o.netns_fd,  o.mntns_fd,  o.listen_fd, o.notify_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < o.n_udp; i++)
		fcntl(o.udp_fds[i], F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < o.n_tcp; i++)
		fcntl(o.tcp_fds[i], F_SETFD, FD_CLOEXEC);
	/* Orphans of the container are reparented to us, not to init, and reaped here. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Detached: from here on there is no terminal; problems go to the run dir. */
	autofree char *logpath = xasprintf("%s/monitor.log", o.run_dir);
	FILE *lf = fopen(logpath, "ae");
	if (lf != NULL)
		log_set_stream(lf);
	int rc = oci_monitor_run(&o, &err);
	if (rc < 0) {
		log_error("monitor of %s: %s", o.id, err->msg);
		err_free(&err);
		return 1;
	}
	/* The container's status (128+N for a signal), as podman's conmon exits: a systemd
	 * unit whose main process we are restarts on a failure (Restart=on-failure). */
	return rc > 255 ? 255 : rc;
}
