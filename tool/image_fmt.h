/* SPDX-License-Identifier: Apache-2.0 */
/* Rendering of image lists and history, in podman's shapes. */
#pragma once

#include "tool/render.h"

struct image_list_opts {
	const char *fmt;
	bool quiet, digests, no_trunc, noheading, human;
};

/* `hutch images`: a table, -q IDs, json, or a Go template per row. */
int image_fmt_list(FILE *f, struct storage_image **imgs, size_t n, const struct image_list_opts *o,
		   struct error **err);
/* `hutch history`. */
int image_fmt_history(FILE *f, struct storage *s, const struct storage_image *img,
		      const struct image_list_opts *o, struct error **err);
