/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/ports.c: -p specs (good ones, the bad ones here and in tests/data/bad/publish/),
 * -P port choice, and the pre-start checks against real sockets: a port the test itself
 * holds on 127.0.0.1 is reported in use, naming the address and port, and a port below
 * the unprivileged start is refused naming the sysctl.
 */
#include "net/net.h"
#include "tests/unit/tap.h"
#include "tests/unit/corpus.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void expect_port(const char *spec, const char *ip, int hport, int cport, int count,
			enum net_proto proto)
{
	struct net_port p;
	struct error *err = NULL;
	int rc = net_parse_publish(spec, &p, &err);
	is_int(rc, 0, "\"%s\" parses%s%s", spec, err ? ": " : "", err ? err->msg : "");
	err_free(&err);
	if (rc < 0)
		return;
	ok(strcmp(p.host_ip, ip) == 0 && p.host_port == hport && p.container_port == cport &&
	       p.count == count && p.proto == proto,
	   "\"%s\" -> ip \"%s\" host %u ctr %u count %u %s", spec, p.host_ip, p.host_port,
	   p.container_port, p.count, net_proto_name(p.proto));
}

static void test_good(void)
{
	expect_port("80", "", 0, 80, 1, NET_PROTO_TCP);
	expect_port("8080:80", "", 8080, 80, 1, NET_PROTO_TCP);
	expect_port("8080:80/udp", "", 8080, 80, 1, NET_PROTO_UDP);
	expect_port("8080:80/tcp", "", 8080, 80, 1, NET_PROTO_TCP);
	expect_port("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, 1, NET_PROTO_TCP);
	expect_port("127.0.0.1::80", "127.0.0.1", 0, 80, 1, NET_PROTO_TCP);
	expect_port("[::1]:8080:80/udp", "::1", 8080, 80, 1, NET_PROTO_UDP);
	expect_port("[fd00::1]::53/udp", "fd00::1", 0, 53, 1, NET_PROTO_UDP);
	expect_port("8080-8082:80-82", "", 8080, 80, 3, NET_PROTO_TCP);
	expect_port("0.0.0.0:9000-9001:7000-7001/udp", "0.0.0.0", 9000, 7000, 2, NET_PROTO_UDP);
	expect_port("5000-5004", "", 0, 5000, 5, NET_PROTO_TCP);
	expect_port("65535:1", "", 65535, 1, 1, NET_PROTO_TCP);
}

static void expect_bad(const char *spec, const char *needle)
{
	struct net_port p;
	struct error *err = NULL;
	is_int(net_parse_publish(spec, &p, &err), -1, "refused: \"%s\"", spec);
	has_str(err ? err->msg : NULL, needle, "\"%s\": names the problem", spec);
	ok(err != NULL && err->kind == ERR_USAGE, "\"%s\": usage error", spec);
	err_free(&err);
}

static void test_bad(void)
{
	expect_bad("8080-8082:80-81", "must be of equal length");
	expect_bad("70000:80", "host port \"70000\"");
	expect_bad("8080:0", "container port \"0\"");
	expect_bad("80/sctp", "sctp");
	expect_bad("80/icmp", "unknown protocol \"icmp\"");
	expect_bad("::1:8080:80", "brackets");
	expect_bad("localhost:8080:80", "\"localhost\" is not an IPv4 address");
	expect_bad("[::1]:80", "HOSTPORT:PORT");
	expect_bad("90-80", "ends before it starts");
}

static int parse_publish(const char *spec, struct error **err)
{
	struct net_port p;
	return net_parse_publish(spec, &p, err);
}

/* A TCP listener on 127.0.0.1 held by the test; returns the fd and sets *port. */
static int hold_port(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static void test_conflicts(void)
{
	struct error *err = NULL;
	uint16_t held = 0;
	autoclose int fd = hold_port(&held);
	ok(fd >= 0, "the test holds 127.0.0.1:%u", held);
	struct net_port p = {
		.host_ip = "127.0.0.1", .host_port = held, .container_port = 80, .count = 1
	};
	is_int(net_check_ports(&p, 1, NULL, &err), -1, "a port in use is refused");
	autofree char *want = xasprintf("cannot publish 127.0.0.1:%u/tcp: the host port is "
					"already in use",
					held);
	is_str(err ? err->msg : NULL, want, "the message names the address and the port");
	is_int(err ? err->code : 0, EADDRINUSE, "code EADDRINUSE");
	err_free(&err);
	/* On every address (0.0.0.0) the same port conflicts too. */
	struct net_port all = { .host_port = held, .container_port = 80, .count = 1 };
	is_int(net_check_ports(&all, 1, NULL, &err), -1, "0.0.0.0 conflicts with 127.0.0.1");
	has_str(err ? err->msg : NULL, "0.0.0.0", "names 0.0.0.0");
	err_free(&err);
	/* UDP on the same number is another port. */
	p.proto = NET_PROTO_UDP;
	is_int(net_check_ports(&p, 1, NULL, &err), 0, "udp on the same number is free");
	err_free(&err);
	close(fd);
	fd = -1;
	p.proto = NET_PROTO_TCP;
	is_int(net_check_ports(&p, 1, NULL, &err), 0, "free once the test lets it go");
	err_free(&err);

	/* Two entries asking for the same host port conflict with each other. */
	struct net_port two[2] = { p, p };
	two[1].container_port = 81;
	is_int(net_check_ports(two, 2, NULL, &err), -1, "the same host port twice is refused");
	err_free(&err);
	/* A range crossing a held port names that very port. */
	fd = hold_port(&held);
	struct net_port range = { .host_ip = "127.0.0.1",
				  .host_port = (uint16_t)(held - 1),
				  .container_port = 80,
				  .count = 3 };
	is_int(net_check_ports(&range, 1, NULL, &err), -1, "a range over a held port");
	autofree char *want2 = xasprintf("127.0.0.1:%u/tcp", held);
	has_str(err ? err->msg : NULL, want2, "names the port inside the range");
	err_free(&err);
}

static void test_privileged(void)
{
	struct error *err = NULL;
	autofree char *dir = xstrdup("/tmp/hutch-test-ports-XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp dir");
	autofree char *f = xasprintf("%s/unpriv", dir);
	fs_write_atomic(f, "1024\n", 5, 0644, &err);
	struct net_port p = {
		.host_ip = "127.0.0.1", .host_port = 80, .container_port = 80, .count = 1
	};
	is_int(net_check_ports(&p, 1, f, &err), -1, "port 80 under a start of 1024");
	has_str(err ? err->msg : NULL, "net.ipv4.ip_unprivileged_port_start (1024)",
		"the message names the sysctl and its value");
	has_str(err ? err->msg : NULL, "host port 80", "and the port");
	err_free(&err);
	/* A lower start lets the port through the first check; binding it is then up to the
	 * kernel's real sysctl, so only the message path is asserted here. */
	fs_write_atomic(f, "80\n", 3, 0644, &err);
	int rc = net_check_ports(&p, 1, f, &err);
	ok(rc == 0 || strstr(err->msg, "ip_unprivileged_port_start") == NULL,
	   "with a start of 80, port 80 passes the sysctl check");
	err_free(&err);
	/* The real sysctl of this machine. */
	autofree char *real = NULL;
	if (fs_read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64, &real, NULL, &err) <
	    0)
		real = xstrdup("?");
	real[strcspn(real, "\n")] = '\0';
	if (atoi(real) > 80 && getuid() != 0) {
		is_int(net_check_ports(&p, 1, NULL, &err), -1, "the real sysctl refuses port 80");
		has_str(err ? err->msg : NULL, "ip_unprivileged_port_start", "names the sysctl");
	} else {
		skip("machine: ip_unprivileged_port_start is %s or we are root", real);
	}
	err_free(&err);
	fs_rm_rf(dir, NULL);
}

static void test_assign(void)
{
	struct error *err = NULL;
	struct net_port p[2] = {
		{ .host_ip = "127.0.0.1", .container_port = 80, .count = 1 },
		{ .host_ip = "127.0.0.1",
		  .container_port = 5000,
		  .count = 4,
		  .proto = NET_PROTO_UDP },
	};
	is_int(net_ports_assign(p, 2, &err), 0, "free ports assigned");
	ok(p[0].host_port != 0 && p[1].host_port != 0, "both got a host port (%u, %u)",
	   p[0].host_port, p[1].host_port);
	is_int(net_check_ports(p, 2, NULL, &err), 0, "and they are free");
	err_free(&err);

	char *exposed[] = { "80/tcp", "53/udp", "8000-8001", NULL };
	struct net_port *ports = NULL;
	size_t n = 0;
	is_int(net_expose_all(exposed, &ports, &n, &err), 0, "-P over three EXPOSE entries");
	is_int(n, 3, "three ports");
	ok(n == 3 && ports[0].container_port == 80 && ports[0].proto == NET_PROTO_TCP &&
	       ports[1].container_port == 53 && ports[1].proto == NET_PROTO_UDP &&
	       ports[2].count == 2 && ports[0].host_port >= 1024,
	   "container ports, protocols and ranges kept; host ports chosen");
	free(ports);
	ports = NULL;
	n = 0;
	char *bad[] = { "80/tcp", "8080:80", NULL };
	is_int(net_expose_all(bad, &ports, &n, &err), -1, "an EXPOSE entry with a host port");
	has_str(err ? err->msg : NULL, "invalid EXPOSE entry \"8080:80\"", "named");
	err_free(&err);
	free(ports);
}

int main(void)
{
	test_good();
	test_bad();
	corpus_run("tests/data/bad/publish", parse_publish, 20);
	test_conflicts();
	test_privileged();
	test_assign();
	return done_testing();
}
