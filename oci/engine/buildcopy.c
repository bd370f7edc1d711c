/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `build`'s COPY and ADD: sources found inside their root (the context, or a stage's or an
 * image's rootfs) and copied into the working rootfs, Docker's way: a directory's contents,
 * files under a destination directory or as the destination itself, globs in the last
 * part, .containerignore patterns with `!` exceptions. Every source path resolves inside
 * its root (RESOLVE_IN_ROOT: `..`, absolute paths and symlinks stay in), and a source that
 * climbs out of it as written is refused; nothing of the tree below is followed. The
 * destination resolves inside the working rootfs. The same walk hashes the sources for the
 * layer cache.
 */
#include "oci/engine/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- ignore patterns ---------- */

/* Docker's clean: no "./", no "//", no trailing "/", ".." applied; NULL when it climbs. */
char *bld_clean(const char *p, bool *climbs)
{
	autostrv char **parts = xcalloc(1, sizeof(char *));
	*climbs = false;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && *s == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			size_t k = strv_len(parts);
			if (k == 0)
				*climbs = true;
			else {
				free(parts[k - 1]);
				parts[k - 1] = NULL;
			}
		} else
			strv_push_take(&parts, xstrndup(s, n));
		s = e;
	}
	size_t len = 1;
	for (size_t i = 0; parts[i]; i++)
		len += strlen(parts[i]) + 1;
	char *out = xcalloc(1, len + 1);
	for (size_t i = 0; parts[i]; i++) {
		if (i)
			strcat(out, "/");
		strcat(out, parts[i]);
	}
	return out;
}

/* A glob with `**` (any number of path parts); else fnmatch's rules with FNM_PATHNAME. */
static bool glob_match(const char *p, const char *s)
{
	if (strstr(p, "**") == NULL)
		return fnmatch(p, s, FNM_PATHNAME) == 0;
	if (*p == '\0')
		return *s == '\0';
	if (p[0] == '*' && p[1] == '*') {
		const char *rest = p + 2;
		if (*rest == '/')
			rest++;
		for (const char *t = s;; t++) {
			if (glob_match(rest, t))
				return true;
			if (*t == '\0')
				return false;
		}
	}
	if (*p == '*') {
		for (const char *t = s;; t++) {
			if (glob_match(p + 1, t))
				return true;
			if (*t == '\0' || *t == '/')
				return false;
		}
	}
	if (*s == '\0')
		return false;
	if (*p == '?' ? *s != '/' : *p == *s)
		return glob_match(p + 1, s + 1);
	return false;
}

void bld_ignore_load(struct bld_ignore *ig, int ctxfd)
{
	*ig = (struct bld_ignore){ 0 };
	static const char *const names[] = { ".containerignore", ".dockerignore" };
	for (size_t i = 0; i < 2; i++) {
		autoclose int fd = openat(ctxfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		autofree char *text = NULL;
		struct error *e = NULL;
		if (fs_read_fd(fd, 1 << 20, &text, NULL, &e) < 0) {
			err_free(&e);
			continue;
		}
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			while (*l == ' ' || *l == '\t')
				l++;
			size_t n = strlen(l);
			while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
				l[--n] = '\0';
			if (*l == '\0' || *l == '#')
				continue;
			bool neg = *l == '!';
			if (neg)
				l++, ig->has_neg = true;
			bool climbs;
			autofree char *c = bld_clean(l, &climbs);
			if (*c == '\0')
				continue;
			ig->pats = xrealloc(ig->pats, (ig->n + 1) * sizeof(*ig->pats));
			ig->pats[ig->n++] = (struct bld_pat){ .pat = steal_ptr(&c), .neg = neg };
		}
		return; /* the first file found wins, as podman's */
	}
}

void bld_ignore_clear(struct bld_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->pats[i].pat);
	free(ig->pats);
	*ig = (struct bld_ignore){ 0 };
}

bool bld_ignored(const struct bld_ignore *ig, const char *rel)
{
	if (ig == NULL || ig->n == 0 || *rel == '\0')
		return false;
	bool out = false;
	for (size_t i = 0; i < ig->n; i++) {
		const struct bld_pat *p = &ig->pats[i];
		bool m = glob_match(p->pat, rel);
		/* a pattern that matches a parent dir matches what is in it */
		autofree char *dup = xstrdup(rel);
		for (char *sl = strrchr(dup, '/'); !m && sl != NULL; sl = strrchr(dup, '/')) {
			*sl = '\0';
			m = glob_match(p->pat, dup);
		}
		if (m)
			out = !p->neg;
	}
	return out;
}

/* ---------- sources ---------- */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The source paths (relative to root, cleaned) that src names: one, or a glob's matches in
 * its directory (sorted). An error when none exists or src climbs out. */
int bld_sources(int rootfd, const char *src, bool context, char ***out, struct error **err)
{
	*out = xcalloc(1, sizeof(char *));
	bool climbs = false;
	autofree char *c = bld_clean(src, &climbs);
	if (climbs && context)
		return err_set(err, EPERM, ERR_TOOL,
			       "COPY source %s: outside the build context: refused", src);
	if (!has_glob(c)) {
		int fd = fs_openat2(rootfd, *c ? c : ".", O_PATH,
				    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			return err_set(err, errno, ERR_TOOL, "checking on sources under %s: %s",
				       src, strerror(errno));
		close(fd);
		strv_push(out, c);
		return 0;
	}
	char *slash = strrchr(c, '/');
	autofree char *dir = slash ? xstrndup(c, (size_t)(slash - c)) : xstrdup(".");
	const char *pat = slash ? slash + 1 : c;
	if (has_glob(dir))
		return err_set(err, EINVAL, ERR_TOOL,
			       "COPY source %s: globs only in the last part are supported", src);
	int dfd = fs_openat2(rootfd, dir, O_RDONLY | O_DIRECTORY,
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (dfd < 0)
		return err_set(err, errno, ERR_TOOL, "checking on sources under %s: %s", src,
			       strerror(errno));
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return err_sys(err, "reading %s", dir);
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fnmatch(pat, de->d_name, FNM_PERIOD) == 0)
			strv_push_take(out, slash ? xasprintf("%s/%s", dir, de->d_name)
						  : xstrdup(de->d_name));
	}
	closedir(d);
	size_t n = strv_len(*out);
	if (n == 0)
		return err_set(err, ENOENT, ERR_TOOL,
			       "checking on sources under %s: no items matching glob", src);
	qsort(*out, n, sizeof(char *), bld_strcmp);
	return 0;
}

int bld_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---------- hashing (the cache) ---------- */

static int hash_tree(int dfd0, const char *name, const char *rel, const struct bld_ignore *ig,
		     struct sha256_ctx *h, unsigned depth, struct error **err)
{
	if (depth > 256)
		return err_set(err, ELOOP, ERR_TOOL, "%s: too deep", rel);
	if (bld_ignored(ig, rel))
		return 0;
	struct stat st;
	bool top = *name == '\0';
	autofree char *self = top ? xasprintf("/proc/self/fd/%d", dfd0) : NULL;
	if (fstatat(dfd0, name, &st, top ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, "reading %s", rel);
	char head[64];
	int hn =
	    snprintf(head, sizeof(head), "|%o|%lld|", (unsigned)st.st_mode, (long long)st.st_size);
	sha256_update(h, rel, strlen(rel));
	sha256_update(h, head, (size_t)hn);
	if (S_ISREG(st.st_mode)) {
		autoclose int fd = top ? open(self, O_RDONLY | O_CLOEXEC)
				       : openat(dfd0, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(err, "reading %s", rel);
		char buf[65536];
		ssize_t r;
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			sha256_update(h, buf, (size_t)r);
		if (r < 0)
			return err_sys(err, "reading %s", rel);
	} else if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlinkat(dfd0, name, t, sizeof(t));
		if (n > 0)
			sha256_update(h, t, (size_t)n);
	} else if (S_ISDIR(st.st_mode)) {
		int fd = top ? open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			     : openat(dfd0, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return err_sys(err, "reading %s", rel);
		DIR *d = fdopendir(fd);
		if (d == NULL) {
			close(fd);
			return err_sys(err, "reading %s", rel);
		}
		autostrv char **names = xcalloc(1, sizeof(char *));
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				strv_push(&names, de->d_name);
		qsort(names, strv_len(names), sizeof(char *), bld_strcmp);
		int rc = 0;
		for (size_t i = 0; names[i] && rc == 0; i++) {
			autofree char *r2 =
			    *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
			rc = hash_tree(dirfd(d), names[i], r2, ig, h, depth + 1, err);
		}
		closedir(d);
		return rc;
	}
	return 0;
}

int bld_hash_sources(int rootfd, char *const *srcs, const struct bld_ignore *ig,
		     struct sha256_ctx *h, struct error **err)
{
	for (size_t i = 0; srcs[i]; i++) {
		/* the source itself: its symlinks followed inside the root */
		int fd = fs_openat2(rootfd, *srcs[i] ? srcs[i] : ".", O_PATH,
				    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			return err_set(err, errno, ERR_TOOL, "reading %s: %s", srcs[i],
				       strerror(errno));
		int rc = hash_tree(fd, "", srcs[i], ig, h, 0, err);
		close(fd);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---------- copying ---------- */

struct copier {
	const struct bld_copy *c;
	const struct bld_ignore *ig;
};

static int set_meta(int fd, const struct stat *st, const struct bld_copy *c, bool link,
		    struct error **err)
{
	uid_t u = c->chown ? c->uid : 0;
	gid_t g = c->chown ? c->gid : 0;
	if (fchownat(fd, "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, "changing the owner");
	if (link)
		return 0;
	mode_t m = c->chmod ? c->mode : (st->st_mode & 07777);
	if (fs_fchmod(fd, m) < 0)
		return err_sys(err, "changing the mode");
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fs_futimens(fd, ts) < 0)
		return err_sys(err, "setting the times");
	return 0;
}

static int copy_reg(struct copier *cp, int in, const struct stat *st, int ddir, const char *dname,
		    const char *rel, struct error **err);

/* Copy entry name of sdir (st: its stat) to dname in ddir. */
static int copy_entry(struct copier *cp, int sdir, const char *sname, const struct stat *st,
		      int ddir, const char *dname, const char *rel, unsigned depth,
		      struct error **err)
{
	if (depth > 256)
		return err_set(err, ELOOP, ERR_TOOL, "%s: too deep", rel);
	if (S_ISDIR(st->st_mode)) {
		if (mkdirat(ddir, dname, 0755) < 0 && errno != EEXIST)
			return err_sys(err, "creating %s", dname);
		autoclose int dfd =
		    openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0 && errno == ENOTDIR) {
			/* a non-directory where the directory goes: replaced */
			if (unlinkat(ddir, dname, 0) < 0 || mkdirat(ddir, dname, 0755) < 0)
				return err_sys(err, "creating %s", dname);
			dfd = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (dfd < 0)
			return err_sys(err, "opening %s", dname);
		int sfd = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			return err_sys(err, "reading %s", rel);
		DIR *d = fdopendir(sfd);
		if (d == NULL) {
			close(sfd);
			return err_sys(err, "reading %s", rel);
		}
		int rc = 0;
		struct dirent *de;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			autofree char *r2 =
			    *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
			if (bld_ignored(cp->ig, r2))
				continue;
			struct stat cst;
			if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
				rc = err_sys(err, "reading %s", r2);
				break;
			}
			rc = copy_entry(cp, dirfd(d), de->d_name, &cst, dfd, de->d_name, r2,
					depth + 1, err);
		}
		closedir(d);
		if (rc < 0)
			return -1;
		return set_meta(dfd, st, cp->c, false, err);
	}
	/* a directory where a file goes stays an error, as Docker's */
	if (unlinkat(ddir, dname, 0) < 0 && errno != ENOENT)
		return err_sys(err, "replacing %s", dname);
	if (S_ISLNK(st->st_mode)) {
		char t[4096];
		ssize_t n = readlinkat(sdir, sname, t, sizeof(t) - 1);
		if (n < 0)
			return err_sys(err, "reading %s", rel);
		t[n] = '\0';
		if (symlinkat(t, ddir, dname) < 0)
			return err_sys(err, "creating %s", dname);
		autoclose int lfd = openat(ddir, dname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		return lfd < 0 ? err_sys(err, "opening %s", dname)
			       : set_meta(lfd, st, cp->c, true, err);
	}
	if (!S_ISREG(st->st_mode))
		return 0; /* devices, fifos and sockets are not copied */
	autoclose int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return err_sys(err, "reading %s", rel);
	return copy_reg(cp, in, st, ddir, dname, rel, err);
}

static int copy_reg(struct copier *cp, int in, const struct stat *st, int ddir, const char *dname,
		    const char *rel, struct error **err)
{
	if (unlinkat(ddir, dname, 0) < 0 && errno != ENOENT)
		return err_sys(err, "replacing %s", dname);
	autoclose int out =
	    openat(ddir, dname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return err_sys(err, "creating %s", dname);
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (n == 0)
			break;
		if (n < 0 &&
		    (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
			char buf[65536];
			ssize_t r;
			while ((r = read(in, buf, sizeof(buf))) > 0)
				if (fs_write_all(out, buf, (size_t)r) < 0)
					return err_sys(err, "writing %s", dname);
			if (r < 0)
				return err_sys(err, "reading %s", rel);
			break;
		}
		if (n < 0)
			return err_sys(err, "copying %s", rel);
	}
	return set_meta(out, st, cp->c, false, err);
}

/* The destination dir (made inside the rootfs with its parents), an fd. */
static int dest_dir(int rootfd, const char *path, struct error **err)
{
	int fd = fs_open_in_root(rootfd, *path ? path : "/", O_RDONLY | O_DIRECTORY, FS_CREATE_DIR);
	if (fd < 0)
		return err_set(err, errno, ERR_TOOL, "creating %s: %s", path, strerror(errno));
	return fd;
}

static char *dirname_of(const char *p, const char **base)
{
	const char *sl = strrchr(p, '/');
	*base = sl ? sl + 1 : p;
	return sl ? xstrndup(p, (size_t)(sl - p)) : xstrdup("");
}

int bld_copy_into(int rootfd, int srcroot, const struct bld_copy *c, struct error **err)
{
	struct copier cp = { .c = c, .ig = c->ignore };
	size_t n = strv_len(c->srcs);
	bool dst_slash = c->dest[strlen(c->dest) - 1] == '/';
	bool to_dir = dst_slash || n > 1 || c->glob;
	if (!to_dir) {
		/* an existing directory at dest takes the sources too */
		int fd = fs_openat2(rootfd, c->dest, O_RDONLY | O_DIRECTORY,
				    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (fd >= 0) {
			to_dir = true;
			close(fd);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *src = c->srcs[i];
		autoclose int sfd = fs_openat2(srcroot, *src ? src : ".", O_PATH,
					       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (sfd < 0)
			return err_set(err, errno, ERR_TOOL, "reading %s: %s", src,
				       strerror(errno));
		struct stat st;
		if (fstat(sfd, &st) < 0)
			return err_sys(err, "reading %s", src);
		if (S_ISDIR(st.st_mode)) {
			autoclose int dd = dest_dir(rootfd, c->dest, err);
			if (dd < 0)
				return -1;
			autoclose int real = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (real < 0)
				return err_sys(err, "reading %s", src);
			DIR *d = fdopendir(real);
			if (d == NULL)
				return err_sys(err, "reading %s", src);
			real = -1;
			int rc = 0;
			struct dirent *de;
			while (rc == 0 && (de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				autofree char *rel = *src ? xasprintf("%s/%s", src, de->d_name)
							  : xstrdup(de->d_name);
				if (bld_ignored(c->ignore, rel))
					continue;
				struct stat cst;
				if (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
					rc = err_sys(err, "reading %s", rel);
					break;
				}
				rc = copy_entry(&cp, dirfd(d), de->d_name, &cst, dd, de->d_name,
						rel, 1, err);
			}
			closedir(d);
			if (rc < 0)
				return -1;
			continue;
		}
		/* The source's last name (it points into src). */
		const char *sbase = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		const char *dbase = NULL;
		autofree char *ddir_path = NULL;
		if (to_dir) {
			ddir_path = xstrdup(c->dest);
			dbase = sbase;
		} else {
			ddir_path = dirname_of(c->dest, &dbase);
		}
		autoclose int dd = dest_dir(rootfd, ddir_path, err);
		if (dd < 0)
			return -1;
		if (to_dir && dbase[0] == '\0')
			dbase = "."; /* the context's root itself named as a file: impossible */
		/* Named as the source: the file (a symlink followed inside the root). */
		autofree char *self_path = xasprintf("/proc/self/fd/%d", sfd);
		autoclose int in = open(self_path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return err_sys(err, "reading %s", src);
		if (S_ISREG(st.st_mode)) {
			if (copy_reg(&cp, in, &st, dd, dbase, src, err) < 0)
				return -1;
		}
	}
	return 0;
}

int bld_write_file(int rootfd, const char *dest, const char *data, size_t len,
		   const struct bld_copy *c, struct error **err)
{
	const char *base = NULL;
	autofree char *dir = dirname_of(dest, &base);
	autoclose int dd = dest_dir(rootfd, dir, err);
	if (dd < 0)
		return -1;
	if (unlinkat(dd, base, 0) < 0 && errno != ENOENT)
		return err_sys(err, "replacing %s", dest);
	autoclose int fd =
	    openat(dd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, "creating %s", dest);
	if (fs_write_all(fd, data, len) < 0)
		return err_sys(err, "writing %s", dest);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return err_sys(err, "writing %s", dest);
	st.st_mode = (st.st_mode & ~07777) | 0644;
	return set_meta(fd, &st, c, false, err);
}
