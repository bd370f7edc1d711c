/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources.devices as root: which device nodes the container may make, read and
 * write. On cgroup v1 the rules go to devices.deny/devices.allow; on cgroup v2 (and on the
 * unified hierarchy of a hybrid host) a BPF_PROG_TYPE_CGROUP_DEVICE program built here,
 * instruction by instruction, is attached to the container's cgroup. Both follow the
 * rules in order, the last matching one deciding, then the defaults runc and crun add
 * (mknod of anything; null, zero, full, random, urandom, tty, console, ptmx, pts). Rootless
 * nothing is enforced and nothing needs to be: a user namespace cannot make usable nodes.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct rt_dev_rule default_rules[] = {
	{ true, 'c', -1, -1, RT_DEV_MKNOD }, { true, 'b', -1, -1, RT_DEV_MKNOD },
	{ true, 'c', 1, 3, RT_DEV_RWM },    /* null */
	{ true, 'c', 1, 5, RT_DEV_RWM },    /* zero */
	{ true, 'c', 1, 7, RT_DEV_RWM },    /* full */
	{ true, 'c', 1, 8, RT_DEV_RWM },    /* random */
	{ true, 'c', 1, 9, RT_DEV_RWM },    /* urandom */
	{ true, 'c', 5, 0, RT_DEV_RWM },    /* tty */
	{ true, 'c', 5, 1, RT_DEV_RWM },    /* console */
	{ true, 'c', 5, 2, RT_DEV_RWM },    /* ptmx */
	{ true, 'c', 136, -1, RT_DEV_RWM }, /* pts */
};
#define N_DEFAULT (sizeof(default_rules) / sizeof(default_rules[0]))

/* The config's rules, then the defaults: the list both back ends enforce. */
static const struct rt_dev_rule *rule_at(const struct rt_resources *r, size_t i)
{
	return i < r->n_dev_rules ? &r->dev_rules[i] : &default_rules[i - r->n_dev_rules];
}

/* ---------- linux.resources.devices, decoded ---------- */

/* "rwm" in any order and at least one of them, as RT_DEV_* bits; 0 for anything else. */
static unsigned access_bits(const char *s)
{
	unsigned bits = 0;
	for (; *s; s++) {
		const char *at = strchr("mrw", *s);
		if (at == NULL)
			return 0;
		bits |= 1u << (at - "mrw");
	}
	return bits;
}

/* One field of a rule: absent is fine (NULL), another type than t is not. */
static int rule_field(json_object *e, const char *key, json_type t, const char *path,
		      json_object **out, struct error **err)
{
	autofree char *p = xasprintf("%s.%s", path, key);
	return json_field(e, key, p, t, false, out, err);
}

static int rule_number(json_object *e, const char *key, const char *path, int64_t *out,
		       struct error **err)
{
	json_object *v;
	*out = -1;
	if (rule_field(e, key, json_type_int, path, &v, err) < 0)
		return -1;
	if (v == NULL)
		return 0;
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno != 0 || *out < -1 || *out > INT32_MAX)
		return err_set(err, EINVAL, ERR_TOOL, "%s.%s: out of range", path, key);
	return 0;
}

static int parse_rule(json_object *e, const char *p, struct rt_dev_rule *d, struct error **err)
{
	json_object *allow, *type, *access;
	if (!json_object_is_type(e, json_type_object))
		return err_set(err, EINVAL, ERR_TOOL, "%s: must be an object", p);
	if (rule_field(e, "allow", json_type_boolean, p, &allow, err) < 0 ||
	    rule_field(e, "type", json_type_string, p, &type, err) < 0 ||
	    rule_field(e, "access", json_type_string, p, &access, err) < 0 ||
	    rule_number(e, "major", p, &d->major, err) < 0 ||
	    rule_number(e, "minor", p, &d->minor, err) < 0)
		return -1;
	if (allow == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s.allow: required field missing", p);
	d->allow = json_object_get_boolean(allow);
	const char *t = type != NULL ? json_object_get_string(type) : "a";
	if (strlen(t) != 1 || strchr("abc", t[0]) == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s.type: must be a, b or c", p);
	d->type = t[0];
	/* Type "a" is every device, whatever numbers come with it (as in v1). */
	if (d->type == 'a')
		d->major = d->minor = -1;
	d->access = access != NULL ? access_bits(json_object_get_string(access)) : RT_DEV_RWM;
	if (d->access == 0)
		return err_set(err, EINVAL, ERR_TOOL, "%s.access: must be made of r, w and m", p);
	return 0;
}

int oci_dev_rules_parse(json_object *res, struct rt_resources *r, struct error **err)
{
	json_object *arr;
	if (json_field(res, "devices", "linux.resources.devices", json_type_array, false, &arr,
		       err) < 0)
		return -1;
	if (arr == NULL)
		return 0;
	size_t n = json_object_array_length(arr);
	if (n > RT_MAX_DEV_RULES)
		return err_set(err, EINVAL, ERR_TOOL, "linux.resources.devices: more than %d rules",
			       RT_MAX_DEV_RULES);
	r->dev_rules = xcalloc(n + 1, sizeof(*r->dev_rules));
	for (size_t i = 0; i < n; i++) {
		char p[64];
		snprintf(p, sizeof(p), "linux.resources.devices[%zu]", i);
		if (parse_rule(json_object_array_get_idx(arr, i), p, &r->dev_rules[i], err) < 0)
			return -1;
		r->n_dev_rules++;
	}
	return 0;
}

/* ---------- cgroup v1: devices.allow and devices.deny ---------- */

static void access_text(unsigned access, char out[4])
{
	size_t n = 0;
	if (access & RT_DEV_READ)
		out[n++] = 'r';
	if (access & RT_DEV_WRITE)
		out[n++] = 'w';
	if (access & RT_DEV_MKNOD)
		out[n++] = 'm';
	out[n] = '\0';
}

static void number_text(int64_t n, char out[24])
{
	if (n < 0)
		strcpy(out, "*");
	else
		snprintf(out, 24, "%lld", (long long)n);
}

static int v1_write(int dirfd, const char *dir, const struct rt_dev_rule *d, char type,
		    struct error **err)
{
	char line[80], acc[4], maj[24], min[24];
	access_text(d->access, acc);
	number_text(d->major, maj);
	number_text(d->minor, min);
	if (type == 'a')
		strcpy(line, "a"); /* every device, every access: the kernel ignores the rest */
	else
		snprintf(line, sizeof(line), "%c %s:%s %s", type, maj, min, acc);
	const char *file = d->allow ? "devices.allow" : "devices.deny";
	autoclose int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, line, strlen(line)) < 0)
		return err_sys(err, "writing \"%s\" to %s/%s", line, dir, file);
	return 0;
}

int oci_devices_v1_apply(const char *dir, const struct rt_resources *r, struct error **err)
{
	autoclose int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return err_sys(err, "opening %s", dir);
	for (size_t i = 0; i < r->n_dev_rules + N_DEFAULT; i++) {
		const struct rt_dev_rule *d = rule_at(r, i);
		/* In v1 "a" always means every access: a partial one is said per type. */
		bool split = d->type == 'a' && d->access != RT_DEV_RWM;
		if (split ? v1_write(dirfd, dir, d, 'c', err) < 0 ||
				v1_write(dirfd, dir, d, 'b', err) < 0
			  : v1_write(dirfd, dir, d, d->type, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------- cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program ---------- */

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static size_t emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
	return p->n++;
}

/* Registers after the prologue: the request's type, access, major and minor. */
enum {
	R_TMP = 1,
	R_TYPE = 2,
	R_ACCESS = 3,
	R_MAJOR = 4,
	R_MINOR = 5
};

/*
 * One rule: jump past it unless it matches, else return its verdict. An allow rule matches
 * when it grants every access asked for, a deny rule when it forbids any of them (the
 * device cgroup of v1 decides the same way). Returns false when it matches everything,
 * so that the rules before it can never be reached (the verifier refuses dead code).
 */
static bool emit_rule(struct prog *p, const struct rt_dev_rule *d)
{
	size_t jumps[4], nj = 0;
	if (d->type != 'a')
		jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, R_TYPE, 0, 0,
				   d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (d->major >= 0)
		jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, R_MAJOR, 0, 0, (int32_t)d->major);
	if (d->minor >= 0)
		jumps[nj++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, R_MINOR, 0, 0, (int32_t)d->minor);
	if (d->access != RT_DEV_RWM) {
		unsigned mask = d->allow ? RT_DEV_RWM & ~d->access : d->access;
		emit(p, BPF_ALU | BPF_MOV | BPF_X, R_TMP, R_ACCESS, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, R_TMP, 0, 0, (int32_t)mask);
		/* allow: nothing asked outside it; deny: something asked inside it */
		jumps[nj++] =
		    emit(p, BPF_JMP | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R_TMP, 0, 0, 0);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, d->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj; i++)
		p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
	return nj > 0;
}

/* The program for the rules plus the defaults: the last matching rule decides, and a
 * request no rule matches is allowed (a cgroup starts allowing everything, as in v1). */
static void build(const struct rt_resources *r, struct prog *p)
{
	/* access_type is (access << 16) | type; major and minor follow it in the context. */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_TYPE, 1, 0, 0);
	emit(p, BPF_ALU | BPF_MOV | BPF_X, R_ACCESS, R_TYPE, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
	emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xffff);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_MAJOR, 1, 4, 0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, R_MINOR, 1, 8, 0);
	for (size_t i = r->n_dev_rules + N_DEFAULT; i-- > 0;)
		if (!emit_rule(p, rule_at(r, i)))
			return;
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int bpf_call(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct prog *p, struct error **err)
{
	union bpf_attr a = { 0 };
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->v;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t) "Apache-2.0";
	int fd = bpf_call(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == EPERM || e == ENOSYS)
		return err_sys(err, "loading the device cgroup program");
	/* Once more with the verifier's log, for a message that says what it disliked. */
	size_t size = 1 << 16;
	autofree char *log = xzalloc(size);
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)size;
	a.log_level = 1;
	fd = bpf_call(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	char *last = log[0] ? log + strlen(log) - 1 : log;
	while (last > log && *last == '\n')
		*last-- = '\0';
	errno = e;
	return err_sys(err, "loading the device cgroup program (%s)",
		       strrchr(log, '\n') ? strrchr(log, '\n') + 1 : log);
}

int oci_devices_bpf_attach(const char *dir, const struct rt_resources *r, struct error **err)
{
	struct prog p = { 0 };
	build(r, &p);
	int prog = load(&p, err);
	free(p.v);
	if (prog < 0)
		return -1;
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		close(prog);
		return err_sys(err, "opening %s", dir);
	}
	/* ALLOW_MULTI: the programs of the cgroups above keep running as well. */
	union bpf_attr a = { 0 };
	a.target_fd = (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	int rc = bpf_call(BPF_PROG_ATTACH, &a);
	int e = errno;
	close(cg);
	close(prog); /* the cgroup holds the program from now on */
	if (rc < 0) {
		errno = e;
		return err_sys(err, "attaching the device cgroup program to %s", dir);
	}
	return 0;
}

size_t oci_devices_bpf_program(const struct rt_resources *r, void **insns)
{
	struct prog p = { 0 };
	build(r, &p);
	*insns = p.v;
	return p.n;
}
