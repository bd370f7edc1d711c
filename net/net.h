/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container networking (issue #6): the --network modes, published ports (-p/-P), the
 * slirp4netns and pasta helpers behind one ops struct, and the resolv.conf/hosts/hostname
 * files of a container. A helper always runs attached to a container's network namespace
 * through the PID of a process in it, and never outlives the handle that started it.
 */
#pragma once

#include "lib/lib.h"

#include <netinet/in.h>
#include <stdint.h>

/* A network helper program: where it is and what version it says it is. */
struct net_tool {
	char *path;    /* owned; NULL when not in $PATH */
	char *version; /* owned; first line of `NAME --version`, or NULL */
};

/* Look name up in $PATH and ask its version. Never fails: missing means path == NULL. */
void net_tool_probe(const char *name, struct net_tool *t);
void net_tool_clear(struct net_tool *t);

/* ---------- --network ---------- */

enum net_mode_kind {
	NET_MODE_SLIRP4NETNS = 0, /* the rootless default */
	NET_MODE_PASTA,
	NET_MODE_NONE,	    /* a new namespace with only lo */
	NET_MODE_HOST,	    /* the host's namespace: nothing to set up */
	NET_MODE_CONTAINER, /* container:NAME|ID, resolved by the caller */
	NET_MODE_NS,	    /* ns:PATH, joined by the runtime */
	NET_MODE_NETWORKS,  /* user-defined networks NAME[,NAME...] (target), netavark's */
};

/* A container's record for "on user-defined networks, none of them now": what `network
 * disconnect` of the last one leaves (podman allows it; `network connect` adds one again). */
#define NET_NO_NETWORKS "networks:"

#define NET_SLIRP_DEFAULT_MTU 65520
#define NET_SLIRP_DEFAULT_CIDR "10.0.2.0/24"

/* A parsed --network value. Strings are owned; free with net_mode_clear. */
struct net_mode {
	enum net_mode_kind kind;
	/* slirp4netns options */
	bool allow_host_loopback; /* reach the host's 127.0.0.1 as the gateway (x.x.x.2) */
	bool enable_ipv6;
	unsigned int mtu;   /* NET_SLIRP_DEFAULT_MTU unless given */
	struct in_addr net; /* network of cidr= (default 10.0.2.0/24) */
	unsigned int prefix;
	char *outbound_addr;  /* IPv4 address or interface name, or NULL */
	char *outbound_addr6; /* IPv6 address or interface name, or NULL */
	/* pasta: extra arguments after "pasta:", split at commas; NULL-terminated or NULL */
	char **pasta_args;
	/* container:NAME|ID or ns:PATH; the network names, comma-separated */
	char *target;
};

/*
 * Parse a --network value: none, host, slirp4netns[:k=v,...], pasta[:ARG,...],
 * container:NAME|ID, ns:PATH, or the names of user-defined networks, comma-separated
 * (whether they exist is the caller's to check). NULL or "" or "private" gives the rootless default,
 * slirp4netns. Errors name the bad part (ERR_USAGE). *out is cleared first.
 */
int net_parse_mode(const char *spec, struct net_mode *out, struct error **err);
void net_mode_clear(struct net_mode *m);
/* "slirp4netns", "pasta", "none", ... */
const char *net_mode_name(enum net_mode_kind kind);
/* True when the mode gives the container a namespace of its own that hutch sets up. */
bool net_mode_is_private(const struct net_mode *m);

/* The addresses slirp4netns uses inside its cidr: network + 2, + 3 and + 100. */
struct net_slirp_addrs {
	struct in_addr gateway, dns, guest;
};
void net_slirp_addrs(const struct net_mode *m, struct net_slirp_addrs *out);

/* ---------- published ports ---------- */

enum net_proto {
	NET_PROTO_TCP = 0,
	NET_PROTO_UDP,
};

/*
 * One -p: host_ip "" means every address; host_port 0 means "pick a free one" (done by
 * net_ports_assign). The range is [host_port, host_port + count) -> [container_port, ...).
 */
struct net_port {
	char host_ip[INET6_ADDRSTRLEN]; /* no brackets; "" for all addresses */
	uint16_t host_port;
	uint16_t container_port;
	uint16_t count; /* >= 1 */
	enum net_proto proto;
};

const char *net_proto_name(enum net_proto p);

/*
 * Parse -p [[hostIP:]hostPort:]containerPort[/tcp|/udp]: ports and equal-length ranges
 * (8080-8081:80-81), IPv4 or bracketed IPv6 host IPs. ERR_USAGE errors name the bad part.
 */
int net_parse_publish(const char *spec, struct net_port *out, struct error **err);

/*
 * -P: one port per EXPOSE entry ("80", "80/tcp", "53/udp", "8000-8001/tcp") with a free host
 * port chosen now. Appends to *ports (xrealloc'd, owned by the caller) and *n.
 */
int net_expose_all(char *const *exposed, struct net_port **ports, size_t *n, struct error **err);

/* Give every port with host_port 0 a free host port (a range gets a free run of ports). */
int net_ports_assign(struct net_port *ports, size_t n, struct error **err);

/*
 * Before anything starts: every host port must be at or above
 * net.ipv4.ip_unprivileged_port_start (read from unpriv_path, NULL for the real sysctl)
 * and free. Each port is bound for a moment (all at once, so duplicates in the list
 * conflict too); EADDRINUSE gives an error naming the address and port.
 */
int net_check_ports(const struct net_port *ports, size_t n, const char *unpriv_path,
		    struct error **err);

/*
 * Check the tun device a helper will open (path: "/dev/net/tun" in production): missing,
 * not read-write for us (the error names the path and its mode), or not a character device.
 */
int net_check_tun(const char *path, struct error **err);

/* ---------- /etc files of a container ---------- */

struct net_etc_opts {
	const struct net_mode *mode;
	const char *hostname;	  /* required */
	const char *name;	  /* container name, or NULL */
	char *const *dns;	  /* --dns servers, or NULL */
	char *const *dns_search;  /* --dns-search ("." for none), or NULL */
	char *const *dns_options; /* --dns-option, or NULL */
	char *const *add_hosts;	  /* --add-host NAME:IP, or NULL */
	/* The host's files; NULL for /etc/resolv.conf and /run/systemd/resolve/resolv.conf.
	 * upstream_resolv_conf names the real servers when the host runs a local stub. */
	const char *host_resolv_conf;
	const char *upstream_resolv_conf;
	/* User-defined networks: aardvark-dns's addresses (the gateways), used unless --dns
	 * is given, with dns.podman searched first; and the container's own address. */
	char *const *net_dns;
	const char *own_ip;
	/* host.containers.internal without host loopback: the host's address (NULL: its
	 * first non-loopback IPv4 address, as podman's; "": none). */
	const char *host_ip;
};

/*
 * Write resolv.conf, hosts and hostname into dir (each atomically, 0644), to be
 * bind-mounted into the container; never into the image. A host that only names a local
 * stub resolver the container cannot reach gets its upstream servers, or one warning.
 */
int net_write_etc_files(const struct net_etc_opts *o, const char *dir, struct error **err);

/* ---------- helpers: slirp4netns and pasta ---------- */

/* A running network setup: the helper process, its fds and files. Opaque. */
struct net_handle;

struct net_setup_opts {
	const struct net_mode *mode;
	pid_t pid;		      /* a process in the container's user and net namespaces */
	const struct net_port *ports; /* host ports already assigned */
	size_t n_ports;
	const char *run_dir;  /* the container's run dir: api socket and helper log */
	int ready_timeout_ms; /* 0: 10 s */
};

/*
 * Start the network of a container, without waiting for it: checks the ports and the tun
 * device, then forks the helper picked for the mode (slirp4netns, pasta; none brings up lo;
 * host, ns: and container: need nothing). Call net_finish before the container runs, so
 * the helper comes up in parallel with the rest of the container setup. On failure nothing
 * is left running. *out is owned by the caller: net_teardown.
 */
int net_start(const struct net_setup_opts *o, struct net_handle **out, struct error **err);
/*
 * Wait (at most ready_timeout_ms) until the helper is ready, then publish the ports. On
 * failure the handle stays the caller's to net_teardown.
 */
int net_finish(struct net_handle *h, struct error **err);
/* net_start plus net_finish. */
int net_setup(const struct net_setup_opts *o, struct net_handle **out, struct error **err);
/*
 * Stop the helper (its exit fd closes; SIGKILL after a grace time), reap it, remove its
 * api socket. NULL-safe; resets *h.
 */
void net_teardown(struct net_handle **h);
/* The helper's pid (for the monitor and for tests), or -1 when none runs. */
pid_t net_helper_pid(const struct net_handle *h);

/*
 * Bring up lo inside the user and network namespaces of pid (joined in a short-lived
 * child). Used for --network none; slirp4netns and pasta do it themselves.
 */
int net_lo_up(pid_t pid, struct error **err);
/* The same without a child: the caller joins pid's network namespace for good (it must be
 * in the user namespace that owns it). For a --network none container's launcher, whose
 * monitor needs no other network. */
int net_lo_up_here(pid_t pid, struct error **err);

/*
 * Hand a running helper over to the process that will outlive us (the container's
 * monitor, which this process becomes by exec): *exit_fd (or -1) is the helper's exit fd,
 * made inheritable, whose closing makes slirp4netns exit; *pid is the helper (our child for
 * slirp4netns, pasta's daemon otherwise), or -1; *pidfd (or -1) a pidfd of a helper that is
 * not our child (pasta's daemon), made inheritable, which becomes readable when it exits.
 * The handle is freed, the helper keeps running. NULL-safe; resets *h.
 */
void net_handover(struct net_handle **h, int *exit_fd, pid_t *pid, int *pidfd);

/* ---------- subnets of user-defined networks (net/subnet.c) ---------- */

/* An IPv4 or IPv6 network: addr holds the network address (host bits cleared). */
struct net_cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned int prefix;
};

/* Parse one address, IPv4 or IPv6, into family and addr (16 bytes; IPv4 in the first 4). */
int net_ip_parse(const char *s, int *family, uint8_t addr[16]);
/* Parse ADDR/PREFIX (host bits cleared, as podman stores it); ERR_USAGE "invalid CIDR
 * address: S" on anything else. */
int net_cidr_parse(const char *s, struct net_cidr *out, struct error **err);
/* "10.89.0.0/24" (owned). */
char *net_cidr_str(const struct net_cidr *c);
/* The address c's network + n (n counted from the network address), as text (owned). */
char *net_cidr_nth(const struct net_cidr *c, uint64_t n);
/* The last address of c (the broadcast address of an IPv4 network), as text (owned). */
char *net_cidr_last(const struct net_cidr *c);
/* True when a and b share an address (same family). */
bool net_cidr_overlap(const struct net_cidr *a, const struct net_cidr *b);
/* True when the address (family, addr) lies in c. */
bool net_cidr_contains(const struct net_cidr *c, int family, const uint8_t addr[16]);
/* True when a network of an interface of this network namespace overlaps c (getifaddrs). */
bool net_cidr_on_host(const struct net_cidr *c);
/* A random unique-local IPv6 /64 (fdXX:XXXX:XXXX:XXXX::/64), as podman picks for --ipv6. */
void net_cidr_random_ula(struct net_cidr *out);

/* ---------- the user's shared network namespace (net/netns.c) ---------- */

struct json_object;
/*
 * A container (id) joins the user's shared network namespace, whose state is in dir
 * (RUNTIME/hutch/netns): started when none runs (its holder runs pause, the path of
 * `hutch-init`, with the --pause argument), with an address leased on each of nets
 * (podman's network JSON array). *holder: the holder's pid, whose user namespace the
 * container must run in; *leases (owned): {network name: IPv4 address}.
 */
int net_netns_acquire(const char *dir, const char *pause, const char *id, struct json_object *nets,
		      struct json_object *want, pid_t *holder, struct json_object **leases,
		      struct error **err);
/*
 * want (may be NULL): {network name: IPv4 address} asked for (--ip, connect --ip); each
 * must lie in its network's subnet and be free, else the error is podman's.
 * net_netns_lease_add: a container already in (network connect) leases an address on
 * each of nets too; returns the new leases (owned) or NULL. net_netns_lease_drop: it
 * gives up its address on network name (disconnect). net_netns_leases: its leases
 * (owned), or NULL when it is not in.
 */
struct json_object *net_netns_lease_add(const char *dir, const char *id, struct json_object *nets,
					struct json_object *want, struct error **err);
void net_netns_lease_drop(const char *dir, const char *id, const char *name);
struct json_object *net_netns_leases(const char *dir, const char *id);
/* Remove a forward slirp4netns (api: its socket) made for a container in the shared
 * namespace by an older hutch (-p goes through the monitor now); errors ignored. */
void net_slirp_unforward(const char *api, int id);
/* The container leaves; the last one out stops the namespace and its helpers (and waits
 * for them to go). No error when it was not in. */
int net_netns_release(const char *dir, const char *id, struct error **err);
/* The holder's pid while the namespace runs: 0, or -1 when it does not. */
int net_netns_holder(const char *dir, pid_t *holder);
/*
 * Run netavark's verb ("setup", "teardown") for container id in the holder's namespaces
 * with input (netavark's JSON) on its stdin; *out (owned, may be NULL): what it printed.
 * setup first keeps the network namespace of init (> 0) as a bind mount there; teardown
 * removes it, unless init is -1 (one network of a running container: disconnect, reload). A missing netavark names the package. Serialised by dir/netavark.lock.
 */
/* Are netavark and (for dns) aardvark-dns installed? The error names the Debian package.
 * $HUTCH_NETAVARK and $HUTCH_AARDVARK_DNS, when set, name them instead of the usual places. */
int net_netavark_check(bool dns, struct error **err);
int net_netavark(const char *dir, pid_t holder, const char *verb, pid_t init, const char *id,
		 const char *input, char **out, struct error **err);
/* aardvark-dns takes up a new network's address after netavark returns (it reloads on
 * SIGHUP): wait (at most timeout_ms) until each of addrs has a UDP socket on port 53 in
 * the holder's network namespace, so a container's first lookup finds it. */
void net_netns_wait_dns(pid_t holder, char *const *addrs, const unsigned long *before,
			int timeout_ms);
/* The sockets aardvark-dns has on addrs now (owned), for net_netns_wait_dns's before: it
 * binds them anew when netavark signals it, and the old ones close. */
unsigned long *net_netns_dns_inodes(pid_t holder, char *const *addrs);
