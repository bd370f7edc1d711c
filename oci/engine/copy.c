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

/* A volume or bind mount of a stopped container: its files are at src on the host. */
struct cp_mount {
	char *dst, *src;
};

struct cp_job {
	/* As the user gave them (messages); NULL: the tar stream on tar_fd. */
	const char *src, *dst;
	/* Container paths made absolute from the working directory. */
	const char *src_abs, *dst_abs;
	bool src_in_ctr, dst_in_ctr;
	int tar_fd;
	const char *ctr_name; /* "container NAME" */
	/* Between two containers: the name of the stream's top entry (the writer gives it, the
	 * reader renames it), and on the reader's side the source as given. */
	const char *stream_top, *stream_src;
	/* A stopped container's volumes and binds, which paths below them reach. */
	const struct cp_mount *mounts;
	size_t n_mounts;
	struct ctr_tar_opts x; /* chown, uid, gid and overwrite; cp_fn sets the rest */
};

static unsigned long long resolve_for(bool in_ctr)
{
	return in_ctr ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS : 0;
}

/* docker cp: "SRC/." (or "/") copies the contents, not the directory. */
static bool is_contents(const char *src)
{
	size_t n = strlen(src);
	return strcmp(src, "/") == 0 || strcmp(src, ".") == 0 ||
	       (n >= 2 && strcmp(src + n - 2, "/.") == 0);
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

/* "/a//b/./c/../d" as "/a/b/d" (lexically, as Go's filepath.Clean), for matching mounts. */
static char *clean_path(const char *p)
{
	char *out = xzalloc(strlen(p) + 2);
	size_t o = 0;
	for (const char *c = p; *c;) {
		size_t l = strcspn(c, "/");
		if (l == 0 || (l == 1 && c[0] == '.')) {
			/* nothing */
		} else if (l == 2 && c[0] == '.' && c[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else {
			out[o++] = '/';
			memcpy(out + o, c, l);
			o += l;
		}
		c += l + (c[l] == '/');
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

static const char *where(const struct cp_job *j, bool in_ctr)
{
	return in_ctr ? j->ctr_name : "the host";
}

/* podman's (Go's) words for an errno: strerror in lower case. */
static char *go_strerror(int e)
{
	char *s = xstrdup(strerror(e));
	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
	return s;
}

static int not_found(struct error **err, const struct cp_job *j, const char *path, bool in_ctr,
		     int e)
{
	autofree char *why = go_strerror(e);
	return err_set(err, e, ERR_TOOL, "\"%s\" could not be found on %s: %s", path,
		       where(j, in_ctr), why);
}

/*
 * Open path (absolute when in the container) with flags, following links inside the
 * container's root. In a stopped container a path at or below a volume or bind mount is
 * that mount's source on the host (resolved inside it), as the container will see it.
 */
static int open_at(const struct cp_job *j, int rootfd, bool in_ctr, const char *path, int flags)
{
	if (!in_ctr)
		return fs_openat2(AT_FDCWD, path, flags, 0);
	autofree char *clean = clean_path(path);
	const struct cp_mount *best = NULL;
	size_t blen = 0;
	for (size_t i = 0; i < j->n_mounts; i++) {
		autofree char *d = clean_path(j->mounts[i].dst);
		size_t l = strcmp(d, "/") == 0 ? 0 : strlen(d);
		if (strncmp(clean, d, l) == 0 && (clean[l] == '/' || clean[l] == '\0') &&
		    (best == NULL || l > blen)) {
			best = &j->mounts[i];
			blen = l;
		}
	}
	if (best == NULL)
		return fs_openat2(rootfd, path, flags, resolve_for(true));
	if (clean[blen] == '\0' || strcmp(clean + blen, "/") == 0)
		return open(best->src, flags | O_CLOEXEC);
	autoclose int base = open(best->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -1;
	return fs_openat2(base, clean + blen, flags, resolve_for(true));
}

/*
 * The directory entries go into and the name of the top entry: into DST when it is a
 * directory, else into its parent under DST's own name (docker cp's rules). A link at DST
 * is followed, one to nothing too (podman makes the file it names). src_dir: the source is
 * a directory; *is_file: DST is an existing non-directory. *label: the target as podman's
 * messages name it.
 */
static int cp_target(const struct cp_job *j, int rootfd, const char *src, bool src_dir, int *tdir,
		     char **top, char **label, bool *is_file, struct error **err)
{
	bool in = j->dst_in_ctr;
	autofree char *path = xstrdup(in ? j->dst_abs : j->dst);
	size_t n = strlen(j->dst);
	bool want_dir = n > 0 && j->dst[n - 1] == '/';
	*is_file = false;
	for (int hops = 0;; hops++) {
		int fd = open_at(j, rootfd, in, path, O_PATH);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			*tdir = fd;
			*top = is_contents(src) ? xstrdup(".") : base_name(src);
			if (strcmp(*top, "..") == 0 || strcmp(*top, "/") == 0)
				(free(*top), *top = xstrdup("."));
			*label = xstrdup(in ? path : "");
			return 0;
		}
		if (fd >= 0) {
			close(fd);
			if (!in && !S_ISREG(st.st_mode))
				return err_set(err, EINVAL, ERR_TOOL,
					       "invalid destination: \"%s\" must be a directory or "
					       "a regular file",
					       j->dst);
			if (src_dir)
				return err_set(err, ENOTDIR, ERR_TOOL,
					       "destination must be a directory when copying a "
					       "directory");
			*is_file = true;
			break;
		}
		if (errno != ENOENT || want_dir)
			return not_found(err, j, j->dst, in, errno);
		/* Missing, or a link to nothing: then the path it names. */
		autofree char *parent = dir_name(path);
		autofree char *b = base_name(path);
		autoclose int pfd = open_at(j, rootfd, in, parent, O_PATH | O_DIRECTORY);
		if (pfd < 0)
			return not_found(err, j, j->dst, in, errno);
		char target[4096];
		ssize_t tn = readlinkat(pfd, b, target, sizeof(target) - 1);
		if (tn <= 0 || hops >= 40)
			break;
		target[tn] = '\0';
		char *next = target[0] == '/'		? xstrdup(target)
			     : strcmp(parent, "/") == 0 ? xasprintf("/%s", target)
							: xasprintf("%s/%s", parent, target);
		free(path);
		path = next;
	}
	autofree char *parent = dir_name(path);
	int fd = open_at(j, rootfd, in, parent, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return not_found(err, j, j->dst, in, errno);
	*tdir = fd;
	*top = base_name(path);
	*label = xstrdup(in ? parent : "");
	return 0;
}

/* The tar writer in a child of ours, into the pipe that we extract from. */
int ctr_tar_copy(int srcfd, const char *top, int tdir, const struct ctr_tar_opts *o,
		 struct error **err)
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
	int rc = ctr_tar_extract(p[0], tdir, o, &xerr);
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

/* Into the container from the caller's stream: DST must be a directory there. */
static int cp_from_stream(const struct cp_job *j, int rootfd, struct error **err)
{
	struct ctr_tar_opts x = j->x;
	x.into_ctr = true;
	if (j->stream_src == NULL) {
		autoclose int tdir = open_at(j, rootfd, true, j->dst_abs, O_PATH | O_DIRECTORY);
		if (tdir < 0)
			return err_set(err, ENOTDIR, ERR_TOOL,
				       "destination must be a directory when copying from stdin");
		x.label = j->dst_abs;
		x.from_stdin = x.make_parents = true;
		return ctr_tar_extract(j->tar_fd, tdir, &x, err);
	}
	/* From another container: its stream's top entry is named j->stream_top. */
	autoclose int tdir = -1;
	autofree char *top = NULL, *label = NULL;
	bool is_file;
	if (cp_target(j, rootfd, j->stream_src, false, &tdir, &top, &label, &is_file, err) < 0)
		return -1;
	x.label = label;
	x.rename_from = j->stream_top;
	x.rename_to = top;
	x.top_not_dir = is_file;
	return ctr_tar_extract(j->tar_fd, tdir, &x, err);
}

static int cp_fn(int rootfd, void *arg, struct error **err)
{
	const struct cp_job *j = arg;
	umask(0);
	if (j->src == NULL)
		return cp_from_stream(j, rootfd, err);
	/* Links are followed, inside the container's root (podman's cp). */
	autoclose int srcfd =
	    open_at(j, rootfd, j->src_in_ctr, j->src_in_ctr ? j->src_abs : j->src, O_PATH);
	struct stat st;
	if (srcfd < 0 || fstat(srcfd, &st) < 0)
		return not_found(err, j, j->src, j->src_in_ctr, errno);
	if (j->dst == NULL) {
		autofree char *top = j->stream_top	   ? xstrdup(j->stream_top)
				     : is_contents(j->src) ? xstrdup(".")
							   : base_name(j->src);
		return ctr_tar_write(srcfd, top, j->tar_fd, err);
	}
	autoclose int tdir = -1;
	autofree char *top = NULL, *label = NULL;
	bool is_file;
	if (cp_target(j, rootfd, j->src, S_ISDIR(st.st_mode), &tdir, &top, &label, &is_file, err) <
	    0)
		return -1;
	struct ctr_tar_opts x = j->x;
	x.into_ctr = j->dst_in_ctr;
	x.label = label;
	return ctr_tar_copy(srcfd, top, tdir, &x, err);
}

/* A container path as given, absolute from its working directory (owned). */
static char *ctr_abs(const struct eng_ctr *c, const char *p)
{
	if (p == NULL || p[0] == '/')
		return p ? xstrdup(p) : NULL;
	const char *wd = json_str(c->doc, "WorkingDir");
	if (wd == NULL || wd[0] != '/')
		wd = "/";
	size_t n = strlen(wd);
	return xasprintf("%s%s%s", wd, wd[n - 1] == '/' ? "" : "/", p);
}

/* The volumes and binds of a container that does not run (their paths are read from its
 * record); none for a running one, whose root shows them. */
static struct cp_mount *cp_mounts(struct eng_ctr *c, size_t *n)
{
	*n = 0;
	ctr_state_load(c->eng, c);
	if (c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED)
		return NULL;
	struct json_object *ms = json_get_type(c->doc, "Mounts", json_type_array);
	struct cp_mount *v = xcalloc(json_len(ms) + 1, sizeof(*v));
	for (size_t i = 0; i < json_len(ms); i++) {
		struct json_object *m = json_idx(ms, i);
		const char *t = json_str(m, "Type"), *src = json_str(m, "Source"),
			   *dst = json_str(m, "Destination");
		if (t == NULL || strcmp(t, "tmpfs") == 0 || src == NULL || *src == '\0' ||
		    dst == NULL || dst[0] != '/')
			continue;
		v[*n].dst = xstrdup(dst);
		v[*n].src = xstrdup(src);
		(*n)++;
	}
	return v;
}

static void cp_mounts_free(struct cp_mount *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].dst);
		free(v[i].src);
	}
	free(v);
}

/* With --archive: into a container the files belong to its user (config.json's). */
static void cp_owner(struct eng_ctr *c, const struct eng_copy_opts *o, struct ctr_tar_opts *x)
{
	x->overwrite = o != NULL && o->overwrite;
	if (o != NULL && o->keep_owner)
		return;
	x->chown = true;
	autofree char *dir = eng_ctr_dir(c->eng, c->id);
	autofree char *path = xasprintf("%s/config.json", dir);
	struct json_object *spec = json_file_at(AT_FDCWD, path, 1 << 24);
	struct json_object *user = json_get(json_get(spec, "process"), "user");
	x->uid = (uid_t)json_object_get_int64(json_get(user, "uid"));
	x->gid = (gid_t)json_object_get_int64(json_get(user, "gid"));
	json_object_put(spec);
}

static int copy_job(struct eng *eng, struct eng_ctr *c, struct cp_job *j, struct error **err)
{
	autofree char *label = xasprintf("container %s", c->name);
	j->ctr_name = label;
	size_t nm = 0;
	struct cp_mount *mounts = cp_mounts(c, &nm);
	j->mounts = mounts;
	j->n_mounts = nm;
	fflush(stdout);
	int rc = ctr_with_root(eng, c, cp_fn, j, err);
	cp_mounts_free(mounts, nm);
	return rc;
}

int eng_ctr_copy(struct eng *eng, struct eng_ctr *c, const char *src, bool src_in_ctr,
		 const char *dst, bool dst_in_ctr, int tar_fd, const struct eng_copy_opts *o,
		 struct error **err)
{
	if ((src == NULL && src_in_ctr) || (dst == NULL && dst_in_ctr) ||
	    (src == NULL && dst == NULL))
		return err_set(err, EINVAL, ERR_USAGE,
			       "copying: only the host side can be a tar stream");
	autofree char *sabs = src_in_ctr ? ctr_abs(c, src) : NULL;
	autofree char *dabs = dst_in_ctr ? ctr_abs(c, dst) : NULL;
	struct cp_job j = { .src = src,
			    .dst = dst,
			    .src_abs = sabs,
			    .dst_abs = dabs,
			    .src_in_ctr = src_in_ctr,
			    .dst_in_ctr = dst_in_ctr,
			    .tar_fd = tar_fd };
	if (dst_in_ctr)
		cp_owner(c, o, &j.x);
	else
		j.x.overwrite = o != NULL && o->overwrite;
	return copy_job(eng, c, &j, err);
}

int eng_ctr_copy_between(struct eng *eng, struct eng_ctr *from, const char *src, struct eng_ctr *to,
			 const char *dst, const struct eng_copy_opts *o, struct error **err)
{
	autofree char *sabs = ctr_abs(from, src);
	autofree char *dabs = ctr_abs(to, dst);
	if (strcmp(from->id, to->id) == 0) {
		/* One container: one pass, both paths in its root. */
		struct cp_job j = { .src = src,
				    .dst = dst,
				    .src_abs = sabs,
				    .dst_abs = dabs,
				    .src_in_ctr = true,
				    .dst_in_ctr = true,
				    .tar_fd = -1 };
		cp_owner(to, o, &j.x);
		return copy_job(eng, to, &j, err);
	}
	/* A writer in the source container and a reader in the target, joined by a pipe. */
	static const char top[] = "top";
	int p[2], sv[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(err, "creating a socket");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		err_sys(err, "forking");
		for (int k = 0; k < 2; k++)
			close(p[k]), close(sv[k]);
		return -1;
	}
	if (pid == 0) {
		struct error *e = NULL;
		close(p[0]);
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		struct cp_job w = { .src = src,
				    .src_abs = sabs,
				    .src_in_ctr = true,
				    .tar_fd = p[1],
				    .stream_top = top };
		if (copy_job(eng, from, &w, &e) == 0)
			_exit(0);
		err_send(sv[1], e);
		_exit(125);
	}
	close(p[1]);
	close(sv[1]);
	struct cp_job r = { .dst = dst,
			    .dst_abs = dabs,
			    .dst_in_ctr = true,
			    .tar_fd = p[0],
			    .stream_top = top,
			    .stream_src = src };
	cp_owner(to, o, &r.x);
	struct error *rerr = NULL;
	int rc = copy_job(eng, to, &r, &rerr);
	close(p[0]);
	struct error *werr = NULL;
	bool wfailed = err_recv(sv[0], &werr) > 0;
	close(sv[0]);
	int status;
	proc_wait(pid, &status, NULL);
	/* The source's error first (podman checks it first), unless it only says that the
	 * reader stopped reading. */
	if (wfailed && (rc == 0 || werr->code != EPIPE)) {
		err_free(&rerr);
		*err = werr;
		return -1;
	}
	err_free(&werr);
	if (rc < 0) {
		*err = rerr;
		return -1;
	}
	return 0;
}
