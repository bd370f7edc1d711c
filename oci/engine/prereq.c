/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `info`'s prerequisites: each thing rootless containers need from the host, with whether
 * it is there ("ok"), what was found ("state") and the command that mends it ("fix", null
 * when there is nothing to do). The same checks the commands make when they fail, asked
 * up front so a broken setup shows in one place.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(struct json_object *all, const char *name, bool ok, const char *state,
		const char *fix)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "state", state ? json_object_new_string(state) : NULL);
	json_object_object_add(o, "fix", fix ? json_object_new_string(fix) : NULL);
	json_object_object_add(all, name, o);
}

static void subids(struct json_object *all)
{
	autofree struct userns_subid *su = NULL, *sg = NULL;
	size_t nu = 0, ng = 0;
	struct error *e = NULL;
	if (userns_subids(false, &su, &nu, &e) < 0 || userns_subids(true, &sg, &ng, &e) < 0) {
		put(all, "subids", false, e->msg, "check /etc/nsswitch.conf's subid line");
		err_free(&e);
		return;
	}
	if (nu > 0 && ng > 0) {
		autofree char *st = xasprintf("%zu subuid and %zu subgid ranges, %lu-%lu first", nu,
					      ng, su[0].start, su[0].start + su[0].count - 1);
		put(all, "subids", true, st, NULL);
		return;
	}
	struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : "USER";
	autofree char *r = userns_free_subid_range("/etc/subuid", "/etc/subgid");
	autofree char *fix = xasprintf("sudo usermod --add-subuids %s --add-subgids %s %s",
				       r ? r : "START-END", r ? r : "START-END", name);
	put(all, "subids", false,
	    "no ranges in /etc/subuid and /etc/subgid: containers get only your own uid", fix);
}

static void id_helpers(struct json_object *all)
{
	struct error *e = NULL;
	if (userns_check_helpers(&e) < 0) {
		put(all, "newuidmap", false, e->msg,
		    e->code == ENOENT ? "sudo apt-get install uidmap"
				      : "sudo apt-get install --reinstall uidmap");
		err_free(&e);
		return;
	}
	autofree char *p = fs_find_in_path("newuidmap");
	autofree char *st = xasprintf("%s and newgidmap: privileged", p ? p : "newuidmap");
	put(all, "newuidmap", true, st, NULL);
}

/* The driver the handle's store uses: chosen (the global flag, storage.conf) or picked. */
static void storage_prereqs(struct json_object *all, struct eng *eng, const char *store,
			    const char *run)
{
	bool native = false;
	autofree char *reason = NULL, *fpath = NULL, *freason = NULL;
	struct error *e = NULL;
	if (storage_overlay_probe(store, run, &native, &reason, &e) < 0) {
		reason = xstrdup(e->msg);
		err_free(&e);
	}
	bool fuse = storage_fuse_usable(&fpath, &freason);
	put(all, "fuseOverlayfs", fuse, fuse ? fpath : freason,
	    fuse ? NULL
		 : (fpath == NULL ? "sudo apt-get install fuse-overlayfs"
				  : "sudo chmod 0666 /dev/fuse (or load the fuse module)"));
	enum storage_driver d = storage_driver_chosen(eng->store);
	const char *by = eng->storage_driver ? "--storage-driver" : "storage.conf";
	autofree char *st = NULL;
	bool ok = native || fuse;
	const char *fix = ok ? NULL : "sudo apt-get install fuse-overlayfs";
	if (eng->bad_driver != NULL) {
		/* Said, not failed: the command runs with what auto picks. */
		ok = false;
		st = xasprintf("%s: %s", eng->storage_driver, eng->bad_driver);
		fix = "--storage-driver overlay or fuse-overlayfs (or none: hutch picks)";
	} else if (d == STORAGE_DRIVER_OVERLAY) {
		ok = native;
		st = native
			 ? xasprintf("overlay (native, rootless; chosen by %s)", by)
			 : xasprintf("overlay (chosen by %s) does not work here: %s", by, reason);
		fix = native ? NULL : "--storage-driver fuse-overlayfs";
	} else if (d == STORAGE_DRIVER_VFS) {
		/* podman's command lines may name it: image commands work, containers do not. */
		ok = false;
		st = xasprintf("vfs (chosen by %s): image commands only, hutch makes no container "
			       "rootfs with it",
			       by);
		fix = "--storage-driver overlay or fuse-overlayfs (or none: hutch picks)";
	} else if (d == STORAGE_DRIVER_FUSE) {
		ok = fuse;
		st = xasprintf("fuse-overlayfs (chosen by %s)%s%s", by, fuse ? "" : ": ",
			       fuse ? "" : freason);
		fix = fuse ? NULL : "sudo apt-get install fuse-overlayfs";
	} else {
		st = native ? xstrdup("overlay (native, rootless)")
		     : fuse ? xasprintf("fuse-overlayfs (native overlay: %s)", reason)
			    : xasprintf("none (native overlay: %s)", reason);
	}
	put(all, "storageDriver", ok, st, fix);
}

static void net_prereqs(struct json_object *all)
{
	struct error *e = NULL;
	if (net_check_tun("/dev/net/tun", &e) < 0) {
		put(all, "tun", false, e->msg,
		    e->code == ENOENT ? "sudo modprobe tun" : "sudo chmod 0666 /dev/net/tun");
		err_free(&e);
	} else {
		put(all, "tun", true, "/dev/net/tun is read-write", NULL);
	}
	static const char *const helpers[][2] = { { "slirp4netns", "slirp4netns" },
						  { "pasta", "passt" } };
	for (size_t i = 0; i < 2; i++) {
		autofree char *p = fs_find_in_path(helpers[i][0]);
		autofree char *fix = xasprintf("sudo apt-get install %s", helpers[i][1]);
		put(all, helpers[i][0], p != NULL, p ? p : "not found in $PATH", p ? NULL : fix);
	}
	autofree char *text = NULL;
	long start = -1;
	if (fs_read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64, &text, NULL, &e) == 0)
		start = strtol(text, NULL, 10);
	err_free(&e);
	autofree char *st = start < 0 ? xstrdup("unknown")
				      : xasprintf("host ports from %ld up can be published", start);
	/* Not a fault: podman's default too. The fix is for those who want port 80. */
	put(all, "ipUnprivilegedPortStart", true, st,
	    start > 0 ? "to publish lower ports: sudo sysctl net.ipv4.ip_unprivileged_port_start=80"
		      : NULL);
}

static void cgroup_prereq(struct json_object *all)
{
	struct oci_cgroup_info cg;
	oci_cgroup_probe(&cg);
	bool ok = cg.delegated != NULL && cg.delegated[0] != NULL;
	put(all, "cgroups", ok, ok ? "controllers delegated" : cg.reason,
	    ok ? NULL
	       : "log in through systemd-logind (ssh or a console), or `loginctl enable-linger`; "
		 "without it, resource limits are not applied");
	oci_cgroup_info_clear(&cg);
}

struct json_object *ctr_info_prereqs(struct eng *eng, const char *store, const char *run)
{
	struct json_object *all = json_object_new_object();
	subids(all);
	id_helpers(all);
	storage_prereqs(all, eng, store, run);
	net_prereqs(all);
	cgroup_prereq(all);
	put(all, "runtimeDir", true, run, NULL);
	return all;
}
