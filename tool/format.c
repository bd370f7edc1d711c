/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --format: "json", or the subset of Go templates that podman users type: literal text,
 * {{.Field.Sub}}, {{json .X}}, {{upper .X}}, {{lower .X}}, and the \t and \n escapes.
 * Anything else is refused before output starts, naming the action.
 */
#include "tool/cli.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

bool cli_format_is_table(const char *fmt)
{
	return fmt != NULL && strncmp(fmt, "table", 5) == 0 && (fmt[5] == '\0' || fmt[5] == ' ');
}

/*
 * Resolve ".A.B" against obj ("." is obj itself). Returns false when a key is missing; a
 * present JSON null gives true with *out NULL (json-c's null is a NULL pointer).
 */
static bool lookup(struct json_object *obj, const char *path, size_t len, struct json_object **out)
{
	*out = obj;
	if (len == 1 && path[0] == '.')
		return true;
	const char *p = path, *end = path + len;
	while (p < end) {
		if (*p != '.' || obj == NULL)
			return false;
		p++;
		const char *q = p;
		while (q < end && *q != '.')
			q++;
		char key[256];
		size_t kl = (size_t)(q - p);
		if (kl == 0 || kl >= sizeof(key))
			return false;
		memcpy(key, p, kl);
		key[kl] = '\0';
		struct json_object *next = NULL;
		if (!json_object_is_type(obj, json_type_object) ||
		    !json_object_object_get_ex(obj, key, &next))
			return false;
		obj = next;
		p = q;
	}
	*out = obj;
	return true;
}

static bool is_path(const char *s, size_t len)
{
	if (len == 0 || s[0] != '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_'))
			return false;
	return true;
}

static void print_value(FILE *f, bool found, struct json_object *v, int mode)
{
	const char *s;
	if (!found) {
		s = "<no value>";
	} else if (mode == 1) {
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
	} else if (v == NULL) {
		s = "<nil>";
	} else {
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	}
	for (; *s; s++) {
		int c = (unsigned char)*s;
		fputc(mode == 2 ? toupper(c) : mode == 3 ? tolower(c) : c, f);
	}
}

/* Walk the template; with f == NULL only check it. */
static int render(FILE *f, const char *fmt, struct json_object *obj, struct error **err)
{
	const char *p = fmt;
	if (cli_format_is_table(p))
		p += 5 + (p[5] == ' ');
	while (*p) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			if (f)
				fputc(p[1] == 't' ? '\t' : '\n', f);
			p += 2;
			continue;
		}
		if (p[0] != '{' || p[1] != '{') {
			if (f)
				fputc(*p, f);
			p++;
			continue;
		}
		const char *close = strstr(p + 2, "}}");
		if (close == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "template: unclosed action in \"%s\"", fmt);
		const char *a = p + 2, *b = close;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		int mode = 0;
		static const char *const funcs[] = { "json ", "upper ", "lower " };
		for (int i = 0; i < 3; i++) {
			size_t fl = strlen(funcs[i]);
			if ((size_t)(b - a) > fl && strncmp(a, funcs[i], fl) == 0) {
				mode = i + 1;
				a += fl;
				while (a < b && isspace((unsigned char)*a))
					a++;
			}
		}
		if (!is_path(a, (size_t)(b - a)))
			return err_set(err, EINVAL, ERR_USAGE,
				       "template: unsupported action \"{{%.*s}}\": hutch supports "
				       "{{.Field}}, {{json .Field}}, {{upper .Field}} and "
				       "{{lower .Field}}",
				       (int)(close - p - 2), p + 2);
		if (f) {
			struct json_object *v = NULL;
			bool found = lookup(obj, a, (size_t)(b - a), &v);
			print_value(f, found, v, mode);
		}
		p = close + 2;
	}
	return 0;
}

int cli_format_check(const char *fmt, struct error **err)
{
	if (fmt == NULL || *fmt == '\0' || strcmp(fmt, "json") == 0)
		return 0;
	return render(NULL, fmt, NULL, err);
}

int cli_format_render(FILE *f, const char *fmt, struct json_object *obj, struct error **err)
{
	if (fmt != NULL && strcmp(fmt, "json") == 0) {
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	if (render(f, fmt, obj, err) < 0)
		return -1;
	fputc('\n', f);
	return 0;
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
