/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small fs helpers. fs_write_atomic is the only way hutch writes state: temp file in the
 * same directory, fsync, rename, fsync of the directory, so a crash leaves the old or the
 * new content, never a torn file.
 */
#include "lib/lib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else /* musl's headers (the static monitor's build): the kernel's ABI */
struct open_how {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t fs_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

/* renameat2(RENAME_EXCHANGE), by its syscall: musl (the monitor's libc) has no wrapper. */
static int exchange(const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static int write_temp_rename(const char *path, const void *data, size_t len, mode_t mode, bool sync,
			     struct error **err)
{
	autofree char *dir = dir_of(path);
	autofree char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "creating a temporary file for %s", path);
	if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		err_sys(err, "writing %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		err_sys(err, "writing %s", tmp);
		unlink(tmp);
		return -1;
	}
	/*
	 * Without the fsyncs, over an existing file: swap the two and drop the old one. A plain
	 * rename over a file makes ext4 start writing the new one back there and then
	 * (auto_da_alloc, for programs that replace files without fsync): block I/O on the
	 * way of every container start, for state that needs no more than rename's atomicity.
	 * No file there yet (ENOENT), or no exchange on this filesystem: a plain rename.
	 */
	if (!sync && exchange(tmp, path) == 0) {
		if (unlink(tmp) == 0 || errno == ENOENT)
			return 0;
		/* A directory was there (now at tmp): put it back, fail as rename would. */
		int e = errno == EISDIR || errno == EPERM ? EISDIR : errno;
		(void)exchange(tmp, path);
		unlink(tmp);
		errno = e;
		return err_sys(err, "renaming %s to %s", tmp, path);
	}
	if (rename(tmp, path) < 0) {
		err_sys(err, "renaming %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	if (sync) {
		autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0)
			(void)fsync(dfd);
	}
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct error **err)
{
	return write_temp_rename(path, data, len, mode, true, err);
}

int fs_write_replace(const char *path, const void *data, size_t len, mode_t mode,
		     struct error **err)
{
	return write_temp_rename(path, data, len, mode, false, err);
}

void fs_sweep_aside(const char *path, const char *suffix)
{
	autofree char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/');
	const char *dir = slash == NULL ? "." : slash == copy ? "/" : copy;
	const char *base = slash == NULL ? copy : slash + 1;
	if (slash != NULL)
		*slash = '\0';
	autofree char *prefix = xasprintf("%s.tmp-", base);
	size_t plen = strlen(prefix);
	autoclosedir DIR *d = opendir(dir);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		const char *nm = de->d_name;
		if (strncmp(nm, prefix, plen) != 0)
			continue;
		char *end = NULL;
		errno = 0;
		long pid = strtol(nm + plen, &end, 10);
		if (errno != 0 || end == nm + plen || pid <= 0 || pid > INT_MAX || *end != '-' ||
		    strcmp(end + 1, suffix) != 0)
			continue;
		/* ESRCH only: EPERM is a live process of another user. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (unlinkat(dirfd(d), nm, 0) < 0 && errno != ENOENT)
			log_debug("removing %s/%s: %s", dir, nm, strerror(errno));
	}
}

int fs_mkdir_p(const char *path, mode_t mode, struct error **err)
{
	if (path == NULL || *path == '\0')
		return err_set(err, EINVAL, ERR_TOOL, "creating a directory: empty path");
	autofree char *copy = xstrdup(path);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	/* Mostly it is there already, or only its last part is missing: one mkdir. */
	bool walk = false;
	if (mkdir(copy, mode) < 0) {
		if (errno != EEXIST && errno != ENOENT)
			return err_sys(err, "creating directory %s", copy);
		walk = errno == ENOENT;
	}
	for (char *p = copy + 1; walk; p++) {
		bool end = *p == '\0';
		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return err_sys(err, "creating directory %s", copy);
		if (!end)
			*p = '/';
		else
			break;
	}
	struct stat st;
	if (stat(copy, &st) < 0)
		return err_sys(err, "creating directory %s", copy);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, ENOTDIR, ERR_TOOL, "creating directory %s: not a directory",
			       copy);
	return 0;
}

int fs_read_fd(int fd, size_t max, char **out, size_t *len, struct error **err)
{
	size_t cap = max < 4096 ? max + 1 : 4096, n = 0;
	autofree char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			/* One byte past max tells "exactly max" from "too large". */
			if (cap > max)
				return err_set(err, EFBIG, ERR_TOOL, "larger than %zu bytes", max);
			cap = cap * 2 > max ? max + 1 : cap * 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys(err, "reading");
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max)
		return err_set(err, EFBIG, ERR_TOOL, "larger than %zu bytes", max);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening %s", path);
	if (fs_read_fd(fd, max, out, len, err) < 0)
		return err_wrap(err, "%s", path);
	return 0;
}

int fs_fchmod(int fd, mode_t mode)
{
	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return -1;
	/* An O_PATH fd: its magic link is the inode itself (a symlink's is refused). */
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, mode);
}

int fs_futimens(int fd, const struct timespec ts[2])
{
	/* AT_EMPTY_PATH: the fd's own inode, O_PATH and symlinks included. */
	if (utimensat(fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	/* Kernels whose utimensat has no AT_EMPTY_PATH: through the magic link. */
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return utimensat(AT_FDCWD, proc, ts, 0);
}

/*
 * Deeper than this, fs_rm_rf moves a directory up to the top of the tree it removes (a
 * later pass takes it) instead of descending: one fd a level would run out of fds in a tree
 * as deep as a container cares to make it, and leave the tree there for good.
 */
#define RM_MAX_DEPTH 128

struct rm_walk {
	int top;	/* the directory being emptied */
	dev_t dev;	/* its device, never left */
	unsigned moved; /* directories moved up so far (their names) */
	bool again;	/* one was moved up: another pass */
};

/* A directory to empty, opened without following it, readable and writable for us. */
static int open_to_empty(int dfd, const char *name, const struct stat *st)
{
	int cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0 && errno == EACCES) {
		/* Ours but not readable: chmod through an fd, as by name it would follow a
		 * link swapped in meanwhile; then open that very directory. */
		int pfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pfd >= 0 && fs_fchmod(pfd, 0700) == 0)
			cfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int e = errno;
		if (pfd >= 0)
			close(pfd);
		errno = e;
	}
	/* One we own but cannot write: made writable to empty it. */
	if (cfd >= 0 && (st->st_mode & 0700) != 0700)
		(void)fchmod(cfd, 0700);
	return cfd;
}

/* Move the directory name in dfd up to w->top under a name of ours (RM_MAX_DEPTH). */
static int move_up(struct rm_walk *w, int dfd, const char *name)
{
	for (;;) {
		char up[32];
		snprintf(up, sizeof(up), ".rm-%u", w->moved++);
		if (syscall(SYS_renameat2, dfd, name, w->top, up, RENAME_NOREPLACE) == 0 ||
		    errno == ENOENT) {
			w->again = true;
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
}

/* Remove everything below the directory fd (depth levels below the top), which is ours to
 * close: one fd a level. */
static int rm_children_at(struct rm_walk *w, int fd, int depth, const char *path,
			  struct error **err)
{
	autoclosedir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		errno = e;
		return err_sys(err, "removing %s", path);
	}
	int dfd = dirfd(d);
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return err_sys(err, "removing %s/%s", path, de->d_name);
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
				return err_sys(err, "removing %s/%s", path, de->d_name);
			continue;
		}
		if (st.st_dev != w->dev)
			return err_set(err, EXDEV, ERR_TOOL,
				       "removing %s/%s: a mount point is in the way", path,
				       de->d_name);
		if (depth >= RM_MAX_DEPTH) {
			if (move_up(w, dfd, de->d_name) < 0)
				return err_sys(err, "removing %s/%s", path, de->d_name);
			continue;
		}
		int cfd = open_to_empty(dfd, de->d_name, &st);
		if (cfd < 0 && errno == ENOENT)
			continue; /* removed meanwhile by someone else: fine */
		if (cfd < 0)
			return err_sys(err, "removing %s/%s", path, de->d_name);
		autofree char *sub = xasprintf("%s/%s", path, de->d_name);
		if (rm_children_at(w, cfd, depth + 1, sub, err) < 0)
			return -1;
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return err_sys(err, "removing %s", sub);
	}
	if (errno != 0)
		return err_sys(err, "reading directory %s", path);
	return 0;
}

int fs_rm_rf(const char *path, struct error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(err, "removing %s", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return err_sys(err, "removing %s", path);
		return 0;
	}
	autoclose int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return err_sys(err, "removing %s", path);
	if ((st.st_mode & 0700) != 0700)
		(void)fchmod(fd, 0700);
	struct rm_walk w = { .top = fd, .dev = st.st_dev, .again = true };
	while (w.again) {
		w.again = false;
		/* A new open of the directory, not a dup: each pass reads it from the start. */
		int pass = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rm_children_at(&w, pass, 0, path, err) < 0)
			return -1;
	}
	if (rmdir(path) < 0 && errno != ENOENT)
		return err_sys(err, "removing %s", path);
	return 0;
}

char *fs_find_in_path(const char *name)
{
	if (name == NULL || *name == '\0')
		return NULL;
	/* A path is taken as it is: exec reports EACCES or ENOEXEC for it, not "not found". */
	if (strchr(name, '/') != NULL)
		return fs_exists(name) ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	autofree char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir != NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		autofree char *full = xasprintf("%s/%s", *dir ? dir : ".", name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return steal_ptr(&full);
	}
	return NULL;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int fs_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC), .resolve = resolve };
	int fd;
	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN); /* a rename raced the resolution */
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	if (resolve == 0)
		return openat(dirfd, path, flags | O_CLOEXEC);
	return fs_resolve_walk(dirfd, path, flags, resolve, FS_CREATE_NONE);
}

int fs_open_in_root(int rootfd, const char *path, int flags, enum fs_create create)
{
	const uint64_t resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	int fd = fs_openat2(rootfd, path, flags, resolve);
	/* The kernel's resolution stops at what is missing; making it takes the walk. */
	if (fd >= 0 || errno != ENOENT || create == FS_CREATE_NONE)
		return fd;
	return fs_resolve_walk(rootfd, path, flags, resolve, create);
}

/* The walk's directories, the starting one first: ".." pops one, never that one. */
struct walk {
	int fds[PATH_MAX / 2];
	int depth;
};

static void walk_reset(struct walk *w)
{
	while (w->depth > 0)
		close(w->fds[w->depth--]);
}

/* Make the missing name in dirfd: a directory unless it is the last part of a file. */
static int walk_make(int dirfd, const char *name, bool file)
{
	if (!file)
		return mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	/* O_EXCL: never through a symlink that appeared meanwhile. */
	int f = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (f < 0)
		return errno == EEXIST ? 0 : -1;
	close(f);
	return 0;
}

int fs_resolve_walk(int dirfd, const char *path, int flags, uint64_t resolve, enum fs_create create)
{
	bool beneath = (resolve & RESOLVE_BENEATH) != 0, no_xdev = (resolve & RESOLVE_NO_XDEV) != 0;
	if (!beneath && !(resolve & RESOLVE_IN_ROOT)) {
		errno =
		    EINVAL; /* an absolute link would mean the real root: not what this is for */
		return -1;
	}
	struct walk w = { .depth = 0 };
	w.fds[0] = dirfd;
	struct stat top;
	if (fstat(dirfd, &top) < 0)
		return -1;
	/* What is left to resolve; a symlink's target is put in front of it. */
	char *rest = xstrdup(path), *freeme = rest;
	int links = 0, fd = -1, e = 0;
	if (beneath && *rest == '/') {
		e = EXDEV;
		goto out;
	}
	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0') {
			/* The start itself, or a path that ended in "." or "..". */
			fd = openat(w.fds[w.depth], ".", flags | O_CLOEXEC);
			e = errno;
			break;
		}
		char *name = rest, *slash = strchr(rest, '/');
		rest = slash != NULL ? slash + 1 : rest + strlen(rest);
		if (slash != NULL)
			*slash = '\0';
		bool last = rest[strspn(rest, "/")] == '\0';
		/* "name/" at the end: a directory, as the kernel wants it. */
		int dir_flag = last && slash != NULL ? O_DIRECTORY : 0;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (w.depth > 0)
				close(w.fds[w.depth--]);
			else if (beneath) {
				e = EXDEV;
				break;
			}
			continue;
		}
		int dir = w.fds[w.depth];
		struct stat st;
		if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT || create == FS_CREATE_NONE ||
			    walk_make(dir, name, last && !dir_flag && create == FS_CREATE_FILE) <
				0) {
				e = errno;
				break;
			}
			if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				e = errno;
				break;
			}
		}
		/* A mount point shows as another device (one of the same filesystem does not:
		 * the kernel's check is finer). */
		if (no_xdev && st.st_dev != top.st_dev) {
			e = EXDEV;
			break;
		}
		bool follow = !(last && (flags & O_NOFOLLOW));
		if (S_ISLNK(st.st_mode) && follow) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(dir, name, target, sizeof(target));
			if (++links > 40 || n < 0 || (size_t)n >= sizeof(target)) {
				e = n < 0 ? errno : links > 40 ? ELOOP : ENAMETOOLONG;
				break;
			}
			target[n] = '\0';
			if (target[0] == '/' && beneath) {
				e = EXDEV;
				break;
			}
			if (target[0] == '/')
				walk_reset(&w);
			/* A slash after the link (or more path) stays after its target. */
			char *next = xasprintf("%s%s%s", target, *rest || slash ? "/" : "", rest);
			free(freeme);
			rest = freeme = next;
			continue;
		}
		if (last) {
			/* O_NOFOLLOW: a symlink swapped in since the stat is not followed. */
			fd = openat(dir, name, flags | dir_flag | O_NOFOLLOW | O_CLOEXEC);
			e = errno;
			struct stat fst;
			if (follow && fd >= 0 && fstat(fd, &fst) == 0 && S_ISLNK(fst.st_mode)) {
				close(fd);
				fd = -1;
				e = ELOOP;
			}
			break;
		}
		if ((size_t)w.depth + 1 >= sizeof(w.fds) / sizeof(w.fds[0])) {
			e = ENAMETOOLONG;
			break;
		}
		int sub = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			e = errno;
			break;
		}
		w.fds[++w.depth] = sub;
	}
out:
	walk_reset(&w);
	free(freeme);
	if (fd < 0)
		errno = e;
	return fd;
}

int fs_lock(const char *path, int open_flags, int op)
{
	int fd = open(path, open_flags | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
