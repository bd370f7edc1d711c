/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names for shell completion, for every front end alike: containers by state, pods,
 * volumes and images, as podman's completion offers them. Nothing is locked and nothing is
 * written, so a completion never waits on or disturbs another command. Containers are read
 * from their state.json alone (the brief record beside the state, as ps reads it), and
 * through the full rules of record.c only where the file cannot tell: a recorded "running"
 * (the monitor may be gone) and stores of older versions. Running and paused ones are
 * looked for among the run dirs only: a container without one cannot run (state_from in
 * record.c), and most of a big store has none.
 */
#include "oci/engine/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* A growing vector; sorted and made unique once at the end (names x IDs is no n^2). */
struct names {
	char **v;
	size_t n, cap;
};

/* Keep s when it starts with prefix. */
static void add(struct names *o, const char *s, const char *prefix)
{
	if (s == NULL || *s == '\0' || strncmp(s, prefix, strlen(prefix)) != 0)
		return;
	if (o->n + 1 >= o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	o->v[o->n++] = xstrdup(s);
	o->v[o->n] = NULL;
}

/* Keep the 12-character form of id when the user has typed at least two of its characters:
 * podman offers IDs only then, so that an empty word completes to names alone. */
static void add_id(struct names *o, const char *id, const char *prefix)
{
	if (strlen(prefix) < 2 || strncmp(id, prefix, strlen(prefix)) != 0)
		return;
	autofree char *short_id = xstrndup(id, 12);
	add(o, short_id, prefix);
}

static bool ctr_wanted(const struct eng_ctr *c, enum eng_names_kind kind)
{
	enum eng_ctr_status s = c->state.status;
	switch (kind) {
	case ENG_NAMES_RUNNING:
		return s == ENG_CTR_RUNNING;
	case ENG_NAMES_STARTABLE:
		return s == ENG_CTR_CREATED || s == ENG_CTR_EXITED;
	case ENG_NAMES_PAUSED:
		return s == ENG_CTR_PAUSED;
	default:
		return true;
	}
}

/* The container id (a dir of cdir) by the full rules: its record and its run dir. */
static void add_loaded(struct eng *eng, int cdir, const char *id, enum eng_names_kind kind,
		       const char *prefix, struct names *o)
{
	/* Gone meanwhile, or a run dir left by a removed container: no record. */
	autoctr struct eng_ctr *c = ctr_load(eng, cdir, id, true);
	if (c == NULL || !ctr_wanted(c, kind))
		return;
	add_id(o, c->id, prefix);
	add(o, c->name, prefix);
}

/* Every container, or the startable ones: one state.json each. */
static int ctr_names(struct eng *eng, enum eng_names_kind kind, const char *prefix, struct names *o,
		     struct error **err)
{
	autofree char *records = eng_ctr_dir(eng, "");
	autoclosedir DIR *d = opendir(records);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", records);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strlen(de->d_name) != 64 || !ctr_is_id(de->d_name, 64))
			continue;
		autofree char *path = xasprintf("%s/state.json", de->d_name);
		struct json_object *st = json_file_at(dirfd(d), path, CTR_JSON_MAX);
		const char *name = json_str(st, "Name"), *status = json_str(st, "Status");
		bool may_run = status != NULL && strcmp(status, "running") == 0;
		if (name == NULL || json_str(st, "Id") == NULL ||
		    (kind == ENG_NAMES_STARTABLE && may_run)) {
			json_object_put(st);
			add_loaded(eng, dirfd(d), de->d_name, kind, prefix, o);
			continue;
		}
		/* Created, or exited as recorded: startable either way. */
		add_id(o, de->d_name, prefix);
		add(o, name, prefix);
		json_object_put(st);
	}
	return 0;
}

/* The running or paused containers: those with a run dir whose record says so now. */
static int live_ctr_names(struct eng *eng, enum eng_names_kind kind, const char *prefix,
			  struct names *o, struct error **err)
{
	autofree char *runs = eng_ctr_run_dir(eng, "", err);
	if (runs == NULL)
		return -1;
	autoclosedir DIR *d = opendir(runs);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "listing %s", runs);
	autofree char *records = eng_ctr_dir(eng, "");
	autoclose int cdir = open(records, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cdir < 0)
		return errno == ENOENT ? 0 : err_sys(err, "opening %s", records);
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		if (strlen(de->d_name) == 64 && ctr_is_id(de->d_name, 64))
			add_loaded(eng, cdir, de->d_name, kind, prefix, o);
	return 0;
}

static int pod_names(struct eng *eng, const char *prefix, struct names *o, struct error **err)
{
	struct eng_pod **ps = NULL;
	size_t n = 0;
	if (eng_pod_list(eng, &ps, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add_id(o, ps[i]->id, prefix);
		add(o, ps[i]->name, prefix);
	}
	eng_pod_list_free(ps, n);
	return 0;
}

static void vol_names(struct eng *eng, const char *prefix, struct names *o)
{
	struct json_object *all = eng_vol_list(eng);
	for (size_t i = 0; i < json_len(all); i++)
		add(o, json_str(json_object_array_get_idx(all, i), "Name"), prefix);
	json_object_put(all);
}

/*
 * Image names as podman offers them: for an empty word each full name
 * ("docker.io/library/alpine:latest"); once something is typed also its shorter forms
 * ("library/alpine:latest", "alpine:latest") that match, so `alp<TAB>` finds it.
 */
static int image_names(struct eng *eng, const char *prefix, struct names *o, struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (storage_image_list(eng->store, &imgs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add_id(o, imgs[i]->id, prefix);
		for (size_t j = 0; imgs[i]->names != NULL && imgs[i]->names[j] != NULL; j++) {
			const char *name = imgs[i]->names[j];
			add(o, name, prefix);
			for (const char *p = name; *prefix != '\0' && (p = strchr(p, '/')) != NULL;)
				add(o, ++p, prefix);
		}
	}
	storage_image_list_free(imgs, n);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **eng_names(struct eng *eng, enum eng_names_kind kind, const char *prefix, struct error **err)
{
	struct names o = { .v = xcalloc(1, sizeof(char *)), .n = 0, .cap = 1 };
	int rc = 0;
	prefix = prefix != NULL ? prefix : "";
	switch (kind) {
	case ENG_NAMES_PODS:
		rc = pod_names(eng, prefix, &o, err);
		break;
	case ENG_NAMES_VOLUMES:
		vol_names(eng, prefix, &o);
		break;
	case ENG_NAMES_IMAGES:
		rc = image_names(eng, prefix, &o, err);
		break;
	case ENG_NAMES_RUNNING:
	case ENG_NAMES_PAUSED:
		rc = live_ctr_names(eng, kind, prefix, &o, err);
		break;
	case ENG_NAMES_CONTAINERS:
	case ENG_NAMES_STARTABLE:
		rc = ctr_names(eng, kind, prefix, &o, err);
		break;
	}
	if (rc < 0) {
		strv_free(o.v);
		return NULL;
	}
	qsort(o.v, o.n, sizeof(*o.v), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < o.n; i++) {
		if (k > 0 && strcmp(o.v[k - 1], o.v[i]) == 0)
			free(o.v[i]);
		else
			o.v[k++] = o.v[i];
	}
	o.v[k] = NULL;
	return o.v;
}
