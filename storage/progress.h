/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull progress in podman's shape: one line per blob (bar, bytes, rate) redrawn in place
 * on a TTY. Disabled (every call a no-op, items NULL) with -q or when stderr is no TTY.
 */
#pragma once

#include "lib/lib.h"

struct progress;
struct progress_item;

/* A display that draws only when enabled and stderr is a terminal. */
struct progress *progress_new(bool enabled);
/* A line "LABEL DIGEST12 [bar] done / total"; NULL when the display is off. */
struct progress_item *progress_item(struct progress *p, const char *label, const char *digest,
				    int64_t total);
/* Thread-safe: count n more bytes. */
void progress_add(struct progress_item *it, int64_t n);
/* Finish the line with a word ("done", "Already exists", "failed"). */
void progress_done(struct progress_item *it, const char *status);
/* Draw the final state and free everything. */
void progress_finish(struct progress **p);
