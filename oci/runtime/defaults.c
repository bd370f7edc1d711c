/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Documents the runtime writes rather than reads: the default config.json of `spec`
 * (a deny-all device rule, as runc's; with --rootless: a user namespace mapping the
 * caller's own ids, no network namespace, the host's /sys bound read-only, no device
 * rules) and the `features` document. Built with json-c.
 */
#include "oci/runtime/runtime.h"

#include <seccomp.h>
#include <string.h>
#include <unistd.h>

static json_object *jmount(const char *dest, const char *type, const char *src,
			   const char *const *opts)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	if (opts != NULL)
		json_object_object_add(m, "options", json_from_strs(opts));
	return m;
}

static json_object *default_process(void)
{
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL
	};
	json_object *p = json_object_new_object();
	json_object_object_add(p, "terminal", json_object_new_boolean(true));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", json_from_strs((const char *const[]){ "sh", NULL }));
	json_object_object_add(p, "env", json_from_strs(env));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	json_object *c = json_object_new_object();
	static const char *const sets[] = { "bounding", "effective", "permitted", "ambient" };
	for (size_t i = 0; i < 4; i++)
		json_object_object_add(c, sets[i], json_from_strs(caps));
	json_object_object_add(p, "capabilities", c);
	json_object *rl = json_object_new_object();
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object *rls = json_object_new_array();
	json_object_array_add(rls, rl);
	json_object_object_add(p, "rlimits", rls);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(true));
	return p;
}

static json_object *default_mounts(bool rootless)
{
	json_object *a = json_object_new_array();
	json_object_array_add(a, jmount("/proc", "proc", "proc", NULL));
	json_object_array_add(a, jmount("/dev", "tmpfs", "tmpfs",
					(const char *const[]){ "nosuid", "strictatime", "mode=755",
							       "size=65536k", NULL }));
	json_object_array_add(a,
			      jmount("/dev/pts", "devpts", "devpts",
				     (const char *const[]){ "nosuid", "noexec", "newinstance",
							    "ptmxmode=0666", "mode=0620", NULL }));
	json_object_array_add(a, jmount("/dev/shm", "tmpfs", "shm",
					(const char *const[]){ "nosuid", "noexec", "nodev",
							       "mode=1777", "size=65536k", NULL }));
	json_object_array_add(a,
			      jmount("/dev/mqueue", "mqueue", "mqueue",
				     (const char *const[]){ "nosuid", "noexec", "nodev", NULL }));
	if (rootless)
		json_object_array_add(a, jmount("/sys", "none", "/sys",
						(const char *const[]){ "rbind", "nosuid", "noexec",
								       "nodev", "ro", NULL }));
	else
		json_object_array_add(
		    a, jmount("/sys", "sysfs", "sysfs",
			      (const char *const[]){ "nosuid", "noexec", "nodev", "ro", NULL }));
	return a;
}

static json_object *idmap(unsigned id)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();
	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(id));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

static json_object *default_linux(bool rootless)
{
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/asound",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/sys/firmware",
		"/proc/scsi",
		NULL,
	};
	static const char *const ro[] = { "/proc/bus",		 "/proc/fs",
					  "/proc/irq",		 "/proc/sys",
					  "/proc/sysrq-trigger", NULL };
	json_object *l = json_object_new_object();
	if (rootless) {
		json_object_object_add(l, "uidMappings", idmap(getuid()));
		json_object_object_add(l, "gidMappings", idmap(getgid()));
	}
	json_object *ns = json_object_new_array();
	const char *types[] = { "pid", "ipc", "uts", "mount", rootless ? "user" : "network", NULL };
	for (size_t i = 0; types[i] != NULL; i++) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string(types[i]));
		json_object_array_add(ns, n);
	}
	json_object_object_add(l, "namespaces", ns);
	if (!rootless) {
		/* As runc's: no device but the defaults (null, zero, tty, ...). Rootless the
		 * rules cannot be enforced and a user namespace makes no usable nodes. */
		json_object *deny = json_object_new_object(), *res = json_object_new_object();
		json_object_object_add(deny, "allow", json_object_new_boolean(false));
		json_object_object_add(deny, "access", json_object_new_string("rwm"));
		json_object *devs = json_object_new_array();
		json_object_array_add(devs, deny);
		json_object_object_add(res, "devices", devs);
		json_object_object_add(l, "resources", res);
	}
	json_object_object_add(l, "maskedPaths", json_from_strs(masked));
	json_object_object_add(l, "readonlyPaths", json_from_strs(ro));
	return l;
}

char *oci_spec_default_json(bool rootless)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string("1.2.0"));
	json_object_object_add(o, "process", default_process());
	json_object *root = json_object_new_object();
	json_object_object_add(root, "path", json_object_new_string("rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(true));
	json_object_object_add(o, "root", root);
	json_object_object_add(o, "hostname", json_object_new_string("hutch"));
	json_object_object_add(o, "mounts", default_mounts(rootless));
	json_object_object_add(o, "linux", default_linux(rootless));
	char *s = xstrdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

char *oci_features_json(void)
{
	static const char *const hooks[] = { "prestart",
					     "createRuntime",
					     "createContainer",
					     "startContainer",
					     "poststart",
					     "poststop",
					     NULL };
	static const char *const mount_opts[] = {
		"async",      "atime",	       "bind",	      "dev",	     "diratime",
		"dirsync",    "exec",	       "lazytime",    "mand",	     "noatime",
		"nodev",      "nodiratime",    "noexec",      "nolazytime",  "nomand",
		"norelatime", "nostrictatime", "nosuid",      "nosymfollow", "private",
		"rbind",      "relatime",      "remount",     "ro",	     "rprivate",
		"rshared",    "rslave",	       "runbindable", "rw",	     "shared",
		"slave",      "strictatime",   "suid",	      "sync",	     "unbindable",
		NULL,
	};
	static const char *const ns[] = { "cgroup", "ipc",  "mount", "network", "pid",
					  "time",   "user", "uts",   NULL };
	static const char *const actions[] = {
		"SCMP_ACT_ALLOW",	"SCMP_ACT_ERRNO",
		"SCMP_ACT_KILL",	"SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
		"SCMP_ACT_NOTIFY",	"SCMP_ACT_TRACE",
		"SCMP_ACT_TRAP",	NULL,
	};
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
					   "SCMP_CMP_NE", NULL };
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(o, "ociVersionMax", json_object_new_string("1.2.0"));
	json_object_object_add(o, "hooks", json_from_strs(hooks));
	json_object_object_add(o, "mountOptions", json_from_strs(mount_opts));
	json_object *l = json_object_new_object();
	json_object_object_add(l, "namespaces", json_from_strs(ns));
	json_object *caps = json_object_new_array();
	for (int i = 0; i <= oci_cap_last() && oci_cap_name(i) != NULL; i++)
		json_object_array_add(caps, json_object_new_string(oci_cap_name(i)));
	json_object_object_add(l, "capabilities", caps);
	json_object *cg = json_object_new_object();
	json_object_object_add(cg, "v1", json_object_new_boolean(true)); /* as root */
	json_object_object_add(cg, "v2", json_object_new_boolean(true));
	json_object_object_add(cg, "systemd", json_object_new_boolean(false));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(false));
	json_object_object_add(l, "cgroup", cg);
	json_object *sc = json_object_new_object();
	json_object_object_add(sc, "enabled", json_object_new_boolean(true));
	json_object_object_add(sc, "actions", json_from_strs(actions));
	json_object_object_add(sc, "operators", json_from_strs(ops));
	const struct scmp_version *v = seccomp_version();
	json_object *ann = json_object_new_object();
	json_object_object_add(o, "annotations", ann);
	char ver[32];
	snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
	json_object_object_add(ann, "io.github.seccomp.libseccomp.version",
			       json_object_new_string(ver));
	json_object_object_add(l, "seccomp", sc);
	json_object *off = json_object_new_object();
	json_object_object_add(off, "enabled", json_object_new_boolean(false));
	json_object_object_add(l, "apparmor", off);
	json_object_object_add(l, "selinux", json_object_get(off));
	json_object_object_add(o, "linux", l);
	char *s = xstrdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}
