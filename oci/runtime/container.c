/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lifecycle on the runtime's side: create (state dir, start socket, the init cloned
 * and driven through the sync protocol of init.c), start, run, kill, delete, pause.
 * create commits by writing state.json last; any failure before that kills the init and
 * removes the state dir, so a failed create leaves nothing behind.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Move fd at or above min (the preserved fds stay where the caller put them). */
static int fd_above(int fd, int min)
{
	if (fd < 0 || fd >= min)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, min);
	close(fd);
	return n;
}

/* A sockaddr for path; long paths go through /proc/self/fd/DIRFD/NAME. */
static socklen_t sock_addr(struct sockaddr_un *sa, const char *path, int *dirfd)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	*dirfd = -1;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		autofree char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
		*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd,
			 strrchr(path, '/') + 1);
	} else {
		strcpy(sa->sun_path, path);
	}
	return sizeof(*sa);
}

static int listen_start(const char *path, struct error **err)
{
	struct sockaddr_un sa;
	autoclose int dirfd = -1;
	socklen_t len = sock_addr(&sa, path, &dirfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(err, "creating the start socket");
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 1) < 0) {
		err_sys(err, "binding the start socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int oci_unix_connect(const char *path, struct error **err)
{
	struct sockaddr_un sa;
	autoclose int dirfd = -1;
	socklen_t len = sock_addr(&sa, path, &dirfd);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(err, "creating a socket");
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		err_sys(err, "connecting to %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* One create in progress: what must be undone when it fails. */
struct creation {
	struct rt_spec spec;
	char *config_text;
	char *bundle;
	char *root;
	char *dir;
	pid_t stage1, init;
	int sync_fd;
	int start_conn; /* released early (oci_create_opts.start_conn) */
	struct rt_init in;
	struct rt_cgroups cg;
	/* Without a mount namespace: the mount at the rootfs before the init bound it, and
	 * the init's bind once it is created (what delete detaches). */
	uint64_t rootfs_mnt_before, rootfs_mnt;
};

static void creation_abort(struct creation *c)
{
	int status;
	if (c->init > 0) {
		kill(c->init, SIGKILL);
		proc_wait(c->init, &status, NULL);
	}
	if (c->stage1 > 0) {
		kill(c->stage1, SIGKILL);
		proc_wait(c->stage1, &status, NULL);
	}
	oci_cgroup_remove(&c->cg, NULL);
	/* A bind the init made in a shared mount namespace before it failed. */
	uint64_t now = c->rootfs_mnt_before != 0 ? oci_mount_id(c->spec.root_path) : 0;
	if (now != c->rootfs_mnt_before)
		oci_rootfs_release(c->spec.root_path, now, NULL);
	if (c->dir != NULL)
		fs_rm_rf(c->dir, NULL);
}

static void creation_clear(struct creation *c)
{
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	if (c->start_conn >= 0)
		close(c->start_conn);
	for (size_t i = 0; i < 16; i++)
		if (c->in.ns_fds[i] >= 0)
			close(c->in.ns_fds[i]);
	if (c->in.start_fd >= 0)
		close(c->in.start_fd);
	if (c->in.console_fd >= 0)
		close(c->in.console_fd);
	oci_spec_clear(&c->spec);
	free(c->config_text);
	free(c->bundle);
	free(c->root);
	free(c->dir);
	oci_cgroups_clear(&c->cg);
	oci_seccomp_prog_free(c->in.seccomp);
}

/* Whether our own single id is all the mapping needs, so it can be written directly. */
static bool is_own_id_map(const struct userns_map *m)
{
	return m->n_uids == 1 && m->n_gids == 1 && m->uids[0].count == 1 && m->gids[0].count == 1 &&
	       m->uids[0].outside == geteuid() && m->gids[0].outside == getegid();
}

/* Write /proc/PID/{uid,gid}_map ourselves: as root of our own namespace (podman runs us
 * inside its user namespace), or for the own-id mapping with setgroups denied. */
static int write_map_direct(pid_t pid, const struct userns_map *m, struct error **err)
{
	const struct userns_idmap *v[2] = { m->uids, m->gids };
	size_t n[2] = { m->n_uids, m->n_gids };
	static const char *const files[2] = { "uid_map", "gid_map" };
	char path[64];
	if (m->single) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || fs_write_all(fd, "deny", 4) < 0)
			return err_sys(err, "writing %s", path);
	}
	for (int k = 0; k < 2; k++) {
		char buf[4096];
		size_t len = 0;
		for (size_t i = 0; i < n[k] && len < sizeof(buf) - 64; i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%lu %lu %lu\n",
						v[k][i].inside, v[k][i].outside, v[k][i].count);
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, files[k]);
		autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || fs_write_all(fd, buf, len) < 0)
			return err_sys(err, "writing %s", path);
	}
	return 0;
}

static int apply_map(pid_t pid, const struct userns_map *m, struct error **err)
{
	if (geteuid() == 0 || m->single)
		return write_map_direct(pid, m, err);
	if (userns_apply_map(pid, m, err) < 0)
		return -1;
	return 0;
}

/* Everything the runtime checks and opens before the fork. */
static int creation_prepare(struct creation *c, const struct oci_create_opts *o, struct error **err)
{
	char real[PATH_MAX];
	if (realpath(o->bundle != NULL ? o->bundle : ".", real) == NULL)
		return err_sys(err, "bundle %s", o->bundle != NULL ? o->bundle : ".");
	c->bundle = xstrdup(real);
	if (oci_spec_load(c->bundle, &c->spec, &c->config_text, err) < 0)
		return -1;
	struct rt_spec *s = &c->spec;
	struct stat st;
	if (stat(s->root_path, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ENOENT, ERR_TOOL, "rootfs %s does not exist or is no directory",
			       s->root_path);
	if (s->process.terminal && o->console_socket == NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "process.terminal is true: --console-socket is required");
	s->lx.map.single = is_own_id_map(&s->lx.map);
	c->root = o->root != NULL ? xstrdup(o->root) : oci_default_root(err);
	if (c->root == NULL || fs_mkdir_p(c->root, 0700, err) < 0)
		return -1;
	if (oci_state_dir(c->root, o->id, &c->dir, err) < 0)
		return -1;
	if (mkdir(c->dir, 0700) < 0) {
		int e = errno;
		free(c->dir);
		c->dir = NULL; /* not ours: never remove it */
		if (e == EEXIST)
			return err_set(err, EEXIST, ERR_TOOL, "container with id %s already exists",
				       o->id);
		errno = e;
		return err_sys(err, "creating the state directory");
	}
	return 0;
}

static void warn_unsupported(const struct rt_spec *s)
{
	if (s->process.apparmor != NULL && !fs_exists("/sys/kernel/security/apparmor"))
		log_warn("apparmorProfile %s ignored: AppArmor is not enabled on this host",
			 s->process.apparmor);
	if (s->process.selinux != NULL && !fs_exists("/sys/fs/selinux/enforce"))
		log_warn("selinuxLabel ignored: SELinux is not enabled on this host");
	if (s->lx.mount_label != NULL)
		log_warn("linux.mountLabel ignored: hutch-runtime does not label mounts");
}

static int open_fds(struct creation *c, const struct oci_create_opts *o, struct error **err)
{
	struct rt_init *in = &c->in;
	int min = 3 + o->preserve_fds;
	const struct rt_linux *l = &c->spec.lx;
	if (l->n_ns > 16)
		return err_msg(err, "linux.namespaces: too many entries");
	for (size_t i = 0; i < l->n_ns; i++) {
		if (l->ns[i].path == NULL)
			continue;
		in->ns_fds[i] = fd_above(open(l->ns[i].path, O_RDONLY | O_CLOEXEC), min);
		if (in->ns_fds[i] < 0)
			return err_sys(err, "linux.namespaces[%zu]: opening %s", i, l->ns[i].path);
	}
	autofree char *sock = oci_state_start_sock(c->dir);
	in->start_fd = fd_above(listen_start(sock, err), min);
	if (in->start_fd < 0)
		return -1;
	if (o->console_socket != NULL && c->spec.process.terminal) {
		in->console_fd = fd_above(oci_unix_connect(o->console_socket, err), min);
		if (in->console_fd < 0)
			return -1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(err, "creating the sync socket");
	c->sync_fd = fd_above(sv[0], min);
	in->sync_fd = fd_above(sv[1], min);
	return 0;
}

static pid_t clone_stage1(struct creation *c)
{
	const struct rt_ns *user = oci_spec_ns(&c->spec, CLONE_NEWUSER);
	int flags = user != NULL && user->path == NULL ? CLONE_NEWUSER : 0;
	/* Nothing to join and no user namespace to map first (hutch's own containers, which
	 * start in one; podman's): the init is cloned into its namespaces at once, without a
	 * first child that unshares them and clones it (a fork and an exit less). */
	bool joins = false;
	for (size_t i = 0; i < c->spec.lx.n_ns; i++)
		joins |= c->spec.lx.ns[i].path != NULL;
	c->in.direct = user == NULL && !joins;
	if (c->in.direct)
		flags = oci_new_ns_flags(&c->spec);
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(c->sync_fd);
		oci_init_main(&c->in);
	}
	return pid;
}

/* The runtime's half of the sync protocol, up to "created". */
static int drive_init(struct creation *c, const struct oci_create_opts *o, struct error **err)
{
	const char *id = o->id;
	int fd = c->sync_fd;
	int32_t pid = 0;
	if (c->in.need_map) {
		if (oci_sync_expect(fd, RT_MSG_READY, "creating the user namespace", err) < 0 ||
		    apply_map(c->stage1, &c->spec.lx.map, err) < 0 ||
		    oci_sync_send(fd, RT_MSG_MAPPED, NULL, 0) < 0)
			return -1;
	}
	if (c->in.direct) {
		pid = c->stage1; /* the init itself */
	} else if (oci_sync_expect(fd, RT_MSG_PID, "creating the namespaces", err) < 0 ||
		   fs_read_all(fd, &pid, sizeof(pid)) != sizeof(pid)) {
		return err_msg(err, "creating the namespaces: no pid from the child");
	}
	c->init = pid;
	int status;
	if (!c->in.direct)
		proc_wait(c->stage1, &status, NULL);
	c->stage1 = 0;
	if (oci_cgroup_enter(&c->spec, id, pid, &c->cg, err) < 0)
		return -1;
	if (oci_sync_send(fd, RT_MSG_ACK, &pid, sizeof(pid)) < 0)
		return err_sys(err, "sync socket");
	/* While the init sets up: the caller's part, then the release (its accept waits). */
	if (o->prepare != NULL && o->prepare(o->prepare_arg, pid, err) < 0)
		return -1;
	if (o->start_conn != NULL && (c->start_conn = oci_start_release(c->dir, err)) < 0)
		return -1;
	char tag = 0;
	if (fs_read_all(fd, &tag, 1) != 1)
		return err_msg(err, "the container init died during setup");
	if (tag == RT_MSG_HOOKS) {
		struct rt_state st = { .id = (char *)id,
				       .bundle = c->bundle,
				       .pid = pid,
				       .status = OCI_CREATING,
				       .annotations = c->spec.annotations };
		autofree char *json = oci_state_json(&st, false);
		if (oci_hooks_run(&c->spec, RT_HOOK_PRESTART, json, err) < 0 ||
		    oci_hooks_run(&c->spec, RT_HOOK_CREATE_RUNTIME, json, err) < 0 ||
		    oci_sync_send(fd, RT_MSG_GO, NULL, 0) < 0)
			return -1;
		if (fs_read_all(fd, &tag, 1) != 1)
			return err_msg(err, "the container init died during setup");
	}
	if (tag == RT_MSG_ERROR && err_recv(fd, err) > 0)
		return -1;
	if (tag != RT_MSG_CREATED)
		return err_msg(err, "unexpected message '%c' from the container init", tag);
	return 0;
}

static int commit_state(struct creation *c, const struct oci_create_opts *o, struct error **err)
{
	bool zombie;
	struct rt_state st = {
		.id = (char *)o->id,
		.bundle = c->bundle,
		.rootfs = c->spec.root_path,
		.pid = c->init,
		.start_time = oci_proc_start_time(c->init, &zombie),
		.created = oci_now_rfc3339(),
		.cg = c->cg,
		.rootfs_mnt = c->rootfs_mnt,
		.owner = geteuid(),
		.annotations = c->spec.annotations,
		.has_poststart = c->spec.n_hooks[RT_HOOK_POSTSTART] > 0,
		.has_poststop = c->spec.n_hooks[RT_HOOK_POSTSTOP] > 0,
	};
	autofree char *cfg = xasprintf("%s/config.json", c->dir);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)c->init);
	int rc = 0;
	if (fs_write_replace(cfg, c->config_text, strlen(c->config_text), 0600, err) < 0 ||
	    (o->pid_file != NULL &&
	     fs_write_replace(o->pid_file, pid, strlen(pid), 0644, err) < 0) ||
	    oci_state_write(c->dir, &st, err) < 0)
		rc = -1;
	free(st.created);
	return rc;
}

/* create, keeping the init's pid for run. */
int oci_create_pid(const struct oci_create_opts *o, pid_t *init, struct error **err)
{
	struct creation c = { .sync_fd = -1,
			      .start_conn = -1,
			      .in = { .start_fd = -1, .console_fd = -1 } };
	for (size_t i = 0; i < 16; i++)
		c.in.ns_fds[i] = -1;
	if (creation_prepare(&c, o, err) < 0 || open_fds(&c, o, err) < 0)
		goto fail;
	warn_unsupported(&c.spec);
	const struct rt_ns *user = oci_spec_ns(&c.spec, CLONE_NEWUSER);
	c.in.spec = &c.spec;
	c.in.id = o->id;
	c.in.bundle = c.bundle;
	c.in.state_dir = c.dir;
	c.in.preserve_fds = o->preserve_fds;
	c.in.no_pivot = o->no_pivot;
	/* With a cache, the filter is compiled (or found) here, before the clone: the init
	 * cannot reach the cache once it has pivoted. */
	if (o->seccomp_cache != NULL &&
	    oci_seccomp_compile(c.spec.lx.seccomp, o->seccomp_cache, &c.in.seccomp, err) < 0)
		goto fail;
	c.in.need_map = user != NULL && user->path == NULL;
	if (oci_spec_ns(&c.spec, CLONE_NEWNS) == NULL)
		c.rootfs_mnt_before = oci_mount_id(c.spec.root_path);
	c.stage1 = clone_stage1(&c);
	if (c.stage1 < 0) {
		err_sys(err, "cloning the container process");
		goto fail;
	}
	if (drive_init(&c, o, err) < 0)
		goto fail;
	if (c.rootfs_mnt_before != 0 && oci_mount_id(c.spec.root_path) != c.rootfs_mnt_before)
		c.rootfs_mnt = oci_mount_id(c.spec.root_path);
	if (commit_state(&c, o, err) < 0)
		goto fail;
	if (init != NULL)
		*init = c.init;
	if (o->delete_has_work != NULL)
		*o->delete_has_work =
		    c.spec.n_hooks[RT_HOOK_POSTSTOP] > 0 || c.cg.made != NULL || c.rootfs_mnt != 0;
	if (o->has_poststart != NULL)
		*o->has_poststart = c.spec.n_hooks[RT_HOOK_POSTSTART] > 0;
	if (o->start_conn != NULL) {
		*o->start_conn = c.start_conn;
		c.start_conn = -1;
	}
	creation_clear(&c);
	return 0;
fail:
	creation_abort(&c);
	creation_clear(&c);
	return err_wrap(err, "creating container %s", o->id != NULL ? o->id : "");
}

int oci_container_create(const struct oci_create_opts *o, struct error **err)
{
	return oci_create_pid(o, NULL, err);
}
