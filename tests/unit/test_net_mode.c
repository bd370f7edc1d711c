/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/mode.c: --network values, good ones into the struct, bad ones (here and in
 * tests/data/bad/network/) refused with a message that names the bad part.
 */
#include "net/net.h"
#include "tests/unit/tap.h"
#include "tests/unit/corpus.h"

#include <arpa/inet.h>

static void test_good(void)
{
	struct net_mode m;
	struct error *err = NULL;
	char buf[INET_ADDRSTRLEN];

	is_int(net_parse_mode(NULL, &m, &err), 0, "no --network: the default");
	is_int(m.kind, NET_MODE_SLIRP4NETNS, "default is slirp4netns");
	is_int(m.mtu, 65520, "default mtu 65520");
	ok(!m.allow_host_loopback, "host loopback off by default");
	is_str(inet_ntop(AF_INET, &m.net, buf, sizeof(buf)), "10.0.2.0", "default network");
	is_int(m.prefix, 24, "default prefix");
	net_mode_clear(&m);

	is_int(net_parse_mode("slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.1.0.0/"
			      "16,enable_ipv6=true,outbound_addr=127.0.0.1,outbound_addr6=eth0",
			      &m, &err),
	       0, "all slirp4netns options");
	ok(m.allow_host_loopback && m.enable_ipv6, "booleans");
	is_int(m.mtu, 1500, "mtu");
	is_str(inet_ntop(AF_INET, &m.net, buf, sizeof(buf)), "10.1.0.0", "cidr network");
	is_int(m.prefix, 16, "cidr prefix");
	is_str(m.outbound_addr, "127.0.0.1", "outbound_addr");
	is_str(m.outbound_addr6, "eth0", "outbound_addr6 as an interface name");
	struct net_slirp_addrs a;
	net_slirp_addrs(&m, &a);
	is_str(inet_ntop(AF_INET, &a.gateway, buf, sizeof(buf)), "10.1.0.2", "gateway = net+2");
	is_str(inet_ntop(AF_INET, &a.dns, buf, sizeof(buf)), "10.1.0.3", "dns = net+3");
	is_str(inet_ntop(AF_INET, &a.guest, buf, sizeof(buf)), "10.1.0.100", "guest = net+100");
	net_mode_clear(&m);

	is_int(net_parse_mode("pasta:--mtu,1500,-a,10.0.0.5", &m, &err), 0, "pasta with args");
	is_int(m.kind, NET_MODE_PASTA, "pasta");
	is_int(strv_len(m.pasta_args), 4, "four pasta args");
	is_str(m.pasta_args[3], "10.0.0.5", "args kept in order");
	net_mode_clear(&m);

	static const struct {
		const char *spec;
		enum net_mode_kind kind;
		const char *target;
	} simple[] = {
		{ "none", NET_MODE_NONE, NULL },
		{ "host", NET_MODE_HOST, NULL },
		{ "pasta", NET_MODE_PASTA, NULL },
		{ "private", NET_MODE_SLIRP4NETNS, NULL },
		/* rootless podman's "bridge" is its default network: slirp4netns here */
		{ "bridge", NET_MODE_SLIRP4NETNS, NULL },
		{ "slirp4netns:port_handler=rootlesskit", NET_MODE_SLIRP4NETNS, NULL },
		{ "slirp4netns:port_handler=slirp4netns", NET_MODE_SLIRP4NETNS, NULL },
		{ "container:web", NET_MODE_CONTAINER, "web" },
		{ "ns:/run/user/1000/netns/x", NET_MODE_NS, "/run/user/1000/netns/x" },
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		is_int(net_parse_mode(simple[i].spec, &m, &err), 0, "%s parses", simple[i].spec);
		is_int(m.kind, simple[i].kind, "%s: kind", simple[i].spec);
		is_str(m.target, simple[i].target, "%s: target", simple[i].spec);
		net_mode_clear(&m);
	}
	ok(net_mode_is_private(&(struct net_mode){ .kind = NET_MODE_NONE }), "none is private");
	ok(!net_mode_is_private(&(struct net_mode){ .kind = NET_MODE_HOST }), "host is not");
}

static void expect_bad(const char *spec, const char *needle)
{
	struct net_mode m;
	struct error *err = NULL;
	is_int(net_parse_mode(spec, &m, &err), -1, "refused: \"%s\"", spec);
	if (err == NULL) {
		ok(0, "an error is set");
		return;
	}
	is_int(err->kind, ERR_USAGE, "\"%s\": a usage error", spec);
	has_str(err->msg, needle, "\"%s\": message names the bad part", spec);
	ok(m.pasta_args == NULL && m.target == NULL, "\"%s\": nothing left in the struct", spec);
	err_free(&err);
}

/* Anything else that is a network name (or a list of them) names user-defined networks;
 * whether they exist is the engine's to check. */
static void test_networks(void)
{
	struct net_mode m;
	struct error *err = NULL;
	is_int(net_parse_mode("n1", &m, &err), 0, "a network name");
	is_int(m.kind, NET_MODE_NETWORKS, "user-defined networks");
	is_str(m.target, "n1", "its name kept");
	is_str(net_mode_name(m.kind), "bridge", "podman's NetworkMode for them");
	net_mode_clear(&m);
	is_int(net_parse_mode("front,back-end.2", &m, &err), 0, "two networks");
	is_str(m.target, "front,back-end.2", "both names kept");
	ok(!net_mode_is_private(&m), "no helper of its own");
	net_mode_clear(&m);
	/* A record after `network disconnect` of the last one: on networks, none of them. */
	is_int(net_parse_mode(NET_NO_NETWORKS, &m, &err), 0, "no networks left");
	is_int(m.kind, NET_MODE_NETWORKS, "still podman's bridge mode");
	is_str(m.target, "", "no names");
	net_mode_clear(&m);
	expect_bad("networks:n1", "invalid network \"networks\"");
}

static void test_bad(void)
{
	expect_bad("slirp4netns:mtu=abc", "invalid slirp4netns option \"mtu=abc\"");
	expect_bad("bridge:ip=10.88.0.5", "takes no options");
	expect_bad("slirp4netns:port_handler=vpnkit", "want rootlesskit or slirp4netns");
	expect_bad("container", "want container:NAME|ID");
	expect_bad("n1,,n2", "invalid network \"n1,,n2\"");
	expect_bad("n1,", "invalid network \"n1,\"");
	expect_bad("slirp4netns:cidr=10.0.2.0/30", "cidr=10.0.2.0/30");
	expect_bad("slirp4netns:foo=bar", "\"foo=bar\"");
	expect_bad("pasta:--netns,/x", "\"--netns\"");
	expect_bad("ns:relative", "must be absolute");
}

static int parse_mode(const char *spec, struct error **err)
{
	struct net_mode m;
	int rc = net_parse_mode(spec, &m, err);
	net_mode_clear(&m);
	return rc;
}

int main(void)
{
	test_good();
	test_networks();
	test_bad();
	corpus_run("tests/data/bad/network", parse_mode, 20);
	return done_testing();
}
