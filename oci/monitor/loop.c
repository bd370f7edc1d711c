/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's event loop: epoll over the container's output, the attach socket and its
 * clients, and a signalfd for SIGCHLD and the signals to forward. No polling: the only
 * timeout is the short drain after the container exits, for output still in the pipes.
 */
#include "oci/monitor/health.h"
#include "oci/monitor/tcpfwd.h"
#include "oci/monitor/udpfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define DRAIN_MS 2000

struct mon {
	const struct oci_monitor_opts *o;
	int ep;
	int sfd;
	int listen_fd;
	int clients[MAX_CLIENTS];
	int in_fd;     /* where client input goes: stdin pipe or pty master */
	int out_fd[3]; /* [1] stdout or pty, [2] stderr; -1 when closed */
	struct oci_log_writer log;
	bool exited;
	int status;
	bool net_gone; /* the network helper exited (reaped): never signalled again */
	int net_pidfd; /* the helper's pidfd (pasta's daemon is not our child), or -1 */
	struct udpfwd udp;
	int timer_fd;	/* --timeout's timerfd, or -1 */
	bool timed_out; /* it fired: the container was killed, its exit code is -1 */
	struct health health;
	struct tcpfwd tcp;
};

static int ep_add(struct mon *m, int fd, struct error **err)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return err_sys(err, "watching fd %d", fd);
	return 0;
}

static void drop_fd(struct mon *m, int *fd)
{
	if (*fd < 0)
		return;
	health_forget(&m->health, *fd);
	epoll_ctl(m->ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

int oci_attach_send(int fd, enum oci_attach_msg t, const void *data, size_t len)
{
	char buf[OCI_ATTACH_MAX];
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = (char)t;
	if (len > 0)
		memcpy(buf + 1, data, len);
	for (;;) {
		ssize_t n = send(fd, buf, len + 1, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static bool accept_client(struct mon *m);

static void broadcast(struct mon *m, enum oci_attach_msg t, const void *data, size_t len)
{
	/* Clients that connected before this was written hear it: `run` connects before the
	 * container starts, maybe before this monitor even runs (the launcher binds the
	 * socket), and the container's first output may come before the listen fd's turn. */
	while (m->listen_fd >= 0 && accept_client(m))
		;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (m->clients[i] >= 0 && oci_attach_send(m->clients[i], t, data, len) < 0)
			drop_fd(m, &m->clients[i]);
}

/* Bind the attach socket through /proc/self/fd/N: run dirs can be longer than sun_path. */
int oci_attach_listen(const char *run_dir, struct error **err)
{
	autoclose int dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(err, "opening run directory %s", run_dir);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(err, "creating the attach socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, OCI_ATTACH_SOCKET);
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		err_sys(err, "binding the attach socket in %s", run_dir);
		close(fd);
		return -1;
	}
	return fd;
}

int oci_attach_connect(const char *run_dir, struct error **err)
{
	autoclose int dfd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(err, "opening run directory %s", run_dir);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(err, "creating a socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, OCI_ATTACH_SOCKET);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_sys(err, "connecting to the monitor in %s", run_dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept one client; false when none is waiting. */
static bool accept_client(struct mon *m)
{
	int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return false;
	/* A stalled client may hold the monitor up for a while, never forever. */
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (m->clients[i] < 0) {
			struct error *err = NULL;
			if (ep_add(m, c, &err) < 0) {
				err_free(&err);
				break;
			}
			m->clients[i] = c;
			return true;
		}
	}
	close(c);
	return true;
}

static void client_input(struct mon *m, int *slot)
{
	char buf[OCI_ATTACH_MAX];
	ssize_t n = recv(*slot, buf, sizeof(buf), 0);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			drop_fd(m, slot);
		return;
	}
	switch (buf[0]) {
	case OCI_ATTACH_STDIN:
		if (m->in_fd >= 0 && n > 1 && fs_write_all(m->in_fd, buf + 1, (size_t)n - 1) < 0 &&
		    m->in_fd != m->o->pty_fd)
			drop_fd(m, &m->in_fd);
		break;
	case OCI_ATTACH_RESIZE:
		if (m->o->pty_fd >= 0 && n >= 5) {
			uint16_t rc[2];
			memcpy(rc, buf + 1, sizeof(rc));
			struct winsize ws = { .ws_row = rc[0], .ws_col = rc[1] };
			ioctl(m->o->pty_fd, TIOCSWINSZ, &ws);
		}
		break;
	case OCI_ATTACH_HEALTH:
		if (!m->exited)
			health_request(&m->health, *slot);
		break;
	case OCI_ATTACH_CLOSE_STDIN:
		/* With a pty, stdin and stdout are one fd: keep it for the output. */
		if (m->in_fd >= 0 && m->in_fd != m->o->pty_fd) {
			close(m->in_fd);
			m->in_fd = -1;
		}
		break;
	default:
		break;
	}
}

static void output(struct mon *m, int stream)
{
	char buf[OCI_ATTACH_MAX - 1];
	ssize_t n = read(m->out_fd[stream], buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* EOF, or EIO from a pty whose last slave closed. */
		if (m->out_fd[stream] == m->o->pty_fd)
			m->in_fd = -1;
		drop_fd(m, &m->out_fd[stream]);
		return;
	}
	oci_log_write(&m->log, stream, buf, (size_t)n);
	broadcast(m, stream == 2 ? OCI_ATTACH_STDERR : OCI_ATTACH_STDOUT, buf, (size_t)n);
}

/*
 * The network helper died before the container: its ports and its way out are gone. Said in
 * the run dir (the engine shows it in ps and inspect), in the container's log and to the
 * attached clients, on stderr. ws < 0: not our child (pasta's daemon, seen through its
 * pidfd), its status unknown.
 */
static void network_lost(struct mon *m, int ws)
{
	bool before = m->net_gone;
	m->net_gone = true;
	if (m->exited || before)
		return;
	const char *helper = m->o->net_exit_fd >= 0 ? "slirp4netns" : "pasta";
	int code = ws < 0 ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char stamp[48];
	oci_log_format_time(&now, stamp, sizeof(stamp));
	autofree char *path = xasprintf("%s/%s", m->o->run_dir, OCI_NETWORK_LOST_FILE);
	autofree char *code_json = ws < 0 ? xstrdup("null") : xasprintf("%d", code);
	autofree char *doc = xasprintf("{\"helper\": \"%s\", \"status\": %s, \"at\": "
				       "\"%s\"}\n",
				       helper, code_json, stamp);
	struct error *err = NULL;
	if (fs_write_replace(path, doc, strlen(doc), 0600, &err) < 0)
		err_free(&err);
	autofree char *status = ws < 0 ? xstrdup("") : xasprintf(" (status %d)", code);
	autofree char *line = xasprintf("hutch: the network helper %s exited%s: "
					"the container's network and published ports are down\n",
					helper, status);
	oci_log_write(&m->log, 2, line, strlen(line));
	broadcast(m, OCI_ATTACH_STDERR, line, strlen(line));
}

static void on_signal(struct mon *m)
{
	struct signalfd_siginfo si;
	while (read(m->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			/* Forwarded, as conmon does: `kill MONITOR` reaches the container. */
			if (!m->exited)
				kill(m->o->pid, (int)si.ssi_signo);
			continue;
		}
		int ws;
		pid_t p;
		/* Reap everything: orphans of the container land here (we are a subreaper). */
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
			if (p == m->o->net_pid && m->o->net_pid > 0)
				network_lost(m, ws);
			if (health_reaped(&m->health, p, ws))
				continue;
			if (p != m->o->pid)
				continue;
			m->exited = true;
			m->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
			/* As conmon's: a container killed for its --timeout has no status of
			 * its own; -1 (podman's run exits 255). */
			if (m->timed_out)
				m->status = -1;
		}
	}
}

static int write_exit_file(const struct oci_monitor_opts *o, int status, struct error **err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char stamp[48];
	oci_log_format_time(&now, stamp, sizeof(stamp));
	autofree char *path = xasprintf("%s/%s", o->run_dir, OCI_EXIT_FILE);
	autofree char *doc =
	    xasprintf("{\"exitCode\": %d, \"finishedAt\": \"%s\"}\n", status, stamp);
	return fs_write_replace(path, doc, strlen(doc), 0600, err);
}

/*
 * The network helper goes with the container: closing its exit fd makes slirp4netns leave;
 * pasta is told with SIGTERM. That is started first, and the helper reaped last, after the
 * clients have the exit status: the kernel takes ~20 ms to tear the tap device down.
 */
static void stop_network_begin(const struct oci_monitor_opts *o, bool gone, int pidfd)
{
	if (o->net_exit_fd >= 0)
		close(o->net_exit_fd);
	else if (pidfd >= 0 && !gone)
		syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0); /* never a reused pid */
	else if (o->net_pid > 0 && !gone)
		kill(o->net_pid, SIGTERM);
}

/* Reap the helper (slirp4netns is our child), SIGKILL after 2 s. */
static void stop_network_wait(const struct oci_monitor_opts *o, bool gone)
{
	if (o->net_pid <= 0 || gone)
		return;
	for (int i = 0; i < 400; i++) {
		if (waitpid(o->net_pid, NULL, WNOHANG) == o->net_pid ||
		    (kill(o->net_pid, 0) < 0 && errno == ESRCH))
			return;
		struct timespec ts = { .tv_nsec = 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(o->net_pid, SIGKILL);
	waitpid(o->net_pid, NULL, 0);
}

/*
 * Run the exit command and wait for it (at most a minute): attached clients hear the exit
 * status only after it, so `run --rm` returns with the container already removed.
 */
/* Run the exit command, with extra (NULL or one more argument) after its own. */
static void run_exit_command(char *const *cmd, const char *extra)
{
	if (cmd == NULL || cmd[0] == NULL)
		return;
	size_t n = 0;
	while (cmd[n] != NULL)
		n++;
	char **argv = xcalloc(n + 2, sizeof(char *));
	memcpy(argv, cmd, n * sizeof(char *));
	argv[n] = (char *)extra;
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	free(argv);
	if (pid < 0)
		return;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		if (poll(&p, 1, 60000) == 1)
			waitpid(pid, NULL, 0);
		close(pidfd);
	} else {
		waitpid(pid, NULL, 0);
	}
}

/*
 * --rm: make the container gone before its client hears the status, by the rename that
 * starts every removal (storage_container_remove), under the same locks in the same order:
 * the container's, then the store's. Someone else removing it first (ENOENT) is fine; any
 * other failure leaves the whole removal to the exit command.
 */
static bool unlist(const struct oci_monitor_opts *o)
{
	if (o->unlist_dir == NULL)
		return false;
	/* The container's lock is its directory (ctr_lock). */
	int lk = fs_lock(o->unlist_dir, O_RDONLY | O_DIRECTORY, LOCK_EX);
	if (lk < 0)
		return false;
	int meta = fs_lock(o->unlist_lock, O_RDWR | O_CREAT, LOCK_EX);
	bool done = meta >= 0 && rename(o->unlist_dir, o->unlist_to) == 0;
	if (meta >= 0 && !done && errno != ENOENT)
		log_warn("unlisting %s: %s", o->unlist_dir, strerror(errno));
	if (meta >= 0)
		close(meta);
	close(lk);
	return done;
}

void oci_monitor_sigset(sigset_t *set)
{
	sigemptyset(set);
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

/*
 * Drop the container's name index entry if it still names us (as ctr_name_drop does).
 * False when it does not: the container was renamed since it started (the name we were
 * given is old), and the exit command drops the entry of the name its records hold.
 */
static bool drop_name(const struct oci_monitor_opts *o)
{
	if (o->unlist_name == NULL)
		return true;
	int lk = fs_lock(o->unlist_names_lock, O_RDWR | O_CREAT, LOCK_EX);
	char buf[80];
	ssize_t n = readlink(o->unlist_name, buf, sizeof(buf));
	bool ours = lk >= 0 && n > 0 && (size_t)n == strlen(o->id) &&
		    memcmp(buf, o->id, (size_t)n) == 0 && unlink(o->unlist_name) == 0;
	if (lk >= 0)
		close(lk);
	return ours;
}

/*
 * --rm without work for the runtime's delete: what the exit command would do, done here (we
 * are root in the container's namespaces): unmount the rootfs that moved with the rename,
 * remove the trash, the runtime state and the run dir. -1 leaves it to the exit command.
 */
static int purge(const struct oci_monitor_opts *o)
{
	autofree char *merged = xasprintf("%s/merged", o->unlist_to);
	struct error *err = NULL;
	if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		err_sys(&err, "unmounting %s", merged);
	if (err == NULL && fs_rm_rf(o->unlist_to, &err) == 0 &&
	    fs_rm_rf(o->purge_state, &err) == 0 && fs_rm_rf(o->run_dir, &err) == 0)
		return 0;
	log_warn("removing the container: %s", err->msg);
	err_free(&err);
	return -1;
}

static int setup(struct mon *m, const struct oci_monitor_opts *o, struct error **err)
{
	sigset_t set;
	oci_monitor_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	m->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	/* Look for a child that exited before we were here (as if its SIGCHLD came now). */
	kill(getpid(), SIGCHLD);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (m->sfd < 0 || m->ep < 0)
		return err_sys(err, "setting up the event loop");
	if (o->log_driver == OCI_LOG_K8S_FILE && o->log_path != NULL &&
	    oci_log_open(&m->log, o->log_path, o->log_max_size, err) < 0)
		return -1;
	if (o->listen_fd >= 0) {
		/* The launcher bound it and wrote the pid file (ours: it exec'd us). */
		m->listen_fd = o->listen_fd;
		fcntl(m->listen_fd, F_SETFL, fcntl(m->listen_fd, F_GETFL) | O_NONBLOCK);
	} else {
		m->listen_fd = oci_attach_listen(o->run_dir, err);
		if (m->listen_fd < 0)
			return -1;
		autofree char *pidfile = xasprintf("%s/%s", o->run_dir, OCI_MONITOR_PID_FILE);
		autofree char *pidtext = xasprintf("%d\n", (int)getpid());
		if (fs_write_replace(pidfile, pidtext, strlen(pidtext), 0600, err) < 0)
			return -1;
	}
	if (ep_add(m, m->sfd, err) < 0 || ep_add(m, m->listen_fd, err) < 0)
		return -1;
	m->net_pidfd = o->net_pidfd;
	if (m->net_pidfd >= 0 && ep_add(m, m->net_pidfd, err) < 0)
		return -1;
	if (o->timeout > 0) {
		/* From now, not from the start: the container runs already, and the monitor
		 * takes a millisecond to get here. */
		struct itimerspec t = { .it_value = { .tv_sec = o->timeout } };
		m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (m->timer_fd < 0 || timerfd_settime(m->timer_fd, 0, &t, NULL) < 0)
			return err_sys(err, "setting the --timeout timer");
		if (ep_add(m, m->timer_fd, err) < 0)
			return -1;
	}
	udpfwd_init(&m->udp, o, m->ep);
	health_init(&m->health, o, m->ep);
	tcpfwd_init(&m->tcp, o, m->ep);
	for (int s = 1; s <= 2; s++)
		if (m->out_fd[s] >= 0 && ep_add(m, m->out_fd[s], err) < 0)
			return -1;
	return 0;
}

static void teardown(struct mon *m)
{
	if (m->udp.o != NULL)
		udpfwd_close(&m->udp);
	if (m->health.o != NULL)
		health_close(&m->health);
	if (m->tcp.o != NULL)
		tcpfwd_close(&m->tcp);
	for (int i = 0; i < MAX_CLIENTS; i++)
		drop_fd(m, &m->clients[i]);
	for (int s = 1; s <= 2; s++)
		drop_fd(m, &m->out_fd[s]);
	if (m->in_fd >= 0 && m->in_fd != m->o->pty_fd)
		close(m->in_fd);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	drop_fd(m, &m->net_pidfd);
	drop_fd(m, &m->timer_fd);
	if (m->sfd >= 0)
		close(m->sfd);
	if (m->ep >= 0)
		close(m->ep);
	oci_log_close(&m->log);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int oci_monitor_run(const struct oci_monitor_opts *o, struct error **err)
{
	struct mon m = { .o = o,
			 .ep = -1,
			 .sfd = -1,
			 .listen_fd = -1,
			 .net_pidfd = -1,
			 .timer_fd = -1,
			 .log = { .fd = -1 } };
	for (int i = 0; i < MAX_CLIENTS; i++)
		m.clients[i] = -1;
	m.in_fd = o->pty_fd >= 0 ? o->pty_fd : o->stdin_fd;
	m.out_fd[0] = -1;
	m.out_fd[1] = o->pty_fd >= 0 ? o->pty_fd : o->stdout_fd;
	m.out_fd[2] = o->pty_fd >= 0 ? -1 : o->stderr_fd;
	if (setup(&m, o, err) < 0) {
		teardown(&m);
		return -1;
	}
	if (o->sync_fd >= 0) {
		(void)fs_write_all(o->sync_fd, "ready\n", 6);
		close(o->sync_fd);
	}
	/* --sdnotify conmon: MAINPID and READY=1 went out from the launcher, before the CLI
	 * was released (oci/engine/start.c, launch_sd_notify). */
	struct timespec exited_at = { 0 };
	/* Closed after the report: the container's mounts go then (see mntns_fd). */
	autoclose int mntns = o->mntns_fd;
	for (;;) {
		bool outputs = m.out_fd[1] >= 0 || m.out_fd[2] >= 0;
		if (m.exited && (!outputs || ms_since(&exited_at) >= DRAIN_MS))
			break;
		int timeout = m.exited ? (int)(DRAIN_MS - ms_since(&exited_at)) : -1;
		struct epoll_event evs[16];
		int n = epoll_wait(m.ep, evs, 16, timeout < 0 && m.exited ? 0 : timeout);
		if (n < 0 && errno != EINTR) {
			err_sys(err, "waiting for events");
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == m.sfd) {
				bool before = m.exited;
				on_signal(&m);
				if (!before && m.exited) {
					clock_gettime(CLOCK_MONOTONIC, &exited_at);
					health_close(&m.health);
				}
			} else if (fd == m.listen_fd) {
				accept_client(&m);
			} else if (fd == m.timer_fd) {
				/* --timeout: the container's time is up. Its pid namespace goes
				 * with its init. */
				drop_fd(&m, &m.timer_fd);
				if (!m.exited) {
					m.timed_out = true;
					kill(o->pid, SIGKILL);
				}
			} else if (fd == m.net_pidfd) {
				/* pasta's daemon is gone: readable once, then not watched. */
				drop_fd(&m, &m.net_pidfd);
				network_lost(&m, -1);
			} else if (fd == m.out_fd[1]) {
				output(&m, 1);
			} else if (fd == m.out_fd[2]) {
				output(&m, 2);
			} else if (udpfwd_event(&m.udp, fd) || health_event(&m.health, fd)) {
				continue;
			} else if (tcpfwd_event(&m.tcp, fd)) {
				continue;
			} else {
				for (int c = 0; c < MAX_CLIENTS; c++)
					if (m.clients[c] == fd)
						client_input(&m, &m.clients[c]);
			}
		}
	}
	int rc = -1;
	if (m.exited && write_exit_file(o, m.status, err) == 0)
		rc = m.status;
	stop_network_begin(o, m.net_gone, m.net_pidfd);
	/* The published ports' host sockets go now: the exit command may start the container
	 * again (--restart), whose launcher binds them anew. */
	if (m.udp.o != NULL)
		udpfwd_close(&m.udp);
	if (m.tcp.o != NULL)
		tcpfwd_close(&m.tcp);
	m.udp.o = NULL;
	m.tcp.o = NULL;
	for (int s = 1; s <= 2; s++)
		drop_fd(&m, &m.out_fd[s]);
	int32_t st = m.status;
	if (rc >= 0 && o->unlist_dir != NULL) {
		/* --rm: gone from the store first, the rest of the removal after the report. */
		bool unlisted = unlist(o);
		broadcast(&m, OCI_ATTACH_EXIT, &st, sizeof(st));
		/* Nobody waits for the rest: let it yield to whatever runs now (the next
		 * container of a script, say). The container's mounts go first. */
		struct sched_param idle = { 0 };
		sched_setscheduler(0, SCHED_IDLE, &idle);
		cleanup_closep(&mntns);
		bool named = unlisted && drop_name(o);
		/* Only then is the trash ours to finish: one that `rm -f` made is its own. */
		bool done = named && o->purge_state != NULL && purge(o) == 0;
		/* The rest of the removal is the exit command's: told on its command line. */
		if (!done)
			run_exit_command(o->exit_command, unlisted ? "--unlisted" : NULL);
	} else if (rc >= 0) {
		/* The exit file says it all to the clients, and to every reader of the state (see
		 * ctr_state_load): the exit command records it after the report, as it does for a
		 * container nobody is attached to. */
		broadcast(&m, OCI_ATTACH_EXIT, &st, sizeof(st));
		/* Before the exit command, which may start the container again. */
		cleanup_closep(&mntns);
		run_exit_command(o->exit_command, NULL);
	}
	teardown(&m);
	/* The helper is on its way out already; reap it without keeping the client waiting. */
	stop_network_wait(o, m.net_gone);
	return rc;
}
