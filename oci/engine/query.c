/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queries over the store for every front end alike: which containers `ps` shows (its
 * --all, --last, --filter and --sort rules; start's --filter) and what `system df` counts.
 * Filters are checked before any container is looked at, as podman does.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The filter keys, and whether each value of a key is one podman takes. */
static const char *const filter_keys[] = { "status",	     "name",	 "id",
					   "label",	     "ancestor", "exited",
					   "restart-policy", "health",	 NULL };
static const char *const statuses[] = { "created", "running", "paused", "exited", "stopped", NULL };
static const char *const policies[] = {
	"none", "no", "always", "on-failure", "unless-stopped", NULL
};

static bool in_list(const char *const *v, const char *s)
{
	for (size_t i = 0; v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

int eng_ctr_filters_check(char *const *filters, struct error **err)
{
	for (size_t i = 0; filters && filters[i]; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');
		if (eq == NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "invalid filter \"%s\": want KEY=VALUE", f);
		autofree char *key = xstrndup(f, (size_t)(eq - f));
		const char *v = eq + 1;
		if (!in_list(filter_keys, key))
			return err_set(err, EINVAL, ERR_TOOL,
				       "invalid filter \"%s\": hutch filters on status, name, id, "
				       "label, ancestor, exited, restart-policy and health",
				       f);
		if (strcmp(key, "status") == 0 && !in_list(statuses, v))
			return err_set(err, EINVAL, ERR_TOOL, "unknown container state: %s", v);
		char *end = NULL;
		long code = strtol(v, &end, 10);
		if (strcmp(key, "exited") == 0 &&
		    (end == v || *end != '\0' || code < INT32_MIN || code > INT32_MAX))
			return err_set(err, EINVAL, ERR_TOOL, "exited code out of range \"%s\"", v);
		/* podman's words, the value first */
		if (strcmp(key, "restart-policy") == 0 && !in_list(policies, v))
			return err_set(err, EINVAL, ERR_TOOL, "%s invalid restart policy", v);
	}
	return 0;
}

/* The restart policy of c, also for a brief record, which lacks it (owned). */
static char *restart_policy(struct eng_ctr *c)
{
	if (json_get(c->doc, "Restart") != NULL)
		return xstrdup(c->restart_policy);
	autoctr struct eng_ctr *full = ctr_load(c->eng, AT_FDCWD, c->id, false);
	return xstrdup(full && full->restart_policy ? full->restart_policy : "no");
}

/* Whether c passes filter f (checked: KEY=VALUE with a known key). */
static bool filter_match(struct eng_ctr *c, const char *key, const char *v)
{
	if (strcmp(key, "status") == 0) {
		/* podman's "stopped" is its exited */
		const char *want = strcmp(v, "stopped") == 0 ? "exited" : v;
		return strcmp(want, eng_ctr_status_name(c->state.status)) == 0;
	}
	if (strcmp(key, "name") == 0)
		return strstr(c->name, v) != NULL;
	if (strcmp(key, "id") == 0)
		return strncmp(c->id, v, strlen(v)) == 0;
	if (strcmp(key, "ancestor") == 0)
		return strcmp(c->image_name, v) == 0 || strncmp(c->image_id, v, strlen(v)) == 0;
	if (strcmp(key, "exited") == 0)
		return c->state.status == ENG_CTR_EXITED && c->state.exit_code == atoi(v);
	if (strcmp(key, "health") == 0) {
		/* healthy, unhealthy or starting; a container without a healthcheck: none */
		autofree char *h = eng_ctr_health_status(c);
		return h != NULL && strcmp(h, v) == 0;
	}
	if (strcmp(key, "restart-policy") == 0) {
		/* hutch records no policy as "no": both of podman's names match it */
		autofree char *p = restart_policy(c);
		const char *want = strcmp(v, "none") == 0 ? "no" : v;
		if (strcmp(want, "unless-stopped") == 0)
			want = "always"; /* recorded so (see create.c) */
		return strcmp(p, want) == 0;
	}
	struct json_object *labels = NULL, *lv = NULL;
	json_object_object_get_ex(c->doc, "Labels", &labels);
	const char *leq = strchr(v, '=');
	autofree char *lkey = leq ? xstrndup(v, (size_t)(leq - v)) : xstrdup(v);
	return json_object_object_get_ex(labels, lkey, &lv) &&
	       (leq == NULL || strcmp(json_object_get_string(lv), leq + 1) == 0);
}

bool eng_ctr_matches(struct eng_ctr *c, char *const *filters)
{
	/* podman's rule: the values of one key are alternatives, the keys all apply. */
	for (size_t i = 0; filters && filters[i]; i++) {
		size_t kl = strcspn(filters[i], "=");
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strncmp(filters[j], filters[i], kl + 1) == 0;
		if (seen)
			continue;
		autofree char *key = xstrndup(filters[i], kl);
		bool any = false;
		for (size_t j = i; filters[j] && !any; j++)
			any = strncmp(filters[j], filters[i], kl + 1) == 0 &&
			      filter_match(c, key, filters[j] + kl + 1);
		if (!any)
			return false;
	}
	return true;
}

/* --sort: podman's keys; each compares two records, a tie kept in creation order. */
static const char *const sort_keys[] = { "command",    "created", "id",	    "image", "names",
					 "runningfor", "size",	  "status", NULL };

static char *args_text(const struct eng_ctr *c)
{
	autostrv char **a = eng_ctr_args(c);
	char *t = xstrdup("");
	for (size_t i = 0; a[i]; i++) {
		char *next = xasprintf("%s%s%s", t, i ? " " : "", a[i]);
		free(t);
		t = next;
	}
	return t;
}

static int sort_cmp(const char *key, struct eng_ctr *x, struct eng_ctr *y)
{
	if (strcmp(key, "names") == 0)
		return strcmp(x->name, y->name);
	if (strcmp(key, "id") == 0)
		return strcmp(x->id, y->id);
	if (strcmp(key, "image") == 0)
		return strcmp(x->image_name, y->image_name);
	if (strcmp(key, "status") == 0)
		return strcmp(eng_ctr_status_name(x->state.status),
			      eng_ctr_status_name(y->state.status));
	if (strcmp(key, "command") == 0) {
		autofree char *a = args_text(x), *b = args_text(y);
		return strcmp(a, b);
	}
	/* created: oldest first; runningfor: the longest running (the oldest) first too */
	return strcmp(x->created, y->created);
}

/* A stable insertion sort: ps lists tens of containers, not millions. */
static void sort_rows(struct eng_ctr **v, size_t n, const char *key)
{
	for (size_t i = 1; i < n; i++) {
		struct eng_ctr *c = v[i];
		size_t j = i;
		for (; j > 0 && sort_cmp(key, v[j - 1], c) > 0; j--)
			v[j] = v[j - 1];
		v[j] = c;
	}
}

int eng_ctr_query(struct eng *eng, const struct eng_ctr_query *q, struct eng_ctr ***out, size_t *n,
		  struct error **err)
{
	if (eng_ctr_filters_check(q->filters, err) < 0)
		return -1;
	if (q->sort != NULL && !in_list(sort_keys, q->sort))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid argument \"%s\" for \"--sort\" flag: \"%s\" is not a valid "
			       "value.  Choose from: \"command, created, id, image, names, "
			       "runningfor, size, status\"",
			       q->sort, q->sort);
	struct eng_ctr **v = NULL;
	size_t nv = 0;
	if (eng_ctr_list_brief(eng, &v, &nv, err) < 0)
		return -1;
	/* A status filter looks at every container, as podman's ps --filter status= does;
	 * the other filters only narrow what would be shown. */
	bool all = q->all;
	for (size_t i = 0; q->filters && q->filters[i]; i++)
		all = all || strncmp(q->filters[i], "status=", 7) == 0;
	struct eng_ctr **pick = xcalloc(nv ? nv : 1, sizeof(*pick));
	size_t np = 0;
	/* Newest first, as hutch lists them. */
	for (size_t k = nv; k > 0; k--) {
		struct eng_ctr *c = v[k - 1];
		if (!all && q->last <= 0 && c->state.status != ENG_CTR_RUNNING)
			continue;
		if (!eng_ctr_matches(c, q->filters))
			continue;
		if (q->last > 0 && (long)np >= q->last)
			break;
		pick[np++] = c;
		v[k - 1] = NULL;
	}
	eng_ctr_list_free(v, nv);
	if (q->sort != NULL) {
		/* From oldest to newest, so that ties stay in creation order. */
		for (size_t i = 0; i < np / 2; i++) {
			struct eng_ctr *t = pick[i];
			pick[i] = pick[np - 1 - i];
			pick[np - 1 - i] = t;
		}
		sort_rows(pick, np, q->sort);
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

char **eng_ctr_cmd(const struct eng_ctr *c)
{
	struct json_object *cmd = json_get(c->doc, "Cmd");
	if (cmd == NULL)
		return eng_ctr_args(c);
	size_t n = json_len(cmd);
	char **v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(json_object_get_string(json_object_array_get_idx(cmd, i)) ?: "");
	return v;
}

struct json_object *eng_ctr_mounts(const struct eng_ctr *c)
{
	return json_get(c->doc, "Mounts");
}

struct json_object *eng_ctr_labels(const struct eng_ctr *c)
{
	return json_get(c->doc, "Labels");
}

struct json_object *eng_pod_labels(const struct eng_pod *p)
{
	return json_get(p->doc, "Labels");
}
