/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/progress.c: pull progress events across the pipe from the pull child, relayed in
 * order to the caller's sink; and tool/progress.c's JSON-lines sink over the same events.
 */
#include "storage/progress.h"
#include "tests/unit/tap.h"
#include "tool/io.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct seen {
	char log[2048];
};

static void note(void *ctx, const struct storage_progress_event *ev)
{
	struct seen *s = ctx;
	char line[256];
	switch (ev->kind) {
	case STORAGE_PROGRESS_START:
		snprintf(line, sizeof(line), "start %u %s %s %lld\n", ev->item, ev->label,
			 ev->digest, (long long)ev->total);
		break;
	case STORAGE_PROGRESS_BYTES:
		snprintf(line, sizeof(line), "bytes %u %lld\n", ev->item, (long long)ev->n);
		break;
	case STORAGE_PROGRESS_DONE:
	case STORAGE_PROGRESS_ERROR:
		snprintf(line, sizeof(line), "%s %u %s\n",
			 ev->kind == STORAGE_PROGRESS_DONE ? "done" : "error", ev->item,
			 ev->status);
		break;
	case STORAGE_PROGRESS_END:
		snprintf(line, sizeof(line), "end\n");
		break;
	case STORAGE_PROGRESS_TRYING:
		snprintf(line, sizeof(line), "trying %s\n", ev->label);
		break;
	}
	strncat(s->log, line, sizeof(s->log) - strlen(s->log) - 1);
}

/* The child's calls, then EOF: the sink sees the same events in the same order. */
static void send_events(int fd)
{
	progress_send_trying(fd, "registry.example/a:1");
	progress_send_start(fd, 0, "Copying blob", "sha256:abc", 10);
	progress_send_start(fd, 1, "Copying blob", "sha256:def", 5);
	progress_send_bytes(fd, 0, 4);
	progress_send_bytes(fd, 0, 6);
	progress_send_done(fd, 0, false, "done");
	progress_send_done(fd, 1, true, "failed");
	progress_send_end(fd);
}

static void relay_in_order(void)
{
	int p[2];
	ok(pipe2(p, O_CLOEXEC) == 0, "pipe");
	struct seen s = { { 0 } };
	struct storage_progress_sink sink = { .event = note, .ctx = &s };
	struct progress_relay r;
	is_int(progress_relay_start(&r, p[0], &sink), 0, "the relay thread starts");
	send_events(p[1]);
	/* A sink-less pull passes -1: nothing is written anywhere. */
	send_events(-1);
	close(p[1]);
	progress_relay_join(&r);
	close(p[0]);
	is_str(s.log,
	       "trying registry.example/a:1\n"
	       "start 0 Copying blob sha256:abc 10\n"
	       "start 1 Copying blob sha256:def 5\n"
	       "bytes 0 4\n"
	       "bytes 0 6\n"
	       "done 0 done\n"
	       "error 1 failed\n"
	       "end\n",
	       "every event arrives, in order, with its fields");
}

/* A child killed mid-batch sends no END: the relay makes one. */
static void end_after_eof(void)
{
	int p[2];
	ok(pipe2(p, O_CLOEXEC) == 0, "pipe");
	struct seen s = { { 0 } };
	struct storage_progress_sink sink = { .event = note, .ctx = &s };
	struct progress_relay r;
	is_int(progress_relay_start(&r, p[0], &sink), 0, "the relay thread starts");
	progress_send_start(p[1], 0, "Copying blob", "sha256:abc", 10);
	progress_send_bytes(p[1], 0, 4);
	close(p[1]);
	progress_relay_join(&r);
	close(p[0]);
	is_str(s.log, "start 0 Copying blob sha256:abc 10\nbytes 0 4\nend\n",
	       "a batch cut short still ends");
}

static void json_lines(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct storage_progress_sink sink;
	cli_progress_json(f, &sink);
	struct storage_progress_event evs[] = {
		{ .kind = STORAGE_PROGRESS_START,
		  .item = 0,
		  .label = "Copying blob",
		  .digest = "sha256:abc",
		  .total = 3 },
		{ .kind = STORAGE_PROGRESS_BYTES, .item = 0, .n = 3 },
		{ .kind = STORAGE_PROGRESS_DONE, .item = 0, .status = "done" },
		{ .kind = STORAGE_PROGRESS_END },
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		sink.event(sink.ctx, &evs[i]);
	fclose(f);
	is_str(
	    buf,
	    "{\"event\":\"start\",\"item\":0,\"label\":\"Copying blob\",\"digest\":\"sha256:abc\","
	    "\"total\":3}\n"
	    "{\"event\":\"bytes\",\"item\":0,\"bytes\":3}\n"
	    "{\"event\":\"done\",\"item\":0,\"status\":\"done\"}\n"
	    "{\"event\":\"end\"}\n",
	    "one JSON line per event");
	free(buf);
}

int main(void)
{
	relay_in_order();
	end_after_eof();
	json_lines();
	return done_testing();
}
