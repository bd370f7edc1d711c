/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: registries.conf (storage/regconf.c, the TOML subset reader), then the
 * lookups a pull makes in what it read: the [[registry]] for a name, and an alias.
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

static void lookups(const struct storage_regconf *c)
{
	static const char *const names[] = { "docker.io/library/alpine", "quay.io/a/b:1",
					     "127.0.0.1:5000/x@sha256:00", "a.example.com/p", "" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t matched = 0;
		const struct regconf_registry *r = storage_regconf_find(c, names[i], &matched);
		if ((r == NULL) != (matched == 0) || matched > strlen(names[i]))
			fuzz_fail("registry for \"%s\" matched %zu characters", names[i], matched);
	}
	for (size_t i = 0; c->alias_keys != NULL && c->alias_keys[i] != NULL; i++)
		if (storage_regconf_alias(c, c->alias_keys[i]) == NULL)
			fuzz_fail("alias \"%s\" read but not found", c->alias_keys[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	autofree char *text = fuzz_cstr(data, size);
	if (text == NULL || size > (1 << 20))
		return -1; /* regconf.c reads at most 1 MiB of a file */
	struct storage_regconf c = { 0 };
	struct error *err = NULL;
	int rc = storage_regconf_parse("registries.conf", text, &c, &err);
	fuzz_check_err("storage_regconf_parse", rc, &err);
	lookups(&c);
	storage_regconf_clear(&c);
	return 0;
}
