/* SPDX-License-Identifier: Apache-2.0 */
/* Reading container logs back: joins, streams, --tail, --since/--until, -t and --follow. */
#include "oci/monitor/monitor.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
