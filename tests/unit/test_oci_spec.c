/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci/runtime/spec.c: the config.json decoder on a full good config (every field lands in
 * the plain structs) and on the bad-input corpus in tests/data/bad/config/, which every
 * run must reject cleanly. A corpus file that is a JSON object names the error it expects
 * in "_expect"; the decoder ignores unknown keys.
 */
#include "oci/runtime/runtime.h"
#include "tests/unit/tap.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>

static const char good[] =
    "{\"ociVersion\": \"1.2.0\", \"hostname\": \"box\","
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"process\": {\"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"PATH=/bin\"],"
    "   \"cwd\": \"/tmp\", \"terminal\": true, \"consoleSize\": {\"height\": 30, \"width\": 100},"
    "   \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6], \"umask\": 18},"
    "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_SYS_ADMIN\"],"
    "     \"effective\": [\"CAP_KILL\"], \"ambient\": [\"CAP_NOT_A_CAP\"]},"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 20}],"
    "   \"noNewPrivileges\": true, \"oomScoreAdj\": -5},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "   {\"destination\": \"/data\", \"source\": \"/srv\","
    "    \"options\": [\"rbind\", \"ro\", \"nosuid\", \"rslave\", \"size=1k\", \"mode=755\"]}],"
    " \"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}],"
    "   \"poststop\": [{\"path\": \"/bin/a\", \"args\": [\"a\", \"b\"], \"timeout\": 3},"
    "                  {\"path\": \"/bin/b\"}]},"
    " \"annotations\": {\"k\": \"v\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"mount\"},"
    "   {\"type\": \"uts\"}, {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1},"
    "                     {\"containerID\": 1, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
    "   \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"rootfsPropagation\": \"rprivate\","
    "   \"personality\": {\"domain\": \"LINUX32\"},"
    "   \"resources\": {\"pids\": {\"limit\": 50}, \"devices\": [{\"allow\": false},"
    "     {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"wr\"},"
    "     {\"allow\": true, \"type\": \"a\", \"major\": 4, \"access\": \"m\"}]},"
    "   \"cgroupsPath\": \"a/b..c/d\","
    "   \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}],"
    "   \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
    "     \"architectures\": [\"SCMP_ARCH_X86_64\"],"
    "     \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "       {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
    "        \"args\": [{\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]}}}";

static void test_good(void)
{
	struct rt_spec s;
	struct error *err = NULL;
	is_int(oci_spec_parse(good, &s, &err), 0, "good config decodes");
	if (err != NULL) {
		printf("# %s\n", err->msg);
		err_free(&err);
		return;
	}
	is_str(s.root_path, "rootfs", "root.path");
	ok(s.root_readonly, "root.readonly");
	is_str(s.hostname, "box", "hostname");
	const struct rt_process *p = &s.process;
	is_int(strv_len(p->args), 3, "three args");
	is_str(p->cwd, "/tmp", "cwd");
	ok(p->terminal && p->has_console_size && p->rows == 30 && p->cols == 100, "console");
	ok(p->uid == 1000 && p->gid == 100 && p->n_gids == 2 && p->gids[1] == 6, "user");
	ok(p->has_umask && p->umask == 18, "umask");
	is_int(p->caps.bounding, (1ULL << 5) | (1ULL << 21), "bounding: KILL and SYS_ADMIN");
	is_int(p->caps.effective, 1ULL << 5, "effective: KILL");
	is_int(p->caps.ambient, 0, "unknown capability ignored");
	ok(p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE &&
	       p->rlimits[0].soft == 10 && p->rlimits[0].hard == 20,
	   "rlimit");
	ok(p->no_new_privs && p->has_oom_score_adj && p->oom_score_adj == -5, "nnp, oom");
	is_int(s.n_mounts, 2, "two mounts");
	const struct rt_mount *m = &s.mounts[1];
	ok(m->bind && m->rec, "rbind");
	is_int(m->flags, MS_RDONLY | MS_NOSUID, "mount flags");
	is_int(m->propagation, MS_SLAVE | MS_REC, "mount propagation");
	is_str(m->data, "size=1k,mode=755", "mount data");
	is_int(s.n_hooks[RT_HOOK_PRESTART], 1, "one prestart hook");
	is_int(s.n_hooks[RT_HOOK_POSTSTOP], 2, "two poststop hooks");
	is_int(s.hooks[RT_HOOK_POSTSTOP][0].timeout, 3, "hook timeout");
	const struct rt_linux *l = &s.lx;
	is_int(l->n_ns, 4, "four namespaces");
	ok(oci_spec_ns(&s, CLONE_NEWNET) != NULL &&
	       strcmp(oci_spec_ns(&s, CLONE_NEWNET)->path, "/proc/1/ns/net") == 0,
	   "network namespace path");
	ok(oci_spec_ns(&s, CLONE_NEWPID) == NULL, "no pid namespace");
	ok(l->map.n_uids == 2 && l->map.uids[1].outside == 100000 && l->map.n_gids == 1,
	   "id mappings");
	is_str(l->sysctl[0], "net.ipv4.ip_forward=1", "sysctl");
	is_int(l->rootfs_propagation, MS_PRIVATE | MS_REC, "rootfsPropagation");
	ok(l->has_personality, "personality");
	ok(l->res.any && l->res.pids_limit == 50, "pids limit");
	const struct rt_dev_rule *d = l->res.dev_rules;
	ok(l->res.n_dev_rules == 3 && !d[0].allow && d[0].type == 'a' && d[0].major == -1 &&
	       d[0].minor == -1 && d[0].access == RT_DEV_RWM,
	   "device rule 0: deny everything (the defaults of a rule)");
	ok(d[1].allow && d[1].type == 'c' && d[1].major == 1 && d[1].minor == 3 &&
	       d[1].access == (RT_DEV_READ | RT_DEV_WRITE),
	   "device rule 1: c 1:3 rw");
	ok(d[2].type == 'a' && d[2].major == -1 && d[2].access == RT_DEV_MKNOD,
	   "device rule 2: type a drops the numbers");
	is_str(l->cgroups_path, "a/b..c/d", "cgroupsPath (\"..\" inside a name is fine)");
	ok(l->n_devices == 1 && l->devices[0].type == 'c' && l->devices[0].minor == 229, "device");
	ok(l->seccomp != NULL && l->seccomp->default_action == RT_SC_ERRNO &&
	       l->seccomp->default_errno == 38,
	   "seccomp default");
	ok(l->seccomp != NULL && l->seccomp->n_rules == 2 && l->seccomp->rules[1].n_args == 1 &&
	       l->seccomp->rules[1].args[0].value == 9,
	   "seccomp rules");
	ok(s.annotations != NULL, "annotations");
	oci_spec_clear(&s);
}

/* Every file of the corpus fails, with the expected message where one is named. */
static void test_corpus(const char *dir)
{
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL) {
		skip("no corpus at %s", dir);
		return;
	}
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *path = xasprintf("%s/%s", dir, de->d_name);
		autofree char *text = NULL;
		struct error *err = NULL;
		if (fs_read_file(path, 1 << 20, &text, NULL, &err) < 0) {
			ok(0, "%s: %s", de->d_name, err->msg);
			err_free(&err);
			continue;
		}
		struct rt_spec s;
		int rc = oci_spec_parse(text, &s, &err);
		ok(rc == -1 && err != NULL && err->msg[0] != '\0', "%s is refused: %s", de->d_name,
		   err != NULL ? err->msg : "(accepted)");
		json_object *o = json_tokener_parse(text), *want = NULL;
		if (o != NULL && json_object_object_get_ex(o, "_expect", &want) && err != NULL)
			has_str(err->msg, json_object_get_string(want), "%s: message", de->d_name);
		json_object_put(o);
		err_free(&err);
		n++;
	}
	ok(n >= 50, "the corpus has %d files", n);
}

static void test_process_and_misc(void)
{
	struct rt_process p;
	struct error *err = NULL;
	is_int(oci_process_parse("{\"args\": [\"ls\"], \"cwd\": \"/\"}", &p, &err), 0,
	       "a process JSON decodes");
	oci_process_clear(&p);
	is_int(oci_process_parse("{\"cwd\": \"/\"}", &p, &err), -1, "a process needs args");
	has_str(err != NULL ? err->msg : NULL, "process.args: must be a non-empty array",
		"named field");
	err_free(&err);
	is_int(oci_cap_number("CAP_SYS_ADMIN"), 21, "CAP_SYS_ADMIN is 21");
	is_int(oci_cap_number("net_raw"), 13, "short lower-case names too");
	is_int(oci_cap_number("CAP_BOGUS"), -1, "unknown capability");
	is_int(oci_ns_flag("cgroup"), CLONE_NEWCGROUP, "cgroup namespace");
	is_int(oci_ns_flag("bogus"), 0, "unknown namespace");
	int sig = 0;
	ok(oci_parse_signal("KILL", &sig, &err) == 0 && sig == 9, "KILL");
	ok(oci_parse_signal("SIGTERM", &sig, &err) == 0 && sig == 15, "SIGTERM");
	ok(oci_parse_signal("10", &sig, &err) == 0 && sig == 10, "10");
	is_int(oci_parse_signal("SIGNOPE", &sig, &err), -1, "unknown signal");
	err_free(&err);
	is_int(oci_parse_signal("0", &sig, &err), -1, "signal 0");
	err_free(&err);
	ok(oci_parse_signal("RTMIN+2", &sig, &err) == 0 && sig == SIGRTMIN + 2, "RTMIN+2");
	ok(oci_parse_signal("SIGRTMIN+0", &sig, &err) == 0 && sig == SIGRTMIN, "SIGRTMIN+0");
	/* An image's StopSignal: the offset must not overflow the sum, nor be taken as 0. */
	static const char *const bad[] = { "RTMIN+2147483647", "RTMIN+4294967330",
					   "RTMIN+x",	       "RTMIN+",
					   "RTMIN+-1",	       "RTMIN+ 1",
					   "RTMIN+99",	       NULL };
	for (size_t i = 0; bad[i]; i++) {
		is_int(oci_parse_signal(bad[i], &sig, &err), -1, "%s refused", bad[i]);
		err_free(&err);
	}
}

static void test_generated(void)
{
	struct rt_spec s;
	struct error *err = NULL;
	autofree char *text = oci_spec_default_json(true);
	is_int(oci_spec_parse(text, &s, &err), 0, "spec --rootless decodes");
	ok(oci_spec_ns(&s, CLONE_NEWUSER) != NULL && s.lx.map.n_uids == 1, "rootless: userns");
	is_int(s.lx.res.n_dev_rules, 0, "rootless: no device rules");
	oci_spec_clear(&s);
	autofree char *root = oci_spec_default_json(false);
	is_int(oci_spec_parse(root, &s, &err), 0, "spec decodes");
	ok(s.lx.res.n_dev_rules == 1 && !s.lx.res.dev_rules[0].allow &&
	       s.lx.res.dev_rules[0].type == 'a' && s.lx.res.dev_rules[0].access == RT_DEV_RWM,
	   "spec: one rule, deny everything (as runc's)");
	oci_spec_clear(&s);
	err_free(&err);
	autofree char *f = oci_features_json();
	json_object *o = json_tokener_parse(f);
	ok(o != NULL, "features is JSON");
	json_object_put(o);
}

int main(void)
{
	test_good();
	test_corpus("tests/data/bad/config");
	test_process_and_misc();
	test_generated();
	return done_testing();
}
