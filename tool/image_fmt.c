/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of the image commands. Table templates render a header row from the same
 * template (each {{.Field}} replaced by its podman heading), then one row per entry, and
 * the rows are aligned by image_fmt_table like Go's tabwriter.
 */
#include "tool/image_fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_IMAGES "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
#define DEFAULT_IMAGES_DIGESTS \
	"table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
#define DEFAULT_HISTORY "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

static struct json_object *headers(const char *const *kv)
{
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; kv[i] != NULL; i += 2)
		json_object_object_add(o, kv[i], json_object_new_string(kv[i + 1]));
	return o;
}

/* Print rows with fmt: json array, table (with header) or plain template lines. */
static int print_rows(FILE *f, const char *fmt, struct json_object *rows,
		      const char *const *head_kv, bool noheading, struct error **err)
{
	bool table = cli_format_is_table(fmt);
	autostrv char **lines = xcalloc(1, sizeof(char *));
	if (table && !noheading) {
		struct json_object *h = headers(head_kv);
		char *l = cli_fmt_line(fmt, h, err);
		json_object_put(h);
		if (l == NULL)
			return -1;
		strv_push_take(&lines, l);
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		char *l = cli_fmt_line(fmt, json_object_array_get_idx(rows, i), err);
		if (l == NULL)
			return -1;
		strv_push_take(&lines, l);
	}
	if (table) {
		cli_fmt_table(f, lines);
	} else {
		for (size_t i = 0; lines[i] != NULL; i++)
			fprintf(f, "%s\n", lines[i]);
	}
	return 0;
}

static const char *cfg_str(struct json_object *cfg, const char *key)
{
	struct json_object *v = NULL;
	if (cfg == NULL || !json_object_object_get_ex(cfg, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static struct json_object *list_json(const struct storage_image *img)
{
	struct json_object *o = json_object_new_object();
	const char *created = cfg_str(img->config, "created");
	struct json_object *cc = NULL, *labels = NULL;
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "ParentId", json_object_new_string(""));
	json_object_object_add(o, "RepoTags", strv_json(img->names));
	json_object_object_add(o, "RepoDigests", strv_json(img->digests));
	json_object_object_add(o, "Size", json_object_new_int64(img->size));
	json_object_object_add(o, "SharedSize", json_object_new_int64(0));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(img->size));
	if (json_object_object_get_ex(img->config, "config", &cc) &&
	    json_object_object_get_ex(cc, "Labels", &labels))
		json_object_object_add(o, "Labels", json_object_get(labels));
	else
		json_object_object_add(o, "Labels", NULL);
	json_object_object_add(o, "Containers", json_object_new_int(0));
	json_object_object_add(o, "Names", strv_json(img->names));
	json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(o, "Created",
			       json_object_new_int64((int64_t)cli_fmt_parse_time(created)));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created ? created : ""));
	json_object_object_add(o, "Dangling", json_object_new_boolean(img->names[0] == NULL));
	return o;
}

static struct json_object *row_json(const struct storage_image *img, const char *name,
				    bool no_trunc)
{
	struct json_object *o = json_object_new_object();
	autofree char *repo = name ? xstrdup(name) : xstrdup("<none>");
	const char *tag = "<none>";
	char *colon = name ? strrchr(repo, ':') : NULL;
	if (colon != NULL && colon > strrchr(repo, '/'))
		*colon = '\0', tag = colon + 1;
	const char *created = cfg_str(img->config, "created");
	autofree char *id = no_trunc ? xasprintf("sha256:%s", img->id) : xstrndup(img->id, 12);
	autofree char *size = cli_fmt_size(img->size);
	autofree char *ago = cli_fmt_ago(created);
	json_object_object_add(o, "Repository", json_object_new_string(repo));
	json_object_object_add(o, "Tag", json_object_new_string(tag));
	json_object_object_add(o, "ID", json_object_new_string(id));
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(o, "Size", json_object_new_string(size));
	json_object_object_add(o, "Created", json_object_new_string(ago));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created ? created : ""));
	json_object_object_add(o, "Dangling", json_object_new_boolean(name == NULL));
	return o;
}

int image_fmt_list(FILE *f, struct storage_image **imgs, size_t n, const struct image_list_opts *o,
		   struct error **err)
{
	if (o->fmt != NULL && strcmp(o->fmt, "json") == 0) {
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, list_json(imgs[i]));
		int rc = cli_format_render(f, "json", arr, err);
		json_object_put(arr);
		return rc;
	}
	if (o->quiet && (o->fmt == NULL || *o->fmt == '\0')) {
		for (size_t i = 0; i < n; i++)
			fprintf(f, o->no_trunc ? "sha256:%s\n" : "%.12s\n", imgs[i]->id);
		return 0;
	}
	struct json_object *rows = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; imgs[i]->names[j] != NULL; j++)
			json_object_array_add(rows,
					      row_json(imgs[i], imgs[i]->names[j], o->no_trunc));
		if (imgs[i]->names[0] == NULL)
			json_object_array_add(rows, row_json(imgs[i], NULL, o->no_trunc));
	}
	const char *fmt = o->fmt && *o->fmt ? o->fmt
			  : o->digests	    ? DEFAULT_IMAGES_DIGESTS
					    : DEFAULT_IMAGES;
	static const char *const head[] = { "Repository", "REPOSITORY", "Tag",	     "TAG",
					    "ID",	  "IMAGE ID",	"Id",	     "IMAGE ID",
					    "Digest",	  "DIGEST",	"Size",	     "SIZE",
					    "Created",	  "CREATED",	"CreatedAt", "CREATED AT",
					    NULL };
	int rc = print_rows(f, fmt, rows, head, o->noheading, err);
	json_object_put(rows);
	return rc;
}

struct json_object *image_fmt_inspect(struct storage *s, const struct storage_image *img)
{
	struct json_object *o = json_object_new_object(), *v = NULL;
	struct json_object *cfg = img->config;
	const char *str_keys[][2] = { { "Comment", "comment" },		  { "Created", "created" },
				      { "Version", "docker_version" },	  { "Author", "author" },
				      { "Architecture", "architecture" }, { "Os", "os" } };
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(o, "RepoTags", strv_json(img->names));
	json_object_object_add(o, "RepoDigests", strv_json(img->digests));
	json_object_object_add(o, "Parent", json_object_new_string(""));
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const char *x = cfg_str(cfg, str_keys[i][1]);
		json_object_object_add(o, str_keys[i][0], json_object_new_string(x ? x : ""));
		if (i == 2 && x == NULL)
			json_object_object_del(o, "Version");
	}
	if (cfg_str(cfg, "variant"))
		json_object_object_add(o, "Variant",
				       json_object_new_string(cfg_str(cfg, "variant")));
	struct json_object *cc = NULL;
	json_object_object_get_ex(cfg, "config", &cc);
	json_object_object_add(o, "Config", cc ? json_object_get(cc) : json_object_new_object());
	json_object_object_add(o, "Size", json_object_new_int64(img->size));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(img->size));
	struct json_object *gd = json_object_new_object(), *gdd = json_object_new_object();
	autostrv char **dirs = storage_image_layer_dirs(s, img);
	if (dirs[0] != NULL) {
		json_object_object_add(gdd, "UpperDir", json_object_new_string(dirs[0]));
		if (dirs[1] != NULL) {
			char *low = NULL;
			for (size_t i = 1; dirs[i]; i++) {
				char *n =
				    xasprintf("%s%s%s", low ? low : "", low ? ":" : "", dirs[i]);
				free(low);
				low = n;
			}
			json_object_object_add(gdd, "LowerDir", json_object_new_string(low));
			free(low);
		}
	}
	json_object_object_add(gd, "Name", json_object_new_string("overlay"));
	json_object_object_add(gd, "Data", gdd);
	json_object_object_add(o, "GraphDriver", gd);
	struct json_object *rootfs = json_object_new_object();
	json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "Layers", strv_json(img->diff_ids));
	json_object_object_add(o, "RootFS", rootfs);
	struct json_object *labels = NULL;
	if (cc != NULL && json_object_object_get_ex(cc, "Labels", &labels))
		json_object_object_add(o, "Labels", json_object_get(labels));
	else
		json_object_object_add(o, "Labels", NULL);
	struct json_object *ann = NULL;
	json_object_object_add(o, "Annotations",
			       img->manifest &&
				       json_object_object_get_ex(img->manifest, "annotations", &ann)
				   ? json_object_get(ann)
				   : json_object_new_object());
	const char *mt = img->manifest ? cfg_str(img->manifest, "mediaType") : NULL;
	json_object_object_add(o, "ManifestType", json_object_new_string(mt ? mt : ""));
	const char *user = cc ? cfg_str(cc, "User") : NULL;
	json_object_object_add(o, "User", json_object_new_string(user ? user : ""));
	json_object_object_add(o, "History",
			       json_object_object_get_ex(cfg, "history", &v)
				   ? json_object_get(v)
				   : json_object_new_array());
	json_object_object_add(o, "NamesHistory", strv_json(img->names));
	return o;
}

static struct json_object *history_row(struct json_object *h, const char *id, int64_t size,
				       const struct image_list_opts *o)
{
	struct json_object *r = json_object_new_object();
	const char *created = cfg_str(h, "created");
	const char *by = cfg_str(h, "created_by");
	const char *comment = cfg_str(h, "comment");
	autofree char *by_s = NULL;
	if (by == NULL)
		by = "";
	if (!o->no_trunc && strlen(by) > 45)
		by_s = xasprintf("%.42s...", by);
	autofree char *ago = o->human || !o->human ? cli_fmt_ago(created) : NULL;
	autofree char *sz = cli_fmt_size(size);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Created", json_object_new_string(ago));
	json_object_object_add(r, "CreatedAt", json_object_new_string(created ? created : ""));
	json_object_object_add(r, "CreatedBy", json_object_new_string(by_s ? by_s : by));
	json_object_object_add(r, "Size", json_object_new_string(sz));
	json_object_object_add(r, "Comment", json_object_new_string(comment ? comment : ""));
	return r;
}

int image_fmt_history(FILE *f, struct storage *s, const struct storage_image *img,
		      const struct image_list_opts *o, struct error **err)
{
	struct json_object *hist = NULL, *rows = json_object_new_array();
	int64_t *sizes = storage_image_layer_sizes(s, img);
	size_t nl = strv_len(img->layers);
	if (!json_object_object_get_ex(img->config, "history", &hist) ||
	    !json_object_is_type(hist, json_type_array))
		hist = NULL;
	size_t nh = hist ? json_object_array_length(hist) : 0;
	/* Non-empty history entries map to layers in order; list newest first. */
	size_t layer = 0;
	int64_t *entry_size = xcalloc(nh + 1, sizeof(int64_t));
	for (size_t i = 0; i < nh; i++) {
		struct json_object *e = json_object_array_get_idx(hist, i), *empty = NULL;
		bool is_empty = json_object_object_get_ex(e, "empty_layer", &empty) &&
				json_object_get_boolean(empty);
		if (!is_empty && layer < nl)
			entry_size[i] = sizes[layer++];
	}
	for (size_t k = nh; k > 0; k--) {
		autofree char *id = k == nh
					? (o->no_trunc ? xstrdup(img->id) : xstrndup(img->id, 12))
					: xstrdup("<missing>");
		json_object_array_add(rows, history_row(json_object_array_get_idx(hist, k - 1), id,
							entry_size[k - 1], o));
	}
	free(entry_size);
	free(sizes);
	int rc = 0;
	if (o->fmt != NULL && strcmp(o->fmt, "json") == 0) {
		rc = cli_format_render(f, "json", rows, err);
	} else if (o->quiet) {
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			fprintf(f, "%s\n", cfg_str(json_object_array_get_idx(rows, i), "ID"));
	} else {
		static const char *const head[] = { "ID",      "IMAGE",	    "Created",
						    "CREATED", "CreatedBy", "CREATED BY",
						    "Size",    "SIZE",	    "Comment",
						    "COMMENT", "CreatedAt", "CREATED AT",
						    NULL };
		rc = print_rows(f, o->fmt && *o->fmt ? o->fmt : DEFAULT_HISTORY, rows, head, false,
				err);
	}
	json_object_put(rows);
	return rc;
}
