/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one way a layer enters the store, for pull, load and import: unpacked into
 * layers/.tmp-CHAIN under that layer's lock, its diff ID checked, then renamed into place,
 * so a layer exists under its final name only when it is complete and verified.
 */
#include "storage/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_layer_json(const char *dir, const struct layer_import *li, struct error **err)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "chain_id", json_object_new_string(li->chain));
	json_object_object_add(o, "parent", json_object_new_string(li->parent));
	json_object_object_add(o, "diff_id", json_object_new_string(li->diff_id));
	json_object_object_add(o, "size", json_object_new_int64(li->size));
	json_object_object_add(
	    o, "compressed_digest",
	    json_object_new_string(li->blob_digest ? li->blob_digest : li->diff_id));
	json_object_object_add(o, "compressed_size", json_object_new_int64(li->blob_size));
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	autofree char *p = xasprintf("%s/layer.json", dir);
	int rc = store_write(p, text, strlen(text), err);
	json_object_put(o);
	return rc;
}

/* mkdir tmp and tmp/diff, and fill the diff dir. */
static int fill_tmp(const char *tmp, layer_fill fill, void *arg, struct unpack_result *res,
		    struct error **err)
{
	autofree char *diff = xasprintf("%s/diff", tmp);
	if (mkdir(tmp, 0700) < 0 || mkdir(diff, 0755) < 0)
		return err_sys(err, "creating %s", diff);
	autoclose int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_sys(err, "opening %s", diff);
	return fill(arg, dfd, res, err);
}

static void drop_tmp(struct storage *s, const char *tmp)
{
	struct error *e = NULL;
	if (store_rm_tree(s, tmp, &e) < 0)
		log_debug("%s", e->msg);
	err_free(&e);
}

/* Move a filled tmp dir to layers/CHAIN (or drop it when another got there first). */
static int finish(struct storage *s, struct layer_import *li, const char *tmp, bool *existed,
		  struct error **err)
{
	autofree char *fin = xasprintf("%s/layers/%s", s->root, li->chain);
	if (store_layer_exists(s, li->chain)) {
		drop_tmp(s, tmp);
		*existed = true;
		return store_layer_info(s, li->chain, NULL, &li->size, err);
	}
	if (write_layer_json(tmp, li, err) < 0 || rename(tmp, fin) < 0) {
		if (*err == NULL)
			err_sys(err, "storing layer %s", li->chain);
		drop_tmp(s, tmp);
		return -1;
	}
	return 0;
}

/* Import: the digest is known only once the stream is read, so the tmp dir has no chain. */
static int import_unknown(struct storage *s, struct layer_import *li, layer_fill fill, void *arg,
			  bool *existed, struct error **err)
{
	static int seq;
	autofree char *tmp =
	    xasprintf("%s/layers/.tmp-import-%d-%d", s->root, (int)getpid(), seq++);
	struct unpack_result res = { 0 };
	drop_tmp(s, tmp);
	if (fill_tmp(tmp, fill, arg, &res, err) < 0) {
		drop_tmp(s, tmp);
		return -1;
	}
	memcpy(li->chain, res.diff_id + 7, sizeof(li->chain));
	li->parent[0] = '\0';
	li->diff_id = NULL;
	li->size = res.size;
	autofree char *lname = xasprintf("layers/%s.lock", li->chain);
	autoclose int lk = store_lock(s, lname, true, false, err);
	if (lk < 0) {
		drop_tmp(s, tmp);
		return -1;
	}
	li->diff_id = res.diff_id; /* borrowed from res until layer.json is written */
	int rc = finish(s, li, tmp, existed, err);
	li->diff_id = NULL;
	return rc;
}

int store_import_layer(struct storage *s, struct layer_import *li, layer_fill fill, void *arg,
		       bool *existed, struct error **err)
{
	*existed = false;
	if (li->diff_id == NULL)
		return import_unknown(s, li, fill, arg, existed, err);
	if (store_layer_exists(s, li->chain)) {
		*existed = true;
		return store_layer_info(s, li->chain, NULL, &li->size, err);
	}
	/* Another pull may be unpacking the same layer: wait for it, then reuse its work. */
	autofree char *lname = xasprintf("layers/%s.lock", li->chain);
	autoclose int lk = store_lock(s, lname, true, false, err);
	if (lk < 0)
		return -1;
	if (store_layer_exists(s, li->chain)) {
		*existed = true;
		return store_layer_info(s, li->chain, NULL, &li->size, err);
	}
	autofree char *tmp = xasprintf("%s/layers/.tmp-%s", s->root, li->chain);
	/* Left by a pull that was killed: we hold the lock, so nobody else uses it. */
	if (store_rm_tree(s, tmp, err) < 0)
		return -1;
	struct unpack_result res = { 0 };
	int rc = fill_tmp(tmp, fill, arg, &res, err);
	if (rc == 0 && strcmp(res.diff_id, li->diff_id) != 0)
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "diff ID mismatch: the config says %s, the layer is %s", li->diff_id,
			     res.diff_id);
	if (rc < 0) {
		drop_tmp(s, tmp);
		return err_wrap(err, "layer %s", li->blob_digest ? li->blob_digest : li->diff_id);
	}
	li->size = res.size;
	return finish(s, li, tmp, existed, err);
}
