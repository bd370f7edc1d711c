/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's end and what follows it: the monitor's exit command (record the exit,
 * delete the runtime state, then --rm or --restart), the same work for an end nobody
 * recorded (its monitor killed: "settling"), and the public lookups, wait and stop, which
 * settle what they find ended. The top of the engine's lifecycle: it calls start.c (for
 * restarts) and ops.c, and nothing below calls it; below it, ctr_find looks up and ctr_wait
 * and ctr_stop wait and stop without settling.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A pod with --exit-policy stop stops (its infra) once its last container has exited. */
static void pod_exit_policy(struct eng *eng, const struct eng_ctr *c)
{
	bool infra = false;
	const char *podid = eng_ctr_pod(c, &infra);
	struct eng_pod *p = podid && !infra ? ctr_pod_load(eng, podid) : NULL;
	const char *policy = p ? json_str(p->doc, "ExitPolicy") : NULL;
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (policy == NULL || strcmp(policy, "stop") != 0 ||
	    eng_pod_containers(eng, p, &v, &n, &e) < 0) {
		err_free(&e);
		eng_pod_free(&p);
		return;
	}
	struct eng_ctr *inf = NULL;
	bool others = false;
	for (size_t i = 0; i < n; i++) {
		ctr_state_load(eng, v[i]);
		bool runs =
		    v[i]->state.status == ENG_CTR_RUNNING || v[i]->state.status == ENG_CTR_PAUSED;
		if (strcmp(v[i]->id, p->infra_id) == 0)
			inf = runs ? v[i] : NULL;
		else
			others |= runs && strcmp(v[i]->id, c->id) != 0;
	}
	if (inf != NULL && !others && eng_ctr_stop(inf, -1, &e) < 0) {
		log_warn("stopping pod %s (its exit policy): %s", p->name, e->msg);
		err_free(&e);
	}
	eng_ctr_list_free(v, n);
	eng_pod_free(&p);
}

/*
 * Read the exit file into the record, drop the runtime state, then --rm or --restart: the
 * exit command's work (unlisted: its monitor took a --rm container out of the store
 * already), or (unsettled_only) a command's that finds the end of a container whose
 * monitor was killed unrecorded (its exit code then unknown, -1).
 */
/* The mark of a monitor that stopped its container for --health-on-failure restart. */
static bool health_restart(struct eng *eng, const char *id)
{
	struct error *e = NULL;
	autofree char *run = eng_ctr_run_dir(eng, id, &e);
	err_free(&e);
	autofree char *mark = run ? xasprintf("%s/%s", run, OCI_HEALTH_RESTART_FILE) : NULL;
	return mark != NULL && fs_exists(mark);
}

static int cleanup(struct eng *eng, const char *id, bool unlisted, bool unsettled_only,
		   struct error **err)
{
	struct storage *s = eng->store;
	/* Loaded by its ID, not looked up: a lookup settles, which is this. */
	struct eng_ctr *c =
	    ctr_is_id(id, 64) && strlen(id) == 64 ? ctr_load(eng, AT_FDCWD, id, false) : NULL;
	if (c == NULL && unsettled_only)
		return 0;
	if (c == NULL && !(ctr_is_id(id, 64) && strlen(id) == 64) &&
	    eng_ctr_lookup(eng, id, &c, err) < 0) {
		if (err == NULL || *err == NULL || (*err)->code != ENOENT)
			return -1;
		err_free(err);
	}
	if (c == NULL) {
		/* Our monitor unlisted it; otherwise it was removed meanwhile (rm -f), and a
		 * trash that made is that command's, unless it was killed (its lock is free). */
		ctr_net_detach(eng, id);
		return ctr_finish_unlisted(eng, id, unlisted, err);
	}
	int lk = ctr_lock(eng, c->id, err);
	if (lk < 0) {
		eng_ctr_free(&c);
		if (err == NULL || *err == NULL || (*err)->code != ENOENT)
			return -1;
		err_free(err); /* removed while we waited for its lock, as above */
		return ctr_finish_unlisted(eng, id, false, err);
	}
	ctr_state_load(eng, c);
	int rc = 0;
	bool restart = false;
	if (c->state.status == ENG_CTR_EXITED && (c->state.unsettled || !unsettled_only)) {
		/* An end nobody saw: when it was noticed, the best time there is. */
		if (c->state.finished_at == NULL)
			c->state.finished_at = ctr_now();
		struct eng_ctr_state st = c->state;
		bool by_user = ctr_stopped_by_user(eng, c->id);
		rc = ctr_state_write(eng, c->id, &st, "exited", by_user, err);
		const char *policy = c->restart_policy;
		int max = c->restart_max;
		autofree char *root = ctr_runtime_root(c->eng, err);
		struct error *e2 = NULL;
		if (root != NULL && oci_container_delete(root, c->id, true, &e2) < 0)
			err_free(&e2);
		/* Its networks: netavark's teardown; the last one out stops the namespace. */
		ctr_net_detach(eng, c->id);
		/* We run in the monitor's mount namespace, where the rootfs is still mounted:
		 * unmount it, or --rm could not remove the container's storage. */
		if (storage_rootfs_umount(s, c->id, &e2) < 0)
			err_free(&e2);
		if (c->auto_remove) {
			close(lk);
			lk = -1;
			rc = eng_ctr_remove(eng, c, true, err);
		} else if (!by_user && health_restart(eng, c->id)) {
			/* --health-on-failure restart: its monitor stopped it to be started again,
			 * whatever the restart policy (podman restarts it in place). */
			restart = rc == 0;
		} else if (!by_user && policy != NULL &&
			   (strcmp(policy, "always") == 0 ||
			    (strcmp(policy, "on-failure") == 0 && st.exit_code != 0 &&
			     (max == 0 || st.restart_count < max)))) {
			st.restart_count++;
			rc = ctr_state_write(eng, c->id, &st, "exited", false, err);
			restart = rc == 0;
		}
	}
	if (lk >= 0)
		close(lk);
	if (rc == 0 && !restart && !c->auto_remove)
		pod_exit_policy(eng, c);
	if (restart) {
		struct eng_ctr_start_opts so = { 0 };
		int status;
		bool detached;
		rc = eng_ctr_start(eng, c, &so, &status, &detached, err);
	}
	eng_ctr_free(&c);
	return rc;
}

void ctr_settle_keep(struct eng *eng, const struct eng_ctr *c)
{
	if (!c->state.unsettled)
		return;
	struct error *e = NULL;
	if (cleanup(eng, c->id, false, true, &e) < 0) {
		log_warn("recording the end of container %s: %s", c->name, e->msg);
		err_free(&e);
	}
}

void ctr_settle(struct eng *eng, struct eng_ctr **c)
{
	if (*c == NULL || !(*c)->state.unsettled)
		return;
	ctr_settle_keep(eng, *c);
	autofree char *id = xstrdup((*c)->id);
	eng_ctr_free(c);
	*c = ctr_load(eng, AT_FDCWD, id, false);
}

int eng_ctr_lookup(struct eng *eng, const char *name_or_id, struct eng_ctr **out,
		   struct error **err)
{
	if (ctr_find(eng, name_or_id, out, err) < 0)
		return -1;
	/* An end nobody recorded (its monitor killed) is recorded now, before anyone acts on
	 * it: --rm may remove it. */
	ctr_settle(eng, out);
	if (*out == NULL)
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no container with name or ID \"%s\" found: no such container",
			       name_or_id);
	return 0;
}

int eng_ctr_lookup_target(struct eng *eng, const char *name_or_id, bool listed,
			  struct eng_ctr **out, struct error **err)
{
	struct error *e = NULL;
	if (eng_ctr_lookup(eng, name_or_id, out, &e) == 0)
		return 0;
	/* Removed since it was listed: by its launcher, its --rm monitor or another command. */
	if (listed && e->code == ENOENT) {
		err_free(&e);
		return 0;
	}
	err_free(err);
	*err = e;
	return -1;
}

int eng_ctr_wait(struct eng_ctr *c, int *status, struct error **err)
{
	if (ctr_wait(c, status, err) < 0)
		return -1;
	ctr_settle_keep(c->eng, c);
	return 0;
}

int eng_ctr_stop(struct eng_ctr *c, long timeout, struct error **err)
{
	int rc = ctr_stop(c, timeout, err);
	/* Without its monitor, nobody else records the end. */
	if (rc > 0)
		ctr_settle_keep(c->eng, c);
	return rc < 0 ? -1 : 0;
}

int eng_ctr_restart(struct eng_ctr *c, long timeout, struct error **err)
{
	if (eng_ctr_stop(c, timeout, err) < 0)
		return -1;
	struct eng_ctr_start_opts so = { 0 };
	int status;
	bool detached;
	return eng_ctr_start(c->eng, c, &so, &status, &detached, err);
}

int eng_ctr_cleanup(struct eng *eng, const char *id, bool unlisted, struct error **err)
{
	return cleanup(eng, id, unlisted, false, err);
}

int eng_ctr_remove_stopped(struct eng *eng, struct eng_ctr *c, long timeout, struct error **err)
{
	ctr_state_load(eng, c);
	if ((c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED) &&
	    eng_ctr_stop(c, timeout, err) < 0)
		return -1;
	return eng_ctr_remove(eng, c, true, err);
}
