/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published TCP ports of a container on user-defined networks, relayed by the monitor: the
 * launcher binds and listens on the host's sockets and hands them over; for each client
 * the monitor opens a connection from inside the container's network namespace to
 * 127.0.0.1:PORT there (udpfwd.c's helper) and copies both ways, half-closes included. A
 * client on the host's loopback is thus 127.0.0.1 to the container too, which slirp4netns's
 * forwarding and netavark's DNAT made slirp4netns's own address.
 */
#include "oci/monitor/tcpfwd.h"
#include "oci/monitor/udpfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

void tcpfwd_init(struct tcpfwd *t, const struct oci_monitor_opts *o, int ep)
{
	*t = (struct tcpfwd){ .o = o, .ep = ep };
	for (size_t i = 0; i < TCPFWD_CONNS; i++)
		t->conns[i].fd[0] = t->conns[i].fd[1] = -1;
	for (size_t i = 0; i < o->n_tcp; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = o->tcp_fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, o->tcp_fds[i], &ev);
	}
}

static void conn_close(struct tcpfwd *t, struct tcpfwd_conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] >= 0) {
			if (c->watched[i])
				epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
			close(c->fd[i]);
		}
		free(c->dir[i].buf);
	}
	*c = (struct tcpfwd_conn){ .fd = { -1, -1 } };
}

/* What each side waits for: input while its outgoing buffer is empty and open, output
 * while the other side's data waits for it. */
static void conn_watch(struct tcpfwd *t, struct tcpfwd_conn *c)
{
	for (int i = 0; i < 2; i++) {
		uint32_t want = 0;
		if (!c->dir[i].eof && c->dir[i].len == 0)
			want |= EPOLLIN;
		if (c->dir[1 - i].len > 0)
			want |= EPOLLOUT;
		/* epoll_ctl only on a change: a relay at full speed would make two per read. */
		if (c->watched[i] && want == c->events[i])
			continue;
		/* Nothing to wait for: out of the set, where a hang-up would be reported
		 * again and again. */
		struct epoll_event ev = { .events = want, .data.fd = c->fd[i] };
		if (want == 0 && c->watched[i])
			epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
		else if (want != 0)
			epoll_ctl(t->ep, c->watched[i] ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd[i],
				  &ev);
		c->watched[i] = want != 0;
		c->events[i] = want;
	}
}

/* Send what dir i holds to the other side; false on a broken connection. */
static bool flush(struct tcpfwd_conn *c, int i)
{
	struct tcpfwd_dir *d = &c->dir[i];
	while (d->len > 0) {
		ssize_t n =
		    send(c->fd[1 - i], d->buf + d->off, d->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		d->off += (size_t)n;
		d->len -= (size_t)n;
	}
	d->off = 0;
	if (d->eof)
		shutdown(c->fd[1 - i], SHUT_WR);
	return true;
}

/* Read what side i has and pass it on, a few rounds while both sides keep up; false on a
 * broken connection. */
static bool pump(struct tcpfwd_conn *c, int i)
{
	struct tcpfwd_dir *d = &c->dir[i];
	for (int round = 0; round < 16 && !d->eof && d->len == 0; round++) {
		ssize_t n = recv(c->fd[i], d->buf, TCPFWD_BUF, MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		if (n == 0)
			d->eof = true;
		d->off = 0;
		d->len = (size_t)n;
		if (!flush(c, i))
			return false;
	}
	return true;
}

static void accept_one(struct tcpfwd *t, size_t h)
{
	int cfd = accept4(t->o->tcp_fds[h], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	struct tcpfwd_conn *c = NULL;
	for (size_t i = 0; i < TCPFWD_CONNS && c == NULL; i++)
		if (t->conns[i].fd[0] < 0)
			c = &t->conns[i];
	/* Full, or nothing listens inside: the client sees the connection closed at once. */
	int ifd = c ? fwd_inner_socket(t->o->netns_fd, SOCK_STREAM, t->o->tcp_ports[h]) : -1;
	if (ifd < 0) {
		close(cfd);
		return;
	}
	if (fcntl(ifd, F_SETFL, fcntl(ifd, F_GETFL) | O_NONBLOCK) < 0) {
		close(cfd);
		close(ifd);
		return;
	}
	*c = (struct tcpfwd_conn){ .fd = { cfd, ifd } };
	for (int i = 0; i < 2; i++) {
		c->dir[i].buf = xmalloc(TCPFWD_BUF);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = c->fd[i] };
		c->watched[i] = epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd[i], &ev) == 0;
		c->events[i] = EPOLLIN;
	}
}

bool tcpfwd_event(struct tcpfwd *t, int fd)
{
	for (size_t h = 0; h < t->o->n_tcp; h++) {
		if (fd == t->o->tcp_fds[h]) {
			accept_one(t, h);
			return true;
		}
	}
	for (size_t k = 0; k < TCPFWD_CONNS; k++) {
		struct tcpfwd_conn *c = &t->conns[k];
		int i = c->fd[0] == fd ? 0 : c->fd[1] == fd ? 1 : -1;
		if (i < 0)
			continue;
		/* Readable: pass it on; writable: the other side's backlog. */
		bool ok = flush(c, 1 - i) && pump(c, i);
		if (!ok ||
		    (c->dir[0].eof && c->dir[1].eof && c->dir[0].len == 0 && c->dir[1].len == 0)) {
			conn_close(t, c);
			return true;
		}
		conn_watch(t, c);
		return true;
	}
	return false;
}

void tcpfwd_close(struct tcpfwd *t)
{
	for (size_t i = 0; i < TCPFWD_CONNS; i++)
		conn_close(t, &t->conns[i]);
	for (size_t i = 0; i < t->o->n_tcp; i++)
		close(t->o->tcp_fds[i]);
}
