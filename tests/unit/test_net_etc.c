/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/etc.c: the resolv.conf, hosts and hostname written for a container, from host files
 * the test writes itself: slirp4netns's DNS, the host's servers for host mode, a local
 * stub replaced by its upstream servers (or one warning), and the --dns* overrides.
 */
#include "net/net.h"
#include "tests/unit/tap.h"

#include <sys/stat.h>

static char *tmp;

static char *put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmp, name);
	struct error *err = NULL;
	if (fs_write_atomic(p, text, strlen(text), 0644, &err) < 0) {
		ok(0, "writing %s: %s", p, err->msg);
		err_free(&err);
	}
	return p;
}

static char *get(const char *dir, const char *name)
{
	autofree char *p = xasprintf("%s/%s", dir, name);
	char *data = NULL;
	struct error *err = NULL;
	if (fs_read_file(p, 1 << 16, &data, NULL, &err) < 0) {
		err_free(&err);
		return xstrdup("(missing)");
	}
	return data;
}

/* Run net_write_etc_files into a fresh dir; warnings land in *warnings. */
static char *write_etc(struct net_etc_opts *o, char **warnings, int *rc)
{
	static int n;
	char *dir = xasprintf("%s/out%d", tmp, n++);
	mkdir(dir, 0755);
	size_t len = 0;
	*warnings = NULL;
	FILE *f = open_memstream(warnings, &len);
	log_set_stream(f);
	struct error *err = NULL;
	*rc = net_write_etc_files(o, dir, &err);
	if (*rc < 0)
		fprintf(f, "ERROR %s", err->msg);
	err_free(&err);
	log_set_stream(NULL);
	fclose(f);
	return dir;
}

static void test_slirp(const char *host_resolv)
{
	struct net_mode m;
	struct error *err = NULL;
	net_parse_mode("slirp4netns", &m, &err);
	struct net_etc_opts o = {
		.mode = &m,
		.hostname = "abc123",
		.name = "web",
		.host_resolv_conf = host_resolv,
		.host_ip = "192.0.2.9",
	};
	autofree char *w = NULL;
	int rc;
	autofree char *dir = write_etc(&o, &w, &rc);
	is_int(rc, 0, "slirp4netns: files written");
	autofree char *resolv = get(dir, "resolv.conf");
	is_str(resolv, "search example.test corp.test\nnameserver 10.0.2.3\noptions ndots:2\n",
	       "slirp4netns: its DNS forwarder, the host's search and options");
	autofree char *hosts = get(dir, "hosts");
	has_str(hosts, "127.0.0.1\tlocalhost", "hosts: localhost");
	has_str(hosts, "::1\tlocalhost", "hosts: ::1 localhost");
	has_str(hosts, "10.0.2.100\tabc123 web\n", "hosts: guest address with hostname and name");
	has_str(hosts, "192.0.2.9\thost.containers.internal\n",
		"without host loopback, host.containers.internal is the host's address (podman's)");
	autofree char *hostname = get(dir, "hostname");
	is_str(hostname, "abc123\n", "hostname");
	struct stat st;
	autofree char *p = xasprintf("%s/hosts", dir);
	stat(p, &st);
	is_int(st.st_mode & 0777, 0644, "files are 0644");
	is_str(w, "", "no warnings");
	net_mode_clear(&m);

	net_parse_mode("slirp4netns:allow_host_loopback=true,cidr=10.9.0.0/24,enable_ipv6=true", &m,
		       &err);
	char *dns[] = { "192.0.2.53", NULL };
	char *search[] = { ".", NULL };
	char *opts[] = { "timeout:1", "attempts:3", NULL };
	char *add[] = { "db:10.9.0.7", "v6host:fd00::7", NULL };
	struct net_etc_opts o2 = { .mode = &m,
				   .hostname = "h",
				   .host_resolv_conf = host_resolv,
				   .add_hosts = add,
				   .dns_options = opts,
				   .dns_search = search };
	autofree char *w2 = NULL;
	autofree char *dir2 = write_etc(&o2, &w2, &rc);
	autofree char *resolv2 = get(dir2, "resolv.conf");
	is_str(resolv2, "nameserver 10.9.0.3\nnameserver fd00::3\noptions timeout:1 attempts:3\n",
	       "custom cidr and ipv6; --dns-search=. drops search; --dns-option replaces");
	autofree char *hosts2 = get(dir2, "hosts");
	has_str(hosts2, "10.9.0.2\thost.containers.internal", "host.containers.internal");
	has_str(hosts2, "10.9.0.100\th\n", "guest address of the custom cidr");
	ok(strncmp(hosts2, "10.9.0.7\tdb\nfd00::7\tv6host\n", 27) == 0,
	   "--add-host entries first, so they win");
	o2.dns = dns;
	autofree char *w3 = NULL;
	autofree char *dir3 = write_etc(&o2, &w3, &rc);
	autofree char *resolv3 = get(dir3, "resolv.conf");
	has_str(resolv3, "nameserver 192.0.2.53\n", "--dns replaces the forwarder");
	ok(strstr(resolv3, "10.9.0.3") == NULL, "and only it is there");
	net_mode_clear(&m);
}

static void test_host(const char *host_resolv, const char *stub, const char *upstream)
{
	struct net_mode m;
	struct error *err = NULL;
	net_parse_mode("host", &m, &err);
	struct net_etc_opts o = { .mode = &m, .hostname = "hh", .host_resolv_conf = host_resolv };
	autofree char *w = NULL;
	int rc;
	autofree char *dir = write_etc(&o, &w, &rc);
	autofree char *resolv = get(dir, "resolv.conf");
	is_str(resolv,
	       "search example.test corp.test\nnameserver 192.0.2.1\nnameserver 2001:db8::1\n"
	       "options ndots:2\n",
	       "host: the host's servers");
	autofree char *hosts = get(dir, "hosts");
	has_str(hosts, "127.0.1.1\thh\n", "host: hostname on 127.0.1.1");

	/* A local stub only, and upstream servers where systemd-resolved keeps them. */
	o.host_resolv_conf = stub;
	o.upstream_resolv_conf = upstream;
	free(w);
	autofree char *dir2 = write_etc(&o, &w, &rc);
	autofree char *resolv2 = get(dir2, "resolv.conf");
	is_str(resolv2, "search lan\nnameserver 198.51.100.7\nnameserver 198.51.100.8\n",
	       "stub: the upstream servers it names, the stub's search kept");
	is_str(w, "", "stub with upstream: no warning");
	net_mode_clear(&m);

	/* pasta cannot reach the host's 127.0.0.53; without upstream: one clear warning. */
	net_parse_mode("pasta", &m, &err);
	autofree char *nothing = xasprintf("%s/no-such-file", tmp);
	o.upstream_resolv_conf = nothing;
	free(w);
	autofree char *dir3 = write_etc(&o, &w, &rc);
	is_int(rc, 0, "stub without upstream: still written");
	has_str(w, "WARN[", "one warning in podman's shape");
	has_str(w, "local resolvers (127.0.0.53)", "naming the stub");
	has_str(w, "use --dns", "and the way out");
	autofree char *resolv3 = get(dir3, "resolv.conf");
	ok(strstr(resolv3, "127.0.0.53") == NULL, "the unreachable stub is not written");
	net_mode_clear(&m);
	/* In host mode the stub is reachable (same namespace): kept, no warning. */
	net_parse_mode("host", &m, &err);
	free(w);
	autofree char *dir4 = write_etc(&o, &w, &rc);
	autofree char *resolv4 = get(dir4, "resolv.conf");
	has_str(resolv4, "nameserver 127.0.0.53", "host mode keeps a reachable stub");
	is_str(w, "", "without a warning");
	net_mode_clear(&m);
	/* --network none: there is nothing to resolve with, so nothing to warn about. */
	net_parse_mode("none", &m, &err);
	free(w);
	autofree char *dir5 = write_etc(&o, &w, &rc);
	is_int(rc, 0, "none: written");
	is_str(w, "", "none: no DNS warning");
	net_mode_clear(&m);
}

static void test_bad(const char *host_resolv)
{
	struct net_mode m;
	struct error *err = NULL;
	net_parse_mode("slirp4netns", &m, &err);
	char *bad_add[] = { "nocolon", NULL };
	char *bad_dns[] = { "not-an-ip", NULL };
	struct net_etc_opts o = { .mode = &m, .hostname = "ok", .host_resolv_conf = host_resolv };
	autofree char *w = NULL;
	int rc;
	o.add_hosts = bad_add;
	autofree char *d1 = write_etc(&o, &w, &rc);
	is_int(rc, -1, "--add-host without an IP is refused");
	has_str(w, "invalid --add-host \"nocolon\"", "named");
	o.add_hosts = NULL;
	o.dns = bad_dns;
	free(w);
	autofree char *d2 = write_etc(&o, &w, &rc);
	has_str(w, "invalid --dns \"not-an-ip\"", "--dns must be an address");
	o.dns = NULL;
	o.hostname = "bad host";
	free(w);
	autofree char *d3 = write_etc(&o, &w, &rc);
	has_str(w, "invalid hostname \"bad host\"", "hostname checked");
	/* A host without resolv.conf: the container still gets one. */
	o.hostname = "ok";
	autofree char *missing = xasprintf("%s/missing", tmp);
	o.host_resolv_conf = missing;
	free(w);
	autofree char *d4 = write_etc(&o, &w, &rc);
	is_int(rc, 0, "no host resolv.conf is fine");
	net_mode_clear(&m);
}

int main(void)
{
	tmp = xstrdup("/tmp/hutch-test-etc-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return 1;
	autofree char *host =
	    put("resolv.host", "# comment\ndomain old.test\nsearch example.test corp.test\n"
			       "nameserver 192.0.2.1\nnameserver 2001:db8::1\noptions ndots:2\n");
	autofree char *stub = put("resolv.stub", "nameserver 127.0.0.53\nsearch lan\n");
	autofree char *upstream =
	    put("resolv.upstream", "nameserver 198.51.100.7\nnameserver 198.51.100.8\n");
	test_slirp(host);
	test_host(host, stub, upstream);
	test_bad(host);
	fs_rm_rf(tmp, NULL);
	free(tmp);
	return done_testing();
}
