/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rest of the container commands of issue #5: cp, diff, top, rename, pause, unpause,
 * stats, port and container prune. Handlers parse, validate, call oci/engine and print.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "oci/oci.h"
#include "tool/io.h"
#include "tool/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_one(struct cli_ctx *ctx, const char *name, struct eng_ctr **c, struct error **err)
{
	return eng_ctr_lookup(ctx->eng, name, c, err);
}

/* CONTAINER, or the newest container with -l/--latest (one or the other). */
static int latest_or_one(struct cli_ctx *ctx, struct eng_ctr **c, struct error **err)
{
	bool latest = cli_opt_bool(ctx, "latest");
	if (latest == (ctx->argc == 1))
		return err_set(err, EINVAL, ERR_USAGE,
			       latest ? "--latest and containers cannot be used together"
				      : "\"hutch diff\" requires exactly 1 argument");
	if (!latest)
		return open_one(ctx, ctx->argv[0], c, err);
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_ctr_query(ctx->eng, &(struct eng_ctr_query){ .all = true, .last = 1 }, &v, &n,
			  err) < 0)
		return -1;
	int rc = n == 0 ? err_set(err, ENOENT, ERR_NOSUCH, "no containers to act on")
			: open_one(ctx, v[0]->id, c, err);
	eng_ctr_list_free(v, n);
	return rc;
}

/* ---------- cp ---------- */

/* "CTR:/path" names a container when the part before ':' has no '/' (podman's rule). */
static bool split_ctr(const char *arg, char **ctr, const char **path)
{
	const char *colon = strchr(arg, ':');
	if (colon == NULL || colon == arg || memchr(arg, '/', (size_t)(colon - arg)) != NULL ||
	    arg[0] == '.')
		return false;
	*ctr = xstrndup(arg, (size_t)(colon - arg));
	*path = colon + 1;
	return true;
}

int cmd_cp(struct cli_ctx *ctx, struct error **err)
{
	autofree char *sctr = NULL, *dctr = NULL;
	const char *spath = ctx->argv[0], *dpath = ctx->argv[1];
	bool sc = split_ctr(ctx->argv[0], &sctr, &spath);
	bool dc = split_ctr(ctx->argv[1], &dctr, &dpath);
	if (!sc && !dc)
		return err_set(err, EINVAL, ERR_USAGE,
			       "one of the paths must name a container: CONTAINER:PATH");
	if ((sc && *spath == '\0') || (dc && *dpath == '\0'))
		return err_set(err, EINVAL, ERR_USAGE, "the container path must not be empty");
	struct eng_copy_opts o = { .keep_owner = !cli_opt_bool(ctx, "archive"),
				   .overwrite = cli_opt_bool(ctx, "overwrite") };
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (open_one(ctx, sc ? sctr : dctr, &c, err) < 0)
		return -1;
	if (sc && dc) {
		autoctr struct eng_ctr *to = NULL;
		if (open_one(ctx, dctr, &to, err) < 0)
			return -1;
		return eng_ctr_copy_between(eng, c, spath, to, dpath, &o, err);
	}
	/* "-": a tar stream on our stdin or stdout. */
	const char *host = strcmp(sc ? dpath : spath, "-") == 0 ? NULL : sc ? dpath : spath;
	return eng_ctr_copy(eng, c, sc ? spath : host, sc, dc ? dpath : host, dc,
			    sc ? STDOUT_FILENO : STDIN_FILENO, &o, err);
}

/* ---------- diff, top, rename, port ---------- */

int cmd_diff(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && strcmp(fmt, "json") != 0)
		return err_set(err, EINVAL, ERR_USAGE, "invalid --format \"%s\": diff knows json",
			       fmt);
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (latest_or_one(ctx, &c, err) < 0)
		return -1;
	autostrv char **lines = eng_ctr_diff(eng, c, err);
	if (lines == NULL)
		return -1;
	if (fmt == NULL) {
		for (size_t i = 0; lines[i]; i++)
			printf("%s\n", lines[i]);
		return 0;
	}
	/* podman's JSON shape: {"changed": [...], "added": [...], "deleted": [...]}. */
	struct json_object *o = json_object_new_object();
	static const char *const keys[][2] = { { "C", "changed" },
					       { "A", "added" },
					       { "D", "deleted" } };
	for (size_t k = 0; k < 3; k++) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; lines[i]; i++)
			if (lines[i][0] == keys[k][0][0])
				json_object_array_add(a, json_object_new_string(lines[i] + 2));
		if (json_object_array_length(a) > 0)
			json_object_object_add(o, keys[k][1], a);
		else
			json_object_put(a);
	}
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

int cmd_top(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (open_one(ctx, ctx->argv[0], &c, err) < 0)
		return -1;
	autostrv char **rows = NULL;
	if (eng_ctr_top(c, ctx->argc > 1 ? ctx->argv + 1 : NULL, &rows, err) < 0)
		return -1;
	cli_fmt_table(stdout, rows);
	return 0;
}

int cmd_rename(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	autoctr struct eng_ctr *c = NULL;
	if (open_one(ctx, ctx->argv[0], &c, err) < 0)
		return -1;
	return eng_ctr_rename(eng, c, ctx->argv[1], err);
}

/* The published ports as `port` prints them, "80/tcp -> 0.0.0.0:8080" (owned vector). */
static char **port_lines(const struct eng_ctr *c)
{
	struct net_port *ports = NULL;
	size_t n = 0;
	eng_ctr_port_bindings(c, &ports, &n);
	char **lines = xzalloc(sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const struct net_port *p = &ports[i];
		bool v6 = strchr(p->host_ip, ':') != NULL;
		for (uint16_t k = 0; k < p->count; k++)
			strv_push_take(&lines,
				       xasprintf("%u/%s -> %s%s%s:%u",
						 (unsigned)(p->container_port + k),
						 net_proto_name(p->proto), v6 ? "[" : "",
						 p->host_ip[0] ? p->host_ip : "0.0.0.0",
						 v6 ? "]" : "", (unsigned)(p->host_port + k)));
	}
	free(ports);
	return lines;
}

int cmd_port(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (open_one(ctx, ctx->argv[0], &c, err) < 0)
		return -1;
	autostrv char **lines = port_lines(c);
	/* `port CTR 80[/tcp]`: only the host side of that port, as podman prints it. */
	const char *want = ctx->argc > 1 ? ctx->argv[1] : NULL;
	autofree char *key = want == NULL	 ? NULL
			     : strchr(want, '/') ? xasprintf("%s ->", want)
						 : xasprintf("%s/tcp ->", want);
	bool found = false;
	for (size_t i = 0; lines[i]; i++) {
		if (key == NULL) {
			printf("%s\n", lines[i]);
		} else if (strncmp(lines[i], key, strlen(key)) == 0) {
			printf("%s\n", lines[i] + strlen(key) + 1);
			found = true;
		}
	}
	if (key != NULL && !found)
		/* podman's words exactly (compat 500-networking "port on localhost"). */
		return err_set(err, ENOENT, ERR_TOOL, "failed to find published port \"%s\"", want);
	return 0;
}

/* ---------- pause, unpause, stats ---------- */

static int pause_common(struct cli_ctx *ctx, bool pause, struct error **err)
{
	struct eng *eng = ctx->eng;
	int rc = 0;
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup(eng, ctx->argv[i], &c, &e) < 0 ||
		    eng_ctr_pause(eng, c, pause, &e) < 0) {
			cli_operand_failed(&rc, err, e);
			continue;
		}
		printf("%s\n", c->id);
	}
	return rc;
}

int cmd_pause(struct cli_ctx *ctx, struct error **err)
{
	return pause_common(ctx, true, err);
}

int cmd_unpause(struct cli_ctx *ctx, struct error **err)
{
	return pause_common(ctx, false, err);
}

static int stats_once(struct eng *eng, struct cli_ctx *ctx, bool header, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_ctr_list_brief(eng, &v, &n, err) < 0)
		return -1;
	autostrv char **rows = NULL;
	if (header)
		strv_push(&rows, "ID\tNAME\tCPU TIME\tMEM USAGE\tPIDS");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool named = ctx->argc == 0;
		for (int k = 0; k < ctx->argc; k++)
			named |= strcmp(ctx->argv[k], v[i]->name) == 0 ||
				 strncmp(v[i]->id, ctx->argv[k], strlen(ctx->argv[k])) == 0;
		if (!named || (ctx->argc == 0 && v[i]->state.status != ENG_CTR_RUNNING))
			continue;
		struct json_object *o = NULL;
		rc = eng_ctr_stats(v[i], &o, err);
		if (rc < 0)
			break;
		strv_push_take(
		    &rows,
		    xasprintf(
			"%.12s\t%s\t%.3fs\t%lld B\t%lld", v[i]->id, v[i]->name,
			(double)json_object_get_int64(json_object_object_get(o, "CPUNano")) / 1e9,
			(long long)json_object_get_int64(json_object_object_get(o, "MemUsage")),
			(long long)json_object_get_int64(json_object_object_get(o, "PIDs"))));
		json_object_put(o);
	}
	eng_ctr_list_free(v, n);
	if (rc == 0 && rows != NULL)
		cli_fmt_table(stdout, rows);
	fflush(stdout);
	return rc;
}

int cmd_stats(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	bool header = !cli_opt_bool(ctx, "noheading");
	if (cli_opt_bool(ctx, "no-stream"))
		return stats_once(eng, ctx, header, err);
	for (;;) {
		if (stats_once(eng, ctx, header, err) < 0)
			return -1;
		sleep(1);
	}
}

/* ---------- container prune ---------- */

int cmd_container_prune(struct cli_ctx *ctx, struct error **err)
{
	if (!cli_opt_bool(ctx, "force")) {
		fprintf(stderr, "WARNING! This will remove all non running containers.\n"
				"Are you sure you want to continue? [y/N] ");
		char answer[16] = "";
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	autostrv char **removed = NULL;
	int rc = eng_ctr_prune(ctx->eng, &removed, err);
	for (size_t i = 0; removed != NULL && removed[i]; i++)
		printf("%s\n", removed[i]);
	return rc;
}
