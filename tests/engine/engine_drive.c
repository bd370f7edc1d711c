/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine without the CLI (issue 12's acceptance): pull with a recording progress sink,
 * create, start attached with pipes as the streams, start detached, exec with pipes (with
 * and without a terminal), attach with pipes, stop, copy out as a tar stream to an fd,
 * inspect and remove, checking what each returns. Any mismatch exits 1 with a message.
 *   engine_drive REF            (tests/system/015-engine-api.bats runs it)
 *   engine_drive __cleanup ID   (the monitor's exit command: this program is "hutch" here)
 * It must sit beside hutch-monitor and hutch-init, as hutch does.
 */
#include "oci/engine.h"
#include "oci/spec/specgen.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *step = "setup";

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "engine_drive: %s: FAIL: ", step);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* An engine call's failure: its error message. */
static void check_rc(int rc, struct error *e)
{
	if (rc < 0)
		fail("%s", e != NULL ? e->msg : "failed without an error");
}

static void expect_str(const char *what, const char *got, const char *want)
{
	if (got == NULL || strcmp(got, want) != 0)
		fail("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}

static void expect_int(const char *what, long long got, long long want)
{
	if (got != want)
		fail("%s: got %lld, want %lld", what, got, want);
}

/* ---------- the recording progress sink ---------- */

#define MAX_BLOBS 64

struct blob_rec {
	int starts, dones, errors;
	char label[64], digest[96], status[64];
	int64_t total, bytes;
};

struct recording {
	struct blob_rec blobs[MAX_BLOBS];
	unsigned n;	  /* items started */
	int ends;	  /* END events */
	int after_end;	  /* events after the first END (one batch expected) */
	int out_of_order; /* a START not numbered n, or an event for an item not started */
};

static void record_event(void *ctx, const struct storage_progress_event *ev)
{
	struct recording *r = ctx;
	/* the reference tried, the image stored: outside the batch of blobs */
	if (ev->kind == STORAGE_PROGRESS_TRYING || ev->kind == STORAGE_PROGRESS_STORED)
		return;
	if (r->ends > 0) {
		r->after_end++;
		return;
	}
	if (ev->kind == STORAGE_PROGRESS_END) {
		r->ends++;
		return;
	}
	if (ev->kind == STORAGE_PROGRESS_TRYING)
		return; /* before the batch: not a blob's */
	if (ev->kind == STORAGE_PROGRESS_START) {
		if (ev->item != r->n || r->n == MAX_BLOBS) {
			r->out_of_order++;
			return;
		}
		struct blob_rec *b = &r->blobs[r->n++];
		b->starts++;
		snprintf(b->label, sizeof(b->label), "%s", ev->label);
		snprintf(b->digest, sizeof(b->digest), "%s", ev->digest);
		b->total = ev->total;
		return;
	}
	if (ev->item >= r->n) {
		r->out_of_order++;
		return;
	}
	struct blob_rec *b = &r->blobs[ev->item];
	if (ev->kind == STORAGE_PROGRESS_BYTES) {
		b->bytes += ev->n;
	} else {
		ev->kind == STORAGE_PROGRESS_DONE ? b->dones++ : b->errors++;
		snprintf(b->status, sizeof(b->status), "%s", ev->status);
	}
}

static char *do_pull(struct storage *s, const char *ref)
{
	step = "pull";
	struct recording rec = { 0 };
	struct storage_progress_sink sink = { .event = record_event, .ctx = &rec };
	struct storage_pull_opts po = { .tls_verify = 0, .progress = &sink };
	struct error *e = NULL;
	char *id = NULL;
	check_rc(storage_pull(s, ref, &po, &id, &e), e);
	struct storage_image *img = NULL;
	check_rc(storage_image_lookup(s, id, &img, &e), e);
	expect_int("blobs started (one per layer)", rec.n, (long long)strv_len(img->layers));
	expect_int("END events", rec.ends, 1);
	expect_int("events after END", rec.after_end, 0);
	expect_int("events out of order", rec.out_of_order, 0);
	for (unsigned i = 0; i < rec.n; i++) {
		struct blob_rec *b = &rec.blobs[i];
		expect_str("blob label", b->label, "Copying blob");
		if (strncmp(b->digest, "sha256:", 7) != 0 || strlen(b->digest) != 71)
			fail("blob %u: digest \"%s\"", i, b->digest);
		expect_int("blob starts", b->starts, 1);
		expect_int("blob dones", b->dones, 1);
		expect_int("blob errors", b->errors, 0);
		/* A fresh store: every blob is downloaded, its bytes adding up to its size. */
		expect_str("blob status", b->status, "done");
		if (b->total <= 0)
			fail("blob %u: total %lld", i, (long long)b->total);
		expect_int("blob bytes", b->bytes, b->total);
	}
	printf("pull: %u blobs, bytes add up\n", rec.n);
	storage_image_free(&img);
	return id;
}

/* ---------- pipes as the streams ---------- */

struct pipes {
	int in[2], out[2], err[2];
	struct eng_stdio io;
};

/* Pipes for in, out and err; input (may be NULL) already written to in, and in's write end
 * closed: the process reads it, then EOF. */
static void pipes_open(struct pipes *p, const char *input)
{
	if (pipe2(p->in, O_CLOEXEC) < 0 || pipe2(p->out, O_CLOEXEC) < 0 ||
	    pipe2(p->err, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	if (input != NULL && fs_write_all(p->in[1], input, strlen(input)) < 0)
		fail("writing the input: %s", strerror(errno));
	close(p->in[1]);
	p->io = (struct eng_stdio){ .in = p->in[0], .out = p->out[1], .err = p->err[1] };
}

static char *drain(int fd)
{
	char *buf = NULL;
	size_t len = 0;
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf = xrealloc(buf, len + (size_t)n + 1);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	if (buf == NULL)
		buf = xstrdup("");
	buf[len] = '\0';
	return buf;
}

/* Close our write ends and read what came; *out and *err owned. */
static void pipes_close(struct pipes *p, char **out, char **err)
{
	close(p->in[0]);
	close(p->out[1]);
	close(p->err[1]);
	*out = drain(p->out[0]);
	*err = drain(p->err[0]);
	close(p->out[0]);
	close(p->err[0]);
}

/* ---------- the container's life ---------- */

static struct eng_ctr *do_create(struct eng *eng, const char *ref)
{
	step = "create";
	struct error *e = NULL;
	char *args[] = { "sh", "-c", "echo hello; cat; echo bye >&2", NULL };
	/* A create request, as the API service or kube play would fill it: the image is
	 * the pulled one (never pulled again), the rest plain values. */
	struct eng_ctr_create_req r = { .image = ref,
					.pull = "never",
					.name = "drive",
					.command = args,
					.stop_timeout = 1,
					.stop_timeout_set = true,
					.interactive = true,
					.network = "none" };
	struct eng_ctr *c = NULL;
	check_rc(eng_ctr_create(eng, &r, &c, &e), e);
	if (c->id == NULL || strlen(c->id) != 64)
		fail("the new container's id \"%s\"", c->id ? c->id : "(null)");
	expect_str("name", c->name, "drive");
	expect_int("status", c->state.status, ENG_CTR_CREATED);
	printf("create: %s\n", c->id);
	return c;
}

/* Start attached, the streams pipes: what we wrote comes back through cat. */
static void do_start_attached(struct eng *eng, struct eng_ctr *c)
{
	step = "start attached";
	struct pipes p;
	pipes_open(&p, "ping\n");
	struct eng_ctr_start_opts so = { .attach = true, .io = &p.io, .stdin_attached = true };
	struct error *e = NULL;
	int status = -1;
	bool detached = true;
	int rc = eng_ctr_start(eng, c, &so, &status, &detached, &e);
	char *out, *err;
	pipes_close(&p, &out, &err);
	check_rc(rc, e);
	expect_int("detached", detached, 0);
	expect_int("exit status", status, 0);
	expect_str("stdout", out, "hello\nping\n");
	expect_str("stderr", err, "bye\n");
	free(out);
	free(err);
	printf("start attached: output and status as expected\n");
}

static void do_start_detached(struct eng *eng, struct eng_ctr *c)
{
	step = "start detached";
	struct eng_ctr_start_opts so = { 0 };
	struct error *e = NULL;
	int status = -1;
	bool detached = false;
	check_rc(eng_ctr_start(eng, c, &so, &status, &detached, &e), e);
	expect_int("status", c->state.status, ENG_CTR_RUNNING);
}

static void do_exec(struct eng_ctr *c)
{
	step = "exec with pipes";
	struct pipes p;
	pipes_open(&p, "abc\n");
	char *args[] = { "sh", "-c", "echo out; echo err >&2; read x; echo got $x; exit 3", NULL };
	struct eng_ctr_exec_opts eo = { .args = args, .interactive = true, .io = &p.io };
	struct error *e = NULL;
	int status = -1;
	int rc = eng_ctr_exec(c, &eo, &status, &e);
	char *out, *err;
	pipes_close(&p, &out, &err);
	check_rc(rc, e);
	expect_int("exit status", status, 3);
	expect_str("stdout", out, "out\ngot abc\n");
	expect_str("stderr", err, "err\n");
	free(out);
	free(err);

	/* With a terminal: its output (the pty's, CR LF) to out; the pipe is no tty. */
	step = "exec with a terminal";
	pipes_open(&p, NULL);
	char *targs[] = { "sh", "-c", "echo tty-out; exit 4", NULL };
	eo = (struct eng_ctr_exec_opts){ .args = targs, .tty = true, .io = &p.io };
	rc = eng_ctr_exec(c, &eo, &status, &e);
	pipes_close(&p, &out, &err);
	check_rc(rc, e);
	expect_int("exit status", status, 4);
	expect_str("stdout", out, "tty-out\r\n");
	expect_str("stderr", err, "");
	free(out);
	free(err);
	printf("exec: output and status as expected\n");
}

/* Attach to the running container; the end of our input ends its cat, and so it. */
static void do_attach(struct eng *eng, struct eng_ctr *c)
{
	step = "attach";
	struct pipes p;
	pipes_open(&p, "again\n");
	struct eng_ctr_start_opts so = { .attach = true, .io = &p.io, .stdin_attached = true };
	struct error *e = NULL;
	int status = -1;
	bool detached = true;
	int rc = eng_ctr_attach(c, &so, &status, &detached, &e);
	char *out, *err;
	pipes_close(&p, &out, &err);
	check_rc(rc, e);
	expect_int("exit status", status, 0);
	size_t n = strlen(out);
	if (n < 6 || strcmp(out + n - 6, "again\n") != 0)
		fail("stdout \"%s\" does not end with what we sent", out);
	free(out);
	free(err);
	struct eng_ctr *again = NULL;
	check_rc(eng_ctr_lookup(eng, c->id, &again, &e), e);
	expect_int("status after attach", again->state.status, ENG_CTR_EXITED);
	eng_ctr_free(&again);
	printf("attach: input echoed, exit status 0\n");
}

static void do_stop(struct eng *eng, struct eng_ctr *c)
{
	do_start_detached(eng, c);
	step = "stop";
	struct error *e = NULL;
	/* sh as pid 1 ignores SIGTERM: SIGKILL after the timeout. */
	check_rc(eng_ctr_stop(c, 1, &e), e);
	struct eng_ctr *again = NULL;
	check_rc(eng_ctr_lookup(eng, c->id, &again, &e), e);
	expect_int("status after stop", again->state.status, ENG_CTR_EXITED);
	expect_int("exit code after stop", again->state.exit_code, 137);
	eng_ctr_free(&again);
	printf("stop: exited 137\n");
}

/* cp out of the container as a tar stream to an fd: the first header names the file. */
static void do_copy(struct eng *eng, struct eng_ctr *c)
{
	step = "cp to an fd";
	char path[] = "/tmp/engine-drive-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		fail("mkstemp: %s", strerror(errno));
	unlink(path);
	struct error *e = NULL;
	check_rc(eng_ctr_copy(eng, c, "/etc/hostname", true, NULL, false, fd, NULL, &e), e);
	char hdr[512] = { 0 };
	if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		fail("the tar stream is shorter than a header");
	close(fd);
	hdr[99] = '\0';
	expect_str("tar entry", hdr, "hostname");
	printf("cp: a tar stream with hostname\n");
}

static void do_inspect(struct eng_ctr *c)
{
	step = "inspect";
	struct json_object *doc = eng_ctr_inspect(c);
	struct json_object *v = NULL;
	if (doc == NULL || !json_object_object_get_ex(doc, "Id", &v))
		fail("no Id in the document");
	expect_str("Id", json_object_get_string(v), c->id);
	json_object_put(doc);
	printf("inspect: the document has the id\n");
}

static void do_remove(struct eng *eng, struct eng_ctr *c)
{
	step = "remove";
	struct error *e = NULL;
	check_rc(eng_ctr_remove(eng, c, false, &e), e);
	struct eng_ctr *gone = NULL;
	if (eng_ctr_lookup(eng, c->id, &gone, &e) == 0)
		fail("the container is still there");
	expect_int("lookup after remove: errno", e->code, ENOENT);
	err_free(&e);
	printf("remove: gone\n");
}

int main(int argc, char **argv)
{
	struct eng *eng = NULL;
	struct error *e = NULL;
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "__cleanup") == 0) {
		/* The monitor's exit command, as hutch __cleanup [--unlisted] does it. */
		bool unlisted = argc == 4 && strcmp(argv[3], "--unlisted") == 0;
		int rc = eng_open(NULL, &eng, &e);
		if (rc == 0)
			rc = eng_ctr_cleanup(eng, argv[2], unlisted, &e);
		if (rc < 0)
			fprintf(stderr, "engine_drive __cleanup: %s\n", e->msg);
		eng_close(&eng);
		return rc < 0 ? 125 : 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: engine_drive REF\n");
		return 2;
	}
	check_rc(eng_open(NULL, &eng, &e), e);
	char *id = do_pull(eng_storage(eng), argv[1]);
	struct eng_ctr *c = do_create(eng, argv[1]);
	do_start_attached(eng, c);
	do_start_detached(eng, c);
	do_exec(c);
	do_attach(eng, c);
	do_stop(eng, c);
	do_copy(eng, c);
	do_inspect(c);
	do_remove(eng, c);
	eng_ctr_free(&c);
	free(id);
	eng_close(&eng);
	printf("engine_drive: all steps passed\n");
	return 0;
}
