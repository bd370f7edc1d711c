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
