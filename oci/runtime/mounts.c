/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem, inside its mount namespace: the rootfs bound onto itself,
 * the config's mounts in order, devices (rootless: bind mounts of the host nodes), then
 * pivot_root, masked and read-only paths and a read-only root. Destinations are resolved
 * inside the rootfs (fs_open_in_root: openat2's RESOLVE_IN_ROOT, or the same walk where
 * the kernel has none) and mounted on /proc/self/fd/N, so a symlink in the image can never
 * send a mount, or a file made for one, outside the rootfs.
 */
#include "oci/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/*
 * Open dest below rootfs as O_PATH, creating it (and its parents) when missing, inside the
 * rootfs even where a symlink on the way points out of it: a directory, or an empty file
 * when is_file (bind mounts of files and devices).
 */
static int open_dest(const char *rootfs, const char *dest, bool is_file, struct error **err)
{
	autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(err, "opening %s", rootfs);
	int fd = fs_open_in_root(rootfd, dest, O_PATH, is_file ? FS_CREATE_FILE : FS_CREATE_DIR);
	if (fd < 0)
		return err_sys(err, "resolving %s in the rootfs", dest);
	return fd;
}

/* Flags a user namespace cannot clear on a remount: keep them (EPERM otherwise). */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Remount a bind mount with flags (ro, nosuid...), keeping the locked ones. */
static int remount_bind(const char *target, unsigned long flags, struct error **err)
{
	unsigned long f = MS_BIND | MS_REMOUNT | flags | locked_flags(target);
	if (mount(NULL, target, NULL, f, NULL) < 0)
		return err_sys(err, "remounting %s", target);
	return 0;
}

/* Bind source on target; the flags a bind cannot take at once go to *remount. */
static int bind_at(const char *source, const char *target, const struct rt_mount *m,
		   unsigned long *remount, struct error **err)
{
	unsigned long f = MS_BIND | (m->rec ? MS_REC : 0);
	if (mount(source, target, NULL, f, NULL) < 0)
		return err_sys(err, "bind mount %s", source);
	*remount = m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
	return 0;
}

/* Drop "gid=N" from mount data: in a user namespace N may not be mapped (devpts). */
static char *without_gid(const char *data)
{
	autofree char *copy = xstrdup(data);
	char *out = xstrdup(""), *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "gid=", 4) == 0)
			continue;
		char *n = xasprintf("%s%s%s", out, out[0] ? "," : "", o);
		free(out);
		out = n;
	}
	return out;
}

/* Bind the host's path read-only where the kernel refuses a fresh mount of m->type. */
static int host_bind_fallback(const char *host, const char *target, const struct rt_mount *m,
			      unsigned long *remount, struct error **err)
{
	struct rt_mount b = *m;
	b.rec = true;
	b.flags = m->flags | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	return bind_at(host, target, &b, remount, err);
}

static bool is_cgroup2_host(void)
{
	struct statvfs sv;
	return statvfs("/sys/fs/cgroup/cgroup.controllers", &sv) == 0;
}

static int mount_special(const struct rt_mount *m, const char *target, bool own_netns,
			 bool own_cgroupns, unsigned long *remount, struct error **err)
{
	const char *type = m->type;
	const char *src = m->source != NULL ? m->source : type;
	unsigned long f = m->flags & ~(unsigned long)MS_REMOUNT;
	if (strcmp(type, "sysfs") == 0 && !own_netns)
		/* sysfs needs a network namespace of our own; crun binds the host's instead. */
		return host_bind_fallback("/sys", target, m, remount, err);
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) {
		if (own_cgroupns && is_cgroup2_host() &&
		    mount("cgroup2", target, "cgroup2", f, NULL) == 0)
			return 0;
		return host_bind_fallback("/sys/fs/cgroup", target, m, remount, err);
	}
	if (mount(src, target, type, f, m->data) == 0)
		return 0;
	int e = errno;
	if (strcmp(type, "devpts") == 0 && e == EINVAL && m->data != NULL) {
		autofree char *data = without_gid(m->data);
		if (mount(src, target, type, f, data) == 0)
			return 0;
	}
	if ((e == EPERM || e == EACCES) && strcmp(type, "mqueue") == 0)
		return host_bind_fallback("/dev/mqueue", target, m, remount, err);
	if ((e == EPERM || e == EACCES) && strcmp(type, "sysfs") == 0)
		return host_bind_fallback("/sys", target, m, remount, err);
	errno = e;
	return err_sys(err, "mounting %s on %s", type, m->dest);
}

/* ---------- tmpcopyup ---------- */

static int copy_entries(int from, int to, int depth, struct error **err);

/* Owner, mode and times of what fd is, as st says (links: owner and times only). */
static void copy_meta(int fd, const struct stat *st)
{
	if (fchownat(fd, "", st->st_uid, st->st_gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		log_debug("tmpcopyup: chown: %s", strerror(errno));
	if (!S_ISLNK(st->st_mode) && fs_fchmod(fd, st->st_mode & 07777) < 0)
		log_debug("tmpcopyup: chmod: %s", strerror(errno));
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	fs_futimens(fd, ts);
}

static int copy_data(int in, int out, const char *name, struct error **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(err, "tmpcopyup: reading %s", name);
		if (n == 0)
			return 0;
		if (fs_write_all(out, buf, (size_t)n) < 0)
			return err_sys(err, "tmpcopyup: writing %s", name);
	}
}

/* One entry of from (a directory fd) into to, never following a link of the image's. */
static int copy_entry(int from, int to, const char *name, int depth, struct error **err)
{
	struct stat st;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : err_sys(err, "tmpcopyup: %s", name);
	autoclose int in = -1, made = -1;
	if (S_ISDIR(st.st_mode)) {
		in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in < 0 || mkdirat(to, name, 0700) < 0)
			return err_sys(err, "tmpcopyup: %s", name);
		made = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (made < 0 || copy_entries(in, made, depth + 1, err) < 0)
			return made < 0 ? err_sys(err, "tmpcopyup: %s", name) : -1;
	} else if (S_ISREG(st.st_mode)) {
		in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		made = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || made < 0)
			return err_sys(err, "tmpcopyup: %s", name);
		if (copy_data(in, made, name, err) < 0)
			return -1;
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
		if (n < 0)
			return err_sys(err, "tmpcopyup: %s", name);
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0)
			return err_sys(err, "tmpcopyup: %s", name);
		made = openat(to, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	} else {
		/* FIFOs and sockets; device nodes cannot be made in a user namespace. */
		if (mknodat(to, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
			return 0;
		made = openat(to, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (made >= 0)
		copy_meta(made, &st);
	return 0;
}

static int copy_entries(int from, int to, int depth, struct error **err)
{
	if (depth > 64)
		return err_set(err, ELOOP, ERR_TOOL, "tmpcopyup: directories nested too deep");
	int dfd = fcntl(from, F_DUPFD_CLOEXEC, 3);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		if (dfd >= 0)
			close(dfd);
		return err_sys(err, "tmpcopyup: listing a directory");
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = copy_entry(from, to, de->d_name, depth, err);
	closedir(d);
	return rc;
}

/* The new tmpfs at dest starts with what below (the directory under it) holds, and its
 * owner and mode. */
static int tmp_copyup(const struct rt_spec *s, const char *dest, int below, struct error **err)
{
	autoclose int top = open_dest(s->root_path, dest, false, err);
	if (top < 0)
		return -1;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", top);
	autoclose int to = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (to < 0 || fstat(below, &st) < 0)
		return err_sys(err, "tmpcopyup %s", dest);
	if (copy_entries(below, to, 0, err) < 0)
		return err_wrap(err, "mount %s", dest);
	copy_meta(to, &st);
	return 0;
}

static int mount_one(const struct rt_spec *s, const struct rt_mount *m, bool own_netns,
		     bool own_cgroupns, struct error **err)
{
	bool is_file = false;
	struct stat st;
	if (m->bind) {
		if (stat(m->source, &st) < 0)
			return err_sys(err, "bind mount source %s", m->source);
		is_file = !S_ISDIR(st.st_mode);
	}
	autoclose int fd = open_dest(s->root_path, m->dest, is_file, err);
	if (fd < 0)
		return -1;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	/* The directory the tmpfs will hide, opened while it is still the one there. */
	autoclose int below = -1;
	if (m->copyup && !m->bind && strcmp(m->type, "tmpfs") == 0)
		below = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned long remount = 0;
	int rc = m->bind ? bind_at(m->source, target, m, &remount, err)
			 : mount_special(m, target, own_netns, own_cgroupns, &remount, err);
	if (rc < 0)
		return err_wrap(err, "mount %s", m->dest);
	if (below >= 0 && tmp_copyup(s, m->dest, below, err) < 0)
		return -1;
	if (remount == 0 && m->propagation == 0)
		return 0;
	/* Our fd is the directory under the new mount; remounts need the mount itself. */
	autoclose int top = open_dest(s->root_path, m->dest, is_file, err);
	if (top < 0)
		return -1;
	snprintf(target, sizeof(target), "/proc/self/fd/%d", top);
	if (remount != 0 && remount_bind(target, remount, err) < 0)
		return err_wrap(err, "mount %s", m->dest);
	if (m->propagation != 0 && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return err_sys(err, "setting the propagation of %s", m->dest);
	return 0;
}

/* ---------- devices ---------- */

static const char *const default_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};

static int bind_device(const char *rootfs, const char *host, const char *dest, struct error **err)
{
	autoclose int fd = open_dest(rootfs, dest, true, err);
	if (fd < 0)
		return -1;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(host, target, NULL, MS_BIND, NULL) < 0)
		return err_sys(err, "binding device %s", host);
	return 0;
}

static bool is_listed(const struct rt_spec *s, const char *path)
{
	for (size_t i = 0; i < s->lx.n_devices; i++)
		if (strcmp(s->lx.devices[i].path, path) == 0)
			return true;
	return false;
}

static mode_t device_type(char type)
{
	return type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
}

/* Rootless: a user namespace cannot make a usable node, so the host's node of that path is
 * bound instead, once it is checked to be the device the config names. */
static int bind_host_device(const struct rt_spec *s, const struct rt_device *d, struct error **err)
{
	struct stat st;
	if (stat(d->path, &st) < 0)
		return err_set(err, ENOENT, ERR_TOOL,
			       "device %s: no such device on the host to bind", d->path);
	if ((st.st_mode & S_IFMT) != device_type(d->type) || major(st.st_rdev) != d->major ||
	    minor(st.st_rdev) != d->minor)
		return err_msg(err,
			       "device %s: the host's node is %u:%u, not the %c %ld:%ld "
			       "linux.devices names",
			       d->path, major(st.st_rdev), minor(st.st_rdev), d->type, d->major,
			       d->minor);
	return bind_device(s->root_path, d->path, d->path, err);
}

/* The node itself, as linux.devices describes it: type, numbers, mode, owner. */
static int make_device(int rootfd, const struct rt_device *d, struct error **err)
{
	autofree char *dir = xstrndup(d->path, (size_t)(strrchr(d->path, '/') - d->path));
	const char *name = strrchr(d->path, '/') + 1;
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_msg(err, "device %s: not a file name", d->path);
	autoclose int dirfd =
	    fs_open_in_root(rootfd, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, FS_CREATE_DIR);
	if (dirfd < 0)
		return err_sys(err, "device %s: resolving %s in the rootfs", d->path, dir);
	/* What the image has there (often an empty file or an old node) makes way. */
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return err_sys(err, "device %s: removing what is there", d->path);
	mode_t old = umask(0);
	int rc = mknodat(dirfd, name, device_type(d->type) | (d->has_mode ? d->mode : 0666),
			 d->type == 'p' ? 0 : makedev(d->major, d->minor));
	umask(old);
	if (rc < 0)
		return err_sys(err, "device %s: mknod", d->path);
	if (fchownat(dirfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(err, "device %s: chown to %u:%u", d->path, d->uid, d->gid);
	return 0;
}

static int setup_dev(const struct rt_spec *s, bool dev_is_tmpfs, struct error **err)
{
	autoclose int rootfd = open(s->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return err_sys(err, "opening %s", s->root_path);
	if (dev_is_tmpfs) {
		for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
			if (!is_listed(s, default_devices[i]) &&
			    bind_device(s->root_path, default_devices[i], default_devices[i], err) <
				0)
				return -1;
		static const char *const links[][2] = {
			{ "/proc/self/fd", "fd" },	 { "/proc/self/fd/0", "stdin" },
			{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
			{ "pts/ptmx", "ptmx" },
		};
		autoclose int devfd =
		    fs_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, FS_CREATE_NONE);
		if (devfd < 0)
			return err_sys(err, "opening /dev in the rootfs");
		for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
			if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
				return err_sys(err, "creating /dev/%s", links[i][1]);
	}
	/* Only root of the host can make device nodes that work (in a user namespace mknod
	 * fails, or makes nodes the kernel will not open); a FIFO anyone can make. */
	bool can_mknod = geteuid() == 0 && !userns_is_inside();
	for (size_t i = 0; i < s->lx.n_devices; i++) {
		const struct rt_device *d = &s->lx.devices[i];
		if ((can_mknod || d->type == 'p') ? make_device(rootfd, d, err) < 0
						  : bind_host_device(s, d, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------- the steps ---------- */

/*
 * No mount namespace in the config: the container shares the runtime's, as the spec
 * says. "/" is not ours to make a slave there; the rootfs is bound onto itself and that
 * mount made private, so the container's mounts all land on it, reach no other mount
 * (or namespace), and go with it at delete (oci_rootfs_release), where runc leaves them.
 */
static int share_host_mntns(const struct rt_spec *s, struct error **err)
{
	struct stat st;
	if (stat(s->root_path, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ENOENT, ERR_TOOL, "rootfs %s does not exist", s->root_path);
	if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(err, "binding the rootfs %s", s->root_path);
	if (mount(NULL, s->root_path, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
		return err_sys(err, "making the rootfs %s private", s->root_path);
	return 0;
}

uint64_t oci_mount_id(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

int oci_rootfs_release(const char *rootfs, uint64_t mnt_id, struct error **err)
{
	/* Only the mount made at create: never one that was there before, nor another's. */
	if (mnt_id == 0 || oci_mount_id(rootfs) != mnt_id)
		return 0;
	if (umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return err_sys(err, "unmounting the rootfs %s", rootfs);
	return 0;
}

int oci_rootfs_prepare(const struct rt_spec *s, bool own_mntns, struct error **err)
{
	if (!own_mntns)
		return share_host_mntns(s, err);
	/* Nothing we mount may propagate back to the host. */
	unsigned long prop = s->lx.rootfs_propagation == (MS_PRIVATE | MS_REC) ? MS_PRIVATE | MS_REC
									       : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return err_sys(err, "making / %s", prop & MS_PRIVATE ? "private" : "a slave");
	struct stat st;
	if (stat(s->root_path, &st) < 0 || !S_ISDIR(st.st_mode))
		return err_set(err, ENOENT, ERR_TOOL, "rootfs %s does not exist", s->root_path);
	/* pivot_root wants a mount point. */
	if (mount(s->root_path, s->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return err_sys(err, "binding the rootfs %s", s->root_path);
	return 0;
}

int oci_mounts_setup(const struct rt_spec *s, bool own_netns, bool own_cgroupns, struct error **err)
{
	bool dev_tmpfs = false;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct rt_mount *m = &s->mounts[i];
		if (mount_one(s, m, own_netns, own_cgroupns, err) < 0)
			return -1;
		if (strcmp(m->dest, "/dev") == 0)
			dev_tmpfs = !m->bind;
	}
	return setup_dev(s, dev_tmpfs, err);
}

int oci_rootfs_pivot(const struct rt_spec *s, bool no_pivot, bool own_mntns, struct error **err)
{
	/* In a shared mount namespace pivot_root would move every process of the host to the
	 * rootfs, and MS_MOVE the rootfs onto the host's "/": chroot is all there is. */
	if (!own_mntns) {
		if (chdir(s->root_path) < 0 || chroot(".") < 0 || chdir("/") < 0)
			return err_sys(err, "changing root to %s", s->root_path);
		return 0;
	}
	if (no_pivot) {
		if (chdir(s->root_path) < 0 || mount(s->root_path, "/", NULL, MS_MOVE, NULL) < 0 ||
		    chroot(".") < 0 || chdir("/") < 0)
			return err_sys(err, "moving the rootfs to / (--no-pivot)");
		return 0;
	}
	autoclose int oldroot = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
	autoclose int newroot = open(s->root_path, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		return err_sys(err, "opening the roots for pivot_root");
	/* pivot_root(".", "."): the old root ends up on top of the new one, then goes. */
	if (fchdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return err_sys(err, "pivot_root to %s", s->root_path);
	if (fchdir(oldroot) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return err_sys(err, "detaching the old root");
	return 0;
}

static int mask_path(const char *path, struct error **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys(err, "masking %s", path);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k")
				     : mount("/dev/null", path, NULL, MS_BIND, NULL);
	if (rc < 0 && errno != ENOENT)
		return err_sys(err, "masking %s", path);
	return 0;
}

static int readonly_path(const char *path, struct error **err)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : err_sys(err, "making %s read-only", path);
	return remount_bind(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

static int write_sysctl(const char *kv, struct error **err)
{
	const char *eq = strchr(kv, '=');
	autofree char *key = xstrndup(kv, (size_t)(eq - kv));
	for (char *c = key; *c; c++)
		if (*c == '.')
			*c = '/';
	autofree char *path = xasprintf("/proc/sys/%s", key);
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, eq + 1, strlen(eq + 1)) < 0)
		return err_sys(err, "sysctl %s", kv);
	return 0;
}

int oci_rootfs_finish(const struct rt_spec *s, struct error **err)
{
	const struct rt_linux *l = &s->lx;
	for (size_t i = 0; l->sysctl != NULL && l->sysctl[i] != NULL; i++)
		if (write_sysctl(l->sysctl[i], err) < 0)
			return -1;
	for (size_t i = 0; l->readonly != NULL && l->readonly[i] != NULL; i++)
		if (readonly_path(l->readonly[i], err) < 0)
			return -1;
	for (size_t i = 0; l->masked != NULL && l->masked[i] != NULL; i++)
		if (mask_path(l->masked[i], err) < 0)
			return -1;
	if (l->rootfs_propagation != 0 && mount(NULL, "/", NULL, l->rootfs_propagation, NULL) < 0)
		return err_sys(err, "setting rootfsPropagation");
	if (s->root_readonly && remount_bind("/", MS_RDONLY, err) < 0)
		return err_wrap(err, "making the root read-only");
	return 0;
}
