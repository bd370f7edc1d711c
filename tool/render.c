/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CLI's shared output helpers: the store opened with the global options, list and
 * inspect output, and podman's text forms of sizes, times and tables. Documents come from
 * the engine and storage; only their rendering lives here.
 */
#include "tool/render.h"
#include "lib/json.h"
#include "oci/engine.h"
#include "tool/template.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void cli_operand_failed(int *rc, struct error **err, struct error *e)
{
	if (*rc == 0) {
		*err = e;
	} else {
		cli_print_error(e);
		err_free(&e);
	}
	*rc = -1;
}

/*
 * A "table ..." template over rows: the header row is the template over the fields'
 * header names (the default table's header cells for its keys, podman's names for the
 * rest), each row through it, all aligned by the tab writer. An execution error stops
 * the output before anything is printed.
 */
static int list_table(struct cli_ctx *ctx, const char *fmt, struct json_object *rows,
		      const char *header, const char *const *keys, struct error **err)
{
	autostrv char **kv = NULL;
	const char *cell = header;
	for (size_t k = 0; keys[k] != NULL && cell != NULL; k++) {
		const char *tab = strchr(cell, '\t');
		strv_push(&kv, keys[k]);
		strv_push_take(&kv, tab ? xstrndup(cell, (size_t)(tab - cell)) : xstrdup(cell));
		cell = tab ? tab + 1 : NULL;
	}
	autostrv char **lines = xcalloc(1, sizeof(char *));
	size_t n = json_object_array_length(rows);
	if (!cli_opt_flag(ctx, "noheading")) {
		struct json_object *first = json_object_array_get_idx(rows, 0);
		struct json_object *h = cli_format_headers(first, (const char *const *)kv);
		char *l = cli_fmt_header_line(fmt, h, err);
		json_object_put(h);
		if (l == NULL)
			return -1;
		strv_push_take(&lines, l);
	}
	for (size_t i = 0; i < n; i++) {
		char *l = cli_fmt_line(fmt, json_object_array_get_idx(rows, i), err);
		if (l == NULL)
			return -1;
		strv_push_take(&lines, l);
	}
	cli_fmt_table(stdout, lines);
	return 0;
}

int cli_list(struct cli_ctx *ctx, struct json_object *rows, const char *quiet_key,
	     const char *header, const char *const *keys, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	size_t n = json_object_array_length(rows);
	if (cli_opt_flag(ctx, "quiet")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", json_str(json_object_array_get_idx(rows, i), quiet_key));
		return 0;
	}
	if (fmt != NULL && strcmp(fmt, "json") == 0)
		return cli_format_render_list(stdout, fmt, rows, err);
	if (fmt != NULL && !cli_format_is_table(fmt)) {
		for (size_t i = 0; i < n; i++)
			if (cli_format_render(stdout, fmt, json_object_array_get_idx(rows, i),
					      err) < 0)
				return -1;
		return 0;
	}
	if (fmt != NULL)
		return list_table(ctx, fmt, rows, header, keys, err);
	autostrv char **table = NULL;
	if (!cli_opt_flag(ctx, "noheading"))
		strv_push(&table, header);
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		for (size_t k = 0; keys[k] != NULL; k++) {
			/* A number (pod ps's # OF CONTAINERS) as its text. */
			struct json_object *jv =
			    json_get(json_object_array_get_idx(rows, i), keys[k]);
			const char *v = jv ? json_object_get_string(jv) : NULL;
			char *next =
			    xasprintf("%s%s%s", line ? line : "", k ? "\t" : "", v ? v : "");
			free(line);
			line = next;
		}
		strv_push_take(&table, line);
	}
	if (table != NULL)
		cli_fmt_table(stdout, table);
	return 0;
}

int cli_inspect(struct cli_ctx *ctx, cli_inspect_fn one,
		struct json_object *(*every)(struct eng *eng), struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct eng *eng = ctx->eng;
	struct json_object *all = NULL;
	if (every != NULL && cli_opt_bool(ctx, "all")) {
		all = every(eng);
	} else {
		all = json_object_new_array();
		for (int i = 0; i < ctx->argc; i++) {
			struct json_object *v = one(eng, ctx->argv[i], err);
			if (v == NULL) {
				json_object_put(all);
				return -1;
			}
			json_object_array_add(all, v);
		}
	}
	int rc = cli_format_render_list(stdout, fmt, all, err);
	json_object_put(all);
	return rc;
}

char *cli_fmt_size(int64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1000 && u < 5)
		v /= 1000, u++;
	return xasprintf("%.3g %s", v, units[u]);
}

time_t cli_fmt_parse_time(const char *s)
{
	if (s == NULL)
		return 0;
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	while (*p == '.' || (*p >= '0' && *p <= '9'))
		p++;
	time_t t = timegm(&tm);
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		sscanf(p + 1, "%d:%d", &hh, &mm);
		t -= (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
	}
	return t;
}

char *cli_fmt_ago(const char *rfc3339)
{
	time_t t = cli_fmt_parse_time(rfc3339);
	if (t == 0)
		return xstrdup("");
	double secs = difftime(time(NULL), t);
	long s = (long)secs, m = s / 60, h = (long)(secs / 3600 + 0.5);
	if (s < 1)
		return xstrdup("Less than a second ago");
	if (s == 1)
		return xstrdup("1 second ago");
	if (s < 60)
		return xasprintf("%ld seconds ago", s);
	if (m == 1)
		return xstrdup("About a minute ago");
	if (m < 60)
		return xasprintf("%ld minutes ago", m);
	if (h == 1)
		return xstrdup("About an hour ago");
	if (h < 48)
		return xasprintf("%ld hours ago", h);
	if (h < 24 * 7 * 2)
		return xasprintf("%ld days ago", h / 24);
	if (h < 24 * 30 * 2)
		return xasprintf("%ld weeks ago", h / 24 / 7);
	if (h < 24 * 365 * 2)
		return xasprintf("%ld months ago", h / 24 / 30);
	return xasprintf("%ld years ago", h / 24 / 365);
}

/* "Up 3 minutes", "Exited (0) 2 seconds ago": podman's ps words for a duration. */
char *cli_fmt_since(const char *rfc3339)
{
	struct timespec t = { 0 }, now;
	struct error *err = NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	if (rfc3339 == NULL || oci_log_parse_since(rfc3339, &now, &t, &err) < 0) {
		err_free(&err);
		return xstrdup("");
	}
	long d = (long)(now.tv_sec - t.tv_sec);
	if (d < 1)
		return xstrdup("Less than a second");
	if (d < 60)
		return xasprintf("%ld second%s", d, d == 1 ? "" : "s");
	if (d < 3600)
		return d < 120 ? xstrdup("About a minute") : xasprintf("%ld minutes", d / 60);
	if (d < 86400)
		return d < 7200 ? xstrdup("About an hour") : xasprintf("%ld hours", d / 3600);
	return xasprintf("%ld days", d / 86400);
}

void cli_fmt_table(FILE *f, char **rows)
{
	/* podman's report.NewWriterDefault: tabwriter.NewWriter(w, 12, 2, 2, ' ', 0) */
	cli_tabwriter(f, rows, 12, 2);
}

static char *fmt_line(const char *fmt, struct json_object *obj, bool header, struct error **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int rc = header ? cli_format_header(m, fmt, obj, err) : cli_format_render(m, fmt, obj, err);
	fclose(m);
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

char *cli_fmt_line(const char *fmt, struct json_object *obj, struct error **err)
{
	return fmt_line(fmt, obj, false, err);
}

char *cli_fmt_header_line(const char *fmt, struct json_object *hdr, struct error **err)
{
	return fmt_line(fmt, hdr, true, err);
}
