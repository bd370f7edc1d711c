/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pod infra's image. Without --infra-image (or containers.conf's infra_image), a pod's
 * infra runs the pause image, built here on first use as rootless podman builds its own:
 * one layer holding the static hutch-init, entrypoint `/hutch-init --pause`, named
 * localhost/podman-pause:VERSION-BUILT (the name podman's users and tests look for, with
 * hutch's version). It is an ordinary image: listed, inspected, removed by rmi (which
 * then takes the pods using it along, with -f).
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HUTCH_BUILT
#define HUTCH_BUILT 0
#endif

#define INIT_MAX (64 << 20)

int64_t eng_built(void)
{
	return (int64_t)HUTCH_BUILT;
}

char *eng_pause_image_name(void)
{
	return xasprintf("localhost/podman-pause:%s-%lld", HUTCH_VERSION, (long long)eng_built());
}

/* One ustar header for a regular file owned by root, mtime 0. */
static void ustar_header(char h[512], const char *name, unsigned mode, size_t size)
{
	memset(h, 0, 512);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", mode);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011zo", size);
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	/* The checksum is taken with its own field as spaces. */
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
}

/* A memfd holding a tar of one file, hutch-init, at the rootfs' top. */
static int pause_layer(int *out, struct error **err)
{
	autofree char *init = eng_ctr_helper_path("hutch-init");
	if (init == NULL)
		return err_msg(err, "hutch-init not found beside hutch: it is the pause image's");
	autofree char *data = NULL;
	size_t len = 0;
	if (fs_read_file(init, INIT_MAX, &data, &len, err) < 0)
		return -1;
	autoclose int fd = memfd_create("pause-layer", MFD_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "creating the pause image's layer");
	char h[512];
	static const char zero[1024];
	ustar_header(h, "hutch-init", 0755, len);
	size_t pad = (512 - len % 512) % 512;
	if (fs_write_all(fd, h, sizeof(h)) < 0 || fs_write_all(fd, data, len) < 0 ||
	    (pad > 0 && fs_write_all(fd, zero, pad) < 0) ||
	    fs_write_all(fd, zero, sizeof(zero)) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(err, "writing the pause image's layer");
	*out = steal_fd(&fd);
	return 0;
}

int ctr_pause_image(struct eng *eng, char **name, struct error **err)
{
	struct storage *s = eng->store;
	*name = eng_pause_image_name();
	/* One maker at a time: two pods created at once must not build two images. */
	autofree char *lockpath = xasprintf("%s/pause.lock", storage_root(s));
	autoclose int lk = fs_lock(lockpath, O_RDWR | O_CREAT, LOCK_EX);
	if (lk < 0)
		return err_sys(err, "locking %s", lockpath);
	struct storage_image *img = NULL;
	struct error *e = NULL;
	if (storage_image_lookup_record(s, *name, &img, &e) == 0) {
		storage_image_free(&img);
		return 0;
	}
	if (e->kind != ERR_NOSUCH) {
		*err = e;
		return -1;
	}
	err_free(&e);
	autoclose int fd = -1;
	if (pause_layer(&fd, err) < 0)
		return err_wrap(err, "building %s", *name);
	char *entry[] = { "/hutch-init", "--pause", NULL };
	struct storage_image_config cfg = { .entrypoint = entry };
	struct storage_import_opts o = { .config = &cfg, .name = *name };
	autofree char *id = NULL;
	if (storage_import(s, fd, &o, &id, err) < 0)
		return err_wrap(err, "building %s", *name);
	return 0;
}
