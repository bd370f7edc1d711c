/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image's documents: its inspect document (podman's image-inspect JSON: the image's own
 * facts, OCI config, digests, sizes, layer dirs) and its history rows (the config's history
 * with the size of the layer each entry made). Rendering them is the front end's business.
 */
#include "storage/internal.h"
#include "lib/json.h"

#include <stdlib.h>
#include <string.h>

struct json_object *storage_image_inspect(struct storage *s, const struct storage_image *img)
{
	struct json_object *o = json_object_new_object(), *v = NULL;
	struct json_object *cfg = img->config;
	const char *str_keys[][2] = { { "Comment", "comment" },		  { "Created", "created" },
				      { "Version", "docker_version" },	  { "Author", "author" },
				      { "Architecture", "architecture" }, { "Os", "os" } };
	json_object_object_add(o, "Id", json_object_new_string(img->id));
	json_object_object_add(o, "Digest", json_object_new_string(img->manifest_digest));
	json_object_object_add(o, "RepoTags", json_from_strv(img->names));
	json_object_object_add(o, "RepoDigests", json_from_strv(img->digests));
	json_object_object_add(o, "Parent", json_object_new_string(""));
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		const char *x = json_str(cfg, str_keys[i][1]);
		json_object_object_add(o, str_keys[i][0], json_object_new_string(x ? x : ""));
	}
	if (json_str(cfg, "variant"))
		json_object_object_add(o, "Variant",
				       json_object_new_string(json_str(cfg, "variant")));
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
	json_object_object_add(rootfs, "Layers", json_from_strv(img->diff_ids));
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
	const char *mt = img->manifest ? json_str(img->manifest, "mediaType") : NULL;
	json_object_object_add(o, "ManifestType", json_object_new_string(mt ? mt : ""));
	const char *user = cc ? json_str(cc, "User") : NULL;
	json_object_object_add(o, "User", json_object_new_string(user ? user : ""));
	json_object_object_add(o, "History",
			       json_object_object_get_ex(cfg, "history", &v)
				   ? json_object_get(v)
				   : json_object_new_array());
	json_object_object_add(o, "NamesHistory", json_from_strv(img->names));
	return o;
}

struct storage_history_entry *storage_image_history(struct storage *s,
						    const struct storage_image *img, size_t *n)
{
	struct json_object *hist = NULL;
	int64_t *sizes = storage_image_layer_sizes(s, img);
	size_t nl = strv_len(img->layers);
	if (!json_object_object_get_ex(img->config, "history", &hist) ||
	    !json_object_is_type(hist, json_type_array))
		hist = NULL;
	size_t nh = hist ? json_object_array_length(hist) : 0;
	struct storage_history_entry *v = xcalloc(nh + 1, sizeof(*v));
	/* Non-empty history entries map to layers in order; list newest first. */
	size_t layer = 0;
	for (size_t i = 0; i < nh; i++) {
		struct json_object *e = json_object_array_get_idx(hist, i), *empty = NULL;
		bool is_empty = json_object_object_get_ex(e, "empty_layer", &empty) &&
				json_object_get_boolean(empty);
		struct storage_history_entry *r = &v[nh - 1 - i];
		if (!is_empty && layer < nl)
			r->size = sizes[layer++];
		r->id = i == nh - 1 ? img->id : NULL;
		r->created = json_str(e, "created");
		r->created_by = json_str(e, "created_by");
		r->comment = json_str(e, "comment");
	}
	free(sizes);
	*n = nh;
	return v;
}
