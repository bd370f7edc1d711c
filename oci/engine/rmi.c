/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rmi: images by name or ID, or all of them, as podman's. With force, the containers of
 * this engine that use an image are removed first, with what depends on them (an infra
 * container takes its pod along); a container only another tool knows (a storage record
 * without one of ours) is never touched, and still keeps its image. Every target is tried;
 * the failures are gathered into one error as podman words several ("N errors occurred:").
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Remove the engine's containers that use image id, and what depends on them. */
static int remove_users(struct eng *eng, const char *id, struct error **err)
{
	autostrv char **users = storage_image_users(eng->store, id);
	for (size_t i = 0; users != NULL && users[i] != NULL; i++) {
		struct eng_ctr *c = NULL;
		struct error *e = NULL;
		/* Gone meanwhile (with a pod removed for an earlier one), or not ours. */
		if (eng_ctr_lookup(eng, users[i], &c, &e) < 0) {
			err_free(&e);
			continue;
		}
		autostrv char **removed = NULL;
		int rc = eng_ctr_remove_depend(eng, c, true, &removed, err);
		eng_ctr_free(&c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Whether removing target deletes the image (not only takes one of its names off). */
static bool deletes(const struct storage_image *img, const char *target)
{
	const char *hex = strncmp(target, "sha256:", 7) == 0 ? target + 7 : target;
	return strv_len(img->names) <= 1 || strncmp(img->id, hex, strlen(hex)) == 0;
}

static int remove_one(struct eng *eng, const char *target, const struct eng_rmi_opts *o,
		      char ***untagged, char ***deleted, struct error **err)
{
	struct storage *s = eng->store;
	struct storage_image *img = NULL;
	if (storage_image_lookup_record(s, target, &img, err) < 0) {
		if (o->ignore && (*err)->kind == ERR_NOSUCH) {
			err_free(err);
			return 0;
		}
		return -1;
	}
	autostrv char **names = NULL;
	for (size_t j = 0; img->names[j]; j++)
		strv_push(&names, img->names[j]);
	bool all_of_it = deletes(img, target);
	autofree char *iid = xstrdup(img->id);
	storage_image_free(&img);
	if (o->force && all_of_it && remove_users(eng, iid, err) < 0)
		return -1;
	bool del = false;
	autofree char *id = NULL, *untag = NULL;
	if (storage_image_remove(s, target, o->force, &untag, &del, &id, err) < 0)
		return -1;
	if (!del) {
		strv_push(untagged, untag != NULL ? untag : target);
		return 0;
	}
	for (size_t j = 0; names != NULL && names[j]; j++)
		strv_push(untagged, names[j]);
	strv_push(deleted, id);
	return 0;
}

static int by_pulled(const void *a, const void *b)
{
	const struct storage_image *x = *(struct storage_image *const *)a;
	const struct storage_image *y = *(struct storage_image *const *)b;
	if (x->pulled != y->pulled)
		return x->pulled < y->pulled ? -1 : 1;
	return strcmp(x->id, y->id);
}

int eng_image_remove(struct eng *eng, const struct eng_rmi_opts *o, char ***untagged,
		     char ***deleted, struct error **err)
{
	*untagged = xzalloc(sizeof(char *));
	*deleted = xzalloc(sizeof(char *));
	autostrv char **targets = NULL;
	for (size_t i = 0; o->names != NULL && o->names[i] != NULL; i++)
		strv_push(&targets, o->names[i]);
	if (o->all) {
		struct storage_image **imgs = NULL;
		size_t n = 0;
		if (storage_image_list(eng->store, &imgs, &n, err) < 0)
			return -1;
		/* In the order they came into the store, as podman's. */
		qsort(imgs, n, sizeof(*imgs), by_pulled);
		for (size_t i = 0; i < n; i++)
			strv_push(&targets, imgs[i]->id);
		storage_image_list_free(imgs, n);
	}
	autofree char *msgs = NULL;
	size_t failed = 0;
	struct error *last = NULL;
	for (size_t i = 0; targets != NULL && targets[i] != NULL; i++) {
		struct error *e = NULL;
		if (remove_one(eng, targets[i], o, untagged, deleted, &e) == 0)
			continue;
		/* Each item printable: the front end shows the list one item a line. */
		str_printable(e->msg);
		char *m = xasprintf("%s\n\t* %s", msgs ? msgs : "", e->msg);
		free(msgs);
		msgs = m;
		failed++;
		err_free(&last);
		last = e;
	}
	if (failed == 0)
		return 0;
	if (failed == 1) {
		*err = last;
		return -1;
	}
	/* The kind (and so the exit code) of the last, as podman's. */
	int rc = err_set(err, last->code, last->kind, "%zu errors occurred:%s", failed, msgs);
	err_free(&last);
	return rc;
}
