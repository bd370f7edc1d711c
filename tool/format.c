/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --format: "json", or a Go text/template (tool/template.c) normalised as podman does
 * (the "table " prefix, \t and \n, a final newline). Syntax errors are found before any
 * output; execution errors stop the output where they happen, as in podman.
 */
#include "tool/cli.h"
#include "tool/template.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

bool cli_format_is_table(const char *fmt)
{
	return fmt != NULL && strncmp(fmt, "table", 5) == 0 && (fmt[5] == '\0' || fmt[5] == ' ');
}

/* The template's name in error messages: podman names it after the command ("ps"). */
static const char *tmpl_name = "format";

void cli_format_set_name(const char *name)
{
	tmpl_name = name != NULL ? name : "format";
}

/*
 * podman's NormalizeFormat: with "table " the prefix goes and spaces and \t become tabs
 * (the table's columns); without it \t and \n become a tab and a newline. A newline
 * ends the text unless it already does.
 */
static char *normalize(const char *fmt)
{
	bool table = cli_format_is_table(fmt);
	const char *p = table ? fmt + 5 + (fmt[5] == ' ') : fmt;
	char *out = xmalloc(strlen(p) + 2), *o = out;
	for (; *p; p++) {
		if (p[0] == '\\' && (p[1] == 't' || (p[1] == 'n' && !table))) {
			*o++ = p[1] == 't' ? '\t' : '\n';
			p++;
		} else {
			*o++ = table && *p == ' ' ? '\t' : *p;
		}
	}
	if (o == out || o[-1] != '\n')
		*o++ = '\n';
	*o = '\0';
	return out;
}

static struct cli_tmpl *parse(const char *fmt, struct error **err)
{
	autofree char *text = normalize(fmt);
	return cli_tmpl_parse(tmpl_name, text, err);
}

int cli_format_check(const char *fmt, struct error **err)
{
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "json") == 0)
		return 0;
	struct cli_tmpl *t = parse(fmt, err);
	if (t == NULL)
		return -1;
	cli_tmpl_free(&t);
	return 0;
}

static int render(FILE *f, const char *fmt, struct json_object *obj, unsigned flags,
		  struct error **err)
{
	if (fmt != NULL && strcmp(fmt, "json") == 0) {
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	struct cli_tmpl *t = parse(fmt != NULL ? fmt : "", err);
	if (t == NULL)
		return -1;
	int rc = cli_tmpl_exec(t, f, obj, flags, err);
	cli_tmpl_free(&t);
	return rc;
}

int cli_format_render(FILE *f, const char *fmt, struct json_object *obj, struct error **err)
{
	return render(f, fmt, obj, 0, err);
}

int cli_format_header(FILE *f, const char *fmt, struct json_object *hdr, struct error **err)
{
	return render(f, fmt, hdr, CLI_TMPL_MAPS, err);
}

/* "MountCount" -> "MOUNT COUNT", "ID" -> "ID", "ImageID" -> "IMAGE ID": podman's headers
 * for fields it has no name for (containers/common report.Headers splits camel case). */
static char *header_of(const char *key)
{
	size_t n = strlen(key);
	char *out = xmalloc(2 * n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		bool up = isupper((unsigned char)key[i]);
		bool prev_lower = i > 0 && (islower((unsigned char)key[i - 1]) ||
					    isdigit((unsigned char)key[i - 1]));
		bool next_lower = i + 1 < n && islower((unsigned char)key[i + 1]);
		bool prev_up = i > 0 && isupper((unsigned char)key[i - 1]);
		if (up && i > 0 && (prev_lower || (prev_up && next_lower)))
			*o++ = ' ';
		*o++ = (char)toupper((unsigned char)key[i]);
	}
	*o = '\0';
	return out;
}

struct json_object *cli_format_headers(struct json_object *row, const char *const *kv)
{
	struct json_object *h = json_object_new_object();
	if (json_object_is_type(row, json_type_object)) {
		json_object_object_foreach (row, key, val) {
			(void)val;
			autofree char *hname = header_of(key);
			json_object_object_add(h, key, json_object_new_string(hname));
		}
	}
	for (size_t i = 0; kv != NULL && kv[i] != NULL && kv[i + 1] != NULL; i += 2)
		json_object_object_add(h, kv[i], json_object_new_string(kv[i + 1]));
	return h;
}

static void tree(FILE *f, struct json_object *obj, int indent)
{
	json_object_object_foreach (obj, key, val) {
		fprintf(f, "%*s%s:", indent, "", key);
		if (json_object_is_type(val, json_type_object)) {
			fputc('\n', f);
			tree(f, val, indent + 2);
		} else if (json_object_is_type(val, json_type_array)) {
			size_t n = json_object_array_length(val);
			fputs(n == 0 ? " []\n" : "\n", f);
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(val, i);
				if (json_object_is_type(e, json_type_object)) {
					fprintf(f, "%*s-\n", indent + 2, "");
					tree(f, e, indent + 4);
				} else {
					fprintf(f, "%*s- %s\n", indent + 2, "",
						json_object_get_string(e));
				}
			}
		} else {
			fprintf(f, " %s\n", val == NULL ? "null" : json_object_get_string(val));
		}
	}
}

void cli_print_tree(FILE *f, struct json_object *obj)
{
	tree(f, obj, 0);
}

int cli_format_render_list(FILE *f, const char *fmt, struct json_object *list, struct error **err)
{
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "json") == 0) {
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (cli_format_render(f, fmt, json_object_array_get_idx(list, i), err) < 0)
			return -1;
	return 0;
}
