/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container init. The runtime clones a first child (in the new user namespace when
 * the config asks for one); it waits for the id mapping, joins and unshares the other
 * namespaces and clones the init with CLONE_PARENT, so the init is the runtime's child
 * (run can wait for it) and pid 1 of a new pid namespace. The init mounts, runs the
 * hooks at their moments, pivots, resolves the executable and waits on the start socket
 * before it drops privileges and execs. Errors go back over the sync socket: no child
 * ever prints (STYLE.md B3).
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int oci_sync_send(int fd, char tag, const void *data, size_t len)
{
	char buf[64];
	if (len > sizeof(buf) - 1)
		return -1;
	buf[0] = tag;
	if (len > 0)
		memcpy(buf + 1, data, len);
	return fs_write_all(fd, buf, len + 1);
}

int oci_sync_expect(int fd, char tag, const char *what, struct error **err)
{
	char c = 0;
	ssize_t n = fs_read_all(fd, &c, 1);
	if (n == 1 && c == tag)
		return 0;
	if (n == 1 && c == RT_MSG_ERROR && err_recv(fd, err) > 0)
		return -1;
	if (n == 1)
		return err_msg(err, "%s: unexpected message '%c' on the sync socket", what, c);
	return err_msg(err, "%s: the container process died", what);
}

void oci_child_fail(int sync_fd, struct error *err)
{
	if (oci_sync_send(sync_fd, RT_MSG_ERROR, NULL, 0) == 0)
		err_send(sync_fd, err);
	_exit(1);
}

int oci_become_root(bool deny_setgroups, struct error **err)
{
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(err, "setresgid(0) in the user namespace");
	if (!deny_setgroups && setgroups(0, NULL) < 0 && errno != EPERM)
		return err_sys(err, "setgroups in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(err, "setresuid(0) in the user namespace");
	/*
	 * Changing credentials made us non-dumpable, and a non-dumpable process's /proc/PID/ns
	 * is closed to everyone but the initial namespace's root: the network helpers and
	 * exec could no longer open it (a nested user namespace, --userns=keep-id, changes the
	 * host uid). We are only the user's namespace root; exec would make us dumpable anyway.
	 */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

/* Join the namespaces given by path; the user namespace was joined before. */
static int join_namespaces(struct rt_init *in, bool user, struct error **err)
{
	const struct rt_linux *l = &in->spec->lx;
	for (size_t i = 0; i < l->n_ns; i++) {
		if (in->ns_fds[i] < 0 || (l->ns[i].type == CLONE_NEWUSER) != user)
			continue;
		if (setns(in->ns_fds[i], l->ns[i].type) < 0)
			return err_sys(err, "joining namespace %s", l->ns[i].path);
		close(in->ns_fds[i]);
		in->ns_fds[i] = -1;
	}
	return 0;
}

int oci_new_ns_flags(const struct rt_spec *s)
{
	int flags = 0;
	for (size_t i = 0; i < s->lx.n_ns; i++)
		if (s->lx.ns[i].path == NULL && s->lx.ns[i].type != CLONE_NEWUSER)
			flags |= s->lx.ns[i].type;
	return flags;
}

pid_t oci_clone_parent(void)
{
	fflush(NULL);
	return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

/* Stage 1: namespaces, then the init. Returns only in the init (stage 2). */
static void stage1(struct rt_init *in)
{
	struct error *err = NULL;
	const struct rt_ns *user = oci_spec_ns(in->spec, CLONE_NEWUSER);
	if (join_namespaces(in, true, &err) < 0)
		oci_child_fail(in->sync_fd, err);
	if (in->need_map) {
		if (oci_sync_send(in->sync_fd, RT_MSG_READY, NULL, 0) < 0 ||
		    oci_sync_expect(in->sync_fd, RT_MSG_MAPPED, "mapping", &err) < 0)
			_exit(1); /* the runtime failed and reports why */
	}
	if (user != NULL && oci_become_root(in->spec->lx.map.single, &err) < 0)
		oci_child_fail(in->sync_fd, err);
	if (join_namespaces(in, false, &err) < 0)
		oci_child_fail(in->sync_fd, err);
	/*
	 * In a pid namespace of others (a container's, joined by path), their processes would
	 * see the init, a copy of the host binary until it execs the trampoline, and could
	 * open its /proc/PID/exe: non-dumpable, it is closed to them (runc's CVE-2019-5736).
	 * In a new one nobody else is there before the exec.
	 */
	const struct rt_ns *pidns = oci_spec_ns(in->spec, CLONE_NEWPID);
	if (pidns != NULL && pidns->path != NULL) {
		/* Non-dumpable, the init could not write its own /proc/self files (they
		 * belong to the host's root then): the oom score, which the init inherits,
		 * is set here, before. */
		if (oci_process_apply_misc(&in->spec->process, &err) < 0)
			oci_child_fail(in->sync_fd, err);
		in->misc_applied = true;
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	int flags = oci_new_ns_flags(in->spec);
	if (flags != 0 && unshare(flags) < 0) {
		err_sys(&err, "creating namespaces");
		oci_child_fail(in->sync_fd, err);
	}
	pid_t pid = oci_clone_parent();
	if (pid < 0) {
		err_sys(&err, "cloning the container init");
		oci_child_fail(in->sync_fd, err);
	}
	if (pid > 0) {
		int32_t p = pid;
		oci_sync_send(in->sync_fd, RT_MSG_PID, &p, sizeof(p));
		_exit(0);
	}
}

/* The runtime's acknowledgement of our pid carries that pid, as the runtime sees it. */
static pid_t wait_ack(int fd)
{
	int32_t pid = 0;
	char c = 0;
	if (fs_read_all(fd, &c, 1) != 1 || c != RT_MSG_ACK || fs_read_all(fd, &pid, 4) != 4)
		_exit(1);
	return pid;
}

static int set_names(const struct rt_spec *s, struct error **err)
{
	if (s->hostname != NULL && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return err_sys(err, "setting the hostname to %s", s->hostname);
	if (s->domainname != NULL && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return err_sys(err, "setting the domain name to %s", s->domainname);
	return 0;
}

/* The state JSON hooks get on stdin; status is "creating" until start. */
static char *hook_state(const struct rt_init *in, pid_t pid, enum oci_status status)
{
	struct rt_state st = {
		.id = (char *)in->id,
		.bundle = (char *)in->bundle,
		.pid = pid,
		.status = status,
		.annotations = in->spec->annotations,
	};
	return oci_state_json(&st, false);
}

/* Mounts and hooks up to pivot_root, as the spec orders them. */
static int setup_before_pivot(struct rt_init *in, pid_t pid, struct error **err)
{
	const struct rt_spec *s = in->spec;
	bool own_net = false, own_cgroup = false;
	const struct rt_ns *n = oci_spec_ns(s, CLONE_NEWNET);
	/* A joined namespace counts too: sysfs mounts fine where our user namespace owns it
	 * (--network container:, pods), and falls back to the host's /sys where it does not. */
	own_net = n != NULL;
	n = oci_spec_ns(s, CLONE_NEWCGROUP);
	own_cgroup = n != NULL;
	bool own_mnt = oci_spec_ns(s, CLONE_NEWNS) != NULL;
	if (oci_rootfs_prepare(s, own_mnt, err) < 0 ||
	    oci_mounts_setup(s, own_net, own_cgroup, err) < 0 || set_names(s, err) < 0)
		return -1;
	if (s->n_hooks[RT_HOOK_PRESTART] + s->n_hooks[RT_HOOK_CREATE_RUNTIME] > 0) {
		if (oci_sync_send(in->sync_fd, RT_MSG_HOOKS, NULL, 0) < 0)
			return err_sys(err, "sync socket");
		if (oci_sync_expect(in->sync_fd, RT_MSG_GO, "hooks", err) < 0)
			return -1;
	}
	if (s->n_hooks[RT_HOOK_CREATE_CONTAINER] > 0) {
		autofree char *state = hook_state(in, pid, OCI_CREATING);
		if (oci_hooks_run(s, RT_HOOK_CREATE_CONTAINER, state, err) < 0)
			return -1;
	}
	return 0;
}

/* After pivot_root: the rest of the rootfs, the terminal, cwd and the executable. */
static int setup_after_pivot(struct rt_init *in, struct error **err)
{
	const struct rt_spec *s = in->spec;
	const struct rt_process *p = &s->process;
	if (oci_rootfs_finish(s, err) < 0)
		return -1;
	if (p->terminal && oci_terminal_setup(p, in->console_fd, err) < 0)
		return -1;
	if (in->console_fd >= 0)
		close(in->console_fd);
	in->console_fd = -1;
	if (oci_enter_cwd(p->cwd, err) < 0)
		return -1;
	in->exe = oci_resolve_exe(p, err);
	if (in->exe == NULL)
		return -1;
	if (s->lx.has_personality && personality(s->lx.personality) < 0)
		return err_sys(err, "setting the personality");
	if (!in->misc_applied && oci_process_apply_misc(p, err) < 0)
		return -1;
	return 0;
}

/*
 * Drop to the container's process credentials. Without no_new_privs, loading a seccomp
 * filter needs CAP_SYS_ADMIN, so it comes before the caps are dropped (as runc does);
 * with it, as late as possible, so the filter sees only execve.
 */
int oci_process_finalize(const struct rt_process *p, const struct oci_seccomp_prog *sc,
			 struct error **err)
{
	if (oci_process_apply_rlimits(p, err) < 0)
		return -1;
	if (!p->no_new_privs && oci_seccomp_load(sc, err) < 0)
		return -1;
	if (oci_process_apply_user(p, err) < 0 || oci_process_apply_caps(p, err) < 0)
		return -1;
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return err_sys(err, "setting no_new_privs");
	if (p->no_new_privs && oci_seccomp_load(sc, err) < 0)
		return -1;
	umask(p->has_umask ? p->umask : 022);
	return 0;
}

/* Wait for `start`: one connection on the start socket. Returns the connection. */
static int wait_start(struct rt_init *in, struct error **err)
{
	int conn;
	do {
		conn = accept4(in->start_fd, NULL, NULL, SOCK_CLOEXEC);
	} while (conn < 0 && errno == EINTR);
	if (conn < 0)
		return err_sys(err, "waiting for start");
	close(in->start_fd);
	in->start_fd = -1;
	return conn;
}

/*
 * Close everything the caller had open but what the init needs (the sync, start and
 * console sockets, the namespaces to join, the preserved fds): whatever else the runtime's
 * caller held (hutch's launcher holds the container's run dir) would otherwise be
 * reachable from the container as /proc/self/fd/N until the exec.
 */
static void close_inherited(struct rt_init *in)
{
	struct error *err = NULL;
	int keep[3 + 16];
	size_t n = 0;
	keep[n++] = in->sync_fd;
	keep[n++] = in->start_fd;
	keep[n++] = in->console_fd;
	for (size_t i = 0; i < 16; i++)
		keep[n++] = in->ns_fds[i];
	if (oci_close_fds_except(3 + in->preserve_fds, keep, n, &err) < 0)
		oci_child_fail(in->sync_fd, err);
}

void oci_init_main(struct rt_init *in)
{
	struct error *err = NULL;
	close_inherited(in);
	/* Cloned with its namespaces already (see clone_stage1), it is the init from the start. */
	if (!in->direct)
		stage1(in);
	/* Stage 2: the init, pid 1 of its pid namespace. */
	pid_t pid = wait_ack(in->sync_fd);
	const struct rt_spec *s = in->spec;
	bool own_mnt = oci_spec_ns(s, CLONE_NEWNS) != NULL;
	if (setup_before_pivot(in, pid, &err) < 0 ||
	    oci_rootfs_pivot(s, in->no_pivot, own_mnt, &err) < 0 ||
	    setup_after_pivot(in, &err) < 0 ||
	    oci_close_fds_from(3 + in->preserve_fds, -1, &err) < 0)
		oci_child_fail(in->sync_fd, err);
	if (oci_sync_send(in->sync_fd, RT_MSG_CREATED, NULL, 0) < 0)
		_exit(1);
	close(in->sync_fd);
	/* Compiled while the caller goes on (its monitor starts meanwhile), not after start,
	 * unless the runtime had it from its cache; a problem is reported to start. */
	struct oci_seccomp_prog *prog = in->seccomp;
	struct error *scerr = NULL;
	if (prog == NULL)
		oci_seccomp_compile(s->lx.seccomp, NULL, &prog, &scerr);
	/* From here on errors go to `start`, over its connection. */
	int conn = wait_start(in, &err);
	if (conn < 0)
		_exit(1);
	if (scerr != NULL)
		oci_child_fail(conn, scerr);
	if (s->n_hooks[RT_HOOK_START_CONTAINER] > 0) {
		autofree char *state = hook_state(in, pid, OCI_CREATED);
		if (oci_hooks_run(s, RT_HOOK_START_CONTAINER, state, &err) < 0)
			oci_child_fail(conn, err);
	}
	/* Made before the filter is loaded, which may not allow memfd_create. */
	int tfd = oci_trampoline_fd(&err);
	if (tfd < 0 || oci_process_finalize(&s->process, prog, &err) < 0)
		oci_child_fail(conn, err);
	char *const *env = s->process.env != NULL ? s->process.env : (char *const[]){ NULL };
	oci_trampoline_exec(tfd, in->exe, s->process.args, env, conn, &err);
	oci_child_fail(conn, err);
}
