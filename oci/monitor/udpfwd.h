/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's UDP forwarder for published ports (oci/monitor/udpfwd.c). */
#pragma once

#include "oci/monitor/monitor.h"

#include <sys/socket.h>

#define UDPFWD_FLOWS 64 /* clients at once; the least recently used goes first */

struct udpfwd_flow {
	int fd;	     /* socket in the container's netns, connected to 127.0.0.1:PORT */
	size_t host; /* index of the host socket the client talks to */
	struct sockaddr_storage addr;
	socklen_t alen;
	unsigned long used;
};

struct udpfwd {
	const struct oci_monitor_opts *o;
	int ep;
	unsigned long clock;
	struct udpfwd_flow flows[UDPFWD_FLOWS];
};

/* The policy routing table and rule priority of fwd_inner_socket's transparent sockets in
 * a container's network namespace. */
#define FWD_TPROXY_TABLE 26741
#define FWD_TPROXY_PREF 32000

/* A socket of type (SOCK_DGRAM, SOCK_STREAM) in the network namespace netns_fd, connected to
 * 127.0.0.1:port there (made by a short-lived child that joins it), or -1 (also when the
 * namespace has no interface but lo: no network carries the port). A client (its address,
 * or NULL) with an IPv4 address other than 127.0.0.1 keeps it: the socket is bound to it
 * with IP_TRANSPARENT, and policy routing brings the answers back (udpfwd.c). */
int fwd_inner_socket(int netns_fd, int type, uint16_t port, const struct sockaddr *client);
/* Watch the host sockets of o on the epoll set ep. */
void udpfwd_init(struct udpfwd *u, const struct oci_monitor_opts *o, int ep);
/* Handle readiness of fd; false when fd is none of the forwarder's. */
bool udpfwd_event(struct udpfwd *u, int fd);
void udpfwd_close(struct udpfwd *u);
