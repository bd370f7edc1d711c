/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's text/template over json-c documents, as podman's --format uses it: actions, fields,
 * variables, if/else/range/with/break/continue, pipelines, comments, trim markers, literals
 * and the functions podman 4.3.1 registers (Go's builtins plus containers/common's report
 * functions). Values print as Go's fmt does; errors carry Go's "template: NAME:..." text.
 */
#pragma once

#include "lib/lib.h"

#include <json-c/json.h>
#include <stdio.h>

struct cli_tmpl;

/* Parse text as template name (the NAME of error messages); owned, NULL with *err (125). */
struct cli_tmpl *cli_tmpl_parse(const char *name, const char *text, struct error **err);
/* cli_tmpl_exec's flags: every JSON object is a Go map (a missing key is "<no value>",
 * never an error), as podman's table headers (map[string]string) are. */
enum {
	CLI_TMPL_MAPS = 1
};
/* Execute t with dot as "." and "$" to f; -1 with *err at the first execution error
 * (output up to it has been written to f). */
int cli_tmpl_exec(const struct cli_tmpl *t, FILE *f, struct json_object *dot, unsigned flags,
		  struct error **err);
/* Free t and reset it (NULL-safe). */
void cli_tmpl_free(struct cli_tmpl **t);
/* Print v as Go's fmt.Print does for the decoded JSON value (a NULL v is "<nil>"). */
void cli_tmpl_print_value(FILE *f, struct json_object *v);
/* Print rows of tab-terminated cells aligned as Go's tabwriter.NewWriter(f, minwidth, 0,
 * padding, ' ', 0) does: a cell's column is as wide as its widest cell plus padding, at
 * least minwidth, widths counted in UTF-8 characters; the last cell of a row is free. */
void cli_tabwriter(FILE *f, char **rows, size_t minwidth, size_t padding);
