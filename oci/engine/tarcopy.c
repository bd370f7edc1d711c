/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar streams of a file tree (libarchive), for `hutch cp` and for filling a new volume from
 * the image. The writer walks the tree below one resolved start without ever following a
 * symlink; the extractor creates each entry relative to a target directory fd with
 * RESOLVE_BENEATH, so neither side can leave the tree it was given, whatever the links in
 * the archive or in the target say. Both run as root in the container's user namespace.
 */
#include "oci/engine/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int arch_err(struct archive *a, struct error **err, const char *what)
{
	return err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO, ERR_TOOL, "%s: %s", what,
		       archive_error_string(a) ? archive_error_string(a) : "archive error");
}

/* ---------- writing ---------- */

static int write_tree(struct archive *a, int dirfd, const char *name, const char *arcname,
		      struct error **err);

/* At most size bytes (the header's): a file the container keeps growing ends there. */
static int write_data(struct archive *a, int fd, const char *arcname, off_t size,
		      struct error **err)
{
	char buf[65536];
	while (size > 0) {
		ssize_t n = read(fd, buf, size < (off_t)sizeof(buf) ? (size_t)size : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(err, "reading %s", arcname);
		if (n == 0)
			return 0; /* shrunk meanwhile: libarchive pads the entry */
		if (archive_write_data(a, buf, (size_t)n) < 0)
			return arch_err(a, err, arcname);
		size -= n;
	}
	return 0;
}

static int write_dir(struct archive *a, int fd, const char *arcname, struct error **err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(err, "opening %s", arcname);
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return err_sys(err, "opening %s", arcname);
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		autofree char *child = xasprintf("%s/%s", arcname, de->d_name);
		rc = write_tree(a, dirfd(d), de->d_name, child, err);
	}
	closedir(d);
	return rc;
}

/* A symlink's target, in a frame of its own: write_tree's recursion stays small. */
static int set_link(struct archive_entry *e, int dirfd, const char *name, const char *arcname,
		    struct error **err)
{
	char target[4096];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return err_sys(err, "reading link %s", arcname);
	target[n] = '\0';
	archive_entry_set_symlink(e, target);
	return 0;
}

/*
 * Open the file or directory name in dirfd (the start itself when name is ""), and stat
 * what was opened: the container may have swapped the entry since it was listed, for a
 * link (O_NOFOLLOW fails) or for a FIFO (O_NONBLOCK: no wait for a writer that never
 * comes). Anything but the type seen before is an error; -2 (no error) when it is gone.
 */
static int open_entry(int dirfd, const char *name, const char *arcname, struct stat *st,
		      struct error **err)
{
	bool dir = S_ISDIR(st->st_mode);
	int fl = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | (dir ? O_DIRECTORY : 0);
	int fd;
	if (*name) {
		fd = openat(dirfd, name, fl);
	} else {
		/* The start is an O_PATH fd: reopen that very inode. */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
		fd = open(proc, fl & ~O_NOFOLLOW);
	}
	struct stat now;
	if (fd < 0 && errno == ENOENT && *name)
		return -2;
	if (fd < 0 || fstat(fd, &now) < 0) {
		err_sys(err, "opening %s", arcname);
	} else if ((now.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		err_set(err, EAGAIN, ERR_TOOL, "%s was replaced while it was copied", arcname);
	} else {
		*st = now;
		return fd;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

/* One entry (name in dirfd, never followed) and, for a directory, everything below it. */
static int write_tree(struct archive *a, int dirfd, const char *name, const char *arcname,
		      struct error **err)
{
	/* Longer names could not be made on the other side: no deeper recursion either. */
	if (strlen(arcname) >= PATH_MAX)
		return err_set(err, ENAMETOOLONG, ERR_TOOL, "%.64s...: %s", arcname,
			       strerror(ENAMETOOLONG));
	/* Listed, then gone (a running container's temporary file; an overlay whiteout a
	 * directory of one layer still lists): skipped, as tar does. */
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
		return errno == ENOENT && *name ? 0 : err_sys(err, "stat %s", arcname);
	int fd = -1;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = open_entry(dirfd, name, arcname, &st, err);
		if (fd == -2)
			return 0;
		if (fd < 0)
			return -1;
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, arcname);
	int rc = S_ISLNK(st.st_mode) ? set_link(e, dirfd, name, arcname, err) : 0;
	if (rc == 0 && archive_write_header(a, e) < ARCHIVE_WARN)
		rc = arch_err(a, err, arcname);
	archive_entry_free(e);
	if (rc == 0 && S_ISREG(st.st_mode))
		rc = write_data(a, fd, arcname, st.st_size, err);
	else if (rc == 0 && S_ISDIR(st.st_mode))
		rc = write_dir(a, fd, arcname, err);
	if (fd >= 0)
		close(fd);
	return rc;
}

int ctr_tar_write(int startfd, const char *top, int out_fd, struct error **err)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	int rc = 0;
	if (archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
		rc = arch_err(a, err, "writing the archive");
	/* startfd is an O_PATH fd: "" with AT_EMPTY_PATH is the start itself. */
	if (rc == 0)
		rc = write_tree(a, startfd, "", top, err);
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
		rc = arch_err(a, err, "writing the archive");
	archive_write_free(a);
	return rc;
}

/* ---------- extracting ---------- */

/* A relative, ".."-free entry name: leading "/" and "./" dropped; NULL when unsafe. */
static char *clean_name(const char *name)
{
	while (*name == '/' || (name[0] == '.' && name[1] == '/'))
		name += name[0] == '/' ? 1 : 2;
	char *n = xstrdup(name);
	size_t len = strlen(n);
	while (len > 0 && n[len - 1] == '/')
		n[--len] = '\0';
	for (char *p = n; *p;) {
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.') {
			free(n);
			return NULL;
		}
		p += l + (p[l] == '/');
	}
	return n;
}

/* name with the stream's top entry renamed as o says (owned). */
static char *rename_top(const struct ctr_tar_opts *o, const char *name)
{
	const char *from = o->rename_from;
	if (from == NULL || o->rename_to == NULL || strcmp(from, o->rename_to) == 0)
		return xstrdup(name);
	size_t n = strlen(from);
	if (strncmp(name, from, n) != 0 || (name[n] != '\0' && name[n] != '/'))
		return xstrdup(name);
	if (strcmp(o->rename_to, ".") == 0)
		return xstrdup(name[n] == '\0' ? "." : name + n + 1);
	return xasprintf("%s%s", o->rename_to, name + n);
}

static int copy_out(struct archive *a, int fd, const char *name, struct error **err)
{
	const void *buf;
	size_t size;
	int64_t off;
	for (;;) {
		int r = archive_read_data_block(a, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return arch_err(a, err, name);
		if (lseek(fd, off, SEEK_SET) < 0 || fs_write_all(fd, buf, size) < 0)
			return err_sys(err, "writing %s", name);
	}
}

/* An entry's name as messages give it: below the target's label ("/tmp" in a container, ""
 * on the host), as podman's copier does. */
static char *shown(const struct ctr_tar_opts *o, const char *name)
{
	const char *l = o->label ? o->label : "";
	size_t n = strlen(l);
	return xasprintf("%s%s%s", l, n > 0 && l[n - 1] == '/' ? "" : "/", name);
}

/* podman's words for a type change that --overwrite would allow. */
static int exists_err(const struct ctr_tar_opts *o, const char *name, const char *op,
		      struct error **err)
{
	autofree char *p = shown(o, name);
	return err_set(err, EEXIST, ERR_TOOL, "copying to %s: error creating \"%s\": %s %s: %s",
		       o->into_ctr ? "container" : "host", p, op, p, "file exists");
}

/* Remove the directory base in pfd and all below it (--overwrite). */
static int remove_dir(int pfd, const char *base, const char *name, struct error **err)
{
	autofree char *p = xasprintf("/proc/self/fd/%d/%s", pfd, base);
	if (fs_rm_rf(p, err) < 0)
		return err_wrap(err, "replacing %s", name);
	return 0;
}

/* Make room for a non-directory: remove what is there (a directory only with --overwrite). */
static int clear_slot(int pfd, const char *base, const char *name, const struct ctr_tar_opts *o,
		      struct error **err)
{
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (!o->overwrite)
			return exists_err(o, name, "open", err);
		return remove_dir(pfd, base, name, err);
	}
	if (unlinkat(pfd, base, 0) < 0)
		return err_sys(err, "replacing %s", name);
	return 0;
}

/*
 * Make one entry: base in pfd. *fd is then what base holds, opened without following it
 * (the file just written, else an O_PATH fd) for set_meta, or -1 for a hard link, which
 * has nothing more to set.
 */
static int make_entry(struct archive *a, struct archive_entry *e, int tdir, int pfd,
		      const char *base, const char *name, const struct ctr_tar_opts *o, int *fd,
		      struct error **err)
{
	mode_t type = archive_entry_filetype(e);
	const char *hl = archive_entry_hardlink(e);
	*fd = -1;
	if (hl != NULL) {
		autofree char *target = clean_name(hl);
		if (target == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "refusing hard link %s -> %s: it leaves the destination",
				       name, hl);
		autofree char *moved = rename_top(o, target);
		autofree char *renamed = clean_name(moved);
		if (renamed == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "refusing hard link %s -> %s: it leaves the destination",
				       name, hl);
		autoclose int tfd = fs_openat2(tdir, renamed, O_PATH | O_NOFOLLOW,
					       RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (tfd < 0 || clear_slot(pfd, base, name, o, err) < 0)
			return *err ? -1 : err_sys(err, "hard link %s -> %s", name, hl);
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", tfd);
		if (linkat(AT_FDCWD, proc, pfd, base, AT_SYMLINK_FOLLOW) < 0)
			return err_sys(err, "hard link %s -> %s", name, hl);
		return 0;
	}
	if (type == AE_IFDIR) {
		struct stat st;
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			if (!o->overwrite)
				return exists_err(o, name, "mkdir", err);
			if (unlinkat(pfd, base, 0) < 0)
				return err_sys(err, "replacing %s", name);
		}
		if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
			return err_sys(err, "creating %s", name);
	} else if (clear_slot(pfd, base, name, o, err) < 0) {
		return -1;
	} else if (type == AE_IFREG) {
		*fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (*fd < 0)
			return err_sys(err, "creating %s", name);
		return copy_out(a, *fd, name, err);
	} else if (type == AE_IFLNK) {
		if (symlinkat(archive_entry_symlink(e), pfd, base) < 0)
			return err_sys(err, "creating link %s", name);
	} else {
		dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		if (mknodat(pfd, base, type | 0600, dev) < 0)
			return err_sys(err, "creating %s", name);
	}
	/* Not by name from here on: in a running container the name may have been swapped
	 * for a link to a host file since, and chmod or utimes would follow it. */
	struct stat st;
	*fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 || fstat(*fd, &st) < 0)
		return err_sys(err, "opening %s", name);
	if ((st.st_mode & S_IFMT) != type)
		return err_set(err, type == AE_IFDIR ? ENOTDIR : EAGAIN, ERR_TOOL,
			       type == AE_IFDIR ? "cannot overwrite non-directory %s with directory"
						: "%s was replaced while it was copied",
			       name);
	return 0;
}

/* The mode to give: on the host, never setuid or setgid (see ctr_tar_extract). */
static mode_t perm_of(struct archive_entry *e, bool into_ctr)
{
	mode_t perm = archive_entry_perm(e);
	return into_ctr ? perm : perm & ~(mode_t)(S_ISUID | S_ISGID);
}

/* Into a container: the archive's owner, or the container's user with o->chown. */
static void set_owner(struct archive_entry *e, int fd, const char *path, int flags,
		      const struct ctr_tar_opts *o)
{
	if (!o->into_ctr)
		return;
	uid_t uid = o->chown ? o->uid : (uid_t)archive_entry_uid(e);
	gid_t gid = o->chown ? o->gid : (gid_t)archive_entry_gid(e);
	if (fchownat(fd, path, uid, gid, flags) < 0)
		log_debug("chown %s: %s", archive_entry_pathname(e), strerror(errno));
}

/* Owner (into a container, where mapped), mode, then mtime, all through fd (chown first,
 * as it clears setuid); failures are no error, as with tar. */
static void set_meta(struct archive_entry *e, int fd, const struct ctr_tar_opts *o)
{
	set_owner(e, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, o);
	if (archive_entry_filetype(e) != AE_IFLNK && fs_fchmod(fd, perm_of(e, o->into_ctr)) < 0)
		log_debug("chmod %s: %s", archive_entry_pathname(e), strerror(errno));
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_sec = archive_entry_mtime(e),
				    .tv_nsec = archive_entry_mtime_nsec(e) } };
	fs_futimens(fd, ts);
}

/* The directory name (in tdir) that an entry goes into, made with its missing parents
 * when o->make_parents (a stream from stdin need not list them), beneath tdir. */
static int open_parent(int tdir, const char *dir, const struct ctr_tar_opts *o, struct error **err)
{
	/* Beneath the target: a link in the archive or the target never leads out. */
	int pfd =
	    fs_openat2(tdir, dir, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (pfd >= 0 || errno != ENOENT || !o->make_parents)
		return pfd >= 0 ? pfd : err_sys(err, "resolving %s", dir);
	autofree char *path = xstrdup(dir);
	for (char *p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		autoclose int up = -1;
		char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		if (slash != NULL) {
			*slash = '\0';
			up = fs_openat2(tdir, path, O_PATH | O_DIRECTORY,
					RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
			*slash = '/';
		} else {
			up = fcntl(tdir, F_DUPFD_CLOEXEC, 3);
		}
		if (up < 0 || (mkdirat(up, base, 0755) < 0 && errno != EEXIST))
			return err_sys(err, "creating %s", path);
		*p = c;
		if (c == '\0')
			break;
	}
	pfd = fs_openat2(tdir, dir, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	return pfd >= 0 ? pfd : err_sys(err, "resolving %s", dir);
}

static int extract_one(struct archive *a, struct archive_entry *e, int tdir,
		       const struct ctr_tar_opts *o, bool first, struct error **err)
{
	autofree char *clean = clean_name(archive_entry_pathname(e));
	if (clean == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "refusing archive entry \"%s\": it leaves "
			       "the destination",
			       archive_entry_pathname(e));
	/* Renamed, then checked again: the new top name never climbs either. */
	autofree char *renamed = rename_top(o, clean);
	autofree char *name = clean_name(renamed);
	if (name == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "refusing archive entry \"%s\": it leaves the destination", renamed);
	if (first && o->top_not_dir && archive_entry_filetype(e) == AE_IFDIR)
		return err_set(err, ENOTDIR, ERR_TOOL,
			       "destination must be a directory when copying a directory");
	if (*name == '\0' || strcmp(name, ".") == 0) {
		/* The target directory itself (a copy of contents): its mode and owner. */
		set_owner(e, tdir, "", AT_EMPTY_PATH, o);
		if (archive_entry_filetype(e) == AE_IFDIR &&
		    fs_fchmod(tdir, perm_of(e, o->into_ctr)) < 0)
			log_debug("chmod .: %s", strerror(errno));
		return 0;
	}
	char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	autoclose int pfd = -1;
	if (slash != NULL) {
		*slash = '\0';
		pfd = open_parent(tdir, name, o, err);
		if (pfd < 0)
			return -1;
		*slash = '/';
	} else {
		pfd = fcntl(tdir, F_DUPFD_CLOEXEC, 3);
	}
	autoclose int fd = -1;
	if (make_entry(a, e, tdir, pfd, base, name, o, &fd, err) < 0)
		return -1;
	if (fd >= 0)
		set_meta(e, fd, o);
	return 0;
}

/* A stream that does not start as a tar archive: podman's words for the user's stream. */
static int not_tar(struct archive *a, const struct ctr_tar_opts *o, struct error **err)
{
	if (!o->from_stdin)
		return arch_err(a, err, "reading the archive");
	return err_set(err, EINVAL, ERR_TOOL,
		       "source must be a (compressed) tar archive when copying from stdin");
}

int ctr_tar_extract(int in_fd, int tdir, const struct ctr_tar_opts *o, struct error **err)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	int rc = 0;
	if (archive_read_open_fd(a, in_fd, 65536) != ARCHIVE_OK)
		rc = not_tar(a, o, err);
	struct archive_entry *e;
	for (bool first = true; rc == 0; first = false) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = first ? not_tar(a, o, err) : arch_err(a, err, "reading the archive");
			break;
		}
		rc = extract_one(a, e, tdir, o, first, err);
	}
	archive_read_free(a);
	return rc;
}
