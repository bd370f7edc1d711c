/* SPDX-License-Identifier: Apache-2.0 */
/*
 * userns/: mapping parsing, the default mapping from libsubid, and a real namespace child
 * whose errors come back over the sync socket.
 */
#include "userns/userns.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

static int child_ok(void *arg, struct error **err)
{
	(void)arg;
	(void)err;
	return getuid() == 0 && getgid() == 0 ? 0 : err_msg(err, "not root inside: %u", getuid());
}

/* Inside: the kernel's uid_map has our host uid mapped to the same number. */
static int child_keepid(void *arg, struct error **err)
{
	unsigned long want = *(const uid_t *)arg;
	autofree char *map = NULL;
	if (fs_read_file("/proc/self/uid_map", 4096, &map, NULL, err) < 0)
		return -1;
	char *save = NULL;
	for (char *l = strtok_r(map, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long in, out, count;
		if (sscanf(l, "%lu %lu %lu", &in, &out, &count) == 3 && in == want && out == want)
			return 0;
	}
	return err_msg(err, "uid %lu is not mapped to itself", want);
}

static int child_fails(void *arg, struct error **err)
{
	return err_set(err, ENOENT, ERR_NOTFOUND, "nothing at %s", (const char *)arg);
}

/* The range suggested to a user without one is free in both files (issue 13). */
static void test_free_range(void)
{
	char dir[] = "/tmp/test-subid-XXXXXX";
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	autofree char *su = xasprintf("%s/subuid", dir), *sg = xasprintf("%s/subgid", dir);
	struct error *err = NULL;
	static const char uids[] = "alice:100000:65536\n1001:165536:65536\n# junk\nbad\n";
	static const char gids[] = "alice:100000:65536\nbob:231072:1000\n";
	fs_write_replace(su, uids, strlen(uids), 0644, &err);
	fs_write_replace(sg, gids, strlen(gids), 0644, &err);
	autofree char *r = userns_free_subid_range(su, sg);
	is_str(r, "296608-362143", "past Debian's first user's, the second, and a gid range");
	autofree char *none = xasprintf("%s/none", dir);
	autofree char *r0 = userns_free_subid_range(none, none);
	is_str(r0, "100000-165535", "no files: the first range");
	unlink(su);
	unlink(sg);
	rmdir(dir);
}

int main(void)
{
	test_free_range();
	struct userns_map m = { 0 };
	struct error *err = NULL;
	is_int(userns_map_parse("0:1000:1", false, &m, &err), 0, "uid triple");
	is_int(userns_map_parse("1:100000:65536", true, &m, &err), 0, "gid triple");
	ok(m.n_uids == 1 && m.uids[0].outside == 1000, "parsed uid map");
	ok(m.n_gids == 1 && m.gids[0].count == 65536, "parsed gid map");
	static const char *const bad[] = { "", "1:2", "1:2:0", "a:b:c", "1:2:3:4", "1:2:3x", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		is_int(userns_map_parse(bad[i], false, &m, &err), -1, "refused: \"%s\"", bad[i]);
		err_free(&err);
	}
	userns_map_clear(&m);

	if (userns_default_map(&m, &err) < 0) {
		ok(0, "default map: %s", err->msg);
		err_free(&err);
		return done_testing();
	}
	is_int(m.uids[0].inside, 0, "container root first");
	is_int(m.uids[0].outside, getuid(), "is the user");
	if (!m.single) {
		ok(m.n_uids >= 2 && m.uids[1].inside == 1, "subordinate range from 1");
	} else {
		skip("machine: this user has no subordinate ranges");
	}
	struct userns_child child;
	int status = -1;
	if (userns_spawn(&m, CLONE_NEWNS, child_ok, NULL, &child, &err) == 0) {
		proc_wait(child.pid, &status, &err);
		is_int(status, 0, "child ran as root in the namespace");
	} else {
		ok(0, "spawn: %s", err->msg);
		err_free(&err);
	}
	is_int(userns_spawn(&m, 0, child_fails, "/x", &child, &err), -1,
	       "a failing child fails the spawn");
	is_str(err ? err->msg : NULL, "nothing at /x", "with the child's message");
	is_int(err ? (int)err->kind : -1, ERR_NOTFOUND, "and its kind");
	err_free(&err);
	userns_map_clear(&m);

	/* keep-id: nested in the default namespace; our ids keep their numbers inside. */
	if (userns_keepid_map(&m, &err) < 0) {
		skip("machine: keep-id needs subordinate ranges: %s", err->msg);
		err_free(&err);
		return done_testing();
	}
	bool own_uid = false, own_gid = false, low = getuid() == 0;
	unsigned long total = 0;
	for (size_t i = 0; i < m.n_uids; i++) {
		own_uid |=
		    m.uids[i].inside == getuid() && m.uids[i].outside == 0 && m.uids[i].count == 1;
		low |=
		    m.uids[i].inside == 0 && m.uids[i].outside == 1 && m.uids[i].count == getuid();
		total += m.uids[i].count;
	}
	for (size_t i = 0; i < m.n_gids; i++)
		own_gid |= m.gids[i].inside == getgid() && m.gids[i].outside == 0;
	ok(own_uid && own_gid, "keep-id maps our uid and gid to the outer root (ourselves)");
	ok(low, "0..uid-1 come from the outer 1..uid");
	ok(total > getuid(), "the nested namespace covers the whole outer one (%lu ids)", total);
	(void)child_keepid;
	userns_map_clear(&m);
	return done_testing();
}
