/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published UDP ports, forwarded by the monitor. slirp4netns's own UDP forwarding drops the
 * replies to clients on the host's loopback unless the container may reach the host's
 * loopback (podman#4586), which podman avoids with a separate forwarder (rootlessport). The
 * monitor does it here: the launcher binds the host sockets and hands them over; for each
 * client (address and port) the monitor keeps one socket inside the container's network
 * namespace, connected to 127.0.0.1:PORT there, and relays both ways. A socket in another
 * namespace is made by a short-lived child that joins it and passes the fd back.
 */
#include "oci/monitor/udpfwd.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the container's network namespace: it has an interface besides lo. Published ports are
 * carried by the container's networks: disconnected from the last one, the namespace keeps
 * only lo and a client is closed at once, as podman's rootlessport does then (the server
 * would still answer on 127.0.0.1 inside). */
static bool on_a_network(void)
{
	struct if_nameindex *ifs = if_nameindex();
	if (ifs == NULL)
		return true; /* cannot tell: serve */
	bool any = false;
	for (struct if_nameindex *i = ifs; i->if_index != 0 && !any; i++)
		any = strcmp(i->if_name, "lo") != 0;
	if_freenameindex(ifs);
	return any;
}

/* The client's IPv4 address to keep inside, false for none: a client on the host's
 * 127.0.0.1, or on IPv6, is 127.0.0.1 inside as it is. */
static bool client_v4(const struct sockaddr *a, struct in_addr *out)
{
	if (a != NULL && a->sa_family == AF_INET) {
		*out = ((const struct sockaddr_in *)a)->sin_addr;
	} else if (a != NULL && a->sa_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)a)->sin6_addr)) {
		memcpy(out, &((const struct sockaddr_in6 *)a)->sin6_addr.s6_addr[12], 4);
	} else {
		return false;
	}
	return out->s_addr != htonl(INADDR_LOOPBACK) && out->s_addr != htonl(INADDR_ANY);
}

/*
 * rtnetlink as the kernel's ABI has it (linux/netlink.h, rtnetlink.h, fib_rules.h), spelled
 * out here: the monitor is built against musl, which ships no kernel headers.
 */
struct fwd_nlmsg {
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq, pid;
};
struct fwd_rtattr {
	uint16_t len, type;
};
struct fwd_rtmsg { /* struct rtmsg, and struct fib_rule_hdr has the same layout */
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};
enum {
	FWD_NETLINK_ROUTE = 0,
	FWD_NLMSG_ERROR = 2,
	FWD_RTM_NEWROUTE = 24,
	FWD_RTM_NEWRULE = 32,
	FWD_NLM_F_REQUEST = 0x1,
	FWD_NLM_F_ACK = 0x4,
	FWD_NLM_F_EXCL = 0x200,
	FWD_NLM_F_CREATE = 0x400,
	FWD_FRA_SRC = 2,
	FWD_FRA_PRIORITY = 6,
	FWD_FRA_TABLE = 15,
	FWD_FR_ACT_TO_TBL = 1, /* fib_rule_hdr's action, in the rtmsg's type byte */
	FWD_RTA_OIF = 4,
	FWD_RTA_TABLE = 15,
	FWD_RTPROT_BOOT = 3,
	FWD_RT_SCOPE_HOST = 254,
	FWD_RTN_LOCAL = 2,
};
#define FWD_ALIGN4(n) (((n) + 3u) & ~3u)

struct fwd_nlreq {
	struct fwd_nlmsg h;
	struct fwd_rtmsg r;
	char attrs[64];
};

static void nl_attr(struct fwd_nlreq *q, uint16_t type, uint32_t value)
{
	struct fwd_rtattr a = { .len = sizeof(a) + sizeof(value), .type = type };
	char *at = (char *)q + FWD_ALIGN4(q->h.len);
	memcpy(at, &a, sizeof(a));
	memcpy(at + sizeof(a), &value, sizeof(value));
	q->h.len = FWD_ALIGN4(q->h.len) + FWD_ALIGN4(a.len);
}

/* Send one request and read its acknowledgement: true when done or already there. */
static bool nl_do(int fd, struct fwd_nlreq *q)
{
	if (send(fd, q, q->h.len, 0) < 0)
		return false;
	union {
		struct fwd_nlmsg h;
		char buf[1024];
	} r;
	ssize_t n = recv(fd, &r, sizeof(r), 0);
	int e;
	if (n < (ssize_t)(sizeof(r.h) + sizeof(e)) || r.h.type != FWD_NLMSG_ERROR)
		return false;
	memcpy(&e, r.buf + sizeof(r.h), sizeof(e));
	return e == 0 || e == -EEXIST;
}

/* Policy routing that brings the container's answers to 127.0.0.1:PORT back to a socket
 * bound (IP_TRANSPARENT) to a client's address: `ip rule add from 127.0.0.1 lookup T pref
 * P` and `ip route add local 0.0.0.0/0 dev lo table T`. Nothing else leaves with source
 * 127.0.0.1 (the kernel refuses it on any device but lo), so only those answers take the
 * rule. Added once; the exclusive flag keeps a second from being added. */
static bool tproxy_routes(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, FWD_NETLINK_ROUTE);
	if (fd < 0)
		return false;
	uint32_t oif = if_nametoindex("lo");
	uint16_t flags = FWD_NLM_F_REQUEST | FWD_NLM_F_ACK | FWD_NLM_F_CREATE | FWD_NLM_F_EXCL;
	struct fwd_nlreq q = {
		.h = { .len = sizeof(q.h) + sizeof(q.r), .type = FWD_RTM_NEWRULE, .flags = flags },
		.r = { .family = AF_INET, .src_len = 32, .type = FWD_FR_ACT_TO_TBL },
	};
	nl_attr(&q, FWD_FRA_SRC, htonl(INADDR_LOOPBACK));
	nl_attr(&q, FWD_FRA_TABLE, FWD_TPROXY_TABLE);
	nl_attr(&q, FWD_FRA_PRIORITY, FWD_TPROXY_PREF);
	bool ok = nl_do(fd, &q);
	q = (struct fwd_nlreq){
		.h = { .len = sizeof(q.h) + sizeof(q.r), .type = FWD_RTM_NEWROUTE, .flags = flags },
		.r = { .family = AF_INET,
		       .protocol = FWD_RTPROT_BOOT,
		       .scope = FWD_RT_SCOPE_HOST,
		       .type = FWD_RTN_LOCAL },
	};
	nl_attr(&q, FWD_RTA_TABLE, FWD_TPROXY_TABLE);
	nl_attr(&q, FWD_RTA_OIF, oif);
	ok = ok && oif != 0 && nl_do(fd, &q);
	close(fd);
	return ok;
}

/* In the child: a socket of type bound to the client's address (IP_TRANSPARENT: the
 * child has CAP_NET_ADMIN over the namespace), or -1 where that cannot be had. */
static int transparent_socket(int type, struct in_addr client)
{
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr = client };
	int one = 1;
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (s >= 0 && setsockopt(s, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) == 0 &&
	    bind(s, (struct sockaddr *)&from, sizeof(from)) == 0 && tproxy_routes())
		return s;
	if (s >= 0)
		close(s);
	return -1;
}

int fwd_inner_socket(int netns_fd, int type, uint16_t port, const struct sockaddr *client)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (pid == 0) {
		close(sp[0]);
		struct sockaddr_in to = { .sin_family = AF_INET,
					  .sin_port = htons(port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		struct in_addr ca;
		int s = -1;
		if (setns(netns_fd, CLONE_NEWNET) == 0 && on_a_network()) {
			/* The client's own address where it can be kept, else 127.0.0.1. */
			if (client_v4(client, &ca))
				s = transparent_socket(type, ca);
			if (s < 0)
				s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		}
		if (s >= 0 && connect(s, (struct sockaddr *)&to, sizeof(to)) < 0)
			s = -1;
		char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
		char byte = s >= 0 ? 'y' : 'n';
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (s >= 0) {
			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &s, sizeof(int));
		}
		_exit(sendmsg(sp[1], &msg, 0) == 1 ? 0 : 1);
	}
	close(sp[1]);
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	int fd = -1;
	if (recvmsg(sp[0], &msg, MSG_CMSG_CLOEXEC) == 1 && byte == 'y' &&
	    CMSG_FIRSTHDR(&msg) != NULL)
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	close(sp[0]);
	/* The SIGCHLD loop may have reaped it already: that is fine. */
	waitpid(pid, NULL, 0);
	return fd;
}

void udpfwd_init(struct udpfwd *u, const struct oci_monitor_opts *o, int ep)
{
	*u = (struct udpfwd){ .o = o, .ep = ep };
	for (size_t i = 0; i < UDPFWD_FLOWS; i++)
		u->flows[i].fd = -1;
	for (size_t i = 0; i < o->n_udp; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = o->udp_fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, o->udp_fds[i], &ev);
	}
}

static void flow_close(struct udpfwd *u, struct udpfwd_flow *f)
{
	if (f->fd < 0)
		return;
	epoll_ctl(u->ep, EPOLL_CTL_DEL, f->fd, NULL);
	close(f->fd);
	f->fd = -1;
}

/* The flow of a client on host socket index h: an existing one, or a new one in the
 * least recently used slot. */
static struct udpfwd_flow *flow_for(struct udpfwd *u, size_t h, const struct sockaddr_storage *a,
				    socklen_t alen)
{
	struct udpfwd_flow *oldest = &u->flows[0];
	for (size_t i = 0; i < UDPFWD_FLOWS; i++) {
		struct udpfwd_flow *f = &u->flows[i];
		if (f->fd >= 0 && f->host == h && f->alen == alen && memcmp(&f->addr, a, alen) == 0)
			return f;
		if (f->fd < 0 || f->used < oldest->used)
			oldest = f;
	}
	flow_close(u, oldest);
	/* Without the client's address: a UDP server answers from an unbound socket, whose
	 * source the kernel picks by the route to the client, the container's interface; the
	 * policy route (from 127.0.0.1) would not bring it back (tcpfwd.c keeps it). */
	int fd = fwd_inner_socket(u->o->netns_fd, SOCK_DGRAM, u->o->udp_ports[h], NULL);
	if (fd < 0)
		return NULL;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(u->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return NULL;
	}
	*oldest = (struct udpfwd_flow){ .fd = fd, .host = h, .alen = alen };
	memcpy(&oldest->addr, a, alen);
	return oldest;
}

bool udpfwd_event(struct udpfwd *u, int fd)
{
	char buf[65536];
	for (size_t h = 0; h < u->o->n_udp; h++) {
		if (fd != u->o->udp_fds[h])
			continue;
		struct sockaddr_storage a;
		socklen_t alen = sizeof(a);
		ssize_t n =
		    recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&a, &alen);
		if (n < 0)
			return true;
		struct udpfwd_flow *f = flow_for(u, h, &a, alen);
		if (f != NULL) {
			f->used = ++u->clock;
			(void)send(f->fd, buf, (size_t)n, MSG_DONTWAIT);
		}
		return true;
	}
	for (size_t i = 0; i < UDPFWD_FLOWS; i++) {
		struct udpfwd_flow *f = &u->flows[i];
		if (f->fd != fd)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			/* ECONNREFUSED: nothing listens inside (yet); keep the flow. */
			return true;
		}
		f->used = ++u->clock;
		(void)sendto(u->o->udp_fds[f->host], buf, (size_t)n, MSG_DONTWAIT,
			     (struct sockaddr *)&f->addr, f->alen);
		return true;
	}
	return false;
}

void udpfwd_close(struct udpfwd *u)
{
	for (size_t i = 0; i < UDPFWD_FLOWS; i++)
		flow_close(u, &u->flows[i]);
	for (size_t i = 0; i < u->o->n_udp; i++)
		close(u->o->udp_fds[i]);
}
