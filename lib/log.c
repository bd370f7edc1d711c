/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging in podman's shape ("WARN[0000] message" on a terminal, logrus's text form
 * otherwise): one printf-style function per level, filtered by --log-level (default warn).
 * Diagnostics only; data goes to stdout elsewhere.
 */
#include "lib/lib.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum log_level log_current_level = LOG_LEVEL_WARN;
static FILE *log_stream;
static struct timespec log_start;

static const char *const level_tags[] = { "ERRO", "WARN", "INFO", "DEBU", "TRAC" };
/* logrus's names in its text form */
static const char *const level_words[] = { "error", "warning", "info", "debug", "trace" };
/* log_notice's: shown as a warning is, printed bare. */
#define LOG_LEVEL_NOTICE ((enum log_level)(LOG_LEVEL_TRACE + 1))

int log_parse_level(const char *s, enum log_level *out, struct error **err)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "panic", LOG_LEVEL_ERROR },  { "fatal", LOG_LEVEL_ERROR },
		{ "error", LOG_LEVEL_ERROR },  { "warn", LOG_LEVEL_WARN },
		{ "warning", LOG_LEVEL_WARN }, { "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },  { "trace", LOG_LEVEL_TRACE },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return err_set(err, EINVAL, ERR_USAGE,
		       "Log Level \"%s\" is not supported, choose from: trace, debug, info, warn, "
		       "error, fatal, panic",
		       s);
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
	if (bare) {
		fprintf(f, "%s\n", buf);
		fflush(f);
		return;
	}
	if (log_stream != NULL || isatty(STDERR_FILENO)) {
		fprintf(f, "%s[%04ld] %s\n", level_tags[level], secs, buf);
		fflush(f);
		return;
	}
	/* logrus's text form, as podman writes to a pipe or file: msg quoted as Go's %q. */
	char q[2 * sizeof(buf) + 1], *w = q;
	for (const char *r = buf; *r != '\0'; r++) {
		if (*r == '"' || *r == '\\')
			*w++ = '\\';
		*w++ = *r;
	}
	*w = '\0';
	char when[64] = "";
	time_t t = time(NULL);
	struct tm tm;
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	/* RFC 3339: the offset with a colon, or Z */
	size_t wl = strlen(when);
	if (wl > 5 && strcmp(when + wl - 5, "+0000") == 0)
		strcpy(when + wl - 5, "Z");
	else if (wl > 5)
		memmove(when + wl - 1, when + wl - 2, 3), when[wl - 2] = ':';
	fprintf(f, "time=\"%s\" level=%s msg=\"%s\"\n", when, level_words[level], q);
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
LOG_FN(log_trace, LOG_LEVEL_TRACE)
LOG_FN(log_notice, LOG_LEVEL_NOTICE)
