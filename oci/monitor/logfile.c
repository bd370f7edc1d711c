/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container log in the k8s-file format that podman and CRI-O write:
 *   2024-01-01T10:00:00.123456789+00:00 stdout F a whole line
 *   2024-01-01T10:00:00.123456789+00:00 stderr P a chunk whose line goes on
 * Rotation at max_size keeps one old file, PATH.1 (conmon keeps none: it puts an empty
 * file in the log's place), renamed away after its last write, so that a reader that sees
 * a new file under PATH knows the old one complete (oci/monitor/logread.c).
 */
#include "oci/monitor/monitor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int oci_log_driver_parse(const char *s, enum oci_log_driver *out, struct error **err)
{
	if (strcmp(s, "k8s-file") == 0)
		*out = OCI_LOG_K8S_FILE;
	else if (strcmp(s, "none") == 0)
		*out = OCI_LOG_NONE;
	else if (strcmp(s, "passthrough") == 0)
		*out = OCI_LOG_PASSTHROUGH;
	else
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported log driver \"%s\": use k8s-file, none or passthrough",
			       s);
	return 0;
}

int oci_log_open(struct oci_log_writer *w, const char *path, uint64_t max_size, struct error **err)
{
	*w = (struct oci_log_writer){ .fd = -1, .max_size = max_size };
	w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (w->fd < 0)
		return err_sys(err, "opening log file %s", path);
	off_t end = lseek(w->fd, 0, SEEK_END);
	w->size = end > 0 ? (uint64_t)end : 0;
	w->path = xstrdup(path);
	return 0;
}

void oci_log_close(struct oci_log_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	*w = (struct oci_log_writer){ .fd = -1 };
}

void oci_log_format_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ld+00:00", date, ts->tv_nsec);
}

/* Past max_size: keep the current file as PATH.1 and start a new one. */
static void maybe_rotate(struct oci_log_writer *w)
{
	if (w->max_size == 0 || w->size < w->max_size)
		return;
	autofree char *old = xasprintf("%s.1", w->path);
	if (rename(w->path, old) < 0)
		return;
	int fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(w->fd);
	w->fd = fd;
	w->size = 0;
}

static void write_record(struct oci_log_writer *w, const char *stamp, int stream, bool partial,
			 const char *text, size_t len)
{
	maybe_rotate(w);
	char head[80];
	int hl = snprintf(head, sizeof(head), "%s %s %c ", stamp, stream == 2 ? "stderr" : "stdout",
			  partial ? 'P' : 'F');
	/* One write per record so that a reader never sees half of one. */
	autofree char *rec = xmalloc((size_t)hl + len + 1);
	memcpy(rec, head, (size_t)hl);
	memcpy(rec + hl, text, len);
	rec[(size_t)hl + len] = '\n';
	if (fs_write_all(w->fd, rec, (size_t)hl + len + 1) == 0)
		w->size += (size_t)hl + len + 1;
}

void oci_log_write(struct oci_log_writer *w, int stream, const char *buf, size_t len)
{
	if (w->fd < 0 || len == 0)
		return;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char stamp[48];
	oci_log_format_time(&now, stamp, sizeof(stamp));
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - buf) : len;
		write_record(w, stamp, stream, nl == NULL, buf, n);
		if (nl == NULL)
			break;
		buf += n + 1;
		len -= n + 1;
	}
}

/* "2024-01-01T10:00:00[.123456789](Z|+hh:mm|-hh:mm)" */
static int parse_rfc3339(const char *s, struct timespec *out, const char **end)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	long nsec = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (isdigit((unsigned char)*p)) {
			if (digits < 9) {
				nsec = nsec * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		for (; digits < 9; digits++)
			nsec *= 10;
	}
	long offset = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return -1;
		offset = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	out->tv_sec = timegm(&tm) - offset;
	out->tv_nsec = nsec;
	if (end != NULL)
		*end = p;
	return 0;
}

int oci_log_parse_line(char *line, size_t len, struct oci_log_record *out)
{
	const char *p;
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (parse_rfc3339(line, &out->ts, &p) < 0 || *p != ' ')
		return -1;
	p++;
	if (strncmp(p, "stdout ", 7) == 0)
		out->stream = 1;
	else if (strncmp(p, "stderr ", 7) == 0)
		out->stream = 2;
	else
		return -1;
	p += 7;
	if ((*p != 'F' && *p != 'P') || (p[1] != ' ' && p[1] != '\0'))
		return -1;
	out->partial = *p == 'P';
	p += p[1] == ' ' ? 2 : 1;
	out->text = p;
	out->len = len - (size_t)(p - line);
	return 0;
}

int oci_log_parse_since(const char *s, const struct timespec *now, struct timespec *out,
			struct error **err)
{
	const char *end = NULL;
	if (parse_rfc3339(s, out, &end) == 0 && *end == '\0')
		return 0;
	/* Unix seconds, with up to nine digits of a fraction ("1000", "1700000000.5"), as
	 * docker's and podman's: a number without a unit is no duration. */
	size_t whole = strspn(s, "0123456789"), frac = 0;
	if (whole > 0 && whole <= 12 && s[whole] == '.')
		frac = strspn(s + whole + 1, "0123456789");
	if (whole > 0 && whole <= 12 && frac <= 9 &&
	    (s[whole] == '\0' || (frac > 0 && s[whole + 1 + frac] == '\0'))) {
		*out = (struct timespec){ .tv_sec = (time_t)strtoll(s, NULL, 10) };
		for (size_t i = 0; i < 9; i++)
			out->tv_nsec = out->tv_nsec * 10 + (i < frac ? s[whole + 1 + i] - '0' : 0);
		return 0;
	}
	/* A Go-style duration: 90s, 10m, 1h30m, 2h. */
	double total = 0;
	const char *p = s;
	while (*p) {
		char *e = NULL;
		double v = strtod(p, &e);
		if (e == p)
			goto bad;
		double unit;
		if (strncmp(e, "ms", 2) == 0) {
			unit = 0.001;
			e += 2;
		} else if (*e == 's') {
			unit = 1;
			e++;
		} else if (*e == 'm') {
			unit = 60;
			e++;
		} else if (*e == 'h') {
			unit = 3600;
			e++;
		} else {
			goto bad;
		}
		total += v * unit;
		p = e;
	}
	if (p == s)
		goto bad;
	out->tv_sec = now->tv_sec - (time_t)total;
	out->tv_nsec = now->tv_nsec;
	return 0;
bad:
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid time \"%s\": want an RFC 3339 time, a duration like 10m or Unix "
		       "seconds",
		       s);
}
