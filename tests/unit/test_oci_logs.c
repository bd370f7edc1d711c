/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading container logs back: joins, streams, --tail, --since/--until, -t and --follow;
 * and (issue 13) the rotated file, --follow across rotations, --tail reading back from the
 * end of a big log, and a huge line without newline read in bounded memory.
 */
#include "oci/monitor/monitor.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* From libasan (Debian's gcc ships no sanitizer headers). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static char *tmp;

static const char sample[] = "2024-01-01T00:00:01.000000000+00:00 stdout F one\n"
			     "2024-01-01T00:00:02.000000000+00:00 stderr F e1\n"
			     "2024-01-01T00:00:03.000000000+00:00 stdout P tw\n"
			     "2024-01-01T00:00:03.500000000+00:00 stdout F o\n"
			     "not a record at all\n"
			     "2024-01-01T00:00:04.000000000+00:00 stdout F three\n"
			     "2024-01-01T00:00:05.000000000+00:00 stdout P unfinished";

struct out {
	char *o, *e;
	size_t ol, el;
	FILE *fo, *fe;
};

static void run(const char *path, const struct oci_logs_opts *opts, struct out *r)
{
	*r = (struct out){ 0 };
	r->fo = open_memstream(&r->o, &r->ol);
	r->fe = open_memstream(&r->e, &r->el);
	struct error *err = NULL;
	if (oci_logs_print(path, opts, r->fo, r->fe, &err) < 0) {
		ok(0, "oci_logs_print: %s", err->msg);
		err_free(&err);
	}
	fclose(r->fo);
	fclose(r->fe);
}

static void done(struct out *r)
{
	free(r->o);
	free(r->e);
}

/* Bytes this process has read so far (rchar: every read and pread). */
static long long bytes_read(void)
{
	autofclose FILE *f = fopen("/proc/self/io", "re");
	char line[128];
	long long v = -1;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "rchar: %lld", &v) == 1)
			break;
	return v;
}

/* Heap bytes in use now (ASan's count in the sanitizer build). */
static size_t heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* An output that drops what it gets and notes the most heap in use meanwhile. */
static size_t heap_peak;
static ssize_t peak_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	(void)buf;
	size_t h = heap_in_use();
	if (h > heap_peak)
		heap_peak = h;
	return (ssize_t)size;
}

/*
 * n numbered lines through a writer that rotates at 1 MiB, in batches of 100. paced: a
 * pause of 1 ms every 1,000 lines (still about 50 MB/s): at full speed a writer outruns a
 * reader the machine leaves unscheduled for a while by two whole files, and with one kept
 * file the one between is gone before the reader can open it.
 */
static void write_numbered(const char *path, long n, bool paced)
{
	struct oci_log_writer w;
	struct error *err = NULL;
	oci_log_open(&w, path, 1 << 20, &err);
	char buf[2048];
	for (long i = 1; i <= n;) {
		size_t len = 0;
		for (int k = 0; k < 100 && i <= n; k++, i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "line %ld\n", i);
		oci_log_write(&w, 1, buf, len);
		if (paced && i % 1000 == 1)
			usleep(1000);
	}
	oci_log_close(&w);
}

/* Are the lines of text "line A" ... "line B", in order? */
static bool numbered(const char *text, long a, long b)
{
	const char *p = text;
	for (long i = a; i <= b; i++) {
		char want[32];
		int l = snprintf(want, sizeof(want), "line %ld\n", i);
		if (p == NULL || strncmp(p, want, (size_t)l) != 0) {
			printf("# want \"line %ld\" at offset %zu: \"%.30s\"\n", i,
			       (size_t)(p - text), p);
			return false;
		}
		p += l;
	}
	return *p == '\0';
}

/*
 * One --follow while a writer rotates about five times (1 MiB, 100,000 lines): are all the
 * lines there, in order? A reader that hangs fails rather than hanging the run.
 */
static bool follow_round(const char *path, const char *exitf, const char *got)
{
	autofree char *old = xasprintf("%s.1", path);
	unlink(path);
	unlink(old);
	unlink(exitf);
	struct error *err = NULL;
	/* The monitor creates the log before the container runs. */
	fs_write_atomic(path, "", 0, 0600, &err);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		write_numbered(path, 100000, true);
		struct error *e2 = NULL;
		fs_write_atomic(exitf, "{}", 2, 0600, &e2);
		_exit(0);
	}
	pid_t rd = fork();
	if (rd == 0) {
		alarm(60);
		FILE *fo = fopen(got, "we");
		struct oci_logs_opts o = { .tail = -1, .follow = true, .done_file = exitf };
		struct error *e2 = NULL;
		int rc = oci_logs_print(path, &o, fo, stderr, &e2);
		fclose(fo);
		_exit(rc == 0 ? 0 : 1);
	}
	int st_w = 0, st_r = 0;
	waitpid(pid, &st_w, 0);
	waitpid(rd, &st_r, 0);
	if (!WIFEXITED(st_r) || WEXITSTATUS(st_r) != 0) {
		printf("# the follower ended with status %d\n", st_r);
		return false;
	}
	autofree char *text = NULL;
	fs_read_file(got, 64 << 20, &text, NULL, &err);
	err_free(&err);
	return text != NULL && numbered(text, 1, 100000);
}

/* HUTCH_LOGS_ROUNDS rounds (1 in make check; tests/stress/logs-follow.sh asks for more). */
static void follow_rounds(const char *path, const char *exitf)
{
	const char *env = getenv("HUTCH_LOGS_ROUNDS");
	long rounds = env != NULL ? strtol(env, NULL, 10) : 1;
	autofree char *got = xasprintf("%s/followed", tmp);
	long good = 0;
	for (long i = 0; i < (rounds > 0 ? rounds : 1); i++)
		good += follow_round(path, exitf, got);
	ok(good == rounds,
	   "--follow across rotations: all 100,000 lines in order, %ld of %ld rounds", good,
	   rounds);
}

static void rotation_tests(void)
{
	struct out r;
	autofree char *path = xasprintf("%s/rot.log", tmp);
	autofree char *exitf = xasprintf("%s/rot.exit", tmp);
	write_numbered(path, 100000, false);
	/* What is kept: the rotated file and the current one, oldest first, no gap. */
	struct oci_logs_opts o = { .tail = -1 };
	run(path, &o, &r);
	const char *first = r.o != NULL ? strstr(r.o, "line ") : NULL;
	long from = first != NULL ? strtol(first + 5, NULL, 10) : 0;
	ok(from > 1 && from < 100000 - 20000, "logs shows the rotated part too (from line %ld)",
	   from);
	ok(numbered(r.o, from, 100000), "... in order, up to the last line");
	done(&r);
	o.tail = 3;
	run(path, &o, &r);
	is_str(r.o, "line 99998\nline 99999\nline 100000\n", "--tail 3 of a rotated log");
	done(&r);

	follow_rounds(path, exitf);
}

/* --tail on a 100 MB log reads its end, not the file. */
static void big_tail_test(void)
{
	autofree char *path = xasprintf("%s/big.log", tmp);
	autofree char *block = xmalloc(1 << 20);
	size_t len = 0;
	for (int i = 0; len + 128 < (1 << 20); i++)
		len += (size_t)snprintf(block + len, (1 << 20) - len,
					"2024-01-01T00:00:01.000000000+00:00 stdout F row %d\n", i);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	for (int i = 0; i < 100; i++)
		(void)fs_write_all(fd, block, len);
	(void)fs_write_all(fd, "2024-01-01T00:00:02.000000000+00:00 stdout F last\n", 50);
	close(fd);
	struct out r;
	struct oci_logs_opts o = { .tail = 5 };
	long long before = bytes_read();
	run(path, &o, &r);
	long long spent = bytes_read() - before;
	has_str(r.o, "last\n", "--tail 5 of a 100 MB log");
	ok(r.o != NULL && strchr(r.o, '\n') != NULL && spent < (1 << 20),
	   "... reads %lld bytes of it (at most 1 MiB)", spent);
	done(&r);
	unlink(path);
}

/* A 50 MB line without newline (the monitor writes it as partial records): streamed. */
static void long_line_test(void)
{
	autofree char *path = xasprintf("%s/long.log", tmp);
	struct oci_log_writer w;
	struct error *err = NULL;
	oci_log_open(&w, path, 0, &err);
	autofree char *chunk = xmalloc(32768);
	memset(chunk, 'x', 32768);
	for (int i = 0; i < 50 * 32; i++)
		oci_log_write(&w, 1, chunk, 32768);
	oci_log_write(&w, 1, "\n", 1);
	oci_log_close(&w);
	cookie_io_functions_t io = { .write = peak_write };
	FILE *fo = fopencookie(NULL, "w", io);
	size_t base = heap_in_use();
	heap_peak = base;
	struct oci_logs_opts o = { .tail = -1 };
	ok(oci_logs_print(path, &o, fo, stderr, &err) == 0, "a 50 MB line is read");
	fclose(fo);
	ok(heap_peak - base < (4u << 20), "... with %zu KiB of heap (at most 4 MiB)",
	   (heap_peak - base) >> 10);
	o.tail = 1;
	fo = fopencookie(NULL, "w", io);
	heap_peak = base = heap_in_use();
	oci_logs_print(path, &o, fo, stderr, &err);
	fclose(fo);
	ok(heap_peak - base < (4u << 20), "... and with --tail 1: %zu KiB of heap",
	   (heap_peak - base) >> 10);
	err_free(&err);
	unlink(path);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-logs-XXXXXX";
	tmp = mkdtemp(tmpl);
	autofree char *path = xasprintf("%s/ctr.log", tmp);
	struct error *err = NULL;
	fs_write_atomic(path, sample, sizeof(sample) - 1, 0600, &err);
	struct out r;
	struct oci_logs_opts o = { .tail = -1 };
	run(path, &o, &r);
	is_str(r.o, "one\ntwo\nthree\nunfinished\n", "stdout lines, partials joined, junk skipped");
	is_str(r.e, "e1\n", "stderr apart");
	done(&r);

	o.tail = 2;
	run(path, &o, &r);
	is_str(r.o, "three\nunfinished\n", "--tail 2 counts lines across streams");
	done(&r);
	o.tail = 0;
	run(path, &o, &r);
	is_str(r.o, "", "--tail 0 prints nothing");
	done(&r);

	o = (struct oci_logs_opts){ .tail = -1, .has_since = true, .has_until = true };
	o.since.tv_sec = 1704067202; /* 00:00:02 */
	o.until.tv_sec = 1704067203; /* 00:00:03: "two" began then */
	run(path, &o, &r);
	is_str(r.o, "two\n", "--since/--until by the line's first record");
	is_str(r.e, "e1\n", "bounds are inclusive");
	done(&r);

	o = (struct oci_logs_opts){ .tail = 1, .timestamps = true };
	run(path, &o, &r);
	is_str(r.o, "2024-01-01T00:00:05.000000000+00:00 unfinished\n", "-t prefixes the time");
	done(&r);

	autofree char *missing = xasprintf("%s/none.log", tmp);
	o = (struct oci_logs_opts){ .tail = -1 };
	run(missing, &o, &r);
	is_str(r.o, "", "a missing log is empty");
	done(&r);

	/* --follow: a writer appends, then the exit file appears. */
	autofree char *live = xasprintf("%s/live.log", tmp);
	autofree char *exitf = xasprintf("%s/exit", tmp);
	struct oci_log_writer w;
	oci_log_open(&w, live, 0, &err);
	oci_log_write(&w, 1, "before\n", 7);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(100000);
		oci_log_write(&w, 1, "during ", 7);
		usleep(50000);
		oci_log_write(&w, 1, "follow\n", 7);
		oci_log_write(&w, 2, "err\n", 4);
		usleep(50000);
		struct error *e2 = NULL;
		fs_write_atomic(exitf, "{}", 2, 0600, &e2);
		_exit(0);
	}
	o = (struct oci_logs_opts){ .tail = -1, .follow = true, .done_file = exitf };
	run(live, &o, &r);
	waitpid(pid, NULL, 0);
	is_str(r.o, "before\nduring follow\n", "--follow waits for lines until the exit file");
	is_str(r.e, "err\n", "--follow stderr");
	done(&r);
	oci_log_close(&w);
	rotation_tests();
	big_tail_test();
	long_line_test();
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
