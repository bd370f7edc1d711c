/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network connect, disconnect and reload: the record's Network (the names, comma-separated)
 * and NetworkOpts (per network: Aliases, IPAddress, MacAddress) change under the
 * container's lock; on a running container netuse.c sets up or tears down that one network
 * in its network namespace first, so a failure there leaves the record as it was. The
 * networks lock (shared) keeps a network from going away meanwhile; it is taken before the
 * container's, in the order network rm takes them.
 */
#include "oci/engine/internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* list without net (owned). */
static char *list_without(const char *list, const char *net)
{
	autofree char *copy = xstrdup(list);
	char *out = xstrdup(""), *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save)) {
		if (strcmp(n, net) == 0)
			continue;
		char *more = xasprintf("%s%s%s", out, *out ? "," : "", n);
		free(out);
		out = more;
	}
	return out;
}

/* Write c's record (hutch.json and the brief one in state.json), under its lock. */
static int record_save(struct eng *eng, struct eng_ctr *c, struct error **err)
{
	autofree char *rec =
	    xasprintf("%s/containers/%s/hutch.json", storage_root(eng->store), c->id);
	const char *text = json_object_to_json_string_ext(
	    c->doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (ctr_brief_update(eng, c->id, c->doc, err) < 0 ||
	    fs_write_atomic(rec, text, strlen(text), 0600, err) < 0)
		return -1;
	return 0;
}

static void set_network(struct eng_ctr *c, const char *list)
{
	json_object_object_add(c->doc, "Network", json_object_new_string(list));
	free(c->network);
	c->network = xstrdup(list);
}

/* The container's record as it is now, under its lock (*lk), checked to be on user-defined
 * networks; the network's real name in *real (owned). */
static struct eng_ctr *conn_begin(struct eng *eng, const struct eng_ctr *c, const char *net,
				  int *lk, char **real, struct error **err)
{
	struct json_object *doc = eng_net_inspect(eng, net, err);
	if (doc == NULL)
		return NULL;
	*real = xstrdup(json_str(doc, "name"));
	json_object_put(doc);
	if ((*lk = ctr_lock(eng, c->id, err)) < 0)
		return NULL;
	struct eng_ctr *cur = ctr_load(eng, AT_FDCWD, c->id, false);
	if (cur == NULL) {
		err_set(err, ENOENT, ERR_NOSUCH,
			"no container with name or ID \"%s\" found: no "
			"such container",
			c->name);
		return NULL;
	}
	struct net_mode m;
	bool networks = cur->network != NULL && net_parse_mode(cur->network, &m, NULL) == 0 &&
			m.kind == NET_MODE_NETWORKS;
	if (cur->network != NULL && networks)
		net_mode_clear(&m);
	if (!networks) {
		err_set(err, EINVAL, ERR_TOOL,
			"container %s is not on a user-defined network (--network %s): network "
			"mode does not support networks",
			cur->name, cur->network ? cur->network : "slirp4netns");
		eng_ctr_free(&cur);
	}
	return cur;
}

/* A MAC address as podman takes it: six hex octets, colon-separated. */
static bool is_mac(const char *s)
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
			return false;
		s += 2;
		if (i < 5 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

int ctr_net_opts_check(const char *ip, const char *mac, struct error **err)
{
	int fam;
	uint8_t a[16];
	if (ip != NULL && *ip && (net_ip_parse(ip, &fam, a) < 0 || fam != AF_INET))
		return err_set(err, EINVAL, ERR_TOOL, "%s is not an IP address", ip);
	if (mac != NULL && *mac && !is_mac(mac))
		return err_set(err, EINVAL, ERR_TOOL, "address %s: invalid MAC address", mac);
	return 0;
}

int eng_net_connect(struct eng *eng, const struct eng_ctr *c, const char *net,
		    const struct eng_net_conn_opts *o, struct error **err)
{
	if (ctr_net_opts_check(o->ip, o->mac, err) < 0)
		return -1;
	autoclose int nlk = ctr_net_lock(eng, false, err);
	if (nlk < 0)
		return -1;
	autofree char *real = NULL;
	autoclose int lk = -1;
	autoctr struct eng_ctr *cur = conn_begin(eng, c, net, &lk, &real, err);
	if (cur == NULL)
		return -1;
	if (strcmp(real, CTR_NET_DEFAULT) == 0)
		return err_set(err, ENOTSUP, ERR_TOOL,
			       "the default network podman is not available rootless: create a "
			       "network with `hutch network create`");
	if (ctr_net_list_has(cur->network, real))
		return err_set(err, EEXIST, ERR_TOOL,
			       "container %s is already connected to network \"%s\": network is "
			       "already connected",
			       cur->id, real);
	/* On no network (all disconnected): this one alone. */
	autofree char *list = strcmp(cur->network, NET_NO_NETWORKS) == 0
				  ? xstrdup(real)
				  : xasprintf("%s,%s", cur->network, real);
	set_network(cur, list);
	struct json_object *opts = json_object_new_object();
	if (o->aliases != NULL && o->aliases[0] != NULL)
		json_object_object_add(opts, "Aliases", json_from_strv((char **)o->aliases));
	if (o->ip != NULL && *o->ip)
		json_object_object_add(opts, "IPAddress", json_object_new_string(o->ip));
	if (o->mac != NULL && *o->mac)
		json_object_object_add(opts, "MacAddress", json_object_new_string(o->mac));
	struct json_object *all = json_get(cur->doc, "NetworkOpts");
	if (all == NULL) {
		all = json_object_new_object();
		json_object_object_add(cur->doc, "NetworkOpts", all);
	}
	json_object_object_add(all, real, opts);
	if (ctr_net_live_add(eng, cur, real, err) < 0)
		return -1;
	return record_save(eng, cur, err);
}

int eng_net_disconnect(struct eng *eng, const struct eng_ctr *c, const char *net, bool force,
		       struct error **err)
{
	(void)force; /* podman's -f: there is nothing that would refuse without it */
	autoclose int nlk = ctr_net_lock(eng, false, err);
	if (nlk < 0)
		return -1;
	autofree char *real = NULL;
	autoclose int lk = -1;
	autoctr struct eng_ctr *cur = conn_begin(eng, c, net, &lk, &real, err);
	if (cur == NULL)
		return -1;
	if (!ctr_net_list_has(cur->network, real))
		return err_set(err, ENOENT, ERR_TOOL, "container %s is not connected to network %s",
			       c->name, net);
	/* The last one too, as podman: the container keeps its network namespace (lo only,
	 * its published ports closed to clients) and may be connected again. */
	autofree char *list = list_without(cur->network, real);
	set_network(cur, *list != '\0' ? list : NET_NO_NETWORKS);
	struct json_object *opts = json_get(cur->doc, "NetworkOpts");
	if (json_object_is_type(opts, json_type_object))
		json_object_object_del(opts, real);
	if (ctr_net_live_remove(eng, cur, real, err) < 0)
		return -1;
	return record_save(eng, cur, err);
}

int eng_net_reload(struct eng *eng, const struct eng_ctr *c, struct error **err)
{
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	autoctr struct eng_ctr *cur = ctr_load(eng, AT_FDCWD, c->id, false);
	if (cur == NULL)
		return err_set(err, ENOENT, ERR_NOSUCH,
			       "no container with name or ID \"%s\" found: no such container",
			       c->name);
	return ctr_net_live_reload(eng, cur, err);
}

char **eng_net_reload_all(struct eng *eng, struct error **err)
{
	size_t n = 0;
	autostrv char **ids = eng_ctr_all_ids(eng, ENG_CTR_ALL_RUNNING, &n, err);
	if (ids == NULL)
		return NULL;
	char **done = xzalloc(sizeof(char *));
	autofree char *dir = ctr_netns_dir(eng, err);
	for (size_t i = 0; dir != NULL && i < n; i++) {
		/* Only those with networks set up (the others have nothing to reload). */
		autofree char *setup = xasprintf("%s/setup/%s.json", dir, ids[i]);
		if (!fs_exists(setup))
			continue;
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup(eng, ids[i], &c, &e) < 0 || eng_net_reload(eng, c, &e) < 0) {
			log_warn("reloading the networks of container %.12s: %s", ids[i], e->msg);
			err_free(&e);
			continue;
		}
		strv_push(&done, ids[i]);
	}
	return done;
}
