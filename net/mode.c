/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing --network into a plain struct net_mode. Every error names the part that is bad,
 * and options are checked here (syntax and ranges) so that nothing starts with a value the
 * helper would refuse later. Option names follow podman's.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {
	[NET_MODE_SLIRP4NETNS] = "slirp4netns",
	[NET_MODE_PASTA] = "pasta",
	[NET_MODE_NONE] = "none",
	[NET_MODE_HOST] = "host",
	[NET_MODE_CONTAINER] = "container",
	[NET_MODE_NS] = "ns",
	[NET_MODE_NETWORKS] = "bridge",
};

const char *net_mode_name(enum net_mode_kind kind)
{
	if ((size_t)kind >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[kind];
}

bool net_mode_is_private(const struct net_mode *m)
{
	return m->kind == NET_MODE_SLIRP4NETNS || m->kind == NET_MODE_PASTA ||
	       m->kind == NET_MODE_NONE;
}

void net_mode_clear(struct net_mode *m)
{
	free(m->outbound_addr);
	free(m->outbound_addr6);
	strv_free(m->pasta_args);
	free(m->target);
	*m = (struct net_mode){ 0 };
}

static void mode_defaults(struct net_mode *m, enum net_mode_kind kind)
{
	*m = (struct net_mode){ .kind = kind, .mtu = NET_SLIRP_DEFAULT_MTU, .prefix = 24 };
	inet_pton(AF_INET, "10.0.2.0", &m->net);
}

void net_slirp_addrs(const struct net_mode *m, struct net_slirp_addrs *out)
{
	uint32_t base = ntohl(m->net.s_addr);
	out->gateway.s_addr = htonl(base + 2);
	out->dns.s_addr = htonl(base + 3);
	out->guest.s_addr = htonl(base + 100);
}

static int parse_bool(const char *key, const char *val, bool *out, struct error **err)
{
	if (strcmp(val, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(val, "false") == 0) {
		*out = false;
		return 0;
	}
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid slirp4netns option \"%s=%s\": want true or false", key, val);
}

/* slirp4netns refuses prefixes over 25: its guest address is network + 100. */
static int parse_cidr(const char *val, struct net_mode *m, struct error **err)
{
	const char *slash = strchr(val, '/');
	char *end = NULL;
	autofree char *addr = slash ? xstrndup(val, (size_t)(slash - val)) : NULL;
	if (slash == NULL || inet_pton(AF_INET, addr, &m->net) != 1)
		goto bad;
	errno = 0;
	long prefix = strtol(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || prefix < 1 || prefix > 25)
		goto bad;
	uint32_t mask = ~0u << (32 - prefix);
	if ((ntohl(m->net.s_addr) & ~mask) != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid slirp4netns option \"cidr=%s\": host bits are set", val);
	m->prefix = (unsigned int)prefix;
	return 0;
bad:
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid slirp4netns option \"cidr=%s\": want an IPv4 network with a "
		       "prefix length of 1 to 25, like 10.0.2.0/24",
		       val);
}

/* An address of the family, or an interface name (resolved when the helper starts). */
static int parse_outbound(const char *key, const char *val, int family, char **out,
			  struct error **err)
{
	unsigned char buf[sizeof(struct in6_addr)];
	bool is_name = *val != '\0' && strlen(val) < IFNAMSIZ && strpbrk(val, "/: \t") == NULL;
	if (inet_pton(family, val, buf) != 1 && !is_name)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid slirp4netns option \"%s=%s\": want an %s address or an "
			       "interface name",
			       key, val, family == AF_INET ? "IPv4" : "IPv6");
	free(*out);
	*out = xstrdup(val);
	return 0;
}

static int parse_slirp_opt(const char *opt, struct net_mode *m, struct error **err)
{
	const char *eq = strchr(opt, '=');
	if (eq == NULL || eq == opt)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid slirp4netns option \"%s\": want KEY=VALUE", opt);
	autofree char *key = xstrndup(opt, (size_t)(eq - opt));
	const char *val = eq + 1;
	if (strcmp(key, "allow_host_loopback") == 0)
		return parse_bool(key, val, &m->allow_host_loopback, err);
	if (strcmp(key, "enable_ipv6") == 0)
		return parse_bool(key, val, &m->enable_ipv6, err);
	if (strcmp(key, "cidr") == 0)
		return parse_cidr(val, m, err);
	if (strcmp(key, "outbound_addr") == 0)
		return parse_outbound(key, val, AF_INET, &m->outbound_addr, err);
	if (strcmp(key, "outbound_addr6") == 0)
		return parse_outbound(key, val, AF_INET6, &m->outbound_addr6, err);
	if (strcmp(key, "mtu") == 0) {
		char *end = NULL;
		errno = 0;
		long mtu = strtol(val, &end, 10);
		/* 68 is the IPv4 minimum; slirp4netns takes at most 65521. */
		if (errno != 0 || end == val || *end != '\0' || mtu < 68 || mtu > 65521)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid slirp4netns option \"mtu=%s\": want a number from "
				       "68 to 65521",
				       val);
		m->mtu = (unsigned int)mtu;
		return 0;
	}
	if (strcmp(key, "port_handler") == 0) {
		/*
		 * podman's names for who forwards published ports: rootlesskit (its default,
		 * a forwarder of its own) or slirp4netns. hutch ships no rootlesskit: both
		 * publish through slirp4netns, and the name is taken so that podman's
		 * command lines work.
		 */
		if (strcmp(val, "slirp4netns") == 0 || strcmp(val, "rootlesskit") == 0)
			return 0;
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid slirp4netns option \"port_handler=%s\": want rootlesskit "
			       "or slirp4netns",
			       val);
	}
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid slirp4netns option \"%s\": known options are allow_host_loopback, "
		       "cidr, enable_ipv6, mtu, outbound_addr, outbound_addr6",
		       opt);
}

static int parse_slirp(const char *opts, struct net_mode *m, struct error **err)
{
	if (opts == NULL)
		return 0;
	if (*opts == '\0')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid network \"slirp4netns:\": no options after the colon");
	autofree char *copy = xstrdup(opts);
	char *save = NULL;
	/* strtok_r would skip empty fields; "mtu=1500,,cidr=..." should be an error. */
	for (char *opt = copy; opt != NULL; opt = save) {
		save = strchr(opt, ',');
		if (save != NULL)
			*save++ = '\0';
		if (*opt == '\0')
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid slirp4netns options \"%s\": empty option", opts);
		if (parse_slirp_opt(opt, m, err) < 0)
			return -1;
	}
	return 0;
}

/* Options hutch sets itself, or that would detach pasta from the container. */
static bool pasta_arg_is_ours(const char *a)
{
	static const char *const ours[] = {
		"--netns",	"--userns",	"--netns-only",	   "-P", "--pid", "-f",
		"--foreground", "--config-net", "--no-netns-quit", NULL
	};
	for (size_t i = 0; ours[i] != NULL; i++) {
		size_t len = strlen(ours[i]);
		if (strncmp(a, ours[i], len) == 0 && (a[len] == '\0' || a[len] == '='))
			return true;
	}
	return false;
}

static int parse_pasta(const char *opts, struct net_mode *m, struct error **err)
{
	if (opts == NULL)
		return 0;
	autofree char *copy = xstrdup(opts);
	char *save = NULL;
	for (char *a = copy; a != NULL; a = save) {
		save = strchr(a, ',');
		if (save != NULL)
			*save++ = '\0';
		if (*a == '\0')
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid pasta options \"%s\": empty argument", opts);
		if (pasta_arg_is_ours(a))
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid pasta option \"%s\": hutch sets it itself", a);
		strv_push(&m->pasta_args, a);
	}
	return 0;
}

static int parse_target(const char *kind, const char *rest, struct net_mode *m, struct error **err)
{
	if (rest == NULL || *rest == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "invalid network \"%s\": want %s:%s", kind,
			       kind, m->kind == NET_MODE_NS ? "PATH" : "NAME|ID");
	if (m->kind == NET_MODE_NS && *rest != '/')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid network \"ns:%s\": the path must be absolute", rest);
	m->target = xstrdup(rest);
	return 0;
}

/* NAME[,NAME...], each a valid network name and none a mode's own word. */
static bool is_network_list(const char *s)
{
	static const char *const words[] = { "bridge",	"container",   "ns",	"none", "host",
					     "private", "slirp4netns", "pasta", NULL };
	autofree char *copy = xstrdup(s);
	char *save = NULL;
	int n = 0;
	for (char *p = strtok_r(copy, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save), n++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
		for (const char *q = p; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			      (*q >= '0' && *q <= '9') || *q == '_' || *q == '.' || *q == '-'))
				return false;
		for (size_t i = 0; words[i]; i++)
			if (strcmp(p, words[i]) == 0)
				return false;
	}
	return n > 0 && s[strlen(s) - 1] != ',' && strstr(s, ",,") == NULL;
}

static int parse_mode(const char *name, const char *rest, struct net_mode *m, struct error **err)
{
	/*
	 * Rootless podman's "bridge" is its default network; hutch's rootless default is
	 * slirp4netns, so that is what "bridge" (without options) gives here.
	 */
	if (strcmp(name, "bridge") == 0 && rest == NULL) {
		mode_defaults(m, NET_MODE_SLIRP4NETNS);
		return 0;
	}
	if (strcmp(name, "slirp4netns") == 0 || strcmp(name, "private") == 0) {
		mode_defaults(m, NET_MODE_SLIRP4NETNS);
		if (strcmp(name, "private") == 0 && rest != NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid network \"private:%s\": private takes no options",
				       rest);
		return parse_slirp(rest, m, err);
	}
	if (strcmp(name, "pasta") == 0) {
		mode_defaults(m, NET_MODE_PASTA);
		return parse_pasta(rest, m, err);
	}
	if (strcmp(name, "none") == 0 || strcmp(name, "host") == 0) {
		mode_defaults(m, strcmp(name, "none") == 0 ? NET_MODE_NONE : NET_MODE_HOST);
		if (rest != NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid network \"%s:%s\": %s takes no options", name, rest,
				       name);
		return 0;
	}
	if (strcmp(name, "container") == 0 || strcmp(name, "ns") == 0) {
		mode_defaults(m, strcmp(name, "ns") == 0 ? NET_MODE_NS : NET_MODE_CONTAINER);
		return parse_target(name, rest, m, err);
	}
	if (rest != NULL && *rest == '\0' && strcmp(name, "networks") == 0) {
		mode_defaults(m, NET_MODE_NETWORKS); /* NET_NO_NETWORKS */
		m->target = xstrdup("");
		return 0;
	}
	if (rest == NULL && is_network_list(name)) {
		mode_defaults(m, NET_MODE_NETWORKS);
		m->target = xstrdup(name);
		return 0;
	}
	if (strcmp(name, "bridge") == 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid network \"bridge:%s\": rootless, bridge is the default "
			       "network (slirp4netns) and takes no options",
			       rest);
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid network \"%s\": want none, host, slirp4netns[:OPTIONS], "
		       "pasta[:OPTIONS], container:NAME|ID or ns:PATH",
		       name);
}

int net_parse_mode(const char *spec, struct net_mode *out, struct error **err)
{
	*out = (struct net_mode){ 0 };
	if (spec == NULL || *spec == '\0')
		spec = "slirp4netns";
	const char *colon = strchr(spec, ':');
	autofree char *name = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	if (parse_mode(name, colon ? colon + 1 : NULL, out, err) < 0) {
		net_mode_clear(out);
		return -1;
	}
	return 0;
}
