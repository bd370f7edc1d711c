/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image commands: pull, images, rmi, tag, untag, image inspect, image prune, history.
 * Each handler parses its options, calls storage/, and renders the result; tables are
 * aligned like podman's (Go tabwriter, two spaces between columns).
 */
#include "tool/cli.h"
#include "tool/image_fmt.h"
#include "tool/io.h"
#include "storage/storage.h"
#include "userns/userns.h"

#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* Children (the monitor's exit command, restarts, helpers) open the store the same way. */
int cli_open_store(struct cli_ctx *ctx, struct storage **s, struct error **err)
{
	if (ctx->storage_driver != NULL)
		setenv("HUTCH_STORAGE_DRIVER", ctx->storage_driver, 1);
	return storage_open(ctx->storage_driver, s, err);
}

void cli_operand_failed(int *rc, struct error **err, struct error *e)
{
	if (*rc == 0) {
		*err = e;
	} else {
		cli_print_error(e);
		err_free(&e);
	}
	*rc = -1;
}

static const char *field(struct json_object *row, const char *key)
{
	return json_object_get_string(json_object_object_get(row, key));
}

int cli_list(struct cli_ctx *ctx, struct json_object *rows, const char *quiet_key,
	     const char *header, const char *const *keys, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	size_t n = json_object_array_length(rows);
	if (cli_opt_bool(ctx, "quiet")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", field(json_object_array_get_idx(rows, i), quiet_key));
		return 0;
	}
	if (fmt != NULL && strcmp(fmt, "json") == 0)
		return cli_format_render_list(stdout, fmt, rows, err);
	if (fmt != NULL && !cli_format_is_table(fmt)) {
		for (size_t i = 0; i < n; i++)
			if (cli_format_render(stdout, fmt, json_object_array_get_idx(rows, i),
					      err) < 0)
				return -1;
		return 0;
	}
	autostrv char **table = NULL;
	if (!cli_opt_bool(ctx, "noheading"))
		strv_push(&table, header);
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		for (size_t k = 0; keys[k] != NULL; k++) {
			const char *v = field(json_object_array_get_idx(rows, i), keys[k]);
			char *next =
			    xasprintf("%s%s%s", line ? line : "", k ? "\t" : "", v ? v : "");
			free(line);
			line = next;
		}
		strv_push_take(&table, line);
	}
	if (table != NULL)
		image_fmt_table(stdout, table);
	return 0;
}

int cli_inspect(struct cli_ctx *ctx, cli_inspect_fn one,
		struct json_object *(*every)(struct storage *s), struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && cli_format_check(fmt, err) < 0)
		return -1;
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	struct json_object *all = NULL;
	if (every != NULL && cli_opt_bool(ctx, "all")) {
		all = every(s);
	} else {
		all = json_object_new_array();
		for (int i = 0; i < ctx->argc; i++) {
			struct json_object *v = one(s, ctx->argv[i], err);
			if (v == NULL) {
				json_object_put(all);
				return -1;
			}
			json_object_array_add(all, v);
		}
	}
	int rc = cli_format_render_list(stdout, fmt, all, err);
	json_object_put(all);
	return rc;
}

static int parse_platform(const char *p, struct storage_pull_opts *o, char **buf,
			  struct error **err)
{
	*buf = xstrdup(p);
	char *os = *buf, *arch = strchr(os, '/'), *variant = NULL;
	if (arch == NULL || arch[1] == '\0')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid platform \"%s\": want "
			       "OS/ARCH[/VARIANT]",
			       p);
	*arch++ = '\0';
	variant = strchr(arch, '/');
	if (variant != NULL)
		*variant++ = '\0';
	o->os = os;
	o->arch = arch;
	o->variant = variant;
	return 0;
}

int cmd_pull(struct cli_ctx *ctx, struct error **err)
{
	struct storage_pull_opts o = { .tls_verify = -1 };
	autofree char *pbuf = NULL;
	if (cli_opt_is_set(ctx, "platform") &&
	    parse_platform(cli_opt_str(ctx, "platform"), &o, &pbuf, err) < 0)
		return -1;
	if (cli_opt_is_set(ctx, "os"))
		o.os = cli_opt_str(ctx, "os");
	if (cli_opt_is_set(ctx, "arch"))
		o.arch = cli_opt_str(ctx, "arch");
	if (cli_opt_is_set(ctx, "variant"))
		o.variant = cli_opt_str(ctx, "variant");
	if (cli_opt_is_set(ctx, "tls-verify"))
		o.tls_verify = cli_opt_bool(ctx, "tls-verify") ? 1 : 0;
	o.creds = cli_opt_str(ctx, "creds");
	o.authfile = cli_opt_str(ctx, "authfile");
	o.progress = cli_progress(cli_opt_bool(ctx, "quiet"));
	o.all_tags = cli_opt_bool(ctx, "all-tags");
	if (o.authfile != NULL && access(o.authfile, R_OK) < 0)
		return err_sys(err, "credential file %s is not accessible", o.authfile);
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	for (int i = 0; i < ctx->argc; i++) {
		autofree char *id = NULL;
		if (storage_pull(s, ctx->argv[i], &o, &id, err) < 0)
			return -1;
		printf("%s\n", id);
	}
	return 0;
}

/* ---------- images ---------- */

struct img_filter {
	int dangling; /* -1: any */
	char **refs;
};

static int parse_filters(char *const *list, struct img_filter *f, struct error **err)
{
	f->dangling = -1;
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		const char *eq = strchr(list[i], '=');
		if (eq == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid filter \"%s\": want "
				       "KEY=VALUE",
				       list[i]);
		const char *v = eq + 1;
		if (strncmp(list[i], "dangling=", 9) == 0) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
				return err_set(err, EINVAL, ERR_USAGE,
					       "invalid filter "
					       "\"dangling=%s\": want true "
					       "or false",
					       v);
			f->dangling = strcmp(v, "true") == 0;
		} else if (strncmp(list[i], "reference=", 10) == 0) {
			strv_push(&f->refs, v);
		} else {
			return err_set(err, EINVAL, ERR_USAGE,
				       "unsupported filter \"%.*s\": hutch "
				       "supports dangling and reference",
				       (int)(eq - list[i]), list[i]);
		}
	}
	return 0;
}

static bool ref_matches(const char *pattern, const char *name)
{
	autofree char *repo = xstrdup(name);
	char *colon = strrchr(repo, ':');
	if (colon != NULL && colon > strrchr(repo, '/'))
		*colon = '\0';
	autofree char *any = xasprintf("*/%s", pattern);
	const char *tries[] = { name, repo };
	for (int i = 0; i < 2; i++)
		if (fnmatch(pattern, tries[i], 0) == 0 || fnmatch(any, tries[i], 0) == 0)
			return true;
	return false;
}

static bool keep_image(const struct img_filter *f, const struct storage_image *img)
{
	bool dangling = img->names[0] == NULL;
	if (f->dangling >= 0 && dangling != (f->dangling == 1))
		return false;
	for (size_t i = 0; f->refs != NULL && f->refs[i] != NULL; i++) {
		bool any = false;
		for (size_t j = 0; img->names[j] != NULL && !any; j++)
			any = ref_matches(f->refs[i], img->names[j]);
		if (!any)
			return false;
	}
	return true;
}

int cmd_images(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (cli_format_check(fmt, err) < 0)
		return -1;
	struct img_filter f = { 0 };
	if (parse_filters(cli_opt_list(ctx, "filter"), &f, err) < 0) {
		strv_free(f.refs);
		return -1;
	}
	if (ctx->argc == 1)
		strv_push(&f.refs, ctx->argv[0]);
	autostore struct storage *s = NULL;
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (cli_open_store(ctx, &s, err) < 0 || storage_image_list(s, &imgs, &n, err) < 0) {
		strv_free(f.refs);
		return -1;
	}
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep_image(&f, imgs[i]))
			imgs[w++] = imgs[i];
		else
			storage_image_free(&imgs[i]);
	}
	strv_free(f.refs);
	struct image_list_opts lo = {
		.fmt = fmt,
		.quiet = cli_opt_bool(ctx, "quiet"),
		.digests = cli_opt_bool(ctx, "digests"),
		.no_trunc = cli_opt_bool(ctx, "no-trunc"),
		.noheading = cli_opt_bool(ctx, "noheading"),
	};
	int rc = image_fmt_list(stdout, imgs, w, &lo, err);
	storage_image_list_free(imgs, w);
	return rc;
}

int cmd_rmi(struct cli_ctx *ctx, struct error **err)
{
	bool force = cli_opt_bool(ctx, "force");
	if (ctx->argc == 0 && !cli_opt_bool(ctx, "all"))
		return err_set(err, EINVAL, ERR_USAGE, "image name or ID must be specified");
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	autostrv char **targets = NULL;
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&targets, ctx->argv[i]);
	if (cli_opt_bool(ctx, "all")) {
		struct storage_image **imgs = NULL;
		size_t n = 0;
		if (storage_image_list(s, &imgs, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			strv_push(&targets, imgs[i]->id);
		storage_image_list_free(imgs, n);
	}
	for (size_t i = 0; targets != NULL && targets[i] != NULL; i++) {
		struct storage_image *img = NULL;
		if (storage_image_lookup_record(s, targets[i], &img, err) < 0)
			return -1;
		autostrv char **names = NULL;
		for (size_t j = 0; img->names[j]; j++)
			strv_push(&names, img->names[j]);
		storage_image_free(&img);
		bool deleted = false;
		autofree char *id = NULL;
		if (storage_image_remove(s, targets[i], force, &deleted, &id, err) < 0)
			return -1;
		if (!deleted) {
			printf("Untagged: %s\n", targets[i]);
			continue;
		}
		for (size_t j = 0; names != NULL && names[j]; j++)
			printf("Untagged: %s\n", names[j]);
		printf("Deleted: %s\n", id);
	}
	return 0;
}

static int with_image(struct cli_ctx *ctx, struct storage **s, struct storage_image **img,
		      struct error **err)
{
	if (cli_open_store(ctx, s, err) < 0 || storage_image_lookup(*s, ctx->argv[0], img, err) < 0)
		return -1;
	return 0;
}

int cmd_tag(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	struct storage_image *img = NULL;
	if (with_image(ctx, &s, &img, err) < 0)
		return -1;
	int rc = 0;
	for (int i = 1; i < ctx->argc && rc == 0; i++)
		rc = storage_image_tag(s, img->id, ctx->argv[i], err);
	storage_image_free(&img);
	return rc;
}

int cmd_untag(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	struct storage_image *img = NULL;
	if (with_image(ctx, &s, &img, err) < 0)
		return -1;
	int rc = 0;
	for (int i = 1; i < ctx->argc && rc == 0; i++)
		rc = storage_image_untag(s, img->id, ctx->argv[i], err);
	for (size_t i = 0; ctx->argc == 1 && img->names[i] != NULL && rc == 0; i++)
		rc = storage_image_untag(s, img->id, img->names[i], err);
	storage_image_free(&img);
	return rc;
}

int cmd_image_inspect(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (cli_format_check(fmt, err) < 0)
		return -1;
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	struct json_object *arr = json_object_new_array();
	int rc = 0;
	for (int i = 0; i < ctx->argc && rc == 0; i++) {
		struct storage_image *img = NULL;
		rc = storage_image_lookup(s, ctx->argv[i], &img, err);
		if (rc == 0)
			json_object_array_add(arr, image_fmt_inspect(s, img));
		storage_image_free(&img);
	}
	if (rc == 0 && (fmt == NULL || *fmt == '\0' || strcmp(fmt, "json") == 0)) {
		rc = cli_format_render(stdout, "json", arr, err);
	} else {
		for (size_t i = 0; rc == 0 && i < json_object_array_length(arr); i++)
			rc = cli_format_render(stdout, fmt, json_object_array_get_idx(arr, i), err);
	}
	json_object_put(arr);
	return rc;
}

int cmd_image_prune(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	autostrv char **removed = NULL;
	if (cli_open_store(ctx, &s, err) < 0 ||
	    storage_prune(s, cli_opt_bool(ctx, "all"), &removed, err) < 0)
		return -1;
	for (size_t i = 0; removed[i] != NULL; i++)
		printf("%s\n", removed[i]);
	return 0;
}

int cmd_history(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (cli_format_check(fmt, err) < 0)
		return -1;
	autostore struct storage *s = NULL;
	struct storage_image *img = NULL;
	if (with_image(ctx, &s, &img, err) < 0)
		return -1;
	struct image_list_opts lo = { .fmt = fmt,
				      .quiet = cli_opt_bool(ctx, "quiet"),
				      .no_trunc = cli_opt_bool(ctx, "no-trunc"),
				      .human = cli_opt_bool(ctx, "human") };
	int rc = image_fmt_history(stdout, s, img, &lo, err);
	storage_image_free(&img);
	return rc;
}

/* ---------- __rootfs: the container storage API end to end, for the system tests ---------- */

struct rootfs_arg {
	struct storage *s;
	const char *ctr;
	char **argv;
};

static int rootfs_child(void *arg, struct error **err)
{
	struct rootfs_arg *a = arg;
	/* Mounts made here must not propagate back to the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(err, "making / private");
	autofree char *mp = NULL;
	if (storage_rootfs_mount(a->s, a->ctr, &mp, err) < 0)
		return -1;
	setenv("ROOTFS", mp, 1);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking");
	if (pid == 0) {
		execvp(a->argv[0], a->argv);
		_exit(127);
	}
	int status = 0;
	proc_wait(pid, &status, NULL);
	/* fuse-overlayfs lives until its mount goes: unmount before leaving the namespace. */
	if (storage_rootfs_umount(a->s, a->ctr, err) < 0)
		return -1;
	_exit(status);
}

int cmd_rootfs_debug(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	struct storage_image *img = NULL;
	if (with_image(ctx, &s, &img, err) < 0)
		return -1;
	enum storage_driver d;
	autofree char *ctr = xasprintf("rootfs-debug-%d", (int)getpid());
	int rc = storage_driver_resolve(s, &d, err);
	if (rc == 0 && !cli_opt_bool(ctx, "quiet"))
		fprintf(stderr, "driver: %s\n",
			d == STORAGE_DRIVER_FUSE ? "fuse-overlayfs" : "overlay");
	if (rc == 0)
		rc = storage_container_create(s, ctr, img, err);
	storage_image_free(&img);
	if (rc < 0)
		return -1;
	struct rootfs_arg a = { .s = s, .ctr = ctr, .argv = ctx->argv + 1 };
	struct userns_map m;
	struct userns_child child;
	if (userns_default_map(&m, err) < 0)
		return -1;
	rc = userns_spawn(&m, CLONE_NEWNS, rootfs_child, &a, &child, err);
	userns_map_clear(&m);
	int status = 0;
	if (rc == 0)
		rc = proc_wait(child.pid, &status, err);
	ctx->exit_status = status;
	struct error *e2 = NULL;
	if (storage_container_remove(s, ctr, rc == 0 ? err : &e2) < 0 && rc == 0)
		rc = -1;
	err_free(&e2);
	return rc;
}

/* ---------- system df ---------- */

static struct json_object *df_row(const char *type, size_t total, size_t active, int64_t size,
				  int64_t reclaim)
{
	struct json_object *o = json_object_new_object();
	autofree char *sz = image_fmt_size(size);
	autofree char *rc = image_fmt_size(reclaim);
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
	autostore struct storage *s = NULL;
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (cli_open_store(ctx, &s, err) < 0 || storage_image_list(s, &imgs, &n, err) < 0)
		return -1;
	autostrv char **ctrs = storage_container_list(s);
	autostrv char **seen = xcalloc(1, sizeof(char *));
	autostrv char **active_layers = xcalloc(1, sizeof(char *));
	int64_t size = 0, reclaim = 0;
	size_t active = 0;
	for (size_t i = 0; i < n; i++) {
		autostrv char **users = storage_image_users(s, imgs[i]->id);
		int64_t *sizes = storage_image_layer_sizes(s, imgs[i]);
		active += users[0] != NULL;
		for (size_t j = 0; imgs[i]->layers[j]; j++) {
			if (users[0] != NULL && !strv_contains(active_layers, imgs[i]->layers[j]))
				strv_push(&active_layers, imgs[i]->layers[j]);
			if (strv_contains(seen, imgs[i]->layers[j]))
				continue;
			strv_push(&seen, imgs[i]->layers[j]);
			size += sizes[j];
		}
		free(sizes);
	}
	/* Reclaimable: layers no image in use needs. */
	for (size_t i = 0; i < n; i++) {
		int64_t *sizes = storage_image_layer_sizes(s, imgs[i]);
		for (size_t j = 0; imgs[i]->layers[j]; j++)
			if (!strv_contains(active_layers, imgs[i]->layers[j])) {
				reclaim += sizes[j];
				strv_push(&active_layers, imgs[i]->layers[j]); /* count once */
			}
		free(sizes);
	}
	struct json_object *rows = json_object_new_array();
	json_object_array_add(rows, df_row("Images", n, active, size, reclaim));
	json_object_array_add(rows, df_row("Containers", strv_len(ctrs), 0, 0, 0));
	json_object_array_add(rows, df_row("Local Volumes", 0, 0, 0, 0));
	storage_image_list_free(imgs, n);
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
			strv_push_take(&lines, image_fmt_render(t, h, err));
			json_object_put(h);
		}
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			strv_push_take(
			    &lines, image_fmt_render(t, json_object_array_get_idx(rows, i), err));
		if (cli_format_is_table(t))
			image_fmt_table(stdout, lines);
		else
			for (size_t i = 0; lines[i]; i++)
				printf("%s\n", lines[i]);
	}
	json_object_put(rows);
	return rc;
}
