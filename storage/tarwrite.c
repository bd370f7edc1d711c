/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a directory tree as a tar (libarchive, pax): a layer for save and commit, a rootfs
 * for export. Entries come in sorted order with the tree's own owners, modes, times and
 * xattrs, so the same tree always gives the same bytes. Hard links are kept as links. In
 * layer form the overlay whiteouts turn back into the OCI form: a 0/0 character device (or
 * an empty file with overlay.whiteout, or fuse-overlayfs's own .wh.NAME file) becomes
 * .wh.NAME, and overlay.opaque=y (user., trusted., or fuse-overlayfs's user.fuseoverlayfs.)
 * a .wh..wh..opq entry. The tree may be a container's upper dir, written by the container:
 * every entry is reached from its parent's fd by one name, nothing is followed, xattrs are
 * read through /proc/self/fd/DIRFD/NAME with the l* calls, and no file gives more bytes
 * than the size it was listed with. Runs as root in the user namespace, so owners read
 * back as the container's ids.
 */
#include "storage/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define COPY_BUF (256 << 10)

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tree_writer {
	struct archive *a;
	bool layer;
	/* Owners as this namespace sees them -> the tar's; NULL: the same. */
	const struct tar_ids *ids;
	struct hardlink *links;
	size_t n_links;
	char *buf;
};

static int ar_fail(struct tree_writer *w, const char *what, struct error **err)
{
	int e = archive_errno(w->a);
	return err_set(err, e > 0 ? e : EIO, ERR_TOOL, "writing %s to the archive: %s", what,
		       archive_error_string(w->a));
}

static bool skip_xattr(const char *name)
{
	/* Overlay's own attributes describe this store, not the image. */
	return strncmp(name, "user.overlay.", 13) == 0 ||
	       strncmp(name, "trusted.overlay.", 16) == 0 ||
	       strncmp(name, "user.fuseoverlayfs.", 19) == 0 ||
	       strncmp(name, "security.fuseoverlayfs.", 23) == 0;
}

/* What the overlay attributes of an entry say: an opaque dir, or a whiteout as an xattr
 * (kernels since 6.7 and fuse-overlayfs where it cannot mknod). */
struct ovl_marks {
	bool opaque, whiteout;
};

static void ovl_mark(const char *name, const char *val, ssize_t vl, struct ovl_marks *m)
{
	static const char *const opq[] = { "user.overlay.opaque", "trusted.overlay.opaque",
					   "user.fuseoverlayfs.opaque" };
	for (size_t i = 0; i < sizeof(opq) / sizeof(opq[0]); i++)
		if (strcmp(name, opq[i]) == 0 && vl == 1 && val[0] == 'y')
			m->opaque = true;
	if (strcmp(name, "user.overlay.whiteout") == 0 ||
	    strcmp(name, "trusted.overlay.whiteout") == 0)
		m->whiteout = true;
}

/*
 * The entry's xattrs, read by a path that pins its parent (the dir fd's magic link) and names
 * the entry by one component with the l* calls: a name swapped for a link meanwhile is not
 * followed. Values over 4 KiB are left out, as are overlay's own.
 */
static void add_xattrs(struct archive_entry *e, int dirfd, const char *name, struct ovl_marks *m)
{
	char full[64 + NAME_MAX];
	snprintf(full, sizeof(full), "/proc/self/fd/%d/%s", dirfd, name);
	char names[8192];
	ssize_t n = llistxattr(full, names, sizeof(names));
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *xn = names + off;
		char val[4096];
		ssize_t vl = lgetxattr(full, xn, val, sizeof(val));
		if (vl < 0)
			continue;
		ovl_mark(xn, val, vl, m);
		if (!skip_xattr(xn) && e != NULL)
			archive_entry_xattr_add_entry(e, xn, val, (size_t)vl);
	}
}

/* A regular file's bytes: no more than the size its header gave (libarchive pads a file
 * that shrank meanwhile), and only from the file that was listed. */
static int copy_data(struct tree_writer *w, int dirfd, const char *name, const char *rel,
		     const struct stat *st, struct error **err)
{
	autoclose int fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "reading %s", rel);
	struct stat now;
	if (fstat(fd, &now) < 0)
		return err_sys(err, "reading %s", rel);
	if (!S_ISREG(now.st_mode) || now.st_ino != st->st_ino || now.st_dev != st->st_dev)
		return err_set(err, EBUSY, ERR_TOOL, "reading %s: it changed while being written",
			       rel);
	int64_t left = st->st_size;
	ssize_t n = 0;
	while (left > 0 && (n = read(fd, w->buf, left < COPY_BUF ? (size_t)left : COPY_BUF)) > 0) {
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return ar_fail(w, rel, err);
		left -= n;
	}
	if (n < 0)
		return err_sys(err, "reading %s", rel);
	return 0;
}

/* An empty regular file: whiteouts and opaque markers. */
static int write_marker(struct tree_writer *w, const char *path, const struct stat *st,
			struct error **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
	int r = archive_write_header(w->a, e);
	archive_entry_free(e);
	return r < ARCHIVE_WARN ? ar_fail(w, path, err) : 0;
}

/* The id whose outside is id in one side of a map; ids it does not map are the overflow id. */
static unsigned long map_back(const struct userns_idmap *v, size_t n, unsigned long id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= v[i].outside && id - v[i].outside < v[i].count)
			return v[i].inside + (id - v[i].outside);
	return 65534;
}

/* Whether rel is owned by 0 (uid, or gid) in the topmost lower layer that has it; looked
 * up inside each layer dir, nothing followed out of it. */
static bool lower_root(const struct tar_ids *ids, const char *rel, bool gid)
{
	for (size_t i = 0; i < ids->n_lowers; i++) {
		autoclose int fd = fs_openat2(ids->lowers[i], rel, O_PATH | O_NOFOLLOW,
					      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0)
			return (gid ? st.st_gid : st.st_uid) == 0;
	}
	return false;
}

static unsigned long owner_back(const struct tar_ids *ids, const char *rel, unsigned long id,
				bool gid)
{
	if (id == 0 && lower_root(ids, rel, gid))
		return 0;
	return gid ? map_back(ids->map->gids, ids->map->n_gids, id)
		   : map_back(ids->map->uids, ids->map->n_uids, id);
}

static const char *known_link(struct tree_writer *w, const struct stat *st, const char *rel)
{
	for (size_t i = 0; i < w->n_links; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].path;
	w->links = xrealloc(w->links, (w->n_links + 1) * sizeof(*w->links));
	w->links[w->n_links++] = (struct hardlink){ st->st_dev, st->st_ino, xstrdup(rel) };
	return NULL;
}

static int write_dir(struct tree_writer *w, int dirfd, const char *rel, bool opaque,
		     struct error **err);

/* path/.wh.NAME for the whiteout of rel (whose last component is name). */
static int write_whiteout(struct tree_writer *w, const char *rel, const char *name,
			  const struct stat *st, struct error **err)
{
	const char *slash = strrchr(rel, '/');
	autofree char *wh =
	    strncmp(name, ".wh.", 4) == 0
		? xstrdup(rel)
		: xasprintf("%.*s.wh.%s", slash ? (int)(slash - rel + 1) : 0, rel, name);
	return write_marker(w, wh, st, err);
}

static int write_one(struct tree_writer *w, int dirfd, const char *name, const char *rel,
		     struct error **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, "stat %s", rel);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (w->layer && S_ISCHR(st.st_mode) && st.st_rdev == 0)
		return write_whiteout(w, rel, name, &st, err);
	/* fuse-overlayfs's whiteouts when it cannot mknod: already in the OCI form. */
	if (w->layer && S_ISREG(st.st_mode) && strncmp(name, ".wh.", 4) == 0)
		return write_whiteout(w, rel, name, &st, err);
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	if (w->ids != NULL) {
		archive_entry_set_uid(e, (la_int64_t)owner_back(w->ids, rel, st.st_uid, false));
		archive_entry_set_gid(e, (la_int64_t)owner_back(w->ids, rel, st.st_gid, true));
	}
	archive_entry_set_pathname(e, rel);
	archive_entry_set_atime(e, 0, 0);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	struct ovl_marks marks = { 0 };
	bool data = S_ISREG(st.st_mode) && st.st_size > 0;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return err_sys(err, "reading symlink %s", rel);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else {
		add_xattrs(e, dirfd, name, &marks);
	}
	if (w->layer && marks.whiteout && S_ISREG(st.st_mode) && st.st_size == 0) {
		archive_entry_free(e);
		return write_whiteout(w, rel, name, &st, err);
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		const char *first = known_link(w, &st, rel);
		if (first != NULL) {
			archive_entry_set_hardlink(e, first);
			archive_entry_set_size(e, 0);
			data = false;
		}
	}
	int r = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN)
		return ar_fail(w, rel, err);
	if (data && copy_data(w, dirfd, name, rel, &st, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	bool opaque = marks.opaque && w->layer;
	if (opaque) {
		autofree char *marker = xasprintf("%s/.wh..wh..opq", rel);
		if (write_marker(w, marker, &st, err) < 0)
			return -1;
	}
	autoclose int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return err_sys(err, "opening %s", rel);
	return write_dir(w, sub, rel, opaque, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_dir(struct tree_writer *w, int dirfd, const char *rel, bool opaque,
		     struct error **err)
{
	int dup_fd = dup(dirfd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (d == NULL) {
		if (dup_fd >= 0)
			close(dup_fd);
		return err_sys(err, "listing %s", *rel ? rel : "/");
	}
	autostrv char **names = xcalloc(1, sizeof(char *));
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strv_push(&names, de->d_name);
	closedir(d);
	qsort(names, strv_len(names), sizeof(char *), cmp_names);
	for (size_t i = 0; names[i] != NULL; i++) {
		/* fuse-overlayfs's opaque marker file, when the xattr gave one already. */
		if (opaque && strcmp(names[i], ".wh..wh..opq") == 0)
			continue;
		autofree char *child = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		if (write_one(w, dirfd, names[i], child, err) < 0)
			return -1;
	}
	return 0;
}

int tar_write_tree_at(struct archive *a, int dirfd, bool layer, const struct tar_ids *ids,
		      struct error **err)
{
	struct tree_writer w = { .a = a, .layer = layer, .ids = ids, .buf = xmalloc(COPY_BUF) };
	int rc = write_dir(&w, dirfd, "", false, err);
	for (size_t i = 0; i < w.n_links; i++)
		free(w.links[i].path);
	free(w.links);
	free(w.buf);
	return rc;
}

int tar_write_tree(struct archive *a, const char *root, bool layer, struct error **err)
{
	autoclose int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening %s", root);
	return tar_write_tree_at(a, fd, layer, NULL, err);
}
