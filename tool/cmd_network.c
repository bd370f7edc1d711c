/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network create, ls, inspect, rm, exists and prune: user-defined networks (oci/engine).
 * The engine returns podman's network JSON (lower-case keys, what --format json prints);
 * Go templates see the fields of podman's Go type instead (.Name, .ID, .NetworkInterface),
 * so a template is rendered over that shape, made here.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cmd_network_create(struct cli_ctx *ctx, struct error **err)
{
	struct eng_net_create_req req = {
		.name = ctx->argc ? ctx->argv[0] : NULL,
		.driver = cli_opt_str(ctx, "driver"),
		.subnets = cli_opt_list(ctx, "subnet"),
		.gateways = cli_opt_list(ctx, "gateway"),
		.ip_ranges = cli_opt_list(ctx, "ip-range"),
		.labels = cli_opt_list(ctx, "label"),
		.options = cli_opt_list(ctx, "opt"),
		.internal = cli_opt_bool(ctx, "internal"),
		.disable_dns = cli_opt_bool(ctx, "disable-dns"),
		.ipv6 = cli_opt_bool(ctx, "ipv6"),
		.ignore = cli_opt_bool(ctx, "ignore"),
	};
	autofree char *name = NULL;
	if (eng_net_create(ctx->eng, &req, &name, err) < 0)
		return -1;
	printf("%s\n", name);
	return 0;
}

/* {k: v, ...} as "k=v,k2=v2" (podman's ls column). */
static char *kv_text(struct json_object *o)
{
	char *s = xstrdup("");
	if (!json_object_is_type(o, json_type_object))
		return s;
	json_object_object_foreach (o, k, v) {
		char *n = xasprintf("%s%s%s=%s", s, *s ? "," : "", k, json_object_get_string(v));
		free(s);
		s = n;
	}
	return s;
}

static void copy_key(struct json_object *to, const char *tk, struct json_object *from,
		     const char *fk)
{
	struct json_object *v = json_get(from, fk);
	json_object_object_add(to, tk, v ? json_object_get(v) : NULL);
}

/* A network's JSON in the shape of podman's Go type, for templates. */
static struct json_object *go_shape(struct json_object *d)
{
	struct json_object *g = json_object_new_object();
	static const char *const keys[][2] = {
		{ "Name", "name" },
		{ "ID", "id" },
		{ "Driver", "driver" },
		{ "NetworkInterface", "network_interface" },
		{ "Created", "created" },
		{ "IPv6Enabled", "ipv6_enabled" },
		{ "Internal", "internal" },
		{ "DNSEnabled", "dns_enabled" },
		{ "Labels", "labels" },
		{ "Options", "options" },
		{ "IPAMOptions", "ipam_options" },
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		copy_key(g, keys[i][0], d, keys[i][1]);
	struct json_object *subs = json_object_new_array();
	struct json_object *from = json_get(d, "subnets");
	for (size_t i = 0; i < json_len(from); i++) {
		struct json_object *s = json_idx(from, i), *t = json_object_new_object();
		copy_key(t, "Subnet", s, "subnet");
		copy_key(t, "Gateway", s, "gateway");
		struct json_object *lr = json_get(s, "lease_range");
		if (lr != NULL) {
			struct json_object *l = json_object_new_object();
			copy_key(l, "StartIP", lr, "start_ip");
			copy_key(l, "EndIP", lr, "end_ip");
			json_object_object_add(t, "LeaseRange", l);
		}
		json_object_array_add(subs, t);
	}
	json_object_object_add(g, "Subnets", subs);
	return g;
}

/* A list of network documents as --format asks: JSON as it is, templates over go_shape. */
static struct json_object *for_format(struct json_object *docs, const char *fmt)
{
	if (fmt == NULL || strcmp(fmt, "json") == 0 || strcmp(fmt, "") == 0)
		return json_object_get(docs);
	struct json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_len(docs); i++)
		json_object_array_add(out, go_shape(json_idx(docs, i)));
	return out;
}

int cmd_network_ls(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct json_object *docs = eng_net_list(ctx->eng, cli_opt_list(ctx, "filter"), err);
	if (docs == NULL)
		return -1;
	struct json_object *rows = for_format(docs, fmt);
	if (fmt == NULL) {
		/* The table: a 12-digit ID, as podman's. */
		json_object_put(rows);
		rows = for_format(docs, "{{.Name}}");
		for (size_t i = 0; i < json_len(rows); i++) {
			struct json_object *r = json_idx(rows, i);
			autofree char *id = xstrndup(json_str(r, "ID"), 12);
			json_object_object_add(r, "ID", json_object_new_string(id));
		}
	}
	/* --format's .Labels is podman's k=v text. */
	for (size_t i = 0; fmt != NULL && strcmp(fmt, "json") != 0 && i < json_len(rows); i++) {
		struct json_object *r = json_idx(rows, i);
		autofree char *l = kv_text(json_get(r, "Labels"));
		json_object_object_add(r, "Labels", json_object_new_string(l));
	}
	static const char *const keys[] = { "ID", "Name", "Driver", NULL };
	int rc = cli_list(ctx, rows, fmt == NULL || strcmp(fmt, "json") ? "Name" : "name",
			  "NETWORK ID\tNAME\tDRIVER", keys, err);
	json_object_put(rows);
	json_object_put(docs);
	return rc;
}

int cmd_network_inspect(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	struct json_object *docs = json_object_new_array();
	int rc = 0;
	for (int i = 0; i < ctx->argc; i++) {
		struct error *e = NULL;
		struct json_object *d = eng_net_inspect(ctx->eng, ctx->argv[i], &e);
		if (d == NULL) {
			/* podman prints what it found, then fails on what it did not. */
			err_wrap(&e, "inspecting object: network %s", ctx->argv[i]);
			cli_operand_failed(&rc, err, e);
			continue;
		}
		json_object_array_add(docs, d);
	}
	struct json_object *out = for_format(docs, fmt);
	struct error *e = NULL;
	if (cli_format_render_list(stdout, fmt, out, &e) < 0)
		cli_operand_failed(&rc, err, e);
	json_object_put(out);
	json_object_put(docs);
	return rc;
}

int cmd_network_exists(struct cli_ctx *ctx, struct error **err)
{
	struct json_object *d = eng_net_inspect(ctx->eng, ctx->argv[0], err);
	if (d == NULL) {
		/* Not there: exit 1 and no message, as podman's `exists`. */
		if ((*err)->kind != ERR_NOSUCH)
			return -1;
		err_free(err);
		ctx->exit_status = 1;
		return 0;
	}
	json_object_put(d);
	return 0;
}

int cmd_network_rm(struct cli_ctx *ctx, struct error **err)
{
	int rc = 0;
	for (int i = 0; i < ctx->argc; i++) {
		struct error *e = NULL;
		bool removed = false;
		if (eng_net_remove(ctx->eng, ctx->argv[i], cli_opt_bool(ctx, "force"),
				   cli_opt_int(ctx, "time"), &removed, &e) < 0)
			cli_operand_failed(&rc, err, e);
		else if (removed)
			printf("%s\n", ctx->argv[i]);
	}
	return rc;
}

int cmd_network_prune(struct cli_ctx *ctx, struct error **err)
{
	if (!cli_opt_bool(ctx, "force")) {
		fprintf(stderr, "WARNING! This will remove all networks not used by at least one "
				"container.\nAre you sure you want to continue? [y/N] ");
		char answer[16] = "";
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y'))
			return 0;
	}
	autostrv char **removed = eng_net_prune(ctx->eng, err);
	if (removed == NULL)
		return -1;
	for (size_t i = 0; removed[i]; i++)
		printf("%s\n", removed[i]);
	return 0;
}

int cmd_network_connect(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[1], &c, err) < 0)
		return -1;
	struct eng_net_conn_opts o = {
		.aliases = cli_opt_list(ctx, "alias"),
		.ip = cli_opt_str(ctx, "ip"),
		.mac = cli_opt_str(ctx, "mac-address"),
	};
	return eng_net_connect(ctx->eng, c, ctx->argv[0], &o, err);
}

int cmd_network_disconnect(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[1], &c, err) < 0)
		return -1;
	return eng_net_disconnect(ctx->eng, c, ctx->argv[0], cli_opt_bool(ctx, "force"), err);
}

int cmd_network_reload(struct cli_ctx *ctx, struct error **err)
{
	bool all = cli_opt_bool(ctx, "all");
	if (all == (ctx->argc > 0))
		return err_set(err, EINVAL, ERR_USAGE,
			       all ? "--all and containers cannot be used together"
				   : "network reload needs a container or --all");
	if (all) {
		autostrv char **ids = eng_net_reload_all(ctx->eng, err);
		if (ids == NULL)
			return -1;
		for (size_t i = 0; ids[i]; i++)
			printf("%s\n", ids[i]);
		return 0;
	}
	int rc = 0;
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup(ctx->eng, ctx->argv[i], &c, &e) < 0 ||
		    eng_net_reload(ctx->eng, c, &e) < 0)
			cli_operand_failed(&rc, err, e);
		else
			printf("%s\n", c->id);
	}
	return rc;
}
