/* SPDX-License-Identifier: Apache-2.0 */
/* storage/reference.c: parsing, normalisation like podman, and the bad-input corpus. */
#include "storage/storage.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <stdlib.h>

static void good(const char *in, const char *want)
{
	struct storage_ref r;
	struct error *err = NULL;
	int rc = storage_ref_parse(in, &r, &err);
	ok(rc == 0, "parse %s%s%s", in, err ? ": " : "", err ? err->msg : "");
	if (rc < 0) {
		err_free(&err);
		return;
	}
	is_int(storage_ref_qualify(&r, "docker.io", NULL), 0, "%s qualifies", in);
	autofree char *s = storage_ref_string(&r);
	is_str(s, want, "%s normalises", in);
	storage_ref_clear(&r);
}

/*
 * The 255-character limit holds for the qualified name too (as podman's normalised parse):
 * a short name that fits but grows past it under a registry would be stored as a name
 * that never parses again (found by fuzz_reference).
 */
static void too_long_once_qualified(void)
{
	char path[251];
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	const char *const domains[] = { "docker.io", "localhost", "quay.io" };
	for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		struct storage_ref r;
		struct error *err = NULL;
		is_int(storage_ref_parse(path, &r, &err), 0, "250 characters parse");
		is_int(storage_ref_qualify(&r, domains[i], &err), -1, "not under %s", domains[i]);
		has_str(err ? err->msg : NULL, "repository name longer than 255 characters",
			"message under %s", domains[i]);
		err_free(&err);
		storage_ref_clear(&r);
	}
	path[200] = '\0';
	struct storage_ref r;
	storage_ref_parse(path, &r, NULL);
	is_int(storage_ref_qualify(&r, "docker.io", NULL), 0, "200 characters under docker.io");
	storage_ref_clear(&r);
}

static void corpus(void)
{
	const char *dir = "tests/data/bad/references";
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	ok(n > 10, "reference corpus present");
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			autofree char *p = xasprintf("%s/%s", dir, list[i]->d_name);
			autofree char *text = NULL;
			struct error *err = NULL;
			struct storage_ref r;
			fs_read_file(p, 1 << 16, &text, NULL, NULL);
			int rc = storage_ref_parse(text ? text : "", &r, &err);
			ok(rc < 0 && err != NULL &&
			       strstr(err->msg, "invalid reference format") != NULL,
			   "bad reference %s is refused: %s", list[i]->d_name,
			   err ? err->msg : "-");
			if (rc == 0)
				storage_ref_clear(&r);
			err_free(&err);
		}
		free(list[i]);
	}
	free(list);
}

int main(void)
{
	char d[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	good("alpine", "docker.io/library/alpine:latest");
	good("alpine:3.19", "docker.io/library/alpine:3.19");
	good("library/alpine", "docker.io/library/alpine:latest");
	good("docker.io/alpine", "docker.io/library/alpine:latest");
	good("quay.io/podman/stable:v5", "quay.io/podman/stable:v5");
	good("localhost/mine", "localhost/mine:latest");
	good("127.0.0.1:5000/a/b/c:t_1.2-3", "127.0.0.1:5000/a/b/c:t_1.2-3");
	good("[::1]:5000/x", "[::1]:5000/x:latest");
	good("my-reg.example.com:443/a__b/c.d/e--f", "my-reg.example.com:443/a__b/c.d/e--f:latest");
	autofree char *by_digest = xasprintf("alpine@%s", d);
	autofree char *want_digest = xasprintf("docker.io/library/alpine@%s", d);
	good(by_digest, want_digest);
	autofree char *both = xasprintf("host:1/x:v1@%s", d);
	good(both, both);
	struct storage_ref r;
	storage_ref_parse("foo/bar", &r, NULL);
	ok(r.domain == NULL, "a short name has no domain until qualified");
	is_int(storage_ref_qualify(&r, "quay.io", NULL), 0, "qualified");
	autofree char *s = storage_ref_string(&r);
	is_str(s, "quay.io/foo/bar:latest", "qualified with a search registry, no library/");
	autofree char *name = storage_ref_name(&r);
	is_str(name, "quay.io/foo/bar", "name without tag");
	storage_ref_clear(&r);
	too_long_once_qualified();
	corpus();
	return done_testing();
}
