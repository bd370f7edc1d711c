/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/subnet.c: CIDRs of user-defined networks parsed (host bits cleared, as podman stores
 * them), printed, compared for overlap and membership; gateways, lease ranges and the
 * random unique-local /64 of --ipv6.
 */
#include "net/net.h"
#include "tests/unit/tap.h"

#include <arpa/inet.h>
#include <stdlib.h>

static struct net_cidr cidr(const char *s)
{
	struct net_cidr c;
	struct error *err = NULL;
	if (net_cidr_parse(s, &c, &err) < 0) {
		ok(0, "parse %s: %s", s, err->msg);
		err_free(&err);
	}
	return c;
}

static void test_parse(void)
{
	struct net_cidr c = cidr("10.89.5.7/24");
	autofree char *s = net_cidr_str(&c);
	is_str(s, "10.89.5.0/24", "host bits cleared");
	is_int(c.family, AF_INET, "IPv4");
	c = cidr("fd00:1:2:3::9/64");
	autofree char *s6 = net_cidr_str(&c);
	is_str(s6, "fd00:1:2:3::/64", "IPv6 host bits cleared");
	static const char *const bad[] = { "10.0.0.0/33", "foo",    "10.0.0.0",
					   "10.0.0.0/",	  "/24",    "10.0.0.0/-1",
					   "10.0.0.0/2x", "::/129", "10.0.0.0/0024" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct error *err = NULL;
		is_int(net_cidr_parse(bad[i], &c, &err), -1, "refused: %s", bad[i]);
		if (err != NULL) {
			autofree char *want = xasprintf("invalid CIDR address: %s", bad[i]);
			is_str(err->msg, want, "podman's message for %s", bad[i]);
		}
		err_free(&err);
	}
}

static void test_addresses(void)
{
	struct net_cidr c = cidr("10.93.0.128/25");
	autofree char *first = net_cidr_nth(&c, 1);
	autofree char *last = net_cidr_last(&c);
	is_str(first, "10.93.0.129", "network + 1");
	is_str(last, "10.93.0.255", "last address");
	c = cidr("10.0.0.0/8");
	autofree char *far = net_cidr_nth(&c, 256 * 256 + 1);
	is_str(far, "10.1.0.1", "carry across bytes");
	c = cidr("fd12::/64");
	autofree char *gw6 = net_cidr_nth(&c, 1);
	is_str(gw6, "fd12::1", "IPv6 gateway");
}

static void test_overlap(void)
{
	struct net_cidr a = cidr("10.89.0.0/16"), b = cidr("10.89.3.0/24"),
			d = cidr("10.90.0.0/24");
	ok(net_cidr_overlap(&a, &b) && net_cidr_overlap(&b, &a), "a /24 inside a /16 overlaps");
	ok(!net_cidr_overlap(&a, &d), "disjoint networks do not");
	struct net_cidr v6 = cidr("fd00::/8");
	ok(!net_cidr_overlap(&a, &v6), "families never overlap");
	int fam;
	uint8_t addr[16];
	is_int(net_ip_parse("10.89.3.200", &fam, addr), 0, "address parsed");
	ok(net_cidr_contains(&b, fam, addr), "address in subnet");
	ok(!net_cidr_contains(&d, fam, addr), "address not in subnet");
	is_int(net_ip_parse("10.89.3", &fam, addr), -1, "a short address is refused");
	struct net_cidr lo = cidr("127.0.0.0/24");
	ok(!net_cidr_on_host(&lo), "loopback is no bridge's network");
}

static void test_ula(void)
{
	struct net_cidr u, v;
	net_cidr_random_ula(&u);
	net_cidr_random_ula(&v);
	is_int(u.family, AF_INET6, "ULA is IPv6");
	is_int(u.prefix, 64, "a /64");
	is_int(u.addr[0], 0xfd, "in fd00::/8");
	ok(memcmp(u.addr, v.addr, 16) != 0, "two picks differ");
}

int main(void)
{
	test_parse();
	test_addresses();
	test_overlap();
	test_ula();
	return done_testing();
}
