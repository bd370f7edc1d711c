/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: config.json (oci/runtime/spec.c oci_spec_parse, with the seccomp
 * section's decoder), the same text as an `exec --process` document (oci_process_parse),
 * and, for a spec with a seccomp section, the filter compiled as `create` does
 * (oci_seccomp_compile, without the cache).
 */
#include "oci/runtime/runtime.h"
#include "tests/fuzz/fuzz.h"

static void compile_seccomp(const struct rt_spec *s)
{
	struct oci_seccomp_prog *prog = NULL;
	struct error *err = NULL;
	int rc = oci_seccomp_compile(s->lx.seccomp, NULL, &prog, &err);
	fuzz_check_err("oci_seccomp_compile", rc, &err);
	if (rc == 0 && (s->lx.seccomp == NULL) != (prog == NULL))
		fuzz_fail("a seccomp section compiled to %s", prog ? "a filter" : "nothing");
	oci_seccomp_prog_free(prog);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_current_level = LOG_LEVEL_ERROR; /* unknown capabilities are warnings */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	autofree char *text = fuzz_cstr(data, size);
	if (text == NULL || size > (16 << 20))
		return -1; /* oci_spec_load reads at most 16 MiB */
	struct rt_spec s;
	struct error *err = NULL;
	int rc = oci_spec_parse(text, &s, &err);
	fuzz_check_err("oci_spec_parse", rc, &err);
	if (rc == 0) {
		if (s.root_path == NULL || *s.root_path == '\0' || s.process.args == NULL ||
		    s.process.args[0] == NULL || s.process.cwd == NULL || s.process.cwd[0] != '/')
			fuzz_fail("config accepted without root.path, process.args or an "
				  "absolute process.cwd");
		compile_seccomp(&s);
		oci_spec_clear(&s);
	}
	struct rt_process p;
	rc = oci_process_parse(text, &p, &err);
	fuzz_check_err("oci_process_parse", rc, &err);
	if (rc == 0)
		oci_process_clear(&p);
	return 0;
}
