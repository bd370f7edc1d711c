/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `info`: what hutch finds on this host, as one document (host: kernel, user and subid
 * ranges, cgroups, network helpers; store: paths and which overlay works; version). Each
 * probe says why something is missing rather than failing.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static struct json_object *ranges_json(bool gid, struct error **err)
{
	autofree struct userns_subid *r = NULL;
	size_t n = 0;
	if (userns_subids(gid, &r, &n, err) < 0)
		return NULL;
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "start", json_object_new_int64((int64_t)r[i].start));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)r[i].count));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *tool_json(const char *name)
{
	struct net_tool t;
	net_tool_probe(name, &t);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "executable", str_or_null(t.path));
	json_object_object_add(o, "version", str_or_null(t.version));
	net_tool_clear(&t);
	return o;
}

static struct json_object *host_json(struct error **err)
{
	struct json_object *host = json_object_new_object();
	struct utsname u;
	uname(&u);
	json_object_object_add(host, "arch", json_object_new_string(storage_host_arch()));
	json_object_object_add(host, "os", json_object_new_string("linux"));
	json_object_object_add(host, "kernel", json_object_new_string(u.release));
	json_object_object_add(host, "hostname", json_object_new_string(u.nodename));
	struct passwd *pw = getpwuid(getuid());
	struct json_object *user = json_object_new_object();
	json_object_object_add(user, "name", str_or_null(pw ? pw->pw_name : NULL));
	json_object_object_add(user, "uid", json_object_new_int((int)getuid()));
	json_object_object_add(user, "gid", json_object_new_int((int)getgid()));
	struct json_object *su = ranges_json(false, err), *sg = su ? ranges_json(true, err) : NULL;
	if (sg == NULL) {
		json_object_put(su);
		json_object_put(user);
		json_object_put(host);
		return NULL;
	}
	json_object_object_add(user, "subuids", su);
	json_object_object_add(user, "subgids", sg);
	json_object_object_add(host, "user", user);
	autofree char *newuidmap = fs_find_in_path("newuidmap");
	json_object_object_add(host, "newuidmap", str_or_null(newuidmap));
	struct oci_cgroup_info cg;
	oci_cgroup_probe(&cg);
	struct json_object *cgj = json_object_new_object();
	json_object_object_add(
	    cgj, "version",
	    json_object_new_string(cg.version == 2 ? (cg.hybrid ? "v2 (hybrid with v1)" : "v2")
						   : "v1"));
	json_object_object_add(cgj, "path", str_or_null(cg.path));
	struct json_object *ctl = json_object_new_array();
	for (size_t i = 0; cg.delegated != NULL && cg.delegated[i] != NULL; i++)
		json_object_array_add(ctl, json_object_new_string(cg.delegated[i]));
	json_object_object_add(cgj, "delegatedControllers", ctl);
	json_object_object_add(cgj, "note", str_or_null(cg.reason));
	json_object_object_add(host, "cgroup", cgj);
	oci_cgroup_info_clear(&cg);
	/* The runtime containers run with (podman's ociRuntime): the library in hutch, whose
	 * program hutch-runtime is, for --runtime and --runtime-flag. */
	struct json_object *rt = json_object_new_object();
	autofree char *rt_path = eng_ctr_helper_path("hutch-runtime");
	json_object_object_add(rt, "name", json_object_new_string("hutch-runtime"));
	json_object_object_add(rt, "path", str_or_null(rt_path));
	autofree char *rt_version = xasprintf("hutch-runtime version %s", HUTCH_VERSION);
	json_object_object_add(rt, "version", json_object_new_string(rt_version));
	json_object_object_add(host, "ociRuntime", rt);
	json_object_object_add(host, "slirp4netns", tool_json("slirp4netns"));
	json_object_object_add(host, "pasta", tool_json("pasta"));
	return host;
}

/* The driver the store uses: the one chosen, else the one the probes pick. */
static const char *driver_name(struct eng *eng, bool native, bool fuse)
{
	switch (storage_driver_chosen(eng->store)) {
	case STORAGE_DRIVER_OVERLAY:
		return "overlay";
	case STORAGE_DRIVER_FUSE:
		return "fuse-overlayfs";
	case STORAGE_DRIVER_VFS:
		return "vfs";
	default:
		return native ? "overlay" : fuse ? "fuse-overlayfs" : NULL;
	}
}

static struct json_object *store_json(struct eng *eng, struct error **err)
{
	autofree char *store = paths_store_dir(err);
	autofree char *run = store ? paths_runtime_dir(err) : NULL;
	if (run == NULL)
		return NULL;
	bool native = false;
	autofree char *reason = NULL;
	if (storage_overlay_probe(store, run, &native, &reason, err) < 0)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "graphRoot", json_object_new_string(store));
	json_object_object_add(o, "runRoot", json_object_new_string(run));
	struct json_object *ov = json_object_new_object();
	json_object_object_add(ov, "native", json_object_new_boolean(native));
	json_object_object_add(ov, "nativeNote", str_or_null(reason));
	autofree char *fpath = NULL, *freason = NULL;
	bool fuse = storage_fuse_usable(&fpath, &freason);
	json_object_object_add(ov, "fuseOverlayfs", json_object_new_boolean(fuse));
	json_object_object_add(ov, "fuseOverlayfsExecutable", str_or_null(fpath));
	json_object_object_add(ov, "fuseNote", str_or_null(freason));
	json_object_object_add(o, "overlay", ov);
	json_object_object_add(o, "graphDriverName", str_or_null(driver_name(eng, native, fuse)));
	/* As asked (--storage-driver), when hutch could not use it. */
	if (eng->bad_driver != NULL)
		json_object_object_add(o, "graphDriverRequested",
				       json_object_new_string(eng->storage_driver));
	return o;
}

struct json_object *eng_info(struct eng *eng, struct error **err)
{
	struct json_object *host = host_json(err);
	if (host == NULL)
		return NULL;
	struct json_object *store = store_json(eng, err);
	if (store == NULL) {
		json_object_put(host);
		return NULL;
	}
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "host", host);
	json_object_object_add(root, "store", store);
	json_object_object_add(
	    root, "prerequisites",
	    ctr_info_prereqs(eng, json_str(store, "graphRoot"), json_str(store, "runRoot")));
	/* hutch's own section: the containers.conf files read and, for each key hutch
	 * applies, its value and the file:line that set it. A malformed file is shown, not
	 * fatal: info diagnoses. */
	struct error *ce = NULL;
	struct json_object *conf = ctr_conf_info(eng, &ce);
	if (conf == NULL) {
		conf = json_object_new_object();
		json_object_object_add(conf, "error", json_object_new_string(ce->msg));
		err_free(&ce);
	}
	json_object_object_add(root, "containersConf", conf);
	struct json_object *ver = json_object_new_object();
	json_object_object_add(ver, "Version", json_object_new_string(HUTCH_VERSION));
	json_object_object_add(root, "version", ver);
	return root;
}
