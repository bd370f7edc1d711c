/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network rm and prune (oci/engine/network.c has the records): a network's users are the
 * containers whose record names it in Network (one name or several, comma-separated);
 * rm -f removes them first, as podman does. Both hold networks.lock while they look for
 * users and delete.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- users, rm, prune ---------- */

bool ctr_net_list_has(const char *mode, const char *net)
{
	size_t len = strlen(net);
	for (const char *p = mode; p != NULL && *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == len && strncmp(p, net, len) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* IDs of the containers on network name (owned vector, maybe empty). */
static char **net_users(struct eng *eng, const char *name)
{
	char **ids = xzalloc(sizeof(char *));
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	if (eng_ctr_list_brief(eng, &v, &n, &e) < 0)
		err_free(&e);
	for (size_t i = 0; i < n; i++)
		if (ctr_net_list_has(v[i]->network, name))
			strv_push(&ids, v[i]->id);
	eng_ctr_list_free(v, n);
	return ids;
}

static int net_delete(struct eng *eng, const char *name, struct error **err)
{
	autofree char *path = xasprintf("%s/networks/%s.json", storage_root(eng->store), name);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys(err, "removing %s", path);
	return 0;
}

int eng_net_remove(struct eng *eng, const char *name, bool force, long timeout, bool *removed,
		   struct error **err)
{
	if (removed != NULL)
		*removed = false;
	autoclose int lk = ctr_net_lock(eng, true, err);
	if (lk < 0)
		return -1;
	struct json_object *doc = eng_net_inspect(eng, name, err);
	if (doc == NULL && force && (*err)->kind == ERR_NOSUCH) {
		err_free(err);
		return 0;
	}
	if (doc == NULL)
		return -1;
	autofree char *real = xstrdup(json_str(doc, "name"));
	json_object_put(doc);
	if (strcmp(real, CTR_NET_DEFAULT) == 0)
		return err_set(err, EPERM, ERR_TOOL, "default network %s cannot be removed", real);
	autostrv char **users = net_users(eng, real);
	if (users[0] != NULL && !force)
		return err_set(err, EBUSY, ERR_INUSE,
			       "\"%s\" has associated containers with it. Use -f to forcibly "
			       "delete containers and pods: network is being used",
			       name);
	/* -f removes the containers on it first, as podman does. */
	for (size_t i = 0; users[i]; i++) {
		struct eng_ctr *c = NULL;
		int rc = eng_ctr_lookup(eng, users[i], &c, err);
		if (rc == 0)
			rc = eng_ctr_remove_stopped(eng, c, timeout, err);
		eng_ctr_free(&c);
		if (rc < 0)
			return -1;
	}
	if (net_delete(eng, real, err) < 0)
		return -1;
	if (removed != NULL)
		*removed = true;
	return 0;
}

char **eng_net_prune(struct eng *eng, struct error **err)
{
	autoclose int lk = ctr_net_lock(eng, true, err);
	if (lk < 0)
		return NULL;
	char **removed = xzalloc(sizeof(char *));
	struct json_object *all = eng_net_list_all(eng);
	for (size_t i = 0; i < json_len(all); i++) {
		const char *name = json_str(json_idx(all, i), "name");
		if (strcmp(name, CTR_NET_DEFAULT) == 0)
			continue;
		autostrv char **users = net_users(eng, name);
		if (users[0] != NULL)
			continue;
		if (net_delete(eng, name, err) < 0) {
			json_object_put(all);
			strv_free(removed);
			return NULL;
		}
		strv_push(&removed, name);
	}
	json_object_put(all);
	return removed;
}
