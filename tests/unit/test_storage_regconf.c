/* SPDX-License-Identifier: Apache-2.0 */
/* storage/regconf.c: the registries.conf subset reader, matching, and its bad corpus. */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <dirent.h>
#include <stdlib.h>

static const char *sample = "# a comment\n"
			    "unqualified-search-registries = [\"registry.fedoraproject.org\",\n"
			    "  'quay.io', # trailing comment\n"
			    "  \"docker.io\",\n"
			    "]\n"
			    "short-name-mode = \"permissive\"\n"
			    "credential-helpers = [\"containers-auth.json\"]\n"
			    "\n"
			    "[[registry]]\n"
			    "prefix = \"example.com/foo\"\n"
			    "location = \"internal.example.com/mirror\"\n"
			    "insecure = true\n"
			    "\n"
			    "[[registry.mirror]]\n"
			    "location = \"mirror-1.example.com\"\n"
			    "\n"
			    "[[registry.mirror]]\n"
			    "location = \"mirror-2.example.com\"\n"
			    "insecure = false\n"
			    "\n"
			    "[[registry]]\n"
			    "location = \"example.com\"\n"
			    "blocked = true\n"
			    "\n"
			    "[[registry]]\n"
			    "prefix = \"*.wild.io\"\n"
			    "location = \"w.example\"\n"
			    "\n"
			    "[aliases]\n"
			    "  \"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
			    "  \"esc\\u00e9\" = \"x\\ty\"\n";

static void test_sample(void)
{
	struct storage_regconf c = { 0 };
	struct error *err = NULL;
	is_int(storage_regconf_parse("sample", sample, &c, &err), 0, "sample parses %s",
	       err ? err->msg : "");
	is_int(strv_len(c.search), 3, "three search registries");
	is_str(c.search ? c.search[1] : NULL, "quay.io", "literal string");
	is_str(c.short_name_mode, "permissive", "short-name-mode");
	is_int(c.n_regs, 3, "three registries");
	size_t ml = 0;
	const struct regconf_registry *r = storage_regconf_find(&c, "example.com/foo/bar", &ml);
	is_str(r ? r->location : NULL, "internal.example.com/mirror", "longest prefix wins");
	is_int(ml, strlen("example.com/foo"), "matched length");
	ok(r && r->insecure && r->n_mirrors == 2, "insecure, two mirrors");
	is_str(r && r->n_mirrors ? r->mirrors[1].location : NULL, "mirror-2.example.com", "mirror");
	r = storage_regconf_find(&c, "example.com/foobar", &ml);
	ok(r && r->blocked, "prefix matches only at a component boundary");
	r = storage_regconf_find(&c, "a.wild.io/x", &ml);
	is_str(r ? r->location : NULL, "w.example", "wildcard prefix");
	ok(storage_regconf_find(&c, "other.io/x", &ml) == NULL, "no match");
	is_str(storage_regconf_alias(&c, "fedora"), "registry.fedoraproject.org/fedora", "alias");
	is_str(storage_regconf_alias(&c, "esc\xc3\xa9"), "x\ty", "escapes in keys and values");
	storage_regconf_clear(&c);
}

static void test_errors(void)
{
	struct storage_regconf c = { 0 };
	struct error *err = NULL;
	is_int(storage_regconf_parse("f.conf", "a = 1\n\n[bogus]\n", &c, &err), -1,
	       "unknown table");
	is_str(err ? err->msg : NULL, "f.conf:3: unknown table [bogus]", "names file and line");
	err_free(&err);
	storage_regconf_clear(&c);
	is_int(storage_regconf_parse("f.conf", "x = [\n\"a\",\n\"b\" \"c\"]\n", &c, &err), -1,
	       "array without comma");
	has_str(err ? err->msg : NULL, "f.conf:3:", "line of the error inside an array");
	err_free(&err);
	storage_regconf_clear(&c);
}

static void corpus(void)
{
	const char *dir = "tests/data/bad/registries.conf";
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	ok(n > 10, "registries.conf corpus present");
	for (int i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			autofree char *p = xasprintf("%s/%s", dir, list[i]->d_name);
			autofree char *text = NULL;
			struct error *err = NULL;
			struct storage_regconf c = { 0 };
			fs_read_file(p, 1 << 16, &text, NULL, NULL);
			int rc = storage_regconf_parse(p, text ? text : "", &c, &err);
			ok(rc < 0 && err && strstr(err->msg, p) == err->msg, "%s refused: %s",
			   list[i]->d_name, err ? err->msg : "(accepted)");
			err_free(&err);
			storage_regconf_clear(&c);
		}
		free(list[i]);
	}
	free(list);
}

int main(void)
{
	test_sample();
	test_errors();
	corpus();
	return done_testing();
}
