/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rm --depend, and rm --all reaching a pod's infra container: what depends on a container
 * goes before it, and an infra container goes with its whole pod, as podman's. Above
 * exit.c and pod.c, which it calls.
 */
#include "oci/engine/internal.h"

#include <string.h>

static void pod_freep(struct eng_pod **p)
{
	eng_pod_free(p);
}

/* The infra c goes with its pod: the members' IDs first, then c's. */
static int remove_pod_of(struct eng *eng, struct eng_ctr *c, const char *pod, bool force,
			 char ***removed, struct error **err)
{
	__attribute__((cleanup(pod_freep))) struct eng_pod *p = NULL;
	if (eng_pod_lookup(eng, pod, &p, err) < 0)
		return -1;
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_pod_containers(eng, p, &v, &n, err) < 0)
		return -1;
	autostrv char **members = NULL;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->id, c->id) != 0)
			strv_push(&members, v[i]->id);
	eng_ctr_list_free(v, n);
	if (eng_pod_remove(eng, p, force, err) < 0)
		return -1;
	for (size_t i = 0; members && members[i]; i++)
		strv_push(removed, members[i]);
	strv_push(removed, c->id);
	return 0;
}

/* At a depth: a cycle cannot be made (container: needs an existing target), but a damaged
 * store is no reason to loop. */
static int remove_depend(struct eng *eng, struct eng_ctr *c, bool force, int depth, char ***removed,
			 struct error **err)
{
	if (depth > 32)
		return err_msg(err, "removing the dependents of %s: they nest too deep", c->name);
	bool infra = false;
	const char *pod = eng_ctr_pod(c, &infra);
	if (infra)
		return remove_pod_of(eng, c, pod, force, removed, err);
	/* Depth first: a dependent's own dependents go before it. */
	autostrv char **deps = ctr_dependents(eng, c, true);
	for (size_t i = 0; deps && deps[i]; i++) {
		autoctr struct eng_ctr *d = NULL;
		if (eng_ctr_lookup_target(eng, deps[i], true, &d, err) < 0)
			return -1;
		if (d != NULL && remove_depend(eng, d, force, depth + 1, removed, err) < 0)
			return -1;
	}
	if (eng_ctr_remove(eng, c, force, err) < 0)
		return -1;
	strv_push(removed, c->id);
	return 0;
}

int eng_ctr_remove_depend(struct eng *eng, struct eng_ctr *c, bool force, char ***removed,
			  struct error **err)
{
	return remove_depend(eng, c, force, 0, removed, err);
}
