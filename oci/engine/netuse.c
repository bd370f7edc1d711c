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

/* The names in a record's Network value of user-defined networks: none for
 * NET_NO_NETWORKS. */
static const char *list_names(const char *network)
{
	return strcmp(network, NET_NO_NETWORKS) == 0 ? "" : network;
}

/* The records of the networks named (comma-separated), in order; NULL on error. */
static struct json_object *net_docs(struct eng *eng, const char *names, struct error **err)
{
	struct json_object *docs = json_object_new_array();
	autofree char *copy = xstrdup(list_names(names));
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

struct json_object *ctr_net_opts(const struct eng_ctr *c, const char *name)
{
	return json_get(json_get(c->doc, "NetworkOpts"), name);
}

/* The first ethN that cur (netavark's input of the networks already set up, or NULL) and
 * nets (those added so far) do not use (owned). */
static char *free_ifname(struct json_object *cur, struct json_object *nets)
{
	for (unsigned n = 0;; n++) {
		char name[16];
		snprintf(name, sizeof(name), "eth%u", n);
		bool used = false;
		struct json_object *sets[] = { json_get(cur, "networks"), nets };
		for (size_t k = 0; k < 2 && !used; k++) {
			if (!json_object_is_type(sets[k], json_type_object))
				continue;
			json_object_object_foreach (sets[k], net, o) {
				(void)net;
				const char *have = json_str(o, "interface_name");
				if (have != NULL && strcmp(have, name) == 0)
					used = true;
			}
		}
		if (!used)
			return xstrdup(name);
	}
}

/* The network record d as netavark gets it (owned): without an mtu option, the bridge and
 * veths get the uplink's, slirp4netns's 65520, rather than netavark's 1500. slirp4netns reads
 * one frame per read(2) from its tap device, and the kernel cuts what it forwards there
 * into frames of the sender's MTU: with 1500 the uplink is 4-5x slower (podman 4's
 * rootless networks keep 1500 and share that limit). The stored record keeps no such
 * option, so inspect shows what was asked for. */
static struct json_object *uplink_mtu(struct json_object *d)
{
	const char *have = json_str(json_get(d, "options"), "mtu");
	if (have != NULL && *have != '\0')
		return json_object_get(d);
	struct json_object *copy = NULL;
	if (json_object_deep_copy(d, &copy, NULL) < 0)
		return json_object_get(d);
	struct json_object *opts = json_get(copy, "options");
	if (!json_object_is_type(opts, json_type_object)) {
		opts = json_object_new_object();
		json_object_object_add(copy, "options", opts);
	}
	char mtu[16];
	snprintf(mtu, sizeof(mtu), "%u", (unsigned)NET_SLIRP_DEFAULT_MTU);
	json_object_object_add(opts, "mtu", json_object_new_string(mtu));
	return copy;
}

/* netavark's input: the container, its address and aliases on each network of docs (the
 * interface names the first free beside those of cur, the input already set up, or NULL),
 * the MACs asked for or kept (macs: {name: MAC}, may be NULL), and each network's record. */
static struct json_object *netavark_input(const struct eng_ctr *c, struct json_object *docs,
					  struct json_object *leases, struct json_object *cur,
					  struct json_object *macs)
{
	struct json_object *in = json_object_new_object();
	struct json_object *nets = json_object_new_object();
	struct json_object *info = json_object_new_object();
	struct json_object *aliases = json_get(c->doc, "NetworkAliases");
	for (size_t i = 0; i < json_len(docs); i++) {
		struct json_object *d = json_idx(docs, i);
		const char *name = json_str(d, "name");
		struct json_object *opts = ctr_net_opts(c, name);
		struct json_object *o = json_object_new_object();
		struct json_object *ips = json_object_new_array();
		if (json_str(leases, name) != NULL)
			json_object_array_add(ips, json_object_new_string(json_str(leases, name)));
		json_object_object_add(o, "static_ips", ips);
		/* connect --alias gives a network its own; else --network-alias's. */
		struct json_object *al =
		    json_get(opts, "Aliases") ? json_get(opts, "Aliases") : aliases;
		json_object_object_add(o, "aliases",
				       al ? json_object_get(al) : json_object_new_array());
		const char *mac =
		    json_str(macs, name) ? json_str(macs, name) : json_str(opts, "MacAddress");
		if (mac != NULL && *mac != '\0')
			json_object_object_add(o, "static_mac", json_object_new_string(mac));
		autofree char *ifname = free_ifname(cur, nets);
		json_object_object_add(o, "interface_name", json_object_new_string(ifname));
		json_object_object_add(nets, name, o);
		json_object_object_add(info, name, uplink_mtu(d));
	}
	json_object_object_add(in, "container_id", json_object_new_string(c->id));
	json_object_object_add(in, "container_name", json_object_new_string(c->name));
	json_object_object_add(in, "networks", nets);
	json_object_object_add(in, "network_info", info);
	return in;
}

/* {name: the address asked for} of the container's networks (owned, maybe empty). */
static struct json_object *wanted_ips(const struct eng_ctr *c, struct json_object *docs)
{
	struct json_object *w = json_object_new_object();
	for (size_t i = 0; i < json_len(docs); i++) {
		const char *name = json_str(json_idx(docs, i), "name");
		const char *ip = json_str(ctr_net_opts(c, name), "IPAddress");
		if (ip != NULL && *ip != '\0')
			json_object_object_add(w, name, json_object_new_string(ip));
	}
	return w;
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

/* Remove the slirp4netns forwards of a container (their ids in setup/ID.ports), which
 * hutch before the monitor's relay (oci/monitor/tcpfwd.c) made for -p: a container
 * started by it may still run. */
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
	/* The helpers first: nothing to undo when one is missing. */
	bool dns = false;
	for (size_t i = 0; i < json_len(docs); i++)
		dns = dns || json_object_get_boolean(json_get(json_idx(docs, i), "dns_enabled"));
	if (net_netavark_check(dns, err) < 0) {
		json_object_put(docs);
		return -1;
	}
	/* A start after an end nobody tore down (a killed monitor): that first. */
	ctr_net_detach(eng, c->id);
	struct json_object *leases = NULL;
	struct json_object *want = wanted_ips(c, docs);
	int rc = net_netns_acquire(dir, pause, c->id, docs, want, holder, &leases, err);
	json_object_put(want);
	struct json_object *in = NULL;
	if (rc == 0) {
		in = netavark_input(c, docs, leases, NULL, NULL);
		*input = xstrdup(json_object_to_json_string(in));
		autofree char *sdir = xasprintf("%s/setup", dir);
		autofree char *path = setup_path(dir, c->id);
		rc = fs_mkdir_p(sdir, 0700, err);
		if (rc == 0)
			rc = fs_write_replace(path, *input, strlen(*input), 0600, err);
	}
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
	autofree unsigned long *before = net_netns_dns_inodes(holder, dns);
	autofree char *out = NULL;
	if (net_netavark(netns_dir, holder, "setup", init, id, input, &out, err) < 0)
		return err_wrap(err, "setting up the container's networks");
	net_netns_wait_dns(holder, dns, before, 2000);
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
	autofree char *copy = xstrdup(list_names(c->network));
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
	autofree char *copy = xstrdup(list_names(c->network));
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
		struct json_object *given = json_get(ctr_net_opts(c, n), "Aliases");
		if (given == NULL)
			given = json_get(c->doc, "NetworkAliases");
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

/* ---------- a running container's networks: connect, disconnect, reload ---------- */

/* netavark's input of the container's networks as set up (owned), or NULL when it has none
 * set up (not running, or on no user-defined network). */
static struct json_object *live_input(const char *dir, const char *id)
{
	autofree char *path = setup_path(dir, id);
	return json_file_at(AT_FDCWD, path, 1 << 20);
}

static int live_input_save(const char *dir, const char *id, struct json_object *in,
			   struct error **err)
{
	autofree char *path = setup_path(dir, id);
	const char *text = json_object_to_json_string(in);
	return fs_write_replace(path, text, strlen(text), 0600, err);
}

/* run/networks.json (netavark's answers, for inspect): add out's networks, or drop name. */
static void status_update(struct eng *eng, const char *id, const char *out, const char *drop)
{
	struct error *e = NULL;
	autofree char *run = eng_ctr_run_dir(eng, id, &e);
	autofree char *path = run ? xasprintf("%s/networks.json", run) : NULL;
	struct json_object *st = path ? json_file_at(AT_FDCWD, path, 1 << 20) : NULL;
	if (st == NULL)
		st = json_object_new_object();
	struct json_object *add = out ? json_tokener_parse(out) : NULL;
	if (json_object_is_type(add, json_type_object)) {
		json_object_object_foreach (add, k, v)
			json_object_object_add(st, k, json_object_get(v));
	}
	if (drop != NULL)
		json_object_object_del(st, drop);
	const char *text = json_object_to_json_string(st);
	if (path != NULL && fs_write_replace(path, text, strlen(text), 0600, &e) < 0)
		log_warn("container %.12s: %s", id, e->msg);
	err_free(&e);
	json_object_put(add);
	json_object_put(st);
}

/* Copy src's contents into dst in place: dst is bind-mounted into the running container,
 * which a rename would not reach. */
static int copy_in_place(const char *src, const char *dst, struct error **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(src, 1 << 20, &text, &len, err) < 0)
		return -1;
	autoclose int fd = open(dst, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, text, len) < 0)
		return err_sys(err, "writing %s", dst);
	return 0;
}

/* The container's /etc/hosts and resolv.conf again, for its networks now. */
static int etc_refresh(struct eng *eng, const struct eng_ctr *c, const char *dir,
		       struct error **err)
{
	autofree char *run = eng_ctr_run_dir(eng, c->id, err);
	if (run == NULL)
		return -1;
	struct json_object *docs = net_docs(eng, c->network, err);
	if (docs == NULL)
		return -1;
	struct json_object *leases = net_netns_leases(dir, c->id);
	autofree char *tmp = xasprintf("%s/.etc-new", run);
	int rc = fs_mkdir_p(tmp, 0700, err);
	if (rc == 0)
		rc = write_etc(c, docs, leases, tmp, err);
	static const char *const files[] = { "hosts", "resolv.conf", "hostname" };
	for (size_t i = 0; i < 3; i++) {
		autofree char *src = xasprintf("%s/%s", tmp, files[i]);
		autofree char *dst = xasprintf("%s/%s", run, files[i]);
		if (rc == 0 && i < 2)
			rc = copy_in_place(src, dst, err);
		unlink(src);
	}
	rmdir(tmp);
	json_object_put(leases);
	json_object_put(docs);
	return rc;
}

/* The gateways with DNS of the networks in cur (netavark's input) and docs: a JSON array
 * of strings (owned). */
static struct json_object *live_dns(struct json_object *cur, struct json_object *docs)
{
	struct json_object *out = json_object_new_array();
	struct json_object *info = json_get(cur, "network_info");
	struct json_object *all = json_object_new_array();
	if (json_object_is_type(info, json_type_object)) {
		json_object_object_foreach (info, k, d) {
			(void)k;
			json_object_array_add(all, json_object_get(d));
		}
	}
	for (size_t i = 0; i < json_len(docs); i++)
		json_object_array_add(all, json_object_get(json_idx(docs, i)));
	for (size_t i = 0; i < json_len(all); i++) {
		struct json_object *d = json_idx(all, i);
		const char *gw = json_str(json_idx(json_get(d, "subnets"), 0), "gateway");
		if (gw != NULL && json_object_get_boolean(json_get(d, "dns_enabled")))
			json_object_array_add(out, json_object_new_string(gw));
	}
	json_object_put(all);
	return out;
}

int ctr_net_live_add(struct eng *eng, const struct eng_ctr *c, const char *name, struct error **err)
{
	autofree char *dir = ctr_netns_dir(eng, err);
	if (dir == NULL)
		return -1;
	struct json_object *cur = live_input(dir, c->id);
	pid_t holder;
	if (cur == NULL || net_netns_holder(dir, &holder) < 0) {
		json_object_put(cur);
		return 0; /* nothing set up: the next start sets up all its networks */
	}
	struct json_object *docs = net_docs(eng, name, err);
	struct json_object *want = docs ? wanted_ips(c, docs) : NULL;
	struct json_object *leases = docs ? net_netns_lease_add(dir, c->id, docs, want, err) : NULL;
	struct json_object *in = leases ? netavark_input(c, docs, leases, cur, NULL) : NULL;
	/* aardvark-dns rebinds all of its sockets when netavark tells it of the change. */
	autostrv char **dns = NULL;
	struct json_object *rows = live_dns(cur, docs);
	for (size_t i = 0; i < json_len(rows); i++)
		strv_push(&dns, json_object_get_string(json_idx(rows, i)));
	json_object_put(rows);
	autofree unsigned long *before = net_netns_dns_inodes(holder, dns);
	autofree char *out = NULL;
	int rc = in ? 0 : -1;
	if (rc == 0 && net_netavark(dir, holder, "setup", 0, c->id, json_object_to_json_string(in),
				    &out, err) < 0) {
		net_netns_lease_drop(dir, c->id, name);
		rc = err_wrap(err, "connecting container %.12s to network %s", c->id, name);
	}
	if (rc == 0) {
		json_object_object_add(json_get(cur, "networks"), name,
				       json_object_get(json_get(json_get(in, "networks"), name)));
		json_object_object_add(json_get(cur, "network_info"), name,
				       json_object_get(json_idx(docs, 0)));
		rc = live_input_save(dir, c->id, cur, err);
		status_update(eng, c->id, out, NULL);
	}
	if (rc == 0)
		rc = etc_refresh(eng, c, dir, err);
	if (rc == 0)
		net_netns_wait_dns(holder, dns, before, 2000);
	json_object_put(in);
	json_object_put(leases);
	json_object_put(want);
	json_object_put(docs);
	json_object_put(cur);
	return rc;
}

/* cur (netavark's input as set up) restricted to network name, or all of it (NULL). */
static struct json_object *input_part(struct json_object *cur, const char *name)
{
	struct json_object *in = json_object_new_object();
	json_object_object_foreach (cur, k, v) {
		if (name == NULL ||
		    (strcmp(k, "networks") != 0 && strcmp(k, "network_info") != 0)) {
			json_object_object_add(in, k, json_object_get(v));
			continue;
		}
		struct json_object *o = json_object_new_object();
		if (json_get(v, name) != NULL)
			json_object_object_add(o, name, json_object_get(json_get(v, name)));
		json_object_object_add(in, k, o);
	}
	return in;
}

int ctr_net_live_remove(struct eng *eng, const struct eng_ctr *c, const char *name,
			struct error **err)
{
	autofree char *dir = ctr_netns_dir(eng, err);
	if (dir == NULL)
		return -1;
	struct json_object *cur = live_input(dir, c->id);
	pid_t holder;
	if (cur == NULL || json_get(json_get(cur, "networks"), name) == NULL ||
	    net_netns_holder(dir, &holder) < 0) {
		json_object_put(cur);
		return 0;
	}
	struct json_object *in = input_part(cur, name);
	int rc = net_netavark(dir, holder, "teardown", -1, c->id, json_object_to_json_string(in),
			      NULL, err);
	if (rc < 0)
		rc = err_wrap(err, "disconnecting container %.12s from network %s", c->id, name);
	if (rc == 0) {
		json_object_object_del(json_get(cur, "networks"), name);
		json_object_object_del(json_get(cur, "network_info"), name);
		rc = live_input_save(dir, c->id, cur, err);
		net_netns_lease_drop(dir, c->id, name);
		status_update(eng, c->id, NULL, name);
	}
	if (rc == 0)
		rc = etc_refresh(eng, c, dir, err);
	json_object_put(in);
	json_object_put(cur);
	return rc;
}

int ctr_net_live_reload(struct eng *eng, const struct eng_ctr *c, struct error **err)
{
	autofree char *dir = ctr_netns_dir(eng, err);
	if (dir == NULL)
		return -1;
	struct json_object *cur =
	    c->state.status == ENG_CTR_RUNNING ? live_input(dir, c->id) : NULL;
	pid_t holder;
	if (cur == NULL || net_netns_holder(dir, &holder) < 0) {
		json_object_put(cur);
		return err_set(err, EINVAL, ERR_TOOL,
			       "cannot reload network unless container network has been "
			       "configured: container state improper");
	}
	/* The same addresses and MACs again (podman's reload keeps both). */
	autofree char *run = eng_ctr_run_dir(eng, c->id, err);
	autofree char *path = run ? xasprintf("%s/networks.json", run) : NULL;
	struct json_object *st = path ? json_file_at(AT_FDCWD, path, 1 << 20) : NULL;
	json_object_object_foreach (json_get(cur, "networks"), name, o) {
		struct json_object *ifs = json_get(json_get(st, name), "interfaces");
		if (!json_object_is_type(ifs, json_type_object))
			continue;
		json_object_object_foreach (ifs, ifname, iface) {
			(void)ifname;
			const char *mac = json_str(iface, "mac_address");
			if (mac != NULL)
				json_object_object_add(o, "static_mac",
						       json_object_new_string(mac));
		}
	}
	json_object_put(st);
	const char *text = json_object_to_json_string(cur);
	/* Whatever is left of the interfaces and rules goes first; a teardown of what is
	 * already gone is no error here. */
	autostrv char **dns = NULL;
	struct json_object *rows = live_dns(cur, NULL);
	for (size_t i = 0; i < json_len(rows); i++)
		strv_push(&dns, json_object_get_string(json_idx(rows, i)));
	json_object_put(rows);
	autofree unsigned long *before = net_netns_dns_inodes(holder, dns);
	struct error *e = NULL;
	if (net_netavark(dir, holder, "teardown", -1, c->id, text, NULL, &e) < 0)
		err_free(&e);
	autofree char *out = NULL;
	int rc = net_netavark(dir, holder, "setup", 0, c->id, text, &out, err);
	if (rc == 0)
		net_netns_wait_dns(holder, dns, before, 2000);
	if (rc == 0) {
		rc = live_input_save(dir, c->id, cur, err);
		status_update(eng, c->id, out, NULL);
	}
	json_object_put(cur);
	return rc;
}
