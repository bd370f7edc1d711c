/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's TCP relay for published ports of containers on user-defined networks
 * (oci/monitor/tcpfwd.c). */
#pragma once

#include "oci/monitor/monitor.h"

#define TCPFWD_CONNS 256 /* connections at once; more wait in the listen backlog */
#define TCPFWD_BUF 65536 /* bytes buffered each way per connection */

struct tcpfwd_dir {
	char *buf;
	size_t off, len; /* unsent bytes: buf[off, off + len) */
	bool eof;	 /* the reading side is done; the writing side was shut down */
};

struct tcpfwd_conn {
	int fd[2];		  /* the client's (host side), the one inside; -1: free slot */
	struct tcpfwd_dir dir[2]; /* dir[i]: from fd[i] to fd[1 - i] */
	bool watched[2];	  /* fd[i] is in the epoll set */
	uint32_t events[2];	  /* ... for these events */
};

struct tcpfwd {
	const struct oci_monitor_opts *o;
	int ep;
	struct tcpfwd_conn conns[TCPFWD_CONNS];
};

/* Watch the listening host sockets of o on the epoll set ep. */
void tcpfwd_init(struct tcpfwd *t, const struct oci_monitor_opts *o, int ep);
/* Handle readiness of fd; false when fd is none of the relay's. */
bool tcpfwd_event(struct tcpfwd *t, int fd);
void tcpfwd_close(struct tcpfwd *t);
