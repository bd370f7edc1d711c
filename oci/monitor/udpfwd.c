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

int fwd_inner_socket(int netns_fd, int type, uint16_t port)
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
		int s = -1;
		if (setns(netns_fd, CLONE_NEWNET) == 0 && on_a_network())
			s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
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
	int fd = fwd_inner_socket(u->o->netns_fd, SOCK_DGRAM, u->o->udp_ports[h]);
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
