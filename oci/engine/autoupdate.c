/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auto-update (engine.h), podman's rules: running containers labelled with a policy, in
 * systemd units named by their PODMAN_SYSTEMD_UNIT label. registry: the registry's manifest
 * digest for the image's name against the image's, and a pull when they differ; local: the
 * image now named so against the container's. A unit with an update is restarted through
 * `systemctl --user` (no D-Bus library: the program speaks to the manager for us); one that
 * does not run afterwards gets its old images tagged back and another restart (rollback).
 * Nothing here holds a lock while systemd runs the unit's own hutch commands.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The policy a label value names: "registry" (also its older alias "image"), "local",
 * "disabled" (also ""); NULL for any other. */
static const char *policy_of(const char *v)
{
	if (strcmp(v, "registry") == 0 || strcmp(v, "image") == 0)
		return "registry";
	if (strcmp(v, "local") == 0)
		return "local";
	if (*v == '\0' || strcmp(v, "disabled") == 0)
		return "disabled";
	return NULL;
}

/* Whether image names a registry (a domain before the first '/'): an ID or a short name
 * does not say which registry to ask. */
static bool is_qualified(const char *image)
{
	struct storage_ref r;
	struct error *e = NULL;
	if (storage_ref_parse(image, &r, &e) < 0) {
		err_free(&e);
		return false;
	}
	bool q = r.domain != NULL;
	storage_ref_clear(&r);
	return q;
}

int ctr_autoupdate_check(const char *image, char *const *labels, struct error **err)
{
	static const char key[] = ENG_AUTOUPDATE_LABEL "=";
	const char *value = NULL;
	for (size_t i = 0; labels && labels[i]; i++)
		if (strncmp(labels[i], key, sizeof(key) - 1) == 0)
			value =
			    labels[i] + sizeof(key) - 1; /* the last one wins, as in the record */
	const char *policy = value ? policy_of(value) : NULL;
	if (policy == NULL || strcmp(policy, "registry") != 0 || is_qualified(image))
		return 0;
	return err_set(err, EINVAL, ERR_TOOL,
		       "short name: auto updates require fully-qualified image reference: \"%s\"",
		       image);
}

/* ---------- the containers to update ---------- */

/* One container with a policy, and what became of it. */
struct task {
	char *id, *name, *image_id, *image_name, *unit, *authfile;
	const char *policy;  /* "registry" or "local" */
	const char *updated; /* the report's: "failed" until decided */
};

static void task_clear(struct task *t)
{
	free(t->id), free(t->name), free(t->image_id), free(t->image_name);
	free(t->unit), free(t->authfile);
}

/* The gathered failures: podman goes on with the other containers and units after one. */
struct failures {
	char *msgs;
	size_t n;
};

static void fail_add(struct failures *f, struct error **e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_add(struct failures *f, struct error **e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	autofree char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	autofree char *one =
	    xasprintf("%s%s%s", ctx, e && *ctx ? ": " : "", e && *e ? (*e)->msg : "");
	str_printable(one);
	char *m = xasprintf("%s\n\t* %s", f->msgs ? f->msgs : "", one);
	free(f->msgs);
	f->msgs = m;
	f->n++;
	if (e)
		err_free(e);
}

/* The label's value of a record's labels object (borrowed), or NULL. */
static const char *label(struct json_object *labels, const char *key)
{
	struct json_object *v = NULL;
	if (labels == NULL || !json_object_object_get_ex(labels, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* The unit of c: its label, or a pod member's infra's, as podman restarts a pod's unit. */
static char *unit_of(struct eng *eng, struct eng_ctr *c, struct json_object *labels,
		     struct error **err)
{
	if (c->pod == NULL || *c->pod == '\0' || c->infra) {
		const char *u = label(labels, ENG_SYSTEMD_UNIT_LABEL);
		return u ? xstrdup(u) : NULL;
	}
	struct eng_pod *p = NULL;
	struct eng_ctr *infra = NULL;
	char *u = NULL;
	if (eng_pod_lookup(eng, c->pod, &p, err) == 0 &&
	    eng_ctr_lookup(eng, p->infra_id, &infra, err) == 0) {
		const char *v = label(eng_ctr_labels(infra), ENG_SYSTEMD_UNIT_LABEL);
		u = v ? xstrdup(v) : NULL;
	} else {
		err_wrap(err, "looking up pod's systemd unit");
	}
	eng_ctr_free(&infra);
	eng_pod_free(&p);
	return u;
}

/* The task of a running container with the policy label; false to skip it (disabled, or
 * a failure added to f). */
static bool task_of(struct eng *eng, struct eng_ctr *c, const struct eng_autoupdate_opts *o,
		    struct failures *f, struct task *t)
{
	struct json_object *labels = eng_ctr_labels(c);
	const char *value = label(labels, ENG_AUTOUPDATE_LABEL);
	const char *policy = value ? policy_of(value) : NULL;
	if (value == NULL)
		return false;
	if (policy == NULL) {
		fail_add(f, NULL,
			 "invalid auto-update policy \"%s\": valid policies are [\"disabled\" "
			 "\"image\" \"local\" \"registry\"]",
			 value);
		return false;
	}
	if (strcmp(policy, "disabled") == 0)
		return false;
	struct error *e = NULL;
	autofree char *unit = unit_of(eng, c, labels, &e);
	if (e != NULL) {
		fail_add(f, &e, "%s", "");
		return false;
	}
	if (unit == NULL) {
		fail_add(f, NULL, "auto-updating container \"%s\": no %s label found", c->id,
			 ENG_SYSTEMD_UNIT_LABEL);
		return false;
	}
	if (c->image_name == NULL || *c->image_name == '\0') {
		fail_add(f, NULL, "locally auto-updating container \"%s\": raw-image name is empty",
			 c->id);
		return false;
	}
	const char *af = label(labels, ENG_AUTOUPDATE_AUTHFILE_LABEL);
	*t = (struct task){ .id = xstrdup(c->id),
			    .name = xstrdup(c->name),
			    .image_id = xstrdup(c->image_id),
			    .image_name = xstrdup(c->image_name),
			    .unit = steal_ptr(&unit),
			    .authfile = af	      ? xstrdup(af)
					: o->authfile ? xstrdup(o->authfile)
						      : NULL,
			    .policy = policy,
			    .updated = "failed" };
	return true;
}

static int by_unit(const void *a, const void *b)
{
	const struct task *x = a, *y = b;
	int d = strcmp(x->unit, y->unit);
	return d ? d : strcmp(x->name, y->name);
}

/* The running containers with a policy, by unit (then name): podman's tasks. */
static int gather(struct eng *eng, const struct eng_autoupdate_opts *o, struct failures *f,
		  struct task **tasks, size_t *n, struct error **err)
{
	char *filters[] = { "label=" ENG_AUTOUPDATE_LABEL, NULL };
	struct eng_ctr **v = NULL;
	size_t nv = 0;
	if (eng_ctr_query(eng, &(struct eng_ctr_query){ .filters = filters }, &v, &nv, err) < 0)
		return -1;
	*tasks = xcalloc(nv + 1, sizeof(**tasks));
	*n = 0;
	for (size_t i = 0; i < nv; i++)
		if (v[i]->state.status == ENG_CTR_RUNNING &&
		    task_of(eng, v[i], o, f, &(*tasks)[*n]))
			(*n)++;
	eng_ctr_list_free(v, nv);
	qsort(*tasks, *n, sizeof(**tasks), by_unit);
	return 0;
}

/* ---------- checking, pulling, restarting ---------- */

/* What the run shares: the options, the store and the names pulled already (a newer image
 * for two containers is pulled once). */
struct run {
	struct eng *eng;
	const struct eng_autoupdate_opts *o;
	char **pulled;
	struct failures f;
};

static struct storage_pull_opts pull_opts(const struct run *r, const struct task *t)
{
	return (struct storage_pull_opts){ .authfile = t->authfile,
					   .tls_verify = r->o->tls_verify,
					   .progress = r->o->progress };
}

/* registry: whether the registry's manifest for the name differs from the image's (its
 * manifest digest or one of its repo digests). */
static int registry_newer(struct run *r, const struct task *t, bool *newer, struct error **err)
{
	if (strv_contains(r->pulled, t->image_name)) {
		*newer = true;
		return 0;
	}
	struct storage_pull_opts po = pull_opts(r, t);
	autofree char *remote = NULL;
	autoimage struct storage_image *img = NULL;
	if (storage_remote_digest(t->image_name, &po, &remote, err) < 0 ||
	    storage_image_lookup_record(eng_storage(r->eng), t->image_id, &img, err) < 0)
		return -1;
	*newer = img->manifest_digest == NULL || strcmp(img->manifest_digest, remote) != 0;
	for (size_t i = 0; *newer && img->digests && img->digests[i]; i++) {
		const char *at = strrchr(img->digests[i], '@');
		*newer = at == NULL || strcmp(at + 1, remote) != 0;
	}
	return 0;
}

/* local: whether the name now names another image than the container's. */
static int local_newer(struct run *r, const struct task *t, bool *newer, struct error **err)
{
	autoimage struct storage_image *img = NULL;
	if (storage_image_lookup_record(eng_storage(r->eng), t->image_name, &img, err) < 0)
		return -1;
	*newer = strcmp(img->id, t->image_id) != 0;
	return 0;
}

/* registry: pull the name (once per run); local: the image is there already. */
static int update_image(struct run *r, const struct task *t, struct error **err)
{
	if (strcmp(t->policy, "registry") != 0 || strv_contains(r->pulled, t->image_name))
		return 0;
	struct storage_pull_opts po = pull_opts(r, t);
	autofree char *id = NULL;
	if (storage_pull(eng_storage(r->eng), t->image_name, &po, &id, err) < 0)
		return -1;
	strv_push(&r->pulled, t->image_name);
	return 0;
}

/* systemctl's complaint, as podman's D-Bus error reads: "Unit x.service not found." */
static int systemctl_error(const char *unit, const char *out, struct error **err)
{
	autofree char *prefix = xasprintf("Failed to restart %s: ", unit);
	const char *p = strstr(out, prefix);
	if (p != NULL) {
		p += strlen(prefix);
		return err_msg(err, "%.*s", (int)strcspn(p, "\n"), p);
	}
	/* A job that ran and failed ("Job for x.service failed because ..."). */
	if (strncmp(out, "Job for ", 8) == 0)
		return err_msg(
		    err,
		    "error restarting systemd unit \"%s\" expected \"done\" but received "
		    "\"failed\"",
		    unit);
	return err_msg(err, "systemctl --user restart %s: %.*s", unit, (int)strcspn(out, "\n"),
		       out);
}

/* Whether a container labelled with unit runs. */
static bool unit_has_running(struct eng *eng, const char *unit)
{
	autofree char *f = xasprintf("label=%s=%s", ENG_SYSTEMD_UNIT_LABEL, unit);
	char *filters[] = { f, NULL };
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (eng_ctr_query(eng, &(struct eng_ctr_query){ .filters = filters }, &v, &n, &e) < 0) {
		err_free(&e);
		return false;
	}
	eng_ctr_list_free(v, n);
	return n > 0;
}

/* How long a restarted unit must keep running to count as up: a container whose command
 * fails at once has ended by then, even with --sdnotify=conmon (ready once it runs). */
#define SETTLE_MS 1500
#define SETTLE_STEP_MS 100

/*
 * Restart unit by the systemctl program (the user manager's D-Bus API without a D-Bus
 * library), which waits for the job as podman does; then the unit must stay active, with a
 * container of its own running, for SETTLE_MS.
 */
static int restart_unit(struct eng *eng, const char *unit, struct error **err)
{
	char *argv[] = { "systemctl", "--user", "restart", "--", (char *)unit, NULL };
	autofree char *out = NULL;
	int status = 0;
	if (proc_capture(argv, &out, &status, err) < 0)
		return -1;
	if (status != 0)
		return systemctl_error(unit, out, err);
	for (int waited = 0; waited <= SETTLE_MS; waited += SETTLE_STEP_MS) {
		char *q[] = { "systemctl", "--user",	 "is-active", "--quiet",
			      "--",	   (char *)unit, NULL };
		autofree char *qout = NULL;
		if (proc_capture(q, &qout, &status, err) < 0)
			return -1;
		if (status != 0)
			return err_msg(err, "systemd unit \"%s\" is not active after its restart",
				       unit);
		nanosleep(&(struct timespec){ 0, SETTLE_STEP_MS * 1000000L }, NULL);
	}
	if (!unit_has_running(eng, unit))
		return err_msg(err, "no container of systemd unit \"%s\" runs after its restart",
			       unit);
	return 0;
}

/* Check and update each task of one unit; true when one has a new image to restart on. */
static bool update_tasks(struct run *r, struct task *t, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		struct error *e = NULL;
		bool newer = false;
		int rc = strcmp(t[i].policy, "registry") == 0 ? registry_newer(r, &t[i], &newer, &e)
							      : local_newer(r, &t[i], &newer, &e);
		if (rc < 0) {
			fail_add(&r->f, &e, "checking image updates for container %s", t[i].id);
			continue;
		}
		t[i].updated = !newer ? "false" : r->o->dry_run ? "pending" : t[i].updated;
		if (!newer || r->o->dry_run)
			continue;
		if (update_image(r, &t[i], &e) < 0) {
			fail_add(&r->f, &e, "updating image for container %s", t[i].id);
			continue;
		}
		any = true;
	}
	return any;
}

/* Take s out of the vector v (a name rolled back is no longer the newer image). */
static void forget(char **v, const char *s)
{
	size_t k = 0;
	for (size_t i = 0; v && v[i]; i++) {
		if (strcmp(v[i], s) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	if (v)
		v[k] = NULL;
}

/* podman's updateUnit: the tasks of one unit, the restart, and the rollback. */
static void update_unit(struct run *r, struct task *t, size_t n)
{
	const char *unit = t[0].unit;
	if (!update_tasks(r, t, n))
		return;
	struct error *e = NULL;
	int rc = restart_unit(r->eng, unit, &e);
	for (size_t i = 0; i < n; i++)
		t[i].updated = rc == 0 ? "true" : "failed";
	if (rc == 0)
		return;
	if (!r->o->rollback) {
		fail_add(&r->f, &e, "restarting unit %s during update", unit);
		return;
	}
	log_info("rolling back unit %s: %s", unit, e->msg);
	err_free(&e);
	/* The old image gets its name back, and the unit runs it again. */
	for (size_t i = 0; i < n; i++) {
		if (storage_image_tag(eng_storage(r->eng), t[i].image_id, t[i].image_name, &e) < 0)
			fail_add(&r->f, &e, "rolling back image for container %s in unit %s",
				 t[i].id, unit);
		forget(r->pulled, t[i].image_name);
	}
	rc = restart_unit(r->eng, unit, &e);
	for (size_t i = 0; i < n; i++)
		t[i].updated = rc == 0 ? "rolled back" : "failed";
	if (rc < 0)
		fail_add(&r->f, &e, "restarting unit %s during rollback", unit);
}

/* Reach the user manager before changing anything, as podman connects to it first. */
static int manager_check(struct error **err)
{
	char *argv[] = { "systemctl", "--user", "show", "--property=Version", NULL };
	autofree char *out = NULL;
	int status = 0;
	if (proc_capture(argv, &out, &status, err) < 0) {
		(*err)->kind = ERR_TOOL;
		return err_wrap(err, "connecting to the systemd user manager");
	}
	if (status != 0)
		return err_msg(err, "connecting to the systemd user manager: %.*s",
			       (int)strcspn(out, "\n"), out);
	return 0;
}

static void report_of(const struct task *t, struct eng_autoupdate_report *rep)
{
	*rep = (struct eng_autoupdate_report){ .unit = xstrdup(t->unit),
					       .ctr_id = xstrdup(t->id),
					       .ctr_name = xstrdup(t->name),
					       .image = xstrdup(t->image_name),
					       .policy = xstrdup(t->policy),
					       .updated = xstrdup(t->updated) };
}

int eng_autoupdate(struct eng *eng, const struct eng_autoupdate_opts *o,
		   struct eng_autoupdate_report **reports, size_t *n, struct error **err)
{
	*reports = NULL;
	*n = 0;
	struct run r = { .eng = eng, .o = o };
	struct task *t = NULL;
	size_t nt = 0;
	if (gather(eng, o, &r.f, &t, &nt, err) < 0) {
		free(r.f.msgs);
		return -1;
	}
	struct error *e = NULL;
	if (nt > 0 && manager_check(&e) < 0) {
		fail_add(&r.f, &e, "%s", "");
		for (size_t i = 0; i < nt; i++)
			task_clear(&t[i]);
		nt = 0;
	}
	/* Unit by unit: the tasks are sorted by unit. */
	for (size_t i = 0, j; i < nt; i = j) {
		for (j = i + 1; j < nt && strcmp(t[j].unit, t[i].unit) == 0; j++)
			;
		update_unit(&r, t + i, j - i);
	}
	*reports = nt ? xcalloc(nt, sizeof(**reports)) : NULL;
	for (size_t i = 0; i < nt; i++) {
		report_of(&t[i], &(*reports)[i]);
		task_clear(&t[i]);
	}
	*n = nt;
	free(t);
	strv_free(r.pulled);
	int rc = 0;
	/* One failure as it is, several as podman lists them; 125 either way. */
	if (r.f.n == 1)
		rc = err_set(err, EIO, ERR_TOOL, "%s", r.f.msgs + 4);
	else if (r.f.n > 1)
		rc = err_set(err, EIO, ERR_TOOL, "%zu errors occurred:%s", r.f.n, r.f.msgs);
	free(r.f.msgs);
	return rc;
}

void eng_autoupdate_reports_free(struct eng_autoupdate_report *reports, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct eng_autoupdate_report *x = &reports[i];
		free(x->unit), free(x->ctr_id), free(x->ctr_name);
		free(x->image), free(x->policy), free(x->updated);
	}
	free(reports);
}
