/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer compression for push: gzip with zlib, parallel as independent gzip members (a valid
 * gzip stream, which every reader takes: RFC 1952 allows several members), one CHUNK of
 * input each, on up to one thread per core; and zstd with libzstd's own worker threads.
 * Both libraries are loaded on first use, as libcurl is (curl_lazy.c): no start of hutch
 * pays for them. A chunk that does not compress (random or compressed data) is stored
 * (deflate level 0): the same valid stream at the speed of a copy, where level 6 would
 * spend its time for nothing. Output is deterministic for the same input and level.
 * The level is 3 (GZIP_LEVEL), where containers/image uses 6.
 */
#include "storage/internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (4 << 20)
#define PROBE (64 << 10)
#define MAX_THREADS 8
/* zlib's level 3: within 3-8% of level 6's size on layers (text, binaries) at twice the
 * speed. */
#define GZIP_LEVEL 3

/* ---------- the libraries, loaded once ---------- */

/* libzstd's streaming API (zstd.h, stable since 1.4); declared here: only the runtime library
 * need be installed. */
typedef struct ZSTD_CCtx_s ZSTD_CCtx;
typedef struct {
	const void *src;
	size_t size, pos;
} zstd_in;
typedef struct {
	void *dst;
	size_t size, pos;
} zstd_out;
enum {
	ZSTD_C_LEVEL = 100,
	ZSTD_C_WORKERS = 400,
	ZSTD_E_CONTINUE = 0,
	ZSTD_E_END = 2
};

static struct {
	int (*deflate_init2)(z_streamp, int, int, int, int, int, const char *, int);
	int (*deflate)(z_streamp, int);
	int (*deflate_end)(z_streamp);
	unsigned long (*deflate_bound)(z_streamp, unsigned long);
	ZSTD_CCtx *(*zstd_create)(void);
	size_t (*zstd_free)(ZSTD_CCtx *);
	size_t (*zstd_set)(ZSTD_CCtx *, int, int);
	size_t (*zstd_stream)(ZSTD_CCtx *, zstd_out *, zstd_in *, int);
	unsigned (*zstd_is_error)(size_t);
	const char *(*zstd_error_name)(size_t);
} fn;

static pthread_once_t zlib_once = PTHREAD_ONCE_INIT, zstd_once = PTHREAD_ONCE_INIT;

static void load_zlib(void)
{
	void *lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
	*(void **)&fn.deflate_init2 = lazy_symbol(lib, "libz.so.1", "deflateInit2_", "zlib1g");
	*(void **)&fn.deflate = lazy_symbol(lib, "libz.so.1", "deflate", "zlib1g");
	*(void **)&fn.deflate_end = lazy_symbol(lib, "libz.so.1", "deflateEnd", "zlib1g");
	*(void **)&fn.deflate_bound = lazy_symbol(lib, "libz.so.1", "deflateBound", "zlib1g");
}

static void load_zstd(void)
{
	static const char so[] = "libzstd.so.1", pkg[] = "libzstd1";
	void *lib = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	*(void **)&fn.zstd_create = lazy_symbol(lib, so, "ZSTD_createCCtx", pkg);
	*(void **)&fn.zstd_free = lazy_symbol(lib, so, "ZSTD_freeCCtx", pkg);
	*(void **)&fn.zstd_set = lazy_symbol(lib, so, "ZSTD_CCtx_setParameter", pkg);
	*(void **)&fn.zstd_stream = lazy_symbol(lib, so, "ZSTD_compressStream2", pkg);
	*(void **)&fn.zstd_is_error = lazy_symbol(lib, so, "ZSTD_isError", pkg);
	*(void **)&fn.zstd_error_name = lazy_symbol(lib, so, "ZSTD_getErrorName", pkg);
}

/* ---------- gzip: one member per chunk ---------- */

struct gz_job {
	char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len;
	bool ready; /* in is full: to be compressed */
	bool taken; /* a worker compresses it */
	bool done;  /* out is written */
	bool failed;
};

struct compressor {
	enum layer_compression kind;
	struct store_hashed_out *out;
	int level;
	/* gzip */
	size_t nthreads;
	pthread_t th[MAX_THREADS];
	size_t started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct gz_job *ring; /* 2 per thread: one compressing, one filling */
	size_t nring, nalloc;
	uint64_t submitted;  /* chunks handed over, inline ones too */
	uint64_t head, tail; /* jobs handed out [tail, head); the one being filled is head */
	bool stop;
	/* zstd */
	ZSTD_CCtx *zc;
	unsigned char *zbuf;
	size_t zbuf_len;
};

/* Does this chunk compress at all? Level 1 on its first PROBE bytes says. */
static bool compressible(const char *in, size_t len)
{
	size_t n = len < PROBE ? len : PROBE;
	z_stream z = { 0 };
	if (fn.deflate_init2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			     (int)sizeof(z)) != Z_OK)
		return true;
	unsigned char out[PROBE + 1024];
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)n;
	z.next_out = out;
	z.avail_out = sizeof(out);
	int rc = fn.deflate(&z, Z_FINISH);
	size_t got = sizeof(out) - z.avail_out;
	fn.deflate_end(&z);
	return rc == Z_STREAM_END && got < n - n / 32;
}

static void gz_member(struct gz_job *j, int level)
{
	z_stream z = { 0 };
	if (j->in_len > 0 && !compressible(j->in, j->in_len))
		level = 0;
	if (fn.deflate_init2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
			     (int)sizeof(z)) != Z_OK) {
		j->failed = true;
		return;
	}
	size_t bound = fn.deflate_bound(&z, (unsigned long)j->in_len) + 64;
	j->out = xrealloc(j->out, bound);
	z.next_in = (unsigned char *)j->in;
	z.avail_in = (unsigned)j->in_len;
	z.next_out = j->out;
	z.avail_out = (unsigned)bound;
	j->failed = fn.deflate(&z, Z_FINISH) != Z_STREAM_END;
	j->out_len = bound - z.avail_out;
	fn.deflate_end(&z);
}

static void *gz_worker(void *arg)
{
	struct compressor *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct gz_job *j = NULL;
		for (uint64_t i = c->tail; i < c->head; i++) {
			struct gz_job *k = &c->ring[i % c->nring];
			if (k->ready && !k->taken) {
				j = k;
				break;
			}
		}
		if (j == NULL) {
			if (c->stop)
				break;
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		j->taken = true;
		pthread_mutex_unlock(&c->mu);
		gz_member(j, c->level);
		pthread_mutex_lock(&c->mu);
		j->done = true;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Write out the oldest job once it is compressed (waiting for it). Caller holds mu. */
static int gz_drain_one(struct compressor *c, struct error **err)
{
	struct gz_job *j = &c->ring[c->tail % c->nring];
	while (!j->done)
		pthread_cond_wait(&c->cv, &c->mu);
	int rc = 0;
	if (j->failed)
		rc = err_set(err, EIO, ERR_TOOL, "compressing the layer: zlib failed");
	else if (store_hashed_write(NULL, c->out, j->out, j->out_len) != (ssize_t)j->out_len)
		rc = err_sys(err, "writing the compressed layer");
	j->in_len = 0;
	j->ready = j->taken = j->done = j->failed = false;
	c->tail++;
	return rc;
}

/* Hand the job being filled to the workers (compressed inline without threads). */
static int gz_submit(struct compressor *c, struct error **err)
{
	struct gz_job *j = &c->ring[c->head % c->nring];
	c->submitted++;
	if (c->started == 0) {
		gz_member(j, c->level);
		if (j->failed)
			return err_set(err, EIO, ERR_TOOL, "compressing the layer: zlib failed");
		int rc = store_hashed_write(NULL, c->out, j->out, j->out_len) == (ssize_t)j->out_len
			     ? 0
			     : err_sys(err, "writing the compressed layer");
		j->in_len = 0;
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	j->ready = true;
	c->head++;
	pthread_cond_broadcast(&c->cv);
	int rc = 0;
	/* The next slot to fill must be free: write out the oldest first. */
	while (rc == 0 && c->head - c->tail >= c->nring)
		rc = gz_drain_one(c, err);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

struct compressor *compressor_new(enum layer_compression kind, struct store_hashed_out *out,
				  struct error **err)
{
	struct compressor *c = xzalloc(sizeof(*c));
	c->kind = kind;
	c->out = out;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (size_t)cpus;
	if (kind == LAYER_ZSTD) {
		pthread_once(&zstd_once, load_zstd);
		c->zc = fn.zstd_create();
		if (c->zc == NULL) {
			free(c);
			err_set(err, ENOMEM, ERR_TOOL,
				"compressing the layer: zstd failed to start");
			return NULL;
		}
		fn.zstd_set(c->zc, ZSTD_C_LEVEL, 3);
		/* Ignored (an error) by a libzstd built without threads: then one. */
		if (nt > 1)
			fn.zstd_set(c->zc, ZSTD_C_WORKERS, (int)nt);
		c->zbuf_len = 1 << 20;
		c->zbuf = xmalloc(c->zbuf_len);
		return c;
	}
	pthread_once(&zlib_once, load_zlib);
	c->level = GZIP_LEVEL;
	c->nring = c->nalloc = 2 * nt;
	c->ring = xcalloc(c->nring, sizeof(*c->ring));
	for (size_t i = 0; i < c->nring; i++)
		c->ring[i].in = xmalloc(CHUNK);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	for (size_t i = 0; nt > 1 && i < nt; i++)
		if (pthread_create(&c->th[c->started], NULL, gz_worker, c) == 0)
			c->started++;
	if (c->started == 0)
		c->nring = 1;
	return c;
}

static int zstd_run(struct compressor *c, const void *data, size_t len, int mode,
		    struct error **err)
{
	zstd_in in = { .src = data, .size = len };
	for (;;) {
		zstd_out o = { .dst = c->zbuf, .size = c->zbuf_len };
		size_t left = fn.zstd_stream(c->zc, &o, &in, mode);
		if (fn.zstd_is_error(left))
			return err_set(err, EIO, ERR_TOOL, "compressing the layer: zstd: %s",
				       fn.zstd_error_name(left));
		if (o.pos > 0 && store_hashed_write(NULL, c->out, c->zbuf, o.pos) != (ssize_t)o.pos)
			return err_sys(err, "writing the compressed layer");
		if (mode == ZSTD_E_END ? left == 0 : in.pos == in.size)
			return 0;
	}
}

int compressor_write(struct compressor *c, const void *data, size_t len, struct error **err)
{
	if (c->kind == LAYER_ZSTD)
		return zstd_run(c, data, len, ZSTD_E_CONTINUE, err);
	const char *p = data;
	while (len > 0) {
		struct gz_job *j = &c->ring[c->head % c->nring];
		size_t n = CHUNK - j->in_len < len ? CHUNK - j->in_len : len;
		memcpy(j->in + j->in_len, p, n);
		j->in_len += n;
		p += n;
		len -= n;
		if (j->in_len == CHUNK && gz_submit(c, err) < 0)
			return -1;
	}
	return 0;
}

int compressor_finish(struct compressor **cp, bool ok, struct error **err)
{
	struct compressor *c = *cp;
	if (c == NULL)
		return 0;
	int rc = ok ? 0 : -1;
	if (c->kind == LAYER_ZSTD) {
		if (rc == 0)
			rc = zstd_run(c, "", 0, ZSTD_E_END, err);
		fn.zstd_free(c->zc);
		free(c->zbuf);
	} else {
		/* The last, partial chunk (an empty input still makes one empty member). */
		struct gz_job *j = &c->ring[c->head % c->nring];
		if (rc == 0 && (j->in_len > 0 || c->submitted == 0))
			rc = gz_submit(c, err);
		pthread_mutex_lock(&c->mu);
		while (c->tail < c->head) {
			struct error *e = NULL;
			if (gz_drain_one(c, rc == 0 ? err : &e) < 0)
				rc = -1;
			err_free(&e);
		}
		c->stop = true;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		for (size_t i = 0; i < c->started; i++)
			pthread_join(c->th[i], NULL);
		for (size_t i = 0; i < c->nalloc; i++)
			free(c->ring[i].in), free(c->ring[i].out);
		free(c->ring);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
	}
	free(c);
	*cp = NULL;
	return rc;
}
