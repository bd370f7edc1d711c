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

/* ---------- the build's state (build.c), shared with buildmount.c ---------- */

struct bstage {
	char *name;	/* AS name (lower case) or NULL */
	char *image_id; /* its final image once built */
	size_t first;	/* its FROM */
	size_t end;	/* one past its last instruction */
};

struct bctx {
	struct eng *eng;
	struct storage *s;
	const struct eng_build_opts *o;
	struct eng_bf bf;
	char *file; /* as errors name it */
	int ctxfd;
	struct bld_ignore ig;
	const char *context; /* its path */
	char **global_args;  /* ARG before the first FROM: K=V (values may be absent: K) */
	struct bstage *stages;
	size_t n_stages, last; /* the stage whose image is the result */
	bool multi;
	int run_status;
};

/* One stage as it runs. */
struct bstate {
	struct bctx *b;
	struct bstage *stage;
	size_t index;
	struct storage_image *img; /* the current image; NULL: scratch */
	const char *from_name;	   /* FROM's reference as given, for the first history comment */
	char *from_name_owned;
	struct json_object *cfg; /* the current image config (owned) */
	char **args;		 /* the stage's ARGs: K=V */
	size_t step, steps;
	const struct eng_bf_instr *in; /* the step running */
	int run_status;
	bool stage_cmd_set; /* CMD given in this stage (ENTRYPOINT keeps it then) */
};

/* The "config" object of the current image config (made when missing). */
struct json_object *bld_config(struct bstate *st);

/* ---------- RUN --mount (buildmount.c) ---------- */

/* RUN's mounts as the engine takes them (--mount strings, --tmpfs), and the targets whose
 * mount points the runtime makes in the rootfs: taken out of the upper dir again, so that
 * no trace of a mount (a secret's name) is in the layer. */
struct run_mounts {
	char **mounts;
	char **tmpfs;
	char **targets;
};
void bld_run_mounts_clear(struct run_mounts *m);
/* One --mount=SPEC of a RUN into m: type=cache|bind|tmpfs|secret, sources kept inside
 * their root. */
int bld_parse_mount(struct bstate *st, const char *spec, struct run_mounts *m, struct error **err);
/* Take the mount points the runtime made for targets out of container c's upper dir. */
void bld_drop_mountpoints(struct bctx *b, const struct storage_image *img, const struct eng_ctr *c,
			  char *const *targets);
