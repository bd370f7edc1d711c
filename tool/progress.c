/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI's streams for the engine: its stdio (struct eng_stdio), and the pull progress
 * sinks. The terminal display: a thread redraws all lines every 150 ms with the cursor moved
 * back up, so parallel downloads share one block of the terminal; the pull's events (from
 * its child, relayed by storage_pull in our thread) only update counters under a lock.
 */
#include "tool/io.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 128

const struct eng_stdio *cli_stdio(void)
{
	static struct eng_stdio io;
	io = (struct eng_stdio){ .in = STDIN_FILENO,
				 .out = STDOUT_FILENO,
				 .err = STDERR_FILENO,
				 .tty = isatty(STDIN_FILENO) };
	return &io;
}

struct progress_item {
	char *label;
	char digest[13];
	int64_t total;
	atomic_llong done;
	char status[32]; /* "" while it runs; under the display's lock */
};

/* One block of lines: the items of one batch (STORAGE_PROGRESS_END closes it). */
struct progress {
	pthread_mutex_t mu;
	pthread_t th;
	bool running, stop;
	struct progress_item *items[MAX_ITEMS];
	size_t n;
	int drawn;
	struct timespec start;
};

static struct progress *progress_new(void)
{
	struct progress *p = xzalloc(sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

static void human(char *buf, size_t n, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, n, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}

static void draw(struct progress *p)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs =
	    (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
	if (p->drawn > 0)
		fprintf(stderr, "\033[%dA", p->drawn);
	for (size_t i = 0; i < p->n; i++) {
		struct progress_item *it = p->items[i];
		int64_t done = atomic_load(&it->done);
		char a[32], b[32], r[32];
		human(a, sizeof(a), (double)done);
		human(b, sizeof(b), (double)it->total);
		human(r, sizeof(r), secs > 0 ? (double)done / secs : 0);
		if (it->status[0] != '\0') {
			fprintf(stderr, "\033[2K%s %s %s\n", it->label, it->digest, it->status);
			continue;
		}
		int width = 30, fill = it->total > 0 ? (int)(done * width / it->total) : 0;
		char bar[64];
		memset(bar, '=', (size_t)fill);
		memset(bar + fill, ' ', (size_t)(width - fill));
		if (fill < width)
			bar[fill] = '>';
		bar[width] = '\0';
		fprintf(stderr, "\033[2K%s %s [%s] %s / %s | %s/s\n", it->label, it->digest, bar, a,
			b, r);
	}
	p->drawn = (int)p->n;
	fflush(stderr);
}

static void *loop(void *arg)
{
	struct progress *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		bool stop = p->stop;
		draw(p);
		pthread_mutex_unlock(&p->mu);
		if (stop)
			return NULL;
		usleep(150000);
	}
}

/* A line "LABEL DIGEST12 [bar] done / total" for the batch's item index. */
static void progress_item(struct progress *p, unsigned index, const char *label, const char *digest,
			  int64_t total)
{
	if (index >= MAX_ITEMS)
		return;
	struct progress_item *it = xzalloc(sizeof(*it));
	it->label = xstrdup(label);
	const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
	snprintf(it->digest, sizeof(it->digest), "%s", hex);
	it->total = total;
	pthread_mutex_lock(&p->mu);
	/* Items arrive in index order; a gap or a repeat would be the pull's bug: skip it. */
	if (index == p->n)
		p->items[p->n++] = it;
	else
		free(it->label), free(it), it = NULL;
	if (it != NULL && !p->running)
		p->running = pthread_create(&p->th, NULL, loop, p) == 0;
	pthread_mutex_unlock(&p->mu);
}

static struct progress_item *item_at(struct progress *p, unsigned index)
{
	/* Only the relaying thread adds items: reading n here needs no lock. */
	return index < p->n ? p->items[index] : NULL;
}

/* Finish the line with a word ("done", "Already exists", "failed"). */
static void progress_done(struct progress *p, unsigned index, const char *status)
{
	struct progress_item *it = item_at(p, index);
	if (it == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	snprintf(it->status, sizeof(it->status), "%s", status);
	pthread_mutex_unlock(&p->mu);
}

/* Draw the final state and free everything. */
static void progress_finish(struct progress **pp)
{
	struct progress *p = *pp;
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	bool running = p->running;
	pthread_mutex_unlock(&p->mu);
	if (running)
		pthread_join(p->th, NULL);
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i]->label);
		free(p->items[i]);
	}
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}

/* The lines podman prints around the copy, on a terminal or not. */
static bool pull_line(const struct storage_progress_event *ev, bool tty)
{
	if (ev->kind == STORAGE_PROGRESS_TRYING) {
		fprintf(stderr, "Trying to pull %s...\n", ev->label);
	} else if (ev->kind == STORAGE_PROGRESS_STORED) {
		fprintf(stderr, "Copying config %s%s\n", ev->digest, tty ? " done" : "");
		fprintf(stderr, "Writing manifest to image destination\nStoring signatures\n");
	} else {
		return false;
	}
	fflush(stderr);
	return true;
}

static void tty_event(void *ctx, const struct storage_progress_event *ev)
{
	struct progress **pp = ctx;
	/* Before any batch: the registry is not answering yet. Said, so a wait is not mute. */
	if (ev->kind == STORAGE_PROGRESS_WAIT && *pp == NULL) {
		fprintf(stderr, "%s\n", ev->status);
		fflush(stderr);
		return;
	}
	if (pull_line(ev, true))
		return;
	if (*pp == NULL && ev->kind == STORAGE_PROGRESS_START) {
		fprintf(stderr, "Getting image source signatures\n");
		*pp = progress_new();
	}
	struct progress *p = *pp;
	if (p == NULL)
		return;
	struct progress_item *it;
	switch (ev->kind) {
	case STORAGE_PROGRESS_START:
		progress_item(p, ev->item, ev->label, ev->digest, ev->total);
		break;
	case STORAGE_PROGRESS_BYTES:
		if ((it = item_at(p, ev->item)) != NULL)
			atomic_fetch_add(&it->done, ev->n);
		break;
	case STORAGE_PROGRESS_DONE:
	case STORAGE_PROGRESS_ERROR:
		progress_done(p, ev->item, ev->status);
		break;
	case STORAGE_PROGRESS_END:
		progress_finish(pp);
		break;
	case STORAGE_PROGRESS_WAIT:
	case STORAGE_PROGRESS_TRYING:
	case STORAGE_PROGRESS_STORED:
		break;
	}
}

/* stderr no terminal: podman's plain lines, one per blob as its copy starts. */
static void lines_event(void *ctx, const struct storage_progress_event *ev)
{
	bool *started = ctx;
	if (pull_line(ev, false))
		return;
	if (ev->kind == STORAGE_PROGRESS_END)
		*started = false;
	if (ev->kind != STORAGE_PROGRESS_START)
		return;
	if (!*started)
		fprintf(stderr, "Getting image source signatures\n");
	*started = true;
	fprintf(stderr, "%s %s\n", ev->label, ev->digest);
	fflush(stderr);
}

const struct storage_progress_sink *cli_pull_progress(bool quiet)
{
	static bool started;
	static const struct storage_progress_sink lines = { .event = lines_event, .ctx = &started };
	if (quiet)
		return NULL;
	return isatty(STDERR_FILENO) ? cli_progress(false) : &lines;
}

const struct storage_progress_sink *cli_progress(bool quiet)
{
	static struct progress *block;
	static const struct storage_progress_sink sink = { .event = tty_event, .ctx = &block };
	if (quiet || !isatty(STDERR_FILENO))
		return NULL;
	return &sink;
}

static const char *const kind_names[] = {
	[STORAGE_PROGRESS_START] = "start",   [STORAGE_PROGRESS_BYTES] = "bytes",
	[STORAGE_PROGRESS_DONE] = "done",     [STORAGE_PROGRESS_ERROR] = "error",
	[STORAGE_PROGRESS_END] = "end",	      [STORAGE_PROGRESS_TRYING] = "trying",
	[STORAGE_PROGRESS_STORED] = "stored", [STORAGE_PROGRESS_WAIT] = "wait",
};

static void json_event(void *ctx, const struct storage_progress_event *ev)
{
	FILE *f = ctx;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string(kind_names[ev->kind]));
	if (ev->kind < STORAGE_PROGRESS_END)
		json_object_object_add(o, "item", json_object_new_int64(ev->item));
	if (ev->kind == STORAGE_PROGRESS_TRYING) {
		json_object_object_add(o, "ref", json_object_new_string(ev->label));
	} else if (ev->kind == STORAGE_PROGRESS_STORED) {
		json_object_object_add(o, "config", json_object_new_string(ev->digest));
	} else if (ev->kind == STORAGE_PROGRESS_START) {
		json_object_object_add(o, "label", json_object_new_string(ev->label));
		json_object_object_add(o, "digest", json_object_new_string(ev->digest));
		json_object_object_add(o, "total", json_object_new_int64(ev->total));
	} else if (ev->kind == STORAGE_PROGRESS_BYTES) {
		json_object_object_add(o, "bytes", json_object_new_int64(ev->n));
	} else if (ev->kind != STORAGE_PROGRESS_END && ev->kind != STORAGE_PROGRESS_TRYING) {
		json_object_object_add(o, "status", json_object_new_string(ev->status));
	}
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(f);
	json_object_put(o);
}

void cli_progress_json(FILE *f, struct storage_progress_sink *sink)
{
	*sink = (struct storage_progress_sink){ .event = json_event, .ctx = f };
}
