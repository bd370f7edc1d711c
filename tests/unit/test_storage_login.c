/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/login.c: the auth.json key of login's argument (podman's rules: a registry as
 * given, a scheme dropped, a repository normalised, a tag or digest refused) and the
 * writing: an entry set and read back through auth.c, other entries and unknown keys kept,
 * mode 0600, one entry or all removed, "not logged into" for a missing one, a damaged file
 * refused untouched.
 */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void key(const char *in, const char *want)
{
	autofree char *k = NULL;
	struct error *err = NULL;
	int rc = storage_auth_key(in, &k, &err);
	if (want == NULL) {
		ok(rc < 0 && err != NULL, "%s refused: %s", in, err ? err->msg : "(accepted)");
	} else {
		is_int(rc, 0, "%s accepted%s%s", in, err ? ": " : "", err ? err->msg : "");
		is_str(k, want, "key of %s", in);
	}
	err_free(&err);
}

static void keys(void)
{
	key("127.0.0.1:5000", "127.0.0.1:5000");
	key("https://127.0.0.1:5000/", "127.0.0.1:5000");
	key("http://quay.io", "quay.io");
	key("quay.io/ns/repo", "quay.io/ns/repo");
	key("docker.io/alpine", "docker.io/library/alpine");
	key("quay.io/ns/repo:tag", NULL);
	key("quay.io/ns/repo@sha256:aaaa", NULL);
	key("quay.io/NS/repo", NULL);
}

static void writing(const char *tmp)
{
	autofree char *file = xasprintf("%s/sub/auth.json", tmp);
	struct error *err = NULL;
	autofree char *dir = xasprintf("%s/sub", tmp);
	mkdir(dir, 0700);
	static const char start[] = "{\"auths\":{\"other.io\":{\"auth\":\"eDp5\"}},"
				    "\"credHelpers\":{\"a.io\":\"pass\"}}";
	ok(fs_write_atomic(file, start, sizeof(start) - 1, 0644, &err) == 0, "a file to keep");
	is_int(storage_auth_set(file, "quay.io/ns", "u:p:w", &err), 0, "set");
	struct stat st;
	is_int(stat(file, &st) == 0 ? (int)(st.st_mode & 07777) : -1, 0600, "rewritten 0600");
	autofree char *up = NULL, *other = NULL;
	is_int(storage_auth_lookup("quay.io", "ns/repo", file, NULL, &up, &err), 0, "read back");
	is_str(up, "u:p:w", "the credentials set");
	is_int(storage_auth_lookup("other.io", "x", file, NULL, &other, &err), 0, "other entry");
	is_str(other, "x:y", "the other entry is kept");
	autofree char *text = NULL;
	ok(fs_read_file(file, 1 << 20, &text, NULL, &err) == 0 && strstr(text, "credHelpers"),
	   "an unknown key is kept");
	is_int(storage_auth_remove(file, "quay.io/ns", &err), 0, "remove");
	is_int(storage_auth_remove(file, "quay.io/ns", &err), -1, "remove again");
	ok(err != NULL && err->kind == ERR_NOSUCH &&
	       strcmp(err->msg, "not logged into quay.io/ns") == 0,
	   "not logged into: %s", err ? err->msg : "(none)");
	err_free(&err);
	is_int(storage_auth_remove(file, NULL, &err), 0, "remove all");
	autofree char *gone = NULL;
	is_int(storage_auth_lookup("other.io", "x", file, NULL, &gone, &err), 0, "read after all");
	is_str(gone, NULL, "every entry gone");
	static const char bad[] = "{\"auths\": [";
	ok(fs_write_atomic(file, bad, sizeof(bad) - 1, 0600, &err) == 0, "a damaged file");
	is_int(storage_auth_set(file, "quay.io", "u:p", &err), -1, "a damaged file is refused");
	err_free(&err);
	autofree char *after = NULL;
	ok(fs_read_file(file, 1 << 20, &after, NULL, &err) == 0 && strcmp(after, bad) == 0,
	   "and left as it was");
	err_free(&err);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-login-XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	ok(tmp != NULL, "temporary dir");
	if (tmp == NULL)
		return done_testing();
	keys();
	writing(tmp);
	rmdir(tmp);
	return done_testing();
}
