/* SPDX-License-Identifier: Apache-2.0 */
/* lib/fs.c and lib/paths.c on a real temporary directory. */
#include "lib/lib.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	autofree char *want_fb = xasprintf("%s/hutch-run-%u/hutch", tmp, (unsigned)getuid());
	is_str(fb, want_fb, "a relative XDG_RUNTIME_DIR falls back to TMPDIR");
	unsetenv("TMPDIR");
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
	test_find_in_path();
	test_paths();
	struct error *err = NULL;
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
