/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine handle: the state one front-end process works with (the store, the storage
 * driver as given, the runtime dir once looked up, containers.lock while held, the record
 * parser). eng_open is the one place it is made; nothing of it is process-wide.
 */
#include "oci/engine/internal.h"

#include <stdlib.h>
#include <unistd.h>

int eng_open(const struct eng_open_opts *o, struct eng **out, struct error **err)
{
	const char *driver = o ? o->storage_driver : NULL;
	const char *root = o ? o->root : NULL;
	struct storage *s = NULL;
	if (storage_open(driver, root, &s, err) < 0)
		return -1;
	struct eng *e = xzalloc(sizeof(*e));
	e->store = s;
	e->storage_driver = driver ? xstrdup(driver) : NULL;
	e->root = root ? xstrdup(root) : NULL;
	e->names_fd = -1;
	*out = e;
	return 0;
}

void eng_close(struct eng **ep)
{
	struct eng *e = *ep;
	if (e == NULL)
		return;
	*ep = NULL;
	storage_close(&e->store);
	free(e->storage_driver);
	free(e->root);
	free(e->run_root);
	if (e->names_fd >= 0)
		close(e->names_fd);
	if (e->tok != NULL)
		json_tokener_free(e->tok);
	free(e);
}

struct storage *eng_storage(struct eng *e)
{
	return e->store;
}
