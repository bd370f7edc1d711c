/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names for shell completion, for every front end alike: containers by state, pods,
 * volumes and images, as podman's completion offers them. Containers are read through
 * their brief records (one small state.json each, as ps reads them); nothing is locked
 * and nothing is written, so a completion never waits on or disturbs another command.
 */
#include "oci/engine/internal.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

/* Push s when it starts with prefix and is not there yet. */
static void add(char ***v, const char *s, const char *prefix)
{
	if (s != NULL && *s != '\0' && strncmp(s, prefix, strlen(prefix)) == 0 &&
	    !strv_contains(*v, s))
		strv_push(v, s);
}

/* Push the 12-character form of id when the user has typed at least two of its characters:
 * podman offers IDs only then, so that an empty word completes to names alone. */
static void add_id(char ***v, const char *id, const char *prefix)
{
	if (strlen(prefix) < 2 || strncmp(id, prefix, strlen(prefix)) != 0)
		return;
	autofree char *short_id = xstrndup(id, 12);
	add(v, short_id, prefix);
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

static int ctr_names(struct eng *eng, enum eng_names_kind kind, const char *prefix, char ***v,
		     struct error **err)
{
	struct eng_ctr **cs = NULL;
	size_t n = 0;
	if (eng_ctr_list_brief(eng, &cs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!ctr_wanted(cs[i], kind))
			continue;
		add_id(v, cs[i]->id, prefix);
		add(v, cs[i]->name, prefix);
	}
	eng_ctr_list_free(cs, n);
	return 0;
}

static int pod_names(struct eng *eng, const char *prefix, char ***v, struct error **err)
{
	struct eng_pod **ps = NULL;
	size_t n = 0;
	if (eng_pod_list(eng, &ps, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add_id(v, ps[i]->id, prefix);
		add(v, ps[i]->name, prefix);
	}
	eng_pod_list_free(ps, n);
	return 0;
}

static void vol_names(struct eng *eng, const char *prefix, char ***v)
{
	struct json_object *all = eng_vol_list(eng);
	for (size_t i = 0; i < json_len(all); i++)
		add(v, json_str(json_object_array_get_idx(all, i), "Name"), prefix);
	json_object_put(all);
}

/*
 * Image names as podman offers them: for an empty word each full name
 * ("docker.io/library/alpine:latest"); once something is typed also its shorter forms
 * ("library/alpine:latest", "alpine:latest") that match, so `alp<TAB>` finds it.
 */
static int image_names(struct eng *eng, const char *prefix, char ***v, struct error **err)
{
	struct storage_image **imgs = NULL;
	size_t n = 0;
	if (storage_image_list(eng->store, &imgs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		add_id(v, imgs[i]->id, prefix);
		for (size_t j = 0; imgs[i]->names != NULL && imgs[i]->names[j] != NULL; j++) {
			const char *name = imgs[i]->names[j];
			add(v, name, prefix);
			for (const char *p = name; *prefix != '\0' && (p = strchr(p, '/')) != NULL;)
				add(v, ++p, prefix);
		}
	}
	storage_image_list_free(imgs, n);
	return 0;
}

char **eng_names(struct eng *eng, enum eng_names_kind kind, const char *prefix, struct error **err)
{
	char **v = xcalloc(1, sizeof(*v));
	int rc = 0;
	prefix = prefix != NULL ? prefix : "";
	switch (kind) {
	case ENG_NAMES_PODS:
		rc = pod_names(eng, prefix, &v, err);
		break;
	case ENG_NAMES_VOLUMES:
		vol_names(eng, prefix, &v);
		break;
	case ENG_NAMES_IMAGES:
		rc = image_names(eng, prefix, &v, err);
		break;
	default:
		rc = ctr_names(eng, kind, prefix, &v, err);
		break;
	}
	if (rc < 0) {
		strv_free(v);
		return NULL;
	}
	return v;
}
