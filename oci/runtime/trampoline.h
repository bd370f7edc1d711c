/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the exec trampoline (oci/trampoline_main.c, a freestanding program without libc)
 * shares with the runtime (oci/runtime/trampoline.c): its arguments and the error it
 * reports. Both sides include this header; trampoline.c checks the values against the
 * runtime's own (RT_MSG_ERROR, enum err_kind, lib/error.c's err_wire).
 *
 * argv of the trampoline: { "hutch-exec", REPORT_FD, EXE, ARG0, ARG1, ..., NULL }. It marks
 * REPORT_FD close-on-exec and execs EXE with ARG0... and its own environment; when that
 * fails it writes TRAMP_TAG, then { int32 errno, int32 kind, uint32 len } and a message of
 * len bytes, "exec EXE: REASON", on REPORT_FD (the err_send wire), and exits 127 or 126.
 */
#pragma once

#define TRAMP_TAG 'e'	      /* RT_MSG_ERROR */
#define TRAMP_KIND_INVOKE 2   /* ERR_INVOKE: exit 126 */
#define TRAMP_KIND_NOTFOUND 3 /* ERR_NOTFOUND: exit 127 */
#define TRAMP_WIRE_HEADER 12  /* sizeof(struct err_wire) */
