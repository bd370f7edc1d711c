/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a k8s-file log back for `hutch logs`: filters (--since, --until, --tail), the
 * timestamps prefix, and --follow, which waits on inotify for the log to grow and stops
 * once the monitor has written the exit file.
 */
#include "oci/monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* A whole logical line: partial records joined. */
struct line {
	struct timespec ts;
	int stream;
	char *text;
	size_t len;
};

struct reader {
	const struct oci_logs_opts *o;
	FILE *out, *errout;
	char *pending[3]; /* joined partial text per stream */
	size_t pending_len[3];
	struct timespec pending_ts[3];
	struct line *ring; /* with --tail: the last N lines */
	size_t ring_n, ring_next;
};

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void emit(struct reader *r, const struct line *l)
{
	FILE *f = l->stream == 2 ? r->errout : r->out;
	if (r->o->timestamps) {
		char stamp[48];
		oci_log_format_time(&l->ts, stamp, sizeof(stamp));
		fprintf(f, "%s ", stamp);
	}
	fwrite(l->text, 1, l->len, f);
	fputc('\n', f);
}

/* A finished line: filter it, then print it or keep it for --tail. */
static void line_done(struct reader *r, struct line *l)
{
	const struct oci_logs_opts *o = r->o;
	if ((o->has_since && before(&l->ts, &o->since)) ||
	    (o->has_until && before(&o->until, &l->ts))) {
		free(l->text);
		return;
	}
	if (o->tail < 0) {
		emit(r, l);
		free(l->text);
		return;
	}
	if (o->tail == 0) {
		free(l->text);
		return;
	}
	if (r->ring == NULL)
		r->ring = xcalloc((size_t)o->tail, sizeof(*r->ring));
	struct line *slot = &r->ring[r->ring_next];
	free(slot->text);
	*slot = *l;
	r->ring_next = (r->ring_next + 1) % (size_t)o->tail;
	if (r->ring_n < (size_t)o->tail)
		r->ring_n++;
}

static void flush_tail(struct reader *r)
{
	if (r->ring == NULL)
		return;
	size_t n = r->ring_n, cap = (size_t)r->o->tail;
	size_t start = n < cap ? 0 : r->ring_next;
	for (size_t i = 0; i < n; i++) {
		struct line *l = &r->ring[(start + i) % cap];
		emit(r, l);
		free(l->text);
		l->text = NULL;
	}
	free(r->ring);
	r->ring = NULL;
	r->ring_n = r->ring_next = 0;
}

static void record(struct reader *r, const struct oci_log_record *rec)
{
	int s = rec->stream;
	if (r->pending[s] == NULL)
		r->pending_ts[s] = rec->ts;
	r->pending[s] = xrealloc(r->pending[s], r->pending_len[s] + rec->len + 1);
	memcpy(r->pending[s] + r->pending_len[s], rec->text, rec->len);
	r->pending_len[s] += rec->len;
	r->pending[s][r->pending_len[s]] = '\0';
	if (rec->partial)
		return;
	struct line l = {
		.ts = r->pending_ts[s], .stream = s, .text = r->pending[s], .len = r->pending_len[s]
	};
	r->pending[s] = NULL;
	r->pending_len[s] = 0;
	line_done(r, &l);
}

/*
 * Read whole lines from f. A last line without its newline may be half-written: unless
 * this is the final read, it is left for the next round.
 */
static void read_available(struct reader *r, FILE *f, bool final)
{
	char *buf = NULL;
	size_t cap = 0;
	for (;;) {
		long pos = ftell(f);
		ssize_t n = getline(&buf, &cap, f);
		if (n <= 0)
			break;
		if (buf[n - 1] != '\n' && !final) {
			fseek(f, pos, SEEK_SET);
			break;
		}
		struct oci_log_record rec;
		if (oci_log_parse_line(buf, (size_t)n, &rec) == 0)
			record(r, &rec);
	}
	clearerr(f);
	free(buf);
	fflush(r->out);
	fflush(r->errout);
}

static void reader_end(struct reader *r)
{
	/* A last partial line without its newline is still output. */
	for (int s = 1; s <= 2; s++) {
		if (r->pending[s] == NULL)
			continue;
		struct line l = { .ts = r->pending_ts[s],
				  .stream = s,
				  .text = r->pending[s],
				  .len = r->pending_len[s] };
		r->pending[s] = NULL;
		line_done(r, &l);
	}
	flush_tail(r);
	fflush(r->out);
	fflush(r->errout);
}

static int follow(struct reader *r, FILE *f, const char *path, struct error **err)
{
	autoclose int in = inotify_init1(IN_CLOEXEC);
	if (in < 0)
		return err_sys(err, "watching %s", path);
	autofree char *dir = xstrdup(r->o->done_file);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inotify_add_watch(in, path, IN_MODIFY) < 0 ||
	    inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) < 0)
		return err_sys(err, "watching %s", path);
	flush_tail(r);
	bool gone[2] = { false, false };
	for (;;) {
		read_available(r, f, false);
		if (fs_exists(r->o->done_file))
			break;
		/* Each process gone is watched no more; all gone is the end. */
		struct pollfd p[3] = { { .fd = in, .events = POLLIN } };
		size_t left = 0;
		for (size_t i = 0; i < r->o->n_done_pidfds && i < 2; i++) {
			p[i + 1] = (struct pollfd){ .fd = gone[i] ? -1 : r->o->done_pidfds[i],
						    .events = POLLIN };
			left += !gone[i];
		}
		if (r->o->n_done_pidfds > 0 && left == 0)
			break;
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return err_sys(err, "watching %s", path);
		for (size_t i = 0; i < 2; i++)
			gone[i] = gone[i] || (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR));
		char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
		if ((p[0].revents & POLLIN) && read(in, ev, sizeof(ev)) < 0 && errno != EINTR)
			return err_sys(err, "watching %s", path);
	}
	read_available(r, f, true);
	return 0;
}

int oci_logs_print(const char *path, const struct oci_logs_opts *o, FILE *out, FILE *errout,
		   struct error **err)
{
	struct reader r = { .o = o, .out = out, .errout = errout };
	autofclose FILE *f = fopen(path, "re");
	if (f == NULL && errno != ENOENT)
		return err_sys(err, "opening log %s", path);
	int rc = 0;
	if (f != NULL) {
		read_available(&r, f, !o->follow);
		if (o->follow && o->done_file != NULL) {
			struct oci_logs_opts follow_opts = *o;
			follow_opts.tail = -1;
			flush_tail(&r);
			r.o = &follow_opts;
			rc = follow(&r, f, path, err);
			r.o = o;
		}
	}
	reader_end(&r);
	for (int s = 0; s < 3; s++)
		free(r.pending[s]);
	return rc;
}
