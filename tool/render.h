/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every command of the CLI shares beyond option parsing: opening the store, the
 * failure of one operand among several, list and inspect output, and podman's text forms
 * (sizes, "3 minutes ago", tables aligned like Go's tabwriter, one template line).
 */
#pragma once

#include "tool/cli.h"
#include "storage/storage.h"

#include <time.h>

/*
 * For a command on several operands, one operand's failure e (taken): the first becomes
 * *err, the command's error; later ones are printed at once. *rc becomes -1.
 */
void cli_operand_failed(int *rc, struct error **err, struct error *e);
/*
 * A list command's output, rows a json array of objects: with -q each row's quiet_key
 * field, with --format json the array, with another non-table template each row through
 * it, and else a table: header (tab-separated cells) unless --noheading, then each row's
 * fields named by keys (NULL-terminated).
 */
int cli_list(struct cli_ctx *ctx, struct json_object *rows, const char *quiet_key,
	     const char *header, const char *const *keys, struct error **err);
/*
 * `inspect` of containers, pods and volumes: --format checked, the store opened, one's
 * document for each operand (the first failure ends it), or every's (when given, with
 * --all), rendered as a list.
 */
typedef struct json_object *(*cli_inspect_fn)(struct eng *eng, const char *name,
					      struct error **err);
int cli_inspect(struct cli_ctx *ctx, cli_inspect_fn one,
		struct json_object *(*every)(struct eng *eng), struct error **err);

/* 5.83 MB: three significant digits in SI units, as podman prints sizes (owned). */
char *cli_fmt_size(int64_t bytes);
/* Seconds since the epoch of an RFC 3339 time; 0 when NULL or unparsable. */
time_t cli_fmt_parse_time(const char *rfc3339);
/* "2 months ago" from an RFC 3339 time, as podman's images and history say it; "" when
 * unparsable (owned). */
char *cli_fmt_ago(const char *rfc3339);
/* "3 minutes" since an RFC 3339 time, as podman's ps and pod ps say it (owned; "" when
 * unparsable). */
char *cli_fmt_since(const char *rfc3339);
/* Print rows of tab-separated cells aligned like podman's tabwriter (padding 2, min 12). */
void cli_fmt_table(FILE *f, char **rows);
/* One template line without its newline (owned); NULL after an error, left in *err. */
char *cli_fmt_line(const char *fmt, struct json_object *obj, struct error **err);
/* The same for a table's header row (cli_format_header: missing fields are no error). */
char *cli_fmt_header_line(const char *fmt, struct json_object *hdr, struct error **err);
