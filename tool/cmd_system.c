/* SPDX-License-Identifier: Apache-2.0 */
/* `hutch version`, `hutch info`, `hutch system df|check|prune|reset` and `hutch unshare`. */
#include "tool/cli.h"
#include "tool/render.h"
#include "oci/engine.h"
#include "storage/storage.h"
#include "userns/userns.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef HUTCH_GIT_COMMIT
#define HUTCH_GIT_COMMIT ""
#endif

/* Print obj in the asked format: json, a template, or the default human form. */
static int print_doc(struct cli_ctx *ctx, struct json_object *obj,
		     void (*human)(FILE *, struct json_object *), struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt == NULL || *fmt == '\0') {
		human(stdout, obj);
		return 0;
	}
	if (cli_format_check(fmt, err) < 0)
		return -1;
	return cli_format_render(stdout, fmt, obj, err);
}

static void version_human(FILE *f, struct json_object *obj)
{
	struct json_object *c = json_object_object_get(obj, "Client");
	json_object_object_foreach (c, key, val) {
		static const struct {
			const char *key, *label;
		} labels[] = { { "Version", "Version:" },
			       { "GitCommit", "Git Commit:" },
			       { "BuiltTime", "Built:" },
			       { "OsArch", "OS/Arch:" } };
		for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
			if (strcmp(key, labels[i].key) == 0)
				fprintf(f, "%-13s %s\n", labels[i].label,
					json_object_get_string(val));
	}
}

/*
 * A template that names .Server.X: a local hutch has no server, and podman then renders the
 * template again against the client with ".Server." taken out ({{.Server.Version}} is the
 * version, as scripts and podman's own tests ask it).
 */
static int version_template(const char *fmt, struct json_object *root, struct error **err)
{
	autofree char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL)
		return err_sys(err, "rendering the version");
	struct error *first = NULL;
	int rc = cli_format_render(mem, fmt, root, &first);
	fclose(mem);
	if (rc == 0) {
		fwrite(buf, 1, len, stdout);
		return 0;
	}
	if (strstr(fmt, ".Server.") == NULL) {
		*err = first;
		return -1;
	}
	err_free(&first);
	/* fmt with every ".Server." made "." */
	autofree char *client_fmt = xzalloc(strlen(fmt) + 1);
	char *o = client_fmt;
	for (const char *p = fmt; *p;) {
		if (strncmp(p, ".Server.", 8) == 0) {
			*o++ = '.';
			p += 8;
		} else {
			*o++ = *p++;
		}
	}
	return cli_format_render(stdout, client_fmt, json_object_object_get(root, "Client"), err);
}

int cmd_version(struct cli_ctx *ctx, struct error **err)
{
	struct json_object *root = json_object_new_object();
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "Version", json_object_new_string(HUTCH_VERSION));
	json_object_object_add(c, "GitCommit", json_object_new_string(HUTCH_GIT_COMMIT));
	/* podman's fields: BuiltTime for people, Built in seconds since the epoch (0 when the
	 * build did not say: SOURCE_DATE_EPOCH, as Debian's podman). */
	json_object_object_add(c, "BuiltTime", json_object_new_string(__DATE__ " " __TIME__));
	json_object_object_add(c, "Built", json_object_new_int64(eng_built()));
	autofree char *osarch = xasprintf("linux/%s", storage_host_arch());
	json_object_object_add(c, "OsArch", json_object_new_string(osarch));
	json_object_object_add(c, "Os", json_object_new_string("linux"));
	json_object_object_add(root, "Client", c);
	const char *fmt = cli_opt_str(ctx, "format");
	int rc;
	if (fmt != NULL && *fmt != '\0' && strcmp(fmt, "json") != 0)
		rc = cli_format_check(fmt, err) < 0 ? -1 : version_template(fmt, root, err);
	else
		rc = print_doc(ctx, root, version_human, err);
	json_object_put(root);
	return rc;
}

/* A copy of o where each object key starting in lower case is there a second time with
 * its first letter in upper case, as Go names the fields (.Store.GraphRoot). */
static struct json_object *go_fields(struct json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(o); i++)
			json_object_array_add(a, go_fields(json_object_array_get_idx(o, i)));
		return a;
	}
	if (!json_object_is_type(o, json_type_object))
		return json_object_get(o);
	struct json_object *out = json_object_new_object();
	json_object_object_foreach (o, key, val) {
		json_object_object_add(out, key, go_fields(val));
		if (key[0] < 'a' || key[0] > 'z')
			continue;
		/* Go's initialisms are all capitals (.Host.OCIRuntime) */
		autofree char *k = xstrdup(strcmp(key, "ociRuntime") == 0 ? "OCIRuntime" : key);
		k[0] = (char)toupper((unsigned char)k[0]);
		if (json_object_object_get(o, k) == NULL)
			json_object_object_add(out, k, go_fields(val));
	}
	return out;
}

int cmd_info(struct cli_ctx *ctx, struct error **err)
{
	if (cli_format_check(cli_opt_str(ctx, "format"), err) < 0)
		return -1;
	struct json_object *root = eng_info(ctx->eng, err);
	if (root == NULL)
		return -1;
	/* JSON has podman's keys ("store": {"graphRoot"}), a template its Go fields
	 * ({{.Store.GraphRoot}}). */
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && *fmt != '\0' && strcmp(fmt, "json") != 0) {
		struct json_object *go = go_fields(root);
		json_object_put(root);
		root = go;
	}
	int rc = print_doc(ctx, root, cli_print_tree, err);
	json_object_put(root);
	return rc;
}

/* ---------- system df ---------- */

/* A template line; "" after an error (left in *err), as df has always printed it. */
static char *line_or_empty(const char *fmt, struct json_object *obj, struct error **err)
{
	char *l = cli_fmt_line(fmt, obj, err);
	return l != NULL ? l : xstrdup("");
}

/* One row of the table, with the sizes as text (Size, Reclaimable) and as bytes (Raw*). */
static struct json_object *df_row(const char *type, const struct eng_df_row *r)
{
	size_t total = r->total, active = r->active;
	int64_t size = r->size, reclaim = r->reclaimable;
	struct json_object *o = json_object_new_object();
	autofree char *sz = cli_fmt_size(size);
	autofree char *rc = cli_fmt_size(reclaim);
	autofree char *rcs = xasprintf("%s (%d%%)", rc, size > 0 ? (int)(reclaim * 100 / size) : 0);
	json_object_object_add(o, "Type", json_object_new_string(type));
	json_object_object_add(o, "Total", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "Active", json_object_new_int64((int64_t)active));
	json_object_object_add(o, "Size", json_object_new_string(sz));
	json_object_object_add(o, "Reclaimable", json_object_new_string(rcs));
	json_object_object_add(o, "RawSize", json_object_new_int64(size));
	json_object_object_add(o, "RawReclaimable", json_object_new_int64(reclaim));
	return o;
}

int cmd_system_df(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (cli_format_check(fmt, err) < 0)
		return -1;
	struct eng *eng = ctx->eng;
	struct eng_df df;
	if (eng_system_df(eng, &df, err) < 0)
		return -1;
	struct json_object *rows = json_object_new_array();
	json_object_array_add(rows, df_row("Images", &df.images));
	json_object_array_add(rows, df_row("Containers", &df.containers));
	json_object_array_add(rows, df_row("Local Volumes", &df.volumes));
	int rc = 0;
	if (fmt != NULL && strcmp(fmt, "json") == 0) {
		rc = cli_format_render(stdout, "json", rows, err);
	} else {
		const char *t = fmt && *fmt
				    ? fmt
				    : "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t"
				      "{{.Reclaimable}}";
		autostrv char **lines = xcalloc(1, sizeof(char *));
		if (cli_format_is_table(t)) {
			struct json_object *h = json_object_new_object();
			const char *kv[] = { "Type",	    "TYPE",	   "Total", "TOTAL",
					     "Active",	    "ACTIVE",	   "Size",  "SIZE",
					     "Reclaimable", "RECLAIMABLE", NULL };
			for (size_t i = 0; kv[i]; i += 2)
				json_object_object_add(h, kv[i], json_object_new_string(kv[i + 1]));
			strv_push_take(&lines, line_or_empty(t, h, err));
			json_object_put(h);
		}
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			strv_push_take(&lines,
				       line_or_empty(t, json_object_array_get_idx(rows, i), err));
		if (cli_format_is_table(t))
			cli_fmt_table(stdout, lines);
		else
			for (size_t i = 0; lines[i]; i++)
				printf("%s\n", lines[i]);
	}
	json_object_put(rows);
	return rc;
}

int cmd_unshare(struct cli_ctx *ctx, struct error **err)
{
	char *const *argv = ctx->argv;
	char *shell_argv[2] = { NULL, NULL };
	if (ctx->argc == 0) {
		const char *shell = getenv("SHELL");
		shell_argv[0] = (char *)(shell != NULL && *shell ? shell : "/bin/sh");
		argv = shell_argv;
	}
	return userns_unshare_exec(argv, &ctx->exit_status, err);
}

/* ---------- system check, prune, reset ---------- */

/* podman's question on stderr; true when the answer is yes. */
static bool confirm(void)
{
	fprintf(stderr, "Are you sure you want to continue? [y/N] ");
	char answer[16] = "";
	return fgets(answer, sizeof(answer), stdin) != NULL &&
	       (answer[0] == 'y' || answer[0] == 'Y');
}

static const char *damage_noun(enum storage_damage_kind k)
{
	switch (k) {
	case STORAGE_DAMAGE_LAYER:
		return "layer";
	case STORAGE_DAMAGE_IMAGE:
		return "image";
	case STORAGE_DAMAGE_CONTAINER:
		return "container";
	case STORAGE_DAMAGE_LEFTOVER:
		break;
	}
	return "leftover";
}

int cmd_system_check(struct cli_ctx *ctx, struct error **err)
{
	struct eng_check_opts o = { .quick = cli_opt_bool(ctx, "quick"),
				    .repair = cli_opt_bool(ctx, "repair"),
				    .force = cli_opt_bool(ctx, "force") };
	struct storage_check_report r = { 0 };
	if (eng_system_check(ctx->eng, &o, &r, err) < 0) {
		storage_check_report_clear(&r);
		return -1;
	}
	/* podman's form: what is damaged and why, then what the repair deleted. */
	size_t left = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct storage_damage *d = &r.v[i];
		if (d->kind == STORAGE_DAMAGE_LEFTOVER)
			printf("Leftover %s:\n\t%s\n", d->id, d->problem);
		else
			printf("Damaged %s %s:\n\t%s\n", damage_noun(d->kind), d->id, d->problem);
		left += !d->mended;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct storage_damage *d = &r.v[i];
		if (!d->mended)
			continue;
		if (d->done != NULL)
			printf("Repaired %s %s: %s\n", damage_noun(d->kind), d->id, d->done);
		else if (d->restored)
			printf("Restored: %s\n", d->id);
		else if (d->kind == STORAGE_DAMAGE_LEFTOVER)
			printf("Deleted leftover: %s\n", d->id);
		else
			printf("Deleted damaged %s: %s\n", damage_noun(d->kind), d->id);
	}
	fflush(stdout);
	storage_check_report_clear(&r);
	if (left > 0 && !o.repair)
		return err_set(err, EIO, ERR_TOOL, "damage detected in local storage");
	if (left > 0)
		return err_set(err, EIO, ERR_TOOL,
			       "damage in local storage still present after repair attempt%s",
			       o.force ? "" : " (--force also removes containers on it)");
	return 0;
}

static void print_ids(const char *title, char *const *ids)
{
	if (ids == NULL || ids[0] == NULL)
		return;
	printf("%s\n", title);
	for (size_t i = 0; ids[i] != NULL; i++)
		printf("%s\n", ids[i]);
}

int cmd_system_prune(struct cli_ctx *ctx, struct error **err)
{
	bool all = cli_opt_bool(ctx, "all"), volumes = cli_opt_bool(ctx, "volumes");
	if (!cli_opt_bool(ctx, "force")) {
		fprintf(stderr, "WARNING! This command removes:\n"
				"\t- all stopped containers\n"
				"\t- all pods with no running container\n");
		if (volumes)
			fprintf(stderr, "\t- all volumes not used by at least one container\n");
		fprintf(stderr, "%s\n",
			all ? "\t- all images without at least one container "
			      "associated with them\n"
			    : "\t- all dangling images\n");
		if (!confirm())
			return 0;
	}
	struct eng_prune_report r;
	int rc = eng_system_prune(ctx->eng, all, volumes, &r, err);
	print_ids("Deleted Pods", r.pods);
	print_ids("Deleted Containers", r.containers);
	print_ids("Deleted Volumes", r.volumes);
	print_ids("Deleted Images", r.images);
	if (rc == 0) {
		autofree char *sz = cli_fmt_size(r.reclaimed);
		printf("Total reclaimed space: %s\n", sz);
	}
	eng_prune_report_clear(&r);
	return rc;
}

int cmd_system_reset(struct cli_ctx *ctx, struct error **err)
{
	if (!cli_opt_bool(ctx, "force")) {
		struct error *e = NULL;
		autofree char *rt = paths_runtime_dir(&e);
		err_free(&e);
		fprintf(stderr,
			"WARNING! This will remove:\n"
			"        - all containers\n"
			"        - all pods\n"
			"        - all images\n"
			"        - all volumes\n"
			"        - the store directory: \"%s\"\n"
			"        - the runtime directory: \"%s\"\n",
			storage_root(eng_storage(ctx->eng)), rt ? rt : "?");
		if (!confirm())
			return 0;
	}
	return eng_system_reset(ctx->eng, err);
}
