/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pasta back end (passt package). pasta configures the namespace, binds the published
 * ports (-t/-u, given on its command line), then forks into the background and its first
 * process exits 0: that exit is our ready signal. The daemon's pid comes from --pid; we hold
 * a pidfd on it so that teardown signals exactly that process, which otherwise would stay
 * running after the container (pasta only watches namespaces bound to a path).
 */
#include "net/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* "[ADDR/]HOST[-END]:CTR[-END]" as pasta's -t/-u take it. */
static char *port_spec(const struct net_port *p)
{
	autofree char *host = p->count > 1
				  ? xasprintf("%u-%u", p->host_port, p->host_port + p->count - 1)
				  : xasprintf("%u", p->host_port);
	autofree char *ctr =
	    p->count > 1 ? xasprintf("%u-%u", p->container_port, p->container_port + p->count - 1)
			 : xasprintf("%u", p->container_port);
	return xasprintf("%s%s%s:%s", p->host_ip, *p->host_ip ? "/" : "", host, ctr);
}

static void build_argv(struct net_handle *h, const char *pidfile, bool by_fd, char ***argv)
{
	bool tcp = false, udp = false;
	strv_push(argv, h->program);
	strv_push(argv, "--config-net");
	strv_push(argv, "--quiet");
	/* Started as root of the container's user namespace, pasta would switch to nobody
	 * and then fail to open the namespaces: that root is only the user anyway. */
	if (geteuid() == 0) {
		strv_push(argv, "--runas");
		strv_push(argv, "0:0");
	}
	strv_push(argv, "--pid");
	strv_push(argv, pidfile);
	for (size_t i = 0; i < h->n_ports; i++) {
		strv_push(argv, h->ports[i].proto == NET_PROTO_UDP ? "-u" : "-t");
		strv_push_take(argv, port_spec(&h->ports[i]));
		tcp |= h->ports[i].proto == NET_PROTO_TCP;
		udp |= h->ports[i].proto == NET_PROTO_UDP;
	}
	/* pasta's default is "auto": forward whatever listens. Publish only what was asked,
	 * nothing from the namespace out, and no way to the host's loopback (as podman). */
	if (!tcp) {
		strv_push(argv, "-t");
		strv_push(argv, "none");
	}
	if (!udp) {
		strv_push(argv, "-u");
		strv_push(argv, "none");
	}
	strv_push(argv, "-T");
	strv_push(argv, "none");
	strv_push(argv, "-U");
	strv_push(argv, "none");
	strv_push(argv, "--no-map-gw");
	for (size_t i = 0; h->mode.pasta_args != NULL && h->mode.pasta_args[i] != NULL; i++)
		strv_push(argv, h->mode.pasta_args[i]);
	if (by_fd) {
		/* Already in the container's user namespace (the monitor-to-be is): join only
		 * the network namespace, through our fd 3. pasta drops capabilities before it
		 * opens the target, and with fewer capabilities than the container's init it
		 * may not open /proc/PID/ns of it; its own fd it may. */
		strv_push(argv, "--netns-only");
		strv_push(argv, "--netns");
		strv_push(argv, "/proc/self/fd/3");
		return;
	}
	/* The PID form joins the user namespace of that process too. */
	strv_push_take(argv, xasprintf("%d", (int)h->pid));
}

static int pasta_start(struct net_handle *h, struct error **err)
{
	autofree char *pidfile = xasprintf("%s/pasta.pid", h->run_dir);
	unlink(pidfile);
	autostrv char **argv = NULL;
	autoclose int nsfd = -1;
	if (userns_is_inside()) {
		autofree char *ns = xasprintf("/proc/%d/ns/net", (int)h->pid);
		nsfd = open(ns, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			return err_sys(err, "opening %s", ns);
	}
	build_argv(h, pidfile, nsfd >= 0, &argv);
	struct net_spawn s = {
		.argv = argv, .log_path = h->log_path, .fds = &nsfd, .n_fds = nsfd >= 0 ? 1 : 0
	};
	h->helper_pid = net_spawn_helper(&s, err);
	if (h->helper_pid < 0)
		return -1;
	/* A pidfd of our child, to wait for its exit with a deadline (none before Linux 5.3
	 * or under valgrind: wait_first then falls back to waitpid steps). */
	h->ready_fd = (int)syscall(SYS_pidfd_open, h->helper_pid, 0);
	if (h->ready_fd < 0 && errno != ENOSYS)
		return err_sys(err, "pidfd_open of pasta");
	log_debug("pasta started: pid %d for process %d", (int)h->helper_pid, (int)h->pid);
	return 0;
}

static int read_daemon_pid(struct net_handle *h, struct error **err)
{
	autofree char *pidfile = xasprintf("%s/pasta.pid", h->run_dir);
	autofree char *data = NULL;
	if (fs_read_file(pidfile, 64, &data, NULL, err) < 0)
		return err_wrap(err, "pasta is up but wrote no pid file");
	char *end = NULL;
	long pid = strtol(data, &end, 10);
	if (pid <= 1 || end == data)
		return err_msg(err, "pasta's pid file %s holds \"%s\"", pidfile, data);
	/* Still alive (pasta does not exit on its own): the pidfd names exactly it. Keep the
	 * pid even if that fails, so that teardown still stops it. */
	h->helper_pid = (pid_t)pid;
	h->helper_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (h->helper_pidfd < 0 && errno != ENOSYS)
		return err_sys(err, "pidfd_open of the pasta daemon %ld", pid);
	log_debug("pasta daemon: pid %ld", pid);
	return 0;
}

/* Wait for pasta's first process to exit and reap it: true with *status, false on timeout. */
static bool wait_first(struct net_handle *h, int timeout_ms, int *status)
{
	if (h->ready_fd >= 0) {
		struct pollfd p = { .fd = h->ready_fd, .events = POLLIN };
		int n;
		do
			n = poll(&p, 1, timeout_ms);
		while (n < 0 && errno == EINTR);
		close(h->ready_fd);
		h->ready_fd = -1;
		return n == 1 && proc_wait(h->helper_pid, status, NULL) == 0;
	}
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		int ws;
		if (waitpid(h->helper_pid, &ws, WNOHANG) == h->helper_pid) {
			*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			return true;
		}
		usleep(5000);
	}
	return false;
}

static int pasta_wait_ready(struct net_handle *h, int timeout_ms, struct error **err)
{
	int status = 0;
	if (!wait_first(h, timeout_ms, &status)) {
		net_stop_process(h->helper_pid, -1, SIGKILL, 0);
		h->helper_pid = -1;
		return err_set(err, ETIMEDOUT, ERR_TOOL, "pasta was not ready after %d ms",
			       timeout_ms);
	}
	h->helper_pid = -1;
	if (status != 0)
		return net_helper_died("pasta", status, h->log_path, err);
	return read_daemon_pid(h, err);
}

static void pasta_stop(struct net_handle *h)
{
	if (h->ready_fd >= 0)
		close(h->ready_fd);
	h->ready_fd = -1;
	/* Not ready: helper_pid is our first process, if not yet reaped; else the daemon. */
	if (!h->ready)
		net_stop_process(h->helper_pid, -1, SIGKILL, 0);
	else
		net_stop_process(h->helper_pid, h->helper_pidfd, SIGTERM, 2000);
	if (h->helper_pidfd >= 0)
		close(h->helper_pidfd);
	h->helper_pidfd = -1;
	h->helper_pid = -1;
	autofree char *pidfile = xasprintf("%s/pasta.pid", h->run_dir);
	unlink(pidfile);
}

const struct net_backend_ops net_pasta_ops = {
	.name = "pasta",
	.program = "pasta",
	.package = "passt",
	.start = pasta_start,
	.wait_ready = pasta_wait_ready,
	.add_ports = NULL,
	.stop = pasta_stop,
};
