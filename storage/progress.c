/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pull's progress events on the wire between the pull child and storage_pull (see
 * progress.h). A record that fails to write is dropped: progress is never worth failing or
 * stalling a pull over, and the parent reads until the child is gone anyway.
 */
#include "storage/progress.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

struct wire {
	uint32_t kind;
	uint32_t item;
	int64_t value; /* START: total; BYTES: n */
	char label[32];
	char
	    text[400]; /* START, STORED: the digest; DONE/ERROR/WAIT: the status; TRYING: the ref */
};

_Static_assert(sizeof(struct wire) <= PIPE_BUF, "one atomic pipe write per record");

static void send_wire(int fd, struct wire *w)
{
	if (fd >= 0)
		(void)fs_write_all(fd, w, sizeof(*w));
}

void progress_send_start(int fd, unsigned item, const char *label, const char *digest,
			 int64_t total)
{
	struct wire w = { .kind = STORAGE_PROGRESS_START, .item = item, .value = total };
	snprintf(w.label, sizeof(w.label), "%s", label);
	snprintf(w.text, sizeof(w.text), "%s", digest);
	send_wire(fd, &w);
}

void progress_send_bytes(int fd, unsigned item, int64_t n)
{
	struct wire w = { .kind = STORAGE_PROGRESS_BYTES, .item = item, .value = n };
	send_wire(fd, &w);
}

void progress_send_done(int fd, unsigned item, bool failed, const char *status)
{
	struct wire w = { .kind = failed ? STORAGE_PROGRESS_ERROR : STORAGE_PROGRESS_DONE,
			  .item = item };
	snprintf(w.text, sizeof(w.text), "%s", status);
	send_wire(fd, &w);
}

void progress_send_end(int fd)
{
	struct wire w = { .kind = STORAGE_PROGRESS_END };
	send_wire(fd, &w);
}

void progress_send_text(int fd, enum storage_progress_kind kind, const char *text)
{
	struct wire w = { .kind = kind };
	snprintf(w.text, sizeof(w.text), "%s", text);
	send_wire(fd, &w);
}

static void *relay(void *arg)
{
	const struct progress_relay *r = arg;
	int fd = r->fd;
	const struct storage_progress_sink *sink = r->sink;
	struct wire w;
	bool open = false; /* a batch without its END yet */
	while (fs_read_all(fd, &w, sizeof(w)) == (ssize_t)sizeof(w)) {
		if (w.kind > STORAGE_PROGRESS_WAIT)
			continue;
		/* TRYING, STORED and WAIT come outside a batch */
		if (w.kind <= STORAGE_PROGRESS_END)
			open = w.kind != STORAGE_PROGRESS_END;
		w.label[sizeof(w.label) - 1] = '\0';
		w.text[sizeof(w.text) - 1] = '\0';
		struct storage_progress_event ev = { .kind = (enum storage_progress_kind)w.kind,
						     .item = w.item };
		if (w.kind == STORAGE_PROGRESS_START) {
			ev.label = w.label;
			ev.digest = w.text;
			ev.total = w.value;
		} else if (w.kind == STORAGE_PROGRESS_BYTES) {
			ev.n = w.value;
		} else if (w.kind == STORAGE_PROGRESS_TRYING) {
			ev.label = w.text;
		} else if (w.kind == STORAGE_PROGRESS_STORED) {
			ev.digest = w.text;
		} else if (w.kind != STORAGE_PROGRESS_END) {
			ev.status = w.text;
		}
		sink->event(sink->ctx, &ev);
	}
	/* A child killed mid-batch: the sink still gets its END (a display stops drawing). */
	if (open) {
		struct storage_progress_event end = { .kind = STORAGE_PROGRESS_END };
		sink->event(sink->ctx, &end);
	}
	return NULL;
}

int progress_relay_start(struct progress_relay *r, int fd, const struct storage_progress_sink *sink)
{
	r->fd = fd;
	r->sink = sink;
	int e = pthread_create(&r->th, NULL, relay, r);
	if (e != 0)
		errno = e;
	return e == 0 ? 0 : -1;
}

void progress_relay_join(struct progress_relay *r)
{
	pthread_join(r->th, NULL);
}
