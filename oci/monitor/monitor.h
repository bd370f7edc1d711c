/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conmon-style monitor: one small process per container (the hutch-monitor program)
 * that holds the container's stdio, writes its log, serves attach clients over a unix
 * socket, records the exit status and runs the exit command. The CLI talks to it through
 * the protocol below. Only lib/ is used here, so the monitor links little and stays small.
 */
#pragma once

#include "lib/lib.h"

#include <signal.h>

#include <stdint.h>
#include <sys/types.h>

/* ---------- the attach protocol (SOCK_SEQPACKET, one message per packet) ---------- */

/* Every packet starts with one of these bytes. */
enum oci_attach_msg {
	OCI_ATTACH_STDIN = 0,  /* client -> monitor: bytes for the container's stdin */
	OCI_ATTACH_STDOUT = 1, /* monitor -> client: container output */
	OCI_ATTACH_STDERR = 2,
	OCI_ATTACH_EXIT = 3,	    /* monitor -> client: int32 exit status, then EOF */
	OCI_ATTACH_RESIZE = 4,	    /* client -> monitor: uint16 rows, uint16 cols */
	OCI_ATTACH_CLOSE_STDIN = 5, /* client -> monitor: no more input */
	/* client -> monitor: run a healthcheck now; monitor -> client, once it ends: int32
	 * exit code (-1: timed out, -2: no healthcheck), then the status text. */
	OCI_ATTACH_HEALTH = 6,
};

#define OCI_ATTACH_MAX 32768 /* largest packet */
#define OCI_UDP_MAX 32	     /* UDP ports one monitor forwards */
#define OCI_TCP6_MAX 32	     /* TCP ports one monitor forwards from the host's IPv6 */
#define OCI_TCP_MAX (OCI_UDP_MAX + OCI_TCP6_MAX) /* listening TCP sockets one monitor relays */
#define OCI_ATTACH_SOCKET "attach"
#define OCI_EXIT_FILE "exit"
#define OCI_MONITOR_PID_FILE "monitor.pid"
/* Written by the monitor when the network helper (slirp4netns) exits before the container:
 * {"helper": NAME, "status": N, "at": TIME}. */
#define OCI_NETWORK_LOST_FILE "network-lost"
/* Written by the monitor before it stops the container for --health-on-failure: stop (the
 * engine's stopped-on-purpose mark: no restart policy applies) or restart (the exit command
 * starts it again). */
#define OCI_STOPPED_FILE "stopped-by-user"
#define OCI_HEALTH_RESTART_FILE "health-restart"

/*
 * Connect to the attach socket in run_dir. Sockets have a 108-byte path limit and run dirs
 * can be long, so the connection goes through /proc/self/fd/N/attach of an open run dir.
 * Returns the fd or -1 with err set.
 */
int oci_attach_connect(const char *run_dir, struct error **err);
/* Bind and listen on the attach socket in run_dir (non-blocking, close-on-exec). */
int oci_attach_listen(const char *run_dir, struct error **err);
/* The signals the monitor takes through its signalfd: block them before exec'ing it, so
 * that none sent meanwhile (SIGCHLD of a container that exits at once) is lost. */
void oci_monitor_sigset(sigset_t *set);
/* Send one packet of type t; 0 or -1 with errno. */
int oci_attach_send(int fd, enum oci_attach_msg t, const void *data, size_t len);

/* ---------- the container log (k8s-file format, as podman writes it) ---------- */

enum oci_log_driver {
	OCI_LOG_K8S_FILE = 0,
	OCI_LOG_NONE,
	OCI_LOG_PASSTHROUGH
};

/* Parse "k8s-file", "none", "passthrough" (and podman's "journald" is refused clearly). */
int oci_log_driver_parse(const char *s, enum oci_log_driver *out, struct error **err);

struct oci_log_writer {
	int fd;
	char *path;
	uint64_t size;
	uint64_t max_size; /* 0: no limit; otherwise rotate to PATH.1 past it */
};

int oci_log_open(struct oci_log_writer *w, const char *path, uint64_t max_size, struct error **err);
/*
 * Append output of stream 1 (stdout) or 2 (stderr): one record per line,
 * "TIMESTAMP STREAM F line" for a complete line and "P" for a chunk without its newline.
 */
void oci_log_write(struct oci_log_writer *w, int stream, const char *buf, size_t len);
void oci_log_close(struct oci_log_writer *w);

/* One record read back from a log file. */
struct oci_log_record {
	struct timespec ts;
	int stream;	  /* 1 or 2 */
	bool partial;	  /* "P": the line continues in the next record */
	const char *text; /* points into the caller's line buffer, without newline */
	size_t len;
};
/* Parse one line of a k8s-file log; -1 when it is not a record. */
int oci_log_parse_line(char *line, size_t len, struct oci_log_record *out);
/* RFC 3339 with nanoseconds, as in the log: writes at most 40 bytes into buf. */
void oci_log_format_time(const struct timespec *ts, char *buf, size_t size);
/* Parse an RFC 3339 time (with or without fraction and zone) or a duration like "10m"
 * before now; -1 with err set when it is neither. */
int oci_log_parse_since(const char *s, const struct timespec *now, struct timespec *out,
			struct error **err);

/* ---------- the monitor itself (oci/monitor/loop.c) ---------- */

struct oci_monitor_opts {
	const char *id;
	const char *run_dir;  /* attach socket, exit file, monitor.pid */
	const char *log_path; /* NULL with OCI_LOG_NONE */
	enum oci_log_driver log_driver;
	uint64_t log_max_size;
	pid_t pid;     /* the container's init, a child of this process */
	int stdin_fd;  /* write end of the container's stdin, or -1 */
	int stdout_fd; /* read ends, or -1 */
	int stderr_fd;
	int pty_fd;    /* pty master with a terminal (stdout/stderr then -1) */
	int sync_fd;   /* written "ready\n" once serving, then closed; or -1 */
	int listen_fd; /* the attach socket, bound by the launcher; -1: bind it, write the pid file */
	int net_exit_fd; /* closing it stops the network helper (slirp4netns), or -1 */
	pid_t net_pid;	 /* the network helper, stopped and reaped at exit, or 0 */
	int net_pidfd;	 /* a pidfd of it when it is not our child (pasta's daemon), or -1 */
	int netns_fd;	 /* the container's network namespace, for the UDP forwarder */
	/* The container's mount namespace, or -1: held so that its teardown (unmounting the
	 * container's mounts) happens when this closes it, after the report, not in the
	 * init's exit, before the SIGCHLD. */
	int mntns_fd;
	int udp_fds[OCI_UDP_MAX];	 /* bound host UDP sockets forwarded into the container */
	uint16_t udp_ports[OCI_UDP_MAX]; /* ... to these ports on its 127.0.0.1 */
	size_t n_udp;
	int tcp_fds[OCI_TCP_MAX];	 /* listening host TCP sockets relayed into the container */
	uint16_t tcp_ports[OCI_TCP_MAX]; /* ... to these ports on its 127.0.0.1 */
	size_t n_tcp;
	char *const *exit_command; /* run after the exit file is written, or NULL */
	/* --rm: at exit, unlist the container by renaming unlist_dir to unlist_to, holding
	 * unlist_dir itself (flock: the container's lock) and unlist_lock (the store's), before the
	 * status is reported; the exit command then runs after the report, with one more
	 * argument, --unlisted, when the rename was ours. Or NULL. */
	const char *unlist_dir, *unlist_to, *unlist_lock;
	/* With unlist: the container's name index entry (a symlink to its ID) and the lock it
	 * is written under; the entry is removed after the report if it still names us. */
	const char *unlist_name, *unlist_names_lock;
	/* With unlist: the runtime's state dir of a container whose deletion is only files (no
	 * poststop hooks, no cgroup): the monitor then removes the trash, this dir and the run
	 * dir itself, and runs no exit command. Or NULL. */
	const char *purge_state;
	/* --timeout: kill the container (SIGKILL) once it has run this many seconds; its exit
	 * code is then -1, as conmon's. 0: no limit. */
	int timeout;
	/* Healthchecks (health.c): the command line of one check (the runtime's exec into the
	 * container), or NULL; where the state goes; podman's --health-* values, in ms. */
	char **health_exec;
	const char *health_file;
	uint64_t health_interval; /* 0: no timer, only `healthcheck run` */
	uint64_t health_timeout, health_start_period;
	int health_retries;
	const char *health_on_failure; /* none | kill | restart | stop */
	int stop_signal;	       /* for on-failure stop and restart */
	uint64_t stop_timeout;	       /* seconds, then SIGKILL */
	/* --sdnotify conmon (READY=1 once serving) or healthy (after the first passing
	 * check), sent to notify_socket with MAINPID; or container: what the container sends
	 * to notify_fd (the socket bound in it) is forwarded, with our MAINPID. Or NULL. */
	const char *sdnotify;
	const char *notify_socket;
	int notify_fd; /* or -1 */
};

/* Serve until the container exits, then write the exit file and run the exit command.
 * Returns the container's exit status (128+N for a signal), or -1 with err set. */
int oci_monitor_run(const struct oci_monitor_opts *o, struct error **err);

/* ---------- reading the log back (`hutch logs`, oci/monitor/logread.c) ---------- */

struct oci_logs_opts {
	bool timestamps;    /* prefix each line with its RFC 3339 time */
	const char *prefix; /* NULL, or text before each line (and its time) */
	bool has_since, has_until;
	struct timespec since, until;
	long tail;	       /* last N lines only; -1 for all */
	bool follow;	       /* keep reading until done_file appears */
	const char *done_file; /* with follow: the container's exit file */
	/* With follow: also done once every one of these pidfds has fired (the container's
	 * monitor, which writes done_file, and its init: both gone, no done_file comes). */
	int done_pidfds[2];
	size_t n_done_pidfds;
};

/*
 * Print the log at path (after the rotated path.1, as much as is kept): stdout records to
 * out, stderr records to errout, partial records streamed into their line (a huge line
 * costs no memory; --tail reads back from the end). With follow, wait (inotify, no
 * polling) for more until done_file exists, across rotations, then print what is left.
 * A missing log is empty.
 */
int oci_logs_print(const char *path, const struct oci_logs_opts *o, FILE *out, FILE *errout,
		   struct error **err);
