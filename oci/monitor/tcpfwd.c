/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published TCP ports on the host's IPv6. slirp4netns publishes on IPv4 only, where
 * podman's default port forwarder (rootlessport) answers on both: a client of [::1]:PORT
 * would find nothing. The launcher binds [::]:PORT (IPv6 only, beside slirp4netns's
 * 0.0.0.0:PORT) and hands the socket over; the monitor accepts, opens a socket inside the
 * container's network namespace to 127.0.0.1:PORT there (udpfwd.c's way) and relays both
 * ways through a bounded buffer each, reading a side only while its buffer is empty, so
 * a slow reader slows the writer down instead of growing memory.
 */
#include "oci/monitor/tcpfwd.h"
#include "oci/monitor/udpfwd.h"

#include <errno.h>
#include <fcntl.h>
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
	for (size_t i = 0; i < o->n_tcp6; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = o->tcp6_fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, o->tcp6_fds[i], &ev);
	}
}

static void conn_close(struct tcpfwd *t, struct tcpfwd_conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] >= 0) {
			epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
			close(c->fd[i]);
		}
		c->fd[i] = -1;
		free(c->way[i].buf);
		c->way[i] = (struct tcpfwd_way){ 0 };
	}
}

/* What each side waits for: input while its way is empty, output while the other way
 * holds bytes for it. */
static void conn_watch(struct tcpfwd *t, struct tcpfwd_conn *c)
{
	for (int i = 0; i < 2; i++) {
		const struct tcpfwd_way *in = &c->way[i], *out = &c->way[1 - i];
		struct epoll_event ev = { .data.fd = c->fd[i] };
		if (in->len == 0 && !in->eof)
			ev.events |= EPOLLIN;
		if (out->off < out->len)
			ev.events |= EPOLLOUT;
		epoll_ctl(t->ep, EPOLL_CTL_MOD, c->fd[i], &ev);
	}
}

/* Move what can move; false when the connection is over (closed or broken). */
static bool conn_pump(struct tcpfwd_conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct tcpfwd_way *w = &c->way[i];
		if (w->len == 0 && !w->eof) {
			ssize_t n = read(c->fd[i], w->buf, TCPFWD_BUF);
			if (n > 0) {
				w->len = (size_t)n;
				w->off = 0;
			} else if (n == 0) {
				w->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
		while (w->off < w->len) {
			ssize_t n = send(c->fd[1 - i], w->buf + w->off, w->len - w->off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n < 0)
				return false;
			w->off += (size_t)n;
		}
		if (w->off == w->len)
			w->len = w->off = 0;
		if (w->eof && w->len == 0 && !w->shut) {
			shutdown(c->fd[1 - i], SHUT_WR);
			w->shut = true;
		}
	}
	return !(c->way[0].shut && c->way[1].shut);
}

static void accept_one(struct tcpfwd *t, int lfd, uint16_t port)
{
	int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	struct tcpfwd_conn *c = NULL;
	for (size_t i = 0; i < TCPFWD_CONNS && c == NULL; i++)
		if (t->conns[i].fd[0] < 0)
			c = &t->conns[i];
	int ifd = c ? fwd_inner_socket(t->o->netns_fd, SOCK_STREAM, port) : -1;
	if (ifd < 0) {
		/* Full, or nothing listens inside: the client sees its connection closed. */
		close(cfd);
		return;
	}
	fcntl(ifd, F_SETFL, fcntl(ifd, F_GETFL) | O_NONBLOCK);
	*c = (struct tcpfwd_conn){ .fd = { cfd, ifd } };
	for (int i = 0; i < 2; i++) {
		c->way[i].buf = malloc(TCPFWD_BUF);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = c->fd[i] };
		if (c->way[i].buf == NULL || epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd[i], &ev) < 0) {
			conn_close(t, c);
			return;
		}
	}
}

bool tcpfwd_event(struct tcpfwd *t, int fd, uint32_t events)
{
	for (size_t h = 0; h < t->o->n_tcp6; h++)
		if (fd == t->o->tcp6_fds[h]) {
			accept_one(t, fd, t->o->tcp6_ports[h]);
			return true;
		}
	for (size_t i = 0; i < TCPFWD_CONNS; i++) {
		struct tcpfwd_conn *c = &t->conns[i];
		if (c->fd[0] != fd && c->fd[1] != fd)
			continue;
		bool alive = conn_pump(c);
		/* A side hung up both ways, or failed: what could move has moved, and waiting
		 * on would only spin on the same event (it cannot be masked). */
		if (events & (EPOLLHUP | EPOLLERR))
			alive = false;
		if (alive)
			conn_watch(t, c);
		else
			conn_close(t, c);
		return true;
	}
	return false;
}

void tcpfwd_close(struct tcpfwd *t)
{
	for (size_t i = 0; i < TCPFWD_CONNS; i++)
		conn_close(t, &t->conns[i]);
	for (size_t i = 0; i < t->o->n_tcp6; i++)
		close(t->o->tcp6_fds[i]);
}
