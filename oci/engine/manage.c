/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Views of and small changes to a container: diff (its upper dir against the image's
 * layers), top (its processes from /proc), rename, pause/unpause (the cgroup v2 freezer),
 * and stats (delegated cgroup files).
 */
#include "oci/engine/internal.h"
#include "net/net.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* ---------- diff ---------- */

struct diff_job {
	const char *upper;
	char **lowers;	    /* topmost first */
	char **mountpoints; /* config.json's mount destinations */
	FILE *out;
};

static bool has_xattr(const char *path, const char *name)
{
	return lgetxattr(path, name, NULL, 0) >= 0;
}

static bool is_whiteout(const char *path, const struct stat *st)
{
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return true;
	return S_ISREG(st->st_mode) && st->st_size == 0 && has_xattr(path, "user.overlay.whiteout");
}

/* Does rel exist in the image (the topmost layer that knows it decides)? */
static bool in_lowers(const struct diff_job *j, const char *rel)
{
	for (size_t i = 0; j->lowers && j->lowers[i]; i++) {
		autofree char *p = xasprintf("%s%s", j->lowers[i], rel);
		struct stat st;
		if (lstat(p, &st) == 0)
			return !is_whiteout(p, &st);
	}
	return false;
}

/* Is rel a directory above a mount point (the /run the runtime made for /run/.containerenv)? */
static bool above_mountpoint(const struct diff_job *j, const char *rel)
{
	size_t n = strlen(rel);
	for (size_t i = 0; j->mountpoints && j->mountpoints[i]; i++)
		if (strncmp(j->mountpoints[i], rel, n) == 0 && j->mountpoints[i][n] == '/')
			return true;
	return false;
}

/* Does the upper dir rel hold nothing but mount points the runtime made (and dirs holding
 * only those)? Then a directory of the image copied up for them is no change either. */
static bool only_mountpoints(const struct diff_job *j, const char *rel)
{
	autofree char *dir = xasprintf("%s%s", j->upper, rel);
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return false;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		autofree char *crel = xasprintf("%s/%s", rel, de->d_name);
		if (strv_contains(j->mountpoints, crel))
			continue;
		if (de->d_type == DT_DIR && above_mountpoint(j, crel) && only_mountpoints(j, crel))
			continue;
		return false;
	}
	return true;
}

static void diff_walk(const struct diff_job *j, const char *rel)
{
	autofree char *dir = xasprintf("%s%s", j->upper, rel);
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return;
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".wh..wh..opq") == 0)
			continue;
		autofree char *crel = xasprintf("%s/%s", rel, de->d_name);
		autofree char *path = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (strncmp(de->d_name, ".wh.", 4) == 0) {
			/* fuse-overlayfs without mknod: a ".wh.NAME" file marks NAME deleted. */
			fprintf(j->out, "D %s/%s\n", rel, de->d_name + 4);
			continue;
		}
		if (is_whiteout(path, &st)) {
			fprintf(j->out, "D %s\n", crel);
			continue;
		}
		bool lower = in_lowers(j, crel);
		/* nor the /etc/mtab link start makes where the image has none (its /etc does
		 * show as changed, as in podman) */
		char lt[16];
		ssize_t ln = S_ISLNK(st.st_mode) ? readlink(path, lt, sizeof(lt)) : -1;
		if (!lower && strcmp(crel, "/etc/mtab") == 0 && ln == 12 &&
		    memcmp(lt, "/proc/mounts", 12) == 0)
			continue;
		/* A mount point the runtime made (/etc/hosts) is no change, as in podman. */
		if (!lower && strv_contains(j->mountpoints, crel))
			continue;
		/* nor one the runtime made to hold it, whose other files still count */
		bool held = S_ISDIR(st.st_mode) && above_mountpoint(j, crel);
		if (!held || (lower && !only_mountpoints(j, crel)))
			fprintf(j->out, "%c %s\n", lower ? 'C' : 'A', crel);
		if (S_ISDIR(st.st_mode))
			diff_walk(j, crel);
	}
}

/* In the user namespace: the upper dir holds files of subordinate ids. */
static int diff_fn(void *arg, struct error **err)
{
	(void)err;
	struct diff_job *j = arg;
	diff_walk(j, "");
	fflush(j->out);
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + 2, *(char *const *)b + 2);
}

char **eng_ctr_diff(struct eng *eng, struct eng_ctr *c, struct error **err)
{
	struct storage *s = eng->store;
	struct storage_image *img = NULL;
	if (storage_image_lookup(s, c->image_id, &img, err) < 0)
		return NULL;
	autofree char *dir = eng_ctr_dir(eng, c->id);
	autofree char *upper = xasprintf("%s/upper", dir);
	autostrv char **lowers = storage_image_layer_dirs(s, img);
	storage_image_free(&img);
	/* The child writes to an anonymous file: a pipe could fill before it returns. */
	int mfd = memfd_create("hutch-diff", MFD_CLOEXEC);
	autofclose FILE *out = mfd >= 0 ? fdopen(mfd, "w+") : NULL;
	if (out == NULL)
		return err_sys(err, "creating a buffer"), NULL;
	autostrv char **mps = NULL;
	autofree char *cfgpath = xasprintf("%s/config.json", dir);
	struct json_object *cfg = json_object_from_file(cfgpath);
	struct json_object *mounts = json_get(cfg, "mounts");
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		const char *d = json_str(json_object_array_get_idx(mounts, i), "destination");
		if (d != NULL)
			strv_push(&mps, d);
	}
	json_object_put(cfg);
	struct diff_job j = { .upper = upper, .lowers = lowers, .mountpoints = mps, .out = out };
	struct userns_map m;
	struct userns_child child;
	if (userns_default_map(&m, err) < 0)
		return NULL;
	int rc = userns_spawn(&m, 0, diff_fn, &j, &child, err);
	userns_map_clear(&m);
	int status;
	if (rc < 0 || proc_wait(child.pid, &status, err) < 0)
		return NULL;
	rewind(out);
	char **lines = xzalloc(sizeof(char *));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, out)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		strv_push(&lines, line);
	}
	free(line);
	size_t count = strv_len(lines);
	if (count > 1)
		qsort(lines, count, sizeof(char *), cmp_path);
	return lines;
}

/* ---------- top ---------- */

struct proc_info {
	pid_t pid; /* ours */
	long nspid, nsppid;
	pid_t ppid;
	unsigned long uid;
	int tty;
	unsigned long long ticks, start;
	char comm[64];
	char *args;
};

static int read_proc(pid_t pid, struct proc_info *p)
{
	struct proc_stat ps;
	if (proc_stat_read(pid, &ps) < 0)
		return -1;
	snprintf(p->comm, sizeof(p->comm), "%s", ps.comm);
	p->pid = pid;
	p->ppid = ps.ppid;
	p->tty = ps.tty;
	p->ticks = ps.utime + ps.stime;
	p->start = ps.start;
	char path[64];
	struct error *e = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	autofree char *status = NULL;
	if (fs_read_file(path, 65536, &status, NULL, &e) == 0) {
		const char *u = strstr(status, "\nUid:");
		p->uid = u ? strtoul(u + 5, NULL, 10) : 0;
		const char *ns = strstr(status, "\nNSpid:");
		if (ns != NULL) {
			const char *end = strchr(ns + 1, '\n');
			const char *last = end;
			while (last > ns && last[-1] != '\t' && last[-1] != ' ')
				last--;
			p->nspid = strtol(last, NULL, 10);
		}
	}
	err_free(&e);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	size_t len = 0;
	if (fs_read_file(path, 65536, &p->args, &len, &e) == 0 && len > 0) {
		for (size_t i = 0; i + 1 < len; i++)
			if (p->args[i] == '\0')
				p->args[i] = ' ';
	} else {
		free(p->args);
		p->args = xasprintf("[%s]", p->comm);
	}
	err_free(&e);
	return 0;
}

/* The container's view of a host uid, through the process's uid_map. */
static unsigned long inner_uid(pid_t pid, unsigned long uid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	autofclose FILE *f = fopen(path, "re");
	unsigned long in, out, count;
	while (f != NULL && fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3)
		if (uid >= out && uid < out + count)
			return in + (uid - out);
	return uid;
}

/* The container's /etc/passwd is the container's to make: a FIFO or a link out of it. */
static char *user_name(pid_t init, unsigned long uid)
{
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)init);
	char *name = uid <= OCI_ID_MAX ? oci_user_name(root, (uint32_t)uid) : NULL;
	return name != NULL ? name : xasprintf("%lu", uid);
}

/* Go's time.Duration form, as podman prints ELAPSED and TIME: "1h2m3.5s". */
static char *go_duration(double secs)
{
	long h = (long)(secs / 3600), m = (long)(secs / 60) % 60;
	double sec = secs - (double)h * 3600 - (double)m * 60;
	if (h > 0)
		return xasprintf("%ldh%ldm%.0fs", h, m, sec);
	if (m > 0)
		return xasprintf("%ldm%.0fs", m, sec);
	return xasprintf("%.3gs", sec);
}

static const struct {
	const char *names[3];
	const char *header;
} top_cols[] = {
	{ { "user", "uname", NULL }, "USER" },
	{ { "pid", NULL }, "PID" },
	{ { "ppid", NULL }, "PPID" },
	{ { "pcpu", "%cpu", NULL }, "%CPU" },
	{ { "etime", "elapsed", NULL }, "ELAPSED" },
	{ { "tty", "tname", NULL }, "TTY" },
	{ { "time", "cputime", NULL }, "TIME" },
	{ { "args", "command", NULL }, "COMMAND" },
	{ { "comm", "ucomm", NULL }, "COMMAND" },
	{ { "uid", "euid", NULL }, "UID" },
	{ { "huser", NULL }, "HUSER" },
};
#define N_TOP_COLS (sizeof(top_cols) / sizeof(top_cols[0]))

static int top_col(const char *d)
{
	for (size_t i = 0; i < N_TOP_COLS; i++)
		for (size_t k = 0; k < 3 && top_cols[i].names[k]; k++)
			if (strcasecmp(d, top_cols[i].names[k]) == 0)
				return (int)i;
	return -1;
}

static char *top_cell(int col, const struct proc_info *p, pid_t init, const struct proc_info *all,
		      size_t n)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	struct timespec up;
	clock_gettime(CLOCK_BOOTTIME, &up);
	double elapsed = (double)up.tv_sec + (double)up.tv_nsec / 1e9 - (double)p->start / hz;
	switch (col) {
	case 0:
		return user_name(init, inner_uid(p->pid, p->uid));
	case 1:
		return xasprintf("%ld", p->nspid ? p->nspid : (long)p->pid);
	case 2:
		for (size_t i = 0; i < n; i++)
			if (all[i].pid == p->ppid)
				return xasprintf("%ld",
						 all[i].nspid ? all[i].nspid : (long)p->ppid);
		return xstrdup("0");
	case 3:
		return xasprintf("%.3f",
				 elapsed > 0 ? 100.0 * (double)p->ticks / hz / elapsed : 0.0);
	case 4:
		return go_duration(elapsed > 0 ? elapsed : 0);
	case 5:
		return p->tty ? xasprintf("pts/%d", minor((dev_t)p->tty)) : xstrdup("?");
	case 6:
		return go_duration((double)p->ticks / hz);
	case 7:
		return xstrdup(p->args);
	case 8:
		return xstrdup(p->comm);
	case 9:
		return xasprintf("%lu", inner_uid(p->pid, p->uid));
	default: { /* the host's name of the process's user, as podman's huser */
		struct passwd *pw = getpwuid((uid_t)p->uid);
		return pw ? xstrdup(pw->pw_name) : xasprintf("%lu", (unsigned long)p->uid);
	}
	}
}

int eng_ctr_top(struct eng_ctr *c, char *const *descriptors, char ***rows, struct error **err)
{
	*rows = NULL;
	if (c->state.status != ENG_CTR_RUNNING && c->state.status != ENG_CTR_PAUSED)
		return err_set(err, EINVAL, ERR_TOOL,
			       "top can only be used on running containers: %s is %s", c->name,
			       eng_ctr_status_name(c->state.status));
	static char *const defaults[] = { "user", "pid",  "ppid", "pcpu", "etime",
					  "tty",  "time", "args", NULL };
	/* podman also takes them comma-separated in one argument: "pid,comm,args". */
	autostrv char **want = NULL;
	for (size_t i = 0; descriptors && descriptors[i]; i++) {
		autofree char *copy = xstrdup(descriptors[i]);
		char *save = NULL;
		for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			strv_push(&want, t);
	}
	char *const *d = want ? want : defaults;
	size_t nd = strv_len(d);
	int *cols = xcalloc(nd, sizeof(int));
	for (size_t i = 0; i < nd; i++) {
		cols[i] = top_col(d[i]);
		if (cols[i] < 0) {
			free(cols);
			return err_set(err, EINVAL, ERR_USAGE,
				       "unknown descriptor \"%s\": hutch knows user, pid, ppid, "
				       "pcpu, etime, tty, time, args, comm, uid and huser",
				       d[i]);
		}
	}
	autofree char *root = ctr_runtime_root(c->eng, err);
	pid_t *pids = NULL;
	size_t n = 0;
	if (root == NULL || oci_container_pids(root, c->id, &pids, &n, err) < 0) {
		free(cols);
		return -1;
	}
	struct proc_info *all = xcalloc(n ? n : 1, sizeof(*all));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (read_proc(pids[i], &all[m]) == 0)
			m++;
	autofree char *hdr = xstrdup("");
	for (size_t i = 0; i < nd; i++) {
		char *h = xasprintf("%s%s%s", hdr, i ? "\t" : "", top_cols[cols[i]].header);
		free(hdr);
		hdr = h;
	}
	strv_push(rows, hdr);
	for (size_t k = 0; k < m; k++) {
		char *row = xstrdup("");
		for (size_t i = 0; i < nd; i++) {
			autofree char *cell = top_cell(cols[i], &all[k], c->state.pid, all, m);
			char *r = xasprintf("%s%s%s", row, i ? "\t" : "", cell);
			free(row);
			row = r;
		}
		strv_push_take(rows, row);
	}
	for (size_t k = 0; k < m; k++)
		free(all[k].args);
	free(all);
	free(pids);
	free(cols);
	return 0;
}

/* ---------- rename ---------- */

int eng_ctr_rename(struct eng *eng, struct eng_ctr *c, const char *name, struct error **err)
{
	struct storage *s = eng->store;
	if (!ctr_valid_name(name))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid container name \"%s\": names must match "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
			       name);
	autonames struct ctr_names_hold nl = ctr_names_lock(eng, err);
	if (nl.rc < 0)
		return -1;
	struct eng_ctr *other = ctr_by_name(eng, name);
	if (other != NULL) {
		bool self = strcmp(other->id, c->id) == 0;
		eng_ctr_free(&other);
		if (self)
			return 0;
		return err_set(err, EEXIST, ERR_TOOL,
			       "the container name \"%s\" is already in use: name already in use",
			       name);
	}
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	/* The record as it is now, under both locks (c may predate another rename). */
	autoctr struct eng_ctr *cur = ctr_load(eng, AT_FDCWD, c->id, false);
	if (cur == NULL)
		return err_set(err, ENOENT, ERR_TOOL, "container %s is gone: no such container",
			       c->name);
	/* The new name's index entry first, then the brief record (state.json: what ps
	 * shows, and what ctr_load takes the name from when hutch.json differs), then
	 * hutch.json, the old name's entry last: whenever this stops, every reader sees one
	 * name, and that name's entry leads to the container. */
	if (ctr_name_set(eng, name, c->id, err) < 0)
		return -1;
	json_object_object_add(cur->doc, "Name", json_object_new_string(name));
	autofree char *rec = xasprintf("%s/containers/%s/hutch.json", storage_root(s), c->id);
	const char *text = json_object_to_json_string_ext(
	    cur->doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (ctr_brief_update(eng, c->id, cur->doc, err) < 0 ||
	    fs_write_atomic(rec, text, strlen(text), 0600, err) < 0)
		return -1;
	ctr_name_drop(eng, cur->name, c->id);
	json_object_object_add(c->doc, "Name", json_object_new_string(name));
	free(c->name);
	c->name = xstrdup(name);
	return 0;
}

/* ---------- pause, stats ---------- */

/* Why cgroup work cannot be done here, or NULL when the controllers are delegated. */
static char *cgroup_trouble(void)
{
	struct oci_cgroup_info cg;
	oci_cgroup_probe(&cg);
	char *why = NULL;
	if (cg.version != 2 && !cg.hybrid)
		why = xstrdup("this host has no cgroup v2 hierarchy");
	else if (cg.delegated == NULL)
		why = xstrdup(cg.reason ? cg.reason
					: "no cgroup v2 controllers are delegated to "
					  "this user");
	oci_cgroup_info_clear(&cg);
	return why;
}

int eng_ctr_pause(struct eng *eng, struct eng_ctr *c, bool pause, struct error **err)
{
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	ctr_state_load(eng, c);
	enum eng_ctr_status want = pause ? ENG_CTR_RUNNING : ENG_CTR_PAUSED;
	if (c->state.status != want)
		return err_set(err, EINVAL, ERR_TOOL, "%s is %s, not %s: container state improper",
			       c->name, eng_ctr_status_name(c->state.status),
			       eng_ctr_status_name(want));
	autofree char *why = cgroup_trouble();
	if (why != NULL)
		return err_set(err, ENOTSUP, ERR_TOOL,
			       "%s needs the cgroup v2 freezer of a delegated cgroup: %s",
			       pause ? "pause" : "unpause", why);
	autofree char *root = ctr_runtime_root(c->eng, err);
	autofree char *run = root ? eng_ctr_run_dir(c->eng, c->id, err) : NULL;
	if (run == NULL || oci_container_pause(root, c->id, pause, err) < 0)
		return -1;
	autofree char *marker = xasprintf("%s/paused", run);
	if (pause)
		return fs_write_atomic(marker, "", 0, 0600, err);
	unlink(marker);
	return 0;
}

/* One line of a cgroup file: the value of key (or the first number with key NULL). */
static long long cg_read(const char *dir, const char *file, const char *key)
{
	autofree char *path = xasprintf("%s/%s", dir, file);
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, 65536, &text, NULL, &e) < 0) {
		err_free(&e);
		return -1;
	}
	if (key == NULL)
		return strtoll(text, NULL, 10);
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, strlen(key)) == 0 && l[strlen(key)] == ' ')
			return strtoll(l + strlen(key) + 1, NULL, 10);
	return -1;
}

int eng_ctr_stats(struct eng_ctr *c, struct json_object **out, struct error **err)
{
	*out = NULL;
	autofree char *why = cgroup_trouble();
	if (why != NULL)
		return err_set(err, ENOTSUP, ERR_TOOL,
			       "stats need the cgroup v2 controllers of a delegated cgroup: %s",
			       why);
	if (c->state.status != ENG_CTR_RUNNING && c->state.status != ENG_CTR_PAUSED)
		return err_set(err, EINVAL, ERR_TOOL, "container %s is not running", c->name);
	struct oci_cgroup_info cg;
	oci_cgroup_probe(&cg);
	autofree char *cgfile = xasprintf("/proc/%d/cgroup", (int)c->state.pid);
	autofree char *text = NULL;
	int rc = fs_read_file(cgfile, 65536, &text, NULL, err);
	char *rel = text ? strstr(text, "0::") : NULL;
	if (rc == 0 && rel == NULL)
		rc = err_msg(err, "container %s has no cgroup v2 path", c->name);
	if (rc == 0) {
		rel[strcspn(rel, "\n")] = '\0';
		autofree char *dir =
		    xasprintf("%s%s", cg.mount ? cg.mount : "/sys/fs/cgroup", rel + 3);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "ID", json_object_new_string(c->id));
		json_object_object_add(o, "Name", json_object_new_string(c->name));
		json_object_object_add(
		    o, "CPUNano",
		    json_object_new_int64(cg_read(dir, "cpu.stat", "usage_usec") * 1000));
		json_object_object_add(o, "MemUsage",
				       json_object_new_int64(cg_read(dir, "memory.current", NULL)));
		json_object_object_add(o, "PIDs",
				       json_object_new_int64(cg_read(dir, "pids.current", NULL)));
		*out = o;
	}
	oci_cgroup_info_clear(&cg);
	return rc;
}
