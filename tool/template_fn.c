/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The template functions podman 4.3.1 offers: Go's builtins (and, or, not, len, index,
 * slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery) and
 * containers/common's report functions (json, join, split, lower, upper, title, truncate,
 * pad); Go's fmt printing of values; the table writer.
 */
#include "tool/template_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const fn_names[] = {
	"and",	"or",	"not",	 "len",	  "index", "slice", "print",	"printf", "println",
	"eq",	"ne",	"lt",	 "le",	  "gt",	   "ge",    "html",	"js",	  "urlquery",
	"json", "join", "split", "lower", "upper", "title", "truncate", "pad",	  NULL
};

bool tmpl_fn_known(const char *name)
{
	for (size_t i = 0; fn_names[i]; i++)
		if (strcmp(fn_names[i], name) == 0)
			return true;
	return false;
}

const char *tmpl_type_name(const struct tmpl_val *v)
{
	if (v->missing || v->j == NULL)
		return "<nil>";
	switch (json_object_get_type(v->j)) {
	case json_type_string:
		return "string";
	case json_type_int:
		return "int";
	case json_type_double:
		return "float64";
	case json_type_boolean:
		return "bool";
	case json_type_array:
		return "[]interface {}";
	case json_type_object:
		return "map[string]interface {}";
	default:
		return "<nil>";
	}
}

bool tmpl_truth(const struct tmpl_val *v)
{
	if (v->missing || v->j == NULL)
		return false;
	switch (json_object_get_type(v->j)) {
	case json_type_boolean:
		return json_object_get_boolean(v->j);
	case json_type_int:
		return json_object_get_int64(v->j) != 0;
	case json_type_double:
		return json_object_get_double(v->j) != 0;
	case json_type_string:
		return json_object_get_string_len(v->j) > 0;
	case json_type_array:
		return json_object_array_length(v->j) > 0;
	case json_type_object:
		return json_object_object_length(v->j) > 0;
	default:
		return false;
	}
}

/* Go's %v of a float64: the shortest digits that read back, %e form when the exponent is
 * below -4 or at least 6 (strconv's 'g' with the shortest precision: podman prints 1e+06). */
static void print_float(FILE *f, double d)
{
	if (isinf(d)) {
		fputs(d > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	if (isnan(d)) {
		fputs("NaN", f);
		return;
	}
	char buf[64];
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, d);
	int exp = atoi(strchr(buf, 'e') + 1);
	if (exp < -4 || exp >= 6) {
		fputs(buf, f);
		return;
	}
	int decimals = prec - 1 - exp;
	fprintf(f, "%.*f", decimals > 0 ? decimals : 0, d);
}

void tmpl_print(FILE *f, const struct tmpl_val *v)
{
	if (v->missing) {
		fputs("<no value>", f);
		return;
	}
	cli_tmpl_print_value(f, v->j);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cli_tmpl_print_value(FILE *f, struct json_object *j)
{
	switch (j == NULL ? json_type_null : json_object_get_type(j)) {
	case json_type_null:
		fputs("<nil>", f);
		break;
	case json_type_string:
		fputs(json_object_get_string(j), f);
		break;
	case json_type_int:
		fprintf(f, "%lld", (long long)json_object_get_int64(j));
		break;
	case json_type_double: {
		/* Go prints 1.0 as 1; JSON's 1.0 came from a float */
		double d = json_object_get_double(j);
		print_float(f, d);
		break;
	}
	case json_type_boolean:
		fputs(json_object_get_boolean(j) ? "true" : "false", f);
		break;
	case json_type_array:
		fputc('[', f);
		for (size_t i = 0; i < json_object_array_length(j); i++) {
			if (i)
				fputc(' ', f);
			cli_tmpl_print_value(f, json_object_array_get_idx(j, i));
		}
		fputc(']', f);
		break;
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(j), i = 0;
		char **keys = xcalloc(n + 1, sizeof(*keys));
		json_object_object_foreach (j, k, val) {
			(void)val;
			keys[i++] = k;
		}
		qsort(keys, n, sizeof(*keys), cmp_keys);
		fputs("map[", f);
		for (i = 0; i < n; i++) {
			fprintf(f, "%s%s:", i ? " " : "", keys[i]);
			cli_tmpl_print_value(f, json_object_object_get(j, keys[i]));
		}
		fputc(']', f);
		free(keys);
		break;
	}
	}
}

/* ---------- helpers for arguments ---------- */

static bool is_str(const struct tmpl_val *v)
{
	return !v->missing && json_object_is_type(v->j, json_type_string);
}

static bool is_int(const struct tmpl_val *v)
{
	return !v->missing && json_object_is_type(v->j, json_type_int);
}

static int want_str(struct tmpl_ctx *x, const struct tmpl_val *v, const char **out)
{
	if (!is_str(v))
		return tmpl_errf(x, "wrong type for value; expected string; got %s",
				 tmpl_type_name(v));
	*out = json_object_get_string(v->j);
	return 0;
}

static int want_int(struct tmpl_ctx *x, const struct tmpl_val *v, long long *out)
{
	if (!is_int(v))
		return tmpl_errf(x, "wrong type for value; expected int; got %s",
				 tmpl_type_name(v));
	*out = json_object_get_int64(v->j);
	return 0;
}

static char *to_text(const struct tmpl_val *v)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	tmpl_print(m, v);
	fclose(m);
	return s;
}

static struct json_object *str_take(char *s)
{
	struct json_object *j = json_object_new_string(s);
	free(s);
	return j;
}

/* Go's fmt.Sprint / Sprintln of args. */
static char *sprint(const struct tmpl_val *a, size_t n, bool ln)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (ln || (!is_str(&a[i]) && !is_str(&a[i - 1]))))
			fputc(' ', m);
		tmpl_print(m, &a[i]);
	}
	if (ln)
		fputc('\n', m);
	fclose(m);
	return s;
}

static void bad_verb(FILE *m, char verb, const struct tmpl_val *v)
{
	char *t = to_text(v);
	fprintf(m, "%%!%c(%s=%s)", verb, tmpl_type_name(v), t);
	free(t);
}

static void quote(FILE *m, const char *s)
{
	fputc('"', m);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(m, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", m);
		else if (*p == '\t')
			fputs("\\t", m);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(m, "\\x%02x", *p);
		else
			fputc(*p, m);
	}
	fputc('"', m);
}

/*
 * One verb with its flags/width/precision spec (e.g. "-5") of Go's printf. The spec holds
 * only flags, digits and a dot (sprintf_go checks), so C's printf reads it as Go's does.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void verb(FILE *m, const char *spec, char c, const struct tmpl_val *v)
{
	char f[64];
	bool s = is_str(v), i = is_int(v);
	bool d = !v->missing && json_object_is_type(v->j, json_type_double);
	bool b = !v->missing && json_object_is_type(v->j, json_type_boolean);
	switch (c) {
	case 'v':
	case 's': {
		if (c == 's' && (i || d || b)) {
			bad_verb(m, c, v);
			break;
		}
		char *t = to_text(v);
		snprintf(f, sizeof(f), "%%%ss", spec);
		fprintf(m, f, t);
		free(t);
		break;
	}
	case 'q':
		if (!s) {
			bad_verb(m, c, v);
			break;
		}
		quote(m, json_object_get_string(v->j));
		break;
	case 'd':
	case 'o':
	case 'b':
	case 'c':
		if (!i) {
			bad_verb(m, c, v);
			break;
		}
		if (c == 'b') {
			long long x = json_object_get_int64(v->j);
			char bits[72], *p = bits + sizeof(bits) - 1;
			*p = '\0';
			unsigned long long u =
			    x < 0 ? -(unsigned long long)x : (unsigned long long)x;
			do
				*--p = (char)('0' + (u & 1));
			while (u >>= 1);
			if (x < 0)
				*--p = '-';
			fputs(p, m);
			break;
		}
		snprintf(f, sizeof(f), "%%%sll%c", spec, c == 'c' ? 'd' : c);
		if (c == 'c')
			fputc((int)json_object_get_int64(v->j), m);
		else
			fprintf(m, f, (long long)json_object_get_int64(v->j));
		break;
	case 'x':
	case 'X':
		if (i) {
			snprintf(f, sizeof(f), "%%%sll%c", spec, c);
			fprintf(m, f, (long long)json_object_get_int64(v->j));
		} else if (s) {
			for (const unsigned char *p =
				 (const unsigned char *)json_object_get_string(v->j);
			     *p; p++)
				fprintf(m, c == 'x' ? "%02x" : "%02X", *p);
		} else {
			bad_verb(m, c, v);
		}
		break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
		if (!d) {
			bad_verb(m, c, v);
			break;
		}
		snprintf(f, sizeof(f), "%%%s%c", spec, c);
		fprintf(m, f, json_object_get_double(v->j));
		break;
	case 't':
		if (!b) {
			bad_verb(m, c, v);
			break;
		}
		snprintf(f, sizeof(f), "%%%ss", spec);
		fprintf(m, f, json_object_get_boolean(v->j) ? "true" : "false");
		break;
	default:
		fprintf(m, "%%!%c(", c);
		char *t = to_text(v);
		fprintf(m, "%s=%s)", tmpl_type_name(v), t);
		free(t);
	}
}

#pragma GCC diagnostic pop

static char *sprintf_go(const char *fmt, const struct tmpl_val *a, size_t n)
{
	char *s = NULL;
	size_t len = 0, next = 0;
	FILE *m = open_memstream(&s, &len);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			fputc(*p, m);
			continue;
		}
		if (p[1] == '%') {
			fputc('%', m);
			p++;
			continue;
		}
		const char *q = p + 1;
		while (*q && strchr("+-# 0", *q))
			q++;
		while (isdigit((unsigned char)*q) || *q == '.')
			q++;
		if (*q == '\0') {
			fputs("%!(NOVERB)", m);
			break;
		}
		char spec[32];
		size_t sl = (size_t)(q - p - 1);
		if (sl >= sizeof(spec))
			sl = sizeof(spec) - 1;
		memcpy(spec, p + 1, sl);
		spec[sl] = '\0';
		if (next >= n)
			fprintf(m, "%%!%c(MISSING)", *q);
		else
			verb(m, spec, *q, &a[next++]);
		p = q;
	}
	if (next < n) {
		fputs("%!(EXTRA ", m);
		for (size_t i = next; i < n; i++) {
			char *t = to_text(&a[i]);
			fprintf(m, "%s%s=%s", i > next ? ", " : "", tmpl_type_name(&a[i]), t);
			free(t);
		}
		fputc(')', m);
	}
	fclose(m);
	return s;
}

/* ---------- comparisons ---------- */

/* -1, 0, 1; 2 when the kinds differ (Go's "incompatible types"), 3 when not ordered. */
static int compare(const struct tmpl_val *a, const struct tmpl_val *b)
{
	enum json_type ta = a->missing ? json_type_null : json_object_get_type(a->j);
	enum json_type tb = b->missing ? json_type_null : json_object_get_type(b->j);
	if (ta != tb)
		return 2;
	switch (ta) {
	case json_type_int: {
		long long x = json_object_get_int64(a->j), y = json_object_get_int64(b->j);
		return x < y ? -1 : x > y;
	}
	case json_type_double: {
		double x = json_object_get_double(a->j), y = json_object_get_double(b->j);
		return x < y ? -1 : x > y;
	}
	case json_type_string: {
		int c = strcmp(json_object_get_string(a->j), json_object_get_string(b->j));
		return c < 0 ? -1 : c > 0;
	}
	case json_type_boolean:
		return json_object_get_boolean(a->j) == json_object_get_boolean(b->j) ? 0 : 4;
	default:
		return 3;
	}
}

static int fn_compare(struct tmpl_ctx *x, const char *name, struct tmpl_val *a, size_t n, bool *out)
{
	if (n < 2 && strcmp(name, "eq") != 0)
		return tmpl_errf(x, "wrong number of args for %s: want 2 got %zu", name, n);
	if (n < 1)
		return tmpl_errf(x, "error calling eq: missing argument for comparison");
	bool eq = strcmp(name, "eq") == 0;
	*out = false;
	for (size_t i = 1; i < n; i++) {
		int c = compare(&a[0], &a[i]);
		if (c == 2)
			return tmpl_errf(x, "error calling %s: incompatible types for comparison",
					 name);
		if (c == 3 || (c == 4 && !eq && strcmp(name, "ne") != 0))
			return tmpl_errf(x, "error calling %s: invalid type for comparison", name);
		if (c == 4)
			c = 1;
		if (eq) {
			if (c == 0) {
				*out = true;
				return 0;
			}
			continue;
		}
		*out = strcmp(name, "ne") == 0	 ? c != 0
		       : strcmp(name, "lt") == 0 ? c < 0
		       : strcmp(name, "le") == 0 ? c <= 0
		       : strcmp(name, "gt") == 0 ? c > 0
						 : c >= 0;
		return 0;
	}
	return 0;
}

/* ---------- string functions ---------- */

static char *title(const char *s)
{
	char *r = xstrdup(s);
	bool sep = true;
	for (char *p = r; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (sep && islower(c))
			*p = (char)toupper(c);
		sep = !(isalnum(c) || c == '_' || c >= 0x80);
	}
	return r;
}

static char *escape(const char *s, bool js)
{
	char *r = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&r, &len);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (!js) {
			const char *e = *p == '<'    ? "&lt;"
					: *p == '>'  ? "&gt;"
					: *p == '&'  ? "&amp;"
					: *p == '\'' ? "&#39;"
					: *p == '"'  ? "&#34;"
						     : NULL;
			if (e)
				fputs(e, m);
			else
				fputc(*p, m);
		} else if (*p == '\\' || *p == '\'' || *p == '"') {
			fprintf(m, "\\%c", *p);
		} else if (*p == '<' || *p == '>' || *p == '&' || *p == '=' || *p < 0x20) {
			fprintf(m, "\\u%04X", *p);
		} else {
			fputc(*p, m);
		}
	}
	fclose(m);
	return r;
}

static char *urlquery(const char *s)
{
	char *r = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&r, &len);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-_.~", *p))
			fputc(*p, m);
		else if (*p == ' ')
			fputc('+', m);
		else
			fprintf(m, "%%%02X", *p);
	}
	fclose(m);
	return r;
}

static int fn_index(struct tmpl_ctx *x, struct tmpl_val *a, size_t n, struct tmpl_val *out)
{
	if (n < 1)
		return tmpl_errf(x, "wrong number of args for index: want at least 1 got 0");
	struct json_object *cur = a[0].j;
	bool missing = a[0].missing;
	for (size_t i = 1; i < n; i++) {
		if (missing || cur == NULL)
			return tmpl_errf(x, "error calling index: index of untyped nil");
		if (json_object_is_type(cur, json_type_array) ||
		    json_object_is_type(cur, json_type_string)) {
			if (!is_int(&a[i]))
				return tmpl_errf(x,
						 "error calling index: cannot index slice/array "
						 "with type %s",
						 tmpl_type_name(&a[i]));
			long long k = json_object_get_int64(a[i].j);
			bool str = json_object_is_type(cur, json_type_string);
			long long len = str ? json_object_get_string_len(cur)
					    : (long long)json_object_array_length(cur);
			if (k < 0 || k >= len)
				return tmpl_errf(x, "error calling index: index out of range: %lld",
						 k);
			if (str) {
				*out = (struct tmpl_val){
					false, json_object_new_int(
						   (unsigned char)json_object_get_string(cur)[k])
				};
				return 0;
			}
			cur = json_object_array_get_idx(cur, (size_t)k);
		} else if (json_object_is_type(cur, json_type_object)) {
			if (!is_str(&a[i]))
				return tmpl_errf(x,
						 "error calling index: value has type %s; should "
						 "be string",
						 tmpl_type_name(&a[i]));
			struct json_object *next = NULL;
			if (!json_object_object_get_ex(cur, json_object_get_string(a[i].j),
						       &next)) {
				/* the zero value: "" in a map of strings, nil in any other */
				bool strings = true;
				json_object_object_foreach (cur, k, v) {
					(void)k;
					strings =
					    strings && json_object_is_type(v, json_type_string);
				}
				*out =
				    (struct tmpl_val){ false, strings ? json_object_new_string("")
								      : NULL };
				return 0;
			}
			cur = next;
		} else {
			return tmpl_errf(x, "error calling index: can't index item of type %s",
					 tmpl_type_name(&(struct tmpl_val){ false, cur }));
		}
	}
	*out = (struct tmpl_val){ false, json_object_get(cur) };
	return 0;
}

static int fn_slice(struct tmpl_ctx *x, struct tmpl_val *a, size_t n, struct tmpl_val *out)
{
	if (n < 1)
		return tmpl_errf(x, "wrong number of args for slice: want at least 1 got 0");
	bool str = is_str(&a[0]);
	if (!str && (a[0].missing || !json_object_is_type(a[0].j, json_type_array)))
		return tmpl_errf(x, "error calling slice: can't slice item of type %s",
				 tmpl_type_name(&a[0]));
	long long len =
	    str ? json_object_get_string_len(a[0].j) : (long long)json_object_array_length(a[0].j);
	long long idx[2] = { 0, len };
	if (n > 3 || (str && n > 3))
		return tmpl_errf(x, "error calling slice: too many slice indexes: %zu", n - 1);
	for (size_t i = 1; i < n; i++) {
		if (want_int(x, &a[i], &idx[i - 1]) < 0)
			return -1;
		if (idx[i - 1] < 0 || idx[i - 1] > len)
			return tmpl_errf(x, "error calling slice: index out of range: %lld",
					 idx[i - 1]);
	}
	if (idx[0] > idx[1])
		return tmpl_errf(x, "error calling slice: invalid slice index: %lld > %lld", idx[0],
				 idx[1]);
	if (str) {
		out->j = json_object_new_string_len(json_object_get_string(a[0].j) + idx[0],
						    (int)(idx[1] - idx[0]));
		return 0;
	}
	out->j = json_object_new_array();
	for (long long i = idx[0]; i < idx[1]; i++)
		json_object_array_add(
		    out->j, json_object_get(json_object_array_get_idx(a[0].j, (size_t)i)));
	return 0;
}

static int nargs(struct tmpl_ctx *x, const char *name, size_t n, size_t want)
{
	if (n != want)
		return tmpl_errf(x, "wrong number of args for %s: want %zu got %zu", name, want, n);
	return 0;
}

static int fn_strings(struct tmpl_ctx *x, const char *name, struct tmpl_val *a, size_t n,
		      struct tmpl_val *out)
{
	const char *s = NULL, *sep = NULL;
	long long p = 0, q = 0;
	if (strcmp(name, "join") == 0) {
		if (nargs(x, name, n, 2) < 0 || want_str(x, &a[1], &sep) < 0)
			return -1;
		size_t len = a[0].missing ? 0 : (a[0].j ? json_object_array_length(a[0].j) : 0);
		if (a[0].missing || (a[0].j && !json_object_is_type(a[0].j, json_type_array)))
			return tmpl_errf(x, "wrong type for value; expected []string; got %s",
					 tmpl_type_name(&a[0]));
		char *r = NULL;
		size_t rl = 0;
		FILE *m = open_memstream(&r, &rl);
		for (size_t i = 0; i < len; i++) {
			struct json_object *e = json_object_array_get_idx(a[0].j, i);
			fprintf(m, "%s%s", i ? sep : "",
				json_object_is_type(e, json_type_string) ? json_object_get_string(e)
									 : "");
		}
		fclose(m);
		out->j = str_take(r);
		return 0;
	}
	if (strcmp(name, "split") == 0) {
		if (nargs(x, name, n, 2) < 0 || want_str(x, &a[0], &s) < 0 ||
		    want_str(x, &a[1], &sep) < 0)
			return -1;
		out->j = json_object_new_array();
		size_t sl = strlen(sep);
		if (sl == 0) {
			for (const char *c = s; *c;) {
				size_t k = 1;
				while ((c[k] & 0xc0) == 0x80)
					k++;
				json_object_array_add(out->j,
						      json_object_new_string_len(c, (int)k));
				c += k;
			}
			return 0;
		}
		for (const char *c = s;;) {
			const char *e = strstr(c, sep);
			if (e == NULL) {
				json_object_array_add(out->j, json_object_new_string(c));
				return 0;
			}
			json_object_array_add(out->j, json_object_new_string_len(c, (int)(e - c)));
			c = e + sl;
		}
	}
	if (strcmp(name, "truncate") == 0) {
		if (nargs(x, name, n, 2) < 0 || want_str(x, &a[0], &s) < 0 ||
		    want_int(x, &a[1], &p) < 0)
			return -1;
		long long len = (long long)strlen(s);
		out->j = json_object_new_string_len(s, (int)(len < p || p < 0 ? len : p));
		return 0;
	}
	if (strcmp(name, "pad") == 0) {
		if (nargs(x, name, n, 3) < 0 || want_str(x, &a[0], &s) < 0 ||
		    want_int(x, &a[1], &p) < 0 || want_int(x, &a[2], &q) < 0)
			return -1;
		if (*s == '\0' || p < 0 || q < 0 || p > 4096 || q > 4096) {
			out->j = json_object_new_string(s);
			return 0;
		}
		out->j = str_take(xasprintf("%*s%s%*s", (int)p, "", s, (int)q, ""));
		return 0;
	}
	/* lower, upper, title */
	if (nargs(x, name, n, 1) < 0 || want_str(x, &a[0], &s) < 0)
		return -1;
	char *r = name[0] == 't' ? title(s) : xstrdup(s);
	if (name[0] != 't')
		for (char *c = r; *c; c++)
			*c = (char)(name[0] == 'u' ? toupper((unsigned char)*c)
						   : tolower((unsigned char)*c));
	out->j = str_take(r);
	return 0;
}

int tmpl_fn_call(struct tmpl_ctx *x, const char *name, struct tmpl_val *a, size_t n,
		 struct tmpl_val *out)
{
	*out = (struct tmpl_val){ 0 };
	if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
		if (n < 1)
			return tmpl_errf(x, "wrong number of args for %s: want at least 1 got 0",
					 name);
		size_t i = 0;
		bool want = name[0] == 'a';
		while (i + 1 < n && tmpl_truth(&a[i]) == want)
			i++;
		*out = (struct tmpl_val){ a[i].missing, json_object_get(a[i].j) };
		return 0;
	}
	if (strcmp(name, "not") == 0) {
		if (nargs(x, name, n, 1) < 0)
			return -1;
		out->j = json_object_new_boolean(!tmpl_truth(&a[0]));
		return 0;
	}
	if (strcmp(name, "len") == 0) {
		if (nargs(x, name, n, 1) < 0)
			return -1;
		enum json_type t = a[0].missing ? json_type_null : json_object_get_type(a[0].j);
		if (t == json_type_string)
			out->j = json_object_new_int(json_object_get_string_len(a[0].j));
		else if (t == json_type_array)
			out->j = json_object_new_int64((int64_t)json_object_array_length(a[0].j));
		else if (t == json_type_object)
			out->j = json_object_new_int(json_object_object_length(a[0].j));
		else
			return tmpl_errf(x, "error calling len: len of %s",
					 a[0].missing || a[0].j == NULL ? "nil pointer"
									: "type int");
		return 0;
	}
	if (strcmp(name, "index") == 0)
		return fn_index(x, a, n, out);
	if (strcmp(name, "slice") == 0)
		return fn_slice(x, a, n, out);
	if (strcmp(name, "print") == 0 || strcmp(name, "println") == 0) {
		out->j = str_take(sprint(a, n, name[5] == 'l'));
		return 0;
	}
	if (strcmp(name, "printf") == 0) {
		const char *f = NULL;
		if (n < 1)
			return tmpl_errf(x,
					 "wrong number of args for printf: want at least 1 got 0");
		if (want_str(x, &a[0], &f) < 0)
			return -1;
		out->j = str_take(sprintf_go(f, a + 1, n - 1));
		return 0;
	}
	if (strlen(name) == 2 && strchr("enlg", name[0])) {
		bool r = false;
		if (fn_compare(x, name, a, n, &r) < 0)
			return -1;
		out->j = json_object_new_boolean(r);
		return 0;
	}
	if (strcmp(name, "html") == 0 || strcmp(name, "js") == 0 || strcmp(name, "urlquery") == 0) {
		char *s = sprint(a, n, false);
		char *r = name[0] == 'u' ? urlquery(s) : escape(s, name[0] == 'j');
		free(s);
		out->j = str_take(r);
		return 0;
	}
	if (strcmp(name, "json") == 0) {
		if (nargs(x, name, n, 1) < 0)
			return -1;
		out->j = json_object_new_string(
		    a[0].missing || a[0].j == NULL
			? "null"
			: json_object_to_json_string_ext(
			      a[0].j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	return fn_strings(x, name, a, n, out);
}

/* ---------- the table writer ---------- */

static size_t utf8_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xc0) != 0x80;
	return w;
}

void cli_tabwriter(FILE *f, char **rows, size_t minwidth, size_t padding)
{
	size_t ncols = 0;
	for (size_t r = 0; rows != NULL && rows[r] != NULL; r++) {
		size_t c = 0;
		for (const char *p = rows[r]; *p; p++)
			c += *p == '\t';
		if (c > ncols)
			ncols = c;
	}
	size_t *widths = xcalloc(ncols + 1, sizeof(*widths));
	for (size_t r = 0; rows != NULL && rows[r] != NULL; r++) {
		const char *cell = rows[r];
		for (size_t c = 0;; c++) {
			const char *tab = strchr(cell, '\t');
			if (tab == NULL)
				break;
			size_t w = utf8_width(cell, (size_t)(tab - cell)) + padding;
			if (w > widths[c])
				widths[c] = w;
			cell = tab + 1;
		}
	}
	/* One lock for the whole table, not one a character (ps prints 1000s of rows). */
	flockfile(f);
	for (size_t r = 0; rows != NULL && rows[r] != NULL; r++) {
		const char *cell = rows[r];
		for (size_t c = 0;; c++) {
			const char *tab = strchr(cell, '\t');
			if (tab == NULL) {
				fputs(cell, f);
				break;
			}
			size_t len = (size_t)(tab - cell), w = utf8_width(cell, len);
			size_t want = widths[c] < minwidth ? minwidth : widths[c];
			fwrite(cell, 1, len, f);
			for (; w < want; w++)
				putc_unlocked(' ', f);
			cell = tab + 1;
		}
		putc_unlocked('\n', f);
	}
	funlockfile(f);
	free(widths);
}
