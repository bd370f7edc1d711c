/* SPDX-License-Identifier: Apache-2.0 */
/* Rendering of image lists, inspect documents and history, in podman's shapes. */
#pragma once

#include "tool/cli.h"
#include "storage/storage.h"

struct image_list_opts {
	const char *fmt;
	bool quiet, digests, no_trunc, noheading, human;
};

/* `hutch images`: a table, -q IDs, json, or a Go template per row. */
int image_fmt_list(FILE *f, struct storage_image **imgs, size_t n, const struct image_list_opts *o,
		   struct error **err);
/* The `image inspect` document of one image (owned json object). */
struct json_object *image_fmt_inspect(struct storage *s, const struct storage_image *img);
/* `hutch history`. */
int image_fmt_history(FILE *f, struct storage *s, const struct storage_image *img,
		      const struct image_list_opts *o, struct error **err);
/* 5.83 MB: three significant digits in SI units, as podman prints sizes. */
char *image_fmt_size(int64_t bytes);
/* "2 months ago" from an RFC 3339 time; "" when unparsable. */
char *image_fmt_ago(const char *rfc3339);
/* Print rows of tab-separated cells aligned like Go's tabwriter (padding 2, min 12). */
void image_fmt_table(FILE *f, char **rows);
/* One template line (owned; "" after an error, which is left in *err). */
char *image_fmt_render(const char *fmt, struct json_object *obj, struct error **err);
/* Open the store with the global --storage-driver. */
int cli_open_store(struct cli_ctx *ctx, struct storage **s, struct error **err);
/*
 * For a command on several operands, one operand's failure e (taken): the first becomes
 * *err, the command's error; later ones are printed at once. *rc becomes -1.
 */
void cli_operand_failed(int *rc, struct error **err, struct error *e);
/*
 * `inspect` of containers, pods and volumes: --format checked, the store opened, one's
 * document for each operand (the first failure ends it), or every's (when given, with
 * --all), rendered as a list.
 */
/*
 * A list command's output, rows a json array of objects: with -q each row's quiet_key
 * field, with --format json the array, with another non-table template each row through
 * it, and else a table: header (tab-separated cells) unless --noheading, then each row's
 * fields named by keys (NULL-terminated).
 */
int cli_list(struct cli_ctx *ctx, struct json_object *rows, const char *quiet_key,
	     const char *header, const char *const *keys, struct error **err);
typedef struct json_object *(*cli_inspect_fn)(struct storage *s, const char *name,
					      struct error **err);
int cli_inspect(struct cli_ctx *ctx, cli_inspect_fn one,
		struct json_object *(*every)(struct storage *s), struct error **err);
