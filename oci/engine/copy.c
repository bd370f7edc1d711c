/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hutch cp`, and the way into a container's files that it and volume filling share: a
 * child that is root in the container's user namespace, holding a dirfd on the container's
 * root. A running container's root is its init's /proc/PID/root (the child joins the init's
 * user namespace); a created or exited one gets its rootfs mounted in a fresh user and mount
 * namespace. Paths in the container are resolved with RESOLVE_IN_ROOT, so neither a symlink
 * nor ".." leads out of it; the copy itself is a tar stream (tarcopy.c).
 */
#include "oci/engine/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct root_job {
	struct storage *s;
	const char *id;
	ctr_root_fn fn;
	void *arg;
};

/* Stopped container: mount its rootfs in this (fresh) mount namespace. */
static int stopped_fn(void *arg, struct error **err)
{
	struct root_job *j = arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(err, "making the mount namespace private");
	autofree char *merged = NULL;
	if (storage_rootfs_mount(j->s, j->id, &merged, err) < 0)
		return -1;
	int rootfd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc = rootfd < 0 ? err_sys(err, "opening %s", merged) : j->fn(rootfd, j->arg, err);
	if (rootfd >= 0)
		close(rootfd);
	struct error *uerr = NULL;
	if (storage_rootfs_umount(j->s, j->id, &uerr) < 0)
		err_free(&uerr);
	return rc;
}

/* Running container: join its init's user namespace and work through /proc/PID/root. */
static int running(struct eng_ctr *c, ctr_root_fn fn, void *arg, struct error **err)
{
	autofree char *rootp = xasprintf("/proc/%d/root", (int)c->state.pid);
	autofree char *nsp = xasprintf("/proc/%d/ns/user", (int)c->state.pid);
	autoclose int rootfd = open(rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int nsfd = open(nsp, O_RDONLY | O_CLOEXEC);
	if (rootfd < 0 || nsfd < 0)
		return err_sys(err, "opening the root of container %s", c->name);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(err, "creating a sync socket");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking");
	if (pid == 0) {
		struct error *e = NULL;
		close(sv[0]);
		if (setns(nsfd, CLONE_NEWUSER) < 0)
			err_sys(&e, "joining the user namespace of container %s", c->name);
		else if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			err_sys(&e, "becoming root in container %s", c->name);
		else {
			(void)setgroups(0, NULL); /* denied with a single-id mapping */
			if (fn(rootfd, arg, &e) == 0)
				_exit(0);
		}
		err_send(sv[1], e);
		_exit(125);
	}
	close(sv[1]);
	int rc = err_recv(sv[0], err) > 0 ? -1 : 0;
	close(sv[0]);
	int status;
	if (proc_wait(pid, &status, rc < 0 ? NULL : err) < 0)
		return -1;
	if (rc == 0 && status != 0)
		return err_msg(err, "the copy in container %s failed (status %d)", c->name, status);
	return rc;
}

int ctr_with_root(struct eng *eng, struct eng_ctr *c, ctr_root_fn fn, void *arg, struct error **err)
{
	struct storage *s = eng->store;
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	ctr_state_load(eng, c);
	if (c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED) {
		close(lk);
		lk = -1;
		return running(c, fn, arg, err);
	}
	/* The lock keeps `start` out while the rootfs is mounted here. */
	enum storage_driver d;
	struct userns_map m;
	if (storage_driver_resolve(s, &d, err) < 0 || userns_default_map(&m, err) < 0)
		return -1;
	struct root_job j = { .s = s, .id = c->id, .fn = fn, .arg = arg };
	struct userns_child child;
	int rc = userns_spawn(&m, CLONE_NEWNS, stopped_fn, &j, &child, err);
	userns_map_clear(&m);
	if (rc < 0)
		return -1;
	int status;
	return proc_wait(child.pid, &status, err);
}

/* ---------- cp ---------- */

struct cp_job {
	const char *src, *dst; /* NULL: the tar stream on tar_fd */
	bool src_in_ctr, dst_in_ctr;
	int tar_fd;
	const char *ctr_name;
};

static unsigned long long resolve_for(bool in_ctr)
{
	return in_ctr ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS : 0;
}

/* docker cp: "SRC/." (or "/") copies the contents, not the directory. */
static bool is_contents(const char *src)
{
	size_t n = strlen(src);
	return strcmp(src, "/") == 0 || (n >= 2 && strcmp(src + n - 2, "/.") == 0);
}

static char *base_name(const char *p)
{
	autofree char *t = xstrdup(p);
	size_t n = strlen(t);
	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	const char *b = strrchr(t, '/');
	return xstrdup(b ? b + 1 : t);
}

static char *dir_name(const char *p)
{
	autofree char *t = xstrdup(p);
	size_t n = strlen(t);
	while (n > 1 && t[n - 1] == '/')
		t[--n] = '\0';
	char *slash = strrchr(t, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == t)
		return xstrdup("/");
	*slash = '\0';
	return xstrdup(t);
}

static const char *where(const struct cp_job *j, bool in_ctr)
{
	return in_ctr ? j->ctr_name : "the host";
}

/*
 * The directory entries go into and the name of the top entry: into DST when it is a
 * directory, else into its parent under DST's own name (docker cp's rules).
 */
static int cp_target(const struct cp_job *j, int rootfd, const char *src, int *tdir, char **top,
		     struct error **err)
{
	int base = j->dst_in_ctr ? rootfd : AT_FDCWD;
	unsigned long long res = resolve_for(j->dst_in_ctr);
	int fd = fs_openat2(base, j->dst, O_PATH | O_DIRECTORY, res);
	if (fd >= 0) {
		*tdir = fd;
		*top = is_contents(src) ? xstrdup(".") : base_name(src);
		if (strcmp(*top, "..") == 0 || strcmp(*top, ".") == 0)
			(free(*top), *top = xstrdup("."));
		return 0;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return err_sys(err, "\"%s\" in %s", j->dst, where(j, j->dst_in_ctr));
	size_t n = strlen(j->dst);
	if (errno == ENOENT && n > 0 && j->dst[n - 1] == '/')
		return err_set(err, ENOENT, ERR_TOOL,
			       "\"%s\" could not be found on %s: no such "
			       "directory",
			       j->dst, where(j, j->dst_in_ctr));
	autofree char *parent = dir_name(j->dst);
	fd = fs_openat2(base, parent, O_PATH | O_DIRECTORY, res);
	if (fd < 0)
		return err_set(err, errno, ERR_TOOL, "\"%s\" could not be found on %s: %s", parent,
			       where(j, j->dst_in_ctr), strerror(errno));
	*tdir = fd;
	*top = base_name(j->dst);
	return 0;
}

/* The tar writer in a child of ours, into the pipe that we extract from. */
int ctr_tar_copy(int srcfd, const char *top, int tdir, bool into_ctr, struct error **err)
{
	int p[2], sv[2];
	if (pipe2(p, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(err, "creating a pipe");
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking");
	if (pid == 0) {
		struct error *e = NULL;
		close(p[0]);
		close(sv[0]);
		if (ctr_tar_write(srcfd, top, p[1], &e) == 0)
			_exit(0);
		err_send(sv[1], e);
		_exit(125);
	}
	close(p[1]);
	close(sv[1]);
	struct error *xerr = NULL;
	int rc = ctr_tar_extract(p[0], tdir, into_ctr, &xerr);
	close(p[0]);
	/* The writer's error explains a broken stream better than the reader's. */
	if (err_recv(sv[0], err) > 0) {
		err_free(&xerr);
		rc = -1;
	} else if (rc < 0) {
		*err = xerr;
	}
	close(sv[0]);
	int status;
	proc_wait(pid, &status, NULL);
	return rc;
}

static int cp_fn(int rootfd, void *arg, struct error **err)
{
	const struct cp_job *j = arg;
	umask(0);
	if (j->src == NULL) {
		int base = j->dst_in_ctr ? rootfd : AT_FDCWD;
		autoclose int tdir =
		    fs_openat2(base, j->dst, O_PATH | O_DIRECTORY, resolve_for(j->dst_in_ctr));
		if (tdir < 0)
			return err_set(err, errno, ERR_TOOL, "\"%s\" could not be found on %s: %s",
				       j->dst, where(j, j->dst_in_ctr), strerror(errno));
		return ctr_tar_extract(j->tar_fd, tdir, j->dst_in_ctr, err);
	}
	int base = j->src_in_ctr ? rootfd : AT_FDCWD;
	/* The last component is not followed: a link is copied as a link (docker cp). */
	bool follow = is_contents(j->src) || j->src[strlen(j->src) - 1] == '/';
	autoclose int srcfd = fs_openat2(base, j->src, O_PATH | (follow ? 0 : O_NOFOLLOW),
					 resolve_for(j->src_in_ctr));
	if (srcfd < 0)
		return err_set(err, errno, ERR_TOOL, "\"%s\" could not be found on %s: %s", j->src,
			       where(j, j->src_in_ctr), strerror(errno));
	if (j->dst == NULL) {
		autofree char *top = is_contents(j->src) ? xstrdup(".") : base_name(j->src);
		return ctr_tar_write(srcfd, top, j->tar_fd, err);
	}
	autoclose int tdir = -1;
	autofree char *top = NULL;
	if (cp_target(j, rootfd, j->src, &tdir, &top, err) < 0)
		return -1;
	return ctr_tar_copy(srcfd, top, tdir, j->dst_in_ctr, err);
}

int eng_ctr_copy(struct eng *eng, struct eng_ctr *c, const char *src, bool src_in_ctr,
		 const char *dst, bool dst_in_ctr, int tar_fd, struct error **err)
{
	if ((src == NULL && src_in_ctr) || (dst == NULL && dst_in_ctr) ||
	    (src == NULL && dst == NULL))
		return err_set(err, EINVAL, ERR_USAGE,
			       "copying: only the host side can be a tar stream");
	struct cp_job j = { .src = src,
			    .dst = dst,
			    .src_in_ctr = src_in_ctr,
			    .dst_in_ctr = dst_in_ctr,
			    .tar_fd = tar_fd,
			    .ctr_name = c->name };
	autofree char *label = xasprintf("container %s", c->name);
	j.ctr_name = label;
	fflush(stdout);
	return ctr_with_root(eng, c, cp_fn, &j, err);
}
