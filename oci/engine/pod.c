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

int eng_pod_top(struct eng *eng, struct eng_pod *p, char *const *descriptors, char ***rows,
		struct error **err)
{
	*rows = NULL;
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		autostrv char **one = NULL;
		if (!running(v[i]))
			continue;
		rc = eng_ctr_top(v[i], descriptors, &one, err);
		/* The header once, from the first. */
		for (size_t k = *rows ? 1 : 0; rc == 0 && one && one[k]; k++)
			strv_push(rows, one[k]);
	}
	eng_ctr_list_free(v, n);
	if (rc == 0 && *rows == NULL)
		rc = err_set(err, EINVAL, ERR_TOOL, "no containers of pod %s are running", p->name);
	if (rc < 0) {
		strv_free(*rows);
		*rows = NULL;
	}
	return rc;
}

int eng_pod_remove(struct eng *eng, struct eng_pod *p, bool force, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	/* A running infra is no reason to refuse: podman removes it along. */
	for (size_t i = 0; i < n && !force && rc == 0; i++)
		if (running(v[i]) && strcmp(v[i]->id, p->infra_id) != 0)
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
	struct json_object *cmdline = json_get(p->doc, "CreateCommand");
	if (cmdline != NULL)
		json_object_object_add(doc, "CreateCommand", json_object_get(cmdline));
	json_object_object_add(doc, "Status", json_object_new_string(eng_pod_status(v, n)));
	json_object_object_add(doc, "Hostname",
			       json_object_new_string(json_str(p->doc, "Hostname") ?: ""));
	json_object_object_add(doc, "Labels", json_object_get(json_get(p->doc, "Labels")));
	json_object_object_add(doc, "InfraId", json_object_new_string(p->infra_id));
	json_object_object_add(doc, "Network",
			       json_object_new_string(json_str(p->doc, "NetworkMode") ?: ""));
	json_object_object_add(
	    doc, "ExitPolicy",
	    json_object_new_string(json_str(p->doc, "ExitPolicy") ?: "continue"));
	struct json_object *share = json_object_new_array();
	static const char *const ns[] = { "cgroup", "ipc", "net", "pid", "uts" };
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		if (eng_pod_shares(p, ns[i]))
			json_object_array_add(share, json_object_new_string(ns[i]));
	json_object_object_add(doc, "SharedNamespaces", share);
	struct json_object *ports = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, p->infra_id) == 0 && ports == NULL)
			ports = ctr_ports_json(v[i]->ports, v[i]->n_ports);
	json_object_object_add(doc, "Ports", ports ? ports : json_object_new_array());
	json_object_object_add(doc, "Containers", ctr_list_json(v, n));
	eng_ctr_list_free(v, n);
	return doc;
}
