/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building config.json for a container from the image config and the run options, with
 * podman's defaults: the same capability set, masked and read-only /proc and /sys paths,
 * /dev, /dev/pts, /dev/shm and /dev/mqueue mounts, and a default seccomp profile.
 */
#include "oci/spec/specgen.h"
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

const char *const oci_default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	 "CAP_FSETID",
	"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	 "CAP_SETGID",
	"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT", NULL,
};

static const char *const masked_paths[] = {
	"/proc/acpi",	    "/proc/kcore",	 "/proc/keys",	      "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware",    "/sys/fs/selinux",	 "/sys/dev/block",    NULL,
};

static const char *const readonly_paths[] = {
	"/proc/asound", "/proc/bus",	       "/proc/fs", "/proc/irq",
	"/proc/sys",	"/proc/sysrq-trigger", NULL,
};

/*
 * The default seccomp profile: everything the kernel offers, except the calls a container
 * has no business making even as root of its user namespace (module loading, kexec, the
 * kernel keyring, clock setting, swap, accounting, BPF, userfaultfd, obsolete interfaces).
 * They fail with EPERM, as in podman's profile.
 */
static const char *const seccomp_denied[] = {
	"acct",
	"add_key",
	"bpf",
	"clock_adjtime",
	"clock_settime",
	"create_module",
	"delete_module",
	"finit_module",
	"get_kernel_syms",
	"get_mempolicy",
	"init_module",
	"ioperm",
	"iopl",
	"kcmp",
	"kexec_file_load",
	"kexec_load",
	"keyctl",
	"lookup_dcookie",
	"mbind",
	"move_pages",
	"nfsservctl",
	"open_by_handle_at",
	"perf_event_open",
	"quotactl",
	"request_key",
	"set_mempolicy",
	"settimeofday",
	"stime",
	"swapoff",
	"swapon",
	"_sysctl",
	"syslog",
	"uselib",
	"userfaultfd",
	"ustat",
	"vm86",
	"vm86old",
	"adjtimex",
	NULL,
};

/* Every capability the runtime knows, by number (oci/runtime/spec.c holds the table). */
static char **all_caps(void)
{
	char **v = NULL;
	for (int i = 0; oci_cap_name(i) != NULL; i++)
		strv_push(&v, oci_cap_name(i));
	return v;
}

static char *cap_name(const char *s)
{
	autofree char *up = xstrdup(s);
	for (char *c = up; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	return strncmp(up, "CAP_", 4) == 0 ? steal_ptr(&up) : xasprintf("CAP_%s", up);
}

/* The capability set after --privileged, --cap-add and --cap-drop. Owned strv. */
static char **cap_set(const struct oci_gen_opts *o, struct error **err)
{
	autostrv char **caps = NULL;
	autostrv char **every = all_caps();
	const char *const *base = o->privileged	    ? (const char *const *)every
				  : o->default_caps ? (const char *const *)o->default_caps
						    : oci_default_caps;
	for (size_t i = 0; base[i]; i++)
		strv_push(&caps, base[i]);
	for (size_t i = 0; o->cap_add && o->cap_add[i]; i++) {
		if (strcasecmp(o->cap_add[i], "all") == 0) {
			for (size_t j = 0; every[j]; j++)
				if (!strv_contains(caps, every[j]))
					strv_push(&caps, every[j]);
			continue;
		}
		autofree char *c = cap_name(o->cap_add[i]);
		if (!strv_contains(every, c))
			return err_set(err, EINVAL, ERR_USAGE, "unknown capability \"%s\"",
				       o->cap_add[i]),
			       NULL;
		if (!strv_contains(caps, c))
			strv_push(&caps, c);
	}
	for (size_t i = 0; o->cap_drop && o->cap_drop[i]; i++) {
		autofree char *c = cap_name(o->cap_drop[i]);
		bool all = strcasecmp(o->cap_drop[i], "all") == 0;
		if (!all && !strv_contains(every, c))
			return err_set(err, EINVAL, ERR_USAGE, "unknown capability \"%s\"",
				       o->cap_drop[i]),
			       NULL;
		autostrv char **kept = NULL;
		for (size_t j = 0; caps && caps[j]; j++)
			if (!all && strcmp(caps[j], c) != 0)
				strv_push(&kept, caps[j]);
		strv_free(caps);
		caps = steal_ptr(&kept);
		/* cap-add after drop ALL: podman applies drops first, then adds. */
		if (all)
			for (size_t k = 0; o->cap_add && o->cap_add[k]; k++) {
				autofree char *a = cap_name(o->cap_add[k]);
				if (strv_contains(every, a) && !strv_contains(caps, a))
					strv_push(&caps, a);
			}
	}
	if (caps == NULL)
		caps = xzalloc(sizeof(char *));
	return steal_ptr(&caps);
}

/*
 * The environment is collected in order, then merged once: a later KEY=VAL replaces the
 * value of an earlier KEY in its place. The image's Env may hold millions of entries (the
 * config's cap), so no step may scan what came before: the merge sorts (O(n log n)).
 */
struct env_list {
	char **v; /* owned strings, NULL-terminated */
	size_t n, cap;
};

static void env_list_clear(struct env_list *l)
{
	strv_free(l->v);
	*l = (struct env_list){ 0 };
}

#define autoenv __attribute__((cleanup(env_list_clear)))

static void env_push(struct env_list *l, char *owned)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = owned;
	l->v[l->n] = NULL;
}

/* An entry's place in the list and the length of its key (up to '='), for the merge. */
struct env_key {
	const char *kv;
	size_t klen, pos;
};

static int env_key_cmp(const void *a, const void *b)
{
	const struct env_key *x = a, *y = b;
	int c = memcmp(x->kv, y->kv, x->klen < y->klen ? x->klen : y->klen);
	if (c != 0)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Merge l in place: each key once, at its first place, with its last value. */
static void env_merge(struct env_list *l)
{
	if (l->n == 0)
		return;
	autofree struct env_key *k = xcalloc(l->n, sizeof(*k));
	for (size_t i = 0; i < l->n; i++)
		k[i] = (struct env_key){ l->v[i], strcspn(l->v[i], "="), i };
	qsort(k, l->n, sizeof(*k), env_key_cmp);
	for (size_t i = 0, j; i < l->n; i = j) {
		for (j = i + 1;
		     j < l->n && k[j].klen == k[i].klen && memcmp(k[j].kv, k[i].kv, k[i].klen) == 0;
		     j++)
			;
		/* Sorted by place within a key: k[i] is the first, k[j - 1] the last. */
		if (j - i == 1)
			continue;
		for (size_t m = i; m < j - 1; m++) {
			free(l->v[k[m].pos]);
			l->v[k[m].pos] = NULL;
		}
		l->v[k[i].pos] = l->v[k[j - 1].pos];
		l->v[k[j - 1].pos] = NULL;
	}
	size_t out = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] != NULL)
			l->v[out++] = l->v[i];
	l->n = out;
	l->v[out] = NULL;
}

/* -e KEY (no '='): the host's value when it has one, otherwise nothing. */
static void env_add_user(struct env_list *l, const char *item)
{
	if (strchr(item, '=') != NULL) {
		env_push(l, xstrdup(item));
		return;
	}
	const char *v = getenv(item);
	if (v != NULL)
		env_push(l, xasprintf("%s=%s", item, v));
}

static int env_file(struct env_list *l, const char *path, struct error **err)
{
	autofree char *text = NULL;
	if (fs_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return err_wrap(err, "--env-file");
	char *save = NULL;
	int lineno = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '=')
			return err_set(err, EINVAL, ERR_USAGE,
				       "--env-file %s: line %d: variable name is empty", path,
				       lineno);
		env_add_user(l, line);
	}
	return 0;
}

/* --unsetenv: drop the defaults' and the image's entries of these keys. */
static void env_unset(struct env_list *l, char *const *keys)
{
	size_t w = 0;
	for (size_t r = 0; r < l->n; r++) {
		const char *kv = l->v[r];
		size_t klen = strcspn(kv, "=");
		bool drop = false;
		for (size_t k = 0; keys && keys[k] && !drop; k++)
			drop = strlen(keys[k]) == klen && strncmp(kv, keys[k], klen) == 0;
		if (drop)
			free(l->v[r]);
		else
			l->v[w++] = l->v[r];
	}
	l->n = w;
	if (l->v != NULL)
		l->v[w] = NULL;
}

/* The image's and podman's default entries (none with --unsetenv-all), --unsetenv's gone. */
static void env_defaults(const struct oci_gen_opts *o, struct env_list *l)
{
	if (o->unsetenv_all)
		return;
	bool has_path = false, has_home = false;
	for (size_t i = 0; o->image && o->image->env && o->image->env[i]; i++) {
		env_push(l, xstrdup(o->image->env[i]));
		has_path |= strncmp(o->image->env[i], "PATH=", 5) == 0;
		has_home |= strncmp(o->image->env[i], "HOME=", 5) == 0;
	}
	if (o->default_env != NULL) {
		/* containers.conf's env: under the image's own entries, as podman's */
		for (size_t i = 0; o->default_env[i] != NULL; i++) {
			const char *kv = o->default_env[i];
			size_t k = strcspn(kv, "=");
			bool image_has = false;
			for (size_t j = 0; o->image && o->image->env && o->image->env[j]; j++)
				image_has |= strncmp(o->image->env[j], kv, k) == 0 &&
					     o->image->env[j][k] == '=';
			if (!image_has)
				env_push(l, xstrdup(kv));
		}
	} else {
		if (!has_path)
			env_push(l, xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/"
					    "bin:/sbin:/bin"));
		/* podman's defaults (containers.conf): TERM always */
		env_push(l, xstrdup("TERM=xterm"));
	}
	/* HOME from the user's entry */
	if (!has_home && o->home != NULL)
		env_push(l, xasprintf("HOME=%s", o->home));
	if (o->hostname)
		env_push(l, xasprintf("HOSTNAME=%s", o->hostname));
	env_push(l, xstrdup("container=hutch"));
	env_unset(l, o->unsetenv);
}

static struct json_object *build_env(const struct oci_gen_opts *o, struct error **err)
{
	autoenv struct env_list l = { 0 };
	env_defaults(o, &l);
	for (size_t i = 0; o->env_files && o->env_files[i]; i++)
		if (env_file(&l, o->env_files[i], err) < 0)
			return NULL;
	for (size_t i = 0; o->env && o->env[i]; i++)
		env_add_user(&l, o->env[i]);
	env_merge(&l);
	return json_from_strs((const char *const *)l.v);
}

/* The process's args: entrypoint, then the operands or the image's Cmd (each linear). */
static int build_args(const struct oci_gen_opts *o, struct json_object **out, struct error **err)
{
	struct json_object *a = json_object_new_array();
	if (o->init_path != NULL) {
		json_object_array_add(a, json_object_new_string("/run/hutch-init"));
		json_object_array_add(a, json_object_new_string("--"));
	}
	size_t first = json_object_array_length(a);
	char **ep = o->has_entrypoint ? o->entrypoint : (o->image ? o->image->entrypoint : NULL);
	for (size_t i = 0; ep && ep[i]; i++)
		if (!(o->has_entrypoint && ep[i][0] == '\0' && i == 0 && ep[1] == NULL))
			json_object_array_add(a, json_object_new_string(ep[i]));
	/* Operands replace the image's Cmd; an --entrypoint drops it, as in podman. */
	char **cmd = o->args && o->args[0] ? o->args
		     : o->has_entrypoint   ? NULL
					   : (o->image ? o->image->cmd : NULL);
	for (size_t i = 0; cmd && cmd[i]; i++)
		json_object_array_add(a, json_object_new_string(cmd[i]));
	if (json_object_array_length(a) == first) {
		json_object_put(a);
		return err_set(err, EINVAL, ERR_USAGE,
			       "no command or entrypoint specified for the container");
	}
	*out = a;
	return 0;
}

static struct json_object *mount_obj(const char *dst, const char *type, const char *src,
				     const char *const *opts, const char *extra)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	struct json_object *a = json_from_strs(opts);
	if (extra != NULL) {
		autofree char *copy = xstrdup(extra);
		char *save = NULL;
		for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
			json_object_array_add(a, json_object_new_string(w));
	}
	json_object_object_add(m, "options", a);
	return m;
}

static struct json_object *build_mounts(const struct oci_gen_opts *o)
{
	struct json_object *a = json_object_new_array();
	static const char *const proc_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev_o[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
					     NULL };
	static const char *const pts_o[] = { "nosuid",	      "noexec",	   "newinstance",
					     "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm_o[] = { "nosuid",	  "noexec",	 "nodev",
					     "mode=1777", "size=65536k", NULL };
	static const char *const mq_o[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys_o[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const bind_ro[] = { "rbind", "ro", NULL };
	static const char *const bind_rw[] = { "rbind", NULL };
	json_object_array_add(a, mount_obj("/proc", "proc", "proc", proc_o, NULL));
	json_object_array_add(a, mount_obj("/dev", "tmpfs", "tmpfs", dev_o, NULL));
	json_object_array_add(a, mount_obj("/dev/pts", "devpts", "devpts", pts_o, NULL));
	json_object_array_add(a, mount_obj("/dev/shm", "tmpfs", "shm", shm_o, NULL));
	json_object_array_add(a, mount_obj("/dev/mqueue", "mqueue", "mqueue", mq_o, NULL));
	json_object_array_add(a, mount_obj("/sys", "sysfs", "sysfs", sys_o, NULL));
	if (o->etc_dir != NULL) {
		static const char *const files[] = { "resolv.conf", "hosts", "hostname", NULL };
		for (size_t i = 0; files[i]; i++) {
			autofree char *src = xasprintf("%s/%s", o->etc_dir, files[i]);
			autofree char *dst = xasprintf("/etc/%s", files[i]);
			/* Written into the run dir at each start (they do not survive a reboot). */
			json_object_array_add(a, mount_obj(dst, "bind", src, bind_rw, NULL));
		}
		autofree char *env = xasprintf("%s/.containerenv", o->etc_dir);
		json_object_array_add(a,
				      mount_obj("/run/.containerenv", "bind", env, bind_ro, NULL));
	}
	if (o->init_path != NULL)
		json_object_array_add(
		    a, mount_obj("/run/hutch-init", "bind", o->init_path, bind_ro, NULL));
	for (size_t i = 0; i < o->n_mounts; i++) {
		const struct oci_volume *v = &o->mounts[i];
		if (v->kind == OCI_MOUNT_TMPFS) {
			/* podman's default: the tmpfs starts with the image's files there. */
			static const char *const t_o[] = { "nosuid", "nodev", "tmpcopyup", NULL };
			json_object_array_add(a,
					      mount_obj(v->dst, "tmpfs", "tmpfs", t_o, v->options));
		} else {
			json_object_array_add(a, mount_obj(v->dst, "bind", v->src,
							   v->ro ? bind_ro : bind_rw, v->options));
		}
	}
	return a;
}

/* What a non-root user starts with: the capabilities --cap-add names (in caps, the
 * bounding set). podman gives them as inheritable, permitted, effective and ambient, so
 * the user's process has them and keeps them across exec. */
static char **user_caps(const struct oci_gen_opts *o, char *const *caps)
{
	char **v = xzalloc(sizeof(char *));
	for (size_t i = 0; o->cap_add && o->cap_add[i]; i++) {
		bool all = strcasecmp(o->cap_add[i], "all") == 0;
		autofree char *c = cap_name(o->cap_add[i]);
		for (size_t j = 0; caps[j]; j++)
			if ((all || strcmp(caps[j], c) == 0) && !strv_contains(v, caps[j]))
				strv_push(&v, caps[j]);
	}
	return v;
}

static struct json_object *build_caps(char **caps, char **user, bool root)
{
	struct json_object *c = json_object_new_object();
	static const char *const none[] = { NULL };
	const char *const *set = (const char *const *)caps;
	/* A non-root user keeps the bounding set but starts with only what --cap-add gave it,
	 * as in podman (docker gives it nothing). */
	const char *const *own = root ? set : (const char *const *)user;
	json_object_object_add(c, "bounding", json_from_strs(set));
	json_object_object_add(c, "effective", json_from_strs(own));
	json_object_object_add(c, "permitted", json_from_strs(own));
	json_object_object_add(c, "inheritable", json_from_strs(root ? none : own));
	json_object_object_add(c, "ambient", json_from_strs(root ? none : own));
	return c;
}

static struct json_object *build_rlimits(const struct oci_gen_opts *o)
{
	struct json_object *a = json_object_new_array();
	bool has_nofile = false;
	for (size_t i = 0; i < o->n_ulimits; i++) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "type", json_object_new_string(o->ulimits[i].type));
		json_object_object_add(r, "hard", json_object_new_uint64(o->ulimits[i].hard));
		json_object_object_add(r, "soft", json_object_new_uint64(o->ulimits[i].soft));
		json_object_array_add(a, r);
		has_nofile |= strcmp(o->ulimits[i].type, "RLIMIT_NOFILE") == 0;
	}
	/* podman raises the open-files limit to what the user may have. */
	struct rlimit rl;
	if (!has_nofile && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "type", json_object_new_string("RLIMIT_NOFILE"));
		json_object_object_add(r, "hard", json_object_new_uint64(rl.rlim_max));
		json_object_object_add(r, "soft", json_object_new_uint64(rl.rlim_max));
		json_object_array_add(a, r);
	}
	return a;
}

static struct json_object *default_seccomp(void)
{
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "defaultAction", json_object_new_string("SCMP_ACT_ALLOW"));
	/* The host's own and those it can run, as podman's profile maps them: a filter is
	 * as long as its architectures times its rules, and loaded at every start. Elsewhere
	 * none are named, which means the native one. */
#if defined(__x86_64__)
	static const char *const arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
					      NULL };
#elif defined(__aarch64__)
	static const char *const arches[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
#else
	static const char *const arches[] = { NULL };
#endif
	if (arches[0] != NULL)
		json_object_object_add(s, "architectures", json_from_strs(arches));
	struct json_object *rule = json_object_new_object();
	json_object_object_add(rule, "names", json_from_strs(seccomp_denied));
	json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(rule, "errnoRet", json_object_new_int(EPERM));
	struct json_object *rules = json_object_new_array();
	json_object_array_add(rules, rule);
	json_object_object_add(s, "syscalls", rules);
	return s;
}

static int build_seccomp(const struct oci_gen_opts *o, struct json_object *lx, struct error **err)
{
	if (o->privileged || (o->seccomp && strcmp(o->seccomp, "unconfined") == 0))
		return 0;
	if (o->seccomp == NULL) {
		json_object_object_add(lx, "seccomp", default_seccomp());
		return 0;
	}
	autofree char *text = NULL;
	if (fs_read_file(o->seccomp, 4 << 20, &text, NULL, err) < 0)
		return err_wrap(err, "seccomp profile");
	struct json_object *prof = json_tokener_parse(text);
	if (prof == NULL || !json_object_is_type(prof, json_type_object)) {
		json_object_put(prof);
		return err_set(err, EINVAL, ERR_USAGE, "seccomp profile %s: not a JSON object",
			       o->seccomp);
	}
	json_object_object_add(lx, "seccomp", prof);
	return 0;
}

static struct json_object *id_mappings(const struct userns_idmap *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "containerID",
				       json_object_new_int64((int64_t)v[i].inside));
		json_object_object_add(m, "hostID", json_object_new_int64((int64_t)v[i].outside));
		json_object_object_add(m, "size", json_object_new_int64((int64_t)v[i].count));
		json_object_array_add(a, m);
	}
	return a;
}

/*
 * A sysctl of the container's own namespaces, as podman allows them: IPC's (the container
 * always has its own) and the network's (unless it is the host's). The name is dotted
 * words only: the runtime makes it a path under /proc/sys, which a '/' or a ".." word
 * would climb out of.
 */
static bool sysctl_allowed(const char *key, bool host_network)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb",	   "kernel.msgmni",
		"kernel.sem",	 "kernel.shmall",	   "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL
	};
	for (const char *c = key; *c; c++) {
		bool word = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
		/* A dot only between words: never first, last or twice. */
		if (!word && !(*c == '.' && c != key && c[-1] != '.' && c[1] != '\0'))
			return false;
	}
	for (size_t i = 0; ipc[i]; i++)
		if (strcmp(key, ipc[i]) == 0)
			return true;
	return strncmp(key, "fs.mqueue.", 10) == 0 ||
	       (!host_network && strncmp(key, "net.", 4) == 0);
}

static struct json_object *build_linux(const struct oci_gen_opts *o, struct error **err)
{
	struct json_object *lx = json_object_new_object();
	struct json_object *ns = json_object_new_array();
	static const char *const types[] = { "pid", "ipc", "uts", "mount", NULL };
	for (size_t i = 0; types[i]; i++) {
		struct json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string(types[i]));
		json_object_array_add(ns, n);
	}
	if (!o->host_network) {
		struct json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string("network"));
		if (o->netns_path)
			json_object_object_add(n, "path", json_object_new_string(o->netns_path));
		json_object_array_add(ns, n);
	}
	if (o->user_namespace && o->map != NULL) {
		struct json_object *n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string("user"));
		json_object_array_add(ns, n);
		json_object_object_add(lx, "uidMappings",
				       id_mappings(o->map->uids, o->map->n_uids));
		json_object_object_add(lx, "gidMappings",
				       id_mappings(o->map->gids, o->map->n_gids));
	}
	json_object_object_add(lx, "namespaces", ns);
	if (!o->privileged) {
		json_object_object_add(lx, "maskedPaths", json_from_strs(masked_paths));
		json_object_object_add(lx, "readonlyPaths", json_from_strs(readonly_paths));
	}
	if (o->sysctls != NULL) {
		struct json_object *sc = json_object_new_object();
		json_object_object_add(lx, "sysctl", sc);
		for (size_t i = 0; o->sysctls[i]; i++) {
			const char *eq = strchr(o->sysctls[i], '=');
			if (eq == NULL || eq == o->sysctls[i]) {
				json_object_put(lx);
				return err_set(err, EINVAL, ERR_USAGE,
					       "invalid sysctl \"%s\": want NAME=VALUE",
					       o->sysctls[i]),
				       NULL;
			}
			autofree char *k = xstrndup(o->sysctls[i], (size_t)(eq - o->sysctls[i]));
			if (!sysctl_allowed(k, o->host_network)) {
				json_object_put(lx);
				return err_set(err, EINVAL, ERR_USAGE, "sysctl '%s' is not allowed",
					       k),
				       NULL;
			}
			json_object_object_add(sc, k, json_object_new_string(eq + 1));
		}
	}
	if (build_seccomp(o, lx, err) < 0) {
		json_object_put(lx);
		return NULL;
	}
	return lx;
}

static struct json_object *build_process(const struct oci_gen_opts *o, struct error **err)
{
	struct json_object *args = NULL;
	if (build_args(o, &args, err) < 0)
		return NULL;
	struct json_object *env = build_env(o, err);
	if (env == NULL) {
		json_object_put(args);
		return NULL;
	}
	autostrv char **caps = cap_set(o, err);
	if (caps == NULL) {
		json_object_put(args);
		json_object_put(env);
		return NULL;
	}
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "terminal", json_object_new_boolean(o->tty));
	struct json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int64(o->uid));
	json_object_object_add(user, "gid", json_object_new_int64(o->gid));
	if (o->n_additional_gids > 0) {
		struct json_object *g = json_object_new_array();
		for (size_t i = 0; i < o->n_additional_gids; i++)
			json_object_array_add(g, json_object_new_int64(o->additional_gids[i]));
		json_object_object_add(user, "additionalGids", g);
	}
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", args);
	json_object_object_add(p, "env", env);
	const char *cwd = o->workdir ? o->workdir
			  : (o->image && o->image->workdir && *o->image->workdir)
			      ? o->image->workdir
			      : "/";
	json_object_object_add(p, "cwd", json_object_new_string(cwd));
	autostrv char **ucaps = user_caps(o, caps);
	json_object_object_add(p, "capabilities", build_caps(caps, ucaps, o->uid == 0));
	json_object_object_add(p, "rlimits", build_rlimits(o));
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(o->no_new_privileges));
	return p;
}

struct json_object *oci_spec_generate(const struct oci_gen_opts *o, struct error **err)
{
	if (o->workdir != NULL && o->workdir[0] != '/')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid working directory \"%s\": must be absolute", o->workdir),
		       NULL;
	struct json_object *process = build_process(o, err);
	if (process == NULL)
		return NULL;
	struct json_object *lx = build_linux(o, err);
	if (lx == NULL) {
		json_object_put(process);
		return NULL;
	}
	struct json_object *spec = json_object_new_object();
	json_object_object_add(spec, "ociVersion", json_object_new_string("1.2.0"));
	json_object_object_add(spec, "process", process);
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "path",
			       json_object_new_string(o->rootfs ? o->rootfs : "rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(o->read_only));
	json_object_object_add(spec, "root", root);
	if (o->hostname)
		json_object_object_add(spec, "hostname", json_object_new_string(o->hostname));
	json_object_object_add(spec, "mounts", build_mounts(o));
	json_object_object_add(spec, "annotations", json_from_kv(o->annotations));
	json_object_object_add(spec, "linux", lx);
	return spec;
}
