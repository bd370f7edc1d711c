/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine handle: the state one front-end process works with (the store, the storage
 * driver as given, the runtime dir once looked up, containers.lock while held, the record
 * parser). eng_open is the one place it is made; nothing of it is process-wide.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int eng_open(const struct eng_open_opts *o, struct eng **out, struct error **err)
{
	const char *driver = o ? o->storage_driver : NULL;
	const char *root = o ? o->root : NULL;
	struct storage *s = NULL;
	autofree char *bad = NULL;
	if (storage_open(driver, root, &s, err) < 0) {
		if (!o->any_driver || driver == NULL || (*err)->kind != ERR_USAGE)
			return -1;
		bad = xstrdup((*err)->msg);
		err_free(err);
		if (storage_open(NULL, root, &s, err) < 0)
			return -1;
	}
	struct eng *e = xzalloc(sizeof(*e));
	e->bad_driver = steal_ptr(&bad);
	e->store = s;
	e->storage_driver = driver ? xstrdup(driver) : NULL;
	e->root = root ? xstrdup(root) : NULL;
	e->names_fd = -1;
	for (size_t i = 0; o != NULL && o->runtime_flags != NULL && o->runtime_flags[i]; i++)
		strv_push(&e->runtime_flags, o->runtime_flags[i]);
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
	free(e->bad_driver);
	free(e->root);
	free(e->run_root);
	strv_free(e->runtime_flags);
	if (e->names_fd >= 0)
		close(e->names_fd);
	if (e->tok != NULL)
		json_tokener_free(e->tok);
	ctr_conf_free(e);
	free(e);
}

struct storage *eng_storage(struct eng *e)
{
	return e->store;
}

int eng_signal_parse(const char *s, int *sig, struct error **err)
{
	/* podman strips every leading dash (kill -s -HUP, -1) before docker's parser, whose
	 * message then names the rest; a number only has to fit, and be in range after. */
	const char *base = s + strspn(s, "-");
	char *end = NULL;
	errno = 0;
	long long n = strtoll(base, &end, 10);
	bool number = end != base && *end == '\0' && errno == 0 && strchr("+0123456789", *base);
	if (number && n == 0)
		return err_set(err, EINVAL, ERR_TOOL, "invalid signal: %s", base);
	if (number && (n < 1 || n > 64))
		return err_set(err, EINVAL, ERR_TOOL, "valid signals are 1 through 64");
	if (number) {
		*sig = (int)n;
		return 0;
	}
	/* Names (any case, SIG optional, RTMIN+N) as the runtime knows them; never a number
	 * here, which the runtime would take without podman's range. */
	struct error *e = NULL;
	if (*base == '\0' || strspn(base, "+0123456789") == strlen(base) ||
	    oci_parse_signal(base, sig, &e) < 0) {
		err_free(&e);
		return err_set(err, EINVAL, ERR_TOOL, "invalid signal: %s", base);
	}
	return 0;
}
