/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging in podman's shape ("WARN[0000] message"): one printf-style function per level,
 * filtered by --log-level (default warn). Diagnostics only; data goes to stdout elsewhere.
 */
#include "lib/lib.h"

#include <errno.h>
#include <string.h>
#include <time.h>

enum log_level log_current_level = LOG_LEVEL_WARN;
static FILE *log_stream;
static struct timespec log_start;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const char *const level_tags[] = { "ERRO", "WARN", "INFO", "DEBU" };
/* log_notice's: shown as a warning is, printed bare. */
#define LOG_LEVEL_NOTICE ((enum log_level)(LOG_LEVEL_DEBUG + 1))

int log_parse_level(const char *s, enum log_level *out, struct error **err)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid log level \"%s\": use error, warn, info or debug", s);
}

void log_set_stream(FILE *f)
{
	log_stream = f;
}

static void log_v(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void log_v(enum log_level level, const char *fmt, va_list ap)
{
	bool bare = level == LOG_LEVEL_NOTICE;
	if (bare)
		level = LOG_LEVEL_WARN;
	if (level > log_current_level)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (log_start.tv_sec == 0 && log_start.tv_nsec == 0)
		log_start = now;
	long secs = (long)(now.tv_sec - log_start.tv_sec);
	FILE *f = log_stream != NULL ? log_stream : stderr;
	/* One fprintf for the whole line keeps lines whole when several processes share f. */
	char buf[2048];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	str_printable(buf); /* names from images, registries and containers: no escapes */
	if (bare)
		fprintf(f, "%s\n", buf);
	else
		fprintf(f, "%s[%04ld] %s\n", level_tags[level], secs, buf);
	fflush(f);
}

/* The clock starts with the process: call early so WARN[0000] counts from start-up. */
__attribute__((constructor)) static void log_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &log_start);
}

#define LOG_FN(name, level)             \
	void name(const char *fmt, ...) \
	{                               \
		va_list ap;             \
		va_start(ap, fmt);      \
		log_v(level, fmt, ap);  \
		va_end(ap);             \
	}

LOG_FN(log_error, LOG_LEVEL_ERROR)
LOG_FN(log_warn, LOG_LEVEL_WARN)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_notice, LOG_LEVEL_NOTICE)
