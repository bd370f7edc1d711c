/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman's system prune and system reset over the engine's pods, containers and volumes
 * and storage's images. Prune goes in podman's order (pods, containers, volumes, images:
 * each step frees what the next may remove); reset removes everything, running containers
 * killed first, and then the store and the runtime dir themselves.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_up(const struct eng_ctr *c)
{
	return c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED;
}

/* Pods none of whose containers run (with reset: all of them). */
static int prune_pods(struct eng *eng, bool all, char ***out, struct error **err)
{
	struct eng_pod **pods = NULL;
	size_t np = 0;
	if (eng_pod_list(eng, &pods, &np, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < np && rc == 0; i++) {
		struct eng_ctr **v = NULL;
		size_t n = 0;
		bool up = false;
		if (eng_pod_containers(eng, pods[i], &v, &n, err) < 0) {
			rc = -1;
			break;
		}
		for (size_t j = 0; j < n; j++)
			up = up || is_up(v[j]);
		eng_ctr_list_free(v, n);
		if (up && !all)
			continue;
		rc = eng_pod_remove(eng, pods[i], all, err);
		if (rc == 0)
			strv_push(out, pods[i]->id);
	}
	eng_pod_list_free(pods, np);
	return rc;
}

/* Containers that do not run (with reset: all), newest first: one that shares another's
 * network goes before it. A pod's infra goes only with its pod. */
static int prune_ctrs(struct eng *eng, bool all, char ***out, struct error **err)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	if (eng_ctr_list(eng, &v, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t k = n; k-- > 0 && rc == 0;) {
		bool infra = false;
		eng_ctr_pod(v[k], &infra);
		if (infra || (!all && is_up(v[k])))
			continue;
		rc = eng_ctr_remove(eng, v[k], all, err);
		if (rc < 0 && !all && (*err)->code == EBUSY) {
			err_free(err); /* running containers still share its network */
			rc = 0;
		} else if (rc == 0) {
			strv_push(out, v[k]->id);
		}
	}
	eng_ctr_list_free(v, n);
	if (rc == 0)
		eng_ctr_purge_trash(eng);
	return rc;
}

int eng_ctr_prune(struct eng *eng, char ***removed, struct error **err)
{
	*removed = NULL;
	return prune_ctrs(eng, false, removed, err);
}

static int64_t df_total(struct eng *eng)
{
	struct eng_df df;
	struct error *e = NULL;
	if (eng_system_df(eng, &df, &e) < 0) {
		err_free(&e);
		return 0;
	}
	return df.images.size + df.containers.size + df.volumes.size;
}

int eng_system_prune(struct eng *eng, bool all, bool volumes, struct eng_prune_report *r,
		     struct error **err)
{
	*r = (struct eng_prune_report){ 0 };
	r->pods = xcalloc(1, sizeof(char *));
	r->containers = xcalloc(1, sizeof(char *));
	int64_t before = df_total(eng);
	if (prune_pods(eng, false, &r->pods, err) < 0 ||
	    prune_ctrs(eng, false, &r->containers, err) < 0)
		return -1;
	if (volumes && (r->volumes = eng_vol_prune(eng, NULL, false, err)) == NULL)
		return -1;
	if (storage_prune(eng->store, all, &r->images, err) < 0)
		return -1;
	int64_t after = df_total(eng);
	r->reclaimed = before > after ? before - after : 0;
	return 0;
}

void eng_prune_report_clear(struct eng_prune_report *r)
{
	strv_free(r->pods);
	strv_free(r->containers);
	strv_free(r->volumes);
	strv_free(r->images);
	*r = (struct eng_prune_report){ 0 };
}

int eng_system_reset(struct eng *eng, struct error **err)
{
	autostrv char **pods = xcalloc(1, sizeof(char *));
	autostrv char **ctrs = xcalloc(1, sizeof(char *));
	if (prune_pods(eng, true, &pods, err) < 0 || prune_ctrs(eng, true, &ctrs, err) < 0)
		return -1;
	/* Volumes and images go with the store; what runs is gone, so nothing holds them. */
	struct error *e = NULL;
	autofree char *rt = eng_ctr_run_dir(eng, "", &e);
	err_free(&e);
	if (rt != NULL)
		rt[strlen(rt) - strlen("/containers/")] = '\0';
	if (storage_reset(eng->store, rt, err) < 0)
		return err_wrap(err, "resetting the store");
	return 0;
}
