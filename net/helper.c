/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plumbing shared by the helper back ends: fork+exec with fds at fixed numbers, waiting on a
 * ready fd with a deadline, stopping a helper for sure (grace time, then SIGKILL, then
 * reap), turning a helper that died into an error that says why, the tun device check, and
 * bringing up lo inside a container's namespaces.
 */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child side of net_spawn_helper: only async-signal-safe calls, never returns. */
static void __attribute__((noreturn)) spawn_child(const struct net_spawn *s, int logfd)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* Move the fds out of the way of 0..n+2 first, so dup2 cannot clobber one. */
	int moved[8];
	for (size_t i = 0; i < s->n_fds; i++) {
		moved[i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, 64);
		if (moved[i] < 0)
			_exit(126);
	}
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
	    dup2(logfd, STDERR_FILENO) < 0)
		_exit(126);
	for (size_t i = 0; i < s->n_fds; i++)
		if (dup2(moved[i], (int)(3 + i)) < 0) /* dup2 clears close-on-exec */
			_exit(126);
	syscall(SYS_close_range, 3 + s->n_fds, ~0u, 0);
	/* Its own session: the terminal's ^C is for the container; the helper goes when its
	 * exit fd closes or when it is killed by net_teardown. */
	setsid();
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->cwd != NULL && chdir(s->cwd) < 0)
		_exit(126);
	execv(s->argv[0], s->argv);
	_exit(127);
}

pid_t net_spawn_helper(const struct net_spawn *s, struct error **err)
{
	if (s->n_fds > 8)
		return err_msg(err, "too many fds for a helper");
	autoclose int logfd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return err_sys(err, "creating %s", s->log_path);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking %s", s->argv[0]);
	if (pid == 0)
		spawn_child(s, logfd);
	return pid;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int net_wait_fd(int fd, int timeout_ms, struct error **err)
{
	long deadline = now_ms() + timeout_ms;
	for (;;) {
		long left = deadline - now_ms();
		if (left < 0)
			left = 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(err, "waiting for a helper");
		if (n == 0)
			return err_set(err, ETIMEDOUT, ERR_TOOL, "timed out after %d ms",
				       timeout_ms);
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return err_sys(err, "reading a helper's ready fd");
		return r == 1 ? 1 : 0;
	}
}

static void send_signal(pid_t pid, int pidfd, int sig)
{
	/* A pidfd names the process for sure; a bare pid of a non-child could be reused. */
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);
}

/*
 * Wait up to ms for the process behind pidfd to exit, then reap it: it is our child, or we
 * are its subreaper (the monitor); otherwise waitpid just says ECHILD. Without a pidfd
 * (Linux < 5.3, valgrind) only a child can be waited for, in short waitpid steps.
 */
static bool wait_exit(pid_t pid, int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	long deadline = now_ms() + ms;
	while (pidfd < 0) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return r == pid;
		if (now_ms() >= deadline)
			return false;
		usleep(2000);
	}
	for (;;) {
		long left = deadline - now_ms();
		int n = poll(&p, 1, left > 0 ? (int)left : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			return false;
		waitpid(pid, NULL, WNOHANG);
		return true;
	}
}

void net_stop_process(pid_t pid, int pidfd, int sig, int grace_ms)
{
	if (pid <= 0)
		return;
	autoclose int own = pidfd >= 0 ? -1 : (int)syscall(SYS_pidfd_open, pid, 0);
	int fd = pidfd >= 0 ? pidfd : own;
	if (sig != 0)
		send_signal(pid, fd, sig);
	if (wait_exit(pid, fd, grace_ms))
		return;
	send_signal(pid, fd, SIGKILL);
	wait_exit(pid, fd, 1000);
}

/*
 * id (a uid, or a gid with gid) as the host sees it, through /proc/self/uid_map; -1 when it
 * is not mapped. Inside the container's user namespace the kernel shows a file whose owner
 * is not mapped as the overflow id (65534), and our own uid as 0: the host's numbers are
 * the ones a user can act on.
 */
static long host_id(unsigned long id, unsigned long *n_lines)
{
	autofree char *map = NULL;
	struct error *e = NULL;
	*n_lines = 0;
	if (fs_read_file("/proc/self/uid_map", 1 << 16, &map, NULL, &e) < 0) {
		err_free(&e);
		return (long)id;
	}
	long found = -1;
	char *save = NULL;
	for (char *l = strtok_r(map, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		unsigned long in, out, count;
		if (sscanf(l, "%lu %lu %lu", &in, &out, &count) != 3)
			continue;
		(*n_lines)++;
		if (id >= in && id - in < count && found < 0)
			found = (long)(out + (id - in));
	}
	return found;
}

/* Whether this process runs in the initial user namespace (the identity map). */
static bool in_initial_userns(void)
{
	autofree char *map = NULL;
	struct error *e = NULL;
	unsigned long in, out, count;
	if (fs_read_file("/proc/self/uid_map", 1 << 16, &map, NULL, &e) < 0) {
		err_free(&e);
		return true;
	}
	return sscanf(map, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && out == 0 &&
	       count == 4294967295UL;
}

int net_check_tun(const char *path, struct error **err)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return err_set(
			    err, ENOENT, ERR_TOOL,
			    "%s does not exist: load the tun kernel module (modprobe tun)", path);
		return err_sys(err, "checking %s", path);
	}
	if (access(path, R_OK | W_OK) < 0) {
		int e = errno;
		unsigned long lines;
		long me = host_id(getuid(), &lines);
		long owner = host_id(st.st_uid, &lines);
		/* The overflow id: an owner outside the namespace (root, as a rule). */
		if (!in_initial_userns() && st.st_uid == 65534)
			owner = -1;
		autofree char *owner_text =
		    owner >= 0
			? xasprintf("owner uid %ld", owner)
			: xstrdup("owned by an id outside hutch's user namespace, root as a rule");
		return err_set(
		    err, e, ERR_TOOL,
		    "%s (mode %04o, %s) is not read-write for uid %ld: rootless "
		    "networking needs it mode 0666, as distributions ship it (sudo chmod "
		    "0666 %s), or run the container without a network (--network none)",
		    path, (unsigned)(st.st_mode & 07777), owner_text, me >= 0 ? me : (long)getuid(),
		    path);
	}
	if (!S_ISCHR(st.st_mode))
		return err_set(err, ENODEV, ERR_TOOL, "%s is not a character device", path);
	return 0;
}

/*
 * Lines of the helper's log worth showing: no warnings, no progress chatter, and not pasta's
 * complaint that it has no syslog to write to (it logs to stderr as well).
 */
static char *log_excerpt(const char *log_path)
{
	autofree char *data = NULL;
	struct error *e = NULL;
	if (fs_read_file(log_path, 1 << 16, &data, NULL, &e) < 0) {
		err_free(&e);
		return xstrdup("");
	}
	char *out = xstrdup("");
	char *save = NULL;
	for (char *l = strtok_r(data, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "WARNING", 7) == 0 || strncmp(l, "sent tapfd", 10) == 0 ||
		    strncmp(l, "received tapfd", 14) == 0 || *l == '*' ||
		    strncmp(l, "Failed to send", 14) == 0 || strlen(out) > 400)
			continue;
		char *next = xasprintf("%s%s%s", out, *out ? "; " : "", l);
		free(out);
		out = next;
	}
	return out;
}

int net_helper_died(const char *name, int status, const char *log_path, struct error **err)
{
	autofree char *why = log_excerpt(log_path);
	struct error *tun = NULL;
	/* The most common cause on a fresh machine: name the device and its mode. */
	if (strstr(why, "/dev/net/tun") != NULL && net_check_tun("/dev/net/tun", &tun) < 0) {
		int rc = err_set(err, tun->code, ERR_TOOL, "%s exited (status %d): %s", name,
				 status, tun->msg);
		err_free(&tun);
		return rc;
	}
	return err_msg(err, "%s exited (status %d) before it was ready%s%s", name, status,
		       *why ? ": " : "", why);
}

/* The child of net_lo_up: join the namespaces and set IFF_UP on lo. */
static int lo_up_child(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	int ufd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	int nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (ufd < 0 || nfd < 0)
		return errno;
	/* Already in that user namespace (the container's monitor is): setns would refuse. */
	struct stat mine, theirs;
	bool same = stat("/proc/self/ns/user", &mine) == 0 && fstat(ufd, &theirs) == 0 &&
		    mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
	if ((!same && setns(ufd, CLONE_NEWUSER) < 0) || setns(nfd, CLONE_NEWNET) < 0)
		return errno;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return errno;
	return 0;
}

int net_lo_up_here(pid_t pid, struct error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	autoclose int nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nfd < 0 || setns(nfd, CLONE_NEWNET) < 0)
		return err_sys(err, "joining the network namespace of process %d", (int)pid);
	autoclose int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return err_sys(err, "bringing up lo in the namespace of process %d", (int)pid);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return err_sys(err, "bringing up lo in the namespace of process %d", (int)pid);
	return 0;
}

int net_lo_up(pid_t pid, struct error **err)
{
	fflush(NULL);
	/* setns(CLONE_NEWUSER) wants a single-threaded caller: a fresh child is one. */
	pid_t child = fork();
	if (child < 0)
		return err_sys(err, "bringing up lo");
	if (child == 0)
		_exit(lo_up_child(pid));
	int status = 0;
	if (proc_wait(child, &status, err) < 0)
		return -1;
	if (status != 0)
		return err_set(err, status, ERR_TOOL,
			       "bringing up lo in the namespace of process %d: %s", (int)pid,
			       status < 128 ? strerror(status) : "killed");
	return 0;
}
