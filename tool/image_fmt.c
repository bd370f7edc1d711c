/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of the image commands. Table templates render a header row from the same
 * template (each {{.Field}} replaced by its podman heading), then one row per entry, and
 * the rows are aligned by image_fmt_table like Go's tabwriter.
 */
#include "tool/image_fmt.h"
#include "lib/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_IMAGES "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
#define DEFAULT_IMAGES_DIGESTS \
	"table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
#define DEFAULT_HISTORY "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"

/* Print rows with fmt: json array, table (with header) or plain template lines. */
static int print_rows(FILE *f, const char *fmt, struct json_object *rows,
		      const char *const *head_kv, bool noheading, struct error **err)
{
	bool table = cli_format_is_table(fmt);
	autostrv char **lines = xcalloc(1, sizeof(char *));
	if (table && !noheading) {
		/* podman's heading of every field of a row, the command's own over them */
		struct json_object *h =
		    cli_format_headers(json_object_array_get_idx(rows, 0), head_kv);
		char *l = cli_fmt_header_line(fmt, h, err);
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

static struct json_object *list_json(const struct storage_image *img)
{
	struct json_object *o = json_object_new_object();
	const char *created = json_str(img->config, "created");
	struct json_object *cc = NULL, *labels = NULL;
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "ParentId", json_object_new_string(""));
	json_object_object_add(o, "RepoTags", json_from_strv(img->names));
	json_object_object_add(o, "RepoDigests", json_from_strv(img->digests));
	json_object_object_add(o, "Size", json_object_new_int64(img->size));
	json_object_object_add(o, "SharedSize", json_object_new_int64(0));
	json_object_object_add(o, "VirtualSize", json_object_new_int64(img->size));
	if (json_object_object_get_ex(img->config, "config", &cc) &&
	    json_object_object_get_ex(cc, "Labels", &labels))
		json_object_object_add(o, "Labels", json_object_get(labels));
	else
		json_object_object_add(o, "Labels", NULL);
	json_object_object_add(o, "Containers", json_object_new_int(0));
	json_object_object_add(o, "Names", json_from_strv(img->names));
	json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
	/* podman's History here: the names the image has had, current ones first. */
	json_object_object_add(o, "History",
			       json_from_strv(img->names_history && img->names_history[0]
						  ? img->names_history
						  : img->names));
	json_object_object_add(o, "Created",
			       json_object_new_int64((int64_t)cli_fmt_parse_time(created)));
	json_object_object_add(o, "CreatedAt", json_object_new_string(created ? created : ""));
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
	const char *created = json_str(img->config, "created");
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
	/* podman's {{.History}}: the names the image has had, joined. */
	autofree char *hist = xstrdup("");
	for (size_t i = 0; img->names_history != NULL && img->names_history[i] != NULL; i++) {
		char *more = xasprintf("%s%s%s", hist, i ? ", " : "", img->names_history[i]);
		free(hist);
		hist = more;
	}
	json_object_object_add(o, "History", json_object_new_string(hist));
	struct json_object *cc = NULL, *labels = NULL;
	if (json_object_object_get_ex(img->config, "config", &cc) &&
	    json_object_object_get_ex(cc, "Labels", &labels) && labels != NULL)
		json_object_object_add(o, "Labels", json_object_get(labels));
	else
		json_object_object_add(o, "Labels", json_object_new_object());
	return o;
}

/* One row of the table: an image under one of its names (NULL: <none>). */
struct list_row {
	const struct storage_image *img;
	const char *name;
	size_t seq; /* the listing's order: ties keep it */
	time_t created;
	char *repo, *tag;
};

static const char *const sort_keys[] = { "created", "id", "repository", "size", "tag", NULL };

bool image_fmt_sort_valid(const char *key)
{
	for (size_t i = 0; sort_keys[i] != NULL; i++)
		if (strcmp(key, sort_keys[i]) == 0)
			return true;
	return false;
}

static const char *sort_key;

static int row_cmp(const void *pa, const void *pb)
{
	const struct list_row *a = pa, *b = pb;
	int c = 0;
	if (strcmp(sort_key, "created") == 0)
		c = a->created > b->created ? -1 : a->created < b->created;
	else if (strcmp(sort_key, "id") == 0)
		c = strcmp(a->img->id, b->img->id);
	else if (strcmp(sort_key, "repository") == 0)
		c = strcmp(a->repo, b->repo);
	else if (strcmp(sort_key, "size") == 0)
		c = a->img->size < b->img->size ? -1 : a->img->size > b->img->size;
	else if (strcmp(sort_key, "tag") == 0)
		c = strcmp(a->tag, b->tag);
	return c != 0 ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* The rows of imgs, one per name, sorted as podman's images --sort. */
static struct list_row *list_rows(struct storage_image **imgs, size_t n, const char *sort,
				  size_t *nrows)
{
	size_t cap = 0;
	for (size_t i = 0; i < n; i++)
		cap += strv_len(imgs[i]->names) + 1;
	struct list_row *rows = xcalloc(cap + 1, sizeof(*rows));
	size_t r = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j == 0 || imgs[i]->names[j] != NULL; j++) {
			const char *name = imgs[i]->names[j];
			struct list_row *w = &rows[r];
			*w = (struct list_row){ .img = imgs[i], .name = name, .seq = r };
			w->created = cli_fmt_parse_time(json_str(imgs[i]->config, "created"));
			w->repo = xstrdup(name != NULL ? name : "<none>");
			char *colon = name != NULL ? strrchr(w->repo, ':') : NULL;
			if (colon != NULL && colon > strrchr(w->repo, '/'))
				*colon = '\0', w->tag = xstrdup(colon + 1);
			else
				w->tag = xstrdup("<none>");
			r++;
			if (name == NULL)
				break;
		}
	}
	if (sort != NULL) {
		sort_key = sort;
		qsort(rows, r, sizeof(*rows), row_cmp);
	}
	*nrows = r;
	return rows;
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
	size_t nr = 0;
	struct list_row *lr = list_rows(imgs, n, o->sort, &nr);
	for (size_t i = 0; i < nr; i++) {
		json_object_array_add(rows, row_json(lr[i].img, lr[i].name, o->no_trunc));
		free(lr[i].repo);
		free(lr[i].tag);
	}
	free(lr);
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

static struct json_object *history_row(const struct storage_history_entry *h,
				       const struct image_list_opts *o)
{
	struct json_object *r = json_object_new_object();
	const char *by = h->created_by ? h->created_by : "";
	autofree char *id = h->id == NULL ? xstrdup("<missing>")
			    : o->no_trunc ? xstrdup(h->id)
					  : xstrndup(h->id, 12);
	autofree char *by_s = NULL;
	if (!o->no_trunc && strlen(by) > 45)
		by_s = xasprintf("%.42s...", by);
	autofree char *ago = cli_fmt_ago(h->created);
	autofree char *sz = cli_fmt_size(h->size);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Created", json_object_new_string(ago));
	json_object_object_add(r, "CreatedAt",
			       json_object_new_string(h->created ? h->created : ""));
	json_object_object_add(r, "CreatedBy", json_object_new_string(by_s ? by_s : by));
	json_object_object_add(r, "Size", json_object_new_string(sz));
	json_object_object_add(r, "Comment", json_object_new_string(h->comment ? h->comment : ""));
	return r;
}

int image_fmt_history(FILE *f, struct storage *s, const struct storage_image *img,
		      const struct image_list_opts *o, struct error **err)
{
	struct json_object *rows = json_object_new_array();
	size_t n = 0;
	struct storage_history_entry *hist = storage_image_history(s, img, &n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(rows, history_row(&hist[i], o));
	free(hist);
	int rc = 0;
	if (o->fmt != NULL && strcmp(o->fmt, "json") == 0) {
		rc = cli_format_render(f, "json", rows, err);
	} else if (o->quiet) {
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			fprintf(f, "%s\n", json_str(json_object_array_get_idx(rows, i), "ID"));
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
