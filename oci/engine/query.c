/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queries over the store for every front end alike: which containers `ps` shows (its
 * --all, --last and --filter rules) and what `system df` counts. Filters are checked as
 * they are applied, container by container, as hutch always has: a bad one fails the
 * query when a container reaches it.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whether c passes every filter; false with *err (and *bad) at a malformed or unknown one. */
static bool ps_match(struct eng_ctr *c, char *const *filters, struct error **err, bool *bad)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		if (eq == NULL) {
			*bad = true;
			err_set(err, EINVAL, ERR_USAGE, "invalid filter \"%s\": want KEY=VALUE", f);
			return false;
		}
		size_t kl = (size_t)(eq - f);
		const char *v = eq + 1;
		bool m;
		if (strncmp(f, "status", kl) == 0 && kl == 6)
			m = strcmp(v, eng_ctr_status_name(c->state.status)) == 0;
		else if (strncmp(f, "name", kl) == 0 && kl == 4)
			m = strstr(c->name, v) != NULL;
		else if (strncmp(f, "id", kl) == 0 && kl == 2)
			m = strncmp(c->id, v, strlen(v)) == 0;
		else if (strncmp(f, "ancestor", kl) == 0 && kl == 8)
			m = strcmp(c->image_name, v) == 0 ||
			    strncmp(c->image_id, v, strlen(v)) == 0;
		else if (strncmp(f, "label", kl) == 0 && kl == 5) {
			struct json_object *labels = NULL, *lv = NULL;
			json_object_object_get_ex(c->doc, "Labels", &labels);
			const char *leq = strchr(v, '=');
			autofree char *key = leq ? xstrndup(v, (size_t)(leq - v)) : xstrdup(v);
			m = json_object_object_get_ex(labels, key, &lv) &&
			    (leq == NULL || strcmp(json_object_get_string(lv), leq + 1) == 0);
		} else {
			*bad = true;
			err_set(
			    err, EINVAL, ERR_USAGE,
			    "invalid filter \"%s\": hutch filters on status, name, id, label and "
			    "ancestor",
			    f);
			return false;
		}
		if (!m)
			return false;
	}
	return true;
}

int eng_ctr_query(struct eng *eng, const struct eng_ctr_query *q, struct eng_ctr ***out, size_t *n,
		  struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t nv = 0;
	if (eng_ctr_list_brief(eng, &v, &nv, err) < 0)
		return -1;
	/* A filter looks at every container, as podman's ps --filter does. */
	bool all = q->all || (q->filters != NULL && q->filters[0] != NULL);
	struct eng_ctr **pick = xcalloc(nv ? nv : 1, sizeof(*pick));
	size_t np = 0;
	bool bad = false;
	/* Newest first, as podman lists them. */
	for (size_t k = nv; k > 0 && !bad; k--) {
		struct eng_ctr *c = v[k - 1];
		if (!all && q->last <= 0 && c->state.status != ENG_CTR_RUNNING)
			continue;
		if (!ps_match(c, q->filters, err, &bad))
			continue;
		if (q->last > 0 && (long)np >= q->last)
			break;
		pick[np++] = c;
		v[k - 1] = NULL;
	}
	eng_ctr_list_free(v, nv);
	if (bad) {
		eng_ctr_list_free(pick, np);
		return -1;
	}
	*out = pick;
	*n = np;
	return 0;
}

int eng_system_df(struct eng *eng, struct eng_df *out, struct error **err)
{
	struct storage *s = eng->store;
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (storage_image_list(s, &imgs, &n, err) < 0)
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
	*out = (struct eng_df){
		.images = { .total = n, .active = active, .size = size, .reclaimable = reclaim },
		.containers = { .total = strv_len(ctrs) },
	};
	storage_image_list_free(imgs, n);
	return 0;
}

/* ---------- the facts a container's ps row shows ---------- */

void eng_ctr_port_bindings(const struct eng_ctr *c, struct net_port **out, size_t *n)
{
	ctr_ports_get(c, out, n);
}

char **eng_ctr_args(const struct eng_ctr *c)
{
	struct json_object *args = json_get(c->doc, "Args");
	size_t n = json_len(args);
	char **v = xcalloc(n + 1, sizeof(*v));
	/* Odd members as json-c has always turned them into text: null as "". */
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(json_object_get_string(json_object_array_get_idx(args, i)) ?: "");
	return v;
}

struct json_object *eng_ctr_labels(const struct eng_ctr *c)
{
	return json_get(c->doc, "Labels");
}

struct json_object *eng_pod_labels(const struct eng_pod *p)
{
	return json_get(p->doc, "Labels");
}
