/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published ports: parsing -p and EXPOSE entries, choosing free host ports for -P, and the
 * checks that run before a container starts (privileged ports, ports in use), so that a
 * bad port fails with a message naming it instead of a helper's generic refusal later.
 */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *net_proto_name(enum net_proto p)
{
	return p == NET_PROTO_UDP ? "udp" : "tcp";
}

/* A port number 1..65535; the whole string must be digits. */
static bool parse_port_num(const char *s, size_t len, uint16_t *out)
{
	if (len == 0 || len > 5)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "80" or "8000-8010": first port and count. */
static int parse_range(const char *spec, const char *what, const char *s, uint16_t *first,
		       uint16_t *count, struct error **err)
{
	const char *dash = strchr(s, '-');
	uint16_t a = 0, b = 0;
	if (dash == NULL) {
		if (!parse_port_num(s, strlen(s), &a))
			goto bad;
		*first = a;
		*count = 1;
		return 0;
	}
	if (!parse_port_num(s, (size_t)(dash - s), &a) ||
	    !parse_port_num(dash + 1, strlen(dash + 1), &b))
		goto bad;
	if (b < a)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": %s range \"%s\" ends before it starts",
			       spec, what, s);
	*first = a;
	*count = (uint16_t)(b - a + 1);
	return 0;
bad:
	return err_set(err, EINVAL, ERR_USAGE,
		       "invalid publish spec \"%s\": %s \"%s\" is not a port (1-65535) or a range "
		       "of ports",
		       spec, what, s);
}

static int parse_proto(const char *spec, const char *p, enum net_proto *out, struct error **err)
{
	if (strcmp(p, "tcp") == 0)
		*out = NET_PROTO_TCP;
	else if (strcmp(p, "udp") == 0)
		*out = NET_PROTO_UDP;
	else if (strcmp(p, "sctp") == 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": rootless networking cannot publish "
			       "sctp ports",
			       spec);
	else
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": unknown protocol \"%s\" (want tcp or "
			       "udp)",
			       spec, p);
	return 0;
}

/* Split "[IP:][HOSTPORT:]" off the front; rest points at the container part. */
static int parse_host_ip(const char *spec, const char *s, struct net_port *out, const char **rest,
			 struct error **err)
{
	const char *ip_end;
	autofree char *ip = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid publish spec \"%s\": an IPv6 host IP needs "
				       "\"[IP]:HOSTPORT:PORT\"",
				       spec);
		ip = xstrndup(s + 1, (size_t)(close - s - 1));
		if (inet_pton(AF_INET6, ip, buf) != 1)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid publish spec \"%s\": \"%s\" is not an IPv6 address",
				       spec, ip);
		ip_end = close + 1;
	} else {
		ip_end = strchr(s, ':');
		ip = xstrndup(s, (size_t)(ip_end - s));
		if (strchr(ip_end + 1, ':') == NULL || inet_pton(AF_INET, ip, buf) != 1)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid publish spec \"%s\": \"%s\" is not an IPv4 address "
				       "(IPv6 addresses go in brackets: [::1]:8080:80)",
				       spec, ip);
	}
	snprintf(out->host_ip, sizeof(out->host_ip), "%s", ip);
	*rest = ip_end + 1;
	return 0;
}

/* A host port of 0 and a container range of N is fine: net_ports_assign picks N ports. */
static int parse_ports(const char *spec, const char *hostp, const char *ctrp, struct net_port *out,
		       struct error **err)
{
	uint16_t hfirst = 0, hcount = 0;
	if (parse_range(spec, "container port", ctrp, &out->container_port, &out->count, err) < 0)
		return -1;
	if (hostp == NULL || *hostp == '\0')
		return 0;
	if (parse_range(spec, "host port", hostp, &hfirst, &hcount, err) < 0)
		return -1;
	if (hcount != out->count)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": the host range \"%s\" has %u ports "
			       "and the container range \"%s\" %u; they must be of equal length",
			       spec, hostp, hcount, ctrp, out->count);
	out->host_port = hfirst;
	return 0;
}

int net_parse_publish(const char *spec, struct net_port *out, struct error **err)
{
	*out = (struct net_port){ .proto = NET_PROTO_TCP };
	if (spec == NULL || *spec == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "invalid publish spec \"\": empty");
	autofree char *copy = xstrdup(spec);
	char *slash = strrchr(copy, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (parse_proto(spec, slash + 1, &out->proto, err) < 0)
			return -1;
	}
	const char *s = copy;
	/* Forms: PORT, HOST:PORT, IP:HOST:PORT, IP::PORT, [IP6]:HOST:PORT. */
	size_t colons = 0;
	for (const char *p = s; *p; p++)
		colons += *p == ':';
	if (*s == '[' || colons >= 2) {
		if (parse_host_ip(spec, s, out, &s, err) < 0)
			return -1;
		if (strchr(s, ':') == NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid publish spec \"%s\": after a host IP comes "
				       "HOSTPORT:PORT (or :PORT for a free host port)",
				       spec);
	} else if (colons == 0) {
		return parse_ports(spec, NULL, s, out, err);
	}
	const char *c = strchr(s, ':');
	autofree char *hostp = xstrndup(s, (size_t)(c - s));
	if (strchr(c + 1, ':') != NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": too many colons", spec);
	if (*hostp == '\0' && *out->host_ip == '\0')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid publish spec \"%s\": empty host port", spec);
	return parse_ports(spec, hostp, c + 1, out, err);
}

/* Bind one host port (SO_REUSEADDR as slirp4netns does, so TIME_WAIT is no conflict). */
static int bind_port(const char *ip, uint16_t port, enum net_proto proto, int *fd_out,
		     uint16_t *bound, int *e)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (*ip == '\0' || inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		len = sizeof(*in4);
	} else {
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		len = sizeof(*in6);
	}
	int type = proto == NET_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0) {
		*e = errno;
		return -1;
	}
	if (proto == NET_PROTO_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (proto == NET_PROTO_TCP && listen(fd, 1) < 0) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		*e = errno;
		close(fd);
		return -1;
	}
	*bound = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
	*fd_out = fd;
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A free run of count ports: the kernel's choice for the first, then the next ones. */
static int pick_free(struct net_port *p, struct error **err)
{
	for (int attempt = 0; attempt < 64; attempt++) {
		autofree int *fds = xcalloc(p->count, sizeof(int));
		uint16_t first = 0, got = 0;
		int e = 0;
		size_t held = 0;
		if (bind_port(p->host_ip, 0, p->proto, &fds[0], &first, &e) < 0)
			return err_set(err, e, ERR_TOOL, "choosing a free host port: %s",
				       strerror(e));
		held = 1;
		while (held < p->count && (unsigned)first + held <= 65535 &&
		       bind_port(p->host_ip, (uint16_t)(first + held), p->proto, &fds[held], &got,
				 &e) == 0)
			held++;
		close_all(fds, held);
		if (held == p->count) {
			p->host_port = first;
			return 0;
		}
	}
	return err_msg(err, "choosing %u free host ports in a row for port %u/%s: none found",
		       p->count, p->container_port, net_proto_name(p->proto));
}

int net_ports_assign(struct net_port *ports, size_t n, struct error **err)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i].host_port == 0 && pick_free(&ports[i], err) < 0)
			return -1;
	return 0;
}

int net_expose_all(char *const *exposed, struct net_port **ports, size_t *n, struct error **err)
{
	for (size_t i = 0; exposed != NULL && exposed[i] != NULL; i++) {
		struct net_port p;
		/* An EXPOSE entry is a container port (range) with an optional protocol. */
		if (strchr(exposed[i], ':') != NULL || net_parse_publish(exposed[i], &p, err) < 0)
			return err_set(err, EINVAL, ERR_TOOL, "invalid EXPOSE entry \"%s\"",
				       exposed[i]);
		if (pick_free(&p, err) < 0)
			return -1;
		*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
		(*ports)[(*n)++] = p;
	}
	return 0;
}

static int read_unpriv_start(const char *path, long *out, struct error **err)
{
	autofree char *data = NULL;
	if (fs_read_file(path, 64, &data, NULL, err) < 0)
		return -1;
	char *end = NULL;
	errno = 0;
	*out = strtol(data, &end, 10);
	if (errno != 0 || end == data)
		return err_msg(err, "reading %s: not a number", path);
	return 0;
}

static const char *shown_ip(const struct net_port *p)
{
	return *p->host_ip ? p->host_ip : "0.0.0.0";
}

static int check_privileged(const struct net_port *ports, size_t n, const char *unpriv_path,
			    struct error **err)
{
	long start = 0;
	if (read_unpriv_start(unpriv_path, &start, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ports[i].host_port == 0 || ports[i].host_port >= start)
			continue;
		return err_set(err, EACCES, ERR_TOOL,
			       "cannot publish host port %u: rootless containers cannot bind ports "
			       "below net.ipv4.ip_unprivileged_port_start (%ld); use a higher host "
			       "port or lower that sysctl",
			       ports[i].host_port, start);
	}
	return 0;
}

int net_check_ports(const struct net_port *ports, size_t n, const char *unpriv_path,
		    struct error **err)
{
	if (unpriv_path == NULL)
		unpriv_path = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
	if (check_privileged(ports, n, unpriv_path, err) < 0)
		return -1;
	size_t total = 0, held = 0;
	for (size_t i = 0; i < n; i++)
		total += ports[i].count;
	autofree int *fds = xcalloc(total ? total : 1, sizeof(int));
	int rc = 0;
	/* Hold every port until all are checked, so "-p 8080:80 -p 8080:81" conflicts too. */
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct net_port *p = &ports[i];
		for (unsigned k = 0; k < p->count && p->host_port != 0; k++) {
			uint16_t port = (uint16_t)(p->host_port + k), got = 0;
			int e = 0;
			if (bind_port(p->host_ip, port, p->proto, &fds[held], &got, &e) == 0) {
				held++;
				continue;
			}
			const char *ip = shown_ip(p);
			bool v6 = strchr(ip, ':') != NULL;
			/* podman's 126 for a busy port: the runtime could not start it */
			rc = err_set(err, e, e == EADDRINUSE ? ERR_INVOKE : ERR_TOOL,
				     "cannot publish %s%s%s:%u/%s: %s", v6 ? "[" : "", ip,
				     v6 ? "]" : "", port, net_proto_name(p->proto),
				     e == EADDRINUSE ? "the host port is already in use"
						     : strerror(e));
			break;
		}
	}
	close_all(fds, held);
	return rc;
}
