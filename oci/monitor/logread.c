/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading a k8s-file log back for `hutch logs`: filters (--since, --until, --tail), the
 * timestamps prefix, and --follow, which waits on inotify for the log to grow and stops
 * once the monitor has written the exit file. The writer (logfile.c) keeps one rotated
 * file, PATH.1: a read starts there, and --follow goes on across rotations (a new file
 * under the name: the old one is read to its end first, it is complete by then). Lines
 * are streamed record by record, so a huge line costs no memory; --tail finds where its
 * lines begin by reading back from the end, not the whole file. Only --tail together
 * with --since/--until keeps the last N lines (joined) in memory.
 */
#include "oci/monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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
	/* Streaming: a line of this stream is under way, and whether it is filtered out. */
	bool mid[3], skip[3];
	/* --tail with --since/--until: lines are joined and the last N kept. */
	bool ring_mode;
	char *pending[3]; /* joined partial text per stream */
	size_t pending_len[3];
	struct timespec pending_ts[3];
	struct line *ring; /* the last N lines */
	size_t ring_n, ring_next;
};

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool filtered_out(const struct oci_logs_opts *o, const struct timespec *ts)
{
	return (o->has_since && before(ts, &o->since)) || (o->has_until && before(&o->until, ts));
}

static FILE *stream_file(struct reader *r, int stream)
{
	return stream == 2 ? r->errout : r->out;
}

/* What goes before a line: the prefix (logs of several containers), the time stamp. */
static void put_stamp(struct reader *r, FILE *f, const struct timespec *ts)
{
	if (r->o->prefix != NULL)
		fputs(r->o->prefix, f);
	if (!r->o->timestamps)
		return;
	char stamp[48];
	oci_log_format_time(ts, stamp, sizeof(stamp));
	fprintf(f, "%s ", stamp);
}

static void emit(struct reader *r, const struct line *l)
{
	FILE *f = stream_file(r, l->stream);
	put_stamp(r, f, &l->ts);
	fwrite(l->text, 1, l->len, f);
	fputc('\n', f);
}

/* A finished line in ring mode: filter it, then keep it for --tail. */
static void line_done(struct reader *r, struct line *l)
{
	const struct oci_logs_opts *o = r->o;
	if (filtered_out(o, &l->ts) || o->tail == 0) {
		free(l->text);
		return;
	}
	if (o->tail < 0) {
		emit(r, l);
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

/* Ring mode: join the partial records of a stream into its line. */
static void record_join(struct reader *r, const struct oci_log_record *rec)
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

/* Streaming: each record's text goes out at once; a line's first record decides the
 * filters and gives the time stamp, as the joined line would. */
static void record(struct reader *r, const struct oci_log_record *rec)
{
	if (r->ring_mode) {
		record_join(r, rec);
		return;
	}
	int s = rec->stream;
	FILE *f = stream_file(r, s);
	if (!r->mid[s]) {
		r->mid[s] = true;
		r->skip[s] = filtered_out(r->o, &rec->ts);
		if (!r->skip[s])
			put_stamp(r, f, &rec->ts);
	}
	if (!r->skip[s])
		fwrite(rec->text, 1, rec->len, f);
	if (rec->partial)
		return;
	if (!r->skip[s])
		fputc('\n', f);
	r->mid[s] = false;
}

/*
 * Read whole lines from f, about budget bytes at most. A last line without its newline
 * may be half-written: unless this is the final read, it is left for the next round.
 * Returns true when it stopped for the budget (there is more).
 */
static bool read_some(struct reader *r, FILE *f, bool final, size_t budget)
{
	char *buf = NULL;
	size_t cap = 0, used = 0;
	bool more = false;
	for (;;) {
		if (used >= budget) {
			more = true;
			break;
		}
		off_t pos = ftello(f);
		ssize_t n = getline(&buf, &cap, f);
		if (n <= 0)
			break;
		if (buf[n - 1] != '\n' && !final) {
			fseeko(f, pos, SEEK_SET);
			break;
		}
		used += (size_t)n;
		struct oci_log_record rec;
		if (oci_log_parse_line(buf, (size_t)n, &rec) == 0)
			record(r, &rec);
	}
	clearerr(f);
	free(buf);
	fflush(r->out);
	fflush(r->errout);
	return more;
}

static void read_available(struct reader *r, FILE *f, bool final)
{
	read_some(r, f, final, SIZE_MAX);
}

/* From ring mode to streaming (--follow after --tail and a time filter): the lines under
 * way go out as far as they came, and go on as streamed records. */
static void ring_to_stream(struct reader *r)
{
	flush_tail(r);
	r->ring_mode = false;
	for (int s = 1; s <= 2; s++) {
		if (r->pending[s] == NULL)
			continue;
		FILE *f = stream_file(r, s);
		r->mid[s] = true;
		r->skip[s] = filtered_out(r->o, &r->pending_ts[s]);
		if (!r->skip[s]) {
			put_stamp(r, f, &r->pending_ts[s]);
			fwrite(r->pending[s], 1, r->pending_len[s], f);
		}
		free(r->pending[s]);
		r->pending[s] = NULL;
		r->pending_len[s] = 0;
	}
}

static void reader_end(struct reader *r)
{
	/* A last partial line without its newline is still output. */
	for (int s = 1; s <= 2; s++) {
		if (r->mid[s] && !r->skip[s])
			fputc('\n', stream_file(r, s));
		r->mid[s] = false;
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

/*
 * Does the record at off end a line? A full record does; so does a stream's last partial
 * record when the file is the log's last (open_end: the line is still being written).
 * seen[] marks the streams met so far, reading backwards. Junk is no record.
 */
static bool ends_line(int fd, off_t off, bool open_end, bool seen[3])
{
	char head[80];
	ssize_t n = pread(fd, head, sizeof(head) - 1, off);
	if (n <= 0)
		return false;
	head[n] = '\0';
	const char *p = strchr(head, ' ');
	if (p == NULL)
		return false;
	p++;
	int s = strncmp(p, "stdout ", 7) == 0 ? 1 : strncmp(p, "stderr ", 7) == 0 ? 2 : 0;
	if (s == 0 || (p[7] != 'F' && p[7] != 'P'))
		return false;
	bool first = !seen[s];
	seen[s] = true;
	return p[7] == 'F' || (open_end && first);
}

/*
 * Where the last n lines of the log file fd begin, found by reading back from its end in
 * blocks (--tail on a big log reads what it prints, not the file). *found: the lines there
 * are, n or fewer when the whole file has fewer (its start is returned then).
 */
static off_t tail_offset(int fd, long n, bool open_end, long *found)
{
	struct stat st;
	*found = 0;
	if (fstat(fd, &st) < 0 || st.st_size == 0)
		return 0;
	off_t end = st.st_size, pos = end, next_start = end;
	bool seen[3] = { false, false, false };
	long count = 0;
	char buf[16384];
	while (pos > 0) {
		size_t len = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		pos -= (off_t)len;
		if (pread(fd, buf, len, pos) != (ssize_t)len)
			return 0;
		for (size_t i = len; i-- > 0;) {
			off_t start = pos + (off_t)i + 1; /* a record begins after each newline */
			if (buf[i] != '\n' || start >= end)
				continue;
			if (ends_line(fd, start, open_end, seen)) {
				if (count == n) {
					*found = n;
					return next_start;
				}
				count++;
			}
			next_start = start;
		}
	}
	if (ends_line(fd, 0, open_end, seen)) {
		if (count == n) {
			*found = n;
			return next_start;
		}
		count++;
	}
	*found = count;
	return 0;
}

static bool same_file(FILE *a, FILE *b)
{
	struct stat sa, sb;
	return a != NULL && b != NULL && fstat(fileno(a), &sa) == 0 && fstat(fileno(b), &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The first read: the rotated file old (or NULL), then cur. With --tail (and no time
 * filter), each is read from where its share of the last lines begins.
 */
static void read_start(struct reader *r, FILE *old, FILE *cur, bool final)
{
	const struct oci_logs_opts *o = r->o;
	if (o->tail >= 0 && !r->ring_mode) {
		long found = 0, found_old = 0;
		off_t off = 0, off_old = 0;
		struct stat st;
		bool cur_empty = cur == NULL || fstat(fileno(cur), &st) < 0 || st.st_size == 0;
		if (cur != NULL)
			off = tail_offset(fileno(cur), o->tail, true, &found);
		if (found < o->tail && old != NULL)
			off_old = tail_offset(fileno(old), o->tail - found, cur_empty, &found_old);
		else if (old != NULL && fstat(fileno(old), &st) == 0)
			off_old = st.st_size;
		if (old != NULL) {
			fseeko(old, off_old, SEEK_SET);
			read_available(r, old, true);
		}
		if (cur != NULL) {
			fseeko(cur, off, SEEK_SET);
			read_available(r, cur, final);
		}
		return;
	}
	if (old != NULL)
		read_available(r, old, true);
	if (cur != NULL)
		read_available(r, cur, final);
}

/*
 * --follow's files: the one being read first, then those the writer rotated away from it
 * to, in order. A file with a newer one after it is complete (the writer renames it away
 * after its last write), so it is read to its end and dropped. Every file is opened as soon
 * as it is seen under the log's name, and held: a rotation that replaces PATH.1 does not
 * take it from the reader.
 */
#define FOLLOW_FILES 8
struct chain {
	FILE *f[FOLLOW_FILES];
	size_t n;
};

static bool is_same(FILE *f, const struct stat *st)
{
	struct stat sf;
	return f != NULL && fstat(fileno(f), &sf) == 0 && sf.st_dev == st->st_dev &&
	       sf.st_ino == st->st_ino;
}

static void chain_add(struct chain *c, FILE *f)
{
	if (c->n < FOLLOW_FILES)
		c->f[c->n++] = f;
	else
		fclose(f); /* the reader is far behind: read on, it is seen again next time */
}

/*
 * Look at the log's name: a file there that is not the chain's last is new. Rotated twice
 * since the last look, the one between is PATH.1 now, and comes first.
 */
static void chain_look(struct chain *c, const char *path, const char *old_path)
{
	FILE *last = c->n > 0 ? c->f[c->n - 1] : NULL;
	struct stat sp, so;
	if (stat(path, &sp) < 0 || is_same(last, &sp))
		return; /* between the rename and the new file: its IN_CREATE comes */
	FILE *next = fopen(path, "re");
	if (next == NULL)
		return;
	FILE *mid = last != NULL ? fopen(old_path, "re") : NULL;
	if (mid != NULL && fstat(fileno(mid), &so) == 0 && !is_same(last, &so) &&
	    !is_same(next, &so))
		chain_add(c, mid);
	else if (mid != NULL)
		fclose(mid);
	chain_add(c, next);
}

static void chain_drop_first(struct chain *c)
{
	fclose(c->f[0]);
	memmove(c->f, c->f + 1, (c->n - 1) * sizeof(c->f[0]));
	c->n--;
}

/* The log cut short under the same name (truncated in place): read again from its start. */
static bool truncated(FILE *f, const char *path)
{
	struct stat sp;
	if (stat(path, &sp) < 0 || !is_same(f, &sp) || sp.st_size >= ftello(f))
		return false;
	fseeko(f, 0, SEEK_SET);
	return true;
}

/* Read the chain as far as it goes; a bounded bite at a time, so that the name is looked
 * at often while a long way behind. Returns true when there may be more at once. */
static bool chain_read(struct reader *r, struct chain *c, const char *path)
{
	if (c->n == 0)
		return false;
	if (read_some(r, c->f[0], c->n > 1, 256 << 10))
		return true;
	if (c->n > 1) {
		chain_drop_first(c);
		return true;
	}
	return truncated(c->f[0], path);
}

/* Follow the log from f (taken, may be NULL) until the exit file appears. */
static int follow(struct reader *r, FILE *f, const char *path, const char *old_path,
		  struct error **err)
{
	struct chain c = { .n = 0 };
	if (f != NULL)
		chain_add(&c, f);
	autoclose int in = inotify_init1(IN_CLOEXEC);
	autofree char *dir = xstrdup(r->o->done_file);
	char *slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	/* The log's directory: a write to the log, and its rotation (a new file by name). */
	autofree char *logdir = xstrdup(path);
	char *lslash = strrchr(logdir, '/');
	if (lslash != NULL)
		*lslash = '\0';
	int rc = 0;
	if (in < 0 ||
	    inotify_add_watch(in, lslash != NULL ? logdir : ".",
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM) < 0 ||
	    inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) < 0)
		rc = err_sys(err, "watching %s", path);
	flush_tail(r);
	bool gone[2] = { false, false };
	while (rc == 0) {
		/* Looked at first: what was written before the exit file is read below. */
		bool done = fs_exists(r->o->done_file);
		chain_look(&c, path, old_path);
		if (chain_read(r, &c, path))
			continue;
		if (done)
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
		if (poll(p, 3, -1) < 0 && errno != EINTR) {
			rc = err_sys(err, "watching %s", path);
			break;
		}
		for (size_t i = 0; i < 2; i++)
			gone[i] = gone[i] || (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR));
		char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
		if ((p[0].revents & POLLIN) && read(in, ev, sizeof(ev)) < 0 && errno != EINTR)
			rc = err_sys(err, "watching %s", path);
	}
	for (size_t i = 0; i < c.n; i++) {
		if (rc == 0)
			read_available(r, c.f[i], true);
		fclose(c.f[i]);
	}
	return rc;
}

int oci_logs_print(const char *path, const struct oci_logs_opts *o, FILE *out, FILE *errout,
		   struct error **err)
{
	struct reader r = { .o = o,
			    .out = out,
			    .errout = errout,
			    .ring_mode = o->tail >= 0 && (o->has_since || o->has_until) };
	/* The current file first, then the rotated one: rotated between the two opens, the
	 * same file would be both (and the one before it is gone by then). */
	FILE *f = fopen(path, "re");
	if (f == NULL && errno != ENOENT)
		return err_sys(err, "opening log %s", path);
	autofree char *old_path = xasprintf("%s.1", path);
	autofclose FILE *old = fopen(old_path, "re");
	if (old != NULL && same_file(old, f)) {
		fclose(old);
		old = NULL;
	}
	int rc = 0;
	/* No log at all (driver none or passthrough): nothing to follow. Only the rotated one:
	 * caught between the rename and the new file, which follow opens once it is there. */
	bool follow_it = o->follow && o->done_file != NULL && (f != NULL || old != NULL);
	read_start(&r, old, f, !follow_it);
	if (follow_it) {
		struct oci_logs_opts follow_opts = *o;
		follow_opts.tail = -1;
		flush_tail(&r);
		r.o = &follow_opts;
		ring_to_stream(&r);
		rc = follow(&r, steal_ptr(&f), path, old_path, err);
		r.o = o;
	}
	reader_end(&r);
	if (f != NULL)
		fclose(f);
	for (int s = 0; s < 3; s++)
		free(r.pending[s]);
	return rc;
}
