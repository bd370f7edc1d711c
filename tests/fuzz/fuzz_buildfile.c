/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: a Containerfile (oci/engine/buildfile.c eng_bf_parse), then every
 * instruction's arguments through Docker's word substitution (eng_bf_words, split and
 * whole) and the raw pair split (eng_bf_split_raw), as `build` runs them.
 */
#include "oci/engine.h"
#include "tests/fuzz/fuzz.h"

static const char *lookup(void *arg, const char *name)
{
	(void)arg;
	if (name[0] == 'A')
		return "value with blanks";
	if (name[0] == 'E')
		return "";
	return NULL;
}

static void words(const struct eng_bf_instr *in, char esc)
{
	struct eng_bf_expand e = { .escape = esc, .lookup = lookup, .file = "F", .line = in->line };
	for (int split = 0; split < 2; split++) {
		char **w = NULL;
		struct error *err = NULL;
		int rc = eng_bf_words(in->args, &e, split, &w, &err);
		fuzz_check_err("eng_bf_words", rc, &err);
		if (rc == 0 && w == NULL)
			fuzz_fail("eng_bf_words succeeded without a vector");
		strv_free(w);
	}
	strv_free(eng_bf_split_raw(in->args, esc));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1 << 20))
		return -1;
	struct eng_bf b;
	struct error *err = NULL;
	int rc = eng_bf_parse((const char *)data, size, "F", &b, &err);
	fuzz_check_err("eng_bf_parse", rc, &err);
	if (rc < 0) {
		if (b.v != NULL || b.n != 0)
			fuzz_fail("a failed parse left instructions");
		return 0;
	}
	if (b.escape != '\\' && b.escape != '`')
		fuzz_fail("escape character %d", b.escape);
	for (size_t i = 0; i < b.n; i++) {
		const struct eng_bf_instr *in = &b.v[i];
		if (in->cmd == NULL || in->args == NULL || in->original == NULL || in->line < 1)
			fuzz_fail("instruction %zu incomplete", i);
		for (size_t h = 0; h < in->n_heredocs; h++)
			if (in->heredocs[h].body == NULL && in->onbuild == NULL)
				fuzz_fail("heredoc without a body");
		words(in, b.escape);
	}
	eng_bf_clear(&b);
	return 0;
}
