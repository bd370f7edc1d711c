/* SPDX-License-Identifier: Apache-2.0 */
/* config.json generation: flag parsers (with their bad-input corpora) and the spec itself. */
#include "oci/spec/specgen.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <sys/stat.h>
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
	json_object_put(j);

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

static void test_user(void)
{
	autofree char *root = xasprintf("%s/rootfs", tmp);
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
	is_int(oci_user_resolve(root, "tester", &uid, &gid, &groups, &n, &err), 0, "by name");
	ok(uid == 1000 && gid == 1000, "uid and primary gid");
	ok(n == 1 && groups[0] == 10, "member of wheel");
	free(groups);
	is_int(oci_user_resolve(root, "1000:audio", &uid, &gid, &groups, &n, &err), 0, "uid:group");
	ok(uid == 1000 && gid == 29 && n == 0, "group by name");
	free(groups);
	is_int(oci_user_resolve(root, "4242", &uid, &gid, &groups, &n, &err), 0,
	       "unknown uid is fine");
	ok(uid == 4242 && gid == 0, "gid 0 then");
	free(groups);
	is_int(oci_user_resolve(root, "nobody", &uid, &gid, &groups, &n, &err), -1, "unknown name");
	has_str(err ? err->msg : NULL, "unable to find user nobody", "podman's message");
	err_free(&err);
	is_int(oci_user_resolve(root, "tester:nogroup", &uid, &gid, &groups, &n, &err), -1,
	       "unknown group");
	err_free(&err);
	is_int(oci_user_resolve(root, ":", &uid, &gid, &groups, &n, &err), -1,
	       "empty parts refused");
	err_free(&err);
	/* A passwd that is a link to the host's file stays inside the rootfs. */
	unlink(pw);
	ok(symlink("/etc/passwd", pw) == 0, "passwd linked to /etc/passwd");
	unlink(gr);
	ok(symlink("../../../../../../../etc/group", gr) == 0, "group linked upwards");
	is_int(oci_user_resolve(root, "root", &uid, &gid, &groups, &n, &err), -1,
	       "the host's passwd is not read through the link");
	err_free(&err);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-spec-XXXXXX";
	tmp = mkdtemp(tmpl);
	test_parsers();
	test_generate();
	test_user();
	struct error *err = NULL;
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
