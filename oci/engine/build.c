/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `build`: a Containerfile (buildfile.c parses it) run step by step, as podman (buildah)
 * does with --layers: every instruction after FROM gives an image, unnamed but the last,
 * whose config is the parent's with the instruction applied and one more history entry.
 *   - RUN: an engine container of the current image (the shell form through SHELL), its
 *     output on the caller's streams; its overlay upper dir becomes the layer.
 *   - COPY, ADD: a working rootfs of the current image (storage_build_step's fill) into
 *     which the sources are copied (buildcopy.c); its upper dir becomes the layer.
 *   - the rest: the config alone (empty_layer).
 * The layer cache: a step's key is the parent image's ID, the instruction as run (with
 * the build args in effect) and the digest of the files it copies; an image made by the
 * same key is taken again (so an unchanged build gives the same ID: the created times are
 * the cached images').
 */
#include "oci/engine/build.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(struct bctx *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct bctx *b, const char *fmt, ...)
{
	if (b->o->quiet || b->o->io == NULL || b->o->io->out < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	autofree char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (fs_write_all(b->o->io->out, s, strlen(s)) < 0)
		log_debug("writing the build output: %s", strerror(errno));
}

/* ---------- variables ---------- */

static const char *kv_get(char *const *kv, const char *k)
{
	size_t n = strlen(k);
	for (size_t i = 0; kv != NULL && kv[i] != NULL; i++)
		if (strncmp(kv[i], k, n) == 0 && kv[i][n] == '=')
			return kv[i] + n + 1;
	return NULL;
}

static void kv_set(char ***kv, const char *k, const char *v)
{
	size_t n = strlen(k);
	for (size_t i = 0; *kv != NULL && (*kv)[i] != NULL; i++)
		if (strncmp((*kv)[i], k, n) == 0 && ((*kv)[i][n] == '=' || (*kv)[i][n] == '\0')) {
			free((*kv)[i]);
			(*kv)[i] = v ? xasprintf("%s=%s", k, v) : xstrdup(k);
			return;
		}
	strv_push_take(kv, v ? xasprintf("%s=%s", k, v) : xstrdup(k));
}

struct json_object *bld_config(struct bstate *st)
{
	struct json_object *c = json_get_type(st->cfg, "config", json_type_object);
	if (c == NULL) {
		c = json_object_new_object();
		json_object_object_add(st->cfg, "config", c);
	}
	return c;
}

static char **env_of(struct bstate *st)
{
	return json_strv(json_get(bld_config(st), "Env"));
}

/* A build arg as given: --build-arg K=V, or K for the caller's environment's value. */
static bool build_arg(struct bctx *b, const char *k, const char **v)
{
	for (size_t i = 0; b->o->build_args != NULL && b->o->build_args[i] != NULL; i++) {
		const char *a = b->o->build_args[i];
		size_t n = strlen(k);
		if (strncmp(a, k, n) == 0 && a[n] == '=') {
			*v = a + n + 1;
			return true;
		}
		if (strcmp(a, k) == 0) {
			*v = getenv(k);
			return *v != NULL;
		}
	}
	return false;
}

/* The predefined ARGs (Docker's platform ones). */
static const char *predefined(const char *k)
{
	const char *arch = storage_host_arch();
	if (strcmp(k, "TARGETARCH") == 0 || strcmp(k, "BUILDARCH") == 0)
		return arch;
	if (strcmp(k, "TARGETOS") == 0 || strcmp(k, "BUILDOS") == 0)
		return "linux";
	if (strcmp(k, "TARGETPLATFORM") == 0 || strcmp(k, "BUILDPLATFORM") == 0)
		return strcmp(arch, "amd64") == 0 ? "linux/amd64" : "linux/arm64";
	if (strcmp(k, "TARGETVARIANT") == 0 || strcmp(k, "BUILDVARIANT") == 0)
		return "";
	return NULL;
}

struct lookup_arg {
	struct bstate *st; /* NULL: before the first FROM */
	char **env;
	struct bctx *b;
};

static const char *lookup(void *arg, const char *name)
{
	struct lookup_arg *a = arg;
	const char *v = kv_get(a->env, name);
	if (v != NULL)
		return v;
	if (a->st != NULL && (v = kv_get(a->st->args, name)) != NULL)
		return v;
	if (a->st == NULL && (v = kv_get(a->b->global_args, name)) != NULL)
		return v;
	return NULL;
}

/* Expand an instruction's text (split: into words). */
static int expand(struct bstate *st, struct bctx *b, const char *text, int line, bool split,
		  char ***out, struct error **err)
{
	autostrv char **env = st ? env_of(st) : NULL;
	struct lookup_arg la = { .st = st, .env = env, .b = b };
	struct eng_bf_expand e = {
		.escape = b->bf.escape, .lookup = lookup, .arg = &la, .file = b->file, .line = line
	};
	return eng_bf_words(text, &e, split, out, err);
}

static char *expand1(struct bstate *st, struct bctx *b, const char *text, int line,
		     struct error **err)
{
	char **w = NULL;
	if (expand(st, b, text, line, false, &w, err) < 0)
		return NULL;
	char *r = xstrdup(w[0] ? w[0] : "");
	strv_free(w);
	return r;
}

/* ---------- config edits ---------- */

static void set_strv(struct bstate *st, const char *key, char *const *v)
{
	if (v == NULL)
		json_object_object_del(bld_config(st), key);
	else
		json_object_object_add(bld_config(st), key, json_from_strv(v));
}

static void set_str(struct bstate *st, const char *key, const char *v)
{
	json_object_object_add(bld_config(st), key, json_object_new_string(v));
}

static void add_to_set(struct bstate *st, const char *key, const char *item)
{
	struct json_object *o = json_get_type(bld_config(st), key, json_type_object);
	if (o == NULL) {
		o = json_object_new_object();
		json_object_object_add(bld_config(st), key, o);
	}
	json_object_object_add(o, item, json_object_new_object());
}

static char **shell_of(struct bstate *st)
{
	char **sh = json_strv(json_get(bld_config(st), "Shell"));
	if (sh == NULL || sh[0] == NULL) {
		strv_free(sh);
		sh = NULL;
		strv_push(&sh, "/bin/sh");
		strv_push(&sh, "-c");
	}
	return sh;
}

/* CMD, ENTRYPOINT, RUN's argv: the exec form, or SHELL plus the text. */
static char **command_of(struct bstate *st, const struct eng_bf_instr *in)
{
	if (in->json != NULL) {
		char **v = xcalloc(1, sizeof(char *));
		for (size_t i = 0; in->json[i]; i++)
			strv_push(&v, in->json[i]);
		return v;
	}
	char **v = shell_of(st);
	strv_push(&v, in->args);
	return v;
}

/* KEY=VALUE pairs of ENV and LABEL (or the old "KEY VALUE" form). */
static int pairs(struct bstate *st, const struct eng_bf_instr *in, char ***out, struct error **err)
{
	struct bctx *b = st->b;
	*out = xcalloc(1, sizeof(char *));
	autostrv char **raw = eng_bf_split_raw(in->args, b->bf.escape);
	if (raw[0] == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s requires at least one argument",
			       b->file, in->line, in->cmd);
	if (strchr(raw[0], '=') == NULL) {
		/* KEY VALUE: the rest of the line is the value */
		const char *rest = in->args + strlen(raw[0]);
		while (isspace((unsigned char)*rest))
			rest++;
		if (*rest == '\0')
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s must have two arguments",
				       b->file, in->line, in->cmd);
		autofree char *k = expand1(st, b, raw[0], in->line, err);
		autofree char *v = k ? expand1(st, b, rest, in->line, err) : NULL;
		if (v == NULL)
			return -1;
		strv_push_take(out, xasprintf("%s=%s", k, v));
		return 0;
	}
	for (size_t i = 0; raw[i]; i++) {
		if (strchr(raw[i], '=') == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: %s names can not be blank: %s is not KEY=VALUE",
				       b->file, in->line, in->cmd, raw[i]);
		char *w = expand1(st, b, raw[i], in->line, err);
		if (w == NULL)
			return -1;
		strv_push_take(out, w);
	}
	return 0;
}

static int healthcheck(struct bstate *st, const struct eng_bf_instr *in, struct error **err)
{
	struct bctx *b = st->b;
	struct json_object *h = json_object_new_object();
	const char *a = in->args;
	if (strncasecmp(a, "NONE", 4) == 0 && (a[4] == '\0' || isspace((unsigned char)a[4]))) {
		json_object_object_add(h, "Test",
				       json_from_strs((const char *const[]){ "NONE", NULL }));
		json_object_object_add(bld_config(st), "Healthcheck", h);
		return 0;
	}
	if (strncasecmp(a, "CMD", 3) != 0 || !(a[3] == '\0' || isspace((unsigned char)a[3]))) {
		json_object_put(h);
		return err_set(err, EINVAL, ERR_TOOL,
			       "%s:%d: HEALTHCHECK: unknown type, use CMD or NONE", b->file,
			       in->line);
	}
	a += 3;
	while (isspace((unsigned char)*a))
		a++;
	static const char *const durs[][2] = { { "--interval=", "Interval" },
					       { "--timeout=", "Timeout" },
					       { "--start-period=", "StartPeriod" },
					       { "--start-interval=", "StartInterval" } };
	for (size_t i = 0; in->flags != NULL && in->flags[i] != NULL; i++) {
		const char *f = in->flags[i];
		bool done = false;
		for (size_t k = 0; k < 4 && !done; k++) {
			size_t n = strlen(durs[k][0]);
			if (strncmp(f, durs[k][0], n) != 0)
				continue;
			char *end = NULL;
			double v = strtod(f + n, &end);
			double mul = 1e9;
			if (end && strcmp(end, "ms") == 0)
				mul = 1e6;
			else if (end && strcmp(end, "m") == 0)
				mul = 60e9;
			else if (end && strcmp(end, "h") == 0)
				mul = 3600e9;
			else if (!end || (strcmp(end, "s") != 0 && *end)) {
				json_object_put(h);
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: HEALTHCHECK: bad duration %s", b->file,
					       in->line, f);
			}
			json_object_object_add(h, durs[k][1],
					       json_object_new_int64((int64_t)(v * mul)));
			done = true;
		}
		if (!done && strncmp(f, "--retries=", 10) == 0) {
			json_object_object_add(h, "Retries", json_object_new_int(atoi(f + 10)));
			done = true;
		}
		if (!done) {
			json_object_put(h);
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: HEALTHCHECK: unknown flag %s",
				       b->file, in->line, f);
		}
	}
	autostrv char **test = NULL;
	struct json_object *j = *a == '[' ? json_tokener_parse(a) : NULL;
	char **v = NULL;
	size_t bad = 0;
	if (j != NULL && json_object_is_type(j, json_type_array) &&
	    json_strv_all(j, &v, &bad) == 0) {
		strv_push(&test, "CMD");
		for (size_t i = 0; v[i]; i++)
			strv_push(&test, v[i]);
		strv_free(v);
	} else {
		strv_push(&test, "CMD-SHELL");
		strv_push(&test, a);
	}
	json_object_put(j);
	json_object_object_add(h, "Test", json_from_strv(test));
	json_object_object_add(bld_config(st), "Healthcheck", h);
	return 0;
}

/* Apply a metadata instruction to st->cfg. */
static int apply_meta(struct bstate *st, const struct eng_bf_instr *in, struct error **err)
{
	struct bctx *b = st->b;
	const char *cmd = in->cmd;
	if (strcmp(cmd, "ENV") == 0 || strcmp(cmd, "LABEL") == 0) {
		autostrv char **kv = NULL;
		if (pairs(st, in, &kv, err) < 0)
			return -1;
		if (strcmp(cmd, "ENV") == 0) {
			autostrv char **env = env_of(st);
			if (env == NULL)
				env = xcalloc(1, sizeof(char *));
			for (size_t i = 0; kv[i]; i++) {
				char *eq = strchr(kv[i], '=');
				*eq = '\0';
				kv_set(&env, kv[i], eq + 1);
			}
			set_strv(st, "Env", env);
		} else {
			struct json_object *l =
			    json_get_type(bld_config(st), "Labels", json_type_object);
			if (l == NULL) {
				l = json_object_new_object();
				json_object_object_add(bld_config(st), "Labels", l);
			}
			for (size_t i = 0; kv[i]; i++) {
				char *eq = strchr(kv[i], '=');
				*eq = '\0';
				json_object_object_add(l, kv[i], json_object_new_string(eq + 1));
			}
		}
		return 0;
	}
	if (strcmp(cmd, "WORKDIR") == 0) {
		autofree char *w = expand1(st, b, in->args, in->line, err);
		if (w == NULL)
			return -1;
		const char *cur = json_str(bld_config(st), "WorkingDir");
		autofree char *joined =
		    w[0] == '/' ? xstrdup(w) : xasprintf("%s/%s", cur && *cur ? cur : "", w);
		bool climbs;
		autofree char *clean = bld_clean(joined, &climbs);
		autofree char *abs = xasprintf("/%s", clean);
		set_str(st, "WorkingDir", abs);
		return 0;
	}
	if (strcmp(cmd, "USER") == 0 || strcmp(cmd, "STOPSIGNAL") == 0) {
		autofree char *w = expand1(st, b, in->args, in->line, err);
		if (w == NULL)
			return -1;
		set_str(st, strcmp(cmd, "USER") == 0 ? "User" : "StopSignal", w);
		return 0;
	}
	if (strcmp(cmd, "EXPOSE") == 0) {
		autostrv char **w = NULL;
		if (expand(st, b, in->args, in->line, true, &w, err) < 0)
			return -1;
		for (size_t i = 0; w[i]; i++) {
			autofree char *p =
			    strchr(w[i], '/') ? xstrdup(w[i]) : xasprintf("%s/tcp", w[i]);
			for (char *q = p; *q; q++)
				*q = (char)tolower((unsigned char)*q);
			add_to_set(st, "ExposedPorts", p);
		}
		return 0;
	}
	if (strcmp(cmd, "VOLUME") == 0) {
		autostrv char **w = NULL;
		if (in->json != NULL) {
			w = xcalloc(1, sizeof(char *));
			for (size_t i = 0; in->json[i]; i++)
				strv_push(&w, in->json[i]);
		} else if (expand(st, b, in->args, in->line, true, &w, err) < 0)
			return -1;
		for (size_t i = 0; w[i]; i++) {
			if (*w[i] == '\0')
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s:%d: VOLUME specified can not be an empty string",
					       b->file, in->line);
			add_to_set(st, "Volumes", w[i]);
		}
		return 0;
	}
	if (strcmp(cmd, "CMD") == 0 || strcmp(cmd, "ENTRYPOINT") == 0) {
		autostrv char **v = command_of(st, in);
		set_strv(st, strcmp(cmd, "CMD") == 0 ? "Cmd" : "Entrypoint", v);
		if (strcmp(cmd, "ENTRYPOINT") == 0 && !st->stage_cmd_set)
			json_object_object_del(bld_config(st), "Cmd");
		if (strcmp(cmd, "CMD") == 0)
			st->stage_cmd_set = true;
		return 0;
	}
	if (strcmp(cmd, "SHELL") == 0) {
		if (in->json == NULL || in->json[0] == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: SHELL requires the arguments to be in JSON form",
				       b->file, in->line);
		set_strv(st, "Shell", in->json);
		return 0;
	}
	if (strcmp(cmd, "HEALTHCHECK") == 0)
		return healthcheck(st, in, err);
	if (strcmp(cmd, "ONBUILD") == 0) {
		struct json_object *a = json_get_type(bld_config(st), "OnBuild", json_type_array);
		if (a == NULL) {
			a = json_object_new_array();
			json_object_object_add(bld_config(st), "OnBuild", a);
		}
		json_object_array_add(a, json_object_new_string(in->args));
		return 0;
	}
	if (strcmp(cmd, "MAINTAINER") == 0) {
		json_object_object_add(st->cfg, "author", json_object_new_string(in->args));
		return 0;
	}
	return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s: not a metadata instruction", b->file,
		       in->line, cmd);
}

/* ---------- steps ---------- */

static char *short_id(const char *id)
{
	return xstrndup(id, 11);
}

/* Switch the stage to image id (owned by the caller). */
static int use_image(struct bstate *st, const char *id, struct error **err)
{
	struct storage_image *img = NULL;
	if (storage_image_lookup(st->b->s, id, &img, err) < 0)
		return -1;
	storage_image_free(&st->img);
	st->img = img;
	json_object_put(st->cfg);
	st->cfg = NULL;
	if (img->config == NULL || json_object_deep_copy(img->config, &st->cfg, NULL) != 0 ||
	    !json_object_is_type(st->cfg, json_type_object)) {
		json_object_put(st->cfg);
		st->cfg = json_object_new_object();
	}
	return 0;
}

/* The cache key of a step on the current image. */
static void step_key(struct bstate *st, const char *created_by, const char *content,
		     char hex[SHA256_HEX_LEN + 1])
{
	struct sha256_ctx *h = sha256_new();
	const char *parent = st->img ? st->img->id : "scratch";
	sha256_update(h, parent, strlen(parent));
	sha256_update(h, "\n", 1);
	sha256_update(h, created_by, strlen(created_by));
	for (size_t i = 0; st->args != NULL && st->args[i] != NULL; i++) {
		sha256_update(h, "\n", 1);
		sha256_update(h, st->args[i], strlen(st->args[i]));
	}
	sha256_update(h, "\n", 1);
	if (content)
		sha256_update(h, content, strlen(content));
	sha256_update(h, st->b->o->docker ? "\ndocker" : "\noci", st->b->o->docker ? 7 : 4);
	sha256_final_hex(h, hex);
}

/* The history entry of a step, and the new config's created time. */
static void add_history(struct bstate *st, struct json_object *cfg, const char *created_by,
			bool empty)
{
	autofree char *now = storage_now_rfc3339();
	json_object_object_add(cfg, "created", json_object_new_string(now));
	struct json_object *hist = json_get_type(cfg, "history", json_type_array);
	if (hist == NULL) {
		hist = json_object_new_array();
		json_object_object_add(cfg, "history", hist);
	}
	struct json_object *h = json_object_new_object();
	json_object_object_add(h, "created", json_object_new_string(now));
	json_object_object_add(h, "created_by", json_object_new_string(created_by));
	autofree char *comment = st->from_name != NULL ? xasprintf("FROM %s", st->from_name)
				 : st->img != NULL     ? xasprintf("FROM %.12s", st->img->id)
						       : NULL;
	if (comment != NULL)
		json_object_object_add(h, "comment", json_object_new_string(comment));
	if (empty)
		json_object_object_add(h, "empty_layer", json_object_new_boolean(true));
	json_object_array_add(hist, h);
}

/* What a step does beyond the config. */
struct step_work {
	char **run_argv; /* RUN */
	struct storage_build_step bs;
};

/* WORKDIR's directory, made for RUN when no layer of the image has it, as buildah does:
 * in the container's upper dir (it is the container's root's, which is this user). */
static int ensure_workdir(struct bctx *b, const struct storage_image *img, const struct eng_ctr *c,
			  const char *wd, struct error **err)
{
	autostrv char **dirs = storage_image_layer_dirs(b->s, img);
	for (size_t i = 0; dirs != NULL && dirs[i] != NULL; i++) {
		autofree char *p = xasprintf("%s%s", dirs[i], wd);
		if (fs_exists(p))
			return 0;
	}
	autofree char *dir = eng_ctr_dir(b->eng, c->id);
	autofree char *p = xasprintf("%s/upper%s", dir, wd);
	return fs_mkdir_p(p, 0755, err);
}

/* RUN: a container of the current image, run with the caller's streams; its upper dir is
 * the layer of the step's image. */
static int run_step(struct bstate *st, char **argv, struct json_object *ncfg, char **out_id,
		    struct error **err)
{
	struct bctx *b = st->b;
	autostrv char **env = env_of(st);
	if (env == NULL)
		env = xcalloc(1, sizeof(char *));
	if (kv_get(env, "PATH") == NULL)
		kv_set(&env, "PATH",
		       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	for (size_t i = 0; st->args != NULL && st->args[i] != NULL; i++) {
		char *eq = strchr(st->args[i], '=');
		if (eq == NULL)
			continue;
		autofree char *k = xstrndup(st->args[i], (size_t)(eq - st->args[i]));
		if (kv_get(env, k) == NULL)
			kv_set(&env, k, eq + 1);
	}
	const char *wd = json_str(bld_config(st), "WorkingDir");
	const char *user = json_str(bld_config(st), "User");
	struct run_mounts m = { 0 };
	const char *network = b->o->network;
	for (size_t i = 0; st->in->flags != NULL && st->in->flags[i] != NULL; i++) {
		const char *f = st->in->flags[i];
		int prc = 0;
		if (strncmp(f, "--mount=", 8) == 0) {
			autofree char *spec = expand1(st, b, f + 8, st->in->line, err);
			prc = spec ? bld_parse_mount(st, spec, &m, err) : -1;
		} else if (strncmp(f, "--network=", 10) == 0)
			network = f + 10;
		else
			prc = err_set(err, EINVAL, ERR_TOOL, "%s:%d: RUN: unknown flag %s", b->file,
				      st->in->line, f);
		if (prc < 0) {
			bld_run_mounts_clear(&m);
			return err_wrap(err, "building at STEP \"%s\"", st->in->original);
		}
	}
	struct eng_ctr_create_req r = {
		.image = st->img->id,
		.pull = "never",
		.command = argv,
		.entrypoint = "[]",
		.env = env,
		.workdir = wd && *wd ? wd : NULL,
		.user = user && *user ? user : NULL,
		.network = network,
		.network_set = network != NULL,
		.mounts = m.mounts,
		.tmpfs = m.tmpfs,
		.log_driver = "none",
		.no_healthcheck = true,
	};
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_create(b->eng, &r, &c, err) < 0) {
		bld_run_mounts_clear(&m);
		return -1;
	}
	if (wd && *wd && ensure_workdir(b, st->img, c, wd, err) < 0) {
		struct error *e2 = NULL;
		if (eng_ctr_remove(b->eng, c, true, &e2) < 0)
			err_free(&e2);
		return -1;
	}
	struct eng_stdio io = { .in = -1,
				.out = b->o->io ? b->o->io->out : -1,
				.err = b->o->io ? b->o->io->err : -1 };
	struct eng_ctr_start_opts so = { .attach = true, .io = &io };
	int status = 0;
	bool detached = false;
	int rc = eng_ctr_start(b->eng, c, &so, &status, &detached, err);
	if (rc == 0 && status != 0) {
		st->run_status = status;
		rc = err_msg(err, "building at STEP \"%s\": while running runtime: exit status %d",
			     st->in->original, status);
	}
	if (rc == 0)
		bld_drop_mountpoints(b, st->img, c, m.targets);
	bld_run_mounts_clear(&m);
	if (rc == 0) {
		struct storage_build_step bs = {
			.parent = st->img, .config = ncfg, .ctr_id = c->id, .docker = b->o->docker
		};
		rc = storage_build_step(b->s, &bs, out_id, err);
	}
	struct error *e2 = NULL;
	if (eng_ctr_remove(b->eng, c, true, &e2) < 0) {
		log_warn("removing the build container %.12s: %s", c->id, e2->msg);
		err_free(&e2);
	}
	return rc;
}

/* COPY and ADD's fill: in the working rootfs, from the context or a mounted image. */
struct copy_fill {
	struct bctx *b;
	struct bld_copy copy;
	int srcroot;	     /* the context (or a fetched file's dir) */
	const char *from;    /* or a working container's rootfs to mount as the source */
	char **heredoc_dest; /* COPY <<EOF: files to write, with ... */
	char **heredoc_data; /* ... their contents */
	bool unpack;	     /* ADD of a local archive: srcs[0] unpacked into dest */
};

static int copy_fill(void *arg, int rootfd, struct error **err)
{
	struct copy_fill *f = arg;
	struct storage *s = f->b->s;
	for (size_t i = 0; f->heredoc_dest != NULL && f->heredoc_dest[i] != NULL; i++)
		if (bld_write_file(rootfd, f->heredoc_dest[i], f->heredoc_data[i],
				   strlen(f->heredoc_data[i]), &f->copy, err) < 0)
			return -1;
	if (f->copy.srcs == NULL || f->copy.srcs[0] == NULL)
		return 0;
	int src = f->srcroot;
	autofree char *mp = NULL;
	autoclose int mfd = -1;
	if (f->from != NULL) {
		if (storage_rootfs_mount(s, f->from, &mp, err) < 0)
			return -1;
		mfd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			return err_sys(err, "opening %s", mp);
		src = mfd;
	}
	int rc = 0;
	if (f->from != NULL && f->copy.glob) {
		/* globs in an image's tree: matched now that it is mounted */
		char **all = xcalloc(1, sizeof(char *));
		for (size_t i = 0; rc == 0 && f->copy.srcs[i] != NULL; i++) {
			autostrv char **m = NULL;
			rc = bld_sources(src, f->copy.srcs[i], false, &m, err);
			for (size_t k = 0; rc == 0 && m[k] != NULL; k++)
				strv_push(&all, m[k]);
		}
		strv_free(f->copy.srcs);
		f->copy.srcs = all;
	}
	if (rc < 0) {
		/* the mount goes below */
	} else if (f->unpack) {
		int dd =
		    fs_open_in_root(rootfd, f->copy.dest, O_RDONLY | O_DIRECTORY, FS_CREATE_DIR);
		int af = fs_openat2(src, f->copy.srcs[0], O_RDONLY,
				    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		if (dd < 0 || af < 0)
			rc = err_sys(err, "unpacking %s", f->copy.srcs[0]);
		else
			rc = storage_unpack_into(af, dd, err);
		if (dd >= 0)
			close(dd);
		if (af >= 0)
			close(af);
	} else
		rc = bld_copy_into(rootfd, src, &f->copy, err);
	if (mfd >= 0) {
		close(mfd);
		mfd = -1;
		struct error *e2 = NULL;
		if (storage_rootfs_umount(s, f->from, &e2) < 0)
			err_free(&e2);
	}
	return rc;
}

static bool is_archive(int rootfd, const char *path)
{
	autoclose int fd =
	    fs_openat2(rootfd, path, O_RDONLY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return false;
	unsigned char m[512];
	ssize_t n = fs_read_all(fd, m, sizeof(m));
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return true;
	if (n >= 3 && memcmp(m, "BZh", 3) == 0)
		return true;
	if (n >= 6 && memcmp(m,
			     "\xfd"
			     "7zXZ\0",
			     6) == 0)
		return true;
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
		return true;
	return n >= 262 && memcmp(m + 257, "ustar", 5) == 0;
}

static const char *flag_val(const struct eng_bf_instr *in, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; in->flags != NULL && in->flags[i] != NULL; i++)
		if (strncmp(in->flags[i], name, n) == 0 && in->flags[i][n] == '=')
			return in->flags[i] + n + 1;
	return NULL;
}

static int parse_chown(struct bstate *st, const char *v, struct bld_copy *c, struct error **err)
{
	char *end = NULL;
	long u = strtol(v, &end, 10);
	long g = u;
	bool numeric = end != v && (*end == '\0' || *end == ':');
	if (numeric && *end == ':') {
		const char *gs = end + 1;
		g = strtol(gs, &end, 10);
		numeric = end != gs && *end == '\0';
	}
	if (numeric && u >= 0 && g >= 0 && u <= 0x7fffffff && g <= 0x7fffffff) {
		c->chown = true;
		c->uid = (uid_t)u;
		c->gid = (gid_t)g;
		return 0;
	}
	/* names: the image's /etc/passwd and /etc/group, as `-u` reads them */
	autostrv char **dirs = st->img ? storage_image_layer_dirs(st->b->s, st->img) : NULL;
	if (dirs == NULL)
		dirs = xcalloc(1, sizeof(char *));
	uid_t uid = 0;
	gid_t gid = 0, *groups = NULL;
	size_t ng = 0;
	if (oci_user_resolve(dirs, v, &uid, &gid, &groups, &ng, err) < 0)
		return err_wrap(err, "%s:%d: --chown=%s", st->b->file, st->in->line, v);
	free(groups);
	c->chown = true;
	c->uid = uid;
	c->gid = gid;
	return 0;
}

/* The stage named or numbered ref, built before; NULL when none. */
static struct bstage *stage_ref(struct bctx *b, const char *ref, size_t before)
{
	for (size_t i = 0; i < before; i++)
		if (b->stages[i].name != NULL && strcasecmp(b->stages[i].name, ref) == 0)
			return &b->stages[i];
	char *end = NULL;
	long n = strtol(ref, &end, 10);
	if (*ref && end && *end == '\0' && n >= 0 && (size_t)n < before)
		return &b->stages[n];
	return NULL;
}

static int find_or_pull(struct bctx *b, const char *ref, char **id, struct error **err);

/* COPY and ADD: the plan (fill), its content hash and its history text. */
static int copy_plan(struct bstate *st, const struct eng_bf_instr *in, struct copy_fill *f,
		     char **content, char **created_by, char **tmpdir, char **from_ctr,
		     struct error **err)
{
	struct bctx *b = st->b;
	bool add = strcmp(in->cmd, "ADD") == 0;
	f->b = b;
	f->srcroot = b->ctxfd;
	const char *v;
	if ((v = flag_val(in, "--chown")) != NULL && parse_chown(st, v, &f->copy, err) < 0)
		return -1;
	if ((v = flag_val(in, "--chmod")) != NULL) {
		char *end = NULL;
		long m = strtol(v, &end, 8);
		if (end == v || *end || m < 0 || m > 07777)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: --chmod=%s: not an octal mode", b->file, in->line,
				       v);
		f->copy.chmod = true;
		f->copy.mode = (mode_t)m;
	}
	for (size_t i = 0; in->flags != NULL && in->flags[i] != NULL; i++) {
		const char *fl = in->flags[i];
		if (strncmp(fl, "--chown=", 8) && strncmp(fl, "--chmod=", 8) &&
		    strncmp(fl, "--from=", 7) && strcmp(fl, "--link") && strncmp(fl, "--link=", 7))
			return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s: unknown flag %s", b->file,
				       in->line, in->cmd, fl);
	}
	autostrv char **words = NULL;
	if (in->json != NULL) {
		words = xcalloc(1, sizeof(char *));
		for (size_t i = 0; in->json[i]; i++) {
			char *w = expand1(st, b, in->json[i], in->line, err);
			if (w == NULL)
				return -1;
			strv_push_take(&words, w);
		}
	} else if (expand(st, b, in->args, in->line, true, &words, err) < 0)
		return -1;
	size_t nw = strv_len(words);
	if (nw < 2 && in->n_heredocs == 0)
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: %s requires at least two arguments",
			       b->file, in->line, in->cmd);
	const char *dest_w = words[nw - 1];
	const char *wd = json_str(bld_config(st), "WorkingDir");
	autofree char *dest =
	    dest_w[0] == '/' ? xstrdup(dest_w) : xasprintf("%s/%s", wd && *wd ? wd : "", dest_w);
	f->copy.dest = NULL;
	struct sha256_ctx *h = sha256_new();
	autostrv char **all = xcalloc(1, sizeof(char *));
	/* heredocs among the sources */
	for (size_t i = 0; i + 1 < nw; i++) {
		const char *w = words[i];
		const struct eng_bf_heredoc *hd = NULL;
		if (strncmp(w, "<<", 2) == 0)
			for (size_t k = 0; k < in->n_heredocs && !hd; k++) {
				const char *n = w + 2 + (w[2] == '-');
				if (strcmp(n, in->heredocs[k].name) == 0)
					hd = &in->heredocs[k];
			}
		if (hd != NULL) {
			autofree char *body = hd->expand ? expand1(st, b, hd->body, in->line, err)
							 : xstrdup(hd->body);
			if (body == NULL) {
				sha256_free(h);
				return -1;
			}
			bool to_dir = dest[strlen(dest) - 1] == '/';
			strv_push_take(&f->heredoc_dest,
				       to_dir ? xasprintf("%s%s", dest, hd->name) : xstrdup(dest));
			sha256_update(h, body, strlen(body));
			strv_push_take(&f->heredoc_data, steal_ptr(&body));
			continue;
		}
		if (add && (strncmp(w, "http://", 7) == 0 || strncmp(w, "https://", 8) == 0)) {
			/* fetched into a scratch dir, then copied as a file of that name */
			/* in the store, beside its layers: a download may be large */
			if (*tmpdir == NULL &&
			    (*tmpdir = storage_tmpdir(st->b->s, "build-add", err)) == NULL) {
				sha256_free(h);
				return -1;
			}
			const char *base = strrchr(w, '/') + 1;
			if (*base == '\0' || strchr(base, '?'))
				base = "download";
			autofree char *p = xasprintf("%s/%s", *tmpdir, base);
			autoclose int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (fd < 0 || storage_fetch_url(w, fd, err) < 0) {
				sha256_free(h);
				return fd < 0 ? err_sys(err, "creating %s", p) : -1;
			}
			fchmod(fd, 0600);
			f->srcroot = open(*tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			strv_push(&all, base);
			continue;
		}
		autostrv char **srcs = NULL;
		bool ctx = f->from == NULL && *tmpdir == NULL;
		if (bld_sources(f->srcroot, w, ctx, &srcs, err) < 0) {
			sha256_free(h);
			return err_wrap(err, "building at STEP \"%s\"", in->original);
		}
		if (strpbrk(w, "*?[") != NULL)
			f->copy.glob = true;
		for (size_t k = 0; srcs[k]; k++)
			strv_push(&all, srcs[k]);
	}
	(void)from_ctr;
	if (all[0] != NULL &&
	    bld_hash_sources(f->srcroot, all, f->from ? NULL : &b->ig, h, err) < 0) {
		sha256_free(h);
		return -1;
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(h, hex);
	*content = xstrdup(hex);
	f->copy.srcs = steal_ptr(&all);
	f->copy.ignore = f->from ? NULL : &b->ig;
	if (add && f->copy.srcs[0] != NULL && f->copy.srcs[1] == NULL && *tmpdir == NULL &&
	    is_archive(f->srcroot, f->copy.srcs[0]))
		f->unpack = true;
	*created_by =
	    xasprintf("/bin/sh -c #(nop) %s %s:%s in %s ", in->cmd,
		      f->heredoc_dest && !f->copy.srcs[0] ? "heredoc" : "file", hex, dest);
	f->copy.dest = steal_ptr(&dest);
	return 0;
}

static void copy_fill_clear(struct copy_fill *f)
{
	strv_free(f->copy.srcs);
	free((char *)f->copy.dest);
	strv_free(f->heredoc_dest);
	strv_free(f->heredoc_data);
	if (f->srcroot >= 0 && f->srcroot != f->b->ctxfd)
		close(f->srcroot);
}

/* RUN's argv, heredocs included. */
static char **run_argv(struct bstate *st, const struct eng_bf_instr *in)
{
	if (in->n_heredocs == 0)
		return command_of(st, in);
	char **sh = shell_of(st);
	const char *a = in->args;
	while (isspace((unsigned char)*a))
		a++;
	bool only = strncmp(a, "<<", 2) == 0 && in->n_heredocs == 1 && strpbrk(a, " \t") == NULL;
	if (only) {
		strv_push(&sh, in->heredocs[0].body);
		return sh;
	}
	/* the shell reads the heredocs itself */
	struct sbuf_s {
		char *s;
	} t = { xstrdup(in->args) };
	for (size_t i = 0; i < in->n_heredocs; i++) {
		char *n = xasprintf("%s\n%s%s", t.s, in->heredocs[i].body, in->heredocs[i].name);
		free(t.s);
		t.s = n;
	}
	strv_push_take(&sh, t.s);
	return sh;
}

/* A working container of image id (the source of COPY --from), its ID in *out. */
static int from_container(struct bctx *b, const char *id, char **out, struct error **err)
{
	struct storage_image *img = NULL;
	if (storage_image_lookup(b->s, id, &img, err) < 0)
		return -1;
	unsigned char raw[16];
	char hex[SHA256_HEX_LEN + 1];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		storage_image_free(&img);
		return err_sys(err, "getrandom");
	}
	sha256_hex(raw, sizeof(raw), hex);
	int rc = storage_container_create(b->s, hex, img, err);
	storage_image_free(&img);
	if (rc == 0)
		*out = xstrdup(hex);
	return rc;
}

/* One instruction after FROM. last: the build's last step (labels, COMMIT line). */
static int step(struct bstate *st, const struct eng_bf_instr *in, bool last, bool show,
		struct error **err)
{
	struct bctx *b = st->b;
	st->in = in;
	const char *cmd = in->cmd;
	if (strcmp(cmd, "ARG") == 0) {
		autostrv char **raw = eng_bf_split_raw(in->args, b->bf.escape);
		for (size_t i = 0; raw[i]; i++) {
			autofree char *w = expand1(st, b, raw[i], in->line, err);
			if (w == NULL)
				return -1;
			char *eq = strchr(w, '=');
			if (eq)
				*eq = '\0';
			const char *v = NULL;
			if (!build_arg(b, w, &v))
				v = eq ? eq + 1 : kv_get(b->global_args, w);
			if (v == NULL)
				v = predefined(w);
			kv_set(&st->args, w, v);
		}
		if (!last)
			return 0;
	}
	bool is_run = strcmp(cmd, "RUN") == 0;
	bool is_copy = strcmp(cmd, "COPY") == 0 || strcmp(cmd, "ADD") == 0;
	autofree char *created_by = NULL, *content = NULL, *tmpdir = NULL, *from_ctr = NULL;
	autofree char *labels = NULL, *kc = NULL, *id = NULL, *from_id = NULL;
	autostrv char **argv = NULL;
	struct copy_fill f = { .b = b, .srcroot = -1 };
	int rc = 0;
	if (is_run) {
		argv = run_argv(st, in);
		created_by = xasprintf("/bin/sh -c %s", in->args);
		for (size_t i = 0; in->flags != NULL && in->flags[i] != NULL; i++) {
			/* the flags (mounts) are part of the cache key, not of the history */
			autofree char *prev = content;
			content = xasprintf("%s %s", prev ? prev : "", in->flags[i]);
		}
	} else if (is_copy) {
		const char *from = flag_val(in, "--from");
		if (from != NULL) {
			autofree char *fx = expand1(st, b, from, in->line, err);
			if (fx == NULL)
				return -1;
			struct bstage *sg = stage_ref(b, fx, st->index);
			if (sg != NULL)
				from_id = xstrdup(sg->image_id);
			else if (find_or_pull(b, fx, &from_id, err) < 0)
				return -1;
		}
		if (from_id != NULL) {
			/* sources in an image: its ID stands for their contents (its rootfs is
			 * mounted only when the step runs) */
			autostrv char **words = NULL;
			if (expand(st, b, in->args, in->line, true, &words, err) < 0) {
				rc = -1;
				goto out;
			}
			size_t nw = strv_len(words);
			if (nw < 2) {
				rc = err_set(err, EINVAL, ERR_TOOL,
					     "%s:%d: %s requires at least two arguments", b->file,
					     in->line, cmd);
				goto out;
			}
			f.copy.srcs = xcalloc(1, sizeof(char *));
			for (size_t i = 0; i + 1 < nw; i++) {
				bool climbs;
				strv_push_take(&f.copy.srcs, bld_clean(words[i], &climbs));
				if (strpbrk(words[i], "*?[") != NULL)
					f.copy.glob = true;
			}
			const char *wd = json_str(bld_config(st), "WorkingDir");
			const char *dw = words[nw - 1];
			f.copy.dest = dw[0] == '/' ? xstrdup(dw)
						   : xasprintf("%s/%s", wd && *wd ? wd : "", dw);
			const char *v;
			if ((v = flag_val(in, "--chown")) != NULL &&
			    parse_chown(st, v, &f.copy, err) < 0) {
				rc = -1;
				goto out;
			}
			if ((v = flag_val(in, "--chmod")) != NULL) {
				f.copy.chmod = true;
				f.copy.mode = (mode_t)strtol(v, NULL, 8);
			}
			content = xasprintf("%s:%s", from_id, in->args);
			created_by = xasprintf("/bin/sh -c #(nop) %s %s", cmd, in->args);
		} else if (copy_plan(st, in, &f, &content, &created_by, &tmpdir, &from_ctr, err) <
			   0) {
			rc = -1;
			goto out;
		}
	} else if (strcmp(cmd, "ARG") == 0) {
		created_by = xasprintf("/bin/sh -c #(nop) %s", in->original);
	} else {
		created_by = xasprintf("/bin/sh -c #(nop) %s", in->original);
	}
	/* the final image's labels (--label) are part of its step */
	if (last && b->o->labels != NULL) {
		autofree char *j = NULL;
		for (size_t i = 0; b->o->labels[i]; i++) {
			char *n = xasprintf("%s\n%s", j ? j : "", b->o->labels[i]);
			free(j);
			j = n;
		}
		labels = steal_ptr(&j);
	}
	char key[SHA256_HEX_LEN + 1];
	kc = xasprintf("%s\n%s", content ? content : "", labels ? labels : "");
	step_key(st, created_by, kc, key);
	id = b->o->no_cache ? NULL : storage_build_cache_get(b->s, key);
	if (id != NULL) {
		if (show)
			say(b, "--> Using cache %s\n", id);
	} else {
		struct json_object *ncfg = NULL;
		json_object_deep_copy(st->cfg, &ncfg, NULL);
		struct json_object *old = st->cfg;
		st->cfg = ncfg;
		if (!is_run && !is_copy && strcmp(cmd, "ARG") != 0)
			rc = apply_meta(st, in, err);
		if (rc == 0 && labels != NULL) {
			for (size_t i = 0; b->o->labels[i]; i++) {
				autofree char *k = xstrdup(b->o->labels[i]);
				char *eq = strchr(k, '=');
				if (eq)
					*eq = '\0';
				struct json_object *l =
				    json_get_type(bld_config(st), "Labels", json_type_object);
				if (l == NULL) {
					l = json_object_new_object();
					json_object_object_add(bld_config(st), "Labels", l);
				}
				json_object_object_add(l, k,
						       json_object_new_string(eq ? eq + 1 : ""));
			}
		}
		st->cfg = old;
		if (rc == 0) {
			add_history(st, ncfg, created_by, !is_run && !is_copy);
			if (is_run)
				rc = run_step(st, argv, ncfg, &id, err);
			else {
				struct storage_build_step bs = { .parent = st->img,
								 .config = ncfg,
								 .docker = b->o->docker };
				if (is_copy) {
					bs.fill = copy_fill;
					bs.fill_arg = &f;
				}
				if (is_copy && from_id != NULL) {
					rc = from_container(b, from_id, &from_ctr, err);
					f.from = from_ctr;
				}
				if (rc == 0)
					rc = storage_build_step(b->s, &bs, &id, err);
			}
		}
		json_object_put(ncfg);
		if (rc == 0 && storage_build_cache_put(b->s, key, id, err) < 0)
			rc = -1;
	}
	if (rc == 0) {
		st->from_name = NULL;
		free(st->from_name_owned);
		st->from_name_owned = NULL;
		rc = use_image(st, id, err);
	}
	if (rc == 0 && show && !last) {
		autofree char *sid = short_id(id);
		say(b, "--> %s\n", sid);
	}
out:
	if (from_ctr != NULL) {
		struct error *e2 = NULL;
		if (storage_container_remove(b->s, from_ctr, &e2) < 0)
			err_free(&e2);
	}
	if (tmpdir != NULL) {
		struct error *e2 = NULL;
		if (fs_rm_rf(tmpdir, &e2) < 0)
			err_free(&e2);
	}
	if (f.b != NULL)
		copy_fill_clear(&f);
	return rc;
}

/* ---------- FROM and stages ---------- */

static int find_or_pull(struct bctx *b, const char *ref, char **id, struct error **err)
{
	const char *policy = b->o->pull ? b->o->pull : "missing";
	struct storage_image *img = NULL;
	struct error *lerr = NULL;
	if (strcmp(policy, "always") != 0 && storage_image_lookup(b->s, ref, &img, &lerr) == 0) {
		*id = xstrdup(img->id);
		storage_image_free(&img);
		return 0;
	}
	if (strcmp(policy, "never") == 0) {
		err_free(err);
		*err = lerr;
		return -1;
	}
	err_free(&lerr);
	struct storage_pull_opts po = { .tls_verify = b->o->tls_verify_set ? b->o->tls_verify : -1,
					.progress = b->o->quiet ? NULL : b->o->progress };
	return storage_pull(b->s, ref, &po, id, err);
}

static int from(struct bstate *st, const struct eng_bf_instr *in, struct error **err)
{
	struct bctx *b = st->b;
	autostrv char **w = NULL;
	if (expand(NULL, b, in->args, in->line, true, &w, err) < 0)
		return -1;
	size_t n = strv_len(w);
	if (!(n == 1 || (n == 3 && strcasecmp(w[1], "AS") == 0)))
		return err_set(err, EINVAL, ERR_TOOL,
			       "%s:%d: FROM requires either one or three "
			       "arguments",
			       b->file, in->line);
	const char *ref = w[0];
	st->from_name_owned = xstrdup(ref);
	st->from_name = st->from_name_owned;
	if (strcasecmp(ref, "scratch") == 0) {
		st->img = NULL;
		st->cfg = json_object_new_object();
		json_object_object_add(st->cfg, "architecture",
				       json_object_new_string(storage_host_arch()));
		json_object_object_add(st->cfg, "os", json_object_new_string("linux"));
		json_object_object_add(st->cfg, "config", json_object_new_object());
		st->from_name = NULL;
		return 0;
	}
	struct bstage *sg = stage_ref(b, ref, st->index);
	autofree char *id = NULL;
	if (sg != NULL)
		id = xstrdup(sg->image_id);
	else if (find_or_pull(b, ref, &id, err) < 0)
		return -1;
	return use_image(st, id, err);
}

/* ONBUILD triggers of the base image: run first, then dropped from the config. */
static int onbuild(struct bstate *st, struct error **err)
{
	struct json_object *ob = json_get_type(bld_config(st), "OnBuild", json_type_array);
	size_t n = json_len(ob);
	if (n == 0)
		return 0;
	autostrv char **triggers = json_strv(ob);
	json_object_object_del(bld_config(st), "OnBuild");
	for (size_t i = 0; triggers != NULL && triggers[i] != NULL; i++) {
		struct eng_bf tb;
		if (eng_bf_parse(triggers[i], strlen(triggers[i]), "ONBUILD", &tb, err) < 0)
			return -1;
		int rc = 0;
		for (size_t k = 0; k < tb.n && rc == 0; k++)
			rc = step(st, &tb.v[k], false, false, err);
		eng_bf_clear(&tb);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int run_stage(struct bctx *b, size_t si, struct error **err)
{
	struct bstage *sg = &b->stages[si];
	struct bstate st = { .b = b, .stage = sg, .index = si };
	st.steps = sg->end - sg->first;
	int rc = 0;
	bool final = si == b->last;
	autofree char *prefix =
	    b->multi ? xasprintf("[%zu/%zu] ", si + 1, b->last + 1) : xstrdup("");
	for (size_t i = sg->first; i < sg->end && rc == 0; i++) {
		const struct eng_bf_instr *in = &b->bf.v[i];
		st.step = i - sg->first + 1;
		say(b, "%sSTEP %zu/%zu: %s\n", prefix, st.step, st.steps, in->original);
		st.in = in;
		if (i == sg->first) {
			rc = from(&st, in, err);
			if (rc == 0)
				rc = onbuild(&st, err);
			continue;
		}
		bool last = final && i + 1 == sg->end;
		rc = step(&st, in, last, true, err);
	}
	if (rc == 0 && st.img == NULL)
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "%s: stage %zu has no image (FROM scratch alone)", b->file, si);
	if (rc == 0)
		sg->image_id = xstrdup(st.img->id);
	if (rc < 0 && st.run_status)
		b->run_status = st.run_status;
	storage_image_free(&st.img);
	json_object_put(st.cfg);
	strv_free(st.args);
	free(st.from_name_owned);
	return rc;
}

static int split_stages(struct bctx *b, struct error **err)
{
	size_t i = 0;
	for (; i < b->bf.n && strcmp(b->bf.v[i].cmd, "FROM") != 0; i++) {
		const struct eng_bf_instr *in = &b->bf.v[i];
		if (strcmp(in->cmd, "ARG") != 0)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: no FROM before %s: the first instruction must be "
				       "FROM (or ARG)",
				       b->file, in->line, in->cmd);
		autostrv char **raw = eng_bf_split_raw(in->args, b->bf.escape);
		for (size_t k = 0; raw[k]; k++) {
			autofree char *w = expand1(NULL, b, raw[k], in->line, err);
			if (w == NULL)
				return -1;
			char *eq = strchr(w, '=');
			if (eq)
				*eq = '\0';
			const char *v = NULL;
			if (!build_arg(b, w, &v))
				v = eq ? eq + 1 : predefined(w);
			kv_set(&b->global_args, w, v);
		}
	}
	if (i == b->bf.n)
		return err_set(err, EINVAL, ERR_TOOL, "%s: no FROM instruction", b->file);
	for (; i < b->bf.n; i++) {
		const struct eng_bf_instr *in = &b->bf.v[i];
		if (strcmp(in->cmd, "FROM") == 0) {
			b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
			struct bstage *sg = &b->stages[b->n_stages++];
			*sg = (struct bstage){ .first = i, .end = i + 1 };
			autostrv char **w = eng_bf_split_raw(in->args, b->bf.escape);
			if (strv_len(w) == 3 && strcasecmp(w[1], "AS") == 0) {
				sg->name = xstrdup(w[2]);
				for (char *p = sg->name; *p; p++)
					*p = (char)tolower((unsigned char)*p);
			}
		} else
			b->stages[b->n_stages - 1].end = i + 1;
	}
	b->last = b->n_stages - 1;
	if (b->o->target != NULL) {
		bool found = false;
		for (size_t k = 0; k < b->n_stages && !found; k++)
			if (b->stages[k].name && strcasecmp(b->stages[k].name, b->o->target) == 0) {
				b->last = k;
				found = true;
			}
		if (!found)
			return err_set(err, EINVAL, ERR_TOOL,
				       "the target \"%s\" was not found in "
				       "the provided Dockerfile",
				       b->o->target);
	}
	b->multi = b->last > 0;
	return 0;
}

static int read_file(struct bctx *b, struct error **err)
{
	const struct eng_build_opts *o = b->o;
	autofree char *path = NULL;
	if (o->file_fd >= 0) {
		autofree char *text = NULL;
		size_t len = 0;
		if (fs_read_fd(o->file_fd, 16 << 20, &text, &len, err) < 0)
			return err_wrap(err, "reading the Containerfile");
		b->file = xstrdup("Containerfile");
		return eng_bf_parse(text, len, b->file, &b->bf, err);
	}
	if (o->file != NULL)
		path = xstrdup(o->file);
	else {
		static const char *const names[] = { "Containerfile", "Dockerfile" };
		for (size_t i = 0; i < 2 && path == NULL; i++) {
			autofree char *p =
			    xasprintf("%s/%s", o->context ? o->context : ".", names[i]);
			if (fs_exists(p))
				path = steal_ptr(&p);
		}
		if (path == NULL)
			return err_set(err, ENOENT, ERR_TOOL,
				       "no Containerfile or Dockerfile specified or found in "
				       "context directory, %s",
				       o->context);
	}
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(path, 16 << 20, &text, &len, err) < 0)
		return err_wrap(err, "reading the Containerfile");
	const char *slash = strrchr(path, '/');
	b->file = xstrdup(slash && o->file == NULL ? slash + 1 : path);
	return eng_bf_parse(text, len, b->file, &b->bf, err);
}

int eng_build(struct eng *eng, const struct eng_build_opts *o, char **image_id, int *run_status,
	      struct error **err)
{
	*run_status = 0;
	const char *pull = o->pull ? o->pull : "missing";
	if (strcmp(pull, "always") && strcmp(pull, "missing") && strcmp(pull, "never") &&
	    strcmp(pull, "newer"))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --pull \"%s\": use always, missing, never or newer", pull);
	struct bctx b = { .eng = eng, .s = eng->store, .o = o, .ctxfd = -1 };
	int rc = 0;
	/* No context (a Containerfile from stdin): an empty scratch dir in the store. */
	autofree char *empty = NULL;
	if (o->context == NULL && (empty = storage_tmpdir(b.s, "build-ctx", err)) == NULL)
		rc = -1;
	const char *context = o->context ? o->context : empty;
	b.context = context;
	if (rc == 0 && (b.ctxfd = open(context, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = err_sys(err, "the build context %s", context);
	if (rc == 0)
		rc = read_file(&b, err);
	if (rc == 0) {
		bld_ignore_load(&b.ig, b.ctxfd);
		rc = split_stages(&b, err);
	}
	for (size_t i = 0; rc == 0 && i <= b.last; i++)
		rc = run_stage(&b, i, err);
	if (rc == 0) {
		const char *id = b.stages[b.last].image_id;
		bool tagged = o->tags != NULL && o->tags[0] != NULL;
		say(&b, "COMMIT%s%s\n", tagged ? " " : "", tagged ? o->tags[0] : "");
		autofree char *sid = short_id(id);
		say(&b, "--> %s\n", sid);
		for (size_t i = 0; rc == 0 && tagged && o->tags[i] != NULL; i++) {
			autofree char *name = storage_name_localhost(o->tags[i], err);
			if (name == NULL || storage_image_tag(b.s, id, name, err) < 0)
				rc = -1;
			else
				say(&b, "Successfully tagged %s\n", name);
		}
		if (rc == 0)
			*image_id = xstrdup(id);
	}
	*run_status = b.run_status;
	if (b.ctxfd >= 0)
		close(b.ctxfd);
	if (empty != NULL)
		rmdir(empty);
	bld_ignore_clear(&b.ig);
	for (size_t i = 0; i < b.n_stages; i++) {
		free(b.stages[i].name);
		free(b.stages[i].image_id);
	}
	free(b.stages);
	strv_free(b.global_args);
	eng_bf_clear(&b.bf);
	free(b.file);
	return rc;
}
