/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by build.c (the steps) and buildcopy.c (COPY and ADD's files). */
#pragma once

#include "oci/engine/internal.h"

/* .containerignore / .dockerignore: patterns in order, `!` ones re-include. */
struct bld_pat {
	char *pat;
	bool neg;
};
struct bld_ignore {
	struct bld_pat *pats;
	size_t n;
	bool has_neg;
};
/* Read the context's ignore file (the first of .containerignore, .dockerignore). */
void bld_ignore_load(struct bld_ignore *ig, int ctxfd);
void bld_ignore_clear(struct bld_ignore *ig);
/* Whether rel (relative to the context, cleaned) is left out. */
bool bld_ignored(const struct bld_ignore *ig, const char *rel);
/* Docker's path clean, relative (owned); *climbs when ".." went above the start. */
char *bld_clean(const char *p, bool *climbs);
int bld_strcmp(const void *a, const void *b);

/* One COPY or ADD into the working rootfs. */
struct bld_copy {
	char **srcs;	  /* cleaned, relative to the source root (bld_sources) */
	const char *dest; /* absolute, in the working rootfs; a trailing '/' for a dir */
	bool glob;	  /* a source was a glob: dest is a directory */
	bool chown;	  /* --chown: uid and gid; else 0:0 */
	uid_t uid;
	gid_t gid;
	bool chmod; /* --chmod: mode */
	mode_t mode;
	const struct bld_ignore *ignore; /* for the context (NULL otherwise) */
};
/* The sources src names below rootfd (context: a climb out is refused). *out owned. */
int bld_sources(int rootfd, const char *src, bool context, char ***out, struct error **err);
/* Hash the sources' names, modes, sizes and contents into h (the cache key). */
int bld_hash_sources(int rootfd, char *const *srcs, const struct bld_ignore *ig,
		     struct sha256_ctx *h, struct error **err);
/* Copy c's sources from srcroot into rootfd (both borrowed). */
int bld_copy_into(int rootfd, int srcroot, const struct bld_copy *c, struct error **err);
/* A file of data at dest (COPY <<EOF). */
int bld_write_file(int rootfd, const char *dest, const char *data, size_t len,
		   const struct bld_copy *c, struct error **err);
