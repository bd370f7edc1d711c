/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the libFuzzer targets in tests/fuzz/ share (header-only): the entry points'
 * prototypes, a NUL-terminated copy of an input for the parsers that take C strings, and
 * the project's error rule as an assertion: a failure return always carries a message.
 * A target aborts on anything that is a bug; libFuzzer then saves the input.
 */
#pragma once

#include "lib/lib.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Report a broken invariant and abort: libFuzzer saves the input as a crash. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz: invariant broken: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/*
 * The input as a C string (owned), or NULL when it holds a NUL byte: text parsers get C
 * strings (argv, files read whole), so such an input only repeats a shorter one.
 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	if (memchr(data, '\0', size) != NULL)
		return NULL;
	return xstrndup((const char *)data, size);
}

/*
 * STYLE.md B3: -1 comes with an error that has a message; 0 with none. Frees the error.
 * With FUZZ_VERBOSE=1 in the environment each result is printed (to see what a seed does).
 */
static inline void fuzz_check_err(const char *what, int rc, struct error **err)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		fprintf(stderr, "fuzz: %s: %s\n", what,
			rc == 0 ? "ok" : (*err && (*err)->msg ? (*err)->msg : "(no message)"));
	if (rc < 0 && (*err == NULL || (*err)->msg == NULL || *(*err)->msg == '\0'))
		fuzz_fail("%s failed without an error message", what);
	if (rc == 0 && *err != NULL)
		fuzz_fail("%s succeeded but set an error: %s", what, (*err)->msg);
	err_free(err);
}
