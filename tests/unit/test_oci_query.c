/* SPDX-License-Identifier: Apache-2.0 */
/* oci/engine/query.c: the containers `ps` selects (--all, --last, --filter) and its errors. */
#include "oci/engine/internal.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <sys/stat.h>

static struct eng *s; /* the engine handle */

/* A created container (no state.json) with a hutch.json as create writes it, in short. */
static void put(const char *prefix, const char *name, int minute, const char *label)
{
	char id[65];
	memset(id, '0', 64);
	id[64] = '\0';
	memcpy(id, prefix, strlen(prefix));
	autofree char *dir = xasprintf("%s/containers/%s", storage_root(eng_storage(s)), id);
	mkdir(dir, 0700);
	autofree char *p = xasprintf("%s/hutch.json", dir);
	autofree char *text =
	    xasprintf("{\"Id\":\"%s\",\"Name\":\"%s\",\"Created\":\"2026-01-01T00:%02d:00Z\","
		      "\"Image\":\"ab%s\",\"ImageName\":\"base\",\"Args\":[\"true\"],"
		      "\"Config\":{\"Labels\":{\"tier\":\"%s\"}},\"HostConfig\":{\"Ports\":[]}}",
		      id, name, minute, prefix, label);
	struct error *err = NULL;
	if (fs_write_replace(p, text, strlen(text), 0600, &err) < 0) {
		printf("# writing %s: %s\n", p, err->msg);
		err_free(&err);
	}
}

/* The names q selects, space-separated, or "error: MESSAGE" (owned). */
static char *names(char *const *filters, bool all, long last)
{
	struct eng_ctr_query q = { .filters = filters, .all = all, .last = last };
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *err = NULL;
	if (eng_ctr_query(s, &q, &v, &n, &err) < 0) {
		char *m = xasprintf("error: %s", err ? err->msg : "(none)");
		err_free(&err);
		return m;
	}
	char *out = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? " " : "", v[i]->name);
		free(out);
		out = next;
	}
	eng_ctr_list_free(v, n);
	return out;
}

static void check(char *const *filters, bool all, long last, const char *want, const char *what)
{
	autofree char *got = names(filters, all, last);
	is_str(got, want, "%s", what);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-query-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	if (tmp == NULL)
		return 1;
	autofree char *data = xasprintf("%s/data", tmp);
	autofree char *run = xasprintf("%s/run", tmp);
	mkdir(run, 0700);
	setenv("XDG_DATA_HOME", data, 1);
	setenv("XDG_RUNTIME_DIR", run, 1);
	struct error *err = NULL;
	if (eng_open(NULL, &s, &err) < 0) {
		printf("# %s\n", err->msg);
		err_free(&err);
		return 1;
	}
	check(NULL, true, 0, "", "an empty store");

	put("a1", "web1", 1, "web");
	put("b2", "db1", 2, "db");
	put("c3", "web2", 3, "web");
	check(NULL, false, 0, "", "none runs: none without all");
	check(NULL, true, 0, "web2 db1 web1", "all: newest first");
	check(NULL, false, 2, "web2 db1", "last 2: the newest two, in any state");
	char *const name[] = { "name=web", NULL };
	check(name, false, 0, "web2 web1", "a filter implies all; name is a substring");
	char *const label[] = { "label=tier=db", NULL };
	check(label, false, 0, "db1", "label KEY=VALUE");
	char *const label_key[] = { "label=tier", NULL };
	check(label_key, false, 0, "web2 db1 web1", "label KEY");
	char *const id[] = { "id=b2", NULL };
	check(id, false, 0, "db1", "id is a prefix");
	char *const anc[] = { "ancestor=abc3", NULL };
	check(anc, false, 0, "web2", "ancestor: an image ID prefix");
	char *const base[] = { "ancestor=base", "status=created", NULL };
	check(base, false, 0, "web2 db1 web1", "ancestor: the image name; status; two filters");
	char *const exited[] = { "status=exited", NULL };
	check(exited, false, 0, "", "status=exited: none");
	char *const bogus[] = { "bogus=1", NULL };
	check(bogus, false, 0,
	      "error: invalid filter \"bogus=1\": hutch filters on status, name, id, label and "
	      "ancestor",
	      "an unknown key");
	char *const noeq[] = { "name", NULL };
	check(noeq, false, 0, "error: invalid filter \"name\": want KEY=VALUE", "no value");

	eng_close(&s);
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
