/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI side of hutch: config.json from image + options, the runtime (namespaces,
 * mounts, pivot_root, capabilities, seccomp, hooks, lifecycle) and the monitor.
 */
#pragma once

#include "lib/lib.h"

/* What the cgroup setup of this host allows a rootless user. */
struct oci_cgroup_info {
	int version;	  /* 2 when a unified hierarchy exists, 1 for v1 only */
	bool hybrid;	  /* v1 controllers mounted, v2 beside them in /sys/fs/cgroup/unified */
	char *mount;	  /* cgroup2 mount point, or NULL; owned */
	char *path;	  /* our cgroup v2 path from /proc/self/cgroup; owned */
	char **delegated; /* controllers usable in our own (delegated) cgroup; owned strv */
	char *reason;	  /* why none are delegated, or NULL; owned */
};

/* Find out, from /sys/fs/cgroup and /proc/self/cgroup; never fails, fields may be NULL. */
void oci_cgroup_probe(struct oci_cgroup_info *out);
void oci_cgroup_info_clear(struct oci_cgroup_info *c);

/* ---------- the OCI runtime (oci/runtime/) ---------- */

/*
 * The runtime is a library: hutch-runtime (oci/runtime_main.c) is its runc-compatible
 * front end, and the hutch CLI calls it directly. Every function takes the state root
 * (runc's --root; oci_default_root() when NULL) and fails with -1 and *err set.
 */

enum oci_status {
	OCI_CREATING = 0,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_PAUSED,
	OCI_STOPPED,
};

const char *oci_status_name(enum oci_status s);

/* $XDG_RUNTIME_DIR/hutch-runtime (or /run/hutch-runtime as real root); owned. */
char *oci_default_root(struct error **err);

struct oci_create_opts {
	const char *root; /* state root; NULL: oci_default_root() */
	const char *id;
	const char *bundle;	    /* NULL: the current directory */
	const char *pid_file;	    /* write the init's pid here (caller's pid namespace) */
	const char *console_socket; /* AF_UNIX path that receives the pty master */
	int preserve_fds;	    /* pass fds 3 .. 3+N-1 to the container */
	bool no_pivot;		    /* chroot instead of pivot_root */
	bool no_new_keyring;	    /* accepted; hutch never makes a session keyring */
	bool systemd_cgroup;	    /* accepted; cgroups are placed as the host allows */
	const char *seccomp_cache;  /* keep compiled seccomp filters here; NULL: compile each */
	/* Out, when not NULL: whether delete will have more to do than removing the state dir
	 * (poststop hooks to run, a cgroup to remove). */
	bool *delete_has_work;
	bool *has_poststart; /* out, when not NULL: start will run poststart hooks */
	/*
	 * Start it too, as `run` does: once the init is in its namespaces, prepare (when set)
	 * runs with its pid (the network comes up there), then the init is released, to run
	 * the process as soon as it is set up, without waiting for `start`. *start_conn gets
	 * the connection to wait on for its exec (oci_container_start_wait).
	 */
	int *start_conn;
	int (*prepare)(void *arg, pid_t init, struct error **err);
	void *prepare_arg;
};

/*
 * Create the container: the init is set up and waits before the user process, and this
 * returns. The init survives the caller. The executable is resolved here, so a missing
 * one fails with ERR_NOTFOUND and a non-executable one with ERR_INVOKE. On failure
 * nothing is left behind (no state dir, no process).
 */
int oci_container_create(const struct oci_create_opts *o, struct error **err);
/* Release the waiting init; returns once the user process runs, after poststart hooks. */
int oci_container_start(const char *root, const char *id, struct error **err);
/*
 * The second half of start, for a container created with oci_create_opts.start_conn
 * (released already): wait with that connection (closed here) until the process runs;
 * poststart hooks with hooks (oci_create_opts.has_poststart said there are some).
 */
int oci_container_start_wait(const char *root, const char *id, int conn, bool hooks,
			     struct error **err);
/*
 * create + start; unless detach, wait for the container, delete it and set *status to
 * its exit status (128+N for a signal). Signals to the caller are forwarded to it.
 */
int oci_container_run(const struct oci_create_opts *o, bool detach, int *status,
		      struct error **err);

/* A container's state, as `state` prints it. */
struct oci_state_info {
	char *id;
	char *bundle;
	pid_t pid; /* 0 once stopped */
	enum oci_status status;
	char *created; /* RFC 3339 */
	char *owner;
	char *json; /* the state JSON of the runtime spec, owned */
};
int oci_container_state(const char *root, const char *id, struct oci_state_info *out,
			struct error **err);
void oci_state_info_clear(struct oci_state_info *s);
/* All containers under root; *out owned (free each with oci_state_info_clear). */
int oci_container_list(const char *root, struct oci_state_info **out, size_t *n,
		       struct error **err);

/* Send sig to the init, or with all to every process of the container. */
int oci_container_kill(const char *root, const char *id, int sig, bool all, struct error **err);
/* Remove a stopped (or created) container; force kills a running one first. */
int oci_container_delete(const char *root, const char *id, bool force, struct error **err);
/* Freeze or thaw; needs a cgroup v2 freezer, else an error saying why. */
int oci_container_pause(const char *root, const char *id, bool pause, struct error **err);
/* The pids of the container's processes (caller's pid namespace); *pids owned. */
int oci_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		       struct error **err);

struct oci_exec_opts {
	const char *root;
	const char *id;
	const char *process_file; /* a process JSON; or args below */
	char *const *args;
	char *const *env; /* added to the container's process env */
	const char *cwd;
	const char *user; /* "uid[:gid]" */
	bool tty;
	bool detach;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	/* NULL: the process gets our fds 0, 1 and 2; else the fds it gets as 0, 1 and 2 (-1:
	 * /dev/null), borrowed. */
	const int *stdio;
};
/* Run a process in a running container; *status as for run (0 with detach). */
int oci_container_exec(const struct oci_exec_opts *o, int *status, struct error **err);

/* A default config.json (rootless: user namespace with the caller's own ids); owned. */
char *oci_spec_default_json(bool rootless);
/* The `features` document; owned. */
char *oci_features_json(void);
/* Parse a signal: "9", "KILL", "SIGKILL". */
int oci_parse_signal(const char *s, int *sig, struct error **err);
