/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/unpack.c inside a real user namespace: every crafted tarball of the corpus
 * fails cleanly and writes nothing outside its layer dir; whiteouts become the overlay
 * form; ownership lands on subordinate ids.
 */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static struct userns_map map;

struct job {
	const char *tarball;
	const char *layer;
	bool remove; /* rm -rf layer instead of unpacking */
};

static int job_fn(void *arg, struct error **err)
{
	struct job *j = arg;
	if (j->remove)
		return fs_rm_rf(j->layer, err);
	autoclose int fd = open(j->tarball, O_RDONLY | O_CLOEXEC);
	autoclose int dfd = open(j->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || dfd < 0)
		return err_sys(err, "opening %s", j->tarball);
	struct unpack_result res;
	return unpack_tar_fd(fd, dfd, NULL, &res, err);
}

static int in_userns(struct job *j, struct error **err)
{
	struct userns_child child;
	int status = 0;
	if (userns_spawn(&map, 0, job_fn, j, &child, err) < 0)
		return -1;
	return proc_wait(child.pid, &status, err) < 0 || status != 0 ? -1 : 0;
}

static void corpus(const char *tmp)
{
	const char *dir = "tests/data/bad/tarballs";
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	ok(n > 8, "tarball corpus present");
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (name[0] != '.') {
			autofree char *root = xasprintf("%s/%s", tmp, name);
			autofree char *layer = xasprintf("%s/layer", root);
			autofree char *tb = xasprintf("%s/%s", dir, name);
			mkdir(root, 0755);
			mkdir(layer, 0755);
			struct job j = { .tarball = tb, .layer = layer };
			struct error *err = NULL;
			int rc = in_userns(&j, &err);
			ok(rc < 0 && err != NULL, "%s fails cleanly: %s", name,
			   err ? err->msg : "-");
			err_free(&err);
			/* Nothing but the layer dir next to it. */
			autoclosedir DIR *d = opendir(root);
			int others = 0;
			for (struct dirent *de; d && (de = readdir(d)) != NULL;)
				others += de->d_name[0] != '.' && strcmp(de->d_name, "layer") != 0;
			is_int(others, 0, "%s wrote nothing outside the layer", name);
			j.remove = true;
			in_userns(&j, NULL);
		}
		free(list[i]);
	}
	free(list);
}

static void add(struct archive *a, const char *name, mode_t type, mode_t mode, int uid,
		const char *data)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, uid);
	archive_entry_set_mtime(e, 1704067200, 0);
	archive_entry_set_size(e, data ? (la_int64_t)strlen(data) : 0);
	archive_write_header(a, e);
	if (data)
		archive_write_data(a, data, strlen(data));
	archive_entry_free(e);
}

static void whiteouts(const char *tmp)
{
	autofree char *tb = xasprintf("%s/wh.tar.gz", tmp);
	autofree char *layer = xasprintf("%s/whlayer", tmp);
	mkdir(layer, 0755);
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	archive_write_open_filename(a, tb);
	add(a, "a/", AE_IFDIR, 0755, 0, NULL);
	add(a, "a/.wh.gone", AE_IFREG, 0644, 0, "");
	add(a, "o/", AE_IFDIR, 0755, 0, NULL);
	add(a, "o/.wh..wh..opq", AE_IFREG, 0644, 0, "");
	add(a, "o/new", AE_IFREG, 0644, 0, "new\n");
	add(a, "/abs/f", AE_IFREG, 04755, 1000, "x");
	archive_write_close(a);
	archive_write_free(a);
	struct job j = { .tarball = tb, .layer = layer };
	struct error *err = NULL;
	is_int(in_userns(&j, &err), 0, "whiteout layer unpacks %s", err ? err->msg : "");
	err_free(&err);
	struct stat st;
	autofree char *gone = xasprintf("%s/a/gone", layer);
	ok(lstat(gone, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
	   ".wh.gone became a 0/0 character device");
	autofree char *o = xasprintf("%s/o", layer);
	char v[8] = { 0 };
	is_int(getxattr(o, "user.overlay.opaque", v, sizeof(v)), 1, "opaque xattr set");
	is_str(v, "y", "opaque xattr value");
	autofree char *marker = xasprintf("%s/o/.wh..wh..opq", layer);
	ok(!fs_exists(marker), "no .wh. file left");
	autofree char *abs = xasprintf("%s/abs/f", layer);
	ok(lstat(abs, &st) == 0 && (st.st_mode & 07777) == 04755,
	   "absolute name inside, setuid kept");
	ok(st.st_uid == map.uids[1].outside + 999, "uid 1000 is subordinate id start + 999");
	j.remove = true;
	in_userns(&j, NULL);
}

int main(void)
{
	struct error *err = NULL;
	if (userns_default_map(&map, &err) < 0 || map.single || userns_check_helpers(&err) < 0) {
		skip("machine: no subordinate ids or uidmap helpers (%s)",
		     err ? err->msg : "single");
		err_free(&err);
		return done_testing();
	}
	char tmpl[] = "/tmp/hutch-unpack-XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	corpus(tmp);
	whiteouts(tmp);
	fs_rm_rf(tmp, NULL);
	userns_map_clear(&map);
	return done_testing();
}
