/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: layer unpack (storage/unpack.c unpack_tar_fd). The input is the layer
 * stream (tar, or gzip/zstd/xz of one), unpacked into a fresh diff dir that sits in a jail
 * dir beside a sentinel file, in an outer dir beside another. After each run nothing but
 * the diff dir and the sentinels may exist there, the sentinels unchanged (content, inode,
 * owner, mode, link count, times), and no fd may be left open; then the tree is removed.
 * As in a pull, the unpack runs as root of a user namespace: the harness moves itself into
 * one at start-up, mapping 0 to the caller and 1..65536 to a range of unused ids when it
 * runs as root (so chown, setuid bits, whiteouts and xattrs take the real paths, and
 * trusted.* xattrs or devices are refused as they are to a rootless user), else only 0.
 * $FUZZ_UNPACK_TMP picks where the tree goes (default $TMPDIR, else /tmp).
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where ids 1..65536 of the namespace land when the harness runs as root: far above any
 * real user and the usual subordinate ranges. */
#define SUBID_BASE 2000000000UL
#define SUBID_COUNT 65536UL
#define SENTINEL_TEXT "sentinel: must stay as it is\n"

static int input_fd = -1;
static char *outer, *jail, *diff;
static char *sentinels[2];
static struct stat sentinel_st[2];

/* A step of the harness itself failed (not the unpack): say which, and stop. */
__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "fuzz_unpack: %s: %s\n", what, strerror(errno));
	abort();
}

static void write_file(const char *path, const char *text)
{
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0)
		die(path);
}

/*
 * As root: a helper still in the initial namespace writes our maps once we have unshared
 * (a process inside a new namespace may map only its own id; CAP_SETUID in the parent
 * namespace may map any). Otherwise the single own-id mapping, as hutch without subids.
 */
static void enter_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	pid_t self = getpid(), helper = uid == 0 ? fork() : -1;
	if (helper == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		char path[64], map[128];
		snprintf(map, sizeof(map), "0 0 1\n1 %lu %lu\n", SUBID_BASE, SUBID_COUNT);
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)self);
		write_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)self);
		write_file(path, map);
		_exit(0);
	}
	if (uid == 0 && helper < 0)
		die("fork");
	if (unshare(CLONE_NEWUSER) < 0)
		die("unshare(CLONE_NEWUSER)");
	if (helper > 0) {
		int status = 0;
		if (write(go[1], "g", 1) != 1 || waitpid(helper, &status, 0) < 0 || status != 0)
			fuzz_fail("the helper could not write the id maps (status %d)", status);
	} else {
		char map[64];
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	close(go[0]);
	close(go[1]);
}

static void make_sentinel(int i, const char *dir, const char *name)
{
	sentinels[i] = xasprintf("%s/%s", dir, name);
	autoclose int fd = open(sentinels[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || fs_write_all(fd, SENTINEL_TEXT, strlen(SENTINEL_TEXT)) < 0 ||
	    fstat(fd, &sentinel_st[i]) < 0)
		die(sentinels[i]);
}

/* The open fds; with show, each on stderr with what it is open on. */
static size_t count_fds(bool show)
{
	autoclosedir DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		die("/proc/self/fd");
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		char target[4096] = "?";
		autofree char *link = xasprintf("/proc/self/fd/%s", de->d_name);
		ssize_t len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 1] = '\0';
		if (show)
			fprintf(stderr, "fd %s -> %s\n", de->d_name, target);
	}
	return n;
}

/* At a normal end (-max_total_time, -runs): the tree goes. After a crash it stays to look
 * at, under $FUZZ_UNPACK_TMP. */
static void remove_tree(void)
{
	struct error *err = NULL;
	if (fs_rm_rf(outer, &err) < 0) {
		fprintf(stderr, "fuzz_unpack: %s\n", err->msg);
		err_free(&err);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_current_level = LOG_LEVEL_ERROR; /* the unpack warns about device nodes */
	enter_userns();
	const char *tmp = getenv("FUZZ_UNPACK_TMP");
	if (tmp == NULL || *tmp == '\0')
		tmp = getenv("TMPDIR");
	outer = xasprintf("%s/hutch-fuzz-unpack-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(outer) == NULL)
		die(outer);
	jail = xasprintf("%s/jail", outer);
	diff = xasprintf("%s/diff", jail);
	if (mkdir(jail, 0700) < 0)
		die(jail);
	make_sentinel(0, outer, "outer-sentinel");
	make_sentinel(1, jail, "sentinel");
	input_fd = memfd_create("layer", MFD_CLOEXEC);
	if (input_fd < 0)
		die("memfd_create");
	atexit(remove_tree);
	return 0;
}

/* dir holds exactly the names given (plus . and ..). */
static void check_dir(const char *dir, const char *a, const char *b)
{
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		die(dir);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		const char *n = de->d_name;
		if (strcmp(n, ".") != 0 && strcmp(n, "..") != 0 && strcmp(n, a) != 0 &&
		    strcmp(n, b) != 0)
			fuzz_fail("the unpack wrote \"%s\" into %s, outside the layer", n, dir);
	}
}

static void check_sentinel(int i)
{
	struct stat st;
	const struct stat *was = &sentinel_st[i];
	if (lstat(sentinels[i], &st) < 0)
		die(sentinels[i]);
	if (st.st_ino != was->st_ino || st.st_dev != was->st_dev || st.st_mode != was->st_mode ||
	    st.st_uid != was->st_uid || st.st_gid != was->st_gid || st.st_nlink != 1 ||
	    st.st_size != was->st_size || st.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != was->st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != was->st_ctim.tv_sec || st.st_ctim.tv_nsec != was->st_ctim.tv_nsec)
		fuzz_fail("the unpack changed %s outside the layer", sentinels[i]);
	autofree char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file(sentinels[i], 4096, &text, NULL, &err) < 0 ||
	    strcmp(text, SENTINEL_TEXT) != 0)
		fuzz_fail("the content of %s changed", sentinels[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(input_fd, 0) < 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size ||
	    lseek(input_fd, 0, SEEK_SET) != 0)
		die("writing the memfd");
	/* Counted here, not once at start: libFuzzer keeps pipes to llvm-symbolizer open
	 * once it has named a new function. */
	size_t baseline_fds = count_fds(false);
	/* As layers.c makes it: a fresh 0755 dir, opened as the unpack's root. */
	if (mkdir(diff, 0755) < 0)
		die(diff);
	autoclose int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(diff);
	struct unpack_result res = { 0 };
	struct error *err = NULL;
	/* A pull's budget, as for a small layer: a bomb is a clean error, not a full disk. */
	struct unpack_budget budget = { .left = 64 << 20 };
	int rc = unpack_tar_fd(input_fd, dfd, &budget, &res, &err);
	fuzz_check_err("unpack_tar_fd", rc, &err);
	if (rc == 0 && (!storage_digest_valid(res.diff_id) || res.size < 0))
		fuzz_fail("unpacked with diff ID \"%s\" and size %lld", res.diff_id,
			  (long long)res.size);
	close(steal_fd(&dfd));
	check_dir(outer, "jail", "outer-sentinel");
	check_dir(jail, "diff", "sentinel");
	check_sentinel(0);
	check_sentinel(1);
	size_t fds = count_fds(false);
	if (fds != baseline_fds) {
		count_fds(true);
		fuzz_fail("the unpack left %zd fds open", (ssize_t)(fds - baseline_fds));
	}
	if (fs_rm_rf(diff, &err) < 0)
		fuzz_fail("cleaning up: %s", err->msg);
	return 0;
}
