/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `images --filter`: the image filters podman's images takes that hutch supports,
 * dangling=true|false and reference=PATTERN (shell globs on the whole name, on the name
 * without its tag, and on any trailing path of either). Every front end filters through
 * these, so the rules and their error messages are the same everywhere.
 */
#include "storage/internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

int storage_image_filter_parse(char *const *list, struct storage_image_filter *f,
			       struct error **err)
{
	f->dangling = -1;
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		const char *eq = strchr(list[i], '=');
		if (eq == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid filter \"%s\": want "
				       "KEY=VALUE",
				       list[i]);
		const char *v = eq + 1;
		if (strncmp(list[i], "dangling=", 9) == 0) {
			if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
				return err_set(err, EINVAL, ERR_USAGE,
					       "invalid filter "
					       "\"dangling=%s\": want true "
					       "or false",
					       v);
			f->dangling = strcmp(v, "true") == 0;
		} else if (strncmp(list[i], "reference=", 10) == 0) {
			strv_push(&f->refs, v);
		} else {
			return err_set(err, EINVAL, ERR_USAGE,
				       "unsupported filter \"%.*s\": hutch "
				       "supports dangling and reference",
				       (int)(eq - list[i]), list[i]);
		}
	}
	return 0;
}

/* podman matches the pattern against the name with and without its tag, and lets a
 * pattern without a domain match any name that ends in it ("alpine" is
 * "docker.io/library/alpine"). */
static bool ref_matches(const char *pattern, const char *name)
{
	autofree char *repo = xstrdup(name);
	char *colon = strrchr(repo, ':');
	if (colon != NULL && colon > strrchr(repo, '/'))
		*colon = '\0';
	autofree char *any = xasprintf("*/%s", pattern);
	const char *tries[] = { name, repo };
	for (int i = 0; i < 2; i++)
		if (fnmatch(pattern, tries[i], 0) == 0 || fnmatch(any, tries[i], 0) == 0)
			return true;
	return false;
}

bool storage_image_filter_match(const struct storage_image_filter *f,
				const struct storage_image *img)
{
	bool dangling = img->names[0] == NULL;
	if (f->dangling >= 0 && dangling != (f->dangling == 1))
		return false;
	for (size_t i = 0; f->refs != NULL && f->refs[i] != NULL; i++) {
		bool any = false;
		for (size_t j = 0; img->names[j] != NULL && !any; j++)
			any = ref_matches(f->refs[i], img->names[j]);
		if (!any)
			return false;
	}
	return true;
}

void storage_image_filter_clear(struct storage_image_filter *f)
{
	strv_free(f->refs);
	f->refs = NULL;
	f->dangling = -1;
}
