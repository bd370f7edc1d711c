/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image commands: pull, images, rmi, tag, untag, image inspect, image prune, history.
 * Each handler parses its options, calls storage/, and renders the result; tables are
 * aligned like podman's (Go tabwriter, two spaces between columns).
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "tool/image_fmt.h"
#include "tool/io.h"
#include "storage/storage.h"
#include "userns/userns.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

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
	o.progress = cli_pull_progress(cli_opt_bool(ctx, "quiet"));
	o.all_tags = cli_opt_bool(ctx, "all-tags");
	if (o.authfile != NULL && access(o.authfile, R_OK) < 0)
		return err_sys(err, "credential file %s is not accessible", o.authfile);
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	for (int i = 0; i < ctx->argc; i++) {
		autofree char *id = NULL;
		if (storage_pull(s, ctx->argv[i], &o, &id, err) < 0)
			return -1;
		printf("%s\n", id);
	}
	return 0;
}

int cmd_push(struct cli_ctx *ctx, struct error **err)
{
	struct storage_push_opts o = { .tls_verify = -1 };
	if (cli_opt_is_set(ctx, "tls-verify"))
		o.tls_verify = cli_opt_bool(ctx, "tls-verify") ? 1 : 0;
	o.creds = cli_opt_str(ctx, "creds");
	o.authfile = cli_opt_str(ctx, "authfile");
	o.cert_dir = cli_opt_str(ctx, "cert-dir");
	o.format = cli_opt_str(ctx, "format");
	o.compression = cli_opt_str(ctx, "compression-format");
	o.progress = cli_pull_progress(cli_opt_bool(ctx, "quiet"));
	if (o.authfile != NULL && access(o.authfile, R_OK) < 0)
		return err_sys(err, "credential file %s is not accessible", o.authfile);
	if (o.cert_dir != NULL && access(o.cert_dir, R_OK | X_OK) < 0)
		return err_sys(err, "certificate directory %s is not accessible", o.cert_dir);
	struct storage *s = eng_storage(ctx->eng);
	autofree char *digest = NULL;
	if (storage_push(s, ctx->argv[0], ctx->argc > 1 ? ctx->argv[1] : NULL, &o, &digest, err) <
	    0)
		return -1;
	const char *df = cli_opt_str(ctx, "digestfile");
	if (df != NULL && fs_write_atomic(df, digest, strlen(digest), 0644, err) < 0)
		return err_wrap(err, "writing the digest file");
	return 0;
}

/* ---------- image tree ---------- */

/* podman's (go-units') sizes here: 4 significant digits, no space: "2.859MB". */
static char *tree_size(int64_t bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1000 && u < 5)
		v /= 1000, u++;
	return xasprintf("%.4g%s", v, units[u]);
}

/* "[a b]": the names of the images whose top layer is chain (Go's print of a list). */
static char *top_layer_of(struct storage_image **imgs, size_t n, const char *chain)
{
	char *v = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t nl = strv_len(imgs[i]->layers);
		if (nl == 0 || strcmp(imgs[i]->layers[nl - 1], chain) != 0)
			continue;
		for (size_t j = 0; imgs[i]->names && imgs[i]->names[j]; j++) {
			char *x = xasprintf("%s%s%s", v ? v : "", v ? " " : "", imgs[i]->names[j]);
			free(v);
			v = x;
		}
	}
	if (v == NULL)
		return NULL;
	char *r = xasprintf("[%s]", v);
	free(v);
	return r;
}

/* One layer's line. */
static void tree_layer(bool last, const char *chain, int64_t size, struct storage_image **imgs,
		       size_t n)
{
	autofree char *sz = tree_size(size), *top = top_layer_of(imgs, n, chain);
	printf("%s ID: %.12s Size: %s%s%s\n", last ? "└──" : "├──", chain, sz,
	       top ? " Top Layer of: " : "", top ? top : "");
}

/* --whatrequires: the layers of the images built on base (depth layers), each once,
 * depth first, with their sizes: appended to *chains and *sizes (n_out of them). */
static void tree_children(struct storage *s, char *const *base, size_t depth,
			  struct storage_image **imgs, size_t n, char ***chains, int64_t **sizes,
			  size_t *n_out)
{
	for (size_t i = 0; i < n; i++) {
		size_t nl = strv_len(imgs[i]->layers);
		bool prefixed = nl > depth;
		for (size_t j = 0; prefixed && j < depth; j++)
			prefixed = strcmp(imgs[i]->layers[j], base[j]) == 0;
		if (!prefixed || strv_contains(*chains, imgs[i]->layers[depth]))
			continue;
		autofree int64_t *ls = storage_image_layer_sizes(s, imgs[i]);
		strv_push(chains, imgs[i]->layers[depth]);
		*sizes = xrealloc(*sizes, (*n_out + 1) * sizeof(**sizes));
		(*sizes)[(*n_out)++] = ls != NULL ? ls[depth] : 0;
		tree_children(s, imgs[i]->layers, depth + 1, imgs, n, chains, sizes, n_out);
	}
}

int cmd_image_tree(struct cli_ctx *ctx, struct error **err)
{
	struct storage *s = eng_storage(ctx->eng);
	struct storage_image *img = NULL, **imgs = NULL;
	size_t n = 0;
	if (storage_image_lookup(s, ctx->argv[0], &img, err) < 0)
		return -1;
	if (storage_image_list(s, &imgs, &n, err) < 0) {
		storage_image_free(&img);
		return -1;
	}
	autofree char *size = tree_size(img->size), *tags = NULL;
	for (size_t j = 0; img->names && img->names[j]; j++) {
		char *x = xasprintf("%s%s%s", tags ? tags : "", tags ? " " : "", img->names[j]);
		free(tags);
		tags = x;
	}
	printf("Image ID: %.12s\nTags:     [%s]\nSize:     %s\n", img->id, tags ? tags : "", size);
	size_t nl = strv_len(img->layers);
	autofree int64_t *sizes = storage_image_layer_sizes(s, img);
	if (nl > 0)
		printf("Image Layers\n");
	if (cli_opt_bool(ctx, "whatrequires") && nl > 0) {
		/* podman's: the top layer, then every layer built on it, side by side. */
		autostrv char **chains = xcalloc(1, sizeof(char *));
		autofree int64_t *more = NULL;
		size_t nm = 0;
		tree_children(s, img->layers, nl, imgs, n, &chains, &more, &nm);
		tree_layer(nm == 0, img->layers[nl - 1], sizes ? sizes[nl - 1] : 0, imgs, n);
		for (size_t i = 0; i < nm; i++)
			tree_layer(i + 1 == nm, chains[i], more[i], imgs, n);
	} else {
		for (size_t i = 0; i < nl; i++)
			tree_layer(i + 1 == nl, img->layers[i], sizes ? sizes[i] : 0, imgs, n);
	}
	printf("\n");
	storage_image_list_free(imgs, n);
	storage_image_free(&img);
	return 0;
}

/* ---------- images ---------- */

int cmd_images(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (cli_format_check(fmt, err) < 0)
		return -1;
	struct storage_image_filter f = { 0 };
	if (storage_image_filter_parse(cli_opt_list(ctx, "filter"), &f, err) < 0) {
		storage_image_filter_clear(&f);
		return -1;
	}
	if (ctx->argc == 1)
		strv_push(&f.refs, ctx->argv[0]);
	const char *sort = cli_opt_str(ctx, "sort");
	if (!image_fmt_sort_valid(sort)) {
		storage_image_filter_clear(&f);
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid option for --sort, options are: [created id repository "
			       "size tag]");
	}
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (storage_image_filter_resolve(s, &f, err) < 0 ||
	    storage_image_list(s, &imgs, &n, err) < 0) {
		storage_image_filter_clear(&f);
		return -1;
	}
	size_t w = 0;
	bool all = cli_opt_bool(ctx, "all");
	bool *hide = xcalloc(n + 1, sizeof(bool));
	for (size_t i = 0; i < n && !all; i++)
		hide[i] = storage_image_intermediate(imgs, n, i);
	for (size_t i = 0; i < n; i++) {
		if (!hide[i] && storage_image_filter_match(&f, imgs[i]))
			imgs[w++] = imgs[i];
		else
			storage_image_free(&imgs[i]);
	}
	storage_image_filter_clear(&f);
	free(hide);
	struct image_list_opts lo = {
		.fmt = fmt,
		.quiet = cli_opt_bool(ctx, "quiet"),
		.digests = cli_opt_bool(ctx, "digests"),
		.no_trunc = cli_opt_bool(ctx, "no-trunc"),
		.noheading = cli_opt_bool(ctx, "noheading"),
		.sort = sort,
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
	autostrv char **names = NULL;
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&names, ctx->argv[i]);
	/* podman: --force also passes over images that do not exist, as --ignore does */
	struct eng_rmi_opts o = { .names = names,
				  .all = cli_opt_bool(ctx, "all"),
				  .force = force,
				  .ignore = force || cli_opt_bool(ctx, "ignore") };
	autostrv char **untagged = NULL, **deleted = NULL;
	int rc = eng_image_remove(ctx->eng, &o, &untagged, &deleted, err);
	/* podman's report: every name taken off, then every image deleted. */
	for (size_t i = 0; untagged != NULL && untagged[i] != NULL; i++)
		printf("Untagged: %s\n", untagged[i]);
	for (size_t i = 0; deleted != NULL && deleted[i] != NULL; i++)
		printf("Deleted: %s\n", deleted[i]);
	return rc;
}

/* `image exists`: exit status 1, and no output, when there is no such image. */
int cmd_image_exists(struct cli_ctx *ctx, struct error **err)
{
	struct storage_image *img = NULL;
	if (storage_image_lookup_record(eng_storage(ctx->eng), ctx->argv[0], &img, err) < 0) {
		if ((*err)->kind != ERR_NOSUCH)
			return -1;
		err_free(err);
		ctx->exit_status = 1;
	}
	storage_image_free(&img);
	return 0;
}

static int with_image(struct cli_ctx *ctx, struct storage **s, struct storage_image **img,
		      struct error **err)
{
	*s = eng_storage(ctx->eng);
	return storage_image_lookup(*s, ctx->argv[0], img, err);
}

int cmd_tag(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
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
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
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

/*
 * podman's image document is a Go struct whose field ID is "Id" in JSON: its templates
 * say {{.ID}}, and podman rewrites {{.Id}} to it. Ours is the JSON: .ID becomes .Id.
 */
static char *id_field_alias(const char *fmt)
{
	if (fmt == NULL)
		return NULL;
	char *out = xstrdup(fmt);
	for (char *p = strstr(out, ".ID"); p != NULL; p = strstr(p + 3, ".ID")) {
		char next = p[3];
		bool ident = next == '_' || (next >= 'a' && next <= 'z') ||
			     (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9');
		if (!ident)
			p[2] = 'd';
	}
	return out;
}

int cmd_image_inspect(struct cli_ctx *ctx, struct error **err)
{
	autofree char *fmt = id_field_alias(cli_opt_str(ctx, "format"));
	if (cli_format_check(fmt, err) < 0)
		return -1;
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	struct json_object *arr = json_object_new_array();
	int rc = 0;
	for (int i = 0; i < ctx->argc && rc == 0; i++) {
		struct storage_image *img = NULL;
		rc = storage_image_lookup(s, ctx->argv[i], &img, err);
		if (rc == 0)
			json_object_array_add(arr, storage_image_inspect(s, img));
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
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	autostrv char **removed = NULL;
	if (storage_prune(s, cli_opt_bool(ctx, "all"), &removed, err) < 0)
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
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
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
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
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
