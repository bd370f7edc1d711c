/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process side of the container: user and groups, the five capability sets (raw
 * capset/prctl, no libcap), rlimits, oom_score_adj, the executable lookup that lets
 * create fail with "not found" or "not executable", and closing inherited fds.
 */
#include "oci/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int oci_cap_last(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	char buf[16] = { 0 };
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			last = atoi(buf);
		close(fd);
	}
	if (last <= 0)
		last = CAP_LAST_CAP;
	return last;
}

/* Drop what is not in the bounding set; needs CAP_SETPCAP, so before the uid change. */
static int drop_bounding(const struct rt_process *p, struct error **err)
{
	if (!p->has_caps)
		return 0;
	int last = oci_cap_last();
	for (int i = 0; i <= last; i++) {
		if (p->caps.bounding & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
			return err_sys(err, "dropping %s from the bounding set",
				       oci_cap_name(i) ? oci_cap_name(i) : "a capability");
	}
	return 0;
}

int oci_process_apply_user(const struct rt_process *p, struct error **err)
{
	if (drop_bounding(p, err) < 0)
		return -1;
	if (p->n_gids > 0) {
		gid_t *g = xcalloc(p->n_gids, sizeof(*g));
		for (size_t i = 0; i < p->n_gids; i++)
			g[i] = p->gids[i];
		int rc = setgroups(p->n_gids, g);
		free(g);
		if (rc < 0)
			return err_sys(err, "setting additional groups");
	} else if (setgroups(0, NULL) < 0 && errno != EPERM) {
		/* EPERM: setgroups is denied in a single-id user namespace; nothing to drop. */
		return err_sys(err, "clearing additional groups");
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return err_sys(err, "setting gid %u", p->gid);
	/* Keep the permitted set across the uid change; caps.c sets the rest right after. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return err_sys(err, "prctl(PR_SET_KEEPCAPS)");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return err_sys(err, "setting uid %u", p->uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

int oci_process_apply_caps(const struct rt_process *p, struct error **err)
{
	if (!p->has_caps)
		return 0;
	const struct rt_caps *c = &p->caps;
	int last = oci_cap_last();
	/* The bounding set was dropped before the uid change, which needs CAP_SETPCAP. */
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(c->effective >> (32 * i));
		data[i].permitted = (uint32_t)(c->permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(c->inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return err_sys(err, "setting capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return err_sys(err, "clearing ambient capabilities");
	for (int i = 0; i <= last; i++) {
		if (!(c->ambient & (1ULL << i)))
			continue;
		/* Like runc: an ambient cap missing from permitted or inheritable is skipped. */
		if (!(c->permitted & c->inheritable & (1ULL << i)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
			return err_sys(err, "raising ambient capability %s", oci_cap_name(i));
	}
	return 0;
}

int oci_process_apply_rlimits(const struct rt_process *p, struct error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit r = { .rlim_cur = p->rlimits[i].soft,
				    .rlim_max = p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &r) < 0)
			return err_sys(err, "setting rlimit %d to %llu/%llu",
				       p->rlimits[i].resource, (unsigned long long)r.rlim_cur,
				       (unsigned long long)r.rlim_max);
	}
	return 0;
}

int oci_process_apply_misc(const struct rt_process *p, struct error **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening /proc/self/oom_score_adj");
	int rc = fs_write_all(fd, buf, (size_t)len);
	int e = errno;
	close(fd);
	/* Rootless cannot lower the score below what it has (runc fails the same way). */
	errno = e;
	if (rc < 0)
		return err_sys(err, "setting oomScoreAdj to %d", p->oom_score_adj);
	return 0;
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* 0 when path is an executable file, else the errno exec would give: EACCES for a
 * directory too, as execve and runc say ("permission denied"). */
static int check_exe(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
		return EACCES;
	return 0;
}

char *oci_resolve_exe(const struct rt_process *p, struct error **err)
{
	const char *name = p->args[0];
	if (strchr(name, '/') != NULL) {
		int e = check_exe(name);
		if (e == 0)
			return xstrdup(name);
		err_set(err, e, e == ENOENT || e == ENOTDIR ? ERR_NOTFOUND : ERR_INVOKE,
			"exec: \"%s\": %s", name, e == EACCES ? "permission denied" : strerror(e));
		return NULL;
	}
	autofree char *path = xstrdup(env_path(p->env));
	int seen = ENOENT;
	char *save = NULL;
	for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		autofree char *cand = xasprintf("%s/%s", dir[0] ? dir : ".", name);
		int e = check_exe(cand);
		if (e == 0)
			return steal_ptr(&cand);
		if (e == EACCES)
			seen = EACCES;
	}
	if (seen == EACCES)
		err_set(err, EACCES, ERR_INVOKE, "exec: \"%s\": permission denied", name);
	else
		err_set(err, ENOENT, ERR_NOTFOUND,
			"exec: \"%s\": executable file not found in $PATH", name);
	return NULL;
}

int oci_close_fds_from(int first, int keep, struct error **err)
{
	/* Preserved fds 3..first-1 must survive exec even if the caller had them CLOEXEC. */
	for (int fd = 3; fd < first; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	/* Everything else closes at exec; we still need our sockets until then. */
	if (keep < 0) {
		if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
			return 0;
	}
	autoclosedir DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return err_sys(err, "listing open file descriptors");
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd < first || fd == keep || fd == dirfd(d))
			continue;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static bool is_kept(int fd, const int *keep, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (keep[i] == fd)
			return true;
	return false;
}

int oci_close_fds_except(int first, const int *keep_in, size_t n, struct error **err)
{
	int keep[n + 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (keep_in[i] >= first)
			keep[k++] = keep_in[i];
	qsort(keep, k, sizeof(int), cmp_int);
	/* The gaps between the kept fds, closed a range at a time (Linux 5.9). */
	unsigned lo = (unsigned)first;
	bool ok = true;
	for (size_t i = 0; i < k && ok; i++) {
		if ((unsigned)keep[i] > lo)
			ok = syscall(SYS_close_range, lo, (unsigned)keep[i] - 1, 0) == 0;
		if ((unsigned)keep[i] + 1 > lo)
			lo = (unsigned)keep[i] + 1;
	}
	ok = ok && syscall(SYS_close_range, lo, ~0U, 0) == 0;
	if (ok)
		return 0;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return err_sys(err, "listing open file descriptors");
	/* Collected first: closing while reading the directory would skip entries. */
	int fds[1024];
	size_t nf = 0;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd >= first && fd != dirfd(d) &&
		    !is_kept(fd, keep, k) && nf < sizeof(fds) / sizeof(fds[0]))
			fds[nf++] = fd;
	}
	closedir(d);
	for (size_t i = 0; i < nf; i++)
		close(fds[i]);
	return nf == sizeof(fds) / sizeof(fds[0]) ? oci_close_fds_except(first, keep, k, err) : 0;
}

int oci_enter_cwd(const char *cwd, struct error **err)
{
	/*
	 * Resolved below "/", the container's root by now, as though it were the root: a
	 * symlink in the image stays inside, and a /proc magic link (a WorkingDir of
	 * /proc/self/fd/N naming a directory the runtime had open, runc's CVE-2024-21626) is
	 * refused. Every fd we were handed has been closed before this in any case.
	 */
	autoclose int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int fd =
	    root < 0 ? -1 : fs_open_in_root(root, cwd, O_PATH | O_DIRECTORY, FS_CREATE_NONE);
	/* podman's words and 126: the command cannot be invoked there */
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return err_set(err, errno, ERR_INVOKE, "workdir \"%s\" does not exist on container",
			       cwd);
	if (fd < 0 || fchdir(fd) < 0)
		return err_sys(err, "changing to the working directory %s", cwd);
	/* And the kernel must see it inside the root: getcwd fails for a directory outside. */
	char buf[PATH_MAX];
	if (getcwd(buf, sizeof(buf)) == NULL && errno != ERANGE)
		return err_set(err, EPERM, ERR_TOOL,
			       "the working directory %s is outside the container's root", cwd);
	return 0;
}
