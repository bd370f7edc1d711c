/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-defined networks: $store/networks/NAME.json, each in podman's network JSON (the
 * shape netavark takes as its network config, so setup hands the record over as it is).
 * networks.lock orders them: create holds it exclusive from choosing a subnet and an
 * interface until the record is in place, rm and prune while they look for users and
 * delete. The default network "podman" (10.88.0.0/16) is podman's, never a file here:
 * listed and inspected, never removed. A network's users are the containers whose record
 * names it in Network (one name or several, comma-separated).
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define NET_JSON_MAX (1 << 20)

static char *net_dir(struct eng *eng)
{
	return xasprintf("%s/networks", storage_root(eng->store));
}

int ctr_net_lock(struct eng *eng, bool excl, struct error **err)
{
	autofree char *dir = net_dir(eng);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(err, "creating %s", dir);
	autofree char *path = xasprintf("%s/networks.lock", storage_root(eng->store));
	int fd = fs_lock(path, O_RDWR | O_CREAT, excl ? LOCK_EX : LOCK_SH);
	return fd < 0 ? err_sys(err, "locking %s", path) : fd;
}

/* podman's default network, made up at each call as podman does for rootless users. */
static struct json_object *net_default_doc(void)
{
	char id[SHA256_HEX_LEN + 1];
	sha256_hex(CTR_NET_DEFAULT, strlen(CTR_NET_DEFAULT), id);
	struct json_object *d = json_object_new_object();
	struct json_object *sub = json_object_new_object();
	json_object_object_add(sub, "subnet", json_object_new_string("10.88.0.0/16"));
	json_object_object_add(sub, "gateway", json_object_new_string("10.88.0.1"));
	struct json_object *subs = json_object_new_array();
	json_object_array_add(subs, sub);
	struct json_object *ipam = json_object_new_object();
	json_object_object_add(ipam, "driver", json_object_new_string("host-local"));
	autofree char *now = ctr_now();
	json_object_object_add(d, "name", json_object_new_string(CTR_NET_DEFAULT));
	json_object_object_add(d, "id", json_object_new_string(id));
	json_object_object_add(d, "driver", json_object_new_string("bridge"));
	json_object_object_add(d, "network_interface", json_object_new_string("podman0"));
	json_object_object_add(d, "created", json_object_new_string(now));
	json_object_object_add(d, "subnets", subs);
	json_object_object_add(d, "ipv6_enabled", json_object_new_boolean(false));
	json_object_object_add(d, "internal", json_object_new_boolean(false));
	json_object_object_add(d, "dns_enabled", json_object_new_boolean(false));
	json_object_object_add(d, "ipam_options", ipam);
	return d;
}

/* The record of network name (a valid name), or NULL. */
static struct json_object *net_load(struct eng *eng, const char *name)
{
	if (strcmp(name, CTR_NET_DEFAULT) == 0)
		return net_default_doc();
	if (!ctr_valid_name(name))
		return NULL;
	autofree char *path = xasprintf("%s/networks/%s.json", storage_root(eng->store), name);
	struct json_object *d = json_file_at(AT_FDCWD, path, NET_JSON_MAX);
	/* A record must name itself and carry an ID; anything else is no network of ours. */
	if (d != NULL && (json_str(d, "name") == NULL || strcmp(json_str(d, "name"), name) != 0 ||
			  json_str(d, "id") == NULL)) {
		json_object_put(d);
		return NULL;
	}
	return d;
}

static int by_name(const void *a, const void *b)
{
	struct json_object *const *x = a, *const *y = b;
	return strcmp(json_str(*x, "name"), json_str(*y, "name"));
}

struct json_object *eng_net_list_all(struct eng *eng)
{
	struct json_object *all = json_object_new_array();
	autofree char *dir = net_dir(eng);
	autoclosedir DIR *d = opendir(dir);
	bool have_default = false;
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		autofree char *name = xstrndup(de->d_name, len - 5);
		struct json_object *doc = net_load(eng, name);
		if (doc != NULL) {
			have_default |= strcmp(name, CTR_NET_DEFAULT) == 0;
			json_object_array_add(all, doc);
		}
	}
	if (!have_default)
		json_object_array_add(all, net_default_doc());
	json_object_array_sort(all, by_name);
	return all;
}

/* The record named, or whose ID is name or starts with it (unique); NULL when none. */
static struct json_object *net_find(struct eng *eng, const char *name)
{
	struct json_object *doc = net_load(eng, name);
	if (doc != NULL || *name == '\0')
		return doc;
	struct json_object *all = eng_net_list_all(eng);
	size_t len = strlen(name);
	for (size_t i = 0; i < json_len(all); i++) {
		struct json_object *n = json_idx(all, i);
		if (strncmp(json_str(n, "id"), name, len) != 0)
			continue;
		if (doc != NULL) { /* ambiguous prefix */
			json_object_put(doc);
			doc = NULL;
			break;
		}
		doc = json_object_get(n);
	}
	json_object_put(all);
	return doc;
}

static int no_such(struct error **err, const char *name)
{
	return err_set(err, ENOENT, ERR_NOSUCH,
		       "unable to find network with name or ID %s: network not found", name);
}

struct json_object *eng_net_inspect(struct eng *eng, const char *name, struct error **err)
{
	struct json_object *doc = net_find(eng, name);
	if (doc == NULL)
		no_such(err, name);
	return doc;
}

/* ---------- create ---------- */

/* Does any subnet of doc overlap c? */
static bool net_overlaps(struct json_object *doc, const struct net_cidr *c)
{
	struct json_object *subs = json_get(doc, "subnets");
	for (size_t i = 0; i < json_len(subs); i++) {
		struct net_cidr o;
		if (net_cidr_parse(json_str(json_idx(subs, i), "subnet"), &o, NULL) == 0 &&
		    net_cidr_overlap(&o, c))
			return true;
	}
	return false;
}

static bool subnet_used(struct json_object *all, const struct net_cidr *c)
{
	for (size_t i = 0; i < json_len(all); i++)
		if (net_overlaps(json_idx(all, i), c))
			return true;
	return net_cidr_on_host(c);
}

/* One subnet entry: {subnet, gateway?, lease_range?}. */
static int subnet_entry(const struct net_cidr *c, const char *gw, const char *range, bool want_gw,
			struct json_object **out, struct error **err)
{
	autofree char *cs = net_cidr_str(c);
	autofree char *gateway = NULL;
	if (gw != NULL && *gw != '\0') {
		int fam;
		uint8_t a[16];
		if (net_ip_parse(gw, &fam, a) < 0)
			return err_set(err, EINVAL, ERR_TOOL, "invalid gateway address: %s", gw);
		if (!net_cidr_contains(c, fam, a))
			return err_set(err, EINVAL, ERR_TOOL, "gateway %s not in subnet %s", gw,
				       cs);
		gateway = xstrdup(gw);
	} else if (want_gw) {
		gateway = net_cidr_nth(c, 1);
	}
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "subnet", json_object_new_string(cs));
	if (gateway != NULL)
		json_object_object_add(e, "gateway", json_object_new_string(gateway));
	if (range != NULL && *range != '\0') {
		struct net_cidr r;
		if (net_cidr_parse(range, &r, err) < 0 || r.family != c->family ||
		    r.prefix < c->prefix || !net_cidr_contains(c, r.family, r.addr)) {
			json_object_put(e);
			if (*err == NULL)
				err_set(err, EINVAL, ERR_TOOL,
					"subnet %s does not contain ip-range %s", cs, range);
			return -1;
		}
		/* podman's lease range: from the range's network + 1 to its last address. */
		autofree char *start = net_cidr_nth(&r, 1);
		autofree char *end = net_cidr_last(&r);
		struct json_object *lr = json_object_new_object();
		json_object_object_add(lr, "start_ip", json_object_new_string(start));
		json_object_object_add(lr, "end_ip", json_object_new_string(end));
		json_object_object_add(e, "lease_range", lr);
	}
	*out = e;
	return 0;
}

/* The subnets array of a create request, given and picked. */
static int net_subnets(const struct eng_net_create_req *req, struct json_object *all,
		       struct json_object **out, bool *ipv6, struct error **err)
{
	size_t ns = strv_len(req->subnets);
	if (ns == 0 && (strv_len(req->gateways) || strv_len(req->ip_ranges)))
		return err_set(err, EINVAL, ERR_TOOL, "cannot set gateway or range without subnet");
	if (strv_len(req->gateways) > ns || strv_len(req->ip_ranges) > ns)
		return err_set(err, EINVAL, ERR_TOOL,
			       "cannot set more gateways or ranges than subnets");
	/* netavark runs aardvark-dns on the gateway: an internal network without DNS has no
	 * gateway at all, as podman's. */
	bool want_gw = !(req->internal && req->disable_dns);
	struct json_object *subs = json_object_new_array();
	bool have4 = false, have6 = false;
	for (size_t i = 0; i < ns; i++) {
		struct net_cidr c;
		struct json_object *e = NULL;
		if (net_cidr_parse(req->subnets[i], &c, err) < 0)
			goto fail;
		if (subnet_used(all, &c)) {
			autofree char *cs = net_cidr_str(&c);
			err_set(err, EEXIST, ERR_TOOL,
				"subnet %s is already used on the host or by another config", cs);
			goto fail;
		}
		const char *gw = i < strv_len(req->gateways) ? req->gateways[i] : NULL;
		const char *rg = i < strv_len(req->ip_ranges) ? req->ip_ranges[i] : NULL;
		if (subnet_entry(&c, gw, rg, want_gw, &e, err) < 0)
			goto fail;
		json_object_array_add(subs, e);
		have4 |= c.family == AF_INET;
		have6 |= c.family == AF_INET6;
	}
	*ipv6 = req->ipv6 || have6;
	/* None given: the first free 10.89.N.0/24 (and with --ipv6, a random ULA /64). */
	for (unsigned int n = 0; ns == 0 && !have4; n++) {
		if (n > 255) {
			err_set(err, ENOSPC, ERR_TOOL,
				"could not find free subnet from subnet pools");
			goto fail;
		}
		struct net_cidr c;
		autofree char *cs = xasprintf("10.89.%u.0/24", n);
		net_cidr_parse(cs, &c, NULL);
		if (subnet_used(all, &c))
			continue;
		struct json_object *e = NULL;
		subnet_entry(&c, NULL, NULL, want_gw, &e, NULL);
		json_object_array_add(subs, e);
		have4 = true;
	}
	while (*ipv6 && !have6) {
		struct net_cidr c;
		net_cidr_random_ula(&c);
		if (subnet_used(all, &c))
			continue;
		struct json_object *e = NULL;
		subnet_entry(&c, NULL, NULL, want_gw, &e, NULL);
		json_object_array_add(subs, e);
		have6 = true;
	}
	*out = subs;
	return 0;
fail:
	json_object_put(subs);
	return -1;
}

/* --opt: podman's bridge options, values checked. */
static int net_options(char *const *opts, struct json_object **out, struct error **err)
{
	static const char *const known[] = { "mtu", "vlan", "isolate", "metric", NULL };
	*out = json_from_kv(opts);
	json_object_object_foreach (*out, k, v) {
		if (!strv_contains((char *const *)known, k)) {
			err_set(err, EINVAL, ERR_TOOL, "unsupported bridge network option %s", k);
			json_object_put(*out);
			return -1;
		}
		const char *s = json_object_get_string(v);
		char *end = NULL;
		errno = 0;
		long n = strtol(s, &end, 10);
		if (strcmp(k, "isolate") != 0 && (*s == '\0' || *end != '\0' || errno || n < 0)) {
			err_set(err, EINVAL, ERR_TOOL,
				"strconv.Atoi: parsing \"%s\": invalid syntax", s);
			json_object_put(*out);
			return -1;
		}
	}
	return 0;
}

/* The first podmanN (N >= 1) that no network uses as its bridge (or name, when naming). */
static char *net_free_interface(struct json_object *all)
{
	for (unsigned int n = 1;; n++) {
		autofree char *want = xasprintf("podman%u", n);
		bool used = false;
		for (size_t i = 0; i < json_len(all) && !used; i++) {
			struct json_object *d = json_idx(all, i);
			const char *ifn = json_str(d, "network_interface");
			used = (ifn && strcmp(ifn, want) == 0) ||
			       strcmp(json_str(d, "name"), want) == 0;
		}
		if (!used)
			return steal_ptr(&want);
	}
}

static int net_check_req(const struct eng_net_create_req *req, struct error **err)
{
	if (req->name != NULL && !ctr_valid_name(req->name))
		return err_set(err, EINVAL, ERR_TOOL,
			       "network name %s invalid: names must match "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument",
			       req->name);
	const char *drv = req->driver ? req->driver : "bridge";
	if (strcmp(drv, "macvlan") == 0 || strcmp(drv, "ipvlan") == 0)
		return err_set(err, ENOTSUP, ERR_TOOL,
			       "%s networks are not supported rootless: only bridge is", drv);
	if (strcmp(drv, "bridge") != 0)
		return err_set(err, EINVAL, ERR_TOOL, "unsupported driver %s: invalid argument",
			       drv);
	return 0;
}

/* A new network's record (owned); subs is taken. */
static struct json_object *net_doc(const struct eng_net_create_req *req, const char *name,
				   const char *ifname, struct json_object *subs, bool ipv6,
				   struct json_object *opts)
{
	autofree char *id = ctr_new_id();
	autofree char *now = ctr_now();
	struct json_object *d = json_object_new_object();
	struct json_object *ipam = json_object_new_object();
	json_object_object_add(ipam, "driver", json_object_new_string("host-local"));
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "id", json_object_new_string(id));
	json_object_object_add(d, "driver", json_object_new_string("bridge"));
	json_object_object_add(d, "network_interface", json_object_new_string(ifname));
	json_object_object_add(d, "created", json_object_new_string(now));
	json_object_object_add(d, "subnets", subs);
	json_object_object_add(d, "ipv6_enabled", json_object_new_boolean(ipv6));
	json_object_object_add(d, "internal", json_object_new_boolean(req->internal));
	json_object_object_add(d, "dns_enabled", json_object_new_boolean(!req->disable_dns));
	if (req->labels != NULL)
		json_object_object_add(d, "labels", json_from_kv(req->labels));
	if (json_object_object_length(opts) > 0)
		json_object_object_add(d, "options", json_object_get(opts));
	json_object_object_add(d, "ipam_options", ipam);
	return d;
}

/* Write a network's record (taken) as networks/NAME.json. */
static int net_write(struct eng *eng, struct json_object *d, struct error **err)
{
	const char *text = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PRETTY);
	autofree char *path =
	    xasprintf("%s/networks/%s.json", storage_root(eng->store), json_str(d, "name"));
	int rc = fs_write_atomic(path, text, strlen(text), 0644, err);
	json_object_put(d);
	return rc;
}

int eng_net_create(struct eng *eng, const struct eng_net_create_req *req, char **out_name,
		   struct error **err)
{
	if (net_check_req(req, err) < 0)
		return -1;
	struct json_object *opts = NULL;
	if (net_options(req->options, &opts, err) < 0)
		return -1;
	autoclose int lk = ctr_net_lock(eng, true, err);
	if (lk < 0) {
		json_object_put(opts);
		return -1;
	}
	struct json_object *all = eng_net_list_all(eng);
	struct json_object *subs = NULL;
	bool ipv6 = false;
	autofree char *ifname = net_free_interface(all);
	const char *name = req->name ? req->name : ifname;
	struct json_object *old = net_load(eng, name);
	int rc = -1;
	if (old != NULL && req->ignore)
		rc = 0; /* what Quadlet's network units run: create unless it is there */
	else if (old != NULL)
		err_set(err, EEXIST, ERR_TOOL,
			"network name %s already used: network already exists", name);
	else if (net_subnets(req, all, &subs, &ipv6, err) == 0)
		rc = net_write(eng, net_doc(req, name, ifname, subs, ipv6, opts), err);
	if (rc == 0)
		*out_name = xstrdup(name);
	json_object_put(old);
	json_object_put(all);
	json_object_put(opts);
	return rc;
}

/* ---------- ls --filter ---------- */

/* name: a regular expression over the name, as podman's (unanchored). */
static bool match_name(struct json_object *d, const char *v)
{
	regex_t re;
	if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
		return strstr(json_str(d, "name"), v) != NULL;
	bool m = regexec(&re, json_str(d, "name"), 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

/* label=KEY or label=KEY=VALUE */
static bool match_label(struct json_object *d, const char *v)
{
	const char *eq = strchr(v, '=');
	autofree char *k = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
	const char *have = json_str(json_get(d, "labels"), k);
	if (have == NULL && json_get(json_get(d, "labels"), k) == NULL)
		return false;
	return eq == NULL || (have != NULL && strcmp(have, eq + 1) == 0);
}

static int filter_match(struct json_object *d, const char *key, const char *v, bool *m,
			struct error **err)
{
	if (strcmp(key, "name") == 0)
		*m = match_name(d, v);
	else if (strcmp(key, "id") == 0)
		*m = strncmp(json_str(d, "id"), v, strlen(v)) == 0;
	else if (strcmp(key, "driver") == 0)
		*m = strcmp(json_str(d, "driver"), v) == 0;
	else if (strcmp(key, "label") == 0)
		*m = match_label(d, v);
	else if (strcmp(key, "label!") == 0)
		*m = !match_label(d, v);
	else
		return err_set(err, EINVAL, ERR_TOOL, "invalid filter \"%s\"", key);
	return 0;
}

/* Does d pass every filter key (one value of a key suffices)? */
static int net_selected(struct json_object *d, char *const *filters, bool *sel, struct error **err)
{
	*sel = true;
	for (size_t i = 0; filters && filters[i] && *sel; i++) {
		const char *eq = strchr(filters[i], '=');
		if (eq == NULL)
			return err_set(err, EINVAL, ERR_TOOL, "invalid filter \"%s\"", filters[i]);
		autofree char *key = xstrndup(filters[i], (size_t)(eq - filters[i]));
		bool any = false, seen_before = false;
		for (size_t j = 0; filters[j]; j++) {
			size_t kl = strlen(key);
			if (strncmp(filters[j], key, kl) != 0 || filters[j][kl] != '=')
				continue;
			if (j < i)
				seen_before = true;
			bool m = false;
			if (filter_match(d, key, filters[j] + kl + 1, &m, err) < 0)
				return -1;
			any |= m;
		}
		if (!seen_before)
			*sel = any;
	}
	return 0;
}

struct json_object *eng_net_list(struct eng *eng, char *const *filters, struct error **err)
{
	struct json_object *all = eng_net_list_all(eng);
	struct json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_len(all); i++) {
		bool sel = false;
		if (net_selected(json_idx(all, i), filters, &sel, err) < 0) {
			json_object_put(all);
			json_object_put(out);
			return NULL;
		}
		if (sel)
			json_object_array_add(out, json_object_get(json_idx(all, i)));
	}
	json_object_put(all);
	return out;
}
