/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers on user-defined networks (--network NAME[,NAME...]): at each start the
 * container joins the user's shared network namespace (net/netns.c), which leases it an
 * address on each network; netavark, given podman's JSON of the networks, makes its veth
 * pairs on the bridges and registers its name and aliases with aardvark-dns. netavark's
 * input is kept as NETNS_DIR/setup/ID.json for the teardown when the container ends (the
 * exit command, or whoever settles an end nobody recorded), which also leaves the
 * namespace; the last container out stops it.
 */
#include "oci/engine/internal.h"
#include "lib/json.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The records of the networks named (comma-separated), in order; NULL on error. */
static struct json_object *net_docs(struct eng *eng, const char *names, struct error **err)
{
	struct json_object *docs = json_object_new_array();
	autofree char *copy = xstrdup(names);
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save)) {
		struct json_object *d = eng_net_inspect(eng, n, err);
		if (d == NULL) {
			json_object_put(docs);
			return NULL;
		}
		if (strcmp(json_str(d, "name"), "podman") == 0) {
			json_object_put(d);
			json_object_put(docs);
			err_set(err, ENOTSUP, ERR_TOOL,
				"the default network podman is not available rootless: create a "
				"network with `hutch network create`");
			return NULL;
		}
		json_object_array_add(docs, d);
	}
	return docs;
}

int ctr_net_check(struct eng *eng, const char *names, struct error **err)
{
	struct json_object *docs = net_docs(eng, names, err);
	json_object_put(docs);
	return docs != NULL ? 0 : -1;
}

/* netavark's input: the container, its address and aliases on each network, and each
 * network's record. */
static struct json_object *netavark_input(const struct eng_ctr *c, struct json_object *docs,
					  struct json_object *leases)
{
	struct json_object *in = json_object_new_object();
	struct json_object *nets = json_object_new_object();
	struct json_object *info = json_object_new_object();
	struct json_object *aliases = json_get(c->doc, "NetworkAliases");
	for (size_t i = 0; i < json_len(docs); i++) {
		struct json_object *d = json_idx(docs, i);
		const char *name = json_str(d, "name");
		struct json_object *o = json_object_new_object();
		struct json_object *ips = json_object_new_array();
		if (json_str(leases, name) != NULL)
			json_object_array_add(ips, json_object_new_string(json_str(leases, name)));
		json_object_object_add(o, "static_ips", ips);
		json_object_object_add(
		    o, "aliases", aliases ? json_object_get(aliases) : json_object_new_array());
		autofree char *ifname = xasprintf("eth%zu", i);
		json_object_object_add(o, "interface_name", json_object_new_string(ifname));
		json_object_object_add(nets, name, o);
		json_object_object_add(info, name, json_object_get(d));
	}
	/* -p: netavark's DNAT in the shared namespace, from the host port (where slirp4netns
	 * forwards it) to the container's. */
	struct json_object *pm = json_object_new_array();
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct net_port *p = &c->ports[i];
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "host_ip", json_object_new_string(""));
		json_object_object_add(m, "container_port", json_object_new_int(p->container_port));
		json_object_object_add(m, "host_port", json_object_new_int(p->host_port));
		json_object_object_add(m, "range", json_object_new_int(p->count));
		json_object_object_add(m, "protocol",
				       json_object_new_string(net_proto_name(p->proto)));
		json_object_array_add(pm, m);
	}
	if (c->n_ports > 0)
		json_object_object_add(in, "port_mappings", pm);
	else
		json_object_put(pm);
	json_object_object_add(in, "container_id", json_object_new_string(c->id));
	json_object_object_add(in, "container_name", json_object_new_string(c->name));
	json_object_object_add(in, "networks", nets);
	json_object_object_add(in, "network_info", info);
	return in;
}

/* resolv.conf (aardvark-dns on each network's gateway that has DNS), hosts and hostname. */
static int write_etc(const struct eng_ctr *c, struct json_object *docs, struct json_object *leases,
		     const char *run, struct error **err)
{
	autostrv char **dns = NULL;
	const char *own = NULL;
	for (size_t i = 0; i < json_len(docs); i++) {
		struct json_object *d = json_idx(docs, i);
		if (own == NULL)
			own = json_str(leases, json_str(d, "name"));
		if (json_get(d, "dns_enabled") == NULL ||
		    !json_object_get_boolean(json_get(d, "dns_enabled")))
			continue;
		const char *gw = json_str(json_idx(json_get(d, "subnets"), 0), "gateway");
		if (gw != NULL && !strv_contains(dns, gw))
			strv_push(&dns, gw);
	}
	struct net_mode mode;
	if (net_parse_mode(c->network, &mode, err) < 0)
		return -1;
	struct net_etc_opts eo = { .mode = &mode,
				   .hostname = *c->hostname ? c->hostname : c->name,
				   .name = c->name,
				   .dns = c->dns,
				   .dns_search = c->dns_search,
				   .dns_options = c->dns_options,
				   .add_hosts = c->extra_hosts,
				   .net_dns = dns,
				   .own_ip = own };
	int rc = net_write_etc_files(&eo, run, err);
	net_mode_clear(&mode);
	return rc;
}

static char *setup_path(const char *dir, const char *id)
{
	return xasprintf("%s/setup/%s.json", dir, id);
}

static char *ports_path(const char *dir, const char *id)
{
	return xasprintf("%s/setup/%s.ports", dir, id);
}

/* Remove the slirp4netns forwards of a container (their ids in setup/ID.ports). */
static void ports_unforward(const char *dir, const char *id)
{
	autofree char *path = ports_path(dir, id);
	autofree char *api = xasprintf("%s/slirp4netns.sock", dir);
	autofree char *text = NULL;
	if (fs_read_file(path, 1 << 16, &text, NULL, NULL) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(text, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
			net_slirp_unforward(api, atoi(t));
	}
	unlink(path);
}

/* Have slirp4netns forward the container's published ports into the shared namespace. */
static int ports_forward(const char *dir, const struct eng_ctr *c, struct error **err)
{
	if (c->n_ports == 0)
		return 0;
	autofree char *api = xasprintf("%s/slirp4netns.sock", dir);
	autofree char *ids = xstrdup("");
	int rc = 0;
	for (size_t i = 0; i < c->n_ports && rc == 0; i++) {
		for (unsigned k = 0; k < c->ports[i].count && rc == 0; k++) {
			int id = -1;
			rc = net_slirp_forward(api, &c->ports[i], k, &id, err);
			char *more = xasprintf("%s%d\n", ids, id);
			free(ids);
			ids = more;
		}
	}
	autofree char *path = ports_path(dir, c->id);
	struct error *e = NULL;
	if (fs_write_replace(path, ids, strlen(ids), 0600, rc == 0 ? err : &e) < 0 && rc == 0)
		rc = -1;
	err_free(&e);
	if (rc < 0)
		ports_unforward(dir, c->id);
	return rc;
}

int ctr_net_attach(struct eng *eng, const struct eng_ctr *c, const char *run, const char *pause,
		   pid_t *holder, char **input, struct error **err)
{
	autofree char *dir = ctr_netns_dir(eng, err);
	if (dir == NULL)
		return -1;
	if (pause == NULL)
		return err_msg(err, "hutch-init not found beside hutch: it holds the network "
				    "namespace");
	struct json_object *docs = net_docs(eng, c->network, err);
	if (docs == NULL)
		return -1;
	/* A start after an end nobody tore down (a killed monitor): that first. */
	ctr_net_detach(eng, c->id);
	struct json_object *leases = NULL;
	int rc = net_netns_acquire(dir, pause, c->id, docs, holder, &leases, err);
	struct json_object *in = NULL;
	if (rc == 0) {
		in = netavark_input(c, docs, leases);
		*input = xstrdup(json_object_to_json_string(in));
		autofree char *sdir = xasprintf("%s/setup", dir);
		autofree char *path = setup_path(dir, c->id);
		rc = fs_mkdir_p(sdir, 0700, err);
		if (rc == 0)
			rc = fs_write_replace(path, *input, strlen(*input), 0600, err);
	}
	if (rc == 0)
		rc = ports_forward(dir, c, err);
	if (rc == 0)
		rc = write_etc(c, docs, leases, run, err);
	if (rc < 0 && leases != NULL) {
		struct error *e = NULL;
		autofree char *path = setup_path(dir, c->id);
		unlink(path);
		ports_unforward(dir, c->id);
		if (net_netns_release(dir, c->id, &e) < 0)
			err_free(&e);
	}
	json_object_put(in);
	json_object_put(leases);
	json_object_put(docs);
	return rc;
}

int ctr_net_setup(const char *netns_dir, pid_t holder, pid_t init, const char *id,
		  const char *input, const char *run, struct error **err)
{
	autofree char *out = NULL;
	if (net_netavark(netns_dir, holder, "setup", init, id, input, &out, err) < 0)
		return err_wrap(err, "setting up the container's networks");
	/* The resolv.conf written at attach names the aardvark-dns addresses to wait for. */
	autofree char *resolv_path = xasprintf("%s/resolv.conf", run);
	autofree char *resolv = NULL;
	autostrv char **dns = NULL;
	if (fs_read_file(resolv_path, 1 << 16, &resolv, NULL, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(resolv, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			if (strncmp(l, "nameserver ", 11) == 0)
				strv_push(&dns, l + 11);
	}
	net_netns_wait_dns(holder, dns, 2000);
	/* What netavark made (interfaces, addresses, MACs), for inspect. */
	autofree char *path = xasprintf("%s/networks.json", run);
	return fs_write_replace(path, out, strlen(out), 0600, err);
}

void ctr_net_detach(struct eng *eng, const char *id)
{
	struct error *e = NULL;
	autofree char *dir = ctr_netns_dir(eng, &e);
	if (dir == NULL) {
		err_free(&e);
		return;
	}
	/* Exactly one of those that may end it at once (the exit command, rm -f, a settle)
	 * tears it down: the one whose rename of the setup file wins. */
	autofree char *live = setup_path(dir, id);
	autofree char *path = xasprintf("%s.%d", live, (int)getpid());
	if (rename(live, path) < 0)
		return; /* on no network, or another tears it down */
	autofree char *input = NULL;
	pid_t holder;
	if (fs_read_file(path, 1 << 20, &input, NULL, NULL) == 0 &&
	    net_netns_holder(dir, &holder) == 0 &&
	    net_netavark(dir, holder, "teardown", 0, id, input, NULL, &e) < 0) {
		log_warn("container %.12s: %s", id, e->msg);
		err_free(&e);
	}
	unlink(path);
	ports_unforward(dir, id);
	if (net_netns_release(dir, id, &e) < 0) {
		log_warn("container %.12s: leaving the network namespace: %s", id, e->msg);
		err_free(&e);
	}
}

char **eng_ctr_networks(const struct eng_ctr *c)
{
	char **v = xcalloc(1, sizeof(char *));
	struct net_mode mode;
	if (c->network == NULL || net_parse_mode(c->network, &mode, NULL) < 0)
		return v;
	bool networks = mode.kind == NET_MODE_NETWORKS;
	net_mode_clear(&mode);
	if (!networks)
		return v;
	autofree char *copy = xstrdup(c->network);
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save))
		strv_push(&v, n);
	return v;
}

struct json_object *ctr_net_status(struct eng *eng, const struct eng_ctr *c)
{
	struct net_mode mode;
	if (c->network == NULL || net_parse_mode(c->network, &mode, NULL) < 0)
		return NULL;
	bool networks = mode.kind == NET_MODE_NETWORKS;
	net_mode_clear(&mode);
	if (!networks)
		return NULL;
	/* netavark's answer at the last start, while the container runs. */
	struct json_object *st = NULL;
	if (c->state.status == ENG_CTR_RUNNING) {
		struct error *e = NULL;
		autofree char *run = eng_ctr_run_dir(eng, c->id, &e);
		err_free(&e);
		autofree char *path = run ? xasprintf("%s/networks.json", run) : NULL;
		st = path ? json_file_at(AT_FDCWD, path, 1 << 20) : NULL;
	}
	struct json_object *out = json_object_new_object();
	autofree char *copy = xstrdup(c->network);
	char *save = NULL;
	for (char *n = strtok_r(copy, ",", &save); n != NULL; n = strtok_r(NULL, ",", &save)) {
		struct json_object *o = json_object_new_object();
		struct json_object *ifs = json_get(json_get(st, n), "interfaces");
		const char *mac = NULL, *gw = NULL, *ipnet = NULL;
		if (ifs != NULL && json_object_is_type(ifs, json_type_object)) {
			json_object_object_foreach (ifs, ifname, iface) {
				(void)ifname;
				mac = json_str(iface, "mac_address");
				struct json_object *sub = json_idx(json_get(iface, "subnets"), 0);
				gw = json_str(sub, "gateway");
				ipnet = json_str(sub, "ipnet");
				break;
			}
		}
		const char *slash = ipnet ? strchr(ipnet, '/') : NULL;
		autofree char *ip = slash ? xstrndup(ipnet, (size_t)(slash - ipnet)) : NULL;
		json_object_object_add(o, "Gateway", json_object_new_string(gw ? gw : ""));
		json_object_object_add(o, "IPAddress", json_object_new_string(ip ? ip : ""));
		json_object_object_add(o, "IPPrefixLen",
				       json_object_new_int(slash ? atoi(slash + 1) : 0));
		json_object_object_add(o, "MacAddress", json_object_new_string(mac ? mac : ""));
		/* The aliases given, then the short ID, which aardvark-dns answers too. */
		struct json_object *al = json_object_new_array();
		struct json_object *given = json_get(c->doc, "NetworkAliases");
		for (size_t i = 0; i < json_len(given); i++)
			json_object_array_add(al, json_object_get(json_idx(given, i)));
		autofree char *short_id = xstrndup(c->id, 12);
		json_object_array_add(al, json_object_new_string(short_id));
		json_object_object_add(o, "Aliases", al);
		json_object_object_add(out, n, o);
	}
	json_object_put(st);
	return out;
}
