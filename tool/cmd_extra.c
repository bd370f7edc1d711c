/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rest of the container commands of issue #5: cp, diff, top, rename, pause, unpause,
 * stats, port and container prune. Handlers parse, validate, call oci/container and print.
 */
#include "tool/cli.h"
#include "oci/container/container.h"
#include "oci/oci.h"
#include "tool/image_fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void store_closep(struct storage **s)
{
	storage_close(s);
}
#define autostore __attribute__((cleanup(store_closep)))

static void ctr_freep(struct oci_ctr **c)
{
	oci_ctr_free(c);
}
#define autoctr __attribute__((cleanup(ctr_freep)))

static int open_one(struct cli_ctx *ctx, const char *name, struct storage **s, struct oci_ctr **c,
		    struct error **err)
{
	if (ctx->storage_driver != NULL)
		setenv("HUTCH_STORAGE_DRIVER", ctx->storage_driver, 1);
	if (cli_open_store(ctx, s, err) < 0)
		return -1;
	return oci_ctr_lookup(*s, name, c, err);
}

/* ---------- cp ---------- */

/* "CTR:/path" names a container when the part before ':' has no '/' (podman's rule). */
static bool split_ctr(const char *arg, char **ctr, const char **path)
{
	const char *colon = strchr(arg, ':');
	if (colon == NULL || colon == arg || memchr(arg, '/', (size_t)(colon - arg)) != NULL ||
	    arg[0] == '.')
		return false;
	*ctr = xstrndup(arg, (size_t)(colon - arg));
	*path = colon + 1;
	return true;
}

int cmd_cp(struct cli_ctx *ctx, struct error **err)
{
	autofree char *sctr = NULL, *dctr = NULL;
	const char *spath = ctx->argv[0], *dpath = ctx->argv[1];
	bool sc = split_ctr(ctx->argv[0], &sctr, &spath);
	bool dc = split_ctr(ctx->argv[1], &dctr, &dpath);
	if (sc == dc)
		return err_set(err, EINVAL, ERR_USAGE,
			       sc ? "copying between containers is not supported"
				  : "one of the paths must name a container: CONTAINER:PATH");
	const char *cpath = sc ? spath : dpath;
	if (*cpath == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "the container path must not be empty");
	autostore struct storage *s = NULL;
	autoctr struct oci_ctr *c = NULL;
	if (open_one(ctx, sc ? sctr : dctr, &s, &c, err) < 0)
		return -1;
	/* Relative container paths start at the container's root, as podman's do. */
	autofree char *abs = cpath[0] == '/' ? xstrdup(cpath) : xasprintf("/%s", cpath);
	return oci_ctr_copy(s, c, sc ? abs : spath, sc, dc ? abs : dpath, dc, err);
}
