/* SPDX-License-Identifier: Apache-2.0 */
/* config.json generation: flag parsers (with their bad-input corpora) and the spec itself. */
#include "oci/spec/specgen.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *tmp;

/* Every file of tests/data/bad/<name>/ must be refused cleanly by parse. */
static void corpus(const char *name, int (*parse)(const char *, struct error **))
{
	autofree char *dir = xasprintf("tests/data/bad/%s", name);
	autoclosedir DIR *d = opendir(dir);
	ok(d != NULL, "corpus %s exists", dir);
	for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.')
			continue;
		autofree char *path = xasprintf("%s/%s", dir, de->d_name);
		autofree char *text = NULL;
		struct error *err = NULL;
		if (fs_read_file(path, 4096, &text, NULL, &err) < 0) {
			ok(0, "read %s", path);
			err_free(&err);
			continue;
		}
		int rc = parse(text, &err);
		ok(rc == -1 && err != NULL && err->kind == ERR_USAGE, "%s refused: \"%s\" -> %s",
		   name, text, err ? err->msg : "(accepted!)");
		err_free(&err);
	}
}

static int parse_volume(const char *s, struct error **err)
{
	struct oci_volume v;
	int rc = oci_volume_parse(s, &v, err);
	if (rc == 0)
		oci_volume_clear(&v);
	return rc;
}

static int parse_ulimit(const char *s, struct error **err)
{
	struct oci_ulimit u;
	int rc = oci_ulimit_parse(s, &u, err);
	free(u.type);
	return rc;
}

static void test_parsers(void)
{
	struct oci_volume v;
	struct error *err = NULL;
	is_int(oci_volume_parse("/host/dir:/data:ro,Z", &v, &err), 0, "bind volume");
	ok(v.kind == OCI_MOUNT_BIND && v.ro, "bind, read-only");
	is_str(v.src, "/host/dir", "src");
	is_str(v.dst, "/data", "dst");
	oci_volume_clear(&v);
	is_int(oci_volume_parse("myvol:/data", &v, &err), 0, "named volume");
	ok(v.kind == OCI_MOUNT_VOLUME, "is a volume");
	is_str(v.src, "myvol", "named");
	oci_volume_clear(&v);
	is_int(oci_volume_parse("./rel:/d:U,rshared", &v, &err), 0, "relative bind");
	ok(v.src[0] == '/' && v.chown, "made absolute, U kept");
	is_str(v.options, "rshared", "propagation kept");
	oci_volume_clear(&v);
	is_int(oci_volume_parse("/anon", &v, &err), 0, "anonymous volume");
	ok(v.kind == OCI_MOUNT_VOLUME && v.src == NULL, "anonymous");
	oci_volume_clear(&v);
	oci_volume_parse("a:b:c:d", &v, &err);
	has_str(err ? err->msg : NULL, "too many colons", "too many colons named");
	err_free(&err);
	corpus("volume", parse_volume);

	is_int(oci_mount_parse("type=bind,src=/s,dst=/d,ro", &v, &err), 0, "--mount bind");
	ok(v.kind == OCI_MOUNT_BIND && v.ro, "ro bind");
	oci_volume_clear(&v);
	is_int(oci_mount_parse("type=tmpfs,destination=/t,tmpfs-size=1m", &v, &err), 0,
	       "--mount tmpfs");
	is_str(v.options, "size=1m", "size option");
	oci_volume_clear(&v);
	is_int(oci_mount_parse("type=nfs,dst=/x", &v, &err), -1, "--mount type=nfs refused");
	err_free(&err);
	is_int(oci_mount_parse("type=bind,dst=/x", &v, &err), -1, "--mount bind without src");
	err_free(&err);
	is_int(oci_mount_parse("type=bind,src=/a,dst=/x,bogus=1", &v, &err), -1, "unknown key");
	err_free(&err);
	is_int(oci_tmpfs_parse("/run:size=10m,mode=700", &v, &err), 0, "--tmpfs");
	is_str(v.options, "size=10m,mode=700", "tmpfs options");
	oci_volume_clear(&v);
	is_int(oci_tmpfs_parse("run", &v, &err), -1, "--tmpfs relative refused");
	err_free(&err);

	struct oci_ulimit u;
	is_int(oci_ulimit_parse("nofile=1024:2048", &u, &err), 0, "ulimit");
	is_str(u.type, "RLIMIT_NOFILE", "type");
	ok(u.soft == 1024 && u.hard == 2048, "soft and hard");
	free(u.type);
	is_int(oci_ulimit_parse("core=-1", &u, &err), 0, "unlimited");
	ok(u.soft == UINT64_MAX && u.hard == UINT64_MAX, "as the max");
	free(u.type);
	corpus("ulimit", parse_ulimit);
}

static struct json_object *gen(const struct oci_gen_opts *o, char **errmsg)
{
	struct error *err = NULL;
	struct json_object *j = oci_spec_generate(o, &err);
	*errmsg = err ? xstrdup(err->msg) : NULL;
	err_free(&err);
	return j;
}

static const char *jstr(struct json_object *j, const char *path)
{
	autofree char *copy = xstrdup(path);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && j; k = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(j, json_type_array))
			j = json_object_array_get_idx(j, (size_t)atoi(k));
		else if (!json_object_object_get_ex(j, k, &j))
			return NULL;
	}
	return j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE)
		 : NULL;
}

static void test_generate(void)
{
	char *ep[] = { "/entry", "-x", NULL }, *cmd[] = { "default", NULL };
	char *ienv[] = { "PATH=/img/bin", "A=1", NULL };
	struct oci_image_config img = {
		.entrypoint = ep, .cmd = cmd, .env = ienv, .workdir = "/w"
	};
	struct oci_gen_opts o = { .image = &img, .rootfs = "/r", .hostname = "abc" };
	char *msg = NULL;
	struct json_object *j = gen(&o, &msg);
	ok(j != NULL, "spec generated %s", msg ? msg : "");
	is_str(jstr(j, "process.args"), "[\"/entry\",\"-x\",\"default\"]", "entrypoint + cmd");
	is_str(jstr(j, "process.cwd"), "\"/w\"", "image workdir");
	has_str(jstr(j, "process.env"), "\"PATH=/img/bin\"", "image PATH kept");
	has_str(jstr(j, "process.env"), "\"HOSTNAME=abc\"", "HOSTNAME set");
	is_str(jstr(j, "process.capabilities.bounding"),
	       "[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\",\"CAP_KILL\","
	       "\"CAP_NET_BIND_SERVICE\",\"CAP_SETFCAP\",\"CAP_SETGID\",\"CAP_SETPCAP\","
	       "\"CAP_SETUID\",\"CAP_SYS_CHROOT\"]",
	       "podman's default capabilities");
	has_str(jstr(j, "linux.seccomp.syscalls"), "\"kexec_load\"",
		"default seccomp denies kexec");
#if defined(__x86_64__)
	is_str(jstr(j, "linux.seccomp.architectures"),
	       "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]",
	       "the host's architectures only, as podman's profile");
#endif
	has_str(jstr(j, "linux.maskedPaths"), "/proc/kcore", "masked paths");
	has_str(jstr(j, "linux.namespaces"), "\"network\"", "own network namespace");
	is_str(jstr(j, "root.path"), "\"/r\"", "root path");
	is_str(jstr(j, "annotations"), "{}", "no annotations: an empty object");
	json_object_put(j);
	char *ann[] = { "a=1", "flag", "b=x=y", NULL };
	o.annotations = ann;
	j = gen(&o, &msg);
	is_str(jstr(j, "annotations"), "{\"a\":\"1\",\"flag\":\"\",\"b\":\"x=y\"}",
	       "annotations: KEY=VALUE, a bare KEY, a value with '='");
	json_object_put(j);
	o.annotations = NULL;

	/* Operands replace Cmd; --entrypoint '' with args runs the args alone. */
	char *args[] = { "sh", "-c", "true", NULL }, *empty_ep[] = { "", NULL };
	o.args = args;
	j = gen(&o, &msg);
	is_str(jstr(j, "process.args"), "[\"/entry\",\"-x\",\"sh\",\"-c\",\"true\"]",
	       "args replace cmd");
	json_object_put(j);
	o.entrypoint = empty_ep;
	o.has_entrypoint = true;
	j = gen(&o, &msg);
	is_str(jstr(j, "process.args"), "[\"sh\",\"-c\",\"true\"]", "--entrypoint '' drops it");
	json_object_put(j);
	o.args = NULL;
	j = gen(&o, &msg);
	ok(j == NULL, "nothing to run is an error");
	has_str(msg, "no command", "saying so");
	free(msg);
	msg = NULL;
	o.has_entrypoint = false;
	o.init_path = "/usr/libexec/hutch/hutch-init";
	j = gen(&o, &msg);
	is_str(jstr(j, "process.args"),
	       "[\"/run/hutch-init\",\"--\",\"/entry\",\"-x\",\"default\"]",
	       "--init runs hutch-init first");
	has_str(jstr(j, "mounts"), "\"/run/hutch-init\"", "and mounts it");
	json_object_put(j);
	o.init_path = NULL;

	/* Environment: -e overrides, KEY takes the host's value, env files. */
	setenv("HUTCH_TEST_HOSTVAR", "fromhost", 1);
	autofree char *envfile = xasprintf("%s/env", tmp);
	struct error *err = NULL;
	const char ef[] = "# comment\n\nB=2\nA=from-file\r\n";
	fs_write_atomic(envfile, ef, sizeof(ef) - 1, 0600, &err);
	char *env[] = { "A=cli", "HUTCH_TEST_HOSTVAR", "HUTCH_TEST_UNSET_VAR", NULL };
	char *files[] = { envfile, NULL };
	o.env = env;
	o.env_files = files;
	j = gen(&o, &msg);
	const char *e = jstr(j, "process.env");
	has_str(e, "\"A=cli\"", "-e wins over the env file and the image");
	has_str(e, "\"B=2\"", "env file read, comments skipped");
	has_str(e, "\"HUTCH_TEST_HOSTVAR=fromhost\"", "KEY takes the host's value");
	ok(e && strstr(e, "HUTCH_TEST_UNSET_VAR") == NULL, "an unset KEY is left out");
	json_object_put(j);
	char *nofile[] = { "/nonexistent/env", NULL };
	o.env_files = nofile;
	j = gen(&o, &msg);
	ok(j == NULL, "a missing --env-file fails");
	has_str(msg, "/nonexistent/env", "naming the file");
	free(msg);
	msg = NULL;
	o.env_files = NULL;
	o.env = NULL;

	/* Capabilities. */
	char *add[] = { "net_raw", "CAP_SYS_ADMIN", NULL }, *drop[] = { "chown", NULL };
	o.cap_add = add;
	o.cap_drop = drop;
	j = gen(&o, &msg);
	const char *b = jstr(j, "process.capabilities.bounding");
	has_str(b, "CAP_NET_RAW", "cap-add by short name");
	has_str(b, "CAP_SYS_ADMIN", "cap-add by full name");
	ok(b && strstr(b, "CAP_CHOWN") == NULL, "cap-drop");
	json_object_put(j);
	char *dropall[] = { "ALL", NULL }, *add1[] = { "KILL", NULL };
	o.cap_drop = dropall;
	o.cap_add = add1;
	j = gen(&o, &msg);
	is_str(jstr(j, "process.capabilities.effective"), "[\"CAP_KILL\"]", "drop ALL then add");
	json_object_put(j);
	char *bogus[] = { "CAP_FLY", NULL };
	o.cap_add = bogus;
	o.cap_drop = NULL;
	j = gen(&o, &msg);
	ok(j == NULL, "unknown capability refused");
	has_str(msg, "CAP_FLY", "naming it");
	free(msg);
	msg = NULL;
	o.cap_add = NULL;
	o.uid = 1000;
	j = gen(&o, &msg);
	is_str(jstr(j, "process.capabilities.effective"), "[]",
	       "a non-root user has no effective caps");
	is_str(jstr(j, "process.user.uid"), "1000", "uid");
	json_object_put(j);
	o.uid = 0;

	/* seccomp choices, sysctls, workdir, privileged, namespaces. */
	o.seccomp = "unconfined";
	j = gen(&o, &msg);
	ok(jstr(j, "linux.seccomp") == NULL, "unconfined: no seccomp");
	json_object_put(j);
	autofree char *badprof = xasprintf("%s/prof.json", tmp);
	fs_write_atomic(badprof, "[1,2", 4, 0600, &err);
	o.seccomp = badprof;
	j = gen(&o, &msg);
	ok(j == NULL, "a bad seccomp file is refused");
	free(msg);
	msg = NULL;
	o.seccomp = NULL;
	char *sysctls[] = { "net.ipv4.ip_forward=1", NULL }, *badsys[] = { "novalue", NULL };
	o.sysctls = sysctls;
	j = gen(&o, &msg);
	is_str(jstr(j, "linux.sysctl"), "{\"net.ipv4.ip_forward\":\"1\"}", "sysctl");
	json_object_put(j);
	o.sysctls = badsys;
	j = gen(&o, &msg);
	ok(j == NULL, "a sysctl without value refused");
	free(msg);
	msg = NULL;
	/* Only the container's own namespaces', by dotted words: the runtime writes
	 * /proc/sys/NAME with the dots made slashes. */
	static const char *const refused[] = {
		"../../etc/x=1",
		"net./../../x=1",
		"net..x=1",
		"net.x.=1",
		".net.x=1",
		"net.a/b=1",
		"vm.swappiness=1",
		"kernel.domainname=x",
		"kernel.sem.=1",
		"fs.mqueue=1",
		NULL,
	};
	for (size_t i = 0; refused[i]; i++) {
		char *one[] = { (char *)refused[i], NULL };
		o.sysctls = one;
		j = gen(&o, &msg);
		ok(j == NULL && msg != NULL && strstr(msg, "is not allowed") != NULL,
		   "sysctl %s refused: %s", refused[i], msg ? msg : "(accepted)");
		json_object_put(j);
		free(msg);
		msg = NULL;
	}
	char *allowed[] = { "kernel.shm_rmid_forced=1", "fs.mqueue.msg_max=20",
			    "net.ipv4.conf.all.rp_filter=2", NULL };
	o.sysctls = allowed;
	j = gen(&o, &msg);
	ok(j != NULL, "podman's namespaced sysctls allowed");
	json_object_put(j);
	o.host_network = true;
	j = gen(&o, &msg);
	ok(j == NULL && msg && strstr(msg, "sysctl 'net.ipv4.conf.all.rp_filter' is not allowed"),
	   "no net. sysctls with the host's network");
	free(msg);
	msg = NULL;
	o.host_network = false;
	o.sysctls = NULL;
	o.workdir = "relative";
	j = gen(&o, &msg);
	ok(j == NULL, "relative -w refused");
	free(msg);
	msg = NULL;
	o.workdir = NULL;
	o.privileged = true;
	o.host_network = true;
	j = gen(&o, &msg);
	has_str(jstr(j, "process.capabilities.bounding"), "CAP_SYS_ADMIN", "privileged: all caps");
	ok(jstr(j, "linux.maskedPaths") == NULL && jstr(j, "linux.seccomp") == NULL,
	   "privileged: no masks, no seccomp");
	ok(strstr(jstr(j, "linux.namespaces"), "network") == NULL, "host network: no netns");
	json_object_put(j);
	err_free(&err);
}

/*
 * The image decides how long Env and Cmd are (millions fit the config's cap): building the
 * spec must not scan what came before for each entry. 300k entries each, a quadratic build
 * (as before) takes minutes here; a linear one well under a second. Nothing is timed: the
 * watchdog turns a hang into a failure, with two orders of magnitude to spare.
 */
static void test_generate_large(void)
{
	enum {
		N = 300000
	};
	alarm(300);
	char **env = xcalloc(N + 1, sizeof(char *)), **cmd = xcalloc(N + 1, sizeof(char *));
	for (size_t i = 0; i < N; i++) {
		/* Every tenth entry (i = 10m + 9) sets the key K(10m) again. */
		env[i] = i % 10 == 9 ? xasprintf("K%zu=again%zu", i / 10 * 10, i)
				     : xasprintf("K%zu=%zu", i, i);
		cmd[i] = xasprintf("arg%zu", i);
	}
	struct oci_image_config img = { .cmd = cmd, .env = env };
	char *user_env[] = { "K5=user", "NEW=1", NULL };
	struct oci_gen_opts o = { .image = &img, .env = user_env };
	autofree char *msg = NULL;
	struct json_object *j = gen(&o, &msg);
	ok(j != NULL, "a spec of %d env entries and %d args", N, N);
	struct json_object *e = NULL, *a = NULL, *p = NULL;
	json_object_object_get_ex(j, "process", &p);
	json_object_object_get_ex(p, "env", &e);
	json_object_object_get_ex(p, "args", &a);
	/* 90% distinct keys, then PATH, TERM, container=hutch and NEW (no home: none given). */
	is_int(json_object_array_length(e), N - N / 10 + 4, "duplicates merged");
	is_int(json_object_array_length(a), N, "every arg");
	is_str(json_object_get_string(json_object_array_get_idx(e, 0)), "K0=again9",
	       "a key keeps its first place and takes its last value");
	is_str(json_object_get_string(json_object_array_get_idx(e, 5)), "K5=user",
	       "-e comes last and wins");
	is_str(json_object_get_string(json_object_array_get_idx(e, 9)), "K10=again19",
	       "the places of merged entries close up");
	is_str(json_object_get_string(json_object_array_get_idx(e, N - N / 10 - 1)),
	       "K299998=299998", "the last image entry");
	is_str(json_object_get_string(json_object_array_get_idx(e, N - N / 10 + 3)), "NEW=1",
	       "new keys at the end");
	is_str(json_object_get_string(json_object_array_get_idx(a, N - 1)), "arg299999",
	       "the last arg");
	json_object_put(j);
	strv_free(env);
	strv_free(cmd);
	alarm(0);
}

static void test_user(void)
{
	autofree char *root = xasprintf("%s/rootfs", tmp);
	char *const roots[] = { root, NULL };
	autofree char *etc = xasprintf("%s/etc", root);
	struct error *err = NULL;
	fs_mkdir_p(etc, 0755, &err);
	autofree char *pw = xasprintf("%s/passwd", etc);
	autofree char *gr = xasprintf("%s/group", etc);
	const char p[] = "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000::/home/t:/bin/sh\n";
	const char g[] = "root:x:0:\ntester:x:1000:\nwheel:x:10:tester,other\naudio:x:29:\n";
	fs_write_atomic(pw, p, sizeof(p) - 1, 0644, &err);
	fs_write_atomic(gr, g, sizeof(g) - 1, 0644, &err);
	uid_t uid;
	gid_t gid, *groups = NULL;
	size_t n = 0;
	is_int(oci_user_resolve(roots, "tester", &uid, &gid, &groups, &n, &err), 0, "by name");
	ok(uid == 1000 && gid == 1000, "uid and primary gid");
	ok(n == 1 && groups[0] == 10, "member of wheel");
	free(groups);
	is_int(oci_user_resolve(roots, "1000:audio", &uid, &gid, &groups, &n, &err), 0,
	       "uid:group");
	ok(uid == 1000 && gid == 29 && n == 0, "group by name");
	free(groups);
	is_int(oci_user_resolve(roots, "4242", &uid, &gid, &groups, &n, &err), 0,
	       "unknown uid is fine");
	ok(uid == 4242 && gid == 0, "gid 0 then");
	free(groups);
	is_int(oci_user_resolve(roots, "nobody", &uid, &gid, &groups, &n, &err), -1,
	       "unknown name");
	has_str(err ? err->msg : NULL, "unable to find user nobody", "podman's message");
	err_free(&err);
	is_int(oci_user_resolve(roots, "tester:nogroup", &uid, &gid, &groups, &n, &err), -1,
	       "unknown group");
	err_free(&err);
	is_int(oci_user_resolve(roots, ":", &uid, &gid, &groups, &n, &err), -1,
	       "empty parts refused");
	err_free(&err);
	/* A passwd that is a link to the host's file stays inside the rootfs. */
	unlink(pw);
	ok(symlink("/etc/passwd", pw) == 0, "passwd linked to /etc/passwd");
	unlink(gr);
	ok(symlink("../../../../../../../etc/group", gr) == 0, "group linked upwards");
	is_int(oci_user_resolve(roots, "root", &uid, &gid, &groups, &n, &err), -1,
	       "the host's passwd is not read through the link");
	err_free(&err);
}

/* Resolve spec against roots: 0 with the ids set, or -1 with the message in *msg. */
static int resolve(char *const *roots, const char *spec, uid_t *uid, gid_t *gid, size_t *n,
		   char **msg)
{
	struct error *err = NULL;
	gid_t *groups = NULL;
	int rc = oci_user_resolve(roots, spec, uid, gid, &groups, n, &err);
	free(groups);
	free(*msg);
	*msg = err ? xstrdup(err->msg) : NULL;
	err_free(&err);
	return rc;
}

static void put(const char *dir, const char *name, const char *text)
{
	struct error *err = NULL;
	autofree char *path = xasprintf("%s/%s", dir, name);
	fs_write_atomic(path, text, strlen(text), 0644, &err);
	err_free(&err);
}

/* Ids that do not fit 0-2147483647 are refused wherever they come from: they wrap. */
static void test_user_ids(void)
{
	uint32_t v = 7;
	is_int(oci_id_parse("2147483647", &v), 0, "2^31-1 is an id");
	is_int(v, 2147483647, "parsed");
	is_int(oci_id_parse("2147483648", &v), 1, "2^31 is out of range");
	is_int(oci_id_parse("4294967295", &v), 1, "(uid_t)-1 is out of range");
	is_int(oci_id_parse("4294967296", &v), 1, "2^32 is out of range");
	is_int(oci_id_parse("184467440737095516160", &v), 1, "beyond 64 bits: out of range");
	is_int(oci_id_parse("0001000", &v), 0, "leading zeros");
	is_int(v, 1000, "parsed");
	is_int(oci_id_parse("-1", &v), -1, "a sign is no number");
	is_int(oci_id_parse(" 1", &v), -1, "nor a space");
	is_int(oci_id_parse("", &v), -1, "nor nothing");
	is_int(oci_id_parse("1x", &v), -1, "nor a suffix");

	autofree char *root = xasprintf("%s/idroot", tmp);
	autofree char *etc = xasprintf("%s/etc", root);
	char *const roots[] = { root, NULL };
	struct error *err = NULL;
	fs_mkdir_p(etc, 0755, &err);
	put(etc, "passwd",
	    "root:x:0:0::/:/bin/sh\nevil:x:4294967296:0::/:/bin/sh\n"
	    "half:x:1000:4294967295::/:/bin/sh\nshort:x:1001\nt:x:1002:1002::/:/bin/sh\n");
	put(etc, "group", "wheel:x:4294967306:t\nbad:x:NaN:other\nbig:x:99999999999:\n");
	uid_t uid = 1;
	gid_t gid = 1;
	size_t n = 0;
	autofree char *msg = NULL;
	static const char *const bad[] = { "4294967295",
					   "4294967296",
					   "1000:4294967295",
					   "4294967295:4294967295",
					   "0:2147483648",
					   "evil",
					   "half",
					   "t",
					   "root:big",
					   NULL };
	for (size_t i = 0; bad[i]; i++) {
		is_int(resolve(roots, bad[i], &uid, &gid, &n, &msg), -1, "-u %s refused", bad[i]);
		has_str(msg, "uids and gids must be in range 0-2147483647", "-u %s: podman's words",
			bad[i]);
	}
	has_str(msg, "big", "the message names the entry");
	is_int(resolve(roots, "short", &uid, &gid, &n, &msg), -1, "an entry without a gid");
	has_str(msg, "malformed entry", "named malformed");
	is_int(resolve(roots, "root", &uid, &gid, &n, &msg), 0, "others' broken groups ignored");
	ok(uid == 0 && gid == 0 && n == 0, "root, no groups");
	is_int(resolve(roots, "2147483647:2147483647", &uid, &gid, &n, &msg), 0, "2^31-1 runs");
	ok(uid == 2147483647 && gid == 2147483647, "as it is");

	/* More groups than the kernel takes: one error, not a huge config.json. */
	autofree char *grp = xasprintf("%s/group", etc);
	FILE *f = fopen(grp, "we");
	for (int i = 0; f != NULL && i <= 65536; i++)
		fprintf(f, "g%d:x:%d:t\n", i, i + 2000);
	if (f != NULL)
		fclose(f);
	is_int(resolve(roots, "t", &uid, &gid, &n, &msg), -1, "65537 groups refused");
	has_str(msg, "member of more than 65536 groups", "named");
}

/*
 * The files come from the topmost layer that has them, never through a link out of it, and
 * only when regular: a FIFO would hang the read, so it is refused without being opened.
 */
static void test_user_files(void)
{
	autofree char *top = xasprintf("%s/top", tmp), *low = xasprintf("%s/low", tmp);
	autofree char *tetc = xasprintf("%s/etc", top), *letc = xasprintf("%s/etc", low);
	char *const layers[] = { top, low, NULL };
	struct error *err = NULL;
	fs_mkdir_p(tetc, 0755, &err);
	fs_mkdir_p(letc, 0755, &err);
	put(letc, "passwd", "low:x:1:1::/:/bin/sh\n");
	put(letc, "group", "lowg:x:5:low\n");
	uid_t uid = 9;
	gid_t gid = 9;
	size_t n = 0;
	autofree char *msg = NULL;
	is_int(resolve(layers, "low", &uid, &gid, &n, &msg), 0, "from the lower layer");
	ok(uid == 1 && gid == 1 && n == 1, "its ids and group");
	put(tetc, "passwd", "top:x:2:2::/:/bin/sh\n");
	is_int(resolve(layers, "low", &uid, &gid, &n, &msg), -1, "the top layer's passwd wins");
	is_int(resolve(layers, "top", &uid, &gid, &n, &msg), 0, "top found");
	ok(uid == 2 && gid == 2 && n == 0, "and the lower group file read (no group of top)");
	/* An opaque /etc hides the lower layers' group file. */
	if (setxattr(tetc, "user.overlay.opaque", "y", 1, 0) == 0) {
		put(letc, "group", "lowg:x:5:top\n");
		is_int(resolve(layers, "top", &uid, &gid, &n, &msg), 0, "opaque etc");
		is_int(n, 0, "the lower group file is hidden");
		removexattr(tetc, "user.overlay.opaque");
		is_int(resolve(layers, "top", &uid, &gid, &n, &msg), 0, "not opaque");
		is_int(n, 1, "the lower group file shows");
	} else {
		skip("machine: no user xattrs in %s", tmp);
	}

	autofree char *tpw = xasprintf("%s/passwd", tetc), *tgr = xasprintf("%s/group", tetc);
	unlink(tpw);
	ok(mkfifo(tpw, 0644) == 0, "passwd is a FIFO");
	is_int(resolve(layers, "top", &uid, &gid, &n, &msg), -1, "a FIFO is refused, not read");
	is_str(msg, "/etc/passwd in the image is not a regular file", "named");
	unlink(tpw);
	ok(symlink("/dev/zero", tpw) == 0, "passwd links to /dev/zero");
	autofree char *dev = xasprintf("%s/dev", top);
	mkdir(dev, 0755);
	autofree char *zero = xasprintf("%s/zero", dev);
	ok(mkfifo(zero, 0644) == 0, "a FIFO at the layer's own /dev/zero");
	is_int(resolve(layers, "top", &uid, &gid, &n, &msg), -1, "links stay in the layer");
	is_str(msg, "/etc/passwd in the image is not a regular file",
	       "and the target is looked at");
	unlink(tpw);
	ok(symlink("/nonexistent/passwd", tpw) == 0, "passwd links to nothing in the layer");
	is_int(resolve(layers, "low", &uid, &gid, &n, &msg), -1, "it hides the lower passwd");
	has_str(msg, "unable to find user low", "so no such user");
	is_int(resolve(layers, "3", &uid, &gid, &n, &msg), 0, "a number runs without passwd");
	unlink(tpw);
	ok(mkdir(tpw, 0755) == 0, "passwd is a directory");
	is_int(resolve(layers, "top", &uid, &gid, &n, &msg), -1, "refused");
	rmdir(tpw);
	unlink(tgr);
	/* 4 MiB and one byte, sparse: refused by its size before a byte is read. */
	int fd = open(tpw, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ok(fd >= 0 && ftruncate(fd, (4 << 20) + 1) == 0, "a passwd over 4 MiB");
	if (fd >= 0)
		close(fd);
	is_int(resolve(layers, "top", &uid, &gid, &n, &msg), -1, "refused");
	has_str(msg, "larger than 4194304 bytes", "by its size");
	unlink(tpw);
	/* An /etc that is a file or a link in the top layer hides the lower /etc. */
	autofree char *tetc2 = xasprintf("%s.moved", tetc);
	rename(tetc, tetc2);
	ok(symlink("/elsewhere", tetc) == 0, "top /etc is a link");
	is_int(resolve(layers, "low", &uid, &gid, &n, &msg), -1, "lower passwd hidden");
	unlink(tetc);
	ok(rename(tetc2, tetc) == 0, "top /etc back");
	is_int(resolve(layers, "low", &uid, &gid, &n, &msg), 0, "lower passwd again");

	autofree char *name = oci_user_name(low, 1);
	is_str(name, "low", "oci_user_name");
	free(name);
	name = oci_user_name(low, 77);
	ok(name == NULL, "no name for an unknown uid");
	err_free(&err);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-spec-XXXXXX";
	tmp = mkdtemp(tmpl);
	test_parsers();
	test_generate();
	test_generate_large();
	test_user();
	test_user_ids();
	test_user_files();
	struct error *err = NULL;
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
