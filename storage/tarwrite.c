/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a directory tree as a tar (libarchive, pax): a layer for save, a rootfs for
 * export. Entries come in sorted order with the tree's own owners, modes, times and
 * xattrs, so the same tree always gives the same bytes. Hard links are kept as links. In
 * layer form the overlay whiteouts turn back into the OCI form: a 0/0 character device
 * becomes .wh.NAME and user.overlay.opaque=y a .wh..wh..opq entry. Runs as root in the
 * user namespace, so owners read back as the container's ids.
 */
#include "storage/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
	const char *root; /* absolute path of the tree, for the *xattr calls */
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
	       strncmp(name, "trusted.overlay.", 16) == 0;
}

static void add_xattrs(struct tree_writer *w, struct archive_entry *e, const char *rel,
		       bool *opaque)
{
	autofree char *full = xasprintf("%s/%s", w->root, rel);
	char names[8192];
	ssize_t n = llistxattr(full, names, sizeof(names));
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		char val[4096];
		ssize_t vl = lgetxattr(full, name, val, sizeof(val));
		if (vl < 0)
			continue;
		if (strcmp(name, "user.overlay.opaque") == 0 && vl == 1 && val[0] == 'y')
			*opaque = true;
		if (!skip_xattr(name))
			archive_entry_xattr_add_entry(e, name, val, (size_t)vl);
	}
}

static int copy_data(struct tree_writer *w, int dirfd, const char *name, const char *rel,
		     struct error **err)
{
	autoclose int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "reading %s", rel);
	ssize_t n;
	while ((n = read(fd, w->buf, COPY_BUF)) > 0)
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return ar_fail(w, rel, err);
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

static const char *known_link(struct tree_writer *w, const struct stat *st, const char *rel)
{
	for (size_t i = 0; i < w->n_links; i++)
		if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino)
			return w->links[i].path;
	w->links = xrealloc(w->links, (w->n_links + 1) * sizeof(*w->links));
	w->links[w->n_links++] = (struct hardlink){ st->st_dev, st->st_ino, xstrdup(rel) };
	return NULL;
}

static int write_dir(struct tree_writer *w, int dirfd, const char *rel, struct error **err);

static int write_one(struct tree_writer *w, int dirfd, const char *name, const char *rel,
		     struct error **err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, "stat %s", rel);
	if (S_ISSOCK(st.st_mode))
		return 0;
	if (w->layer && S_ISCHR(st.st_mode) && st.st_rdev == 0) {
		const char *slash = strrchr(rel, '/');
		autofree char *wh =
		    xasprintf("%.*s.wh.%s", slash ? (int)(slash - rel + 1) : 0, rel, name);
		return write_marker(w, wh, &st, err);
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, rel);
	archive_entry_set_atime(e, 0, 0);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	bool opaque = false, data = S_ISREG(st.st_mode) && st.st_size > 0;
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
		add_xattrs(w, e, rel, &opaque);
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
	if (data && copy_data(w, dirfd, name, rel, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (opaque && w->layer) {
		autofree char *marker = xasprintf("%s/.wh..wh..opq", rel);
		if (write_marker(w, marker, &st, err) < 0)
			return -1;
	}
	autoclose int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return err_sys(err, "opening %s", rel);
	return write_dir(w, sub, rel, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_dir(struct tree_writer *w, int dirfd, const char *rel, struct error **err)
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
		autofree char *child = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		if (write_one(w, dirfd, names[i], child, err) < 0)
			return -1;
	}
	return 0;
}

int tar_write_tree(struct archive *a, const char *root, bool layer, struct error **err)
{
	struct tree_writer w = { .a = a, .layer = layer, .root = root, .buf = xmalloc(COPY_BUF) };
	autoclose int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 ? err_sys(err, "opening %s", root) : write_dir(&w, fd, "", err);
	for (size_t i = 0; i < w.n_links; i++)
		free(w.links[i].path);
	free(w.links);
	free(w.buf);
	return rc;
}
