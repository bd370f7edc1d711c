/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's TCP forwarder for published ports on the host's IPv6 (oci/monitor/tcpfwd.c). */
#pragma once

#include "oci/monitor/monitor.h"

#include <stdint.h>

#define TCPFWD_CONNS 64	      /* connections at once; more are refused (closed) */
#define TCPFWD_BUF (32 << 10) /* bytes buffered each way of a connection */

/* One way of a connection: bytes read from one side, not yet written to the other. */
struct tcpfwd_way {
	char *buf;
	size_t len, off;
	bool eof;  /* the reading side is done */
	bool shut; /* ... and the writing side was told (SHUT_WR) */
};

/* fd[0] the host's client, fd[1] the socket in the container; way[i] reads fd[i]. */
struct tcpfwd_conn {
	int fd[2];
	struct tcpfwd_way way[2];
};

struct tcpfwd {
	const struct oci_monitor_opts *o;
	int ep;
	struct tcpfwd_conn conns[TCPFWD_CONNS];
};

/* Watch the listening sockets of o on the epoll set ep. */
void tcpfwd_init(struct tcpfwd *t, const struct oci_monitor_opts *o, int ep);
/* Handle events on fd; false when fd is none of the forwarder's. */
bool tcpfwd_event(struct tcpfwd *t, int fd, uint32_t events);
void tcpfwd_close(struct tcpfwd *t);
