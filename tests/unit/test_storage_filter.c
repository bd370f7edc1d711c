/* SPDX-License-Identifier: Apache-2.0 */
/* storage/filter.c: the `images --filter` rules, their errors and podman's reference globs. */
#include "storage/storage.h"
#include "lib/json.h"
#include "tests/unit/tap.h"

static void bad(const char *filter, const char *want)
{
	char *const list[] = { (char *)filter, NULL };
	struct storage_image_filter f = { 0 };
	struct error *err = NULL;
	is_int(storage_image_filter_parse(list, &f, &err), -1, "%s is refused", filter);
	is_str(err ? err->msg : NULL, want, "%s: message", filter);
	is_int(err ? (int)err->kind : -1, ERR_USAGE, "%s: a usage error", filter);
	err_free(&err);
	storage_image_filter_clear(&f);
}

static bool match(const char *filter, char **names)
{
	char *const list[] = { (char *)filter, NULL };
	struct storage_image_filter f = { 0 };
	struct error *err = NULL;
	struct storage_image img = { .names = names };
	bool m =
	    storage_image_filter_parse(list, &f, &err) == 0 && storage_image_filter_match(&f, &img);
	err_free(&err);
	storage_image_filter_clear(&f);
	return m;
}

int main(void)
{
	bad("dangling", "invalid filter \"dangling\": want KEY=VALUE");
	bad("dangling=yes", "invalid filter \"dangling=yes\": want true or false");
	bad("label=a=b",
	    "unsupported filter \"label\": hutch supports dangling, reference, after, since and before");

	char *alpine[] = { "docker.io/library/alpine:3.19", NULL };
	char *none[] = { NULL };
	ok(match("reference=alpine", alpine), "a short name matches the repository");
	ok(match("reference=alpine:3.19", alpine), "and with its tag");
	ok(match("reference=*/library/alp*", alpine), "a glob on a trailing path");
	ok(match("reference=docker.io/library/alpine:3.19", alpine), "the whole name");
	ok(!match("reference=alp", alpine), "not a prefix");
	ok(!match("reference=alpine:3.18", alpine), "not another tag");
	ok(!match("reference=alpine", none), "a dangling image has no name to match");
	ok(match("dangling=true", none), "dangling=true keeps untagged images");
	ok(!match("dangling=true", alpine), "and drops tagged ones");
	ok(match("dangling=false", alpine), "dangling=false keeps tagged images");
	ok(!match("dangling=false", none), "and drops untagged ones");

	/* Several reference filters: each must match some name. */
	char *const two[] = { "reference=alpine", "reference=busybox", NULL };
	char *both[] = { "docker.io/library/alpine:latest", "localhost/busybox:1", NULL };
	struct storage_image_filter f = { 0 };
	struct storage_image img = { .names = both };
	is_int(storage_image_filter_parse(two, &f, NULL), 0, "two references parse");
	ok(storage_image_filter_match(&f, &img), "an image with both names passes");
	img.names = alpine;
	ok(!storage_image_filter_match(&f, &img), "one with only one does not");
	storage_image_filter_clear(&f);

	/* after= (since=) and before=: by the configs' "created", to the nanosecond and with
	 * offsets; the reference image's time is set here as storage_image_filter_resolve
	 * would. */
	struct storage_image older = { .names = alpine,
				       .config = json_tokener_parse(
					   "{\"created\":\"2020-01-01T00:00:00.000000001Z\"}") };
	struct storage_image newer = { .names = alpine,
				       .config = json_tokener_parse(
					   "{\"created\":\"2020-01-01T01:00:00.5+01:00\"}") };
	char *const after[] = { "since=older", NULL };
	is_int(storage_image_filter_parse(after, &f, NULL), 0, "since= parses");
	f.after_ns = 1577836800LL * 1000000000 + 1;
	ok(!storage_image_filter_match(&f, &older), "after: not the image itself");
	ok(storage_image_filter_match(&f, &newer), "after: a newer one (0.5 s, offset applied)");
	storage_image_filter_clear(&f);
	char *const before[] = { "before=newer", NULL };
	is_int(storage_image_filter_parse(before, &f, NULL), 0, "before= parses");
	f.before_ns = 1577836800LL * 1000000000 + 500000000;
	ok(storage_image_filter_match(&f, &older), "before: an older one");
	ok(!storage_image_filter_match(&f, &newer), "before: not the image itself");
	storage_image_filter_clear(&f);
	json_object_put(older.config);
	json_object_put(newer.config);
	return done_testing();
}
