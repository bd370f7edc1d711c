/* SPDX-License-Identifier: Apache-2.0 */
/* lib/json.c: typed getters on documents of the wrong shape, bounded file reading, and the
 * decoders' error messages. Runs under ASan: a getter that asks json-c for the length of a
 * non-array aborts the program. */
#include "lib/json.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct json_object *doc(const char *text)
{
	return json_tokener_parse(text);
}

static void test_getters(void)
{
	struct json_object *o = doc("{\"s\":\"x\",\"n\":1,\"z\":null,\"a\":[\"p\",2,\"q\",null],"
				    "\"e\":[],\"o\":{\"s\":\"in\"}}");
	ok(o != NULL, "test document parses");
	is_str(json_str(o, "s"), "x", "string member");
	is_str(json_str(o, "n"), NULL, "a number is no string");
	is_str(json_str(o, "z"), NULL, "null is no string");
	is_str(json_str(o, "missing"), NULL, "missing member");
	is_str(json_str(NULL, "s"), NULL, "NULL object");
	is_str(json_str(json_get(o, "a"), "s"), NULL, "member of an array: NULL");
	is_str(json_str(json_get(o, "s"), "s"), NULL, "member of a string: NULL");
	is_str(json_str(json_get(o, "o"), "s"), "in", "nested member");
	ok(json_get(o, "z") == NULL, "null member is absent");
	ok(json_get(o, "n") != NULL, "json_get of a number");
	ok(json_get_type(o, "n", json_type_string) == NULL, "json_get_type refuses another type");
	ok(json_get_type(o, "o", json_type_object) != NULL, "json_get_type of the right type");
	autofree char *d = json_str_dup(o, "s");
	is_str(d, "x", "json_str_dup copies");
	ok(json_str_dup(o, "n") == NULL, "json_str_dup of a number");

	is_int(json_len(json_get(o, "a")), 4, "array length");
	is_int(json_len(json_get(o, "s")), 0, "length of a string: 0, no abort");
	is_int(json_len(json_get(o, "o")), 0, "length of an object: 0");
	is_int(json_len(NULL), 0, "length of NULL: 0");
	ok(json_idx(json_get(o, "a"), 3) == NULL, "null element");
	ok(json_idx(json_get(o, "a"), 4) == NULL, "index past the end");
	ok(json_idx(json_get(o, "o"), 0) == NULL, "index into an object");
	is_str(json_object_get_string(json_idx(json_get(o, "a"), 2)), "q", "element 2");

	autostrv char **v = json_strv(json_get(o, "a"));
	is_int(strv_len(v), 2, "json_strv keeps the strings only (number and null skipped)");
	is_str(v ? v[0] : NULL, "p", "first string");
	is_str(v ? v[1] : NULL, "q", "second string");
	ok(json_strv(json_get(o, "e")) == NULL, "empty array: NULL");
	ok(json_strv(json_get(o, "s")) == NULL, "a string is no array: NULL");
	ok(json_strv(json_get(o, "o")) == NULL, "an object is no array: NULL");

	char **all = (char **)1;
	size_t bad = 99;
	is_int(json_strv_all(json_get(o, "a"), &all, &bad), -1, "json_strv_all refuses a number");
	is_int(bad, 1, "and names its index");
	ok(all == NULL, "with nothing in *out");
	is_int(json_strv_all(json_get(o, "n"), &all, &bad), 0, "json_strv_all of no array: 0");
	ok(all == NULL, "and NULL");
	is_int(json_strv_all(json_get(o, "e"), &all, &bad), 0, "json_strv_all of []: 0");
	ok(all != NULL && all[0] == NULL, "and an empty vector");
	strv_free(all);
	json_object_put(o);
}

static void test_from_strv(void)
{
	char *v[] = { "a", "b\"c", NULL };
	struct json_object *a = json_from_strv(v);
	is_str(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "[\"a\",\"b\\\"c\"]",
	       "json_from_strv");
	autostrv char **back = json_strv(a);
	is_str(back ? back[1] : NULL, "b\"c", "and back");
	json_object_put(a);
	char *kv[] = { "a=1", "b", "c=x=y", "a=2", NULL };
	a = json_from_kv(kv);
	is_str(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
	       "{\"a\":\"2\",\"b\":\"\",\"c\":\"x=y\"}", "json_from_kv");
	json_object_put(a);
	a = json_from_kv(NULL);
	is_str(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "{}", "NULL: {}");
	json_object_put(a);
	a = json_from_strv(NULL);
	is_str(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), "[]", "NULL: []");
	json_object_put(a);
}

static char tmpl[] = "/tmp/hutch-json-XXXXXX";
static int dirfd_;

static void put(const char *name, const char *text, size_t len)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, text, len) == (ssize_t)len, "write %s", name);
	close(fd);
}

static void test_file_at(void)
{
	struct json_object *o;
	put("ok.json", "{\"a\":\"b\"}\n", 10);
	o = json_file_at(dirfd_, "ok.json", 1024);
	is_str(json_str(o, "a"), "b", "a small file");
	json_object_put(o);
	ok(json_file_at(dirfd_, "ok.json", 5) == NULL, "longer than max: NULL");
	ok(json_file_at(dirfd_, "missing.json", 1024) == NULL, "missing: NULL");
	put("short.json", "{\"a\":\"b", 7);
	ok(json_file_at(dirfd_, "short.json", 1024) == NULL, "cut short: NULL");
	put("trail.json", "{\"a\":1} x", 9);
	ok(json_file_at(dirfd_, "trail.json", 1024) == NULL, "trailing garbage: NULL");
	put("two.json", "{} {}", 5);
	ok(json_file_at(dirfd_, "two.json", 1024) == NULL, "two documents: NULL");
	put("array.json", "[1,2]", 5);
	ok(json_file_at(dirfd_, "array.json", 1024) == NULL, "an array, not an object: NULL");
	put("empty.json", "", 0);
	ok(json_file_at(dirfd_, "empty.json", 1024) == NULL, "empty: NULL");
	/* A file of many reads: a long string member, then the closing brace. */
	size_t n = 3 * 4096 + 100;
	autofree char *big = xmalloc(n + 16);
	memcpy(big, "{\"k\":\"", 6);
	memset(big + 6, 'x', n - 8);
	memcpy(big + n - 2, "\"}", 2);
	put("big.json", big, n);
	o = json_file_at(dirfd_, "big.json", n);
	is_int(strlen(json_str(o, "k") ? json_str(o, "k") : ""), n - 8, "a file of several reads");
	json_object_put(o);
	ok(json_file_at(dirfd_, "big.json", n - 1) == NULL, "one byte over max: NULL");
	ok(mkfifoat(dirfd_, "fifo.json", 0600) == 0, "mkfifo");
	ok(json_file_at(dirfd_, "fifo.json", 1024) == NULL, "a FIFO does not hang");
	ok(json_file_at(dirfd_, ".", 1024) == NULL, "a directory: NULL");
}

static void test_fields(void)
{
	struct json_object *o = doc("{\"s\":\"x\",\"n\":-1,\"z\":null,\"a\":[\"p\",\"q\"],"
				    "\"m\":[\"p\",{}],\"e\":[]}");
	struct json_object *v = NULL;
	struct error *err = NULL;
	char *s = NULL;
	char **sv = NULL;

	is_int(json_field(o, "s", "root.s", json_type_string, true, &v, &err), 0, "field ok");
	is_str(json_object_get_string(v), "x", "its value");
	is_int(json_field(o, "missing", "root.m", json_type_string, false, &v, &err), 0,
	       "optional missing: 0");
	ok(v == NULL, "and NULL");
	is_int(json_field(o, "z", "root.z", json_type_int, true, &v, &err), -1, "required null");
	is_str(err ? err->msg : NULL, "root.z: required field missing", "its message");
	is_int(json_field(o, "n", "root.n", json_type_string, false, &v, &err), -1, "wrong type");
	is_str(err ? err->msg : NULL, "root.n: must be a string", "its message");
	is_int(json_field(o, "s", "p", json_type_array, false, &v, &err), -1, "not an array");
	is_str(err ? err->msg : NULL, "p: must be an array", "its message");

	is_int(json_field_strv(o, "a", "x.a", false, true, &sv, &err), 0, "strv field");
	is_int(strv_len(sv), 2, "two strings");
	strv_free(sv);
	sv = NULL;
	is_int(json_field_strv(o, "e", "x.e", false, false, &sv, &err), 0, "empty array");
	ok(sv != NULL && sv[0] == NULL, "an empty vector, not NULL");
	strv_free(sv);
	sv = NULL;
	is_int(json_field_strv(o, "e", "x.e", false, true, &sv, &err), -1, "empty, nonempty");
	is_str(err ? err->msg : NULL, "x.e: must be a non-empty array", "its message");
	is_int(json_field_strv(o, "missing", "x.q", false, true, &sv, &err), -1, "missing");
	is_str(err ? err->msg : NULL, "x.q: must be a non-empty array", "its message");
	is_int(json_field_strv(o, "missing", "x.q", true, false, &sv, &err), -1, "required");
	is_str(err ? err->msg : NULL, "x.q: required field missing", "its message");
	is_int(json_field_strv(o, "m", "x.m", false, false, &sv, &err), -1, "object element");
	is_str(err ? err->msg : NULL, "x.m[1]: must be a string", "its message");
	ok(sv == NULL, "nothing in *out");
	is_int(json_field_strv(o, "s", "x.s", false, true, &sv, &err), -1, "a string, nonempty");
	is_str(err ? err->msg : NULL, "x.s: must be a non-empty array", "its message");

	is_int(json_req_str(o, "s", "manifest", &s, &err), 0, "req_str");
	is_str(s, "x", "its value");
	free(s);
	is_int(json_req_str(o, "n", "manifest", &s, &err), -1, "req_str of a number");
	is_str(err ? err->msg : NULL, "manifest: \"n\" is missing or not a string", "its message");
	is_int(json_opt_str(o, "z", "manifest", &s, &err), 0, "opt_str of null");
	ok(s == NULL, "is NULL");
	is_int(json_opt_str(o, "n", "manifest", &s, &err), -1, "opt_str of a number");
	is_str(err ? err->msg : NULL, "manifest: \"n\" is not a string", "its message");
	is_int(json_req_array(o, "a", "index", &v, &err), 0, "req_array");
	is_int(json_len(v), 2, "its length");
	is_int(json_req_array(o, "s", "index", &v, &err), -1, "req_array of a string");
	is_str(err ? err->msg : NULL, "index: \"s\" is missing or not an array", "its message");
	ok(v == NULL, "NULL out");
	is_int(json_req_str(NULL, "s", "doc", &s, &err), -1, "req_str on NULL");
	is_str(json_type_name(json_type_boolean), "a boolean", "type name");
	err_free(&err);
	json_object_put(o);
}

int main(void)
{
	test_getters();
	test_from_strv();
	test_fields();
	if (mkdtemp(tmpl) == NULL || (dirfd_ = open(tmpl, O_PATH | O_DIRECTORY)) < 0) {
		skip("no temporary directory");
		return done_testing();
	}
	test_file_at();
	close(dirfd_);
	char *argv[] = { "rm", "-rf", tmpl, NULL };
	char *out = NULL;
	int status = 0;
	struct error *err = NULL;
	proc_capture(argv, &out, &status, &err);
	free(out);
	err_free(&err);
	return done_testing();
}
