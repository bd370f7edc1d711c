/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-generator, the Quadlet-style systemd unit generator (a front end of its own, apart
 * from the CLI): unit files are parsed with systemd's rules (unitfile.c) and each
 * .container, .volume, .network, .image and .pod file becomes a .service unit whose command
 * lines run hutch (convert.c). It holds no container rules: it maps unit keys to hutch flags,
 * as podman's Quadlet maps them to podman's.
 */
#pragma once
#include "lib/lib.h"

/* One Key=Value line of a group; line is the first line of it in its file (0: added). */
struct gen_kv {
	char *key, *value;
	int line;
};

struct gen_group {
	char *name;
	struct gen_kv *kv;
	size_t n;
};

enum gen_kind {
	GEN_IMAGE = 0, /* the order of conversion: what others refer to first */
	GEN_VOLUME,
	GEN_NETWORK,
	GEN_CONTAINER,
	GEN_POD,
	GEN_KINDS,
};

/* Per kind: the file extension, the Quadlet section and the name it is kept under in the
 * service, the service name's suffix, and the section's known keys (NULL-terminated). */
struct gen_kind_info {
	const char *ext, *group, *xgroup, *suffix;
	const char *const *keys;
};
extern const struct gen_kind_info gen_kinds[GEN_KINDS];

/* A parsed unit file (owned strings throughout) and what the generator learns about it. */
struct gen_unit {
	char *path;	/* where it was read; NULL for a unit made here */
	char *filename; /* base name, e.g. web.container */
	struct gen_group *g;
	size_t n;
	enum gen_kind kind;
	char *service;	    /* the service unit's name without ".service" */
	char *resource;	    /* the hutch object it makes: container, volume, network, image, pod */
	char **pod_members; /* .pod: the services of containers that start with it */
};

/* Parse unit file text (systemd's syntax) read from path. Lines that are no section, key
 * or comment are warned about (file and line) and skipped, as systemd does. Owned unit. */
struct gen_unit *gen_unit_parse(const char *path, const char *text);
void gen_unit_free(struct gen_unit *u);
/* The group named name, or NULL. */
struct gen_group *gen_group(const struct gen_unit *u, const char *name);
/* The value of the last key in group (borrowed), or NULL when absent. */
const char *gen_last(const struct gen_unit *u, const char *group, const char *key);
/* Every value of key in group (owned vector); an empty value clears those before it. */
char **gen_all(const struct gen_unit *u, const char *group, const char *key);
/* gen_all, each value split into words with systemd's quoting (owned vector). */
char **gen_all_words(const struct gen_unit *u, const char *group, const char *key);
/* The last value of key split into words; NULL when absent (owned vector). */
char **gen_last_words(const struct gen_unit *u, const char *group, const char *key);
/* A systemd boolean: 1 with *val set when the key is there and parses, 0 when absent,
 * -1 when it is no boolean. */
int gen_bool(const struct gen_unit *u, const char *group, const char *key, bool *val);
/* The group named name, added (empty, at the end) when absent. */
struct gen_group *gen_group_ensure(struct gen_unit *u, const char *name);
/* Append Key=value to group (made at the end when absent). */
void gen_add(struct gen_unit *u, const char *group, const char *key, const char *value);
/* Drop every key of that name from group, then add it once. */
void gen_set(struct gen_unit *u, const char *group, const char *key, const char *value);
void gen_unset(struct gen_unit *u, const char *group, const char *key);
void gen_rename_group(struct gen_unit *u, const char *from, const char *to);
/* Split s into words: whitespace separates; "..." and '...' quote; backslash escapes as in
 * C (systemd's extract_first_word with unquoting and C unescaping). Owned vector. */
char **gen_split_words(const char *s);
/* One argument of an Exec line, quoted where systemd would split or unescape it; "$"
 * doubled so systemd does not expand it; "%" left alone (specifiers pass through). */
char *gen_quote_word(const char *w);
/* The unit as text (owned). */
char *gen_unit_text(const struct gen_unit *u);

/* The generator's run: the units to convert and the hutch binary the commands run. */
struct gen_ctx {
	struct gen_unit **units;
	size_t n;
	const char *hutch; /* absolute path of hutch */
	bool user;
	int errors; /* files that could not be converted */
};

/* Warn about a file (and line, when not 0) on stderr in the generator's one format. */
void gen_warn(const struct gen_unit *u, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Name each unit's service and resource (before any is converted: they refer to each
 * other), then convert each into its service unit (owned, NULL where the file is in error:
 * warned about and counted in ctx->errors). out[i] is units[i]'s. */
void gen_convert_all(struct gen_ctx *ctx, struct gen_unit **out);
/* The kind of a file by its extension; -1 for none of Quadlet's. */
int gen_kind_of(const char *filename);
/* The unit a reference like "db.volume" names, or NULL. */
struct gen_unit *gen_find(const struct gen_ctx *ctx, const char *filename);
