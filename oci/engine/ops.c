/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rest of a container's life: kill, stop, wait, exec, remove, the monitor's exit
 * command (cleanup: record the exit, --rm, --restart), and inspect's facts.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static bool is_running(const struct eng_ctr *c)
{
	return c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED;
}

int eng_ctr_kill(struct eng_ctr *c, int sig, struct error **err)
{
	if (!is_running(c))
		return err_set(err, EINVAL, ERR_TOOL,
			       "can only kill running containers. %.12s is in state %s: container "
			       "state improper",
			       c->id, eng_ctr_status_name(c->state.status));
	autofree char *root = ctr_runtime_root(c->eng, err);
	if (root == NULL || oci_container_kill(root, c->id, sig, false, err) < 0)
		return -1;
	return 0;
}

/*
 * Wait until the container is no longer running, at most timeout_ms (-1: forever). Wakes
 * on the exit file (inotify on the run dir) or on the monitor's death (pidfd). Returns 1
 * when it stopped, 0 on timeout.
 */
static int wait_exit(struct eng *eng, struct eng_ctr *c, int timeout_ms, struct error **err)
{
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	if (run == NULL)
		return -1;
	autoclose int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0 || inotify_add_watch(in, run, IN_CREATE | IN_MOVED_TO) < 0) {
		/* No run dir: never started (or its start failed), so not running either. */
		if (in >= 0 && errno == ENOENT) {
			ctr_state_load(eng, c);
			if (!is_running(c))
				return 1;
		}
		return err_sys(err, "watching %s", run);
	}
	/* The monitor's pidfd, or without one (killed) the init's: opened before the state is
	 * read again, which then checks the init's start time, so that it is never a reused
	 * pid's. */
	autoclose int pidfd = -1;
	pid_t watched = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ctr_state_load(eng, c);
		if (!is_running(c))
			return 1;
		pid_t want = c->state.monitor_pid > 0 ? c->state.monitor_pid : c->state.pid;
		if (want != watched) {
			if (pidfd >= 0)
				close(pidfd);
			pidfd = (int)syscall(SYS_pidfd_open, want, 0);
			watched = want;
			continue;
		}
		int left = -1;
		if (timeout_ms >= 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long spent =
			    (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
			if (spent >= timeout_ms)
				return 0;
			left = (int)(timeout_ms - spent);
		}
		struct pollfd p[2] = { { .fd = in, .events = POLLIN },
				       { .fd = pidfd, .events = POLLIN } };
		if (poll(p, 2, left) < 0 && errno != EINTR)
			return err_sys(err, "waiting for %s", c->name);
		char buf[4096];
		while (read(in, buf, sizeof(buf)) > 0)
			;
	}
}

int ctr_wait(struct eng_ctr *c, int *status, struct error **err)
{
	int rc = wait_exit(c->eng, c, -1, err);
	if (rc < 0)
		return -1;
	*status = c->state.exit_code;
	return 0;
}

int ctr_stop(struct eng_ctr *c, long timeout, struct error **err)
{
	if (!is_running(c))
		return 0;
	struct eng *eng = c->eng;
	int sig = SIGTERM;
	const char *name = c->stop_signal;
	struct error *perr = NULL;
	if (name != NULL && eng_signal_parse(name, &sig, &perr) < 0) {
		err_free(&perr);
		sig = SIGTERM;
	}
	if (timeout < 0)
		timeout = c->stop_timeout;
	/* No time to stop in: SIGKILL at once, without the stop signal or a warning, as
	 * podman does. */
	bool kill_now = timeout == 0;
	/* Stopped on purpose: the exit command must not restart it. Under the container's
	 * lock, as every write of state.json, and only while it still runs. */
	int rc = 0;
	{
		autoclose int lk = ctr_lock(eng, c->id, err);
		if (lk < 0)
			rc = -1;
		else
			ctr_state_load(eng, c);
		if (rc == 0 && !is_running(c)) {
			return 0;
		}
		struct eng_ctr_state st = c->state;
		/* A full disk must not keep it running: the mark goes to the run dir instead
		 * (a tmpfs), and the exit file will tell the end (see state_from). */
		struct error *werr = NULL;
		if (rc == 0 && ctr_state_write(eng, c->id, &st, "running", true, &werr) < 0) {
			ctr_stopped_by_user_mark(eng, c->id);
			err_free(&werr);
		}
	}
	autofree char *root = rc == 0 ? ctr_runtime_root(c->eng, err) : NULL;
	if (root == NULL)
		rc = -1;
	if (rc == 0 &&
	    oci_container_kill(root, c->id, kill_now ? SIGKILL : sig, kill_now, &perr) < 0)
		err_free(&perr); /* it may have exited meanwhile */
	if (rc == 0)
		/* In ms without overflowing an int (--stop-timeout 2147484 did): at most 24 days,
		 * and below 0 still "wait for good". */
		rc = wait_exit(eng, c,
			       kill_now			  ? 10000
			       : timeout < 0		  ? -1
			       : timeout > INT_MAX / 1000 ? INT_MAX
							  : (int)timeout * 1000,
			       err);
	if (rc == 0 && !kill_now) {
		log_warn("StopSignal %s failed to stop container %s in %ld seconds, resorting to "
			 "SIGKILL",
			 name ? name : "SIGTERM", c->name, timeout);
		if (oci_container_kill(root, c->id, SIGKILL, true, &perr) < 0)
			err_free(&perr);
		rc = wait_exit(eng, c, 10000, err);
	}
	if (rc == 0)
		rc = err_msg(err, "container %s did not stop after SIGKILL", c->name);
	return rc < 0 ? -1 : rc;
}

char **ctr_dependents(struct eng *eng, const struct eng_ctr *c, bool ids)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (eng_ctr_list_brief(eng, &v, &n, &e) < 0)
		err_free(&e);
	char **names = NULL;
	for (size_t i = 0; i < n; i++) {
		/* The brief record has the network mode, but not brief.json of older versions. */
		autoctr struct eng_ctr *full =
		    v[i]->network == NULL ? ctr_load(eng, AT_FDCWD, v[i]->id, false) : NULL;
		autofree char *t = eng_ctr_net_target(full ? full : v[i]);
		if (t != NULL && strcmp(t, c->id) == 0)
			strv_push(&names, ids ? v[i]->id : v[i]->name);
	}
	eng_ctr_list_free(v, n);
	return names;
}

int eng_ctr_remove(struct eng *eng, struct eng_ctr *c, bool force, struct error **err)
{
	bool infra = false;
	const char *pod = eng_ctr_pod(c, &infra);
	if (infra)
		return err_set(err, EBUSY, ERR_TOOL,
			       "container %s is the infra container of pod %s and cannot be "
			       "removed without removing the pod",
			       c->id, pod);
	/* podman refuses too: they would lose their network (the helper goes with c). Its
	 * message names c by ID. */
	autostrv char **deps = force ? NULL : ctr_dependents(eng, c, false);
	if (deps != NULL) {
		autofree char *list = xstrdup(deps[0]);
		for (size_t i = 1; deps[i]; i++) {
			char *more = xasprintf("%s, %s", list, deps[i]);
			free(list);
			list = more;
		}
		return err_set(err, EBUSY, ERR_TOOL,
			       "container %s has dependent containers which must be removed "
			       "before it: %s (or use --depend or --force)",
			       c->id, list);
	}
	return ctr_remove(eng, c, force, err);
}

/* ctr_remove's part under the container's lock. */
static int remove_locked(struct eng *eng, struct eng_ctr *c, bool force, struct error **err)
{
	struct storage *s = eng->store;
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	ctr_state_load(eng, c);
	autofree char *root = ctr_runtime_root(c->eng, err);
	autofree char *run = root ? eng_ctr_run_dir(c->eng, c->id, err) : NULL;
	if (run == NULL)
		return -1;
	struct error *e2 = NULL;
	if (is_running(c)) {
		if (!force)
			return err_set(
			    err, EBUSY, ERR_INUSE,
			    "cannot remove container %s as it is %s - running or paused "
			    "containers cannot be removed without force: container state "
			    "improper",
			    c->id, eng_ctr_status_name(c->state.status));
		struct eng_ctr_state st = c->state;
		ctr_state_write(eng, c->id, &st, "running", true, &e2);
		err_free(&e2);
		if (oci_container_kill(root, c->id, SIGKILL, true, &e2) < 0)
			err_free(&e2);
		if (wait_exit(eng, c, 10000, err) < 0)
			return -1;
	}
	/* Kills an init a killed monitor left behind, and drops the runtime state. */
	if (oci_container_delete(root, c->id, true, &e2) < 0)
		err_free(&e2);
	/* Its networks, unless its exit command tore them down already. */
	ctr_net_detach(eng, c->id);
	/* Unlisted here; the rest (name, files, run dir) is finish_unlisted's, which a later
	 * rm, create or prune also does when this process is killed before it is done. */
	if (storage_container_unlist(s, c->id, err) < 0)
		return err_wrap(err, "removing container %s", c->name);
	return 0;
}

/* Lock the trash dir (its inode is the container's lock, ctr_lock); -1 when busy
 * (without wait) or gone. */
static int trash_lock(const char *trash, bool wait)
{
	return fs_lock(trash, O_RDONLY | O_DIRECTORY, LOCK_EX | (wait ? 0 : LOCK_NB));
}

/*
 * The rest of a removal once the container is unlisted (its store dir renamed to the trash,
 * see storage_container_unlist_paths): its name's index entry, the runtime state (poststop
 * hooks, cgroup), the rootfs mount, the files, the run dir. By rm itself, by the exit
 * command after a --rm monitor unlisted it and told the client its status, and, without
 * wait, for a trash whose remover was killed (eng_ctr_purge_trash): then a busy lock means
 * someone is at it, and the trash is left for later. The name goes first, holding no
 * other lock (containers.lock comes before a container's); the rest under the trash's.
 */
int ctr_finish_unlisted(struct eng *eng, const char *id, bool wait, struct error **err)
{
	struct storage *s = eng->store;
	autofree char *dir = NULL, *trash = NULL, *lock = NULL;
	storage_container_unlist_paths(s, id, &dir, &trash, &lock);
	/* Each step copes with what an earlier, cut-short try already removed. */
	struct error *e2 = NULL;
	autofree char *root = ctr_runtime_root(eng, err);
	autofree char *run = root ? eng_ctr_run_dir(eng, id, err) : NULL;
	if (run == NULL)
		return -1;
	autoclose int lk = wait ? -1 : trash_lock(trash, false);
	if (!wait && lk < 0)
		return 0;
	/* Its name's index entry, from the records in the trash (both: a rename killed
	 * half-way leaves the new name in state.json only, see eng_ctr_rename). */
	bool named = true;
	autostrv char **anon = NULL;
	static const char *const recs[] = { "hutch.json", "state.json" };
	for (size_t i = 0; i < 2 && named; i++) {
		autofree char *rec = xasprintf("%s/%s", trash, recs[i]);
		struct json_object *doc = json_file_at(AT_FDCWD, rec, CTR_JSON_MAX);
		if (json_str(doc, "Name") != NULL)
			named = ctr_name_drop_try(eng, json_str(doc, "Name"), id, wait) || wait;
		/* --rm takes the container's anonymous volumes along, as podman's. */
		struct json_object *mounts = json_get(doc, "Mounts");
		for (size_t k = 0; i == 0 && json_object_get_boolean(json_get(doc, "AutoRemove")) &&
				   k < json_len(mounts);
		     k++)
			if (json_str(json_idx(mounts, k), "Name") != NULL)
				strv_push(&anon, json_str(json_idx(mounts, k), "Name"));
		json_object_put(doc);
	}
	if (!named)
		return 0; /* containers.lock busy: later (holding the trash's, never wait for it) */
	if (wait && (lk = trash_lock(trash, true)) < 0 && errno != ENOENT)
		return err_sys(err, "locking %s", trash);
	/* The trash last: while it is there, whatever is left is found through it. */
	if (oci_container_delete(root, id, true, &e2) < 0)
		err_free(&e2);
	if (fs_rm_rf(run, &e2) < 0)
		err_free(&e2);
	if (storage_container_purge(s, id, err) < 0)
		return err_wrap(err, "removing container %.12s", id);
	/* Not waiting for volumes.lock: a caller may hold containers.lock (create --replace),
	 * which a create holding volumes.lock waits for. Left behind, prune takes them. */
	if (ctr_vol_remove_anon(eng, anon, false, &e2) < 0) {
		log_warn("%s", e2->msg);
		err_free(&e2);
	}
	return 0;
}

void eng_ctr_purge_trash(struct eng *eng)
{
	struct storage *s = eng->store;
	autofree char *dir = xasprintf("%s/containers", storage_root(s));
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (strncmp(de->d_name, ".tmp-", 5) == 0 && strlen(de->d_name + 5) == 64)
			storage_container_drop_tmp(s, de->d_name + 5); /* a killed create's */
		const char *id = de->d_name + 7;
		if (strncmp(de->d_name, ".trash-", 7) != 0 || strlen(id) != 64)
			continue;
		struct error *e = NULL;
		autofree char *run = eng_ctr_run_dir(eng, id, &e);
		autofree char *mpid = run ? xasprintf("%s/%s", run, OCI_MONITOR_PID_FILE) : NULL;
		/* Its monitor's exit command may be at it right now. */
		if (mpid != NULL && ctr_pid_alive(ctr_read_pid(mpid), "hutch-monitor"))
			continue;
		if (run == NULL || ctr_finish_unlisted(eng, id, false, &e) < 0) {
			log_warn("%s", e->msg);
			err_free(&e);
		}
	}
}

int ctr_remove(struct eng *eng, struct eng_ctr *c, bool force, struct error **err)
{
	/* What removals killed before left behind first (a readdir when there is none). */
	eng_ctr_purge_trash(eng);
	if (remove_locked(eng, c, force, err) < 0)
		return -1;
	return ctr_finish_unlisted(eng, c->id, true, err);
}

/* Proxy the caller's streams (io) and the exec'd process's pty until it exits. */
/* After a detach: a child of its own session keeps the pty open and drains it, so the
 * process runs on (closing the master would hang it up) until it closes its side. */
static void exec_keep(int master)
{
	/* The caller may be the leader of a terminal's session (script, an ssh shell's child):
	 * when it exits, the kernel hangs up its foreground group, which the child is in until
	 * setsid. SIGHUP stays blocked across the fork, so a hangup that comes first waits, and
	 * is dropped once the child, in a session of its own, ignores it. */
	sigset_t hup, old;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	pid_t pid = fork();
	if (pid != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	setsid();
	signal(SIGHUP, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	int fl = fcntl(master, F_GETFL);
	if (fl >= 0)
		fcntl(master, F_SETFL, fl & ~O_NONBLOCK);
	char b[4096];
	while (read(master, b, sizeof(b)) > 0 || errno == EINTR)
		;
	_exit(0);
}

static int exec_tty(int listen_fd, pid_t pid, const struct eng_stdio *io, const char *keys,
		    int nkeys, int *status, struct error **err)
{
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return err_sys(err, "accepting the exec terminal");
	char buf[256], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	int master = -1;
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0 && CMSG_FIRSTHDR(&msg) != NULL)
		memcpy(&master, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	close(conn);
	if (master < 0)
		return err_msg(err, "the exec terminal did not arrive");
	/* A terminal the caller hands over goes raw: the pty does the line discipline; its
	 * size follows the caller's (SIGWINCH). */
	struct termios saved;
	bool raw = io->tty && io->in >= 0 && tcgetattr(io->in, &saved) == 0;
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	autoclose int sfd = -1;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(io->in, TCSANOW, &t);
		struct winsize ws;
		if (ioctl(io->in, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	}
	bool in_open = io->in >= 0, detached = false;
	int matched = 0;
	while (!detached) {
		struct pollfd p[3] = { { .fd = master, .events = POLLIN },
				       { .fd = in_open ? io->in : -1, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		char b[4096], out[4096 + 16];
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			struct winsize ws;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				if (ioctl(io->in, TIOCGWINSZ, &ws) == 0)
					ioctl(master, TIOCSWINSZ, &ws);
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, b, sizeof(b));
			if (n <= 0)
				break;
			if (io->out >= 0)
				(void)fs_write_all(io->out, b, (size_t)n);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(io->in, b, sizeof(b));
			if (n <= 0) {
				in_open = false;
				continue;
			}
			/* The detach keys are held back until they are known not to be them. */
			size_t o = 0;
			for (ssize_t i = 0; i < n && !detached; i++) {
				if (nkeys > 0 && b[i] == keys[matched]) {
					detached = ++matched == nkeys;
					continue;
				}
				memcpy(out + o, keys, (size_t)matched);
				o += (size_t)matched;
				matched = 0;
				out[o++] = b[i];
			}
			(void)fs_write_all(master, out, o);
		}
	}
	if (raw) {
		tcsetattr(io->in, TCSANOW, &saved);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (detached) {
		exec_keep(master);
		close(master);
		*status = 0;
		return 0;
	}
	close(master);
	return proc_wait(pid, status, err);
}

/*
 * -u for exec: names resolved in the running container's own /etc/passwd, as "UID:GID" for
 * the runtime. Without -u, "": the runtime keeps the user of the container's config.json,
 * resolved at create (the runtime takes numbers only, not the name the container was given).
 */
static char *exec_user_here(const char *root, const char *user, struct error **err)
{
	char *const roots[] = { (char *)root, NULL };
	uid_t uid;
	gid_t gid, *groups = NULL;
	size_t n = 0;
	if (oci_user_resolve(roots, user, &uid, &gid, &groups, &n, err) < 0)
		return NULL;
	free(groups);
	return xasprintf("%u:%u", (unsigned)uid, (unsigned)gid);
}

/*
 * The same from inside the container's user namespace: a rootfs on fuse-overlayfs (keep-id's
 * shifted owners) serves only its own user namespace and those nested in it, not ours.
 */
static char *exec_user_inside(const struct eng_ctr *c, const char *root, const char *user,
			      struct error **err)
{
	autofree char *nsp = xasprintf("/proc/%d/ns/user", (int)c->state.pid);
	autoclose int nsfd = open(nsp, O_RDONLY | O_CLOEXEC);
	int sv[2];
	if (nsfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err_sys(err, "joining the user namespace of container %s", c->name);
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct error *e = NULL;
		close(sv[0]);
		char *r = NULL;
		if (setns(nsfd, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0)
			err_sys(&e, "joining the user namespace of container %s", c->name);
		else
			r = exec_user_here(root, user, &e);
		if (r != NULL && fs_write_all(sv[1], r, strlen(r)) == 0)
			_exit(0);
		err_send(sv[1], e);
		_exit(125);
	}
	close(sv[1]);
	char buf[64] = { 0 };
	ssize_t n = pid < 0 ? -1 : fs_read_all(sv[0], buf, sizeof(buf) - 1);
	int status = 1;
	if (pid > 0)
		proc_wait(pid, &status, NULL);
	if (pid > 0 && status != 0 && err_recv(sv[0], err) > 0) {
		close(sv[0]);
		return NULL;
	}
	close(sv[0]);
	if (pid < 0 || status != 0 || n <= 0 || strchr(buf, ':') == NULL) {
		err_msg(err, "resolving user %s in container %s", user, c->name);
		return NULL;
	}
	return xstrdup(buf);
}

static char *exec_user(const struct eng_ctr *c, const char *user, struct error **err)
{
	if (user == NULL)
		return xstrdup("");
	autofree char *root = xasprintf("/proc/%d/root", (int)c->state.pid);
	char *r = exec_user_here(root, user, err);
	if (r != NULL || (*err)->code != EACCES)
		return r;
	err_free(err);
	return exec_user_inside(c, root, user, err);
}

int eng_ctr_exec(struct eng_ctr *c, const struct eng_ctr_exec_opts *o, int *status,
		 struct error **err)
{
	*status = 0;
	if (o->io == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "exec in %s: no streams given", c->name);
	if (!is_running(c))
		return err_set(err, EINVAL, ERR_INVOKE,
			       "can only create exec sessions on running containers: container "
			       "state improper");
	const char *keyspec = o->detach_keys != NULL ? o->detach_keys : "ctrl-p,ctrl-q";
	char keys[16];
	int nkeys = *keyspec ? ctr_parse_detach_keys(keyspec, keys, sizeof(keys)) : 0;
	if (nkeys < 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid detach keys \"%s\": want e.g. ctrl-p,ctrl-q", keyspec);
	autofree char *root = ctr_runtime_root(c->eng, err);
	autofree char *run = root ? eng_ctr_run_dir(c->eng, c->id, err) : NULL;
	autofree char *user = run ? exec_user(c, o->user, err) : NULL;
	if (user == NULL)
		return -1;
	struct oci_exec_opts eo = { .root = root,
				    .id = c->id,
				    .args = o->args,
				    .env = o->env,
				    .cwd = o->workdir,
				    .user = *user ? user : NULL,
				    .tty = o->tty,
				    .detach = o->detach };
	if (!o->tty && o->detach) {
		/*
		 * Detached: none of the caller's streams, as podman's exec -d. A process that
		 * kept them would hold the caller's pipe open, and $(hutch exec -d ...) would
		 * wait for its end.
		 */
		autoclose int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0)
			return err_sys(err, "opening /dev/null");
		int fds[3] = { null, null, null };
		eo.stdio = fds;
		return oci_container_exec(&eo, status, err);
	}
	if (!o->tty) {
		/* The process gets the caller's streams as its own (no pipe of ours between). */
		int fds[3] = { o->io->in, o->io->out, o->io->err };
		eo.stdio = fds;
		return oci_container_exec(&eo, status, err);
	}
	/* With a terminal: the runtime hands us the pty over a console socket. */
	autoclose int dirfd = open(run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	autoclose int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/exec-%d.sock", dirfd, (int)getpid());
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (dirfd < 0 || lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0)
		return err_sys(err, "creating the exec console socket");
	autofree char *pidfile = xasprintf("%s/exec-%d.pid", run, (int)getpid());
	eo.console_socket = path;
	eo.pid_file = pidfile;
	bool detach = o->detach;
	eo.detach = true;
	int rc = oci_container_exec(&eo, status, err);
	autofree char *pidtext = NULL;
	if (rc == 0 && fs_read_file(pidfile, 64, &pidtext, NULL, err) < 0)
		rc = -1;
	unlink(pidfile);
	if (rc == 0 && !detach)
		rc = exec_tty(lfd, (pid_t)strtol(pidtext, NULL, 10), o->io, keys, nkeys, status,
			      err);
	unlink(path);
	return rc;
}

/* The state as eng_ctr_inspect gives it (see oci/engine.h). */
static struct json_object *state_json(const struct eng_ctr *c)
{
	struct json_object *st = json_object_new_object();
	bool stopping = c->state.status == ENG_CTR_RUNNING && c->state.stopping;
	json_object_object_add(
	    st, "Status",
	    json_object_new_string(stopping ? "stopping" : eng_ctr_status_name(c->state.status)));
	json_object_object_add(st, "Running",
			       json_object_new_boolean(c->state.status == ENG_CTR_RUNNING));
	json_object_object_add(st, "Paused",
			       json_object_new_boolean(c->state.status == ENG_CTR_PAUSED));
	json_object_object_add(st, "Pid", json_object_new_int(is_running(c) ? c->state.pid : 0));
	json_object_object_add(st, "MonitorPid", json_object_new_int(c->state.monitor_pid));
	json_object_object_add(st, "ExitCode", json_object_new_int(c->state.exit_code));
	if (c->state.started_at != NULL)
		json_object_object_add(st, "StartedAt",
				       json_object_new_string(c->state.started_at));
	if (c->state.finished_at != NULL)
		json_object_object_add(st, "FinishedAt",
				       json_object_new_string(c->state.finished_at));
	json_object_object_add(st, "RestartCount", json_object_new_int(c->state.restart_count));
	json_object_object_add(st, "MonitorLost", json_object_new_boolean(c->state.monitor_lost));
	json_object_object_add(st, "NetworkLost", json_object_new_boolean(c->state.network_lost));
	return st;
}

/* The process's capabilities and rlimits, from its config.json (what the runtime applies;
 * records of any version have it): BoundingCaps, EffectiveCaps, Ulimits [{Name, Soft,
 * Hard}]. A missing or damaged config.json gives none. */
static void spec_facts(struct eng_ctr *c, struct json_object *doc)
{
	autofree char *dir = eng_ctr_dir(c->eng, c->id);
	autofree char *path = xasprintf("%s/config.json", dir);
	struct json_object *spec = json_file_at(AT_FDCWD, path, CTR_JSON_MAX);
	struct json_object *proc = json_get(spec, "process");
	struct json_object *caps = json_get(proc, "capabilities");
	struct json_object *b = json_get_type(caps, "bounding", json_type_array);
	struct json_object *e = json_get_type(caps, "effective", json_type_array);
	json_object_object_add(doc, "BoundingCaps",
			       b ? json_object_get(b) : json_object_new_array());
	json_object_object_add(doc, "EffectiveCaps",
			       e ? json_object_get(e) : json_object_new_array());
	struct json_object *ul = json_object_new_array();
	struct json_object *rl = json_get_type(proc, "rlimits", json_type_array);
	for (size_t i = 0; i < json_len(rl); i++) {
		struct json_object *r = json_idx(rl, i), *u = json_object_new_object();
		json_object_object_add(u, "Name",
				       json_object_new_string(json_str(r, "type") ?: ""));
		json_object_object_add(u, "Soft", json_object_get(json_get(r, "soft")));
		json_object_object_add(u, "Hard", json_object_get(json_get(r, "hard")));
		json_object_array_add(ul, u);
	}
	json_object_object_add(doc, "Ulimits", ul);
	json_object_put(spec);
}

struct json_object *eng_ctr_inspect(struct eng_ctr *c)
{
	struct json_object *doc = NULL;
	json_object_deep_copy(c->doc, &doc, NULL);
	struct json_object *st = state_json(c), *health = eng_ctr_health_state(c);
	if (health != NULL)
		json_object_object_add(st, "Health", health);
	json_object_object_add(doc, "State", st);
	/* The drivers that write a log file (none and passthrough keep none). */
	if (c->log_driver == NULL || strcmp(c->log_driver, "k8s-file") == 0 ||
	    strcmp(c->log_driver, "json-file") == 0) {
		autofree char *lp = eng_ctr_log_path(c->eng, c->id);
		json_object_object_add(doc, "LogPath", json_object_new_string(lp));
	}
	struct json_object *nets = ctr_net_status(c->eng, c);
	if (nets != NULL)
		json_object_object_add(doc, "Networks", nets);
	/* Where it lives: its store dir, and the storage driver of its root. */
	autofree char *dir = eng_ctr_dir(c->eng, c->id);
	json_object_object_add(doc, "Dir", json_object_new_string(dir));
	const char *driver = "overlay";
	switch (storage_driver_chosen(c->eng->store)) {
	case STORAGE_DRIVER_FUSE:
		driver = "fuse-overlayfs";
		break;
	case STORAGE_DRIVER_VFS:
		driver = "vfs";
		break;
	default:
		break;
	}
	json_object_object_add(doc, "Driver", json_object_new_string(driver));
	spec_facts(c, doc);
	/* A named volume's Source: where its data is now (the record keeps its name only, as
	 * the store may move). */
	struct json_object *mounts = json_get(doc, "Mounts");
	for (size_t i = 0; i < json_len(mounts); i++) {
		struct json_object *m = json_idx(mounts, i);
		const char *type = json_str(m, "Type"), *vol = json_str(m, "Name");
		if (type == NULL || strcmp(type, "volume") != 0 || vol == NULL)
			continue;
		autofree char *data =
		    xasprintf("%s/volumes/%s/_data", storage_root(c->eng->store), vol);
		json_object_object_add(m, "Source", json_object_new_string(data));
	}
	return doc;
}
