/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-monitor: the per-container monitor program. hutch execs it in the process that
 * forked the container's init (so the init is its child), handing over the container's
 * stdio fds; it serves until the container exits. It links only lib/ and oci/monitor/, and
 * statically, so that a running container costs little memory.
 *   hutch-monitor --id ID --run-dir DIR --pid PID [--log-path P] [--log-driver D]
 *                 [--log-max-size N] [--stdin-fd N] [--stdout-fd N] [--stderr-fd N]
 *                 [--pty-fd N] [--sync-fd N] [--listen-fd N] [--net-exit-fd N] [--net-pid N]
 *                 [--netns-fd N] [--mntns-fd N] [--udp-fwd FD:PORT]... [--unlist DIR --unlist-to TRASH
 *                 --unlist-lock LOCK [--unlist-name ENTRY --unlist-names-lock LOCK]
 *                 [--purge-state DIR]] [-- EXIT-COMMAND...]
 */
#include "oci/monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int parse_num(const char *s, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < -1)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "run-dir", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'p' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "log-driver", required_argument, NULL, 'd' },
		{ "log-max-size", required_argument, NULL, 'm' },
		{ "stdin-fd", required_argument, NULL, '0' },
		{ "stdout-fd", required_argument, NULL, '1' },
		{ "stderr-fd", required_argument, NULL, '2' },
		{ "pty-fd", required_argument, NULL, 't' },
		{ "sync-fd", required_argument, NULL, 's' },
		{ "listen-fd", required_argument, NULL, 'A' },
		{ "net-exit-fd", required_argument, NULL, 'x' },
		{ "net-pid", required_argument, NULL, 'n' },
		{ "netns-fd", required_argument, NULL, 'N' },
		{ "mntns-fd", required_argument, NULL, 'M' },
		{ "udp-fwd", required_argument, NULL, 'u' },
		{ "unlist", required_argument, NULL, 'U' },
		{ "unlist-to", required_argument, NULL, 'T' },
		{ "unlist-lock", required_argument, NULL, 'L' },
		{ "purge-state", required_argument, NULL, 'P' },
		{ "unlist-name", required_argument, NULL, 'E' },
		{ "unlist-names-lock", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct oci_monitor_opts o = { .stdin_fd = -1,
				      .stdout_fd = -1,
				      .stderr_fd = -1,
				      .pty_fd = -1,
				      .sync_fd = -1,
				      .listen_fd = -1,
				      .net_exit_fd = -1,
				      .netns_fd = -1,
				      .mntns_fd = -1 };
	struct error *err = NULL;
	int c;
	long v = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		bool numeric = strchr("pm012tsxnNMA", c) != NULL;
		if (c == '?' || (numeric && parse_num(optarg, &v) < 0)) {
			fprintf(stderr, "hutch-monitor: bad argument %s\n", argv[optind - 1]);
			return 2;
		}
		switch (c) {
		case 'i':
			o.id = optarg;
			break;
		case 'r':
			o.run_dir = optarg;
			break;
		case 'p':
			o.pid = (pid_t)v;
			break;
		case 'l':
			o.log_path = optarg;
			break;
		case 'd':
			if (oci_log_driver_parse(optarg, &o.log_driver, &err) < 0) {
				fprintf(stderr, "hutch-monitor: %s\n", err->msg);
				return 2;
			}
			break;
		case 'm':
			o.log_max_size = (uint64_t)v;
			break;
		case '0':
			o.stdin_fd = (int)v;
			break;
		case '1':
			o.stdout_fd = (int)v;
			break;
		case '2':
			o.stderr_fd = (int)v;
			break;
		case 't':
			o.pty_fd = (int)v;
			break;
		case 's':
			o.sync_fd = (int)v;
			break;
		case 'A':
			o.listen_fd = (int)v;
			break;
		case 'x':
			o.net_exit_fd = (int)v;
			break;
		case 'n':
			o.net_pid = (pid_t)v;
			break;
		case 'N':
			o.netns_fd = (int)v;
			break;
		case 'M':
			o.mntns_fd = (int)v;
			break;
		case 'U':
			o.unlist_dir = optarg;
			break;
		case 'T':
			o.unlist_to = optarg;
			break;
		case 'L':
			o.unlist_lock = optarg;
			break;
		case 'P':
			o.purge_state = optarg;
			break;
		case 'E':
			o.unlist_name = optarg;
			break;
		case 'K':
			o.unlist_names_lock = optarg;
			break;
		case 'u': {
			/* FD:PORT, a bound host UDP socket and the container port it goes to. */
			int fd, port;
			if (o.n_udp >= OCI_UDP_MAX || sscanf(optarg, "%d:%d", &fd, &port) != 2 ||
			    fd < 0 || port <= 0 || port > 65535) {
				fprintf(stderr, "hutch-monitor: bad argument --udp-fwd %s\n",
					optarg);
				return 2;
			}
			o.udp_fds[o.n_udp] = fd;
			o.udp_ports[o.n_udp++] = (uint16_t)port;
			break;
		}
		default:
			break;
		}
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
	if (optind < argc)
		o.exit_command = argv + optind;
	/* The fds handed to us must not leak into the exit command. */
	int fds[] = { o.stdin_fd,    o.stdout_fd, o.stderr_fd, o.pty_fd,   o.sync_fd,
		      o.net_exit_fd, o.netns_fd,  o.mntns_fd,  o.listen_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	for (size_t i = 0; i < o.n_udp; i++)
		fcntl(o.udp_fds[i], F_SETFD, FD_CLOEXEC);
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
	return 0;
}
