/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `images --filter`: the image filters podman's images takes that hutch supports,
 * dangling=true|false, reference=PATTERN (shell globs on the whole name, on the name
 * without its tag, and on any trailing path of either), and after=IMAGE (since=IMAGE) and
 * before=IMAGE (by the images' creation times). Every front end filters through these, so
 * the rules and their error messages are the same everywhere.
 */
#include "storage/internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		} else if (strncmp(list[i], "after=", 6) == 0 ||
			   strncmp(list[i], "since=", 6) == 0) {
			free(f->after_ref);
			f->after_ref = xstrdup(v);
		} else if (strncmp(list[i], "before=", 7) == 0) {
			free(f->before_ref);
			f->before_ref = xstrdup(v);
		} else {
			return err_set(err, EINVAL, ERR_USAGE,
				       "unsupported filter \"%.*s\": hutch "
				       "supports dangling, reference, after, since and before",
				       (int)(eq - list[i]), list[i]);
		}
	}
	return 0;
}

/* An image's creation time (its config's "created") in nanoseconds; 0 when absent. */
static int64_t created_ns(const struct storage_image *img)
{
	const char *c = json_str(img->config, "created");
	struct tm tm = { 0 };
	const char *p = c != NULL ? strptime(c, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (p == NULL)
		return 0;
	int64_t ns = (int64_t)timegm(&tm) * 1000000000;
	if (*p == '.') {
		int64_t scale = 100000000;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += (*p - '0') * scale;
	}
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		sscanf(p + 1, "%d:%d", &hh, &mm);
		ns -= (*p == '+' ? 1 : -1) * (int64_t)(hh * 3600 + mm * 60) * 1000000000;
	}
	return ns;
}

static int ref_time(struct storage *s, const char *ref, int64_t *ns, struct error **err)
{
	struct storage_image *img = NULL;
	if (storage_image_lookup(s, ref, &img, err) < 0)
		return -1;
	*ns = created_ns(img);
	storage_image_free(&img);
	return 0;
}

int storage_image_filter_resolve(struct storage *s, struct storage_image_filter *f,
				 struct error **err)
{
	if (f->after_ref != NULL && ref_time(s, f->after_ref, &f->after_ns, err) < 0)
		return -1;
	if (f->before_ref != NULL && ref_time(s, f->before_ref, &f->before_ns, err) < 0)
		return -1;
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
	if (f->after_ref != NULL && created_ns(img) <= f->after_ns)
		return false;
	if (f->before_ref != NULL && created_ns(img) >= f->before_ns)
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
	free(f->after_ref);
	free(f->before_ref);
	f->after_ref = f->before_ref = NULL;
	f->dangling = -1;
}

/* img's history entries (the config's), or NULL. */
static struct json_object *history_of(const struct storage_image *img)
{
	return json_get_type(img->config, "history", json_type_array);
}

bool storage_image_intermediate(struct storage_image *const *imgs, size_t n, size_t i)
{
	const struct storage_image *p = imgs[i];
	if (p->names != NULL && p->names[0] != NULL)
		return false;
	struct json_object *ph = history_of(p);
	size_t pn = json_len(ph), pl = strv_len(p->diff_ids);
	for (size_t k = 0; k < n; k++) {
		const struct storage_image *c = imgs[k];
		if (k == i || strcmp(c->id, p->id) == 0)
			continue;
		struct json_object *ch = history_of(c);
		size_t cn = json_len(ch), cl = strv_len(c->diff_ids);
		if (cn <= pn || cl < pl)
			continue;
		bool prefix = true;
		for (size_t j = 0; j < pl && prefix; j++)
			prefix = strcmp(p->diff_ids[j], c->diff_ids[j]) == 0;
		for (size_t j = 0; j < pn && prefix; j++) {
			const char *a = json_str(json_idx(ph, j), "created");
			const char *b = json_str(json_idx(ch, j), "created");
			const char *x = json_str(json_idx(ph, j), "created_by");
			const char *y = json_str(json_idx(ch, j), "created_by");
			prefix = (a == b || (a && b && strcmp(a, b) == 0)) &&
				 (x == y || (x && y && strcmp(x, y) == 0));
		}
		if (prefix)
			return true;
	}
	return false;
}
