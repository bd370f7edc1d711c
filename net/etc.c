/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resolv.conf, hosts and hostname of a container, written into its run dir and
 * bind-mounted later; the image is never touched. Name servers: --dns, else slirp4netns's
 * forwarder, else the host's own servers, where a local stub (127.0.0.53) that the
 * container cannot reach is replaced by the upstream servers it names.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's list of the real servers behind its 127.0.0.53 stub. */
#define DEFAULT_UPSTREAM_RESOLV_CONF "/run/systemd/resolve/resolv.conf"

/* What matters to us in a resolv.conf. */
struct resolv {
	char **servers;
	char **search;
	char **options;
};

static void resolv_clear(struct resolv *r)
{
	strv_free(r->servers);
	strv_free(r->search);
	strv_free(r->options);
	*r = (struct resolv){ 0 };
}

/* Push every whitespace-separated word of line (after the keyword) onto *v. */
static void push_words(char ***v, char *line)
{
	char *save = NULL;
	for (char *w = strtok_r(line, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save))
		strv_push(v, w);
}

/* A missing file is an empty one: containers on hosts without resolv.conf still start. */
static int resolv_read(const char *path, struct resolv *r, struct error **err)
{
	autofree char *data = NULL;
	*r = (struct resolv){ 0 };
	if (fs_read_file(path, 1 << 20, &data, NULL, err) < 0) {
		if ((*err)->code != ENOENT)
			return -1;
		err_free(err);
		return 0;
	}
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line += strspn(line, " \t");
		if (strncmp(line, "nameserver", 10) == 0 && (line[10] == ' ' || line[10] == '\t')) {
			push_words(&r->servers, line + 10);
		} else if ((strncmp(line, "search", 6) == 0 || strncmp(line, "domain", 6) == 0) &&
			   (line[6] == ' ' || line[6] == '\t')) {
			/* "domain" and "search" replace each other; the last one wins. */
			strv_free(r->search);
			r->search = NULL;
			push_words(&r->search, line + 6);
		} else if (strncmp(line, "options", 7) == 0 &&
			   (line[7] == ' ' || line[7] == '\t')) {
			push_words(&r->options, line + 7);
		}
	}
	return 0;
}

static bool is_loopback(const char *server)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, server, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, server, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* Drop loopback servers; true when some were dropped. */
static bool drop_loopback(char ***servers)
{
	char **kept = NULL;
	bool dropped = false;
	for (size_t i = 0; *servers != NULL && (*servers)[i] != NULL; i++) {
		if (is_loopback((*servers)[i]))
			dropped = true;
		else
			strv_push(&kept, (*servers)[i]);
	}
	strv_free(*servers);
	*servers = kept;
	return dropped;
}

/*
 * The host's servers as seen from the container. In host mode loopback servers work (same
 * namespace) and are kept unless the stub's upstream list is there to skip a hop.
 */
static int host_servers(const struct net_etc_opts *o, struct resolv *host, struct error **err)
{
	const char *up_path =
	    o->upstream_resolv_conf ? o->upstream_resolv_conf : DEFAULT_UPSTREAM_RESOLV_CONF;
	char **copy = NULL;
	for (size_t i = 0; host->servers != NULL && host->servers[i] != NULL; i++)
		strv_push(&copy, host->servers[i]);
	bool had_loopback = drop_loopback(&copy);
	if (!had_loopback) {
		strv_free(copy);
		return 0;
	}
	if (copy != NULL) { /* some real servers besides the stub: use those */
		strv_free(host->servers);
		host->servers = copy;
		return 0;
	}
	struct resolv up;
	if (resolv_read(up_path, &up, err) < 0)
		return -1;
	drop_loopback(&up.servers);
	if (up.servers != NULL) {
		strv_free(host->servers);
		host->servers = steal_ptr(&up.servers);
	} else if (o->mode->kind != NET_MODE_HOST && o->mode->kind != NET_MODE_NONE) {
		/* With --network none nothing resolves anyway: no warning. */
		log_warn("the host's resolv.conf names only local resolvers (%s) that the "
			 "container cannot reach, and %s has no others: name resolution will not "
			 "work; use --dns",
			 host->servers[0], up_path);
		strv_free(host->servers);
		host->servers = NULL;
	}
	resolv_clear(&up);
	return 0;
}

static void append_line(char **buf, const char *key, char *const *words)
{
	if (words == NULL || words[0] == NULL)
		return;
	char *line = xasprintf("%s%s", *buf, key);
	for (size_t i = 0; words[i] != NULL; i++) {
		char *next = xasprintf("%s %s", line, words[i]);
		free(line);
		line = next;
	}
	free(*buf);
	*buf = xasprintf("%s\n", line);
	free(line);
}

static int render_resolv(const struct net_etc_opts *o, char **out, struct error **err)
{
	struct resolv host;
	const char *path = o->host_resolv_conf ? o->host_resolv_conf : DEFAULT_RESOLV_CONF;
	if (resolv_read(path, &host, err) < 0)
		return err_wrap(err, "reading the host's DNS configuration");
	int rc = 0;
	char **servers = NULL;
	if (o->dns != NULL && o->dns[0] != NULL) {
		for (size_t i = 0; o->dns[i] != NULL; i++)
			strv_push(&servers, o->dns[i]);
	} else if (o->net_dns != NULL && o->net_dns[0] != NULL) {
		for (size_t i = 0; o->net_dns[i] != NULL; i++)
			strv_push(&servers, o->net_dns[i]);
	} else if (o->mode->kind == NET_MODE_SLIRP4NETNS) {
		/* slirp4netns forwards its DNS address to the host's servers itself. */
		struct net_slirp_addrs a;
		char buf[INET_ADDRSTRLEN];
		net_slirp_addrs(o->mode, &a);
		strv_push(&servers, inet_ntop(AF_INET, &a.dns, buf, sizeof(buf)));
		if (o->mode->enable_ipv6)
			strv_push(&servers, "fd00::3");
	} else if ((rc = host_servers(o, &host, err)) == 0) {
		servers = steal_ptr(&host.servers);
	}
	char *const *search = o->dns_search ? o->dns_search : host.search;
	/* aardvark-dns answers NAME.dns.podman, as podman's containers search it. */
	autostrv char **netsearch = NULL;
	if (o->net_dns != NULL && o->net_dns[0] != NULL && o->dns_search == NULL) {
		strv_push(&netsearch, "dns.podman");
		for (size_t i = 0; host.search && host.search[i]; i++)
			strv_push(&netsearch, host.search[i]);
		search = netsearch;
	}
	char *const *options = o->dns_options ? o->dns_options : host.options;
	/* --dns-search=. means: no search domains. */
	if (search != NULL && search[0] != NULL && strcmp(search[0], ".") == 0)
		search = NULL;
	char *buf = xstrdup("");
	append_line(&buf, "search", search);
	for (size_t i = 0; servers != NULL && servers[i] != NULL; i++) {
		char *next = xasprintf("%snameserver %s\n", buf, servers[i]);
		free(buf);
		buf = next;
	}
	append_line(&buf, "options", options);
	strv_free(servers);
	resolv_clear(&host);
	if (rc < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* A hostname as RFC 1123 allows: letters, digits, '-' and '.', at most 253 characters. */
static bool is_hostname(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 253 || *s == '-' || *s == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == len;
}

/* --add-host NAME:IP (the IP may be IPv6, so split at the first colon). */
static int add_host_line(const char *spec, char **buf, struct error **err)
{
	const char *colon = strchr(spec, ':');
	unsigned char a[sizeof(struct in6_addr)];
	autofree char *name = colon ? xstrndup(spec, (size_t)(colon - spec)) : NULL;
	const char *ip = colon ? colon + 1 : "";
	size_t iplen = strlen(ip);
	/* podman accepts a bracketed IPv6 address too. */
	bool bracketed = iplen >= 2 && ip[0] == '[' && ip[iplen - 1] == ']';
	autofree char *bare = bracketed ? xstrndup(ip + 1, iplen - 2) : xstrdup(ip);
	if (name == NULL || !is_hostname(name) ||
	    (inet_pton(AF_INET, bare, a) != 1 && inet_pton(AF_INET6, bare, a) != 1))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --add-host \"%s\": want HOSTNAME:IP", spec);
	char *next = xasprintf("%s%s\t%s\n", *buf, bare, name);
	free(*buf);
	*buf = next;
	return 0;
}

/* The host's first non-loopback IPv4 address of an interface that is up (as `hostname -I`
 * lists them first), or want when given; "" when none. */
static void host_address(const char *want, char *buf, size_t len)
{
	*buf = '\0';
	if (want != NULL) {
		snprintf(buf, len, "%s", want);
		return;
	}
	struct ifaddrs *all = NULL;
	if (getifaddrs(&all) < 0)
		return;
	for (struct ifaddrs *i = all; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
			  (socklen_t)len);
		break;
	}
	freeifaddrs(all);
}

static int render_hosts(const struct net_etc_opts *o, char **out, struct error **err)
{
	autofree char *buf = xstrdup("");
	/* The first match wins, so the user's entries go first. */
	for (size_t i = 0; o->add_hosts != NULL && o->add_hosts[i] != NULL; i++)
		if (add_host_line(o->add_hosts[i], &buf, err) < 0)
			return -1;
	char own[INET6_ADDRSTRLEN] = "127.0.1.1";
	struct net_slirp_addrs a;
	net_slirp_addrs(o->mode, &a);
	if (o->mode->kind == NET_MODE_SLIRP4NETNS)
		inet_ntop(AF_INET, &a.guest, own, sizeof(own));
	if (o->own_ip != NULL)
		snprintf(own, sizeof(own), "%s", o->own_ip);
	/* podman's line: "IP HOSTNAME NAME", the two names also when they are the same. */
	const char *name = o->name;
	char *text = xasprintf("%s127.0.0.1\tlocalhost localhost.localdomain\n"
			       "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n"
			       "%s\t%s%s%s\n",
			       buf, own, o->hostname, name ? " " : "", name ? name : "");
	char gw[INET_ADDRSTRLEN] = "";
	if (o->mode->kind == NET_MODE_SLIRP4NETNS && o->mode->allow_host_loopback)
		inet_ntop(AF_INET, &a.gateway, gw, sizeof(gw));
	else if (o->mode->kind == NET_MODE_SLIRP4NETNS || o->mode->kind == NET_MODE_PASTA)
		/* The host by its own address, which the helper reaches as any other. */
		host_address(o->host_ip, gw, sizeof(gw));
	if (*gw != '\0') {
		char *more = xasprintf("%s%s\thost.containers.internal\n", text, gw);
		free(text);
		text = more;
	}
	*out = text;
	return 0;
}

static int write_one(const char *dir, const char *file, const char *data, struct error **err)
{
	autofree char *path = xasprintf("%s/%s", dir, file);
	if (fs_write_replace(path, data, strlen(data), 0644, err) < 0)
		return err_wrap(err, "writing the container's /etc/%s", file);
	return 0;
}

int net_write_etc_files(const struct net_etc_opts *o, const char *dir, struct error **err)
{
	if (o->hostname == NULL || !is_hostname(o->hostname))
		return err_set(err, EINVAL, ERR_USAGE, "invalid hostname \"%s\"",
			       o->hostname ? o->hostname : "");
	for (size_t i = 0; o->dns != NULL && o->dns[i] != NULL; i++) {
		unsigned char a[sizeof(struct in6_addr)];
		if (inet_pton(AF_INET, o->dns[i], a) != 1 && inet_pton(AF_INET6, o->dns[i], a) != 1)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --dns \"%s\": not an IP address", o->dns[i]);
	}
	autofree char *resolv = NULL;
	autofree char *hosts = NULL;
	autofree char *hostname = xasprintf("%s\n", o->hostname);
	if (render_resolv(o, &resolv, err) < 0 || render_hosts(o, &hosts, err) < 0)
		return -1;
	if (write_one(dir, "resolv.conf", resolv, err) < 0 ||
	    write_one(dir, "hosts", hosts, err) < 0 ||
	    write_one(dir, "hostname", hostname, err) < 0)
		return -1;
	return 0;
}
