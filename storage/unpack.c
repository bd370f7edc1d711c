/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer unpack: a compressed tar stream (gzip, zstd or plain; libarchive's filters) is
 * hashed uncompressed for the diff ID and written into one layer directory.
 * Containment: every parent is opened with openat2(RESOLVE_IN_ROOT) relative to the
 * layer dir, so neither an absolute name nor a planted symlink can reach outside it;
 * names that climb out with ".." are refused, as containers/storage does. The final
 * component is never followed (O_NOFOLLOW, *at(..., AT_SYMLINK_NOFOLLOW)).
 * Whiteouts become the overlay form both kernel overlay (userxattr) and fuse-overlayfs
 * read: a 0/0 character device for .wh.NAME, user.overlay.opaque=y for .wh..wh..opq.
 * Size: every decompressed byte is counted against the caller's budget, before anything is
 * written, so a decompression bomb stops at the budget rather than at the disk's end.
 */
#include "storage/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define RAW_BUF (256 << 10)
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define OPAQUE_XATTR "user.overlay.opaque"

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpacker {
	int fd;		     /* compressed input */
	int root;	     /* layer dir */
	struct archive *raw; /* decompressor */
	struct sha256_ctx *diff;
	int64_t size;
	struct unpack_budget *budget; /* or NULL */
	bool over_budget;
	char *buf;
	/* one cached parent directory: most entries share their predecessor's */
	char *cache_path;
	int cache_fd;
	struct dir_time *dirs;
	size_t n_dirs;
	bool cache_stale;  /* drop the cached parent before the next entry */
	bool cache_setgid; /* the cached parent is setgid: new files may not be 0:0 */
	bool warned_dev, warned_xattr;
	bool root_mode_set; /* the layer lists its root: root_mode is its mode */
	mode_t root_mode;
	char fdbuf[RAW_BUF];
};

static long openat2_in(int root, const char *path, int flags)
{
	long fd;
	do
		fd = fs_openat2(root, path, flags,
				RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static ssize_t raw_read_cb(struct archive *a, void *arg, const void **buf)
{
	struct unpacker *u = arg;
	for (;;) {
		ssize_t n = read(u->fd, u->fdbuf, sizeof(u->fdbuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			archive_set_error(a, errno, "reading the layer stream");
		*buf = u->fdbuf;
		return n;
	}
}

/* Count n decompressed bytes; false once the budget is spent (every layer sharing it stops). */
static bool spend(struct unpacker *u, int64_t n)
{
	u->size += n;
	if (u->budget == NULL || atomic_fetch_sub(&u->budget->left, n) >= n)
		return true;
	u->over_budget = true;
	return false;
}

static ssize_t tar_read_cb(struct archive *a, void *arg, const void **buf)
{
	struct unpacker *u = arg;
	la_ssize_t n = archive_read_data(u->raw, u->buf, RAW_BUF);
	if (n < 0) {
		archive_set_error(a, EIO, "%s", archive_error_string(u->raw));
		return -1;
	}
	if (!spend(u, n)) {
		archive_set_error(a, EFBIG, "over the size budget");
		return -1;
	}
	sha256_update(u->diff, u->buf, (size_t)n);
	*buf = u->buf;
	return n;
}

/* Normalise an entry name: strip "/" and "./" prefixes; refuse ".." components. */
static int clean_name(const char *in, char **out, struct error **err)
{
	while (*in == '/')
		in++;
	autofree char *s = xstrdup(in);
	autostrv char **parts = xcalloc(1, sizeof(char *));
	for (char *save = NULL, *p = strtok_r(s, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0)
			return err_set(err, EPERM, ERR_TOOL,
				       "refusing tar entry \"%s\": \"..\" "
				       "would leave the layer",
				       in);
		strv_push(&parts, p);
	}
	size_t total = 1;
	for (size_t i = 0; parts[i]; i++)
		total += strlen(parts[i]) + 1;
	char *r = xzalloc(total);
	for (size_t i = 0; parts[i]; i++) {
		if (i)
			strcat(r, "/");
		strcat(r, parts[i]);
	}
	*out = r;
	return 0;
}

static void cache_drop(struct unpacker *u)
{
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_fd = -1;
	free(u->cache_path);
	u->cache_path = NULL;
}

/* An fd for directory `dir` (relative, cleaned) inside the layer, creating missing ones. */
static int open_parent(struct unpacker *u, const char *dir, struct error **err)
{
	if (u->cache_path != NULL && strcmp(u->cache_path, dir) == 0)
		return u->cache_fd;
	cache_drop(u);
	long fd = openat2_in(u->root, *dir ? dir : ".", O_PATH | O_DIRECTORY);
	if (fd < 0 && errno == ENOENT) {
		/* Tars need not list parent directories: make them, one component at a time. */
		autofree char *walk = xstrdup(dir);
		for (char *p = walk;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char c = *p;
			*p = '\0';
			long d = openat2_in(u->root, walk, O_PATH | O_DIRECTORY);
			if (d < 0 && errno == ENOENT) {
				char *slash = strrchr(walk, '/');
				autofree char *pp =
				    slash ? xstrndup(walk, (size_t)(slash - walk)) : xstrdup(".");
				long pfd = openat2_in(u->root, pp, O_PATH | O_DIRECTORY);
				if (pfd >= 0 &&
				    mkdirat((int)pfd, slash ? slash + 1 : walk, 0755) < 0 &&
				    errno != EEXIST) {
					close((int)pfd);
					return err_sys(err, "creating %s", walk);
				}
				if (pfd >= 0)
					close((int)pfd);
			} else if (d >= 0) {
				close((int)d);
			}
			*p = c;
			if (c == '\0')
				break;
		}
		fd = openat2_in(u->root, dir, O_PATH | O_DIRECTORY);
	}
	if (fd < 0)
		return err_sys(err, "opening directory %s in the layer", *dir ? dir : ".");
	u->cache_fd = (int)fd;
	u->cache_path = xstrdup(dir);
	struct stat st;
	u->cache_setgid = fstat(u->cache_fd, &st) < 0 || (st.st_mode & S_ISGID) != 0;
	return u->cache_fd;
}

/* Remove whatever is at name (a tree for a directory) so a new entry can take its place. */
static int remove_at(struct unpacker *u, int dirfd, const char *name, const char *full,
		     struct error **err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return err_sys(err, "replacing %s", full);
	u->cache_stale = true;
	long fd = openat2_in(u->root, full, O_PATH | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return err_sys(err, "replacing %s", full);
	autofree char *proc = xasprintf("/proc/self/fd/%ld", fd);
	char real[4096];
	ssize_t n = readlink(proc, real, sizeof(real) - 1);
	close((int)fd);
	if (n <= 0)
		return err_sys(err, "replacing %s", full);
	real[n] = '\0';
	/* real is the resolved path of a directory inside the layer: safe to remove. */
	return fs_rm_rf(real, err);
}

/*
 * Owner, then mode, through fd: what was just made, opened without following it (O_PATH
 * will do), or -1 for a symlink, whose owner is set by name without following it and which
 * has no mode. fresh: the file was just created by us (root in the namespace, umask 0)
 * with its final permission bits, so a 0:0 entry without setuid/setgid/sticky bits in a
 * parent that is not setgid already has everything: two syscalls saved per file.
 */
static int set_owner_mode(struct unpacker *u, int fd, int dirfd, const char *name, const char *full,
			  struct archive_entry *e, bool fresh, struct error **err)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if (fresh && uid == 0 && gid == 0 && (archive_entry_mode(e) & 07000) == 0 &&
	    !u->cache_setgid)
		return 0;
	if ((fd >= 0 ? fchownat(fd, "", uid, gid, AT_EMPTY_PATH)
		     : fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW)) < 0) {
		if (errno == EINVAL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s is owned by %u:%u, which is not mapped in the user "
				       "namespace: potentially insufficient UIDs or GIDs available "
				       "(check /etc/subuid and /etc/subgid)",
				       full, (unsigned)uid, (unsigned)gid);
		return err_sys(err, "chown %s", full);
	}
	/* chmod after chown: chown clears setuid/setgid. */
	if (fd >= 0 && fs_fchmod(fd, archive_entry_mode(e) & 07777) < 0)
		return err_sys(err, "chmod %s", full);
	return 0;
}

static void set_xattrs(struct unpacker *u, int fd, const char *full, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* Overlay's own attributes in a layer would forge whiteouts: never copy them. */
		if (strncmp(name, "trusted.overlay.", 16) == 0 ||
		    strncmp(name, "user.overlay.", 13) == 0)
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0 && !u->warned_xattr) {
			log_debug("xattr %s on %s: %s (skipped)", name, full, strerror(errno));
			u->warned_xattr = true;
		}
	}
}

static void times_of(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
}

static int write_file(struct unpacker *u, struct archive *a, int dirfd, const char *name,
		      const char *full, struct archive_entry *e, struct error **err)
{
	if (remove_at(u, dirfd, name, full, err) < 0)
		return -1;
	autoclose int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				  archive_entry_perm(e) & 0777);
	if (fd < 0)
		return err_sys(err, "creating %s", full);
	const void *buf;
	size_t len;
	la_int64_t off, end = 0;
	int r;
	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		const char *p = buf;
		while (len > 0) {
			ssize_t w = pwrite(fd, p, len, off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return err_sys(err, "writing %s", full);
			p += w;
			off += w;
			len -= (size_t)w;
		}
		if (off > end)
			end = off;
	}
	if (r != ARCHIVE_EOF)
		return err_set(err, EIO, ERR_TOOL, "reading %s from the layer: %s", full,
			       archive_error_string(a));
	/* A sparse file may end in a hole that no data block covered. */
	if (end != archive_entry_size(e) && ftruncate(fd, archive_entry_size(e)) < 0)
		return err_sys(err, "writing %s", full);
	if (set_owner_mode(u, fd, dirfd, name, full, e, true, err) < 0)
		return -1;
	set_xattrs(u, fd, full, e);
	struct timespec ts[2];
	times_of(e, ts);
	futimens(fd, ts);
	return 0;
}

static int make_dir(struct unpacker *u, int dirfd, const char *name, const char *full,
		    struct archive_entry *e, struct error **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
		if (remove_at(u, dirfd, name, full, err) < 0)
			return -1;
	}
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return err_sys(err, "creating directory %s", full);
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening directory %s", full);
	if (set_owner_mode(u, fd, dirfd, name, full, e, false, err) < 0)
		return -1;
	set_xattrs(u, fd, full, e);
	u->dirs = xrealloc(u->dirs, (u->n_dirs + 1) * sizeof(*u->dirs));
	u->dirs[u->n_dirs].path = xstrdup(full);
	times_of(e, u->dirs[u->n_dirs].ts);
	u->n_dirs++;
	return 0;
}

static int make_hardlink(struct unpacker *u, int dirfd, const char *name, const char *full,
			 struct archive_entry *e, struct error **err)
{
	autofree char *target = NULL;
	if (clean_name(archive_entry_hardlink(e), &target, err) < 0)
		return -1;
	long tfd = openat2_in(u->root, target, O_PATH | O_NOFOLLOW);
	if (tfd < 0)
		return err_sys(err, "hard link %s: target %s", full, target);
	struct stat st;
	if (fstat((int)tfd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close((int)tfd);
		return err_set(err, EPERM, ERR_TOOL, "hard link %s: target %s is a directory", full,
			       target);
	}
	if (remove_at(u, dirfd, name, full, err) < 0) {
		close((int)tfd);
		return -1;
	}
	/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH outside; the magic link does not. */
	autofree char *proc = xasprintf("/proc/self/fd/%ld", tfd);
	int rc = linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
	int e2 = errno;
	close((int)tfd);
	errno = e2;
	if (rc < 0)
		return err_sys(err, "hard link %s -> %s", full, target);
	return 0;
}

static int make_fifo(struct unpacker *u, int dirfd, const char *name, const char *full,
		     struct archive_entry *e, struct error **err)
{
	if (remove_at(u, dirfd, name, full, err) < 0)
		return -1;
	if (mknodat(dirfd, name, S_IFIFO | 0600, 0) < 0)
		return err_sys(err, "creating fifo %s", full);
	autoclose int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "creating fifo %s", full);
	if (set_owner_mode(u, fd, dirfd, name, full, e, false, err) < 0)
		return -1;
	/* Its own time, as for every entry (saving the layer again must give the same bytes). */
	struct timespec ts[2];
	times_of(e, ts);
	fs_futimens(fd, ts);
	return 0;
}

static int whiteout(struct unpacker *u, int dirfd, const char *dir, const char *base,
		    struct archive_entry *e, struct error **err)
{
	if (strcmp(base, WH_OPAQUE) == 0) {
		autoclose int fd =
		    (int)openat2_in(u->root, *dir ? dir : ".", O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return err_sys(err, "opaque directory %s", dir);
		if (fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
			return err_sys(err, "marking %s opaque", dir);
		return 0;
	}
	if (strncmp(base, WH_PREFIX WH_PREFIX, 8) == 0)
		return 0; /* other AUFS metadata (.wh..wh.plnk...) has no overlay meaning */
	const char *victim = base + strlen(WH_PREFIX);
	autofree char *full = xasprintf("%s%s%s", dir, *dir ? "/" : "", victim);
	if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return err_set(err, EPERM, ERR_TOOL, "refusing whiteout \"%s\"", base);
	if (remove_at(u, dirfd, victim, full, err) < 0)
		return -1;
	if (mknodat(dirfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
		return err_sys(err, "creating whiteout %s", full);
	/* The .wh. entry's time, so that saving the layer again gives the same bytes (the
	 * time of the unpack would differ from one store to the next). */
	struct timespec ts[2];
	times_of(e, ts);
	utimensat(dirfd, victim, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int extract_entry(struct unpacker *u, struct archive *a, struct archive_entry *e,
			 struct error **err)
{
	autofree char *name = NULL;
	if (u->cache_stale) {
		cache_drop(u);
		u->cache_stale = false;
	}
	if (clean_name(archive_entry_pathname(e), &name, err) < 0)
		return -1;
	if (*name == '\0') {
		/* The layer root itself: its mode goes on the diff dir once the layer is in
		 * (a container's upper dir takes it from the top layer's; see rootfs.c). */
		if (archive_entry_filetype(e) == AE_IFDIR) {
			u->root_mode = archive_entry_perm(e) & 07777;
			u->root_mode_set = true;
		}
		return 0;
	}
	char *slash = strrchr(name, '/');
	autofree char *dir = slash ? xstrndup(name, (size_t)(slash - name)) : xstrdup("");
	const char *base = slash ? slash + 1 : name;
	int dirfd = open_parent(u, dir, err);
	if (dirfd < 0)
		return -1;
	if (strncmp(base, WH_PREFIX, 4) == 0)
		return whiteout(u, dirfd, dir, base, e, err);
	mode_t type = archive_entry_filetype(e);
	if (archive_entry_hardlink(e) != NULL && type != AE_IFDIR)
		return make_hardlink(u, dirfd, base, name, e, err);
	switch (type) {
	case AE_IFREG:
		return write_file(u, a, dirfd, base, name, e, err);
	case AE_IFDIR:
		return make_dir(u, dirfd, base, name, e, err);
	case AE_IFLNK: {
		/* libarchive gives NULL for an empty link name: no target to point at. */
		const char *target = archive_entry_symlink(e);
		if (target == NULL || *target == '\0')
			return err_set(err, EINVAL, ERR_TOOL, "symlink %s has no target", name);
		if (remove_at(u, dirfd, base, name, err) < 0)
			return -1;
		u->cache_stale = true; /* a symlink can now stand where a cached path went */
		if (symlinkat(target, dirfd, base) < 0)
			return err_sys(err, "creating symlink %s", name);
		struct timespec ts[2];
		times_of(e, ts);
		if (set_owner_mode(u, -1, dirfd, base, name, e, false, err) < 0)
			return -1;
		utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case AE_IFIFO:
		return make_fifo(u, dirfd, base, name, e, err);
	case AE_IFCHR:
		if (archive_entry_rdev(e) == 0) { /* already an overlay whiteout */
			if (remove_at(u, dirfd, base, name, err) < 0)
				return -1;
			if (mknodat(dirfd, base, S_IFCHR, 0) < 0)
				return err_sys(err, "creating whiteout %s", name);
			struct timespec ts[2];
			times_of(e, ts);
			utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
			return 0;
		}
		/* fallthrough */
	case AE_IFBLK:
		if (!u->warned_dev)
			log_warn("skipping device nodes in the layer (first: /%s): rootless "
				 "containers cannot create them",
				 name);
		u->warned_dev = true;
		return 0;
	default:
		return 0; /* sockets: nothing to restore */
	}
}

static void restore_dir_times(struct unpacker *u)
{
	/* Deepest first is not needed: setting a dir's times does not touch its parent's. */
	for (size_t i = 0; i < u->n_dirs; i++) {
		long fd = openat2_in(u->root, u->dirs[i].path, O_PATH | O_DIRECTORY | O_NOFOLLOW);
		if (fd >= 0) {
			autofree char *p = xasprintf("/proc/self/fd/%ld", fd);
			utimensat(AT_FDCWD, p, u->dirs[i].ts, 0);
			close((int)fd);
		}
		free(u->dirs[i].path);
	}
	free(u->dirs);
	u->dirs = NULL;
	u->n_dirs = 0;
}

static int unpack_all(struct unpacker *u, struct archive *tar, struct error **err)
{
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(tar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (extract_entry(u, tar, e, err) < 0)
			return -1;
	}
	if (r != ARCHIVE_EOF)
		return err_set(err, EIO, ERR_TOOL, "reading the layer: %s",
			       archive_error_string(tar));
	/* Hash what follows the end-of-archive blocks too: the diff ID covers the stream. */
	la_ssize_t n;
	while ((n = archive_read_data(u->raw, u->buf, RAW_BUF)) > 0 && spend(u, n))
		sha256_update(u->diff, u->buf, (size_t)n);
	if (n < 0)
		return err_set(err, EIO, ERR_TOOL, "reading the layer: %s",
			       archive_error_string(u->raw));
	restore_dir_times(u);
	if (u->root_mode_set && fchmod(u->root, u->root_mode) < 0)
		return err_sys(err, "setting the mode of the layer's root");
	return 0;
}

int unpack_tar_fd(int fd, int dirfd, struct unpack_budget *budget, struct unpack_result *res,
		  struct error **err)
{
	/* Modes are given explicitly everywhere; the unpacking process is ours alone. */
	umask(0);
	struct unpacker *u = xzalloc(sizeof(*u));
	u->fd = fd;
	u->root = dirfd;
	u->cache_fd = -1;
	u->budget = budget;
	u->buf = xmalloc(RAW_BUF);
	u->diff = sha256_new();
	u->raw = archive_read_new();
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_filter_xz(u->raw);
	archive_read_support_format_raw(u->raw);
	struct archive *tar = archive_read_new();
	archive_read_support_format_tar(tar);
	archive_read_support_format_gnutar(tar);
	struct archive_entry *re;
	int rc = -1;
	if (archive_read_open(u->raw, u, NULL, raw_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &re) != ARCHIVE_OK) {
		err_set(err, EIO, ERR_TOOL, "reading the layer: %s",
			archive_error_string(u->raw) ? archive_error_string(u->raw)
						     : "empty stream");
	} else if (archive_read_open(tar, u, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
		err_set(err, EIO, ERR_TOOL, "reading the layer: %s", archive_error_string(tar));
	} else {
		rc = unpack_all(u, tar, err);
	}
	if (u->over_budget) {
		/* Whatever failed on the way out (a file, the header), the budget is the cause. */
		err_free(err);
		rc = err_set(err, EFBIG, ERR_TOOL,
			     "the layer unpacks to more than its budget (%lld bytes so far)",
			     (long long)u->size);
	}
	/* Drain the input so the sender's hash covers the whole blob. On failure do not:
	 * the caller closes the pipe and the download stops. */
	while (rc == 0 && read(fd, u->fdbuf, sizeof(u->fdbuf)) > 0)
		;
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(u->diff, hex);
	if (rc == 0) {
		snprintf(res->diff_id, sizeof(res->diff_id), "sha256:%s", hex);
		res->size = u->size;
	}
	for (size_t i = 0; i < u->n_dirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	cache_drop(u);
	archive_read_free(tar);
	archive_read_free(u->raw);
	free(u->buf);
	free(u);
	return rc;
}

int storage_unpack_into(int fd, int dirfd, struct error **err)
{
	struct unpack_result res;
	return unpack_tar_fd(fd, dirfd, NULL, &res, err);
}
