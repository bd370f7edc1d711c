/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's TCP relay for published ports of containers on user-defined networks
 * (oci/monitor/tcpfwd.c). */
#pragma once

#include "oci/monitor/monitor.h"

#define TCPFWD_CONNS 256      /* connections at once; more wait in the listen backlog */
#define TCPFWD_PIPE (1 << 20) /* a pipe's size asked for (fs.pipe-max-size caps it) */
#define TCPFWD_BUF 65536      /* bytes buffered each way when no pipe can be had */

struct tcpfwd_dir {
	int pipe[2]; /* spliced through: read end, write end; -1 when buffered instead */
	size_t cap;  /* the pipe's size */
	char *buf;   /* without a pipe: copied through it */
	size_t off;  /* unsent bytes start here in buf */
	size_t len;  /* bytes on their way: in the pipe, or buf[off, off + len) */
	bool eof;    /* the reading side is done */
	bool shut;   /* ... and the writing side was shut down */
};

struct tcpfwd_conn {
	int fd[2];		  /* the client's (host side), the one inside; -1: free slot */
	struct tcpfwd_dir dir[2]; /* dir[i]: from fd[i] to fd[1 - i] */
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
