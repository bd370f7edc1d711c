/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/auth.c: credentials from an auth.json (--authfile): the most specific key wins,
 * legacy Docker Hub keys are normalised, and every file of the bad corpus
 * tests/data/bad/auth.json/ is refused with a message naming the file (under ASan: without
 * touching freed memory, as an invalid "auth" entry once did).
 */
#include "storage/internal.h"
#include "tests/unit/corpus.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static const char *good_file =
    "{\"auths\": {"
    "\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1Yg==\"}," /* hub:hub */
    "\"quay.io\": {\"auth\": \"cXVheTpx\"},"			     /* quay:q */
    "\"quay.io/ns\": {\"auth\": \"bnM6bg==\"},"			     /* ns:n */
    "\"quay.io/ns/repo\": {\"auth\": \"cmVwbzpy\"},"		     /* repo:r */
    "\"127.0.0.1:5000\": {\"auth\": \"bDpwOnc=\"},"		     /* l:p:w */
    "\"other.io\": {\"identitytoken\": \"x\"},"
    "\"//v1\": {\"auth\": \"eDp5\"}, \"/\": {\"auth\": \"eDp5\"},"	      /* x:y, keys that */
    "\"///\": {\"auth\": \"eDp5\"}, \"https:///v1/\": {\"auth\": \"eDp5\"}}," /* end up empty */
    "\"credsStore\": \"x\"}\n";

static void lookup(const char *file, const char *host, const char *path, const char *want)
{
	autofree char *up = NULL;
	struct error *err = NULL;
	int rc = storage_auth_lookup(host, path, file, NULL, &up, &err);
	is_int(rc, 0, "lookup %s/%s%s%s", host, path, err ? ": " : "", err ? err->msg : "");
	is_str(up, want, "credentials for %s/%s", host, path);
	err_free(&err);
}

static void good(const char *tmp)
{
	autofree char *file = xasprintf("%s/auth.json", tmp);
	struct error *err = NULL;
	ok(fs_write_atomic(file, good_file, strlen(good_file), 0600, &err) == 0, "auth.json");
	err_free(&err);
	lookup(file, "docker.io", "library/alpine", "hub:hub");
	lookup(file, "quay.io", "other/x", "quay:q");
	lookup(file, "quay.io", "ns/x", "ns:n");
	lookup(file, "quay.io", "ns/repo", "repo:r");
	lookup(file, "quay.io", "ns/repository", "ns:n");
	lookup(file, "127.0.0.1:5000", "a", "l:p:w");
	lookup(file, "other.io", "a", NULL);
	lookup(file, "nowhere.io", "a", NULL);
	unlink(file);
}

static void refused(const char *name, const char *path, const char *text, size_t len, void *arg)
{
	(void)text, (void)len, (void)arg;
	autofree char *up = NULL;
	struct error *err = NULL;
	int rc = storage_auth_lookup("docker.io", "library/alpine", path, NULL, &up, &err);
	ok(rc < 0 && err != NULL && strstr(err->msg, path) != NULL, "%s refused: %s", name,
	   err ? err->msg : "(accepted)");
	err_free(&err);
}

static void corpus(void)
{
	ok(corpus_each("tests/data/bad/auth.json", refused, NULL) > 4, "auth.json corpus present");
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-auth-XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	ok(tmp != NULL, "temporary dir");
	if (tmp == NULL)
		return done_testing();
	good(tmp);
	corpus();
	rmdir(tmp);
	return done_testing();
}
