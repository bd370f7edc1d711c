/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci/runtime/devices.c: the device cgroup program hutch-runtime builds for cgroup v2,
 * run here by a small interpreter of the instructions it uses, against the rules' model:
 * the config's rules and then the defaults, the last matching one deciding (an allow rule
 * matches when it grants all the access asked for, a deny rule when it forbids any of it),
 * allowed when none matches. The kernel runs the same programs in tests/system/root/.
 */
#include "oci/runtime/runtime.h"
#include "tests/unit/tap.h"

#include <linux/bpf.h>

/* The defaults every container gets, as runc and crun give them. */
static const struct rt_dev_rule defaults[] = {
	{ true, 'c', -1, -1, RT_DEV_MKNOD }, { true, 'b', -1, -1, RT_DEV_MKNOD },
	{ true, 'c', 1, 3, RT_DEV_RWM },     { true, 'c', 1, 5, RT_DEV_RWM },
	{ true, 'c', 1, 7, RT_DEV_RWM },     { true, 'c', 1, 8, RT_DEV_RWM },
	{ true, 'c', 1, 9, RT_DEV_RWM },     { true, 'c', 5, 0, RT_DEV_RWM },
	{ true, 'c', 5, 1, RT_DEV_RWM },     { true, 'c', 5, 2, RT_DEV_RWM },
	{ true, 'c', 136, -1, RT_DEV_RWM },
};

static bool matches(const struct rt_dev_rule *d, char type, unsigned access, long major, long minor)
{
	if ((d->type != 'a' && d->type != type) || (d->major >= 0 && d->major != major) ||
	    (d->minor >= 0 && d->minor != minor))
		return false;
	return d->allow ? (access & ~d->access) == 0 : (access & d->access) != 0;
}

static int model(const struct rt_resources *r, char type, unsigned access, long major, long minor)
{
	size_t nd = sizeof(defaults) / sizeof(defaults[0]);
	for (size_t i = r->n_dev_rules + nd; i-- > 0;) {
		const struct rt_dev_rule *d =
		    i < r->n_dev_rules ? &r->dev_rules[i] : &defaults[i - r->n_dev_rules];
		if (matches(d, type, access, major, minor))
			return d->allow;
	}
	return 1;
}

/* Run prog on one request: 0 or 1, or -1 for an instruction it should not contain, -2
 * for a jump out of the program or an end without exit. */
static int run(const struct bpf_insn *p, size_t n, char type, unsigned access, long major,
	       long minor)
{
	uint32_t ctx[3] = { (access << 16) |
				(type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
			    (uint32_t)major, (uint32_t)minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t imm = (uint64_t)(int64_t)i->imm;
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			if (i->src_reg != 1 || i->off % 4 || i->off < 0 || i->off > 8)
				return -1;
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_K:
			if ((r[i->dst_reg] != imm) == (BPF_OP(i->code) == BPF_JNE))
				pc += (size_t)i->off;
			if (i->off < 0 || pc >= n)
				return -2;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			return -1;
		}
	}
	return -2;
}

/* Every request of a small grid against the model; 1 when all agree. */
static int agrees(const struct rt_resources *r, const char *what)
{
	void *insns = NULL;
	size_t n = oci_devices_bpf_program(r, &insns);
	static const long majors[] = { 1, 4, 5, 10, 136, 254 };
	static const long minors[] = { 0, 1, 3, 5, 11, 200 };
	int good = 1;
	for (int t = 0; t < 2 && good; t++)
		for (unsigned a = 1; a <= RT_DEV_RWM && good; a++)
			for (size_t j = 0; j < 6 && good; j++)
				for (size_t k = 0; k < 6 && good; k++) {
					char type = t ? 'b' : 'c';
					int got = run(insns, n, type, a, majors[j], minors[k]);
					int want = model(r, type, a, majors[j], minors[k]);
					if (got != want) {
						printf("# %s: %c %ld:%ld access %u: program %d, "
						       "rules %d\n",
						       what, type, majors[j], minors[k], a, got,
						       want);
						good = 0;
					}
				}
	free(insns);
	return good;
}

static void test_cases(void)
{
	struct rt_dev_rule deny_all = { false, 'a', -1, -1, RT_DEV_RWM };
	struct rt_resources r = { .dev_rules = &deny_all, .n_dev_rules = 1 };
	void *insns = NULL;
	size_t n = oci_devices_bpf_program(&r, &insns);
	is_int(run(insns, n, 'c', RT_DEV_READ, 1, 11), 0, "deny all: reading kmsg (c 1:11) is not");
	is_int(run(insns, n, 'b', RT_DEV_READ, 254, 0), 0, "deny all: nor a disk");
	is_int(run(insns, n, 'c', RT_DEV_MKNOD, 1, 11), 1, "deny all: making kmsg's node is");
	is_int(run(insns, n, 'c', RT_DEV_READ | RT_DEV_WRITE, 1, 3), 1, "deny all: /dev/null is");
	is_int(run(insns, n, 'c', RT_DEV_WRITE, 136, 7), 1, "deny all: a pts is");
	free(insns);
	ok(agrees(&r, "deny all"), "deny all: as the rules say, everywhere");
	struct rt_resources none = { 0 };
	ok(agrees(&none, "no rules"), "no rules: everything allowed");

	struct rt_dev_rule set[] = {
		{ false, 'a', -1, -1, RT_DEV_RWM },
		{ true, 'c', 10, 200, RT_DEV_READ | RT_DEV_WRITE },
		{ false, 'c', 10, 200, RT_DEV_WRITE },
		{ true, 'b', 254, -1, RT_DEV_READ },
		{ false, 'c', 1, 3, RT_DEV_RWM },
		{ true, 'a', -1, -1, RT_DEV_MKNOD },
	};
	r = (struct rt_resources){ .dev_rules = set, .n_dev_rules = 6 };
	n = oci_devices_bpf_program(&r, &insns);
	is_int(run(insns, n, 'c', RT_DEV_READ, 10, 200), 1, "tun: read allowed");
	is_int(run(insns, n, 'c', RT_DEV_READ | RT_DEV_WRITE, 10, 200), 0,
	       "tun: read-write denied by the later deny of w");
	is_int(run(insns, n, 'b', RT_DEV_READ, 254, 1), 1, "b 254:*: read allowed");
	is_int(run(insns, n, 'b', RT_DEV_WRITE, 254, 1), 0, "b 254:*: write denied");
	is_int(run(insns, n, 'c', RT_DEV_READ, 1, 3), 1, "the defaults come last: null allowed");
	free(insns);
	ok(agrees(&r, "mixed"), "mixed rules: as the rules say, everywhere");

	/* An allow of everything first: the rules before it are dead code, left out. */
	struct rt_dev_rule all[] = { { false, 'c', 1, 11, RT_DEV_RWM },
				     { true, 'a', -1, -1, RT_DEV_RWM } };
	r = (struct rt_resources){ .dev_rules = all, .n_dev_rules = 2 };
	ok(agrees(&r, "allow all"), "allow all last: everything allowed");
}

/* Random rule sets from a fixed seed. */
static void test_random(void)
{
	unsigned seed = 42;
	static const long majors[] = { -1, 1, 5, 10, 136, 254 };
	static const long minors[] = { -1, 0, 3, 11, 200 };
	int good = 1;
	for (int round = 0; round < 300 && good; round++) {
		struct rt_dev_rule set[8];
		size_t n = (size_t)(rand_r(&seed) % 8);
		for (size_t i = 0; i < n; i++) {
			set[i].allow = rand_r(&seed) % 2;
			set[i].type = "abc"[rand_r(&seed) % 3];
			set[i].major = set[i].type == 'a' ? -1 : majors[rand_r(&seed) % 6];
			set[i].minor = set[i].type == 'a' ? -1 : minors[rand_r(&seed) % 5];
			set[i].access = 1 + (unsigned)(rand_r(&seed) % 7);
		}
		struct rt_resources r = { .dev_rules = set, .n_dev_rules = n };
		good = agrees(&r, "random");
	}
	ok(good, "300 random rule sets: the program decides as the rules do");
}

int main(void)
{
	test_cases();
	test_random();
	return done_testing();
}
