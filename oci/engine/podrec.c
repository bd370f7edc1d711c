/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pod records: $store/pods/ID/pod.json read, listed and looked up, and what a pod shares.
 * Nothing here starts or stops containers, so that starting a member (join.c) can read
 * its pod without depending on pod.c, which starts them.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

char *ctr_pod_dir(struct eng *eng, const char *id)
{
	struct storage *s = eng->store;
	return xasprintf("%s/pods/%s", storage_root(s), id);
}

void eng_pod_free(struct eng_pod **p)
{
	if (p == NULL || *p == NULL)
		return;
	free((*p)->id);
	free((*p)->name);
	free((*p)->created);
	free((*p)->infra_id);
	json_object_put((*p)->doc);
	free(*p);
	*p = NULL;
}

void eng_pod_list_free(struct eng_pod **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		eng_pod_free(&v[i]);
	free(v);
}

struct eng_pod *ctr_pod_load(struct eng *eng, const char *id)
{
	autofree char *dir = ctr_pod_dir(eng, id);
	autofree char *path = xasprintf("%s/pod.json", dir);
	struct json_object *doc = json_object_from_file(path);
	if (doc == NULL || json_str(doc, "Name") == NULL || json_str(doc, "InfraId") == NULL) {
		json_object_put(doc);
		return NULL;
	}
	struct eng_pod *p = xzalloc(sizeof(*p));
	p->doc = doc;
	p->id = xstrdup(id);
	p->name = xstrdup(json_str(doc, "Name"));
	p->infra_id = xstrdup(json_str(doc, "InfraId"));
	p->created = xstrdup(json_str(doc, "Created") ?: "");
	return p;
}

bool eng_pod_shares(const struct eng_pod *p, const char *ns)
{
	struct json_object *share = json_get_type(p->doc, "Share", json_type_array);
	/* Pods of earlier versions shared these three. */
	if (share == NULL)
		return strcmp(ns, "uts") == 0 || strcmp(ns, "ipc") == 0 || strcmp(ns, "net") == 0;
	for (size_t i = 0; i < json_len(share); i++) {
		const char *s = json_object_get_string(json_idx(share, i));
		if (s != NULL && strcmp(s, ns) == 0)
			return true;
	}
	return false;
}

static int cmp_created(const void *a, const void *b)
{
	const struct eng_pod *x = *(struct eng_pod *const *)a, *y = *(struct eng_pod *const *)b;
	return strcmp(x->created, y->created);
}

int eng_pod_list(struct eng *eng, struct eng_pod ***out, size_t *n, struct error **err)
{
	struct storage *s = eng->store;
	*out = NULL;
	*n = 0;
	autofree char *dir = xasprintf("%s/pods", storage_root(s));
	autoclosedir DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", dir);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		struct eng_pod *p = strlen(de->d_name) == 64 ? ctr_pod_load(eng, de->d_name) : NULL;
		if (p == NULL)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = p;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_created);
	return 0;
}

int eng_pod_lookup(struct eng *eng, const char *name_or_id, struct eng_pod **out,
		   struct error **err)
{
	*out = NULL;
	struct eng_pod **v = NULL;
	size_t n = 0, prefix_hits = 0, len = strlen(name_or_id);
	if (eng_pod_list(eng, &v, &n, err) < 0)
		return -1;
	struct eng_pod *hit = NULL;
	for (size_t i = 0; i < n && hit == NULL; i++)
		if (strcmp(v[i]->name, name_or_id) == 0 || strcmp(v[i]->id, name_or_id) == 0)
			hit = v[i];
	for (size_t i = 0; hit == NULL && len > 0 && i < n; i++)
		if (strncmp(v[i]->id, name_or_id, len) == 0)
			prefix_hits++;
	if (hit == NULL && prefix_hits == 1)
		for (size_t i = 0; i < n; i++)
			if (strncmp(v[i]->id, name_or_id, len) == 0)
				hit = v[i];
	int rc = 0;
	if (prefix_hits > 1)
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "more than one result for pod \"%s\": use a longer ID", name_or_id);
	else if (hit == NULL)
		rc = err_set(err, ENOENT, ERR_NOSUCH,
			     "no pod with name or ID \"%s\" found: no such pod", name_or_id);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == hit && rc == 0)
			*out = v[i];
		else
			eng_pod_free(&v[i]);
	}
	free(v);
	return rc;
}

int eng_pod_containers(struct eng *eng, const struct eng_pod *p, struct eng_ctr ***out, size_t *n,
		       struct error **err)
{
	*out = NULL;
	*n = 0;
	struct eng_ctr **v = NULL;
	size_t len = 0;
	/* The brief records name the pod; only the members' full records are read. */
	if (eng_ctr_list_brief(eng, &v, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *pod = eng_ctr_pod(v[i], NULL);
		struct eng_ctr *c = pod != NULL && strcmp(pod, p->id) == 0
					? ctr_load(eng, AT_FDCWD, v[i]->id, false)
					: NULL;
		eng_ctr_free(&v[i]);
		if (c == NULL)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = c;
		/* The infra first: it starts first and stops last. */
		if (strcmp(c->id, p->infra_id) == 0 && *n > 1) {
			struct eng_ctr *t = (*out)[0];
			(*out)[0] = (*out)[*n - 1];
			(*out)[*n - 1] = t;
		}
	}
	free(v);
	return 0;
}
