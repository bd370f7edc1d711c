/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Published TCP ports of a container on user-defined networks, relayed by the monitor: the
 * launcher binds and listens on the host's sockets and hands them over; for each client
 * the monitor opens a connection from inside the container's network namespace to
 * 127.0.0.1:PORT there (udpfwd.c's helper) and passes the bytes on both ways, half-closes
 * included. A client on the host's loopback is thus 127.0.0.1 to the container too, which
 * slirp4netns's forwarding and netavark's DNAT made slirp4netns's own address.
 *
 * The bytes go through a pipe per direction with splice(2), never through the monitor's
 * memory (a buffer and recv/send where no pipe can be had, at the file limit). Both
 * sockets are watched edge-triggered for input and output from the start, so a connection
 * costs no epoll_ctl after its accept: each wakeup moves what it can both ways until the
 * kernel says EAGAIN.
 */
#include "oci/monitor/tcpfwd.h"
#include "oci/monitor/udpfwd.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

void tcpfwd_init(struct tcpfwd *t, const struct oci_monitor_opts *o, int ep)
{
	*t = (struct tcpfwd){ .o = o, .ep = ep };
	/* Six descriptors per connection (two sockets, two pipes): the monitor's soft limit
	 * (often 1024) up to the hard one, as the container's own is (oci/spec/generate.c). */
	struct rlimit rl;
	if (o->n_tcp > 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (size_t i = 0; i < TCPFWD_CONNS; i++)
		t->conns[i].fd[0] = t->conns[i].fd[1] = -1;
	for (size_t i = 0; i < o->n_tcp; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = o->tcp_fds[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, o->tcp_fds[i], &ev);
	}
}

static void conn_close(struct tcpfwd *t, struct tcpfwd_conn *c)
{
	if (c->fd[0] < 0)
		return; /* a free slot */
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] >= 0) {
			epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
			close(c->fd[i]);
		}
		for (int k = 0; k < 2; k++)
			if (c->dir[i].pipe[k] >= 0)
				close(c->dir[i].pipe[k]);
		free(c->dir[i].buf);
	}
	*c = (struct tcpfwd_conn){ .fd = { -1, -1 } };
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Move into dir d from fd `in`: 1 on progress, 0 when nothing moved, -1 on a broken
 * connection. */
static int fill(struct tcpfwd_dir *d, int in)
{
	if (d->eof || d->len >= d->cap)
		return 0;
	ssize_t n;
	if (d->pipe[0] >= 0)
		n = splice(in, NULL, d->pipe[1], NULL, d->cap - d->len,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = recv(in, d->buf, d->cap, MSG_DONTWAIT);
	if (n < 0)
		return would_block() ? 0 : -1;
	if (n == 0)
		d->eof = true;
	d->len += (size_t)n;
	return 1;
}

/* Move from dir d out to fd `out`, as fill. */
static int drain(struct tcpfwd_dir *d, int out)
{
	if (d->len == 0)
		return 0;
	ssize_t n;
	if (d->pipe[0] >= 0)
		n = splice(d->pipe[0], NULL, out, NULL, d->len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	else
		n = send(out, d->buf + d->off, d->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return would_block() ? 0 : -1;
	d->len -= (size_t)n;
	d->off = d->len == 0 ? 0 : d->off + (size_t)n;
	return n > 0 ? 1 : 0;
}

/* Pass on what side i has until neither end can move more (edge-triggered: the next
 * wakeup comes only after an EAGAIN); false on a broken connection. */
static bool pump(struct tcpfwd_conn *c, int i)
{
	struct tcpfwd_dir *d = &c->dir[i];
	for (;;) {
		/* A buffer is refilled only once it is empty (its bytes stay in place). */
		int a = d->pipe[0] >= 0 || d->len == 0 ? fill(d, c->fd[i]) : 0;
		int b = drain(d, c->fd[1 - i]);
		if (a < 0 || b < 0)
			return false;
		if (a == 0 && b == 0)
			break;
	}
	if (d->eof && d->len == 0 && !d->shut) {
		shutdown(c->fd[1 - i], SHUT_WR);
		d->shut = true;
	}
	return true;
}

static void dir_init(struct tcpfwd_dir *d)
{
	*d = (struct tcpfwd_dir){ .pipe = { -1, -1 } };
	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) == 0) {
		/* A larger pipe moves more per splice; what it gets is what it has. */
		(void)fcntl(d->pipe[1], F_SETPIPE_SZ, TCPFWD_PIPE);
		int sz = fcntl(d->pipe[1], F_GETPIPE_SZ);
		d->cap = sz > 0 ? (size_t)sz : 65536;
		return;
	}
	d->pipe[0] = d->pipe[1] = -1;
	d->buf = xmalloc(TCPFWD_BUF);
	d->cap = TCPFWD_BUF;
}

static void accept_one(struct tcpfwd *t, size_t h)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int cfd = accept4(t->o->tcp_fds[h], (struct sockaddr *)&peer, &plen,
			  SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	struct tcpfwd_conn *c = NULL;
	for (size_t i = 0; i < TCPFWD_CONNS && c == NULL; i++)
		if (t->conns[i].fd[0] < 0)
			c = &t->conns[i];
	/* Full, or nothing listens inside: the client sees the connection closed at once. */
	int ifd = c ? fwd_inner_socket(t->o->netns_fd, SOCK_STREAM, t->o->tcp_ports[h],
				       (struct sockaddr *)&peer)
		    : -1;
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
	for (int i = 0; i < 2; i++)
		dir_init(&c->dir[i]);
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
					  .data.fd = c->fd[i] };
		if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd[i], &ev) < 0) {
			conn_close(t, c);
			return;
		}
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
		if (c->fd[0] != fd && c->fd[1] != fd)
			continue;
		/* Either side's readiness may unblock either direction. */
		bool ok = pump(c, 0) && pump(c, 1);
		if (!ok || (c->dir[0].shut && c->dir[1].shut))
			conn_close(t, c);
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
