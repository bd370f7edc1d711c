/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress display: a thread redraws all lines every 150 ms with the cursor moved back
 * up, so parallel downloads share one block of the terminal.
 */
#include "storage/progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 128

struct progress_item {
	char *label;
	char digest[13];
	int64_t total;
	atomic_llong done;
	_Atomic(const char *) status;
};

struct progress {
	pthread_mutex_t mu;
	pthread_t th;
	bool running, stop;
	struct progress_item *items[MAX_ITEMS];
	size_t n;
	int drawn;
	struct timespec start;
};

struct progress *progress_new(bool enabled)
{
	if (!enabled || !isatty(STDERR_FILENO))
		return NULL;
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
		const char *st = atomic_load(&it->status);
		char a[32], b[32], r[32];
		human(a, sizeof(a), (double)done);
		human(b, sizeof(b), (double)it->total);
		human(r, sizeof(r), secs > 0 ? (double)done / secs : 0);
		if (st != NULL) {
			fprintf(stderr, "\033[2K%s %s %s\n", it->label, it->digest, st);
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

struct progress_item *progress_item(struct progress *p, const char *label, const char *digest,
				    int64_t total)
{
	if (p == NULL || p->n >= MAX_ITEMS)
		return NULL;
	struct progress_item *it = xzalloc(sizeof(*it));
	it->label = xstrdup(label);
	const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
	snprintf(it->digest, sizeof(it->digest), "%s", hex);
	it->total = total;
	pthread_mutex_lock(&p->mu);
	p->items[p->n++] = it;
	if (!p->running)
		p->running = pthread_create(&p->th, NULL, loop, p) == 0;
	pthread_mutex_unlock(&p->mu);
	return it;
}

void progress_add(struct progress_item *it, int64_t n)
{
	if (it != NULL)
		atomic_fetch_add(&it->done, n);
}

void progress_done(struct progress_item *it, const char *status)
{
	if (it != NULL)
		atomic_store(&it->status, status);
}

void progress_finish(struct progress **pp)
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
