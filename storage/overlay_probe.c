/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which overlay driver can work here. Native overlayfs in a user namespace needs a kernel
 * that allows it (5.11+) and the userxattr option; rather than guess from the version, the
 * probe mounts one for real inside a fresh namespace and caches the verdict per boot.
 */
#include "storage/storage.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROBE_CACHE "overlay-probe"

static int probe_mount(void *arg, struct error **err)
{
	const char *dir = arg;
	autofree char *opts =
	    xasprintf("lowerdir=%s/l,upperdir=%s/u,workdir=%s/w,userxattr", dir, dir, dir);
	autofree char *target = xasprintf("%s/m", dir);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return err_sys(err, "mounting overlay in a user namespace");
	/* A whiteout is what unpack and container deletes need; make sure one can be made. */
	autofree char *wh = xasprintf("%s/m/f", dir);
	if (unlink(wh) < 0)
		return err_sys(err, "deleting a lower file through overlay");
	umount2(target, MNT_DETACH);
	return 0;
}

static int run_probe(const char *store_dir, bool *native, char **reason, struct error **err)
{
	if (fs_mkdir_p(store_dir, 0700, err) < 0)
		return -1;
	autofree char *dir = xasprintf("%s/.overlay-probe-XXXXXX", store_dir);
	if (mkdtemp(dir) == NULL)
		return err_sys(err, "creating a probe directory in %s", store_dir);
	static const char *const subs[] = { "l", "u", "w", "m" };
	for (size_t i = 0; i < 4; i++) {
		autofree char *s = xasprintf("%s/%s", dir, subs[i]);
		mkdir(s, 0700);
	}
	autofree char *lf = xasprintf("%s/l/f", dir);
	int fd = open(lf, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	struct userns_map m;
	struct error *perr = NULL;
	int rc = userns_default_map(&m, err);
	if (rc == 0) {
		struct userns_child child;
		int status;
		if (userns_spawn(&m, CLONE_NEWNS, probe_mount, dir, &child, &perr) == 0)
			proc_wait(child.pid, &status, NULL);
		userns_map_clear(&m);
		*native = perr == NULL;
		*reason = perr != NULL ? xstrdup(perr->msg) : NULL;
		err_free(&perr);
	}
	struct error *rmerr = NULL;
	if (fs_rm_rf(dir, &rmerr) < 0) {
		log_warn("removing overlay probe: %s", rmerr->msg);
		err_free(&rmerr);
	}
	return rc;
}

int storage_overlay_probe(const char *store_dir, const char *runtime_dir, bool *native,
			  char **reason, struct error **err)
{
	autofree char *cache = xasprintf("%s/%s", runtime_dir, PROBE_CACHE);
	autofree char *text = NULL;
	*reason = NULL;
	struct error *rerr = NULL;
	if (fs_read_file(cache, 4096, &text, NULL, &rerr) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (strcmp(text, "native") == 0) {
			*native = true;
			return 0;
		}
		if (strncmp(text, "fuse: ", 6) == 0) {
			*native = false;
			*reason = xstrdup(text + 6);
			return 0;
		}
	}
	err_free(&rerr);
	if (run_probe(store_dir, native, reason, err) < 0)
		return -1;
	autofree char *line = *native ? xstrdup("native\n") : xasprintf("fuse: %s\n", *reason);
	if (fs_write_atomic(cache, line, strlen(line), 0600, &rerr) < 0) {
		log_debug("caching the overlay probe: %s", rerr->msg);
		err_free(&rerr);
	}
	return 0;
}

bool storage_fuse_usable(char **path, char **reason)
{
	*reason = NULL;
	*path = fs_find_in_path("fuse-overlayfs");
	if (*path == NULL) {
		*reason = xstrdup("fuse-overlayfs not found in $PATH: install the fuse-overlayfs "
				  "package");
		return false;
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (stat("/dev/fuse", &st) == 0)
			*reason = xasprintf("/dev/fuse (mode %04o) cannot be opened: %s; it is "
					    "usually mode 0666 (chmod 0666 /dev/fuse as root)",
					    (unsigned)(st.st_mode & 07777), strerror(e));
		else
			*reason = xasprintf("/dev/fuse: %s (load the fuse module)", strerror(e));
		return false;
	}
	close(fd);
	return true;
}
