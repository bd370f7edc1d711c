/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pods: $store/pods/ID/pod.json (Id, Name, Created, InfraId, Hostname, NetworkMode, Labels)
 * and an infra container, an ordinary container record without an image whose process is
 * `hutch-init --pause`. The infra holds the pod's network (started and published exactly
 * as a container's), UTS and IPC namespaces; members record "Pod" and the network mode
 * container:INFRA_ID, so starting them is the --network container: path. A pod exists once
 * pod.json does; creation is serialised by pods.lock (creating one is create.c's).
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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

static bool running(const struct eng_ctr *c)
{
	return c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED;
}

int eng_pod_start(struct eng *eng, struct eng_pod *p, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	struct eng_ctr_start_opts so = { 0 };
	for (size_t i = 0; i < n && rc == 0; i++) {
		int status;
		bool detached;
		ctr_state_load(eng, v[i]);
		if (!running(v[i]))
			rc = eng_ctr_start(eng, v[i], &so, &status, &detached, err);
	}
	eng_ctr_list_free(v, n);
	return rc < 0 ? err_wrap(err, "starting pod %s", p->name) : 0;
}

int eng_pod_stop(struct eng *eng, struct eng_pod *p, long timeout, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	/* Backwards: the members first, the infra (index 0) last. */
	for (size_t i = n; i-- > 0 && rc == 0;)
		rc = eng_ctr_stop(v[i], timeout, err);
	eng_ctr_list_free(v, n);
	return rc < 0 ? err_wrap(err, "stopping pod %s", p->name) : 0;
}

int eng_pod_kill(struct eng *eng, struct eng_pod *p, int sig, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	size_t sent = 0;
	/* The members first, the infra (index 0) last, as stop. */
	for (size_t i = n; i-- > 0 && rc == 0;)
		if (running(v[i])) {
			rc = eng_ctr_kill(v[i], sig, err);
			sent++;
		}
	eng_ctr_list_free(v, n);
	if (rc == 0 && sent == 0)
		rc = err_set(err, EINVAL, ERR_TOOL, "no running containers in pod %s", p->name);
	return rc < 0 ? err_wrap(err, "killing pod %s", p->name) : 0;
}

int eng_pod_remove(struct eng *eng, struct eng_pod *p, bool force, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && !force && rc == 0; i++)
		if (running(v[i]))
			rc = err_set(err, EBUSY, ERR_TOOL,
				     "pod %s has running containers (%s): stop the pod or use "
				     "--force",
				     p->name, v[i]->name);
	for (size_t i = n; i-- > 0 && rc == 0;)
		rc = ctr_remove(eng, v[i], true, err);
	eng_ctr_list_free(v, n);
	autofree char *dir = ctr_pod_dir(eng, p->id);
	if (rc == 0)
		rc = fs_rm_rf(dir, err);
	return rc < 0 ? err_wrap(err, "removing pod %s", p->name) : 0;
}

const char *eng_pod_status(struct eng_ctr *const *v, size_t n)
{
	size_t run = 0, started = 0;
	for (size_t i = 0; i < n; i++) {
		run += running(v[i]);
		started += v[i]->state.status != ENG_CTR_CREATED;
	}
	if (started == 0)
		return "Created";
	if (run == n)
		return "Running";
	return run > 0 ? "Degraded" : "Exited";
}

/* The containers as `pod inspect` lists them: Id, Name, State. */
static struct json_object *ctr_list_json(struct eng_ctr **v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "Id", json_object_new_string(v[i]->id));
		json_object_object_add(o, "Name", json_object_new_string(v[i]->name));
		json_object_object_add(
		    o, "State", json_object_new_string(eng_ctr_status_name(v[i]->state.status)));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *eng_pod_inspect(struct eng *eng, struct eng_pod *p)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (eng_pod_containers(eng, p, &v, &n, &e) < 0)
		err_free(&e);
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "Id", json_object_new_string(p->id));
	json_object_object_add(doc, "Name", json_object_new_string(p->name));
	json_object_object_add(doc, "Created", json_object_new_string(p->created));
	json_object_object_add(doc, "Status", json_object_new_string(eng_pod_status(v, n)));
	json_object_object_add(doc, "Hostname",
			       json_object_new_string(json_str(p->doc, "Hostname") ?: ""));
	json_object_object_add(doc, "Labels", json_object_get(json_get(p->doc, "Labels")));
	json_object_object_add(doc, "InfraId", json_object_new_string(p->infra_id));
	json_object_object_add(doc, "Network",
			       json_object_new_string(json_str(p->doc, "NetworkMode") ?: ""));
	struct json_object *ports = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, p->infra_id) == 0 && ports == NULL)
			ports = ctr_ports_json(v[i]->ports, v[i]->n_ports);
	json_object_object_add(doc, "Ports", ports ? ports : json_object_new_array());
	json_object_object_add(doc, "Containers", ctr_list_json(v, n));
	eng_ctr_list_free(v, n);
	return doc;
}
