/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one TAP harness of the unit tests (STYLE.md B9): ok, is_int, is_str, skip and
 * done_testing, which prints the plan from the count so no plan is counted by hand.
 * Header-only: each test program is one .c file that includes it.
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                                 \
	do {                                                                   \
		long long _g = (long long)(got), _w = (long long)(want);       \
		if (!ok(_g == _w, __VA_ARGS__))                                \
			printf("#   got: %lld\n#   expected: %lld\n", _g, _w); \
	} while (0)

#define is_str(got, want, ...)                                                                \
	do {                                                                                  \
		const char *_g = (got), *_w = (want);                                         \
		int _same = (_g == NULL && _w == NULL) ||                                     \
			    (_g != NULL && _w != NULL && strcmp(_g, _w) == 0);                \
		if (!ok(_same, __VA_ARGS__))                                                  \
			printf("#   got: \"%s\"\n#   expected: \"%s\"\n", _g ? _g : "(null)", \
			       _w ? _w : "(null)");                                           \
	} while (0)

/* True when haystack contains needle. */
#define has_str(hay, needle, ...)                                                             \
	do {                                                                                  \
		const char *_h = (hay), *_s = (needle);                                       \
		if (!ok(_h != NULL && strstr(_h, _s) != NULL, __VA_ARGS__))                   \
			printf("#   \"%s\" not found in:\n#   %s\n", _s, _h ? _h : "(null)"); \
	} while (0)

__attribute__((format(printf, 1, 2))) static inline void skip(const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	printf("ok %d # skip ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
