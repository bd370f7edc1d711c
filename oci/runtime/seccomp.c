/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: its decoder (names and actions checked, syscall names kept as text so an
 * old libseccomp can skip the ones it does not know, as runc does) and the filter built
 * with libseccomp. The runtime compiles it (libseccomp's BPF, exported) while the init waits
 * for start and loads it just before execve.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const action_names[] = {
	[RT_SC_KILL] = "SCMP_ACT_KILL",
	[RT_SC_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[RT_SC_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[RT_SC_TRAP] = "SCMP_ACT_TRAP",
	[RT_SC_ERRNO] = "SCMP_ACT_ERRNO",
	[RT_SC_TRACE] = "SCMP_ACT_TRACE",
	[RT_SC_ALLOW] = "SCMP_ACT_ALLOW",
	[RT_SC_LOG] = "SCMP_ACT_LOG",
	[RT_SC_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
	[RT_SC_NE] = "SCMP_CMP_NE",
	[RT_SC_LT] = "SCMP_CMP_LT",
	[RT_SC_LE] = "SCMP_CMP_LE",
	[RT_SC_EQ] = "SCMP_CMP_EQ",
	[RT_SC_GE] = "SCMP_CMP_GE",
	[RT_SC_GT] = "SCMP_CMP_GT",
	[RT_SC_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int lookup(const char *const *names, size_t n, json_object *v, const char *path,
		  const char *what, int *out, struct error **err)
{
	if (v == NULL || !json_object_is_type(v, json_type_string))
		return err_set(err, EINVAL, ERR_TOOL, "%s: must be a string", path);
	const char *s = json_object_get_string(v);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return err_set(err, EINVAL, ERR_TOOL, "%s: unknown %s \"%s\"", path, what, s);
}

/* An optional non-negative integer member; *has says whether it was there. */
static int opt_uint(json_object *o, const char *key, const char *path, uint64_t max, uint64_t *out,
		    bool *has, struct error **err)
{
	json_object *v;
	if (has != NULL)
		*has = false;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > max)
		return err_set(err, EINVAL, ERR_TOOL, "%s.%s: must be an integer from 0 to %llu",
			       path, key, (unsigned long long)max);
	*out = json_object_get_uint64(v);
	if (has != NULL)
		*has = true;
	return 0;
}

static int strings(json_object *o, const char *key, const char *path, bool nonempty, char ***out,
		   struct error **err)
{
	autofree char *p = xasprintf("%s.%s", path, key);
	return json_field_strv(o, key, p, false, nonempty, out, err);
}

static int parse_args(json_object *o, const char *path, struct rt_sc_rule *r, struct error **err)
{
	json_object *arr;
	autofree char *p = xasprintf("%s.args", path);
	if (json_field(o, "args", p, json_type_array, false, &arr, err) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	size_t n = json_object_array_length(arr);
	r->args = xcalloc(n + 1, sizeof(*r->args));
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(arr, i), *op = NULL;
		autofree char *ap = xasprintf("%s.args[%zu]", path, i);
		struct rt_sc_arg *arg = &r->args[r->n_args++];
		uint64_t index = 0;
		bool has_index = false;
		int opn = 0;
		if (!json_object_is_type(a, json_type_object))
			return err_set(err, EINVAL, ERR_TOOL, "%s: must be an object", ap);
		if (opt_uint(a, "index", ap, 5, &index, &has_index, err) < 0 ||
		    opt_uint(a, "value", ap, UINT64_MAX, &arg->value, NULL, err) < 0 ||
		    opt_uint(a, "valueTwo", ap, UINT64_MAX, &arg->value2, NULL, err) < 0)
			return -1;
		if (!has_index)
			return err_set(err, EINVAL, ERR_TOOL, "%s.index: required field missing",
				       ap);
		json_object_object_get_ex(a, "op", &op);
		autofree char *opp = xasprintf("%s.op", ap);
		if (lookup(op_names, sizeof(op_names) / sizeof(op_names[0]), op, opp, "comparison",
			   &opn, err) < 0)
			return -1;
		arg->index = (unsigned)index;
		arg->op = (enum rt_sc_op)opn;
	}
	return 0;
}

static int parse_rules(json_object *sc, struct rt_seccomp *out, struct error **err)
{
	json_object *arr;
	if (json_field(sc, "syscalls", "linux.seccomp.syscalls", json_type_array, false, &arr,
		       err) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	size_t n = json_object_array_length(arr);
	out->rules = xcalloc(n + 1, sizeof(*out->rules));
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *act = NULL;
		autofree char *p = xasprintf("linux.seccomp.syscalls[%zu]", i);
		autofree char *actp = xasprintf("%s.action", p);
		struct rt_sc_rule *r = &out->rules[out->n_rules++];
		uint64_t e = 0;
		int a = 0;
		if (!json_object_is_type(o, json_type_object))
			return err_set(err, EINVAL, ERR_TOOL, "%s: must be an object", p);
		json_object_object_get_ex(o, "action", &act);
		if (strings(o, "names", p, true, &r->names, err) < 0 ||
		    lookup(action_names, sizeof(action_names) / sizeof(action_names[0]), act, actp,
			   "action", &a, err) < 0 ||
		    opt_uint(o, "errnoRet", p, 4095, &e, &r->has_errno, err) < 0 ||
		    parse_args(o, p, r, err) < 0)
			return -1;
		r->action = (enum rt_sc_action)a;
		r->errno_ret = (uint32_t)e;
	}
	return 0;
}

void oci_seccomp_free(struct rt_seccomp *sc)
{
	if (sc == NULL)
		return;
	strv_free(sc->arches);
	strv_free(sc->flags);
	for (size_t i = 0; i < sc->n_rules; i++) {
		strv_free(sc->rules[i].names);
		free(sc->rules[i].args);
	}
	free(sc->rules);
	free(sc);
}

int oci_seccomp_parse(json_object *lx, struct rt_seccomp **out, struct error **err)
{
	json_object *sc, *def = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(lx, "seccomp", &sc) || sc == NULL)
		return 0;
	if (!json_object_is_type(sc, json_type_object))
		return err_msg(err, "linux.seccomp: must be an object");
	struct rt_seccomp *s = xzalloc(sizeof(*s));
	uint64_t e = 0;
	int a = 0;
	json_object_object_get_ex(sc, "defaultAction", &def);
	if (lookup(action_names, sizeof(action_names) / sizeof(action_names[0]), def,
		   "linux.seccomp.defaultAction", "action", &a, err) < 0 ||
	    opt_uint(sc, "defaultErrnoRet", "linux.seccomp", 4095, &e, &s->has_default_errno, err) <
		0 ||
	    strings(sc, "architectures", "linux.seccomp", false, &s->arches, err) < 0 ||
	    strings(sc, "flags", "linux.seccomp", false, &s->flags, err) < 0 ||
	    parse_rules(sc, s, err) < 0) {
		oci_seccomp_free(s);
		return -1;
	}
	s->default_action = (enum rt_sc_action)a;
	s->default_errno = (uint32_t)e;
	*out = s;
	return 0;
}

/* ---------- building and loading the filter ---------- */

static uint32_t action_value(enum rt_sc_action a, bool has_errno, uint32_t errno_ret)
{
	switch (a) {
	case RT_SC_KILL:
	case RT_SC_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case RT_SC_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case RT_SC_TRAP:
		return SCMP_ACT_TRAP;
	case RT_SC_ERRNO:
		return SCMP_ACT_ERRNO(has_errno ? errno_ret : EPERM);
	case RT_SC_TRACE:
		return SCMP_ACT_TRACE(has_errno ? errno_ret : EPERM);
	case RT_SC_ALLOW:
		return SCMP_ACT_ALLOW;
	case RT_SC_LOG:
		return SCMP_ACT_LOG;
	case RT_SC_NOTIFY:
		return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

static const enum scmp_compare cmp_ops[] = {
	[RT_SC_NE] = SCMP_CMP_NE,
	[RT_SC_LT] = SCMP_CMP_LT,
	[RT_SC_LE] = SCMP_CMP_LE,
	[RT_SC_EQ] = SCMP_CMP_EQ,
	[RT_SC_GE] = SCMP_CMP_GE,
	[RT_SC_GT] = SCMP_CMP_GT,
	[RT_SC_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/*
 * libseccomp wants each argument index at most once per rule; like runc, a rule that
 * compares one index several times becomes one rule per comparison.
 */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const struct rt_sc_rule *r)
{
	struct scmp_arg_cmp cmp[6];
	bool repeated = false;
	unsigned seen = 0;
	for (size_t i = 0; i < r->n_args; i++) {
		repeated |= (seen & (1u << r->args[i].index)) != 0;
		seen |= 1u << r->args[i].index;
	}
	if (r->n_args == 0)
		return seccomp_rule_add_array(ctx, action, nr, 0, NULL);
	if (!repeated && r->n_args <= 6) {
		for (size_t i = 0; i < r->n_args; i++)
			cmp[i] = (struct scmp_arg_cmp){ r->args[i].index, cmp_ops[r->args[i].op],
							r->args[i].value, r->args[i].value2 };
		return seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_args, cmp);
	}
	for (size_t i = 0; i < r->n_args; i++) {
		cmp[0] = (struct scmp_arg_cmp){ r->args[i].index, cmp_ops[r->args[i].op],
						r->args[i].value, r->args[i].value2 };
		int rc = seccomp_rule_add_array(ctx, action, nr, 1, cmp);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct rt_seccomp *sc, struct error **err)
{
	for (size_t i = 0; sc->arches != NULL && sc->arches[i] != NULL; i++) {
		const char *name = sc->arches[i];
		if (strncmp(name, "SCMP_ARCH_", 10) == 0)
			name += 10;
		autofree char *lower = xstrdup(name);
		for (char *c = lower; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		uint32_t arch = seccomp_arch_resolve_name(lower);
		if (arch == 0)
			return err_set(err, EINVAL, ERR_TOOL,
				       "linux.seccomp.architectures: unknown architecture \"%s\"",
				       sc->arches[i]);
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return err_set(err, -rc, ERR_TOOL, "seccomp: adding architecture %s: %s",
				       sc->arches[i], strerror(-rc));
	}
	return 0;
}

/* A filter compiled to BPF by libseccomp, waiting to be loaded. */
struct oci_seccomp_prog {
	struct sock_fprog fprog;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
};

static int build(const struct rt_seccomp *sc, scmp_filter_ctx ctx, uint32_t def, struct error **err)
{
	if (add_arches(ctx, sc, err) < 0)
		return -1;
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct rt_sc_rule *r = &sc->rules[i];
		uint32_t act = action_value(r->action, r->has_errno, r->errno_ret);
		if (act == def)
			continue; /* libseccomp refuses rules that repeat the default */
		for (size_t k = 0; r->names[k] != NULL; k++) {
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR) {
				log_debug("seccomp: unknown syscall \"%s\" skipped", r->names[k]);
				continue;
			}
			int arc = add_rule(ctx, act, nr, r);
			if (arc < 0 && arc != -EEXIST)
				return err_set(err, -arc, ERR_TOOL, "seccomp: rule for %s: %s",
					       r->names[k], strerror(-arc));
		}
	}
	return 0;
}

/* The SECCOMP_FILTER_FLAG_* the config's flags ask for, given to the seccomp() call that
 * loads the filter (they are not part of the BPF). */
static int load_flags(const struct rt_seccomp *sc, unsigned int *out, struct error **err)
{
	static const struct {
		const char *name;
		unsigned int flag;
	} known[] = { { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
		      { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
		      { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW } };
	*out = 0;
	for (size_t i = 0; sc->flags != NULL && sc->flags[i] != NULL; i++) {
		size_t k = 0;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(sc->flags[i], known[k].name))
			k++;
		if (k == sizeof(known) / sizeof(known[0]))
			return err_set(err, EINVAL, ERR_TOOL,
				       "linux.seccomp.flags: unknown flag \"%s\"", sc->flags[i]);
		*out |= known[k].flag;
	}
	return 0;
}

/*
 * The compiled-filter cache (cache_dir, the caller's: hutch uses its runtime dir). Compiling
 * the default profile is most of a millisecond in a freshly forked init, and nearly every
 * container has the same profile. A cache file is named by a hash of the filter's
 * description and holds that description followed by the BPF; it is used only when the
 * description matches byte for byte, so a hash collision costs a compile, never a wrong
 * filter. The description covers all the filter is built from, and libseccomp's version and
 * the kernel API level it detected, which change the BPF it generates.
 */
static char *describe(const struct rt_seccomp *sc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const struct scmp_version *v = seccomp_version();
	fprintf(f, "hutch-seccomp 1\nlibseccomp %u.%u.%u api %u\n", v->major, v->minor, v->micro,
		seccomp_api_get());
	fprintf(f, "default %d %d %u\n", (int)sc->default_action, sc->has_default_errno,
		sc->default_errno);
	for (size_t i = 0; sc->arches != NULL && sc->arches[i] != NULL; i++)
		fprintf(f, "arch %s\n", sc->arches[i]);
	for (size_t i = 0; sc->flags != NULL && sc->flags[i] != NULL; i++)
		fprintf(f, "flag %s\n", sc->flags[i]);
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct rt_sc_rule *r = &sc->rules[i];
		fprintf(f, "rule %d %d %u", (int)r->action, r->has_errno, r->errno_ret);
		for (size_t k = 0; r->names != NULL && r->names[k] != NULL; k++)
			fprintf(f, " %s", r->names[k]);
		for (size_t k = 0; k < r->n_args; k++)
			fprintf(f, " arg %u %d %llu %llu", r->args[k].index, (int)r->args[k].op,
				(unsigned long long)r->args[k].value,
				(unsigned long long)r->args[k].value2);
		fputc('\n', f);
	}
	fclose(f);
	return text;
}

static char *cache_path(const char *dir, const char *desc)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)desc; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return xasprintf("%s/%016llx.bpf", dir, (unsigned long long)h);
}

static struct oci_seccomp_prog *cache_get(const char *path, const char *desc)
{
	autofree char *data = NULL;
	size_t len = 0, dlen = strlen(desc);
	struct error *e = NULL;
	if (fs_read_file(path, 1 << 20, &data, &len, &e) < 0) {
		err_free(&e);
		return NULL;
	}
	size_t bpf = len > dlen + 1 ? len - dlen - 1 : 0;
	if (len <= dlen + 1 || memcmp(data, desc, dlen) != 0 || data[dlen] != '\0' ||
	    bpf % sizeof(struct sock_filter) != 0 ||
	    bpf / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return NULL;
	struct oci_seccomp_prog *p = xzalloc(sizeof(*p));
	p->fprog.len = (unsigned short)(bpf / sizeof(struct sock_filter));
	p->fprog.filter = xmalloc(bpf);
	memcpy(p->fprog.filter, data + dlen + 1, bpf);
	return p;
}

static void cache_put(const char *dir, const char *path, const char *desc,
		      const struct oci_seccomp_prog *p)
{
	size_t dlen = strlen(desc) + 1, bpf = p->fprog.len * sizeof(struct sock_filter);
	autofree char *data = xmalloc(dlen + bpf);
	memcpy(data, desc, dlen);
	memcpy(data + dlen, p->fprog.filter, bpf);
	struct error *e = NULL;
	if (fs_mkdir_p(dir, 0700, &e) < 0 || fs_write_replace(path, data, dlen + bpf, 0600, &e) < 0)
		err_free(&e); /* only a cache */
}

static int compile(const struct rt_seccomp *sc, struct oci_seccomp_prog **out, struct error **err)
{
	uint32_t def = action_value(sc->default_action, sc->has_default_errno, sc->default_errno);
	scmp_filter_ctx ctx = seccomp_init(def);
	if (ctx == NULL)
		return err_msg(err, "seccomp: cannot initialise the filter");
	int rc = build(sc, ctx, def, err);
	/* libseccomp's own BPF, exported (into memory through a memfd) to be loaded later. */
	int fd = rc == 0 ? memfd_create("seccomp-bpf", MFD_CLOEXEC) : -1;
	if (rc == 0 && fd < 0)
		rc = err_sys(err, "seccomp: exporting the filter");
	int erc = rc == 0 ? seccomp_export_bpf(ctx, fd) : 0;
	if (erc < 0)
		rc = err_set(err, -erc, ERR_TOOL, "seccomp: compiling the filter: %s",
			     strerror(-erc));
	seccomp_release(ctx);
	struct stat st;
	if (rc == 0 && (fstat(fd, &st) < 0 || st.st_size <= 0 ||
			st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
			st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS))
		rc = err_msg(err, "seccomp: the compiled filter has a bad size");
	if (rc == 0) {
		struct oci_seccomp_prog *p = xzalloc(sizeof(*p));
		p->fprog.len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
		p->fprog.filter = xmalloc((size_t)st.st_size);
		if (pread(fd, p->fprog.filter, (size_t)st.st_size, 0) != st.st_size) {
			rc = err_sys(err, "seccomp: reading the compiled filter");
			oci_seccomp_prog_free(p);
		} else {
			*out = p;
		}
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int oci_seccomp_compile(const struct rt_seccomp *sc, const char *cache_dir,
			struct oci_seccomp_prog **out, struct error **err)
{
	*out = NULL;
	unsigned int flags;
	if (sc == NULL)
		return 0;
	if (load_flags(sc, &flags, err) < 0)
		return -1;
	autofree char *desc = cache_dir != NULL ? describe(sc) : NULL;
	autofree char *path = desc != NULL ? cache_path(cache_dir, desc) : NULL;
	if (path == NULL || (*out = cache_get(path, desc)) == NULL) {
		if (compile(sc, out, err) < 0)
			return -1;
		if (path != NULL)
			cache_put(cache_dir, path, desc, *out);
	}
	(*out)->flags = flags;
	return 0;
}

int oci_seccomp_load(const struct oci_seccomp_prog *p, struct error **err)
{
	if (p == NULL)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->fprog) < 0)
		return err_set(err, errno, ERR_TOOL, "seccomp: loading the filter: %s",
			       strerror(errno));
	return 0;
}

void oci_seccomp_prog_free(struct oci_seccomp_prog *p)
{
	if (p == NULL)
		return;
	free(p->fprog.filter);
	free(p);
}
