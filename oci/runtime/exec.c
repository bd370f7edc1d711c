/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec: a new process in a running container. The process is the container's own
 * (config.json saved at create) with args, env, cwd, user and terminal replaced, or a
 * whole process JSON (--process, as conmon passes it). A first child joins the
 * container's namespaces (user first) and clones the process with CLONE_PARENT, so the
 * runtime can wait for it, or leave it to a subreaper with --detach.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The order to join: user first (it owns the others), mount last (it changes our root). */
static const struct {
	const char *name;
	int type;
} join_order[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
	{ "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};
#define N_JOIN (sizeof(join_order) / sizeof(join_order[0]))

struct exec_ctx {
	struct rt_spec spec;
	struct rt_state st;
	int ns_fds[N_JOIN];
	int root_fd; /* the init's root, to chroot to when it shares our mount namespace */
	int sync[2];
	int console_fd;
	int preserve_fds;
	const int *stdio; /* oci_exec_opts.stdio */
};

/* Open the namespaces of the init that differ from ours. */
static int open_namespaces(struct exec_ctx *x, struct error **err)
{
	for (size_t i = 0; i < N_JOIN; i++) {
		char path[64], self[64];
		struct stat a, b;
		x->ns_fds[i] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->st.pid, join_order[i].name);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", join_order[i].name);
		if (stat(path, &a) < 0 || stat(self, &b) < 0)
			continue; /* a kernel without that namespace type */
		if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			/* Its mount namespace is ours (the config had none): its root is not. */
			snprintf(path, sizeof(path), "/proc/%d/root", (int)x->st.pid);
			if (join_order[i].type == CLONE_NEWNS &&
			    (x->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
				return err_sys(err, "opening %s", path);
			continue;
		}
		x->ns_fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (x->ns_fds[i] < 0)
			return err_sys(err, "opening %s", path);
	}
	return 0;
}

/* The caller's streams as our 0, 1 and 2, through fds above them so that the three may be
 * any permutation of 0-2. */
static int exec_stdio(const int *io, struct error **err)
{
	int tmp[3] = { -1, -1, -1 };
	for (int i = 0; i < 3; i++) {
		tmp[i] = io[i] >= 0 ? fcntl(io[i], F_DUPFD_CLOEXEC, 3) : -1;
		/* None, or one the caller had closed (hutch exec ... <&-): /dev/null. */
		if (tmp[i] < 0 && (io[i] < 0 || errno == EBADF))
			tmp[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (tmp[i] < 0)
			return err_sys(err, "setting up the exec process's fd %d", i);
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(tmp[i], i) < 0)
			return err_sys(err, "setting up the exec process's fd %d", i);
		close(tmp[i]);
	}
	return 0;
}

static void exec_child(struct exec_ctx *x)
{
	struct error *err = NULL;
	int fd = x->sync[1];
	if (x->stdio != NULL && exec_stdio(x->stdio, &err) < 0)
		oci_child_fail(fd, err);
	/* Nothing the caller had open may be reachable from the container as /proc/self/fd/N
	 * (a -w /proc/self/fd/N, runc's CVE-2024-21626): only the sync socket, the console
	 * socket, the namespaces to join and the preserved fds stay. */
	int keep[3 + N_JOIN];
	size_t n_keep = 0;
	keep[n_keep++] = fd;
	keep[n_keep++] = x->console_fd;
	keep[n_keep++] = x->root_fd;
	for (size_t i = 0; i < N_JOIN; i++)
		keep[n_keep++] = x->ns_fds[i];
	if (oci_close_fds_except(3 + x->preserve_fds, keep, n_keep, &err) < 0)
		oci_child_fail(fd, err);
	for (size_t i = 0; i < N_JOIN; i++) {
		if (x->ns_fds[i] < 0)
			continue;
		if (setns(x->ns_fds[i], join_order[i].type) < 0) {
			err_sys(&err, "joining the container's %s namespace", join_order[i].name);
			oci_child_fail(fd, err);
		}
		if (join_order[i].type == CLONE_NEWUSER && oci_become_root(true, &err) < 0)
			oci_child_fail(fd, err);
		close(x->ns_fds[i]);
	}
	/*
	 * Non-dumpable from here to the exec: the container's processes, whose pid namespace
	 * our child enters, cannot open its /proc/PID/exe (the host binary) or its fds
	 * meanwhile (runc's CVE-2019-5736 through exec); the exec makes it dumpable again.
	 * (oci_become_root made us dumpable, for the init's network helpers.)
	 */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (x->root_fd >= 0 && (fchdir(x->root_fd) < 0 || chroot(".") < 0)) {
		err_sys(&err, "changing root to the container's");
		oci_child_fail(fd, err);
	}
	if (x->root_fd >= 0)
		close(x->root_fd);
	pid_t pid = oci_clone_parent();
	if (pid < 0) {
		err_sys(&err, "cloning the exec process");
		oci_child_fail(fd, err);
	}
	if (pid > 0) {
		int32_t p = pid;
		oci_sync_send(fd, RT_MSG_PID, &p, sizeof(p));
		_exit(0);
	}
	char c = 0;
	int32_t ack;
	if (fs_read_all(fd, &c, 1) != 1 || c != RT_MSG_ACK || fs_read_all(fd, &ack, 4) != 4)
		_exit(1);
	const struct rt_process *p = &x->spec.process;
	if (p->terminal && oci_terminal_setup(p, x->console_fd, &err) < 0)
		oci_child_fail(fd, err);
	if (oci_enter_cwd(p->cwd, &err) < 0)
		oci_child_fail(fd, err);
	autofree char *exe = oci_resolve_exe(p, &err);
	struct oci_seccomp_prog *prog = NULL;
	int tfd = -1;
	if (exe == NULL || oci_seccomp_compile(x->spec.lx.seccomp, NULL, &prog, &err) < 0 ||
	    (tfd = oci_trampoline_fd(&err)) < 0 ||
	    oci_close_fds_from(3 + x->preserve_fds, fd, &err) < 0 ||
	    oci_process_finalize(p, prog, &err) < 0)
		oci_child_fail(fd, err);
	oci_trampoline_exec(tfd, exe, p->args, p->env != NULL ? p->env : (char *const[]){ NULL },
			    fd, &err);
	oci_child_fail(fd, err);
}

static void env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq != NULL ? (size_t)(eq - kv) : strlen(kv);
	for (size_t i = 0; *env != NULL && (*env)[i] != NULL; i++) {
		if (strncmp((*env)[i], kv, klen) == 0 && (*env)[i][klen] == '=') {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	}
	strv_push(env, kv);
}

/*
 * One id of --user: decimal digits only, at most 2^32-2. sscanf's %u took "-1", wrapped
 * 4294967296 to 0 and let 4294967295 through, which setresuid reads as "unchanged": root.
 */
static int parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9' || v >= UINT32_MAX)
			return -1;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	if (*s == '\0' || v >= UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* --user UID[:GID], as runc takes it (no GID: 0). */
static int parse_user(const char *user, struct rt_process *p, struct error **err)
{
	autofree char *uid = xstrdup(user);
	char *gid = strchr(uid, ':');
	if (gid != NULL)
		*gid++ = '\0';
	uint32_t u, g = 0;
	if (parse_id(uid, &u) < 0 || (gid != NULL && parse_id(gid, &g) < 0))
		return err_set(err, EINVAL, ERR_USAGE,
			       "exec: invalid --user \"%s\": want UID[:GID], numbers below "
			       "4294967295",
			       user);
	p->uid = u;
	p->gid = g;
	return 0;
}

/* The process to run: --process, or the container's with the options applied. */
static int build_process(struct exec_ctx *x, const struct oci_exec_opts *o, struct error **err)
{
	struct rt_process *p = &x->spec.process;
	if (o->process_file != NULL) {
		autofree char *text = NULL;
		struct rt_process np;
		if (fs_read_file(o->process_file, 1 << 20, &text, NULL, err) < 0 ||
		    oci_process_parse(text, &np, err) < 0)
			return -1;
		oci_process_clear(p);
		*p = np;
	} else {
		if (o->args == NULL || o->args[0] == NULL)
			return err_set(err, EINVAL, ERR_USAGE, "exec: no command given");
		strv_free(p->args);
		p->args = NULL;
		for (size_t i = 0; o->args[i] != NULL; i++)
			strv_push(&p->args, o->args[i]);
		p->terminal = o->tty;
	}
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++)
		env_set(&p->env, o->env[i]);
	if (o->cwd != NULL) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	if (o->user != NULL && parse_user(o->user, p, err) < 0)
		return -1;
	if (p->terminal && o->console_socket == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "exec: a terminal needs --console-socket");
	return 0;
}

/* The runtime's side: pid, cgroup, ack, then EOF (exec'd) or an error. */
static int drive(struct exec_ctx *x, pid_t first, const struct oci_exec_opts *o, pid_t *out,
		 struct error **err)
{
	int fd = x->sync[0];
	int32_t pid = 0;
	int status;
	int rc = oci_sync_expect(fd, RT_MSG_PID, "joining the container", err);
	proc_wait(first, &status, NULL);
	if (rc < 0 || fs_read_all(fd, &pid, 4) != 4)
		return rc < 0 ? -1 : err_msg(err, "joining the container: no pid");
	*out = pid;
	for (size_t i = 0; x->st.cg.dirs != NULL && x->st.cg.dirs[i] != NULL; i++) {
		autofree char *procs = xasprintf("%s/cgroup.procs", x->st.cg.dirs[i]);
		char buf[32];
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		autoclose int cfd = open(procs, O_WRONLY | O_CLOEXEC);
		if (cfd < 0 || fs_write_all(cfd, buf, strlen(buf)) < 0)
			log_warn("moving exec process into %s: %s", x->st.cg.dirs[i],
				 strerror(errno));
	}
	if (oci_sync_send(fd, RT_MSG_ACK, &pid, 4) < 0)
		return err_sys(err, "sync socket");
	char tag;
	if (fs_read_all(fd, &tag, 1) == 1) {
		if (tag != RT_MSG_ERROR || err_recv(fd, err) == 0)
			err_msg(err, "unexpected message from the exec process");
		proc_wait(pid, &status, NULL);
		return -1;
	}
	if (o->pid_file != NULL) {
		autofree char *text = xasprintf("%d", (int)pid);
		if (fs_write_replace(o->pid_file, text, strlen(text), 0644, err) < 0)
			return -1;
	}
	return 0;
}

static void exec_ctx_clear(struct exec_ctx *x)
{
	for (size_t i = 0; i < N_JOIN; i++)
		if (x->ns_fds[i] >= 0)
			close(x->ns_fds[i]);
	for (int i = 0; i < 2; i++)
		if (x->sync[i] >= 0)
			close(x->sync[i]);
	if (x->console_fd >= 0)
		close(x->console_fd);
	if (x->root_fd >= 0)
		close(x->root_fd);
	oci_spec_clear(&x->spec);
	oci_state_clear(&x->st);
}

int oci_container_exec(const struct oci_exec_opts *o, int *status, struct error **err)
{
	struct exec_ctx x = {
		.sync = { -1, -1 },
		.console_fd = -1,
		.root_fd = -1,
		.preserve_fds = o->preserve_fds,
		.stdio = o->stdio,
	};
	for (size_t i = 0; i < N_JOIN; i++)
		x.ns_fds[i] = -1;
	autofree char *root = o->root != NULL ? xstrdup(o->root) : oci_default_root(err);
	pid_t pid = -1;
	int rc = -1;
	*status = 0;
	if (root == NULL || oci_state_read(root, o->id, &x.st, err) < 0)
		goto out;
	if (x.st.status != OCI_RUNNING) {
		err_msg(err, "cannot exec in container %s: it is %s", o->id,
			oci_status_name(x.st.status));
		goto out;
	}
	if (oci_state_spec(root, o->id, &x.spec, err) < 0 || build_process(&x, o, err) < 0 ||
	    open_namespaces(&x, err) < 0)
		goto out;
	if (x.spec.process.terminal &&
	    (x.console_fd = oci_unix_connect(o->console_socket, err)) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, x.sync) < 0) {
		err_sys(err, "creating the sync socket");
		goto out;
	}
	fflush(NULL);
	pid_t first = fork();
	if (first < 0) {
		err_sys(err, "forking");
		goto out;
	}
	if (first == 0) {
		close(x.sync[0]);
		exec_child(&x);
	}
	close(x.sync[1]);
	x.sync[1] = -1;
	if (drive(&x, first, o, &pid, err) < 0)
		goto out;
	rc = o->detach ? 0 : proc_wait(pid, status, err);
out:
	exec_ctx_clear(&x);
	return rc < 0 ? err_wrap(err, "exec in container %s", o->id) : 0;
}
