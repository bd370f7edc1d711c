/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entering the user namespace. The parent forks, the child unshares and says "ready" over a
 * socket pair, the parent writes the mapping (newuidmap/newgidmap are setuid helpers that
 * check /etc/subuid), says "mapped", and the child becomes root inside. Errors in the child
 * travel back over the same socket (STYLE.md B3): the child never prints.
 */
#include "userns/userns.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <shadow/subid.h>

/*
 * libsubid is loaded on first use: it drags in PAM, SELinux, audit and libsemanage, whose
 * relocations cost every hutch and hutch-runtime start about a millisecond, while most
 * runs never read a subordinate range (hutch-runtime only when a config asks for one).
 */
static struct {
	bool (*init)(const char *, FILE *);
	int (*uid_ranges)(const char *, struct subid_range **);
	int (*gid_ranges)(const char *, struct subid_range **);
} subid;

static int subid_load(struct error **err)
{
	if (subid.init != NULL)
		return 0;
	void *h = dlopen("libsubid.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return err_msg(err, "loading libsubid (package libsubid4): %s", dlerror());
	*(void **)&subid.uid_ranges = dlsym(h, "subid_get_uid_ranges");
	*(void **)&subid.gid_ranges = dlsym(h, "subid_get_gid_ranges");
	*(void **)&subid.init = dlsym(h, "subid_init");
	if (subid.init == NULL || subid.uid_ranges == NULL || subid.gid_ranges == NULL) {
		subid.init = NULL;
		return err_msg(err, "libsubid.so.4 lacks the subid_* functions");
	}
	/* libsubid reports its own problems to this stream; keep them with ours. */
	subid.init("hutch", stderr);
	return 0;
}

int userns_subids(bool gid, struct userns_subid **out, size_t *n, struct error **err)
{
	*out = NULL;
	*n = 0;
	struct passwd *pw = getpwuid(getuid());
	if (pw == NULL)
		return err_msg(err, "looking up uid %u in the user database: no such user",
			       (unsigned)getuid());
	if (subid_load(err) < 0)
		return -1;
	struct subid_range *ranges = NULL;
	int count =
	    gid ? subid.gid_ranges(pw->pw_name, &ranges) : subid.uid_ranges(pw->pw_name, &ranges);
	if (count < 0) {
		/* No /etc/subuid at all is the common cause: the same as having no ranges. */
		log_debug("libsubid found no %s ranges for %s", gid ? "gid" : "uid", pw->pw_name);
		free(ranges);
		return 0;
	}
	if (count > 0) {
		*out = xcalloc((size_t)count, sizeof(**out));
		for (int i = 0; i < count; i++) {
			(*out)[i].start = ranges[i].start;
			(*out)[i].count = ranges[i].count;
		}
	}
	*n = (size_t)count;
	free(ranges);
	return 0;
}

static void map_push(struct userns_idmap **v, size_t *n, unsigned long inside,
		     unsigned long outside, unsigned long count)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n] = (struct userns_idmap){ .inside = inside, .outside = outside, .count = count };
	(*n)++;
}

void userns_map_clear(struct userns_map *m)
{
	free(m->uids);
	free(m->gids);
	*m = (struct userns_map){ 0 };
}

/*
 * libsubid's answer, kept in the runtime dir: loading libsubid (PAM, SELinux, audit,
 * libsemanage) costs every container start half a millisecond or more. The answer is used
 * only while the files it came from are unchanged (the key below) and only when libsubid
 * reads /etc/subuid itself (no "subid:" source in nsswitch.conf, which could be remote).
 * newuidmap and newgidmap check every mapping against the database anyway.
 */
static const char *const subid_sources[] = { "/etc/subuid", "/etc/subgid", "/etc/passwd",
					     "/etc/nsswitch.conf" };

static char *subid_cache_key(void)
{
	char *key = xasprintf("hutch-subid 1 uid %u", (unsigned)getuid());
	for (size_t i = 0; i < sizeof(subid_sources) / sizeof(subid_sources[0]); i++) {
		struct stat st;
		char *more = stat(subid_sources[i], &st) < 0
				 ? xasprintf("%s -", key)
				 : xasprintf("%s %llx:%llx:%lld:%lld.%09ld", key,
					     (unsigned long long)st.st_dev,
					     (unsigned long long)st.st_ino, (long long)st.st_size,
					     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		free(key);
		key = more;
	}
	return key;
}

/* Does nsswitch.conf give libsubid a source of its own (sss, ...)? */
static bool subid_nss_source(void)
{
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file("/etc/nsswitch.conf", 1 << 16, &text, NULL, &e) < 0) {
		err_free(&e);
		return false;
	}
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		if (strncmp(l, "subid:", 6) == 0 && strspn(l + 6, " \t") < strlen(l + 6) &&
		    strncmp(l + 6 + strspn(l + 6, " \t"), "files", 5) != 0)
			return true;
	}
	return false;
}

static char *subid_cache_path(void)
{
	struct error *e = NULL;
	autofree char *rt = paths_runtime_dir(&e);
	err_free(&e);
	return rt ? xasprintf("%s/subid", rt) : NULL;
}

/* Parse "u START COUNT" and "g START COUNT" lines after the key line. */
static bool subid_cache_read(const char *key, struct userns_subid **su, size_t *nu,
			     struct userns_subid **sg, size_t *ng)
{
	autofree char *path = subid_cache_path();
	autofree char *text = NULL;
	struct error *e = NULL;
	if (path == NULL || fs_read_file(path, 1 << 16, &text, NULL, &e) < 0) {
		err_free(&e);
		return false;
	}
	char *save = NULL, *l = strtok_r(text, "\n", &save);
	if (l == NULL || strcmp(l, key) != 0)
		return false;
	while ((l = strtok_r(NULL, "\n", &save)) != NULL) {
		char kind;
		unsigned long start, count;
		if (sscanf(l, "%c %lu %lu", &kind, &start, &count) != 3 ||
		    (kind != 'u' && kind != 'g')) {
			free(*su), free(*sg);
			*su = *sg = NULL;
			*nu = *ng = 0;
			return false;
		}
		struct userns_subid **v = kind == 'u' ? su : sg;
		size_t *n = kind == 'u' ? nu : ng;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = (struct userns_subid){ .start = start, .count = count };
	}
	return true;
}

static void subid_cache_write(const char *key, const struct userns_subid *su, size_t nu,
			      const struct userns_subid *sg, size_t ng)
{
	autofree char *path = subid_cache_path();
	if (path == NULL || subid_nss_source())
		return;
	char *text = xasprintf("%s\n", key);
	for (size_t i = 0; i < nu + ng; i++) {
		const struct userns_subid *r = i < nu ? &su[i] : &sg[i - nu];
		char *more =
		    xasprintf("%s%c %lu %lu\n", text, i < nu ? 'u' : 'g', r->start, r->count);
		free(text);
		text = more;
	}
	struct error *e = NULL;
	if (fs_write_replace(path, text, strlen(text), 0600, &e) < 0)
		err_free(&e); /* only a cache */
	free(text);
}

/* Add the ranges of one subid file (any owner) to *r. A missing file adds none. */
static void subid_file_ranges(const char *path, struct userns_subid **r, size_t *n)
{
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, 1 << 22, &text, NULL, &e) < 0) {
		err_free(&e);
		return;
	}
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		unsigned long start, count;
		if (c2 == NULL || sscanf(c1 + 1, "%lu", &start) != 1 ||
		    sscanf(c2 + 1, "%lu", &count) != 1)
			continue;
		*r = xrealloc(*r, (*n + 1) * sizeof(**r));
		(*r)[(*n)++] = (struct userns_subid){ start, count };
	}
}

char *userns_free_subid_range(const char *subuid, const char *subgid)
{
	autofree struct userns_subid *r = NULL;
	size_t n = 0;
	subid_file_ranges(subuid, &r, &n);
	subid_file_ranges(subgid, &r, &n);
	/* useradd's steps: 100000 on, 65536 at a time, below 2^32 - 1. */
	for (unsigned long start = 100000; start + 65536 <= 4294967295UL; start += 65536) {
		bool taken = false;
		for (size_t i = 0; i < n && !taken; i++)
			taken = start < r[i].start + r[i].count && r[i].start < start + 65536;
		if (!taken)
			return xasprintf("%lu-%lu", start, start + 65535);
	}
	return NULL;
}

int userns_default_map(struct userns_map *m, struct error **err)
{
	autofree struct userns_subid *su = NULL, *sg = NULL;
	size_t nu = 0, ng = 0;
	*m = (struct userns_map){ 0 };
	autofree char *key = subid_cache_key();
	if (!subid_cache_read(key, &su, &nu, &sg, &ng)) {
		if (userns_subids(false, &su, &nu, err) < 0 ||
		    userns_subids(true, &sg, &ng, err) < 0)
			return -1;
		subid_cache_write(key, su, nu, sg, ng);
	}
	map_push(&m->uids, &m->n_uids, 0, getuid(), 1);
	map_push(&m->gids, &m->n_gids, 0, getgid(), 1);
	if (nu == 0 || ng == 0) {
		static bool warned;
		struct passwd *pw = getpwuid(getuid());
		const char *name = pw != NULL ? pw->pw_name : "USER";
		/* A range nobody has yet: 100000-165535 is Debian's first user's. */
		autofree char *range =
		    warned ? NULL : userns_free_subid_range("/etc/subuid", "/etc/subgid");
		if (!warned)
			log_warn(
			    "no subuid/subgid ranges found for user %s in /etc/subuid and "
			    "/etc/subgid: only your own uid and gid are mapped; add ranges with "
			    "`sudo usermod --add-subuids %s --add-subgids %s %s`",
			    name, range ? range : "START-END", range ? range : "START-END", name);
		warned = true;
		m->single = true;
		return 0;
	}
	unsigned long next = 1;
	for (size_t i = 0; i < nu; i++) {
		map_push(&m->uids, &m->n_uids, next, su[i].start, su[i].count);
		next += su[i].count;
	}
	next = 1;
	for (size_t i = 0; i < ng; i++) {
		map_push(&m->gids, &m->n_gids, next, sg[i].start, sg[i].count);
		next += sg[i].count;
	}
	return 0;
}

/* One side of the nested keep-id mapping; total is the outer namespace's size. */
static int keepid_side(unsigned long own, unsigned long total, struct userns_idmap **v, size_t *n,
		       const char *what, struct error **err)
{
	if (total <= own + 1)
		return err_set(err, ERANGE, ERR_TOOL,
			       "--userns=keep-id: your subordinate %s ranges (%lu ids) must be "
			       "larger than your %s %lu",
			       what, total - 1, what, own);
	if (own > 0)
		map_push(v, n, 0, 1, own);
	map_push(v, n, own, 0, 1);
	map_push(v, n, own + 1, own + 1, total - own - 1);
	return 0;
}

int userns_keepid_map(struct userns_map *m, struct error **err)
{
	struct userns_map outer;
	*m = (struct userns_map){ 0 };
	if (userns_default_map(&outer, err) < 0)
		return -1;
	unsigned long nu = 0, ng = 0;
	for (size_t i = 0; i < outer.n_uids; i++)
		nu += outer.uids[i].count;
	for (size_t i = 0; i < outer.n_gids; i++)
		ng += outer.gids[i].count;
	bool single = outer.single;
	userns_map_clear(&outer);
	if (single)
		return err_set(
		    err, ENOENT, ERR_TOOL,
		    "--userns=keep-id needs subordinate uid and gid ranges for your user");
	if (keepid_side(getuid(), nu, &m->uids, &m->n_uids, "uid", err) < 0 ||
	    keepid_side(getgid(), ng, &m->gids, &m->n_gids, "gid", err) < 0) {
		userns_map_clear(m);
		return -1;
	}
	return 0;
}

int userns_map_parse(const char *spec, bool gid, struct userns_map *m, struct error **err)
{
	unsigned long a, b, c;
	char extra;
	if (sscanf(spec, "%lu:%lu:%lu%c", &a, &b, &c, &extra) != 3 || c == 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid %s mapping \"%s\": want CONTAINER_ID:HOST_ID:COUNT",
			       gid ? "gid" : "uid", spec);
	if (gid)
		map_push(&m->gids, &m->n_gids, a, b, c);
	else
		map_push(&m->uids, &m->n_uids, a, b, c);
	return 0;
}

/* A setuid-root helper, or one with file capabilities (some distros use those). */
static int check_helper(const char *name, char **path_out, struct error **err)
{
	autofree char *path = fs_find_in_path(name);
	if (path == NULL)
		return err_set(err, ENOENT, ERR_TOOL,
			       "%s not found in $PATH: install the uidmap package "
			       "(apt-get install uidmap)",
			       name);
	struct stat st;
	if (stat(path, &st) < 0)
		return err_sys(err, "checking %s", path);
	bool setuid_root = (st.st_mode & S_ISUID) && st.st_uid == 0;
	bool has_caps = getxattr(path, "security.capability", NULL, 0) > 0;
	if (!setuid_root && !has_caps)
		return err_set(err, EPERM, ERR_TOOL,
			       "%s is neither setuid root nor has file capabilities: reinstall "
			       "the uidmap package",
			       path);
	if (path_out != NULL)
		*path_out = steal_ptr(&path);
	return 0;
}

bool userns_is_inside(void)
{
	/* Not cached: a child that entered a namespace after fork must not see its parent's
	 * answer. The read is one small procfs file. */
	autofree char *map = NULL;
	struct error *err = NULL;
	unsigned long in = 0, out = 0, count = 0;
	bool inside = false;
	if (fs_read_file("/proc/self/uid_map", 4096, &map, NULL, &err) == 0)
		inside = !(sscanf(map, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 &&
			   out == 0 && count == 4294967295UL);
	err_free(&err);
	return inside;
}

int userns_check_helpers(struct error **err)
{
	if (check_helper("newuidmap", NULL, err) < 0 || check_helper("newgidmap", NULL, err) < 0)
		return -1;
	return 0;
}

/* A newuidmap or newgidmap on its way: its pid and the read end of its stderr. */
struct map_helper {
	char *path;
	char **argv;
	pid_t pid;
	int errfd;	 /* read end of its stderr */
	int child_errfd; /* write end, for the child */
	char *stack;	 /* the child's until it execs: freed after it is reaped */
};

#define HELPER_STACK (64 * 1024)

/* The helper's side: runs on its own stack in our memory (CLONE_VM) until execve. Only
 * async-signal-safe calls; the fd table is its own. */
static int helper_main(void *arg)
{
	const struct map_helper *h = arg;
	int devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
	    dup2(h->child_errfd, STDERR_FILENO) < 0)
		_exit(127);
	execve(h->path, h->argv, environ);
	_exit(127);
}

/*
 * Start HELPER PID inside outside count ...; finish_map_helper collects it. The child shares
 * our memory until it execs (clone with CLONE_VM, as vfork, but without waiting for the
 * exec): a fork would copy our page tables first, and posix_spawn's vfork holds us until
 * the setuid exec is done, so the two helpers would not run side by side.
 */
static int start_map_helper(const char *name, pid_t pid, const struct userns_idmap *v, size_t n,
			    struct map_helper *h, struct error **err)
{
	*h = (struct map_helper){ .pid = -1, .errfd = -1, .child_errfd = -1 };
	if (check_helper(name, &h->path, err) < 0)
		return -1;
	strv_push(&h->argv, h->path);
	strv_push_take(&h->argv, xasprintf("%d", (int)pid));
	for (size_t i = 0; i < n; i++) {
		strv_push_take(&h->argv, xasprintf("%lu", v[i].inside));
		strv_push_take(&h->argv, xasprintf("%lu", v[i].outside));
		strv_push_take(&h->argv, xasprintf("%lu", v[i].count));
	}
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return err_sys(err, "running %s", name);
	h->errfd = errpipe[0];
	h->child_errfd = errpipe[1];
	h->stack = xmalloc(HELPER_STACK);
	h->pid = clone(helper_main, h->stack + HELPER_STACK, CLONE_VM | SIGCHLD, h);
	int e = errno;
	/* Our copy of the write end; the child has its own (the field stays, for it). */
	close(errpipe[1]);
	if (h->pid < 0) {
		errno = e;
		return err_sys(err, "running %s", h->path);
	}
	return 0;
}

/* Release what start_map_helper took (after the child is reaped, or never started). */
static void map_helper_clear(struct map_helper *h)
{
	if (h->errfd >= 0)
		close(h->errfd);
	strv_free(h->argv);
	free(h->stack);
	free(h->path);
	*h = (struct map_helper){ .pid = -1, .errfd = -1, .child_errfd = -1 };
}

/* Wait for a started helper; its stderr becomes part of the error. Clears h. */
static int finish_map_helper(struct map_helper *h, struct error **err)
{
	if (h->pid < 0) {
		map_helper_clear(h);
		return -1;
	}
	autofree char *msg = NULL;
	struct error *ignored = NULL;
	if (fs_read_fd(h->errfd, 4096, &msg, NULL, &ignored) < 0)
		err_free(&ignored);
	int status = 0;
	int rc = proc_wait(h->pid, &status, err);
	if (rc == 0 && status != 0) {
		size_t len = msg != NULL ? strlen(msg) : 0;
		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			msg[--len] = '\0';
		rc = err_set(err, EPERM, ERR_TOOL, "%s failed (exit %d)%s%s", h->path, status,
			     len ? ": " : "", len ? msg : "");
	}
	map_helper_clear(h);
	return rc;
}

static int write_proc(pid_t pid, const char *file, const char *data, struct error **err)
{
	autofree char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, data, strlen(data)) < 0)
		return err_sys(err, "writing %s", path);
	return 0;
}

int userns_apply_map(pid_t pid, const struct userns_map *m, struct error **err)
{
	if (!m->single) {
		/* Both setuid helpers at once: each is a few milliseconds of exec and checks. */
		struct map_helper hu, hg;
		struct error *gerr = NULL;
		int ru = start_map_helper("newuidmap", pid, m->uids, m->n_uids, &hu, err);
		int rg = ru == 0
			     ? start_map_helper("newgidmap", pid, m->gids, m->n_gids, &hg, &gerr)
			     : -1;
		if (ru == 0)
			ru = finish_map_helper(&hu, err);
		else
			map_helper_clear(&hu);
		if (rg == 0)
			rg = finish_map_helper(&hg, &gerr);
		else if (ru == 0 || gerr != NULL)
			map_helper_clear(&hg);
		if (ru == 0 && rg < 0) {
			err_free(err);
			*err = steal_ptr(&gerr);
		}
		err_free(&gerr);
		if (ru < 0 || rg < 0) {
			/* Should the ranges have come from a cache the database has outdated,
			 * the next try asks libsubid again. */
			autofree char *cache = subid_cache_path();
			if (cache != NULL)
				unlink(cache);
			return err_wrap(err, "writing the id mapping");
		}
		return 0;
	}
	/* The own-id mapping needs no helper, but the kernel wants setgroups denied first. */
	autofree char *uid =
	    xasprintf("%lu %lu %lu\n", m->uids[0].inside, m->uids[0].outside, m->uids[0].count);
	autofree char *gid =
	    xasprintf("%lu %lu %lu\n", m->gids[0].inside, m->gids[0].outside, m->gids[0].count);
	if (write_proc(pid, "setgroups", "deny", err) < 0 ||
	    write_proc(pid, "uid_map", uid, err) < 0 || write_proc(pid, "gid_map", gid, err) < 0)
		return err_wrap(err, "writing the id mapping");
	return 0;
}

/* The child side of userns_spawn; never returns. */
static void __attribute__((noreturn))
spawn_child(int fd, const struct userns_map *m, int extra_flags, userns_fn fn, void *arg)
{
	struct error *err = NULL;
	char c = 0;
	if (unshare(CLONE_NEWUSER | extra_flags) < 0) {
		err_sys(&err, "creating a user namespace");
		goto fail;
	}
	if (fs_write_all(fd, "r", 1) < 0 || fs_read_all(fd, &c, 1) != 1 || c != 'm')
		_exit(125); /* the parent failed and will report why */
	if (setresgid(0, 0, 0) < 0) {
		err_sys(&err, "becoming gid 0 in the user namespace");
		goto fail;
	}
	if (!m->single && setgroups(0, NULL) < 0) {
		err_sys(&err, "clearing supplementary groups in the user namespace");
		goto fail;
	}
	if (setresuid(0, 0, 0) < 0) {
		err_sys(&err, "becoming uid 0 in the user namespace");
		goto fail;
	}
	if (fn(arg, &err) < 0)
		goto fail;
	_exit(0);
fail:
	err_send(fd, err);
	_exit(125);
}

int userns_spawn(const struct userns_map *m, int extra_flags, userns_fn fn, void *arg,
		 struct userns_child *child, struct error **err)
{
	int sv[2];
	child->pid = -1;
	child->sync_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(err, "creating a sync socket");
	fflush(NULL);
	/* fork, not clone(CLONE_NEWUSER): threads a pull left (libcurl's resolver) may hold
	 * malloc's locks, which only fork's handlers make safe in the child. */
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return err_sys(err, "forking");
	}
	if (pid == 0) {
		close(sv[0]);
		spawn_child(sv[1], m, extra_flags, fn, arg);
	}
	close(sv[1]);
	autoclose int fd = sv[0];
	char c = 0;
	int status;
	if (fs_read_all(fd, &c, 1) != 1 || c != 'r') {
		if (err_recv(fd, err) == 0)
			err_msg(err, "the namespace child died before it was ready");
		goto fail;
	}
	if (userns_apply_map(pid, m, err) < 0) {
		kill(pid, SIGKILL);
		goto fail;
	}
	if (fs_write_all(fd, "m", 1) < 0) {
		err_sys(err, "talking to the namespace child");
		goto fail;
	}
	/* EOF here means fn exec'd (the socket is close-on-exec) or returned 0. */
	if (err_recv(fd, err) > 0)
		goto fail;
	child->pid = pid;
	return 0;
fail:
	proc_wait(pid, &status, NULL);
	return -1;
}

static int exec_fn(void *arg, struct error **err)
{
	char *const *argv = arg;
	/* argv[0] was resolved by the parent; the name the user typed is in argv[1..]. */
	execv(argv[0], argv + 1);
	int e = errno;
	enum err_kind kind = e == ENOENT ? ERR_NOTFOUND : ERR_INVOKE;
	return err_set(err, e, kind, "exec %s: %s", argv[0], strerror(e));
}

int userns_unshare_exec(char *const argv[], int *status, struct error **err)
{
	if (argv == NULL || argv[0] == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "no command to run");
	autofree char *path = fs_find_in_path(argv[0]);
	if (path == NULL)
		return err_set(err, ENOENT, ERR_NOTFOUND,
			       "exec: \"%s\": executable file not found in $PATH", argv[0]);
	struct userns_map m;
	if (userns_default_map(&m, err) < 0)
		return -1;
	autostrv char **full = NULL;
	strv_push(&full, path);
	for (size_t i = 0; argv[i] != NULL; i++)
		strv_push(&full, argv[i]);
	struct userns_child child;
	int rc = userns_spawn(&m, CLONE_NEWNS, exec_fn, full, &child, err);
	userns_map_clear(&m);
	if (rc < 0)
		return -1;
	/* Like system(3): the terminal's ^C and ^\ reach the child; the parent just waits. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	rc = proc_wait(child.pid, status, err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return rc;
}
