/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the CLI hands the engine and the store for I/O: its own stdio as the engine's
 * streams, and the sinks that render pull progress (tool/progress.c).
 */
#pragma once

#include "oci/engine.h"
#include "storage/storage.h"

#include <stdio.h>

/* Our fds 0, 1 and 2, tty when stdin is a terminal (static storage, refreshed per call). */
const struct eng_stdio *cli_stdio(void);
/* podman's pull display on our stderr: one line per blob (bar, bytes, rate) redrawn in
 * place. NULL (a silent pull) with quiet or when stderr is not a terminal. */
const struct storage_progress_sink *cli_progress(bool quiet);
/* pull's, run's and create's: "Trying to pull REF...", then the display above on a terminal, else podman's plain
 * lines ("Copying blob sha256:...", "Copying config ...", "Writing manifest ..."). NULL with
 * quiet. */
const struct storage_progress_sink *cli_pull_progress(bool quiet);
/* A sink writing each event as one JSON line to f (not wired to a flag yet). */
void cli_progress_json(FILE *f, struct storage_progress_sink *sink);
