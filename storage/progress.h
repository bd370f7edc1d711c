/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull progress across the process boundary: the pull runs in a child (in the store's user
 * namespace), which writes fixed-size event records to a pipe, each in one write below
 * PIPE_BUF so that the download threads' records never interleave; storage_pull relays them
 * to the caller's struct storage_progress_sink from a thread of its own.
 */
#pragma once

#include "storage/storage.h"

#include <pthread.h>

/* In the child; every call is a no-op when fd < 0 (no sink). */
void progress_send_start(int fd, unsigned item, const char *label, const char *digest,
			 int64_t total);
void progress_send_bytes(int fd, unsigned item, int64_t n);
/* DONE, or ERROR when failed. */
void progress_send_done(int fd, unsigned item, bool failed, const char *status);
void progress_send_end(int fd);
/* TRYING (text: the reference), STORED (the config digest) or WAIT (what the pull waits
 * for); the text is cut to fit one record. */
void progress_send_text(int fd, enum storage_progress_kind kind, const char *text);

/*
 * In the parent: a thread that reads records from fd until EOF, each to the sink. A thread,
 * because userns_spawn returns only once the pull is over: a pipe left unread meanwhile
 * would fill and stall the child. Start before the child exists, join after closing our
 * copy of the write end. Start fails (errno, no thread) only when no thread can be made.
 * A batch cut short (the child killed) still ends with an END event.
 */
struct progress_relay {
	pthread_t th;
	int fd;
	const struct storage_progress_sink *sink;
};
int progress_relay_start(struct progress_relay *r, int fd,
			 const struct storage_progress_sink *sink);
void progress_relay_join(struct progress_relay *r);
