/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle after create: start (connect to the init's start socket, wait until it
 * has exec'd, run poststart hooks), run, kill, delete (poststop hooks, cgroup, state dir)
 * and pause/resume. The status always comes from oci_state_read, never from a file.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int resolve_root(const char *root, char **out, struct error **err)
{
	*out = root != NULL ? xstrdup(root) : oci_default_root(err);
	return *out != NULL ? 0 : -1;
}

int oci_state_spec(const char *root, const char *id, struct rt_spec *s, struct error **err)
{
	autofree char *path = xasprintf("%s/%s/config.json", root, id);
	autofree char *text = NULL;
	if (fs_read_file(path, 16 << 20, &text, NULL, err) < 0)
		return -1;
	return oci_spec_parse(text, s, err);
}

static int run_state_hooks(const char *root, const struct rt_state *st, enum rt_hook_kind k,
			   struct error **err)
{
	struct rt_spec s;
	if (oci_state_spec(root, st->id, &s, err) < 0)
		return -1;
	autofree char *json = oci_state_json(st, false);
	int rc = oci_hooks_run(&s, k, json, err);
	oci_spec_clear(&s);
	return rc;
}

int oci_start_release(const char *dir, struct error **err)
{
	autofree char *sock = oci_state_start_sock(dir);
	int conn = oci_unix_connect(sock, err);
	if (conn >= 0)
		unlink(sock);
	return conn;
}

/* Wait on the released init's connection: EOF once it has exec'd the process (its end is
 * close-on-exec); else an error. */
static int start_result(int conn, struct error **err)
{
	char tag = 0;
	if (fs_read_all(conn, &tag, 1) != 1)
		return 0;
	if (tag != RT_MSG_ERROR || err_recv(conn, err) == 0)
		err_msg(err, "unexpected message from the container init");
	return -1;
}

/* Poststart hooks: a failure is a warning, as the process runs already. */
static void poststart(const char *root, struct rt_state *st)
{
	st->status = OCI_RUNNING;
	struct error *e = NULL;
	if (run_state_hooks(root, st, RT_HOOK_POSTSTART, &e) < 0) {
		log_warn("%s", e->msg);
		err_free(&e);
	}
}

int oci_container_start(const char *root_in, const char *id, struct error **err)
{
	autofree char *root = NULL;
	/* Declared before the first goto: cleanup must never see them uninitialised. */
	autofree char *dir = NULL;
	autoclose int conn = -1;
	struct rt_state st;
	if (resolve_root(root_in, &root, err) < 0 || oci_state_read(root, id, &st, err) < 0)
		return -1;
	int rc = -1;
	if (st.status != OCI_CREATED) {
		err_msg(err, "cannot start container %s: it is %s, not created", id,
			oci_status_name(st.status));
		goto out;
	}
	dir = xasprintf("%s/%s", root, id);
	conn = oci_start_release(dir, err);
	if (conn < 0 || start_result(conn, err) < 0)
		goto out;
	rc = 0;
	if (st.has_poststart)
		poststart(root, &st);
out:
	oci_state_clear(&st);
	return rc < 0 ? err_wrap(err, "starting container %s", id) : 0;
}

int oci_container_start_wait(const char *root_in, const char *id, int conn_in, bool hooks,
			     struct error **err)
{
	autoclose int conn = conn_in;
	autofree char *root = NULL;
	if (resolve_root(root_in, &root, err) < 0 || start_result(conn, err) < 0)
		return err_wrap(err, "starting container %s", id);
	struct rt_state st;
	if (hooks && oci_state_read(root, id, &st, NULL) == 0) {
		poststart(root, &st);
		oci_state_clear(&st);
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Those in the init's pid namespace, when it has its own and its link can be read. */
static int pidns_members(const struct rt_state *st, pid_t **out, size_t *n, struct error **err)
{
	char path[64];
	struct stat init_ns, self_ns, ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)st->pid);
	/* Unreadable from another user namespace (EACCES), or the init is gone: the init is
	 * on the list anyway, and signalling it is what ends its pid namespace. */
	if (stat(path, &init_ns) < 0)
		return 0;
	if (stat("/proc/self/ns/pid", &self_ns) < 0)
		return err_sys(err, "reading /proc/self/ns/pid");
	if (init_ns.st_ino == self_ns.st_ino && init_ns.st_dev == self_ns.st_dev)
		return 0; /* no pid namespace of its own */
	autoclosedir DIR *d = opendir("/proc");
	if (d == NULL)
		return err_sys(err, "listing /proc");
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", atoi(de->d_name));
		if (stat(path, &ns) < 0 || ns.st_ino != init_ns.st_ino ||
		    ns.st_dev != init_ns.st_dev)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = (pid_t)atoi(de->d_name);
	}
	return 0;
}

/* Processes of the container, the init first: the members of its pid namespace and of
 * its cgroups (which find them in any pid namespace), without duplicates. */
static int container_pids(const struct rt_state *st, pid_t **out, size_t *n, struct error **err)
{
	*n = 0;
	*out = xcalloc(1, sizeof(**out));
	(*out)[(*n)++] = st->pid;
	if (pidns_members(st, out, n, err) < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return -1;
	}
	oci_cgroup_pids(&st->cg, out, n);
	qsort(*out + 1, *n - 1, sizeof(**out), cmp_pid);
	size_t k = 1;
	for (size_t i = 1; i < *n; i++)
		if ((*out)[i] != st->pid && (*out)[i] > 0 && (k == 1 || (*out)[i] != (*out)[k - 1]))
			(*out)[k++] = (*out)[i];
	*n = k;
	return 0;
}

int oci_container_pids(const char *root_in, const char *id, pid_t **pids, size_t *n,
		       struct error **err)
{
	autofree char *root = NULL;
	struct rt_state st;
	*pids = NULL;
	*n = 0;
	if (resolve_root(root_in, &root, err) < 0 || oci_state_read(root, id, &st, err) < 0)
		return -1;
	int rc = st.status == OCI_STOPPED ? 0 : container_pids(&st, pids, n, err);
	oci_state_clear(&st);
	return rc;
}

static int kill_state(const struct rt_state *st, int sig, bool all, struct error **err)
{
	if (!all) {
		/* By pidfd, opened before the start time is checked again: never a reused pid. */
		int pfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
		if (pfd < 0)
			return errno == ESRCH ? 0
					      : err_sys(err, "opening process %d", (int)st->pid);
		bool zombie = false;
		int rc = 0;
		if (oci_proc_start_time(st->pid, &zombie) == st->start_time && !zombie &&
		    syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0 && errno != ESRCH)
			rc = err_sys(err, "sending signal %d to %d", sig, (int)st->pid);
		close(pfd);
		return rc;
	}
	autofree pid_t *pids = NULL;
	size_t n = 0;
	if (container_pids(st, &pids, &n, err) < 0)
		return -1;
	/* One that refuses (EPERM) does not spare the others. */
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH && rc == 0)
			rc = err_sys(err, "sending signal %d to %d", sig, (int)pids[i]);
	return rc;
}

int oci_container_kill(const char *root_in, const char *id, int sig, bool all, struct error **err)
{
	autofree char *root = NULL;
	struct rt_state st;
	if (resolve_root(root_in, &root, err) < 0 || oci_state_read(root, id, &st, err) < 0)
		return -1;
	int rc = -1;
	if (st.status == OCI_STOPPED)
		err_msg(err, "container %s is not running", id);
	else
		rc = kill_state(&st, sig, all, err);
	oci_state_clear(&st);
	return rc;
}

/* Wait up to timeout_ms for a process (not necessarily our child) to exit. */
static bool wait_gone(pid_t pid, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return errno == ESRCH;
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	int rc;
	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	close(pfd);
	/* Our own child (run) would stay a zombie: reap it here. */
	waitpid(pid, NULL, WNOHANG);
	return rc > 0;
}

int oci_container_delete(const char *root_in, const char *id, bool force, struct error **err)
{
	autofree char *root = NULL;
	struct rt_state st;
	if (resolve_root(root_in, &root, err) < 0)
		return -1;
	if (oci_state_read(root, id, &st, err) < 0) {
		/* As runc: --force on a container that is gone (or whose create died before
		 * state.json) succeeds, after removing what may be left of its directory. */
		autofree char *dir = NULL;
		if (!force || oci_state_dir(root, id, &dir, NULL) < 0)
			return -1;
		err_free(err);
		return fs_rm_rf(dir, err);
	}
	int rc = -1;
	if (st.status == OCI_RUNNING || st.status == OCI_PAUSED) {
		if (!force) {
			err_msg(err, "cannot delete container %s that is not stopped: %s", id,
				oci_status_name(st.status));
			goto out;
		}
	}
	if (st.status != OCI_STOPPED) {
		/* A created container is deleted without --force, as runc does. */
		if (st.status == OCI_PAUSED)
			oci_cgroup_freeze(st.cg.v2, false, NULL);
		/* A process that refuses the signal matters only if the init survives it. */
		struct error *ke = NULL;
		kill_state(&st, SIGKILL, true, &ke);
		if (!wait_gone(st.pid, 10000)) {
			if (ke == NULL)
				err_msg(err, "container %s did not die after SIGKILL", id);
			else
				err_set(err, ke->code, ke->kind, "%s", ke->msg);
			err_free(&ke);
			goto out;
		}
		err_free(&ke);
		st.status = OCI_STOPPED;
	}
	if (st.has_poststop) {
		struct error *e = NULL;
		if (run_state_hooks(root, &st, RT_HOOK_POSTSTOP, &e) < 0) {
			log_warn("%s", e->msg);
			err_free(&e);
		}
	}
	struct error *e = NULL;
	if (oci_cgroup_remove(&st.cg, &e) < 0) {
		log_warn("%s", e->msg);
		err_free(&e);
	}
	if (st.rootfs != NULL && oci_rootfs_release(st.rootfs, st.rootfs_mnt, &e) < 0) {
		log_warn("%s", e->msg);
		err_free(&e);
	}
	char *dir = xasprintf("%s/%s", root, id);
	rc = fs_rm_rf(dir, err);
	free(dir);
out:
	oci_state_clear(&st);
	return rc;
}

int oci_container_pause(const char *root_in, const char *id, bool pause, struct error **err)
{
	autofree char *root = NULL;
	struct rt_state st;
	if (resolve_root(root_in, &root, err) < 0 || oci_state_read(root, id, &st, err) < 0)
		return -1;
	int rc = -1;
	enum oci_status want = pause ? OCI_RUNNING : OCI_PAUSED;
	if (st.status != want)
		err_msg(err, "container %s is %s, not %s", id, oci_status_name(st.status),
			oci_status_name(want));
	else
		rc = oci_cgroup_freeze(st.cg.v2, pause, err);
	oci_state_clear(&st);
	return rc;
}

/* ---------- run ---------- */

static volatile sig_atomic_t run_pid;

static void forward_signal(int sig)
{
	if (run_pid > 0)
		kill((pid_t)run_pid, sig);
}

int oci_container_run(const struct oci_create_opts *o, bool detach, int *status, struct error **err)
{
	pid_t init = 0;
	*status = 0;
	if (oci_create_pid(o, &init, err) < 0)
		return -1;
	autofree char *root = o->root != NULL ? xstrdup(o->root) : oci_default_root(NULL);
	if (oci_container_start(root, o->id, err) < 0) {
		struct error *e = NULL;
		if (oci_container_delete(root, o->id, true, &e) < 0)
			err_free(&e);
		return -1;
	}
	if (detach)
		return 0;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction fwd = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	run_pid = init;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &fwd, NULL);
	int rc = proc_wait(init, status, err);
	run_pid = 0;
	if (rc == 0 && oci_container_delete(root, o->id, true, err) < 0)
		return -1;
	return rc;
}

int oci_parse_signal(const char *s, int *sig, struct error **err)
{
	char *end = NULL;
	long n = strtol(s, &end, 10);
	if (end != s && *end == '\0') {
		if (n <= 0 || n >= NSIG)
			return err_set(err, EINVAL, ERR_USAGE, "invalid signal \"%s\"", s);
		*sig = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev != NULL && strcasecmp(abbrev, name) == 0) {
			*sig = i;
			return 0;
		}
	}
	/* RTMIN+N: N digits only, in range (atoi made an image's StopSignal of
	 * RTMIN+4294967296 RTMIN+0, and took "x" as 0). */
	const char *off = name + 6;
	if (strncasecmp(name, "RTMIN+", 6) == 0 && *off >= '0' && *off <= '9') {
		n = strtol(off, &end, 10);
		if (*end == '\0' && n <= SIGRTMAX - SIGRTMIN) {
			*sig = SIGRTMIN + (int)n;
			return 0;
		}
	}
	return err_set(err, EINVAL, ERR_USAGE, "invalid signal \"%s\"", s);
}
