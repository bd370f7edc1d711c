/* SPDX-License-Identifier: Apache-2.0 */
/* lib/fs.c and lib/paths.c on a real temporary directory. */
#include "lib/lib.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char *tmp;

static char *at(const char *rel)
{
	return xasprintf("%s/%s", tmp, rel);
}

static void test_write_atomic(void)
{
	struct error *err = NULL;
	autofree char *p = at("state.json");
	is_int(fs_write_atomic(p, "{}", 2, 0640, &err), 0, "atomic write");
	autofree char *data = NULL;
	size_t len = 0;
	is_int(fs_read_file(p, 100, &data, &len, &err), 0, "read back");
	is_str(data, "{}", "content");
	struct stat st;
	stat(p, &st);
	is_int(st.st_mode & 07777, 0640, "mode as asked, umask not applied");
	is_int(fs_write_atomic(p, "[1]", 3, 0600, &err), 0, "replace");
	free(data);
	data = NULL;
	fs_read_file(p, 100, &data, &len, &err);
	is_str(data, "[1]", "replaced content");
	/* No temporary files are left behind. */
	autoclosedir DIR *d = opendir(tmp);
	int n = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		if (de->d_name[0] != '.')
			n++;
	is_int(n, 1, "only the target file in the directory");
	autofree char *bad = at("missing-dir/x");
	is_int(fs_write_atomic(bad, "x", 1, 0600, &err), -1, "a missing directory fails");
	has_str(err ? err->msg : NULL, "missing-dir/x", "the error names the file");
	err_free(&err);
	free(data);
	data = NULL;
	is_int(fs_read_file(p, 2, &data, NULL, &err), -1, "a file over the limit is refused");
	is_int(err ? err->code : 0, EFBIG, "EFBIG");
	err_free(&err);
}

static void test_write_replace(void)
{
	struct error *err = NULL;
	autofree char *p = at("replaced");
	is_int(fs_write_replace(p, "one", 3, 0644, &err), 0, "replace: new file");
	is_int(fs_write_replace(p, "two!", 4, 0600, &err), 0, "replace: existing file");
	autofree char *data = NULL;
	fs_read_file(p, 100, &data, NULL, &err);
	is_str(data, "two!", "replaced content");
	struct stat st;
	stat(p, &st);
	is_int(st.st_mode & 07777, 0600, "mode of the last write");
	autofree char *bad = at("no-dir/x");
	is_int(fs_write_replace(bad, "x", 1, 0600, &err), -1, "a missing directory fails");
	err_free(&err);
	/* Over an existing file it swaps (RENAME_EXCHANGE) and drops the old one: one file,
	 * no temporary left, another inode with the new content. */
	struct stat before, after;
	stat(p, &before);
	is_int(fs_write_replace(p, "three", 5, 0600, &err), 0, "replace by exchange");
	stat(p, &after);
	ok(before.st_ino != after.st_ino, "a new file took the old one's place");
	free(data);
	data = NULL;
	fs_read_file(p, 100, &data, NULL, &err);
	is_str(data, "three", "its content");
	/* A directory in the way: refused as rename refuses it, and the directory stays. */
	autofree char *d = at("a-dir");
	autofree char *inside = at("a-dir/keep");
	mkdir(d, 0700);
	fs_write_replace(inside, "k", 1, 0600, &err);
	is_int(fs_write_replace(d, "x", 1, 0600, &err), -1, "a directory in the way fails");
	is_int(err ? err->code : 0, EISDIR, "EISDIR");
	err_free(&err);
	struct stat st2;
	ok(stat(inside, &st2) == 0 && S_ISREG(st2.st_mode), "the directory and its file stay");
	autoclosedir DIR *dd = opendir(tmp);
	int tmps = 0;
	for (struct dirent *de; (de = readdir(dd)) != NULL;)
		if (strstr(de->d_name, ".tmp-") != NULL)
			tmps++;
	is_int(tmps, 0, "no temporary files left");
}

static void test_mkdir_p(void)
{
	struct error *err = NULL;
	autofree char *deep = at("a/b/c/");
	is_int(fs_mkdir_p(deep, 0700, &err), 0, "mkdir -p of a new tree");
	is_int(fs_mkdir_p(deep, 0700, &err), 0, "again: existing is fine");
	struct stat st;
	autofree char *b = at("a/b");
	stat(b, &st);
	is_int(st.st_mode & 0777, 0700, "new directories get the mode");
	autofree char *file = at("a/file");
	close(open(file, O_CREAT | O_WRONLY, 0600));
	autofree char *under = at("a/file/sub");
	is_int(fs_mkdir_p(under, 0700, &err), -1, "a file in the way fails");
	err_free(&err);
	is_int(fs_mkdir_p(file, 0700, &err), -1, "a file at the target fails");
	has_str(err ? err->msg : NULL, "not a directory", "and says so");
	err_free(&err);
	is_int(fs_mkdir_p("", 0700, &err), -1, "empty path refused");
	err_free(&err);
}

static void test_rm_rf(void)
{
	struct error *err = NULL;
	autofree char *root = at("rm");
	autofree char *inner = at("rm/x/y");
	fs_mkdir_p(inner, 0700, &err);
	autofree char *f = at("rm/x/y/f");
	close(open(f, O_CREAT | O_WRONLY, 0600));
	/* An outside file reachable through a symlink must survive. */
	autofree char *outside = at("outside");
	close(open(outside, O_CREAT | O_WRONLY, 0600));
	autofree char *link = at("rm/x/link");
	ok(symlink(outside, link) == 0, "plant a symlink");
	autofree char *x = at("rm/x");
	chmod(inner, 0500);
	chmod(x, 0500);
	is_int(fs_rm_rf(root, &err), 0, "rm -rf with read-only directories inside");
	ok(!fs_exists(root), "tree gone");
	ok(fs_exists(outside), "symlink target untouched");
	is_int(fs_rm_rf(root, &err), 0, "a missing path is success");
}

/*
 * A tree deeper than the fds we may open (a container can make one as deep as it likes):
 * removed all the same, not left behind with "Too many open files". A name of fs_rm_rf's
 * own at the top (.rm-0, not empty) is not in its way.
 */
static void test_rm_rf_deep(void)
{
	struct error *err = NULL;
	autofree char *root = at("deep");
	autofree char *taken = at("deep/.rm-0/keep");
	fs_mkdir_p(taken, 0700, &err);
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int depth = 0;
	for (; fd >= 0 && depth < 1500; depth++) {
		int sub =
		    mkdirat(fd, "a", 0700) == 0 ? openat(fd, "a", O_RDONLY | O_DIRECTORY) : -1;
		close(fd);
		fd = sub;
	}
	if (fd >= 0)
		close(fd);
	is_int(depth, 1500, "a tree 1500 directories deep");
	struct rlimit old, low = { .rlim_cur = 256 };
	getrlimit(RLIMIT_NOFILE, &old);
	low.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_NOFILE, &low);
	is_int(fs_rm_rf(root, &err), 0, "removed with 256 fds at most: %s", err ? err->msg : "");
	setrlimit(RLIMIT_NOFILE, &old);
	err_free(&err);
	ok(!fs_exists(root), "the deep tree is gone");
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

struct racer {
	const char *a, *b;
	atomic_bool stop;
	atomic_int swaps;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	while (!atomic_load(&r->stop)) {
		syscall(SYS_renameat2, AT_FDCWD, r->a, AT_FDCWD, r->b, RENAME_EXCHANGE);
		atomic_fetch_add(&r->swaps, 1);
	}
	return NULL;
}

/*
 * A directory we may not read is made readable to be emptied: never by name, where a link
 * swapped in meanwhile would be followed and its target chmod'ed (a thread exchanges the
 * directory and a link to a 0600 file while fs_rm_rf runs).
 */
static void test_rm_rf_race(void)
{
	if (geteuid() == 0) {
		skip("machine: root opens any directory: the chmod this checks never runs");
		return;
	}
	autofree char *victim = at("rm-victim");
	close(open(victim, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	chmod(victim, 0600);
	autofree char *root = at("rm-race");
	autofree char *d = at("rm-race/d");
	autofree char *l = at("rm-race/l");
	int changed = 0;
	for (int i = 0; i < 300 && !changed; i++) {
		mkdir(root, 0700);
		mkdir(d, 0);
		symlink(victim, l);
		struct racer r = { .a = d, .b = l };
		pthread_t t;
		pthread_create(&t, NULL, race, &r);
		while (atomic_load(&r.swaps) < 100)
			; /* racing already */
		struct error *err = NULL;
		fs_rm_rf(root, &err); /* may fail: the race moves its entries */
		err_free(&err);
		atomic_store(&r.stop, true);
		pthread_join(t, NULL);
		struct stat st;
		changed = stat(victim, &st) < 0 || (st.st_mode & 07777) != 0600;
		/* Whichever name the directory has now, make it removable. */
		if (lstat(d, &st) == 0 && S_ISDIR(st.st_mode))
			chmod(d, 0700);
		if (lstat(l, &st) == 0 && S_ISDIR(st.st_mode))
			chmod(l, 0700);
		fs_rm_rf(root, NULL);
	}
	is_int(changed, 0, "the file behind a link swapped in for a directory kept its mode");
}

static void test_find_in_path(void)
{
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent:/bin:/usr/bin", 1);
	autofree char *sh = fs_find_in_path("sh");
	ok(sh != NULL && sh[0] == '/', "sh found in PATH: %s", sh ? sh : "(null)");
	autofree char *none = fs_find_in_path("no-such-program-hutch");
	ok(none == NULL, "a missing name is NULL");
	autofree char *abs = fs_find_in_path("/etc/hostname");
	is_str(abs, "/etc/hostname", "an existing path is returned as it is");
	if (old != NULL) {
		setenv("PATH", old, 1);
		free(old);
	}
}

static void test_paths(void)
{
	struct error *err = NULL;
	autofree char *data = at("xdgdata");
	setenv("XDG_DATA_HOME", data, 1);
	autofree char *store = paths_store_dir(&err);
	autofree char *want = at("xdgdata/hutch");
	is_str(store, want, "store under XDG_DATA_HOME");
	autofree char *run = at("xdgrun");
	mkdir(run, 0700);
	setenv("XDG_RUNTIME_DIR", run, 1);
	autofree char *rd = paths_runtime_dir(&err);
	autofree char *want_rd = at("xdgrun/hutch");
	is_str(rd, want_rd, "runtime dir under XDG_RUNTIME_DIR");
	ok(fs_exists(want_rd), "and created");
	setenv("XDG_RUNTIME_DIR", "relative/path", 1);
	setenv("TMPDIR", tmp, 1);
	autofree char *fb = paths_runtime_dir(&err);
	/* /run/user/UID first, as podman, when it is ours; else the private dir in TMPDIR. */
	autofree char *user = xasprintf("/run/user/%u", (unsigned)getuid());
	struct stat ust;
	bool has_user = stat(user, &ust) == 0 && S_ISDIR(ust.st_mode) && ust.st_uid == getuid();
	autofree char *want_fb = has_user
				     ? xasprintf("%s/hutch", user)
				     : xasprintf("%s/hutch-run-%u/hutch", tmp, (unsigned)getuid());
	is_str(fb, want_fb, "a relative XDG_RUNTIME_DIR falls back to /run/user/UID or TMPDIR");
	unsetenv("TMPDIR");
}

typedef int (*open_in_root_fn)(int, const char *, int, enum fs_create);

/* fs_open_in_root's rules, always by the walk (kernels without openat2). */
static int walk_in_root(int root, const char *path, int flags, enum fs_create create)
{
	return fs_resolve_walk(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, create);
}

/* What path opens to under root (read whole), or "ERR:<errno>". */
static char *read_in(open_in_root_fn fn, int root, const char *path)
{
	int fd = fn(root, path, O_RDONLY, FS_CREATE_NONE);
	if (fd < 0)
		return xasprintf("ERR:%d", errno);
	char *text = NULL;
	struct error *err = NULL;
	if (fs_read_fd(fd, 1 << 16, &text, NULL, &err) < 0) {
		err_free(&err);
		text = xstrdup("ERR:read");
	}
	close(fd);
	return text;
}

/* Symlinks that try to leave the root, each resolved inside it: by openat2 (the kernel) and
 * by the walk (kernels without it, valgrind), with the same answers; and what create makes. */
static void test_open_in_root(void)
{
	autofree char *r = at("jail");
	autofree char *outside = at("etc");
	mkdir(r, 0755);
	mkdir(outside, 0755);
	autofree char *decoy = at("etc/passwd");
	fs_write_replace(decoy, "out", 3, 0644, NULL);
	autofree char *etc = at("jail/etc");
	mkdir(etc, 0755);
	autofree char *pw = at("jail/etc/passwd");
	fs_write_replace(pw, "in", 2, 0644, NULL);
	autofree char *dir = at("jail/dir");
	mkdir(dir, 0755);
	autofree char *file = at("jail/file");
	fs_write_replace(file, "f", 1, 0644, NULL);
	static const char *const links[][2] = {
		{ "abs", "/etc" },
		{ "rel", "../../../../etc" },
		{ "dir/up", "../../../../../etc/passwd" },
		{ "dangling_abs", "/made/by/link" },
		{ "dangling_rel", "../../../../made2" },
		{ "loop1", "loop2" },
		{ "loop2", "loop1" },
		{ "proc_like", "/proc/self/root/etc/passwd" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		autofree char *l = xasprintf("%s/%s", r, links[i][0]);
		ok(symlink(links[i][1], l) == 0, "symlink %s -> %s", links[i][0], links[i][1]);
	}
	autoclose int root = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
	static const char *const cases[][2] = {
		{ "etc/passwd", "in" },
		{ "/etc/passwd", "in" },
		{ "abs/passwd", "in" },
		{ "rel/passwd", "in" },
		{ "dir/up", "in" },
		{ "/../../etc/passwd", "in" },
		{ "dir/../../../etc/./passwd", "in" },
		{ "file", "f" },
		{ "nope", "ERR:2" },
		{ "file/x", "ERR:20" },
		{ "file/", "ERR:20" },
		{ "etc/passwd/", "ERR:20" },
		{ "dir/up/", "ERR:20" },
		{ "loop1", "ERR:40" },
		{ "dangling_abs", "ERR:2" },
		{ "proc_like", "ERR:2" },
	};
	open_in_root_fn fns[] = { fs_open_in_root, walk_in_root };
	const char *fn_names[] = { "openat2", "walk" };
	for (size_t f = 0; f < 2; f++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			autofree char *got = read_in(fns[f], root, cases[i][0]);
			is_str(got, cases[i][1], "%s: %s", fn_names[f], cases[i][0]);
		}
	/* The root itself. */
	struct stat a, b;
	fstat(root, &a);
	int fd = walk_in_root(root, "/", O_PATH, FS_CREATE_NONE);
	ok(fd >= 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino, "walk: / is the root");
	if (fd >= 0)
		close(fd);
	fd = walk_in_root(root, "dir/..", O_PATH, FS_CREATE_NONE);
	ok(fd >= 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino, "walk: dir/.. is the root");
	if (fd >= 0)
		close(fd);
	/* Made inside, where the links point, and never outside. */
	for (size_t f = 0; f < 2; f++) {
		autofree char *sub = xasprintf("new%zu/deep/f", f);
		fd = fns[f](root, sub, O_PATH, FS_CREATE_FILE);
		autofree char *made = xasprintf("%s/%s", r, sub);
		struct stat st;
		ok(fd >= 0 && stat(made, &st) == 0 && S_ISREG(st.st_mode), "%s: made %s, a file",
		   fn_names[f], sub);
		if (fd >= 0)
			close(fd);
		autofree char *dsub = xasprintf("newdir%zu/d", f);
		fd = fns[f](root, dsub, O_PATH | O_DIRECTORY, FS_CREATE_DIR);
		autofree char *dmade = xasprintf("%s/%s", r, dsub);
		ok(fd >= 0 && stat(dmade, &st) == 0 && S_ISDIR(st.st_mode), "%s: made %s, a dir",
		   fn_names[f], dsub);
		if (fd >= 0)
			close(fd);
	}
	fd = fs_open_in_root(root, "dangling_abs", O_PATH, FS_CREATE_FILE);
	autofree char *made_abs = at("jail/made/by/link");
	ok(fd >= 0 && fs_exists(made_abs), "a link to nothing: its target is made, inside");
	ok(!fs_exists("/made"), "and nothing at /made");
	if (fd >= 0)
		close(fd);
	fd = walk_in_root(root, "dangling_rel", O_PATH, FS_CREATE_FILE);
	autofree char *made_rel = at("jail/made2");
	autofree char *escaped = at("made2");
	ok(fd >= 0 && fs_exists(made_rel) && !fs_exists(escaped),
	   "walk: a climbing link to nothing is made inside too");
	if (fd >= 0)
		close(fd);
	is_int(walk_in_root(root, "file/x", O_PATH, FS_CREATE_FILE), -1,
	       "walk: no dir made through a file");
	autofree char *back = NULL;
	fs_read_file(decoy, 100, &back, NULL, NULL);
	is_str(back, "out", "the file outside is untouched");

	/* The other rules the walk stands in for, against the kernel's answers. */
	const uint64_t beneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	static const char *const out_paths[] = { "abs/passwd", "rel/passwd", "/etc/passwd",
						 "../x" };
	for (size_t i = 0; i < sizeof(out_paths) / sizeof(out_paths[0]); i++) {
		errno = 0;
		int k = fs_openat2(root, out_paths[i], O_RDONLY, beneath);
		int ke = errno;
		errno = 0;
		int wk = fs_resolve_walk(root, out_paths[i], O_RDONLY, beneath, FS_CREATE_NONE);
		int we = errno;
		ok(k < 0 && wk < 0 && ke == EXDEV && we == EXDEV,
		   "beneath: %s is a way out (%d, %d)", out_paths[i], ke, we);
		if (k >= 0)
			close(k);
		if (wk >= 0)
			close(wk);
	}
	fd = fs_resolve_walk(root, "dir/../etc/passwd", O_RDONLY, beneath, FS_CREATE_NONE);
	ok(fd >= 0, "beneath: dir/../etc/passwd stays below");
	if (fd >= 0)
		close(fd);
	/* /proc is a mount point below /. */
	autoclose int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const uint64_t noxdev = RESOLVE_IN_ROOT | RESOLVE_NO_XDEV;
	errno = 0;
	int kx = fs_openat2(slash, "proc/self", O_PATH, noxdev), kxe = errno;
	errno = 0;
	fd = fs_resolve_walk(slash, "proc/self", O_PATH, noxdev, FS_CREATE_NONE);
	ok(fd < 0 && errno == EXDEV && kx < 0 && kxe == EXDEV,
	   "no_xdev: crossing into another filesystem is refused");
	if (kx >= 0)
		close(kx);
	if (fd >= 0)
		close(fd);
	fd = fs_resolve_walk(slash, "proc/self", O_PATH, RESOLVE_IN_ROOT, FS_CREATE_NONE);
	ok(fd >= 0, "and allowed without it");
	if (fd >= 0)
		close(fd);
	/* O_NOFOLLOW: the last link is opened itself (O_PATH), as by the kernel. */
	for (size_t f = 0; f < 2; f++) {
		fd = fns[f](root, "abs", O_PATH | O_NOFOLLOW, FS_CREATE_NONE);
		struct stat st;
		ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
		   "%s: O_NOFOLLOW gives the link", fn_names[f]);
		if (fd >= 0)
			close(fd);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-fs-XXXXXX";
	tmp = mkdtemp(tmpl);
	if (tmp == NULL)
		return 1;
	test_write_atomic();
	test_write_replace();
	test_mkdir_p();
	test_rm_rf();
	test_rm_rf_deep();
	test_rm_rf_race();
	test_find_in_path();
	test_paths();
	test_open_in_root();
	struct error *err = NULL;
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
