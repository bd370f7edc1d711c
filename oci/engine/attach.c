/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The caller's side of attach: its input fd to the container (with the detach keys, Ctrl-P
 * Ctrl-Q by default), the container's stdout and stderr to its output fds (struct
 * eng_stdio), a terminal it hands over in raw mode with its size passed on, our signals
 * forwarded (--sig-proxy), and the exit status at the end.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* The size of the caller's terminal tty_fd to the container's. */
static void send_size(int fd, int tty_fd)
{
	struct winsize ws;
	if (ioctl(tty_fd, TIOCGWINSZ, &ws) < 0)
		return;
	uint16_t rc[2] = { ws.ws_row, ws.ws_col };
	oci_attach_send(fd, OCI_ATTACH_RESIZE, rc, sizeof(rc));
}

struct attach {
	int fd;
	int sfd;
	const struct eng_stdio *io;
	bool tty;
	char keys[16];
	int nkeys, matched;
	pid_t monitor;
	bool got_exit;
	int status;
};

/* Forward stdin, watching for the detach sequence. Returns 1 on detach, -1 on EOF. */
static int pump_stdin(struct attach *a)
{
	char buf[4096];
	ssize_t n = read(a->io->in, buf, sizeof(buf));
	if (n <= 0) {
		oci_attach_send(a->fd, OCI_ATTACH_CLOSE_STDIN, NULL, 0);
		return -1;
	}
	char out[4096 + 16];
	size_t o = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (a->nkeys > 0 && buf[i] == a->keys[a->matched]) {
			if (++a->matched == a->nkeys)
				return 1;
			continue;
		}
		/* A partial match that failed: its bytes were real input. */
		if (a->matched > 0) {
			memcpy(out + o, a->keys, (size_t)a->matched);
			o += (size_t)a->matched;
			a->matched = 0;
		}
		out[o++] = buf[i];
	}
	if (o > 0)
		oci_attach_send(a->fd, OCI_ATTACH_STDIN, out, o);
	return 0;
}

static int pump_socket(struct attach *a)
{
	char buf[OCI_ATTACH_MAX];
	ssize_t n = recv(a->fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -1;
	switch (buf[0]) {
	case OCI_ATTACH_STDOUT:
		if (a->io->out >= 0)
			(void)fs_write_all(a->io->out, buf + 1, (size_t)n - 1);
		break;
	case OCI_ATTACH_STDERR:
		if (a->io->err >= 0)
			(void)fs_write_all(a->io->err, buf + 1, (size_t)n - 1);
		break;
	case OCI_ATTACH_EXIT:
		if (n >= 5) {
			int32_t st;
			memcpy(&st, buf + 1, 4);
			a->status = st;
			a->got_exit = true;
		}
		break;
	default:
		break;
	}
	return 0;
}

static void on_signal(struct attach *a)
{
	struct signalfd_siginfo si;
	while (read(a->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH)
			send_size(a->fd, a->io->in);
		else if (a->monitor > 0)
			kill(a->monitor, (int)si.ssi_signo); /* the monitor passes it on */
	}
}

int ctr_attach_fd(struct eng_ctr *c, int fd, const struct eng_ctr_start_opts *o, int *status,
		  bool *detached, struct error **err)
{
	if (o->io == NULL) {
		close(fd);
		return err_set(err, EINVAL, ERR_TOOL, "attaching to %s: no streams given", c->name);
	}
	struct attach a = { .fd = fd, .sfd = -1, .io = o->io, .monitor = c->state.monitor_pid };
	a.tty = c->tty;
	const char *keys = o->detach_keys ? o->detach_keys : "ctrl-p,ctrl-q";
	a.nkeys = *keys ? ctr_parse_detach_keys(keys, a.keys, sizeof(a.keys)) : 0;
	if (a.nkeys < 0) {
		close(fd);
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid detach keys \"%s\": want e.g. ctrl-p,ctrl-q", keys);
	}
	/* The terminal is the caller's, handed over for the session: raw, so that its keys
	 * (Ctrl-C too) reach the container's terminal, which does the line discipline. */
	struct termios saved;
	bool in_tty = a.tty && o->io->tty && o->io->in >= 0 && tcgetattr(o->io->in, &saved) == 0;
	if (in_tty) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		tcsetattr(o->io->in, TCSANOW, &raw);
		send_size(fd, o->io->in);
	}
	sigset_t set, old;
	sigemptyset(&set);
	if (o->io->tty)
		sigaddset(&set, SIGWINCH);
	if (o->sig_proxy) {
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigaddset(&set, SIGQUIT);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGUSR2);
	}
	sigprocmask(SIG_BLOCK, &set, &old);
	a.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	bool stdin_open = o->stdin_attached && o->io->in >= 0;
	int rc = 0;
	for (;;) {
		struct pollfd p[3] = { { .fd = fd, .events = POLLIN },
				       { .fd = a.sfd, .events = POLLIN },
				       { .fd = stdin_open ? o->io->in : -1, .events = POLLIN } };
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = err_sys(err, "attached to %s", c->name);
			break;
		}
		if (p[1].revents & POLLIN)
			on_signal(&a);
		if (p[2].revents & (POLLIN | POLLHUP)) {
			int r = pump_stdin(&a);
			if (r == 1) {
				*detached = true;
				break;
			}
			if (r < 0)
				stdin_open = false;
		}
		if ((p[0].revents & (POLLIN | POLLHUP)) && pump_socket(&a) < 0)
			break;
		/* The last message: the monitor may still be busy (a --rm container's exit
		 * command runs after it). */
		if (a.got_exit)
			break;
	}
	if (in_tty)
		tcsetattr(o->io->in, TCSANOW, &saved);
	close(a.sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	if (rc < 0 || *detached)
		return rc;
	if (!a.got_exit) {
		/* The monitor closed without telling: read the exit file, or (the monitor
		 * killed) wait for the init, whose output and exit code are lost with it. A
		 * process closes its files before it is dead: wait (briefly) for the monitor's
		 * end, or the state would still see it alive. */
		int mfd = a.monitor > 0 ? (int)syscall(SYS_pidfd_open, a.monitor, 0) : -1;
		if (mfd >= 0) {
			struct pollfd mp = { .fd = mfd, .events = POLLIN };
			while (poll(&mp, 1, 2000) < 0 && errno == EINTR)
				;
			close(mfd);
		}
		ctr_state_load(c->eng, c);
		if (c->state.monitor_lost)
			log_warn(
			    "the monitor of container %s is gone (killed?): its output is lost; "
			    "waiting for it to exit",
			    c->name);
		bool lost = c->state.monitor_lost || c->state.unsettled;
		if (ctr_wait(c, status, err) < 0)
			return -1;
		if (lost)
			return err_set(err, ECHILD, ERR_TOOL,
				       "container %s exited without its monitor: its exit code is "
				       "unknown",
				       c->name);
		return 0;
	}
	*status = a.status;
	return 0;
}

int eng_ctr_attach(struct eng_ctr *c, const struct eng_ctr_start_opts *o, int *status,
		   bool *detached, struct error **err)
{
	*status = 0;
	*detached = false;
	if (c->state.status != ENG_CTR_RUNNING && c->state.status != ENG_CTR_PAUSED)
		return err_set(err, EINVAL, ERR_TOOL,
			       "you can only attach to running containers: container %s is %s",
			       c->name, eng_ctr_status_name(c->state.status));
	if (c->state.monitor_lost)
		return err_set(err, EPIPE, ERR_TOOL,
			       "container %s runs without its monitor (killed?): there is nothing "
			       "to attach to",
			       c->name);
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	if (run == NULL)
		return -1;
	int fd = oci_attach_connect(run, err);
	if (fd < 0)
		return -1;
	return ctr_attach_fd(c, fd, o, status, detached, err);
}
