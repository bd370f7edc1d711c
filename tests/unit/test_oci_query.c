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

/* The names of every container sorted by key, space-separated. */
static void sorted(const char *key, const char *want, const char *what)
{
	struct eng_ctr_query q = { .all = true, .sort = key };
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *err = NULL;
	autofree char *got = xstrdup("");
	if (eng_ctr_query(s, &q, &v, &n, &err) < 0) {
		free(got);
		got = xasprintf("error: %s", err->msg);
		err_free(&err);
	}
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", got, i ? " " : "", v[i]->name);
		free(got);
		got = next;
	}
	eng_ctr_list_free(v, n);
	is_str(got, want, "%s", what);
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
	check(name, false, 0, "", "podman 4.3.1: a name filter shows only what runs without all");
	check(name, true, 0, "web2 web1", "name is a substring");
	char *const label[] = { "label=tier=db", NULL };
	check(label, true, 0, "db1", "label KEY=VALUE");
	char *const label_key[] = { "label=tier", NULL };
	check(label_key, true, 0, "web2 db1 web1", "label KEY");
	char *const id[] = { "id=b2", NULL };
	check(id, true, 0, "db1", "id is a prefix");
	char *const anc[] = { "ancestor=abc3", NULL };
	check(anc, true, 0, "web2", "ancestor: an image ID prefix");
	char *const base[] = { "ancestor=base", "status=created", NULL };
	check(base, false, 0, "web2 db1 web1",
	      "ancestor: the image name; status implies all; two filters");
	char *const either[] = { "name=db1", "name=web2", "status=created", NULL };
	check(either, false, 0, "web2 db1", "two values of one key: either");
	char *const exited[] = { "status=exited", NULL };
	check(exited, false, 0, "", "status=exited: none");
	char *const stopped[] = { "status=stopped", NULL };
	check(stopped, false, 0, "", "status=stopped is podman's exited: none");
	char *const code[] = { "exited=0", NULL };
	check(code, true, 0, "", "exited=0: only exited containers have a code");
	char *const policy[] = { "restart-policy=none", NULL };
	check(policy, true, 0, "web2 db1 web1", "restart-policy=none: no policy recorded");
	char *const always[] = { "restart-policy=always", NULL };
	check(always, true, 0, "", "restart-policy=always: none");
	char *const bogus[] = { "bogus=1", NULL };
	check(bogus, false, 0,
	      "error: invalid filter \"bogus=1\": hutch filters on status, name, id, label, "
	      "ancestor, exited, restart-policy and health",
	      "an unknown key");
	char *const noeq[] = { "name", NULL };
	check(noeq, false, 0, "error: invalid filter \"name\": want KEY=VALUE", "no value");
	char *const badpol[] = { "restart-policy=fakepolicy", NULL };
	check(badpol, false, 0, "error: fakepolicy invalid restart policy",
	      "podman's words for a bad restart policy");
	char *const badstatus[] = { "status=bogus", NULL };
	check(badstatus, false, 0, "error: unknown container state: bogus", "a bad status");
	char *const badcode[] = { "exited=x", NULL };
	check(badcode, false, 0, "error: exited code out of range \"x\"", "a bad exit code");
	{
		struct eng_ctr_query q = { .filters = badpol, .all = true };
		struct eng_ctr **v = NULL;
		size_t n = 0;
		ok(eng_ctr_query(s, &q, &v, &n, &err) < 0 && err != NULL && err->kind == ERR_TOOL,
		   "a bad filter value is no usage error (podman prints no hint)");
		err_free(&err);
	}
	sorted("names", "db1 web1 web2", "--sort names");
	sorted("created", "web1 db1 web2", "--sort created: oldest first, as podman 4.3.1");
	sorted("id", "web1 db1 web2", "--sort id");
	{
		struct eng_ctr_query q = { .all = true, .sort = "bogus" };
		struct eng_ctr **v = NULL;
		size_t n = 0;
		ok(eng_ctr_query(s, &q, &v, &n, &err) < 0 && err != NULL &&
		       strstr(err->msg, "Choose from: \"command, created, id, image, names, "
					"runningfor, size, status\"") != NULL,
		   "--sort bogus: podman's message");
		err_free(&err);
	}

	eng_close(&s);
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
