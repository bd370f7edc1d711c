/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pod create, start, stop, rm, ps and inspect: groups of containers that share the network,
 * UTS and IPC namespaces of an infra container (oci/engine/pod.c).
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/ctr_inspect.h"
#include "tool/ps_fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void pod_freep(struct eng_pod **p)
{
	eng_pod_free(p);
}
#define autopod __attribute__((cleanup(pod_freep)))

/* Whether the command has option name (commands share handlers, not options). */
static bool has_opt(const struct cli_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx->cmd->opts != NULL && ctx->cmd->opts[i].name != NULL; i++)
		if (strcmp(ctx->cmd->opts[i].name, name) == 0)
			return true;
	return false;
}

/* --pod-id-file FILE: the ID a `pod create --pod-id-file` wrote (systemd units name their
 * pod by it); *id NULL when the file is missing and missing_ok. */
static int read_pod_id_file(const char *path, bool missing_ok, char **id, struct error **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	struct error *e = NULL;
	*id = NULL;
	if (fs_read_file(path, 4096, &text, &len, &e) < 0) {
		if (missing_ok && e->code == ENOENT) {
			err_free(&e);
			return 0;
		}
		*err = e;
		return err_wrap(err, "reading pod ID file");
	}
	text[strcspn(text, " \t\r\n")] = '\0';
	if (*text == '\0')
		return err_set(err, EINVAL, ERR_TOOL, "reading pod ID file: %s is empty", path);
	*id = steal_ptr(&text);
	return 0;
}

/* --pod-id-file of pod create: the new pod's ID, written whole or not at all. */
static int write_pod_id_file(const char *path, const char *id, struct error **err)
{
	autofree char *text = xasprintf("%s", id);
	if (fs_write_replace(path, text, strlen(text), 0644, err) < 0)
		return err_wrap(err, "writing pod ID file");
	return 0;
}

int cmd_pod_create(struct cli_ctx *ctx, struct error **err)
{
	const char *name = cli_opt_str(ctx, "name");
	if (name != NULL && ctx->argc > 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot specify --name and NAME at the same time");
	struct eng_pod_create_req r = { .name = name	    ? name
						: ctx->argc ? ctx->argv[0]
							    : NULL,
					.hostname = cli_opt_str(ctx, "hostname"),
					.network = cli_opt_str(ctx, "network"),
					.publish = cli_opt_list(ctx, "publish"),
					.labels = cli_opt_list(ctx, "label"),
					.share = cli_opt_str(ctx, "share"),
					.exit_policy = cli_opt_str(ctx, "exit-policy"),
					.infra_name = cli_opt_str(ctx, "infra-name"),
					.replace = cli_opt_bool(ctx, "replace"),
					.no_infra = !cli_opt_bool(ctx, "infra"),
					.infra_image = cli_opt_str(ctx, "infra-image"),
					.infra_command = cli_opt_str(ctx, "infra-command"),
					.infra_conmon_pidfile =
					    cli_opt_str(ctx, "infra-conmon-pidfile"),
					.create_command = ctx->cmdline };
	struct eng *eng = ctx->eng;
	autopod struct eng_pod *p = NULL;
	if (eng_pod_create(eng, &r, &p, err) < 0)
		return -1;
	const char *idf = cli_opt_str(ctx, "pod-id-file");
	if (idf != NULL && write_pod_id_file(idf, p->id, err) < 0)
		return -1;
	printf("%s\n", p->id);
	return 0;
}

/* Apply fn to each named pod; the first failure is the error, the rest still run. */
static int each(struct cli_ctx *ctx,
		int (*fn)(struct cli_ctx *, struct eng *, struct eng_pod *, struct error **),
		struct error **err)
{
	struct eng *eng = ctx->eng;
	autostrv char **names = NULL;
	bool all = cli_opt_flag(ctx, "all");
	if (all) {
		struct eng_pod **v = NULL;
		size_t n = 0;
		if (eng_pod_list(eng, &v, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			strv_push(&names, v[i]->id);
		eng_pod_list_free(v, n);
	}
	char *const *idfiles = has_opt(ctx, "pod-id-file") && cli_opt_is_set(ctx, "pod-id-file")
				   ? cli_opt_list(ctx, "pod-id-file")
				   : NULL;
	if (!all && ctx->argc == 0 && idfiles == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "\"hutch %s\" requires at least 1 argument",
			       ctx->path);
	/* A missing file is a pod gone, for --ignore (the units' stop and rm). */
	for (size_t i = 0; idfiles != NULL && idfiles[i] != NULL; i++) {
		char *id = NULL;
		if (read_pod_id_file(idfiles[i], cli_opt_flag(ctx, "ignore"), &id, err) < 0)
			return -1;
		if (id != NULL)
			strv_push_take(&names, id);
	}
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&names, ctx->argv[i]);
	int rc = 0;
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		autopod struct eng_pod *p = NULL;
		struct error *e = NULL;
		if (eng_pod_lookup(eng, names[i], &p, &e) < 0) {
			/* --all: one removed meanwhile is no error; --ignore (and for rm
			 * --force, as podman's): a missing one. */
			if (e->kind == ERR_NOSUCH &&
			    (all || cli_opt_flag(ctx, "ignore") ||
			     (strcmp(ctx->cmd->name, "rm") == 0 && cli_opt_flag(ctx, "force")))) {
				err_free(&e);
				continue;
			}
			cli_operand_failed(&rc, err, e);
			continue;
		}
		if (fn(ctx, eng, p, &e) < 0) {
			cli_operand_failed(&rc, err, e);
			continue;
		}
		printf("%s\n", p->id);
	}
	return rc;
}

static int do_start(struct cli_ctx *ctx, struct eng *eng, struct eng_pod *p, struct error **err)
{
	(void)ctx;
	return eng_pod_start(eng, p, err);
}

static int do_stop(struct cli_ctx *ctx, struct eng *eng, struct eng_pod *p, struct error **err)
{
	long t = cli_opt_is_set(ctx, "time") ? cli_opt_int(ctx, "time") : -1;
	return eng_pod_stop(eng, p, t, err);
}

static int do_rm(struct cli_ctx *ctx, struct eng *eng, struct eng_pod *p, struct error **err)
{
	bool force = cli_opt_bool(ctx, "force");
	if (force && cli_opt_int(ctx, "time") > 0 &&
	    eng_pod_stop(eng, p, cli_opt_int(ctx, "time"), err) < 0)
		return -1;
	return eng_pod_remove(eng, p, force, err);
}

int cmd_pod_start(struct cli_ctx *ctx, struct error **err)
{
	return each(ctx, do_start, err);
}

int cmd_pod_stop(struct cli_ctx *ctx, struct error **err)
{
	return each(ctx, do_stop, err);
}

static int do_kill(struct cli_ctx *ctx, struct eng *eng, struct eng_pod *p, struct error **err)
{
	int sig;
	if (eng_signal_parse(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	return eng_pod_kill(eng, p, sig, err);
}

int cmd_pod_kill(struct cli_ctx *ctx, struct error **err)
{
	/* A bad signal fails before any pod is looked up, as podman's. */
	int sig;
	if (eng_signal_parse(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	return each(ctx, do_kill, err);
}

int cmd_pod_rm(struct cli_ctx *ctx, struct error **err)
{
	return each(ctx, do_rm, err);
}

int cmd_pod_ps(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct eng *eng = ctx->eng;
	struct eng_pod **v = NULL;
	size_t n = 0;
	if (eng_pod_list(eng, &v, &n, err) < 0)
		return -1;
	bool json = fmt != NULL && strcmp(fmt, "json") == 0;
	struct json_object *all = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(all, ps_fmt_pod_row(eng, v[i], json));
	eng_pod_list_free(v, n);
	bool no_trunc = cli_opt_bool(ctx, "no-trunc");
	const char *idkey = no_trunc ? "Id" : "ID", *infrakey = no_trunc ? "InfraId" : "InfraID";
	const char *const keys[] = { idkey,	"Name",	  "Status",
				     "Created", infrakey, "NumberOfContainers",
				     NULL };
	int rc = cli_list(ctx, all, idkey,
			  "POD ID\tNAME\tSTATUS\tCREATED\tINFRA ID\t# OF CONTAINERS", keys, err);
	json_object_put(all);
	return rc;
}

static struct json_object *pod_inspect_one(struct eng *eng, const char *name, struct error **err)
{
	autopod struct eng_pod *p = NULL;
	if (eng_pod_lookup(eng, name, &p, err) < 0)
		return NULL;
	struct json_object *facts = eng_pod_inspect(eng, p);
	struct json_object *doc = inspect_pod_podman(facts);
	json_object_put(facts);
	return doc;
}

int cmd_pod_inspect(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (ctx->argc != 1 || (fmt != NULL && *fmt != '\0' && strcmp(fmt, "json") != 0))
		return cli_inspect(ctx, pod_inspect_one, NULL, err);
	/* podman 4.3.1 prints one pod as an object, several as an array. */
	struct json_object *doc = pod_inspect_one(ctx->eng, ctx->argv[0], err);
	if (doc == NULL)
		return -1;
	int rc = cli_format_render_list(stdout, NULL, doc, err);
	json_object_put(doc);
	return rc;
}

int cmd_pod_exists(struct cli_ctx *ctx, struct error **err)
{
	autopod struct eng_pod *p = NULL;
	if (eng_pod_lookup(ctx->eng, ctx->argv[0], &p, err) == 0)
		return 0;
	/* Not there: exit 1 and no message, as podman's `exists`. */
	if ((*err)->kind != ERR_NOSUCH)
		return -1;
	err_free(err);
	ctx->exit_status = 1;
	return 0;
}

int cmd_pod_top(struct cli_ctx *ctx, struct error **err)
{
	autopod struct eng_pod *p = NULL;
	if (eng_pod_lookup(ctx->eng, ctx->argv[0], &p, err) < 0)
		return -1;
	autostrv char **rows = NULL;
	if (eng_pod_top(ctx->eng, p, ctx->argc > 1 ? ctx->argv + 1 : NULL, &rows, err) < 0)
		return -1;
	cli_fmt_table(stdout, rows);
	return 0;
}
