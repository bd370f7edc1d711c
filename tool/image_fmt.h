/* SPDX-License-Identifier: Apache-2.0 */
/* Rendering of image lists and history, in podman's shapes. */
#pragma once

#include "tool/render.h"

struct image_list_opts {
	const char *fmt;
	/* images: created (newest first), id, repository, size, tag; NULL: as listed */
	const char *sort;
	bool quiet, digests, no_trunc, noheading, human;
};

/* Whether key is one of images --sort's keys. */
bool image_fmt_sort_valid(const char *key);
/* `hutch images`: a table, -q IDs, json, or a Go template per row. */
int image_fmt_list(FILE *f, struct storage_image **imgs, size_t n, const struct image_list_opts *o,
		   struct error **err);
/* `hutch history`. */
int image_fmt_history(FILE *f, struct storage *s, const struct storage_image *img,
		      const struct image_list_opts *o, struct error **err);
