/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one decoder of config.json (STYLE.md B5): json-c into the plain structs of runtime.h.
 * Every field is type-checked through small required/optional helpers, and an error names
 * the field by its JSON path ("linux.namespaces[2].type: unknown namespace type \"foo\"").
 * Mount options are split here into flags, propagation and data, so mounts.c only mounts.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* ---------- field helpers, on json_field: each names the field in its error ---------- */

static int bad(struct error **err, const char *path, const char *what)
{
	return err_set(err, EINVAL, ERR_TOOL, "%s: %s", path, what);
}

static char *sub(const char *path, const char *key)
{
	return xasprintf("%s.%s", path, key);
}

static int get_str(json_object *o, const char *key, const char *path, bool required, char **out,
		   struct error **err)
{
	autofree char *p = sub(path, key);
	json_object *v;
	if (json_field(o, key, p, json_type_string, required, &v, err) < 0)
		return -1;
	if (v != NULL)
		*out = xstrdup(json_object_get_string(v));
	return 0;
}

static int get_bool(json_object *o, const char *key, const char *path, bool *out,
		    struct error **err)
{
	autofree char *p = sub(path, key);
	json_object *v;
	if (json_field(o, key, p, json_type_boolean, false, &v, err) < 0)
		return -1;
	if (v != NULL)
		*out = json_object_get_boolean(v);
	return 0;
}

/* An integer in [min, max]; *has tells whether it was there. */
static int get_int(json_object *o, const char *key, const char *path, bool required, int64_t min,
		   int64_t max, int64_t *out, bool *has, struct error **err)
{
	autofree char *p = sub(path, key);
	json_object *v;
	if (json_field(o, key, p, json_type_int, required, &v, err) < 0)
		return -1;
	if (has != NULL)
		*has = v != NULL;
	if (v == NULL)
		return 0;
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno != 0 || n < min || n > max)
		return bad(err, p, "out of range");
	*out = n;
	return 0;
}

/* Unsigned 64-bit: json-c keeps big values as uint64. */
static int get_u64(json_object *o, const char *key, const char *path, bool required, uint64_t *out,
		   bool *has, struct error **err)
{
	autofree char *p = sub(path, key);
	json_object *v;
	if (json_field(o, key, p, json_type_int, required, &v, err) < 0)
		return -1;
	if (has != NULL)
		*has = v != NULL;
	if (v == NULL)
		return 0;
	if (json_object_get_int64(v) < 0)
		return bad(err, p, "must not be negative");
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_u32(json_object *o, const char *key, const char *path, bool required, uint32_t *out,
		   struct error **err)
{
	int64_t n = 0;
	bool has = false;
	if (get_int(o, key, path, required, 0, UINT32_MAX, &n, &has, err) < 0)
		return -1;
	if (has)
		*out = (uint32_t)n;
	return 0;
}

/* An array of strings; nonempty asks for at least one. */
static int get_strv(json_object *o, const char *key, const char *path, bool required, bool nonempty,
		    char ***out, struct error **err)
{
	autofree char *p = sub(path, key);
	return json_field_strv(o, key, p, required, nonempty, out, err);
}

/* obj.key as an array of objects: *arr, *n, and the element path prefix in *p. */
static int get_objs(json_object *o, const char *key, const char *path, json_object **arr, size_t *n,
		    struct error **err)
{
	autofree char *p = sub(path, key);
	*n = 0;
	if (json_field(o, key, p, json_type_array, false, arr, err) < 0)
		return -1;
	if (*arr == NULL)
		return 0;
	*n = json_object_array_length(*arr);
	for (size_t i = 0; i < *n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*arr, i), json_type_object))
			return err_set(err, EINVAL, ERR_TOOL, "%s[%zu]: must be an object", p, i);
	return 0;
}

/* ---------- process ---------- */

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

int oci_cap_number(const char *name)
{
	for (int i = 0; i < N_CAPS; i++)
		if (strcasecmp(name, cap_names[i]) == 0 ||
		    (strncasecmp(name, "CAP_", 4) != 0 && strcasecmp(name, cap_names[i] + 4) == 0))
			return i;
	return -1;
}

const char *oci_cap_name(int n)
{
	return n >= 0 && n < N_CAPS ? cap_names[n] : NULL;
}

static int cap_set(json_object *o, const char *key, const char *path, uint64_t *out,
		   struct error **err)
{
	autostrv char **names = NULL;
	if (get_strv(o, key, path, false, false, &names, err) < 0)
		return -1;
	int last = oci_cap_last();
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		int n = oci_cap_number(names[i]);
		if (n < 0) {
			/* runc warns and goes on: configs name caps newer kernels added. */
			log_warn("%s.%s: unknown capability \"%s\" ignored", path, key, names[i]);
			continue;
		}
		if (n <= last)
			*out |= 1ULL << n;
	}
	return 0;
}

static const struct {
	const char *name;
	int res;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(json_object *o, const char *path, struct rt_process *p, struct error **err)
{
	json_object *arr;
	size_t n;
	if (get_objs(o, "rlimits", path, &arr, &n, err) < 0)
		return -1;
	p->rlimits = xcalloc(n + 1, sizeof(*p->rlimits));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		autofree char *ep = xasprintf("%s.rlimits[%zu]", path, i);
		autofree char *type = NULL;
		struct rt_rlimit *r = &p->rlimits[p->n_rlimits++];
		if (get_str(e, "type", ep, true, &type, err) < 0 ||
		    get_u64(e, "soft", ep, true, &r->soft, NULL, err) < 0 ||
		    get_u64(e, "hard", ep, true, &r->hard, NULL, err) < 0)
			return -1;
		r->resource = -1;
		for (size_t k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (strcmp(type, rlimit_names[k].name) == 0)
				r->resource = rlimit_names[k].res;
		if (r->resource < 0)
			return err_set(err, EINVAL, ERR_TOOL, "%s.type: unknown rlimit \"%s\"", ep,
				       type);
		if (r->soft > r->hard)
			return bad(err, ep, "soft limit is above the hard limit");
	}
	return 0;
}

static int parse_user(json_object *o, const char *path, struct rt_process *p, struct error **err)
{
	json_object *u;
	autofree char *up = sub(path, "user");
	if (json_field(o, "user", up, json_type_object, false, &u, err) < 0)
		return -1;
	if (u == NULL)
		return 0;
	/* Not 2^32-1: that is (uid_t)-1, which setresuid reads as "unchanged" (root stays). */
	int64_t umask = 0, uid = 0, gid = 0;
	if (get_int(u, "uid", up, true, 0, UINT32_MAX - 1, &uid, NULL, err) < 0 ||
	    get_int(u, "gid", up, true, 0, UINT32_MAX - 1, &gid, NULL, err) < 0 ||
	    get_int(u, "umask", up, false, 0, 0777, &umask, &p->has_umask, err) < 0)
		return -1;
	p->uid = (uint32_t)uid;
	p->gid = (uint32_t)gid;
	p->umask = (mode_t)umask;
	json_object *gids;
	autofree char *gp = sub(up, "additionalGids");
	if (json_field(u, "additionalGids", gp, json_type_array, false, &gids, err) < 0)
		return -1;
	size_t n = gids != NULL ? json_object_array_length(gids) : 0;
	p->gids = xcalloc(n + 1, sizeof(*p->gids));
	for (size_t i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(gids, i);
		if (!json_object_is_type(g, json_type_int) || json_object_get_int64(g) < 0 ||
		    json_object_get_int64(g) >= UINT32_MAX)
			return err_set(err, EINVAL, ERR_TOOL, "%s[%zu]: must be a gid", gp, i);
		p->gids[p->n_gids++] = (uint32_t)json_object_get_int64(g);
	}
	return 0;
}

static int parse_caps(json_object *o, const char *path, struct rt_process *p, struct error **err)
{
	json_object *c;
	autofree char *cp = sub(path, "capabilities");
	if (json_field(o, "capabilities", cp, json_type_object, false, &c, err) < 0)
		return -1;
	if (c == NULL)
		return 0;
	p->has_caps = true;
	struct rt_caps *k = &p->caps;
	if (cap_set(c, "bounding", cp, &k->bounding, err) < 0 ||
	    cap_set(c, "effective", cp, &k->effective, err) < 0 ||
	    cap_set(c, "inheritable", cp, &k->inheritable, err) < 0 ||
	    cap_set(c, "permitted", cp, &k->permitted, err) < 0 ||
	    cap_set(c, "ambient", cp, &k->ambient, err) < 0)
		return -1;
	return 0;
}

static int process_from(json_object *o, const char *path, struct rt_process *p, struct error **err)
{
	*p = (struct rt_process){ 0 };
	if (get_strv(o, "args", path, true, true, &p->args, err) < 0 ||
	    get_strv(o, "env", path, false, false, &p->env, err) < 0 ||
	    get_str(o, "cwd", path, true, &p->cwd, err) < 0 ||
	    get_bool(o, "terminal", path, &p->terminal, err) < 0 ||
	    get_bool(o, "noNewPrivileges", path, &p->no_new_privs, err) < 0 ||
	    get_str(o, "apparmorProfile", path, false, &p->apparmor, err) < 0 ||
	    get_str(o, "selinuxLabel", path, false, &p->selinux, err) < 0)
		return -1;
	if (p->cwd[0] != '/')
		return bad(err, path, "cwd: must be an absolute path");
	int64_t oom = 0;
	if (get_int(o, "oomScoreAdj", path, false, -1000, 1000, &oom, &p->has_oom_score_adj, err) <
	    0)
		return -1;
	p->oom_score_adj = (int)oom;
	json_object *cs;
	autofree char *csp = sub(path, "consoleSize");
	if (json_field(o, "consoleSize", csp, json_type_object, false, &cs, err) < 0)
		return -1;
	if (cs != NULL) {
		int64_t h = 0, w = 0;
		if (get_int(cs, "height", csp, true, 0, USHRT_MAX, &h, NULL, err) < 0 ||
		    get_int(cs, "width", csp, true, 0, USHRT_MAX, &w, NULL, err) < 0)
			return -1;
		p->has_console_size = true;
		p->rows = (unsigned short)h;
		p->cols = (unsigned short)w;
	}
	if (parse_user(o, path, p, err) < 0 || parse_caps(o, path, p, err) < 0 ||
	    parse_rlimits(o, path, p, err) < 0)
		return -1;
	return 0;
}

/* ---------- mounts ---------- */

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },
	{ "nosuid", false, MS_NOSUID },
	{ "suid", true, MS_NOSUID },
	{ "nodev", false, MS_NODEV },
	{ "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC },
	{ "exec", true, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT },
	{ "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK },
	{ "atime", true, MS_NOATIME },
	{ "noatime", false, MS_NOATIME },
	{ "diratime", true, MS_NODIRATIME },
	{ "nodiratime", false, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME },
	{ "lazytime", false, MS_LAZYTIME },
	{ "nolazytime", true, MS_LAZYTIME },
	{ "nosymfollow", false, 0x100 /* MS_NOSYMFOLLOW */ },
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_names[] = {
	{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static unsigned long propagation_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(propagation_names) / sizeof(propagation_names[0]); i++)
		if (strcmp(name, propagation_names[i].name) == 0)
			return propagation_names[i].flag;
	return 0;
}

static void mount_option(struct rt_mount *m, const char *opt)
{
	for (size_t i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++) {
		if (strcmp(opt, mount_flags[i].name) == 0) {
			if (mount_flags[i].clear)
				m->flags &= ~mount_flags[i].flag;
			else
				m->flags |= mount_flags[i].flag;
			return;
		}
	}
	unsigned long prop = propagation_flag(opt);
	if (prop != 0) {
		m->propagation = prop;
		return;
	}
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		m->bind = true;
		m->rec = opt[0] == 'r';
		return;
	}
	/* Podman's and crun's own options that are no kernel data. */
	if (strcmp(opt, "tmpcopyup") == 0 || strcmp(opt, "notmpcopyup") == 0) {
		m->copyup = opt[0] == 't';
		return;
	}
	if (strncmp(opt, "copy-symlink", 12) == 0 || strcmp(opt, "z") == 0 ||
	    strcmp(opt, "Z") == 0 || strcmp(opt, "private-propagation") == 0) {
		log_debug("mount option \"%s\" ignored", opt);
		return;
	}
	char *data = m->data != NULL ? xasprintf("%s,%s", m->data, opt) : xstrdup(opt);
	free(m->data);
	m->data = data;
}

static int parse_mounts(json_object *root, struct rt_spec *s, struct error **err)
{
	json_object *arr;
	size_t n;
	if (get_objs(root, "mounts", "", &arr, &n, err) < 0)
		return err_wrap(err, "config.json");
	s->mounts = xcalloc(n + 1, sizeof(*s->mounts));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		autofree char *p = xasprintf("mounts[%zu]", i);
		struct rt_mount *m = &s->mounts[s->n_mounts++];
		autostrv char **opts = NULL;
		if (get_str(e, "destination", p, true, &m->dest, err) < 0 ||
		    get_str(e, "type", p, false, &m->type, err) < 0 ||
		    get_str(e, "source", p, false, &m->source, err) < 0 ||
		    get_strv(e, "options", p, false, false, &opts, err) < 0)
			return -1;
		if (m->dest[0] != '/')
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s.destination: must be an absolute path, not \"%s\"", p,
				       m->dest);
		for (size_t k = 0; opts != NULL && opts[k] != NULL; k++)
			mount_option(m, opts[k]);
		if (m->type != NULL && strcmp(m->type, "bind") == 0)
			m->bind = true;
		if (m->type == NULL && !m->bind)
			return bad(err, p, "type: required unless the options say bind or rbind");
		if (m->bind && m->source == NULL)
			return bad(err, p, "source: required for a bind mount");
	}
	return 0;
}

/* ---------- hooks ---------- */

static const char *const hook_keys[RT_HOOK_N] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

const char *oci_hook_name(enum rt_hook_kind kind)
{
	return hook_keys[kind];
}

static int parse_hooks(json_object *root, struct rt_spec *s, struct error **err)
{
	json_object *h;
	if (json_field(root, "hooks", "hooks", json_type_object, false, &h, err) < 0)
		return -1;
	if (h == NULL)
		return 0;
	for (int k = 0; k < RT_HOOK_N; k++) {
		json_object *arr;
		size_t n;
		if (get_objs(h, hook_keys[k], "hooks", &arr, &n, err) < 0)
			return -1;
		s->hooks[k] = xcalloc(n + 1, sizeof(**s->hooks));
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			autofree char *p = xasprintf("hooks.%s[%zu]", hook_keys[k], i);
			struct rt_hook *hk = &s->hooks[k][s->n_hooks[k]++];
			int64_t t = 0;
			if (get_str(e, "path", p, true, &hk->path, err) < 0 ||
			    get_strv(e, "args", p, false, false, &hk->args, err) < 0 ||
			    get_strv(e, "env", p, false, false, &hk->env, err) < 0 ||
			    get_int(e, "timeout", p, false, 1, INT_MAX, &t, NULL, err) < 0)
				return -1;
			if (hk->path[0] != '/')
				return bad(err, p, "path: must be an absolute path");
			hk->timeout = (int)t;
		}
	}
	return 0;
}

/* ---------- linux ---------- */

static const struct {
	const char *name;
	int flag;
} ns_names[] = {
	{ "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },	    { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int oci_ns_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
		if (strcmp(name, ns_names[i].name) == 0)
			return ns_names[i].flag;
	return 0;
}

const struct rt_ns *oci_spec_ns(const struct rt_spec *s, int type)
{
	for (size_t i = 0; i < s->lx.n_ns; i++)
		if (s->lx.ns[i].type == type)
			return &s->lx.ns[i];
	return NULL;
}

static int parse_namespaces(json_object *lx, struct rt_linux *l, struct error **err)
{
	json_object *arr;
	size_t n;
	if (get_objs(lx, "namespaces", "linux", &arr, &n, err) < 0)
		return -1;
	if (n > 8)
		return bad(err, "linux.namespaces", "more entries than namespace types");
	l->ns = xcalloc(n + 1, sizeof(*l->ns));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		autofree char *p = xasprintf("linux.namespaces[%zu]", i);
		autofree char *type = NULL;
		/* Counted at once, so oci_spec_clear frees a path even when a check fails. */
		struct rt_ns *ns = &l->ns[l->n_ns++];
		if (get_str(e, "type", p, true, &type, err) < 0 ||
		    get_str(e, "path", p, false, &ns->path, err) < 0)
			return -1;
		ns->type = oci_ns_flag(type);
		if (ns->type == 0)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s.type: unknown namespace type \"%s\"", p, type);
		for (size_t k = 0; k + 1 < l->n_ns; k++)
			if (l->ns[k].type == ns->type)
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s.type: namespace \"%s\" given twice", p, type);
		if (ns->path != NULL && ns->path[0] != '/')
			return bad(err, p, "path: must be an absolute path");
	}
	return 0;
}

static int parse_idmaps(json_object *lx, const char *key, bool gid, struct userns_map *m,
			struct error **err)
{
	json_object *arr;
	size_t n;
	if (get_objs(lx, key, "linux", &arr, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		autofree char *p = xasprintf("linux.%s[%zu]", key, i);
		uint32_t in = 0, out = 0, size = 0;
		if (get_u32(e, "containerID", p, true, &in, err) < 0 ||
		    get_u32(e, "hostID", p, true, &out, err) < 0 ||
		    get_u32(e, "size", p, true, &size, err) < 0)
			return -1;
		if (size == 0)
			return bad(err, p, "size: must be at least 1");
		autofree char *spec = xasprintf("%u:%u:%u", in, out, size);
		if (userns_map_parse(spec, gid, m, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_devices(json_object *lx, struct rt_linux *l, struct error **err)
{
	json_object *arr;
	size_t n;
	if (get_objs(lx, "devices", "linux", &arr, &n, err) < 0)
		return -1;
	l->devices = xcalloc(n + 1, sizeof(*l->devices));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		autofree char *p = xasprintf("linux.devices[%zu]", i);
		autofree char *type = NULL;
		struct rt_device *d = &l->devices[l->n_devices++];
		int64_t mode = 0;
		if (get_str(e, "path", p, true, &d->path, err) < 0 ||
		    get_str(e, "type", p, true, &type, err) < 0 ||
		    get_int(e, "major", p, false, 0, INT32_MAX, &d->major, NULL, err) < 0 ||
		    get_int(e, "minor", p, false, 0, INT32_MAX, &d->minor, NULL, err) < 0 ||
		    get_int(e, "fileMode", p, false, 0, 07777, &mode, &d->has_mode, err) < 0 ||
		    get_u32(e, "uid", p, false, &d->uid, err) < 0 ||
		    get_u32(e, "gid", p, false, &d->gid, err) < 0)
			return -1;
		if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
			return bad(err, p, "type: must be c, b, u or p");
		if (d->path[0] != '/')
			return bad(err, p, "path: must be an absolute path");
		d->type = type[0];
		d->mode = (mode_t)mode;
		if (d->type != 'p' && (!json_object_object_get_ex(e, "major", NULL) ||
				       !json_object_object_get_ex(e, "minor", NULL)))
			return bad(err, p, "major and minor are required for a device");
	}
	return 0;
}

static int parse_sysctl(json_object *lx, struct rt_linux *l, struct error **err)
{
	json_object *o;
	if (json_field(lx, "sysctl", "linux.sysctl", json_type_object, false, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	json_object_object_foreach (o, key, val) {
		if (!json_object_is_type(val, json_type_string))
			return err_set(err, EINVAL, ERR_TOOL, "linux.sysctl.%s: must be a string",
				       key);
		strv_push_take(&l->sysctl, xasprintf("%s=%s", key, json_object_get_string(val)));
	}
	return 0;
}

/*
 * A file of the container's cgroup v2 to write a limit to: a plain name, and none of the
 * core files but the two limits among them (cgroup.procs would pull any process of the
 * host into the container's cgroup, where kill --all and delete kill it).
 */
static bool is_unified_key(const char *key)
{
	if (key[0] == '\0' || key[0] == '.' || strchr(key, '/') != NULL)
		return false;
	return strncmp(key, "cgroup.", 7) != 0 || strcmp(key, "cgroup.max.depth") == 0 ||
	       strcmp(key, "cgroup.max.descendants") == 0;
}

static int parse_resources(json_object *lx, struct rt_resources *r, struct error **err)
{
	r->memory_limit = r->memory_swap = r->pids_limit = r->cpu_quota = -1;
	json_object *res, *mem, *pids, *cpu, *uni;
	const char *rp = "linux.resources";
	if (json_field(lx, "resources", rp, json_type_object, false, &res, err) < 0)
		return -1;
	if (res == NULL)
		return 0;
	if (oci_dev_rules_parse(res, r, err) < 0 ||
	    json_field(res, "memory", "linux.resources.memory", json_type_object, false, &mem,
		       err) < 0 ||
	    json_field(res, "pids", "linux.resources.pids", json_type_object, false, &pids, err) <
		0 ||
	    json_field(res, "cpu", "linux.resources.cpu", json_type_object, false, &cpu, err) < 0 ||
	    json_field(res, "unified", "linux.resources.unified", json_type_object, false, &uni,
		       err) < 0)
		return -1;
	bool has = false;
	if (mem != NULL) {
		if (get_int(mem, "limit", "linux.resources.memory", false, INT64_MIN, INT64_MAX,
			    &r->memory_limit, &has, err) < 0 ||
		    get_int(mem, "swap", "linux.resources.memory", false, INT64_MIN, INT64_MAX,
			    &r->memory_swap, NULL, err) < 0)
			return -1;
		r->any |= has && r->memory_limit > 0;
		/* OCI's swap counts memory and swap together (v1's memsw). */
		if (r->memory_limit > 0 && r->memory_swap > 0 && r->memory_swap < r->memory_limit)
			return bad(
			    err, "linux.resources.memory.swap",
			    "must not be below the memory limit (it counts memory and swap)");
	}
	if (pids != NULL) {
		if (get_int(pids, "limit", "linux.resources.pids", true, INT64_MIN, INT64_MAX,
			    &r->pids_limit, NULL, err) < 0)
			return -1;
		r->any |= r->pids_limit > 0;
	}
	if (cpu != NULL) {
		if (get_u64(cpu, "shares", "linux.resources.cpu", false, &r->cpu_shares, NULL,
			    err) < 0 ||
		    get_int(cpu, "quota", "linux.resources.cpu", false, INT64_MIN, INT64_MAX,
			    &r->cpu_quota, NULL, err) < 0 ||
		    get_u64(cpu, "period", "linux.resources.cpu", false, &r->cpu_period, NULL,
			    err) < 0)
			return -1;
		r->any |= r->cpu_shares > 0 || r->cpu_quota > 0;
	}
	if (uni != NULL) {
		json_object_object_foreach (uni, key, val) {
			if (!json_object_is_type(val, json_type_string))
				return err_set(err, EINVAL, ERR_TOOL,
					       "linux.resources.unified.%s: must be a string", key);
			if (!is_unified_key(key))
				return err_set(err, EINVAL, ERR_TOOL,
					       "linux.resources.unified.%s: not a limit file", key);
			strv_push_take(&r->unified,
				       xasprintf("%s=%s", key, json_object_get_string(val)));
			r->any = true;
		}
	}
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

static int parse_linux(json_object *root, struct rt_spec *s, struct error **err)
{
	json_object *lx;
	struct rt_linux *l = &s->lx;
	if (json_field(root, "linux", "linux", json_type_object, false, &lx, err) < 0)
		return -1;
	if (lx == NULL)
		return 0;
	autofree char *prop = NULL, *pers = NULL;
	json_object *po;
	if (parse_namespaces(lx, l, err) < 0 ||
	    parse_idmaps(lx, "uidMappings", false, &l->map, err) < 0 ||
	    parse_idmaps(lx, "gidMappings", true, &l->map, err) < 0 ||
	    get_strv(lx, "maskedPaths", "linux", false, false, &l->masked, err) < 0 ||
	    get_strv(lx, "readonlyPaths", "linux", false, false, &l->readonly, err) < 0 ||
	    parse_devices(lx, l, err) < 0 || parse_sysctl(lx, l, err) < 0 ||
	    oci_seccomp_parse(lx, &l->seccomp, err) < 0 ||
	    get_str(lx, "rootfsPropagation", "linux", false, &prop, err) < 0 ||
	    get_str(lx, "cgroupsPath", "linux", false, &l->cgroups_path, err) < 0 ||
	    get_str(lx, "mountLabel", "linux", false, &l->mount_label, err) < 0 ||
	    parse_resources(lx, &l->res, err) < 0 ||
	    json_field(lx, "personality", "linux.personality", json_type_object, false, &po, err) <
		0)
		return -1;
	/* Resolved below each hierarchy's root or our own cgroup: ".." could climb out. */
	if (l->cgroups_path != NULL && has_dotdot(l->cgroups_path))
		return bad(err, "linux.cgroupsPath", "must not contain \"..\"");
	if (prop != NULL && (l->rootfs_propagation = propagation_flag(prop)) == 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "linux.rootfsPropagation: unknown propagation \"%s\"", prop);
	if (po != NULL) {
		if (get_str(po, "domain", "linux.personality", true, &pers, err) < 0)
			return -1;
		if (strcmp(pers, "LINUX") == 0)
			l->personality = PER_LINUX;
		else if (strcmp(pers, "LINUX32") == 0)
			l->personality = PER_LINUX32;
		else
			return err_set(err, EINVAL, ERR_TOOL,
				       "linux.personality.domain: unknown domain \"%s\"", pers);
		l->has_personality = true;
	}
	if ((l->map.n_uids == 0) != (l->map.n_gids == 0))
		return bad(err, "linux", "uidMappings and gidMappings must be given together");
	bool has_userns = oci_spec_ns(s, CLONE_NEWUSER) != NULL;
	const struct rt_ns *userns = oci_spec_ns(s, CLONE_NEWUSER);
	if (has_userns && userns->path == NULL && l->map.n_uids == 0)
		return bad(err, "linux.uidMappings",
			   "a new user namespace needs uidMappings and gidMappings");
	if (!has_userns && l->map.n_uids > 0)
		return bad(err, "linux.uidMappings",
			   "mappings need a user namespace in linux.namespaces");
	return 0;
}

/* ---------- top level ---------- */

static int spec_from(json_object *root, struct rt_spec *s, struct error **err)
{
	json_object *proc, *rootobj, *ann;
	if (!json_object_is_type(root, json_type_object))
		return err_msg(err, "config.json: must be a JSON object");
	if (get_str(root, "ociVersion", "", true, &s->oci_version, err) < 0)
		return -1;
	if (json_field(root, "root", "root", json_type_object, true, &rootobj, err) < 0 ||
	    get_str(rootobj, "path", "root", true, &s->root_path, err) < 0 ||
	    get_bool(rootobj, "readonly", "root", &s->root_readonly, err) < 0)
		return -1;
	if (s->root_path[0] == '\0')
		return bad(err, "root.path", "must not be empty");
	if (json_field(root, "process", "process", json_type_object, true, &proc, err) < 0 ||
	    process_from(proc, "process", &s->process, err) < 0)
		return -1;
	if (get_str(root, "hostname", "", false, &s->hostname, err) < 0 ||
	    get_str(root, "domainname", "", false, &s->domainname, err) < 0 ||
	    parse_mounts(root, s, err) < 0 || parse_hooks(root, s, err) < 0 ||
	    parse_linux(root, s, err) < 0)
		return -1;
	if (json_field(root, "annotations", "annotations", json_type_object, false, &ann, err) < 0)
		return -1;
	if (ann != NULL)
		s->annotations = json_object_get(ann);
	if (s->hostname != NULL && oci_spec_ns(s, CLONE_NEWUTS) == NULL)
		return bad(err, "hostname", "needs a uts namespace in linux.namespaces");
	return 0;
}

/* Field paths start with "." at top level ("" + ".ociVersion"); drop that dot. */
static void tidy_path(struct error **err)
{
	if (err != NULL && *err != NULL && (*err)->msg[0] == '.')
		memmove((*err)->msg, (*err)->msg + 1, strlen((*err)->msg));
}

/* One JSON document and nothing after it but white space. */
static json_object *parse_json(const char *text, const char *what, struct error **err)
{
	struct json_tokener *tok = json_tokener_new();
	size_t len = strlen(text);
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root == NULL) {
		if (jerr == json_tokener_continue)
			err_set(err, EINVAL, ERR_TOOL, "%s: invalid JSON: unexpected end of input",
				what);
		else
			err_set(err, EINVAL, ERR_TOOL, "%s: invalid JSON: %s", what,
				json_tokener_error_desc(jerr));
		return NULL;
	}
	text += end;
	while (*text == ' ' || *text == '\n' || *text == '\t' || *text == '\r')
		text++;
	if (*text != '\0') {
		json_object_put(root);
		err_set(err, EINVAL, ERR_TOOL, "%s: invalid JSON: trailing data after the document",
			what);
		return NULL;
	}
	return root;
}

int oci_spec_parse(const char *text, struct rt_spec *out, struct error **err)
{
	*out = (struct rt_spec){ 0 };
	json_object *root = parse_json(text, "config.json", err);
	if (root == NULL)
		return -1;
	int rc = spec_from(root, out, err);
	json_object_put(root);
	if (rc < 0) {
		tidy_path(err);
		oci_spec_clear(out);
	}
	return rc;
}

int oci_process_parse(const char *text, struct rt_process *out, struct error **err)
{
	*out = (struct rt_process){ 0 };
	json_object *root = parse_json(text, "process", err);
	if (root == NULL)
		return -1;
	int rc = json_object_is_type(root, json_type_object)
		     ? process_from(root, "process", out, err)
		     : err_msg(err, "process: must be a JSON object");
	json_object_put(root);
	if (rc < 0)
		oci_process_clear(out);
	return rc;
}

int oci_spec_load(const char *bundle, struct rt_spec *out, char **text_out, struct error **err)
{
	autofree char *path = xasprintf("%s/config.json", bundle);
	autofree char *text = NULL;
	if (fs_read_file(path, 16 << 20, &text, NULL, err) < 0)
		return -1;
	if (oci_spec_parse(text, out, err) < 0)
		return err_wrap(err, "%s", path);
	if (out->root_path[0] != '/') {
		char *abs = xasprintf("%s/%s", bundle, out->root_path);
		free(out->root_path);
		out->root_path = abs;
	}
	if (text_out != NULL)
		*text_out = steal_ptr(&text);
	return 0;
}

void oci_process_clear(struct rt_process *p)
{
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->gids);
	free(p->rlimits);
	free(p->apparmor);
	free(p->selinux);
	*p = (struct rt_process){ 0 };
}

void oci_spec_clear(struct rt_spec *s)
{
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	oci_process_clear(&s->process);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	for (int k = 0; k < RT_HOOK_N; k++) {
		for (size_t i = 0; i < s->n_hooks[k]; i++) {
			free(s->hooks[k][i].path);
			strv_free(s->hooks[k][i].args);
			strv_free(s->hooks[k][i].env);
		}
		free(s->hooks[k]);
	}
	struct rt_linux *l = &s->lx;
	for (size_t i = 0; i < l->n_ns; i++)
		free(l->ns[i].path);
	free(l->ns);
	userns_map_clear(&l->map);
	strv_free(l->masked);
	strv_free(l->readonly);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	strv_free(l->sysctl);
	oci_seccomp_free(l->seccomp);
	free(l->cgroups_path);
	strv_free(l->res.unified);
	free(l->res.dev_rules);
	free(l->mount_label);
	if (s->annotations != NULL)
		json_object_put(s->annotations);
	*s = (struct rt_spec){ 0 };
}
