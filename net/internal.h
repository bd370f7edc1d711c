/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside net/: the back-end ops struct (STYLE.md B1) and the helper-process plumbing the
 * slirp4netns and pasta back ends share. Nothing outside net/ includes this.
 */
#pragma once

#include "net/net.h"

struct net_handle;

/* One network back end; picked at run time from the mode (net_backend_for). */
struct net_backend_ops {
	const char *name;    /* "slirp4netns" */
	const char *program; /* looked up in $PATH */
	const char *package; /* Debian package, for "not found" errors */
	/* Fork the helper for h->opts; must not block on its readiness. */
	int (*start)(struct net_handle *h, struct error **err);
	/* Block (at most timeout_ms) until the helper is ready. */
	int (*wait_ready)(struct net_handle *h, int timeout_ms, struct error **err);
	/* Publish h->ports once ready; NULL when start already passed them. */
	int (*add_ports)(struct net_handle *h, struct error **err);
	/* Make the helper exit and reap it; must leave nothing behind. */
	void (*stop)(struct net_handle *h);
};

extern const struct net_backend_ops net_slirp_ops;
extern const struct net_backend_ops net_pasta_ops;

struct net_handle {
	const struct net_backend_ops *ops; /* NULL: no helper (host, none, ns:, container:) */
	struct net_mode mode;		   /* deep copy */
	pid_t pid;			   /* the container's namespace holder */
	struct net_port *ports;		   /* copy */
	size_t n_ports;
	char *run_dir;
	char *program;	/* resolved path of ops->program */
	char *log_path; /* helper stdout+stderr: RUN_DIR/NAME.log */
	int timeout_ms;
	/* The helper */
	pid_t helper_pid; /* our child; -1 once reaped */
	int helper_pidfd; /* pidfd of a helper that is not our child (pasta's daemon), or -1 */
	int ready_fd;	  /* read end of the ready pipe, or -1 */
	int exit_fd;	  /* write end of the exit pipe (slirp4netns), or -1 */
	char *api_socket; /* absolute path, or NULL */
	bool ready;
};

/* A spawned helper: fds in the child are dup2'd to fixed numbers (3, 4, ...). */
struct net_spawn {
	char *const *argv;    /* argv[0] is the resolved path */
	const char *cwd;      /* chdir there first, or NULL */
	const char *log_path; /* stdout and stderr, truncated; required */
	const int *fds;	      /* given to the child as 3, 4, ...; n_fds of them */
	size_t n_fds;
};

/* fork+exec a helper in its own session; returns its pid or -1 with err set. */
pid_t net_spawn_helper(const struct net_spawn *s, struct error **err);
/*
 * Wait until fd has a byte to read (1), hits EOF (0: the helper closed it, usually by
 * dying), or timeout_ms passes (-1 with ETIMEDOUT). -1 with err on other failures.
 */
int net_wait_fd(int fd, int timeout_ms, struct error **err);
/*
 * Stop a helper: signal it (unless sig is 0), wait up to grace_ms for it to exit, SIGKILL
 * after that, and reap it. pidfd: one the caller holds for a helper that is not its child
 * (pasta's daemon), or -1 to use a fresh one on the pid of a child.
 */
void net_stop_process(pid_t pid, int pidfd, int sig, int grace_ms);
/*
 * The error of a helper that exited (already reaped, with status) before it was ready: the
 * lines of its log (warnings dropped), or the /dev/net/tun check when the log names it.
 */
int net_helper_died(const char *name, int status, const char *log_path, struct error **err);
