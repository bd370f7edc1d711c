/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subnets of user-defined networks: parsing and printing IPv4 and IPv6 CIDRs, overlap and
 * membership, the host's own networks (a subnet that overlaps one would shadow its routes)
 * and podman's random unique-local IPv6 /64. Addresses are kept as 16 bytes in network
 * order, IPv4 in the first 4, so one set of bit operations serves both families.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static unsigned int addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int net_ip_parse(const char *s, int *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Clear the bits of addr past prefix. */
static void mask(uint8_t addr[16], unsigned int prefix, unsigned int bits)
{
	for (unsigned int i = prefix; i < bits; i++)
		addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
}

int net_cidr_parse(const char *s, struct net_cidr *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	const char *slash = s ? strchr(s, '/') : NULL;
	if (slash == NULL || slash == s || slash[1] == '\0' || strlen(slash + 1) > 3)
		return err_set(err, EINVAL, ERR_TOOL, "invalid CIDR address: %s", s ? s : "");
	autofree char *ip = xstrndup(s, (size_t)(slash - s));
	char *end = NULL;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (net_ip_parse(ip, &out->family, out->addr) < 0 || *end != '\0' || slash[1] < '0' ||
	    slash[1] > '9' || p > addr_bits(out->family))
		return err_set(err, EINVAL, ERR_TOOL, "invalid CIDR address: %s", s);
	out->prefix = (unsigned int)p;
	mask(out->addr, out->prefix, addr_bits(out->family));
	return 0;
}

static char *addr_str(int family, const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(family, addr, buf, sizeof(buf));
	return xstrdup(buf);
}

char *net_cidr_str(const struct net_cidr *c)
{
	autofree char *a = addr_str(c->family, c->addr);
	return xasprintf("%s/%u", a, c->prefix);
}

char *net_cidr_nth(const struct net_cidr *c, uint64_t n)
{
	uint8_t a[16];
	memcpy(a, c->addr, 16);
	/* Add n to the address as a big-endian number of the family's size. */
	unsigned int carry_n = 0;
	for (int i = (int)addr_bits(c->family) / 8 - 1; i >= 0 && (n || carry_n); i--) {
		unsigned int sum = a[i] + (unsigned int)(n & 0xff) + carry_n;
		a[i] = (uint8_t)sum;
		carry_n = sum >> 8;
		n >>= 8;
	}
	return addr_str(c->family, a);
}

char *net_cidr_last(const struct net_cidr *c)
{
	uint8_t a[16];
	memcpy(a, c->addr, 16);
	for (unsigned int i = c->prefix; i < addr_bits(c->family); i++)
		a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return addr_str(c->family, a);
}

bool net_cidr_contains(const struct net_cidr *c, int family, const uint8_t addr[16])
{
	if (family != c->family)
		return false;
	uint8_t a[16];
	memcpy(a, addr, 16);
	mask(a, c->prefix, addr_bits(family));
	return memcmp(a, c->addr, 16) == 0;
}

bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b)
{
	/* Two networks overlap exactly when the larger contains the other's address. */
	return a->prefix <= b->prefix ? net_cidr_contains(a, b->family, b->addr)
				      : net_cidr_contains(b, a->family, a->addr);
}

/* The network of one interface address (family, address and netmask sockaddrs). */
static bool ifa_cidr(const struct ifaddrs *ifa, struct net_cidr *out)
{
	if (ifa->ifa_addr == NULL || ifa->ifa_netmask == NULL)
		return false;
	memset(out, 0, sizeof(*out));
	const uint8_t *addr, *nm;
	out->family = ifa->ifa_addr->sa_family;
	if (out->family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		nm = (const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
	} else if (out->family == AF_INET6) {
		addr = (const uint8_t *)&((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr;
		nm = (const uint8_t *)&((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr;
	} else {
		return false;
	}
	unsigned int bits = addr_bits(out->family);
	memcpy(out->addr, addr, bits / 8);
	while (out->prefix < bits && (nm[out->prefix / 8] & (0x80u >> (out->prefix % 8))))
		out->prefix++;
	mask(out->addr, out->prefix, bits);
	return true;
}

bool net_cidr_on_host(const struct net_cidr *c)
{
	struct ifaddrs *all = NULL;
	if (getifaddrs(&all) < 0)
		return false;
	bool used = false;
	for (struct ifaddrs *ifa = all; ifa != NULL && !used; ifa = ifa->ifa_next) {
		struct net_cidr n;
		/* Loopback (127/8, ::1) and link-local fe80::/10 are on every host and never
		 * a bridge's; a /32 or /128 alone covers one address. */
		if (!ifa_cidr(ifa, &n) || n.prefix == 0)
			continue;
		if ((n.family == AF_INET && n.addr[0] == 127) ||
		    (n.family == AF_INET6 && n.addr[0] == 0xfe && (n.addr[1] & 0xc0) == 0x80) ||
		    (n.family == AF_INET6 && n.prefix == 128))
			continue;
		used = net_cidr_overlap(c, &n);
	}
	freeifaddrs(all);
	return used;
}

void net_cidr_random_ula(struct net_cidr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->prefix = 64;
	out->addr[0] = 0xfd;
	if (getrandom(out->addr + 1, 7, 0) != 7) {
		/* No entropy source: still a unique-local prefix, less likely unique. */
		long r = random();
		memcpy(out->addr + 1, &r, sizeof(r) < 7 ? sizeof(r) : 7);
	}
}
