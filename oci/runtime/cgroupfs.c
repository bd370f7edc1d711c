/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's cgroups as root, as runc's cgroupfs manager makes them: a cgroup at
 * linux.cgroupsPath in every v1 hierarchy mounted and in the v2 one (absolute: below the
 * hierarchy's root; relative, or the container id when absent: below the runtime's own
 * cgroup there). Each limit goes where its controller is, v1 or v2, so a hybrid host (v1
 * controllers, a v2 hierarchy with almost none) works as it does with runc; a limit whose
 * controller is nowhere is refused with the host's layout in the message. Device rules go
 * to the v1 devices controller and, as a BPF program, to the v2 cgroup (devices.c).
 * Everything made is recorded, so delete (and a failed create) removes exactly that.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One hierarchy: its controllers ("cpu,cpuacct", "name=systemd"; NULL for v2), where it
 * is mounted, and our own cgroup in it (relative to that mount). */
struct hier {
	char *ctrls;
	char *mount;
	char *own;
};

struct layout {
	struct hier *v1;
	size_t n_v1;
	struct hier v2; /* mount NULL without a v2 hierarchy */
	bool hybrid;	/* v1 hierarchies beside the v2 one */
};

static void layout_clear(struct layout *l)
{
	for (size_t i = 0; i < l->n_v1; i++) {
		free(l->v1[i].ctrls);
		free(l->v1[i].mount);
		free(l->v1[i].own);
	}
	free(l->v1);
	free(l->v2.mount);
	free(l->v2.own);
	*l = (struct layout){ 0 };
}

/* mountinfo escapes space, tab, newline and backslash as \ooo; undone in place. */
static void unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Whether every controller of ctrls ("cpu,cpuacct") is among the mount's super options. */
static bool has_all(const char *superopts, const char *ctrls)
{
	autofree char *want = xstrdup(ctrls);
	char *save = NULL;
	for (char *w = strtok_r(want, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(w);
		bool found = false;
		for (const char *p = superopts; p && *p;
		     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
			if (strncmp(p, w, n) == 0 && (p[n] == ',' || p[n] == '\0'))
				found = true;
		if (!found)
			return false;
	}
	return true;
}

/* Our cgroup relative to a mount of the hierarchy whose root is root (not "/" when it
 * was mounted from inside a cgroup namespace or bound from a subtree). */
static char *own_below(const char *own, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") != 0 && strncmp(own, root, n) == 0 && (own[n] == '/' || !own[n]))
		return xstrdup(own[n] ? own + n : "/");
	return xstrdup(own);
}

/*
 * Where h (own already set, ctrls NULL for v2) is mounted: the first cgroup (cgroup2)
 * mount of it below /sys/fs/cgroup, preferring one of the whole hierarchy (root "/"), so
 * that a bind of a subtree elsewhere (another container's /sys/fs/cgroup) is not taken.
 */
static void find_mount(char *mountinfo, struct hier *h)
{
	autofree char *text = xstrdup(mountinfo);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[32] = { 0 }, *lsave = NULL;
		size_t n = 0;
		for (char *w = strtok_r(line, " ", &lsave); w && n < 32;
		     w = strtok_r(NULL, " ", &lsave))
			f[n++] = w;
		/* ID PARENT DEV ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS */
		size_t dash = 6;
		while (dash < n && strcmp(f[dash], "-") != 0)
			dash++;
		if (dash + 3 >= n)
			continue;
		const char *type = f[dash + 1], *superopts = f[dash + 3];
		if (strcmp(type, h->ctrls ? "cgroup" : "cgroup2") != 0 ||
		    (h->ctrls && !has_all(superopts, h->ctrls)))
			continue;
		unescape(f[3]);
		unescape(f[4]);
		if (strncmp(f[4], "/sys/fs/cgroup", 14) != 0)
			continue;
		if (h->mount != NULL && strcmp(f[3], "/") != 0)
			continue; /* keep the one we have; this one is no better */
		free(h->mount);
		h->mount = xstrdup(f[4]);
		char *own = own_below(h->own, f[3]);
		free(h->own);
		h->own = own;
		if (strcmp(f[3], "/") == 0)
			return;
	}
}

static int layout_read(struct layout *l, struct error **err)
{
	*l = (struct layout){ 0 };
	autofree char *cg = NULL, *mi = NULL;
	if (fs_read_file("/proc/self/cgroup", 1 << 16, &cg, NULL, err) < 0 ||
	    fs_read_file("/proc/self/mountinfo", 4 << 20, &mi, NULL, err) < 0)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		struct hier h = { .ctrls = c1[1] ? xstrdup(c1 + 1) : NULL, .own = xstrdup(c2 + 1) };
		find_mount(mi, &h);
		if (h.mount == NULL) { /* listed, not mounted: nothing to make there */
			free(h.ctrls);
			free(h.own);
		} else if (h.ctrls == NULL) {
			l->v2 = h;
		} else {
			l->v1 = xrealloc(l->v1, (l->n_v1 + 1) * sizeof(*l->v1));
			l->v1[l->n_v1++] = h;
		}
	}
	l->hybrid = l->v2.mount != NULL && l->n_v1 > 0;
	return 0;
}

static char *v2_controllers(const char *dir)
{
	autofree char *path = xasprintf("%s/cgroup.controllers", dir);
	char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, 4096, &text, NULL, &e) < 0) {
		err_free(&e);
		return xstrdup("");
	}
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static bool v2_has(const char *dir, const char *ctrl)
{
	autofree char *c = v2_controllers(dir);
	for (char *p = c; (p = strstr(p, ctrl)) != NULL; p++)
		if ((p == c || p[-1] == ' ') && (p[strlen(ctrl)] == ' ' || !p[strlen(ctrl)]))
			return true;
	return false;
}

/* "this host has cgroup v1 hierarchies cpu, memory, ... and cgroup v2 at
 * /sys/fs/cgroup/unified with controllers: hugetlb", for errors. */
static char *layout_text(const struct layout *l)
{
	char *s = xstrdup(l->n_v1 ? "this host has cgroup v1 hierarchies " : "");
	for (size_t i = 0; i < l->n_v1; i++) {
		char *n = xasprintf("%s%s%s", s, i ? ", " : "", l->v1[i].ctrls);
		free(s);
		s = n;
	}
	autofree char *c = l->v2.mount ? v2_controllers(l->v2.mount) : NULL;
	char *n = l->v2.mount ? xasprintf("%s%scgroup v2 at %s with controllers: %s", s,
					  l->n_v1 ? " and " : "this host has ", l->v2.mount,
					  c[0] ? c : "none")
		  : l->n_v1   ? xasprintf("%s and no cgroup v2", s)
			      : xstrdup("this host has no cgroup hierarchy mounted");
	free(s);
	return n;
}

/* ---------- the directories ---------- */

/* cpuset.cpus and cpuset.mems start empty in a new v1 cgroup (no process may join it):
 * copied from the parent, as runc does. */
static int cpuset_init(const char *parent, const char *dir, struct error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < 2; i++) {
		autofree char *from = xasprintf("%s/%s", parent, files[i]);
		autofree char *to = xasprintf("%s/%s", dir, files[i]);
		autofree char *v = NULL;
		autoclose int fd = -1;
		if (fs_read_file(from, 65536, &v, NULL, err) < 0)
			return -1;
		if ((fd = open(to, O_WRONLY | O_CLOEXEC)) < 0 || fs_write_all(fd, v, strlen(v)) < 0)
			return err_sys(err, "writing %s", to);
	}
	return 0;
}

/* mkdir each part of rel below mount (rel already has no ".."); the ones made, and the
 * leaf, go to *made, parents first. The leaf, owned. */
static char *make_dirs(const char *mount, const char *rel, bool cpuset, char ***made,
		       struct error **err)
{
	autofree char *copy = xstrdup(rel);
	autofree char *path = xstrdup(mount);
	char *save = NULL;
	bool any = false;
	for (char *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		autofree char *next = xasprintf("%s/%s", path, p);
		any = true;
		if (mkdir(next, 0755) == 0) {
			strv_push(made, next);
			if (cpuset && cpuset_init(path, next, err) < 0)
				return NULL;
		} else if (errno != EEXIST) {
			err_sys(err, "creating cgroup %s", next);
			return NULL;
		}
		free(path);
		path = steal_ptr(&next);
	}
	if (!any) {
		err_msg(err, "linux.cgroupsPath: names no cgroup below %s", mount);
		return NULL;
	}
	/* The leaf is removed at delete even when it was there (left by a create that was
	 * killed), as runc does; a parent only when it was made here. */
	if (!strv_contains(*made, path))
		strv_push(made, path);
	return steal_ptr(&path);
}

static int write_at(const char *dir, const char *file, const char *value, struct error **err)
{
	autofree char *path = xasprintf("%s/%s", dir, file);
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, value, strlen(value)) < 0)
		return err_sys(err, "writing %s to %s", value, path);
	return 0;
}

/* ---------- limits on v1 ---------- */

static int v1_memory(const char *dir, const struct rt_resources *r, struct error **err)
{
	char lim[32], sw[32];
	snprintf(lim, sizeof(lim), "%lld", (long long)r->memory_limit);
	snprintf(sw, sizeof(sw), "%lld", (long long)r->memory_swap);
	autofree char *memsw = xasprintf("%s/memory.memsw.limit_in_bytes", dir);
	/* memsw exists only with swap accounting; without it there is no swap to limit. */
	bool swap = (r->memory_swap > 0 || r->memory_swap == -1) && fs_exists(memsw);
	if (r->memory_limit > 0 && write_at(dir, "memory.limit_in_bytes", lim, err) < 0)
		return -1;
	if (swap && write_at(dir, "memory.memsw.limit_in_bytes", sw, err) < 0)
		return -1;
	return 0;
}

static int v1_limits(const char *dir, const char *ctrl, const struct rt_resources *r,
		     struct error **err)
{
	char buf[32];
	if (strcmp(ctrl, "memory") == 0)
		return v1_memory(dir, r, err);
	if (strcmp(ctrl, "pids") == 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r->pids_limit);
		return write_at(dir, "pids.max", buf, err);
	}
	if (r->cpu_shares > 0) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->cpu_shares);
		if (write_at(dir, "cpu.shares", buf, err) < 0)
			return -1;
	}
	/* The period first: the quota is checked against it. */
	if (r->cpu_period > 0) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->cpu_period);
		if (write_at(dir, "cpu.cfs_period_us", buf, err) < 0)
			return -1;
	}
	if (r->cpu_quota > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)r->cpu_quota);
		if (write_at(dir, "cpu.cfs_quota_us", buf, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------- putting it together ---------- */

static const struct hier *v1_with(const struct layout *l, const char *ctrl)
{
	for (size_t i = 0; i < l->n_v1; i++)
		if (has_all(l->v1[i].ctrls, ctrl))
			return &l->v1[i];
	return NULL;
}

/* The path of the container's cgroup in h: cgroupsPath, or the id, as runc. */
static char *rel_path(const struct hier *h, const struct rt_spec *s, const char *id)
{
	const char *p = s->lx.cgroups_path != NULL ? s->lx.cgroups_path : id;
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", h->own, p);
}

/* Make h's cgroup; its leaf goes to out->dirs (and out->v2 for v2). */
static int make_one(const struct hier *h, const struct rt_spec *s, const char *id,
		    struct rt_cgroups *out, struct error **err)
{
	autofree char *rel = rel_path(h, s, id);
	char *leaf =
	    make_dirs(h->mount, rel, h->ctrls && has_all(h->ctrls, "cpuset"), &out->made, err);
	if (leaf == NULL)
		return -1;
	strv_push_take(&out->dirs, leaf);
	if (h->ctrls == NULL)
		out->v2 = xstrdup(leaf);
	return 0;
}

/* The leaf of h among out->dirs (made in the order of the layout, v2 last). */
static const char *leaf_of(const struct layout *l, const struct hier *h,
			   const struct rt_cgroups *out)
{
	return h->ctrls == NULL ? out->v2 : out->dirs[h - l->v1];
}

/* On pure v2 a controller is usable in a cgroup once every parent enables it for its
 * children; the hierarchy's own cgroups above ours are the runtime's to set, as root. */
static void v2_enable(const struct layout *l, const char *leaf, const char *ctrl)
{
	autofree char *path = xstrdup(leaf);
	autofree char *plus = xasprintf("+%s", ctrl);
	/* From the hierarchy's root down to the leaf's parent, in that order. */
	for (char *p = path + strlen(l->v2.mount); p != NULL; p = strchr(p + 1, '/')) {
		char c = *p;
		*p = '\0';
		struct error *e = NULL;
		if (write_at(path, "cgroup.subtree_control", plus, &e) < 0)
			err_free(&e); /* a busy parent refuses; the limit's write then says why */
		*p = c;
	}
}

static int place_limits(const struct layout *l, const struct rt_resources *r,
			const struct rt_cgroups *out, struct error **err)
{
	static const char *const ctrls[] = { "memory", "pids", "cpu" };
	for (size_t i = 0; i < 3; i++) {
		if (!oci_cgroup_wants(r, ctrls[i]))
			continue;
		const struct hier *h = v1_with(l, ctrls[i]);
		if (h != NULL) {
			if (v1_limits(leaf_of(l, h, out), ctrls[i], r, err) < 0)
				return -1;
			continue;
		}
		if (out->v2 != NULL && !l->hybrid)
			v2_enable(l, out->v2, ctrls[i]);
		if (out->v2 == NULL || !v2_has(out->v2, ctrls[i])) {
			autofree char *why = layout_text(l);
			return err_msg(err, "linux.resources.%s: no %s controller to apply it: %s",
				       ctrls[i], ctrls[i], why);
		}
		if (oci_cgroup_v2_limits(out->v2, ctrls[i], r, err) < 0)
			return -1;
	}
	if (r->unified == NULL)
		return 0;
	if (out->v2 == NULL) {
		autofree char *why = layout_text(l);
		return err_msg(err, "linux.resources.unified needs cgroup v2: %s", why);
	}
	for (size_t i = 0; r->unified[i] != NULL; i++) {
		autofree char *key = xstrndup(r->unified[i], strcspn(r->unified[i], "="));
		autofree char *ctrl = xstrndup(key, strcspn(key, "."));
		autofree char *file = xasprintf("%s/%s", out->v2, key);
		if (!l->hybrid && strcmp(ctrl, "cgroup") != 0 && strchr(key, '/') == NULL)
			v2_enable(l, out->v2, ctrl);
		if (strchr(key, '/') == NULL && !fs_exists(file)) {
			autofree char *why = layout_text(l);
			return err_msg(
			    err,
			    "linux.resources.unified.%s: no such file in the container's "
			    "cgroup v2: %s",
			    key, why);
		}
	}
	return oci_cgroup_v2_limits(out->v2, NULL, r, err);
}

static int place_devices(const struct layout *l, const struct rt_resources *r,
			 const struct rt_cgroups *out, struct error **err)
{
	if (r->n_dev_rules == 0)
		return 0;
	const struct hier *h = v1_with(l, "devices");
	if (h != NULL && oci_devices_v1_apply(leaf_of(l, h, out), r, err) < 0)
		return -1;
	struct error *e = NULL;
	if (out->v2 != NULL && oci_devices_bpf_attach(out->v2, r, &e) < 0) {
		if (h == NULL) {
			err_set(err, e->code, e->kind, "%s", e->msg);
			err_free(&e);
			return -1;
		}
		/* The v1 controller enforces them already; the program is a second lock. */
		log_warn("%s", e->msg);
		err_free(&e);
	}
	if (h == NULL && out->v2 == NULL) {
		autofree char *why = layout_text(l);
		return err_msg(err, "linux.resources.devices: no devices controller: %s", why);
	}
	return 0;
}

int oci_cgroupfs_enter(const struct rt_spec *s, const char *id, pid_t pid, struct rt_cgroups *out,
		       struct error **err)
{
	struct layout l;
	if (layout_read(&l, err) < 0)
		return -1;
	int rc = -1;
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < l.n_v1; i++)
		if (make_one(&l.v1[i], s, id, out, err) < 0)
			goto out;
	if (l.v2.mount != NULL && make_one(&l.v2, s, id, out, err) < 0)
		goto out;
	if (place_limits(&l, &s->lx.res, out, err) < 0 ||
	    place_devices(&l, &s->lx.res, out, err) < 0)
		goto out;
	/* Limits and rules first, then the init moves in (it waits for us meanwhile). */
	for (size_t i = 0; out->dirs != NULL && out->dirs[i] != NULL; i++)
		if (write_at(out->dirs[i], "cgroup.procs", buf, err) < 0)
			goto out;
	rc = 0;
out:
	layout_clear(&l);
	return rc;
}

/* ---------- processes and removal ---------- */

static void add_procs(const char *dir, int depth, pid_t **pids, size_t *n)
{
	autofree char *path = xasprintf("%s/cgroup.procs", dir);
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, 1 << 20, &text, NULL, &e) == 0) {
		for (char *p = text; *p && *n < 65536;
		     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
			*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
			(*pids)[(*n)++] = (pid_t)atoi(p);
		}
	}
	err_free(&e);
	autoclosedir DIR *d = depth < 16 ? opendir(dir) : NULL;
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		autofree char *sub = xasprintf("%s/%s", dir, de->d_name);
		add_procs(sub, depth + 1, pids, n);
	}
}

void oci_cgroup_pids(const struct rt_cgroups *cg, pid_t **pids, size_t *n)
{
	for (size_t i = 0; cg->dirs != NULL && cg->dirs[i] != NULL; i++)
		add_procs(cg->dirs[i], 0, pids, n);
}

/* rmdir dir after the cgroups the container made below it, deepest first. */
static int rm_tree(const char *dir, int depth)
{
	autoclosedir DIR *d = depth < 16 ? opendir(dir) : NULL;
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		autofree char *sub = xasprintf("%s/%s", dir, de->d_name);
		rm_tree(sub, depth + 1);
	}
	return rmdir(dir) < 0 && errno != ENOENT ? -1 : 0;
}

int oci_cgroup_remove(const struct rt_cgroups *cg, struct error **err)
{
	size_t n = strv_len(cg->made);
	int rc = 0, tries = 100; /* a second in all, not per cgroup */
	for (size_t i = n; i-- > 0;) {
		const char *dir = cg->made[i];
		if (!strv_contains(cg->dirs, dir)) {
			rmdir(dir); /* a parent made for it: gone when nothing else is in it */
			continue;
		}
		/* Killed processes leave their cgroup as they finish exiting: a moment. */
		int e = 0;
		while (rm_tree(dir, 0) < 0) {
			e = errno;
			if (e != EBUSY || tries-- <= 0)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		}
		if (fs_exists(dir) && rc == 0) {
			errno = e;
			rc = err_sys(err, "removing cgroup %s", dir);
		}
	}
	return rc;
}

void oci_cgroups_clear(struct rt_cgroups *cg)
{
	free(cg->v2);
	strv_free(cg->dirs);
	strv_free(cg->made);
	*cg = (struct rt_cgroups){ 0 };
}
