/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed access to json-c documents, for every decoder in hutch (STYLE.md B5). Images,
 * registries, records and config.json files are hostile: a member may be missing or of any
 * type, so none of these helpers aborts on a wrong type (json-c's json_object_array_length
 * and friends do). A JSON null counts as a missing member. Borrowed results live as long
 * as the document they come from.
 */
#pragma once

#include "lib/lib.h"

#include <json-c/json.h>

/* ---------- getters that never fail: NULL, 0 or empty on anything unexpected ---------- */

/* The member key of object o (borrowed), or NULL: o is no object, or has no such member. */
struct json_object *json_get(struct json_object *o, const char *key);
/* The member key of o when it has type t (borrowed), else NULL. */
struct json_object *json_get_type(struct json_object *o, const char *key, enum json_type t);
/* The string member key of o (borrowed), or NULL: missing or not a string. */
const char *json_str(struct json_object *o, const char *key);
/* The same, copied (owned), or NULL. */
char *json_str_dup(struct json_object *o, const char *key);
/* The length of an array; 0 for anything else, NULL included. */
size_t json_len(struct json_object *a);
/* Element i of an array (borrowed), or NULL: no array, or i out of range. */
struct json_object *json_idx(struct json_object *a, size_t i);
/* The string elements of an array as an owned strv, NULL when there are none (no array,
 * an empty one); elements of other types are skipped. */
char **json_strv(struct json_object *a);
/* Every element of an array as an owned strv in *out: NULL when a is no array, an empty
 * vector for an empty one. -1 when an element is not a string: *bad is its index and *out
 * NULL. */
int json_strv_all(struct json_object *a, char ***out, size_t *bad);
/* A new JSON array of the strings of v (v may be NULL: an empty array). Owned. */
struct json_object *json_from_strv(char *const *v);
/* The same for a constant table of strings. */
struct json_object *json_from_strs(const char *const *v);
/* A new JSON object of KEY=VALUE entries (kv may be NULL); an entry without '=' maps KEY to
 * "", and a later entry replaces an earlier one of the same key. Owned. */
struct json_object *json_from_kv(char *const *kv);

/*
 * The JSON object in the file dirfd/path (owned), or NULL: missing, unreadable, longer
 * than max bytes, cut short, not an object, or followed by more than white space. Opened
 * O_NONBLOCK, so a FIFO planted in its place does not hang the caller. Parsed as it is
 * read (safe in any thread: no state outside the call).
 */
struct json_object *json_file_at(int dirfd, const char *path, size_t max);

/* ---------- decoders' helpers: each failure names the field ---------- */

/* "a string", "an array", ...: the words of the errors below. */
const char *json_type_name(enum json_type t);
/*
 * o.key (borrowed in *out) of type t; where is the field's path for errors ("process.cwd").
 * Absent (or null): *out NULL, and "WHERE: required field missing" when required. Another
 * type: "WHERE: must be a string" (json_type_name).
 */
int json_field(struct json_object *o, const char *key, const char *where, enum json_type t,
	       bool required, struct json_object **out, struct error **err);
/*
 * o.key as an array of strings (owned strv in *out; left as it is when absent), with
 * json_field's errors, "WHERE: must be a non-empty array" when nonempty and it is absent,
 * no array or empty, and "WHERE[I]: must be a string" for an element.
 */
int json_field_strv(struct json_object *o, const char *key, const char *where, bool required,
		    bool nonempty, char ***out, struct error **err);
/* Registry documents' shape (what names the document): o.key copied into *out (owned);
 * "WHAT: \"KEY\" is missing or not a string". */
int json_req_str(struct json_object *o, const char *key, const char *what, char **out,
		 struct error **err);
/* The same, optional: *out NULL when absent or null; "WHAT: \"KEY\" is not a string". */
int json_opt_str(struct json_object *o, const char *key, const char *what, char **out,
		 struct error **err);
/* o.key as an array (borrowed in *out); "WHAT: \"KEY\" is missing or not an array". */
int json_req_array(struct json_object *o, const char *key, const char *what,
		   struct json_object **out, struct error **err);
