/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An image named by an archive transport, as podman's run and create take one:
 * `docker-archive:PATH` and `oci-archive:PATH` are loaded into the store first (podman's
 * copy lines go to the request's progress sink), and the container uses the image loaded.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The copy as podman reports it: one blob per layer, then the config. */
static void report(const struct storage_progress_sink *p, const struct storage_image *img)
{
	if (p == NULL)
		return;
	struct storage_progress_event ev;
	size_t n = strv_len(img->diff_ids);
	for (size_t i = 0; i < n; i++) {
		ev = (struct storage_progress_event){ .kind = STORAGE_PROGRESS_START,
						      .item = (unsigned)i,
						      .label = "Copying blob",
						      .digest = img->diff_ids[i] };
		p->event(p->ctx, &ev);
	}
	for (size_t i = 0; i < n; i++) {
		ev = (struct storage_progress_event){ .kind = STORAGE_PROGRESS_DONE,
						      .item = (unsigned)i,
						      .status = "done" };
		p->event(p->ctx, &ev);
	}
	ev = (struct storage_progress_event){ .kind = STORAGE_PROGRESS_END };
	p->event(p->ctx, &ev);
	autofree char *cd = xasprintf("sha256:%s", img->id);
	ev = (struct storage_progress_event){ .kind = STORAGE_PROGRESS_STORED, .digest = cd };
	p->event(p->ctx, &ev);
}

int ctr_image_from_archive(struct eng *eng, const char *ref,
			   const struct storage_progress_sink *progress, struct storage_image **img,
			   struct error **err)
{
	const char *path = NULL;
	if (strncmp(ref, "docker-archive:", 15) == 0)
		path = ref + 15;
	else if (strncmp(ref, "oci-archive:", 12) == 0)
		path = ref + 12;
	else
		return 0;
	autoclose int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "%s", ref);
	autostrv char **names = NULL;
	if (storage_load(eng->store, fd, &names, err) < 0)
		return -1;
	if (names == NULL || names[0] == NULL)
		return err_msg(err, "%s: no image in the archive", ref);
	const char *name = strncmp(names[0], "sha256:", 7) == 0 ? names[0] + 7 : names[0];
	if (storage_image_lookup(eng->store, name, img, err) < 0)
		return -1;
	report(progress, *img);
	return 1;
}
