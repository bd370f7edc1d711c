/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: image references (storage/reference.c). Any string either fails with a
 * message or parses into a reference whose string form parses back to the same reference,
 * before and after qualifying (unless qualifying refuses it): a name that changes meaning
 * or stops parsing once printed (in a record, a tag, a log line) could point at another
 * image, or at none.
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

static void round_trip(const char *in, const struct storage_ref *r)
{
	autofree char *s = storage_ref_string(r);
	struct storage_ref again;
	struct error *err = NULL;
	if (storage_ref_parse(s, &again, &err) < 0)
		fuzz_fail("\"%s\" printed as \"%s\", which does not parse: %s", in, s, err->msg);
	autofree char *s2 = storage_ref_string(&again);
	if (strcmp(s, s2) != 0)
		fuzz_fail("\"%s\" printed as \"%s\", then as \"%s\"", in, s, s2);
	storage_ref_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	autofree char *in = fuzz_cstr(data, size);
	if (in == NULL)
		return -1;
	struct storage_ref r;
	struct error *err = NULL;
	int rc = storage_ref_parse(in, &r, &err);
	fuzz_check_err("storage_ref_parse", rc, &err);
	if (rc < 0)
		return 0;
	if (r.path == NULL || (r.tag == NULL && r.digest == NULL))
		fuzz_fail("\"%s\" parsed without a path or without both tag and digest", in);
	if (r.digest != NULL && !storage_digest_valid(r.digest))
		fuzz_fail("\"%s\" parsed with an invalid digest \"%s\"", in, r.digest);
	round_trip(in, &r);
	rc = storage_ref_qualify(&r, "docker.io", &err);
	fuzz_check_err("storage_ref_qualify", rc, &err);
	if (rc < 0) {
		storage_ref_clear(&r);
		return 0;
	}
	round_trip(in, &r);
	autofree char *name = storage_ref_name(&r);
	if (strncmp(name, r.domain, strlen(r.domain)) != 0)
		fuzz_fail("\"%s\": name \"%s\" does not start with its domain", in, name);
	storage_ref_clear(&r);
	return 0;
}
