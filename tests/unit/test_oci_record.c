/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci/engine/record.c and names.c on a store made by hand: record files in the current
 * layout and in older ones, damaged ones, and the name index with missing, stale and junk
 * entries.
 */
#include "oci/engine/internal.h"
#include "lib/json.h"
#include "tool/ps_fmt.h"
#include "tests/unit/tap.h"
#include "tool/ctr_inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmp;
static struct eng *s; /* the engine handle */

/* prefix padded with zeros to a 64-digit ID (static buffer, one at a time per slot). */
static const char *id_of(const char *prefix)
{
	static char ids[8][65];
	static int slot;
	char *id = ids[slot++ % 8];
	memset(id, '0', 64);
	id[64] = '\0';
	memcpy(id, prefix, strlen(prefix));
	return id;
}

static char *path_of(const char *id, const char *file)
{
	return file ? xasprintf("%s/containers/%s/%s", storage_root(eng_storage(s)), id, file)
		    : xasprintf("%s/containers/%s", storage_root(eng_storage(s)), id);
}

static void put(const char *id, const char *file, const char *text)
{
	autofree char *dir = path_of(id, NULL);
	mkdir(dir, 0700);
	autofree char *p = path_of(id, file);
	struct error *err = NULL;
	if (fs_write_replace(p, text, strlen(text), 0600, &err) < 0) {
		printf("# writing %s: %s\n", p, err->msg);
		err_free(&err);
	}
}

/* A hutch.json as create wrote it up to version 1 (podman's inspect shape), in short. */
static char *record(const char *id, const char *name, int minute)
{
	return xasprintf("{\"Id\":\"%s\",\"Name\":\"%s\",\"Created\":\"2026-01-01T00:%02d:00Z\","
			 "\"Image\":\"img\",\"ImageName\":\"base\",\"Args\":[\"true\"],"
			 "\"Config\":{\"Labels\":{\"k\":\"v\"},\"Env\":[]},\"HostConfig\":"
			 "{\"Ports\":[],\"NetworkMode\":\"none\",\"AutoRemove\":false},"
			 "\"Mounts\":[]}",
			 id, name, minute);
}

static struct eng_ctr *find(struct eng_ctr **v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, id) == 0)
			return v[i];
	return NULL;
}

static void test_json_at(void)
{
	static const struct {
		const char *text;
		bool good;
		const char *what;
	} cases[] = {
		{ "{}", true, "an empty object" },
		{ "{\"a\":1}  \n", true, "white space after the object" },
		{ "{\"a\":1} x", false, "garbage after the object" },
		{ "{\"a\":", false, "cut short" },
		{ "", false, "an empty file" },
		{ "[1,2]", false, "an array, not an object" },
		{ "\"s\"", false, "a string, not an object" },
		{ "{\"a\":\"\\u00e9\"}", true, "escapes" },
		{ "{\"a\":1}{\"b\":2}", false, "two objects" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		autofree char *p = xasprintf("%s/j%zu.json", tmp, i);
		struct error *err = NULL;
		fs_write_replace(p, cases[i].text, strlen(cases[i].text), 0600, &err);
		err_free(&err);
		struct json_object *o = json_file_at(AT_FDCWD, p, CTR_JSON_MAX);
		ok((o != NULL) == cases[i].good, "json_at: %s", cases[i].what);
		json_object_put(o);
	}
	autofree char *missing = xasprintf("%s/nosuch.json", tmp);
	ok(json_file_at(AT_FDCWD, missing, CTR_JSON_MAX) == NULL, "json_at: a missing file");
	ok(json_file_at(AT_FDCWD, tmp, CTR_JSON_MAX) == NULL, "json_at: a directory");
	autofree char *fifo = xasprintf("%s/fifo.json", tmp);
	ok(mkfifo(fifo, 0600) == 0 && json_file_at(AT_FDCWD, fifo, CTR_JSON_MAX) == NULL,
	   "json_at: a FIFO, without waiting for a writer");
	/* Bigger than one read: parsed across reads. */
	size_t big = 20000;
	char *text = xmalloc(big + 16);
	strcpy(text, "{\"a\":\"");
	memset(text + 6, 'x', big);
	strcpy(text + 6 + big, "\"}\n");
	autofree char *p = xasprintf("%s/big.json", tmp);
	struct error *err = NULL;
	fs_write_replace(p, text, strlen(text), 0600, &err);
	err_free(&err);
	free(text);
	struct json_object *o = json_file_at(AT_FDCWD, p, CTR_JSON_MAX);
	is_int(o ? strlen(json_str(o, "a")) : 0, big, "json_at: a file of several reads");
	json_object_put(o);
	/* Relative to a directory fd. */
	autoclose int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	o = json_file_at(dfd, "big.json", CTR_JSON_MAX);
	ok(o != NULL, "json_at: relative to a dirfd");
	json_object_put(o);
}

/*
 * The store: one (new layout: state.json with the brief record), two (older: brief.json and
 * a state.json of only the state), three (hutch.json alone), four (hutch.json cut short:
 * no container), five (brief.json garbage: hutch.json read instead), six (state.json cut
 * short: created).
 */
static void make_store(void)
{
	const char *id1 = id_of("a1"), *id2 = id_of("a2"), *id3 = id_of("b3");
	const char *id4 = id_of("b4"), *id5 = id_of("c5"), *id6 = id_of("c6");
	autofree char *r1 = record(id1, "one", 1);
	put(id1, "hutch.json", r1);
	struct eng_ctr_state st = { .exit_code = 0 };
	struct error *err = NULL;
	is_int(ctr_state_write(s, id1, &st, "created", false, &err), 0, "state_write");
	err_free(&err);
	autofree char *r2 = record(id2, "two", 2);
	put(id2, "hutch.json", r2);
	put(id2, "brief.json",
	    "{\"Id\":\"x\",\"Name\":\"two\",\"Created\":\"2026-01-01T00:02:00Z\",\"Args\":[\"a\"]}");
	put(id2, "state.json",
	    "{\n  \"Status\":\"exited\",\n  \"ExitCode\":3,\n  \"Pid\":0,\n  \"RestartCount\":0\n}");
	autofree char *r3 = record(id3, "three", 3);
	put(id3, "hutch.json", r3);
	autofree char *r4 = record(id4, "four", 4);
	r4[strlen(r4) / 2] = '\0';
	put(id4, "hutch.json", r4);
	put(id4, "state.json", "{\"Status\":\"created\"}");
	autofree char *r5 = record(id5, "five", 5);
	put(id5, "hutch.json", r5);
	put(id5, "brief.json", "\x01\x02 not json");
	autofree char *r6 = record(id6, "six", 6);
	put(id6, "hutch.json", r6);
	put(id6, "state.json", "{\"Status\":\"exi");
	/* Valid JSON of the wrong shapes (json-c aborts on an array call on a non-array). */
	const char *id7 = id_of("f7"), *id8 = id_of("f8");
	autofree char *s7 =
	    xasprintf("{\"Id\":\"%s\",\"Name\":\"seven\",\"Created\":\"2026-01-01T00:07:00Z\","
		      "\"Args\":\"true\",\"Mounts\":{},\"Config\":{\"Labels\":[]},\"HostConfig\":"
		      "{\"Ports\":\"x\",\"NetworkMode\":1},\"Status\":\"created\"}",
		      id7);
	put(id7, "state.json", s7);
	autofree char *s8 =
	    xasprintf("{\"Id\":\"%s\",\"Name\":\"eight\",\"Created\":\"2026-01-01T00:08:00Z\","
		      "\"Args\":[null,1,\"x\"],\"Config\":7,\"HostConfig\":{\"Ports\":[1,null,"
		      "{\"HostPort\":\"a\"}]},\"Status\":5}",
		      id8);
	put(id8, "state.json", s8);
	/* Not containers. */
	autofree char *junk = path_of("not-an-id", NULL);
	mkdir(junk, 0700);
	autofree char *trash =
	    xasprintf("%s/containers/.trash-%s", storage_root(eng_storage(s)), id_of("e"));
	mkdir(trash, 0700);
}

static void test_lists(void)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *err = NULL;
	is_int(eng_ctr_list_brief(s, &v, &n, &err), 0, "list_brief");
	is_int(n, 7, "list_brief: seven containers (four's record is cut short)");
	struct eng_ctr *c = find(v, n, id_of("a1"));
	is_str(c ? c->name : NULL, "one", "one: the name from state.json");
	ok(c && json_get(c->doc, "Status") != NULL, "one: its doc is state.json");
	is_str(c ? json_str(json_get(c->doc, "Labels"), "k") : NULL, "v",
	       "one: the labels are in the brief record");
	is_str(c ? c->network : NULL, "none", "one: the network mode too");
	c = find(v, n, id_of("a2"));
	is_str(c ? c->name : NULL, "two", "two: the name from brief.json");
	is_int(c ? (int)c->state.status : -1, ENG_CTR_EXITED, "two: exited, from state.json");
	is_int(c ? c->state.exit_code : -1, 3, "two: its exit code");
	c = find(v, n, id_of("b3"));
	is_int(c ? (int)c->state.status : -1, ENG_CTR_CREATED, "three: no state.json: created");
	c = find(v, n, id_of("c5"));
	is_str(c ? c->name : NULL, "five", "five: garbage brief.json: hutch.json read instead");
	c = find(v, n, id_of("c6"));
	is_int(c ? (int)c->state.status : -1, ENG_CTR_CREATED, "six: cut state.json: created");
	c = find(v, n, id_of("f7"));
	autofree char *l7 = c ? ps_fmt_line(c, false) : NULL;
	has_str(l7, "seven", "seven: wrong shapes, a ps line all the same");
	c = find(v, n, id_of("f8"));
	autofree char *l8 = c ? ps_fmt_line(c, false) : NULL;
	has_str(l8, " 1 x\t", "eight: odd args shown as they come");
	for (size_t i = 0; i < n; i++) {
		json_object_put(ps_fmt_row(v[i], true));
		json_object_put(eng_ctr_inspect(v[i]));
		struct net_port *ports = NULL;
		size_t np = 0;
		eng_ctr_port_bindings(v[i], &ports, &np);
		free(ports);
	}
	ok(true, "ps rows, inspect and ports of every record, odd ones too");
	bool sorted = true;
	for (size_t i = 1; i < n; i++)
		sorted &= strcmp(v[i - 1]->created, v[i]->created) <= 0;
	ok(sorted, "list_brief: oldest first");
	eng_ctr_list_free(v, n);
	is_int(eng_ctr_list(s, &v, &n, &err), 0, "list");
	is_int(n, 5, "list: five (seven and eight have no hutch.json)");
	c = find(v, n, id_of("a2"));
	ok(c && json_get(c->doc, "HostConfig") == NULL && json_str(c->doc, "Network") &&
	       c->network && strcmp(c->network, "none") == 0,
	   "list: full records, in the current schema");
	eng_ctr_list_free(v, n);
}

/* Look q up: 0 with the container's name in *name, or the error's code. */
static int look(const char *q, char **name)
{
	struct eng_ctr *c = NULL;
	struct error *err = NULL;
	*name = NULL;
	int rc = eng_ctr_lookup(s, q, &c, &err);
	if (rc == 0)
		*name = xstrdup(c->name);
	else
		rc = err ? err->code : -1;
	eng_ctr_free(&c);
	err_free(&err);
	return rc;
}

static void test_lookup(void)
{
	autofree char *index = xasprintf("%s/containers/by-name", storage_root(eng_storage(s)));
	ok(!fs_exists(index), "no name index yet (a store of an older version)");
	char *name = NULL;
	is_int(look(id_of("a1"), &name), 0, "full ID");
	is_str(name, "one", "full ID: that container");
	free(name);
	ok(!fs_exists(index), "a full ID needs no index");
	is_int(look("two", &name), 0, "a name");
	is_str(name, "two", "a name: that container");
	free(name);
	struct stat st;
	ok(lstat(index, &st) == 0 && S_ISDIR(st.st_mode), "the index is built on first use");
	autofree char *e4 = xasprintf("%s/four", index);
	ok(!fs_exists(e4), "no entry for a record that cannot be read");
	is_int(look("six", &name), 0, "a name from the built index");
	free(name);
	is_int(look("a", &name), EINVAL, "an ambiguous prefix");
	is_int(look("b", &name), 0, "a prefix matching one readable record (and a broken one)");
	is_str(name, "three", "the prefix: that container");
	free(name);
	is_int(look("b4", &name), ENOENT, "a prefix of a broken record only");
	is_int(look(id_of("b4"), &name), ENOENT, "the full ID of a broken record");
	is_int(look("nosuch", &name), ENOENT, "an unknown name");
	is_int(look("", &name), ENOENT, "an empty name");
	is_int(look("../../etc/passwd", &name), ENOENT, "a path is no name");
	is_int(look("ABC", &name), ENOENT, "upper case is no ID prefix");

	/* Bad entries count for nothing. */
	autofree char *ghost = xasprintf("%s/ghost", index);
	ok(symlink(id_of("d"), ghost) == 0, "a dangling entry");
	is_int(look("ghost", &name), ENOENT, "a dangling entry: not found");
	autofree char *stale = xasprintf("%s/stale", index);
	ok(symlink(id_of("a1"), stale) == 0, "a stale entry (its container is named one)");
	is_int(look("stale", &name), ENOENT, "a stale entry: not found");
	autofree char *junk = xasprintf("%s/junk", index);
	ok(symlink("../../../etc", junk) == 0, "a junk entry");
	is_int(look("junk", &name), ENOENT, "a junk entry: not found");
	autofree char *file = xasprintf("%s/file", index);
	struct error *err = NULL;
	fs_write_replace(file, "x", 1, 0600, &err);
	is_int(look("file", &name), ENOENT, "a regular file in the index: not found");

	/* ctr_name_set overwrites; ctr_name_drop removes only its container's entry. */
	is_int(ctr_name_set(s, "ghost", id_of("b3"), &err), 0, "name_set over a dangling entry");
	is_int(look("ghost", &name), ENOENT, "  still validated against the record");
	ctr_name_drop(s, "one", id_of("a2"));
	is_int(look("one", &name), 0, "name_drop of another ID leaves the entry");
	free(name);
	ctr_name_drop(s, "one", id_of("a1"));
	is_int(look("one", &name), ENOENT, "name_drop removes it (a miss is trusted)");
	is_int(look(id_of("a1"), &name), 0, "  the ID still finds it");
	free(name);

	/* An index that is not a directory is rebuilt; so is a deleted one. */
	is_int(fs_rm_rf(index, &err), 0, "delete the index");
	fs_write_replace(index, "junk", 4, 0600, &err);
	is_int(look("one", &name), 0, "an index that is a file: rebuilt, the name found");
	free(name);
	ok(lstat(index, &st) == 0 && S_ISDIR(st.st_mode), "  a directory again");
	err_free(&err);
}

static void test_state_write(void)
{
	const char *id1 = id_of("a1");
	struct eng_ctr_state st = { .exit_code = 7, .finished_at = "2026-01-01T01:00:00Z" };
	struct error *err = NULL;
	is_int(ctr_state_write(s, id1, &st, "exited", true, &err), 0, "state_write exited");
	autofree char *sp = path_of(id1, "state.json");
	struct json_object *j = json_file_at(AT_FDCWD, sp, CTR_JSON_MAX);
	is_str(json_str(j, "Status"), "exited", "state.json: the state");
	is_str(json_str(j, "Name"), "one", "state.json: the brief record from hutch.json");
	json_object_put(j);
	ok(ctr_stopped_by_user(s, id1), "stopped by user");

	/* A rename: hutch.json changes, then the brief record; the state stays. */
	put(id1, "brief.json", "{\"Name\":\"one\"}");
	autofree char *r1 = record(id1, "uno", 1);
	put(id1, "hutch.json", r1);
	struct json_object *doc = json_tokener_parse(r1);
	is_int(ctr_brief_update(s, id1, doc, &err), 0, "brief_update");
	json_object_put(doc);
	j = json_file_at(AT_FDCWD, sp, CTR_JSON_MAX);
	is_str(json_str(j, "Name"), "uno", "brief_update: the new name");
	is_int(json_object_get_int(json_get(j, "ExitCode")), 7, "brief_update: the state kept");
	json_object_put(j);
	autofree char *bp = path_of(id1, "brief.json");
	ok(!fs_exists(bp), "brief_update: an older version's brief.json removed");

	/* A damaged hutch.json: the state is written all the same, without a brief record. */
	const char *id3 = id_of("b3");
	put(id3, "hutch.json", "{\"Id\":");
	is_int(ctr_state_write(s, id3, &st, "exited", false, &err), 0,
	       "state_write with a damaged record");
	autofree char *sp3 = path_of(id3, "state.json");
	j = json_file_at(AT_FDCWD, sp3, CTR_JSON_MAX);
	ok(j && json_get(j, "Id") == NULL && json_str(j, "Status"), "  state only");
	json_object_put(j);
	struct eng_ctr **v = NULL;
	size_t n = 0;
	eng_ctr_list_brief(s, &v, &n, &err);
	ok(find(v, n, id3) == NULL, "  and ps no longer lists it");
	eng_ctr_list_free(v, n);
	err_free(&err);
}

/* A whole hutch.json of version 1, as its create wrote it (a pod member, every option). */
static const char *const old_record =
    "{\"Id\":\"%s\",\"Name\":\"old\",\"Created\":\"2026-01-01T00:09:00Z\",\"Image\":\"img\","
    "\"ImageName\":\"base\",\"Pod\":\"%s\",\"IsInfra\":false,\"Path\":\"sh\","
    "\"Args\":[\"sh\",\"-c\",\"exit 2\"],\"Config\":{\"Hostname\":\"h1\",\"User\":\"1:2\","
    "\"Env\":[\"A=1\"],\"Cmd\":[\"sh\",\"-c\",\"exit 2\"],\"WorkingDir\":\"/w\","
    "\"Labels\":{\"k\":\"v\"},\"Annotations\":{\"a\":\"b\"},\"StopSignal\":\"SIGINT\","
    "\"StopTimeout\":7,\"Tty\":true,\"OpenStdin\":true},\"HostConfig\":{\"AutoRemove\":true,"
    "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":3},\"LogConfig\":"
    "{\"Type\":\"none\",\"Size\":1024},\"NetworkMode\":\"container:%s\",\"Ports\":"
    "[{\"HostIp\":\"127.0.0.1\",\"HostPort\":8080,\"ContainerPort\":80,\"Count\":2,"
    "\"Protocol\":\"udp\"}],\"Dns\":[\"1.1.1.1\"],\"DnsSearch\":[\"x.org\"],\"DnsOptions\":"
    "[\"ndots:2\"],\"ExtraHosts\":[\"h:1.2.3.4\"],\"UsernsMode\":\"keep-id\","
    "\"Privileged\":false,\"ReadonlyRootfs\":true,\"Init\":true,\"Interactive\":true},"
    "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"/v\",\"Destination\":\"/d\",\"RW\":true}]}";

/* Its brief record and state in state.json, as version 1 wrote them: exited, once
 * restarted. */
static const char *const old_state =
    "{\"Id\":\"%s\",\"Name\":\"old\",\"Created\":\"2026-01-01T00:09:00Z\",\"Image\":\"img\","
    "\"ImageName\":\"base\",\"Args\":[\"sh\",\"-c\",\"exit 2\"],\"Pod\":\"%s\","
    "\"IsInfra\":false,\"Mounts\":[],\"Config\":{\"Labels\":{\"k\":\"v\"}},\"HostConfig\":"
    "{\"Ports\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":8080,\"ContainerPort\":80,"
    "\"Count\":2,\"Protocol\":\"udp\"}],\"NetworkMode\":\"container:%s\"},\"Status\":\"exited\","
    "\"StartedAt\":\"2026-01-01T00:10:00Z\",\"FinishedAt\":\"2026-01-01T00:11:00Z\","
    "\"ExitCode\":2,\"Pid\":0,\"RestartCount\":1,\"StoppedByUser\":false}";

/* The typed fields of the version 1 record above. */
static void check_old_fields(const struct eng_ctr *c, bool brief, const char *what)
{
	is_str(c->name, "old", "%s: name", what);
	is_str(c->pod, id_of("90"), "%s: pod", what);
	ok(!c->infra, "%s: not the infra", what);
	autofree char *net = xasprintf("container:%s", id_of("91"));
	is_str(c->network, net, "%s: network", what);
	is_int(c->n_ports, 1, "%s: one port range", what);
	ok(c->n_ports == 1 && c->ports[0].host_port == 8080 && c->ports[0].container_port == 80 &&
	       c->ports[0].count == 2 && c->ports[0].proto == NET_PROTO_UDP &&
	       strcmp(c->ports[0].host_ip, "127.0.0.1") == 0,
	   "%s: the port range", what);
	is_str(json_str(json_get(c->doc, "Labels"), "k"), "v", "%s: labels", what);
	ok(json_get(c->doc, "HostConfig") == NULL && json_get(c->doc, "Config") == NULL &&
	       json_object_get_int(json_get(c->doc, "Version")) == ENG_CTR_RECORD_VERSION,
	   "%s: converted to the current schema", what);
	is_int(c->state.status, ENG_CTR_EXITED, "%s: the state kept: exited", what);
	is_int(c->state.exit_code, 2, "%s: its exit code", what);
	is_str(c->state.started_at, "2026-01-01T00:10:00Z", "%s: started at", what);
	is_int(c->state.restart_count, 1, "%s: restarted once", what);
	if (brief)
		return;
	is_str(c->userns, "keep-id", "%s: userns", what);
	is_str(c->hostname, "h1", "%s: hostname", what);
	ok(c->auto_remove && c->tty && c->open_stdin, "%s: --rm, -t, -i", what);
	is_str(c->restart_policy, "on-failure", "%s: restart policy", what);
	is_int(c->restart_max, 3, "%s: restart retries", what);
	is_str(c->log_driver, "none", "%s: log driver", what);
	is_int((int)c->log_max_size, 1024, "%s: log size", what);
	is_str(c->stop_signal, "SIGINT", "%s: stop signal", what);
	is_int((int)c->stop_timeout, 7, "%s: stop timeout", what);
	ok(c->dns && strcmp(c->dns[0], "1.1.1.1") == 0 && c->dns_search && c->dns_options &&
	       c->extra_hosts && strcmp(c->extra_hosts[0], "h:1.2.3.4") == 0,
	   "%s: dns and hosts", what);
}

/* podman's inspect of the record above as version 1 printed it: the record with the state
 * and the published ports after it; since then ImageDigest (empty: the record has none)
 * and LogConfig's Path and Size in podman's units. */
static char *old_inspect(const char *rec)
{
	struct json_object *was = json_tokener_parse(rec), *doc = json_object_new_object();
	json_object_object_foreach (was, k, v) {
		json_object_object_add(doc, k, json_object_get(v));
		if (strcmp(k, "ImageName") == 0)
			json_object_object_add(doc, "ImageDigest", json_object_new_string(""));
	}
	json_object_put(was);
	json_object_object_add(json_get(doc, "HostConfig"), "LogConfig",
			       json_tokener_parse("{\"Type\":\"none\",\"Path\":\"\","
						  "\"Size\":\"1.024kB\"}"));
	struct json_object *st = json_tokener_parse(
	    "{\"Status\":\"exited\",\"Running\":false,\"Paused\":false,\"Pid\":0,\"ConmonPid\":0,"
	    "\"ExitCode\":2,\"StartedAt\":\"2026-01-01T00:10:00Z\",\"FinishedAt\":"
	    "\"2026-01-01T00:11:00Z\"}");
	/* Since healthchecks, as podman 4.3.1: none for a record from before them. */
	json_object_object_add(json_get(doc, "Config"), "HealthcheckOnFailureAction",
			       json_object_new_string("none"));
	json_object_object_add(st, "Health",
			       json_tokener_parse("{\"Status\":\"\",\"FailingStreak\":0,"
						  "\"Log\":null}"));
	json_object_object_add(doc, "State", st);
	json_object_object_add(doc, "RestartCount", json_object_new_int(1));
	json_object_object_add(
	    doc, "NetworkSettings",
	    json_tokener_parse("{\"Ports\":{\"80/udp\":[{\"HostIp\":\"127.0.0.1\","
			       "\"HostPort\":\"8080\"}],\"81/udp\":[{\"HostIp\":"
			       "\"127.0.0.1\",\"HostPort\":\"8081\"}]}}"));
	char *text = xstrdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
	json_object_put(doc);
	return text;
}

static void test_upgrade(void)
{
	const char *id = id_of("99"), *pod = id_of("90"), *target = id_of("91");
	autofree char *rec = xasprintf(old_record, id, pod, target);
	autofree char *state = xasprintf(old_state, id, pod, target);
	put(id, "hutch.json", rec);
	put(id, "state.json", state);

	autoctr struct eng_ctr *full = ctr_load(s, AT_FDCWD, id, false);
	ok(full != NULL, "upgrade: a version 1 record loads");
	if (full != NULL)
		check_old_fields(full, false, "full");
	autoctr struct eng_ctr *brief = ctr_load(s, AT_FDCWD, id, true);
	ok(brief != NULL, "upgrade: a version 1 brief record loads");
	if (brief != NULL)
		check_old_fields(brief, true, "brief");
	autofree char *net = full ? eng_ctr_net_target(full) : NULL;
	is_str(net, target, "upgrade: the network namespace's owner");
	autoctr struct eng_ctr *found = NULL;
	struct error *err = NULL;
	is_int(eng_ctr_lookup(s, id, &found, &err), 0, "upgrade: found by its ID");

	/* podman's inspect, made by the front end from the engine's facts, is what version 1
	 * printed, byte for byte. */
	struct json_object *facts = full ? eng_ctr_inspect(full) : NULL;
	ok(facts && json_get(facts, "HostConfig") == NULL, "upgrade: the engine's facts");
	struct json_object *podman = inspect_ctr_podman(facts);
	autofree char *want = old_inspect(rec);
	is_str(json_object_to_json_string_ext(podman, JSON_C_TO_STRING_PRETTY), want,
	       "upgrade: podman's inspect as before");
	json_object_put(podman);
	json_object_put(facts);

	/* Loading converts in memory only. */
	autofree char *rp = path_of(id, "hutch.json");
	struct json_object *j = json_file_at(AT_FDCWD, rp, CTR_JSON_MAX);
	ok(json_get(j, "HostConfig") != NULL, "upgrade: hutch.json left as it was");
	json_object_put(j);
	/* The next state change writes the brief record in the current schema, state kept. */
	struct eng_ctr_state st = full->state;
	st.exit_code = 5;
	is_int(ctr_state_write(s, id, &st, "exited", false, &err), 0, "upgrade: state_write");
	autofree char *sp = path_of(id, "state.json");
	j = json_file_at(AT_FDCWD, sp, CTR_JSON_MAX);
	ok(j && json_get(j, "HostConfig") == NULL && json_get(j, "Config") == NULL &&
	       json_object_get_int(json_get(j, "Version")) == ENG_CTR_RECORD_VERSION,
	   "upgrade: state.json's brief record rewritten in the current schema");
	is_int(json_object_get_int(json_get(j, "ExitCode")), 5, "upgrade: the new state");
	is_int(json_object_get_int(json_get(j, "RestartCount")), 1, "upgrade: restarts kept");
	json_object_put(j);
	eng_ctr_free(&brief);
	brief = ctr_load(s, AT_FDCWD, id, true);
	ok(brief && brief->n_ports == 1 && brief->pod && strcmp(brief->network + 10, target) == 0,
	   "upgrade: the rewritten brief record reads back");
	/* A rename rewrites hutch.json, converted. */
	is_int(eng_ctr_rename(s, found, "newer", &err), 0, "upgrade: rename");
	j = json_file_at(AT_FDCWD, rp, CTR_JSON_MAX);
	ok(j && json_get(j, "HostConfig") == NULL && json_str(j, "Network") &&
	       strcmp(json_str(j, "Name"), "newer") == 0,
	   "upgrade: the renamed record is written in the current schema");
	json_object_put(j);
	eng_ctr_free(&full);
	full = ctr_load(s, AT_FDCWD, id, false);
	ok(full && full->auto_remove && strcmp(full->log_driver, "none") == 0,
	   "upgrade: and reads back the same");
	err_free(&err);
	autofree char *dir = path_of(id, NULL);
	fs_rm_rf(dir, &err);
	err_free(&err);
}

/* A container removed between its lookup and its lock: said as such, not as ENOENT raw. */
static void test_lock_gone(void)
{
	struct error *err = NULL;
	int fd =
	    ctr_lock(s, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &err);
	is_int(fd, -1, "locking a container that is gone fails");
	is_int(err ? err->code : 0, ENOENT, "with ENOENT");
	is_str(err ? err->msg : NULL,
	       "container 0123456789ab was removed meanwhile by another command: no such container",
	       "naming what happened, in a lookup's words");
	err_free(&err);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-record-XXXXXX";
	tmp = mkdtemp(tmpl);
	if (tmp == NULL)
		return 1;
	autofree char *data = xasprintf("%s/data", tmp);
	autofree char *cfg = xasprintf("%s/config", tmp);
	autofree char *run = xasprintf("%s/run", tmp);
	mkdir(run, 0700);
	setenv("XDG_DATA_HOME", data, 1);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	setenv("XDG_RUNTIME_DIR", run, 1);
	struct error *err = NULL;
	if (eng_open(NULL, &s, &err) < 0) {
		printf("# %s\n", err->msg);
		err_free(&err);
		return 1;
	}
	test_json_at();
	make_store();
	test_lists();
	test_lookup();
	test_state_write();
	test_upgrade();
	test_lock_gone();
	eng_close(&s);
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
