/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed access to json-c documents (lib/json.h). Every helper checks the type before it
 * asks json-c for a value: json-c aborts on an array call on a non-array, and the
 * documents come from images, registries and containers.
 */
#include "lib/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct json_object *json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

struct json_object *json_get_type(struct json_object *o, const char *key, enum json_type t)
{
	struct json_object *v = json_get(o, key);
	return v != NULL && json_object_is_type(v, t) ? v : NULL;
}

const char *json_str(struct json_object *o, const char *key)
{
	return json_object_get_string(json_get_type(o, key, json_type_string));
}

char *json_str_dup(struct json_object *o, const char *key)
{
	const char *s = json_str(o, key);
	return s != NULL ? xstrdup(s) : NULL;
}

size_t json_len(struct json_object *a)
{
	return json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

struct json_object *json_idx(struct json_object *a, size_t i)
{
	return i < json_len(a) ? json_object_array_get_idx(a, i) : NULL;
}

char **json_strv(struct json_object *a)
{
	size_t n = json_len(a), k = 0;
	if (n == 0)
		return NULL;
	/* Sized once: the document decides the length, and strv_push walks the vector at
	 * every push. */
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (json_object_is_type(e, json_type_string))
			v[k++] = xstrdup(json_object_get_string(e));
	}
	if (k == 0) {
		free(v);
		return NULL;
	}
	return v;
}

int json_strv_all(struct json_object *a, char ***out, size_t *bad)
{
	size_t n = json_len(a);
	*out = NULL;
	if (!json_object_is_type(a, json_type_array))
		return 0;
	autostrv char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			*bad = i;
			return -1;
		}
		v[i] = xstrdup(json_object_get_string(e));
	}
	*out = steal_ptr(&v);
	return 0;
}

struct json_object *json_from_strv(char *const *v)
{
	return json_from_strs((const char *const *)v);
}

struct json_object *json_from_strs(const char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

struct json_object *json_from_kv(char *const *kv)
{
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; kv != NULL && kv[i] != NULL; i++) {
		const char *eq = strchr(kv[i], '=');
		autofree char *k = eq ? xstrndup(kv[i], (size_t)(eq - kv[i])) : xstrdup(kv[i]);
		json_object_object_add(o, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	return o;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

struct json_object *json_file_at(int dirfd, const char *path, size_t max)
{
	/* O_NONBLOCK: a FIFO in place of a file must not hang us (no effect on files). */
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	/* A tokener per call, not one kept in a static: the engine may serve several requests
	 * at once, and a tokener costs one small allocation beside the open and read. */
	struct json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		abort();
	struct json_object *o = NULL;
	char buf[4096];
	size_t total = 0;
	/* Parsed as it comes in: the first read of a small file completes the object, and no
	 * second read looks for the end of the file. */
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (total += (size_t)n) > max)
			break; /* the end before a whole object (truncated), or an error */
		o = json_tokener_parse_ex(tok, buf, (int)n);
		if (o != NULL) {
			/* Only white space may follow in what was read. */
			for (size_t i = json_tokener_get_parse_end(tok); i < (size_t)n; i++)
				if (!is_space(buf[i])) {
					json_object_put(o);
					o = NULL;
					break;
				}
			break;
		}
		if (json_tokener_get_error(tok) != json_tokener_continue)
			break;
	}
	close(fd);
	json_tokener_free(tok);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "of another type";
}

int json_field(struct json_object *o, const char *key, const char *where, enum json_type t,
	       bool required, struct json_object **out, struct error **err)
{
	struct json_object *v = json_get(o, key);
	*out = NULL;
	if (v == NULL) {
		if (required)
			return err_set(err, EINVAL, ERR_TOOL, "%s: required field missing", where);
		return 0;
	}
	if (!json_object_is_type(v, t))
		return err_set(err, EINVAL, ERR_TOOL, "%s: must be %s", where, json_type_name(t));
	*out = v;
	return 0;
}

int json_field_strv(struct json_object *o, const char *key, const char *where, bool required,
		    bool nonempty, char ***out, struct error **err)
{
	struct json_object *v = NULL;
	if (nonempty) {
		/* Missing, not an array or empty: one message for all three. */
		v = json_get(o, key);
		if (json_len(v) == 0)
			return err_set(err, EINVAL, ERR_TOOL, "%s: must be a non-empty array",
				       where);
	} else if (json_field(o, key, where, json_type_array, required, &v, err) < 0) {
		return -1;
	}
	if (v == NULL)
		return 0;
	size_t bad = 0;
	char **vec = NULL;
	if (json_strv_all(v, &vec, &bad) < 0)
		return err_set(err, EINVAL, ERR_TOOL, "%s[%zu]: must be a string", where, bad);
	*out = vec;
	return 0;
}

int json_req_str(struct json_object *o, const char *key, const char *what, char **out,
		 struct error **err)
{
	const char *s = json_str(o, key);
	if (s == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s: \"%s\" is missing or not a string", what,
			       key);
	*out = xstrdup(s);
	return 0;
}

int json_opt_str(struct json_object *o, const char *key, const char *what, char **out,
		 struct error **err)
{
	struct json_object *v = json_get(o, key);
	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return err_set(err, EINVAL, ERR_TOOL, "%s: \"%s\" is not a string", what, key);
	*out = xstrdup(json_object_get_string(v));
	return 0;
}

int json_req_array(struct json_object *o, const char *key, const char *what,
		   struct json_object **out, struct error **err)
{
	*out = json_get_type(o, key, json_type_array);
	if (*out == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s: \"%s\" is missing or not an array", what,
			       key);
	return 0;
}
