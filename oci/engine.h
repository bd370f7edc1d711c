/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers as hutch users see them: a record in the store (containers/ID/hutch.json, the
 * bundle's config.json, the log, state.json) and, while one runs, a run dir under
 * $XDG_RUNTIME_DIR/hutch/containers/ID with the monitor's pid, attach socket and exit file.
 * Every command finds containers from these files alone; there is no daemon.
 */
#pragma once

#include "lib/lib.h"
#include "net/net.h"
#include "oci/monitor/monitor.h"
#include "oci/spec/specgen.h"
#include "storage/storage.h"

#include <json-c/json.h>

enum eng_ctr_status {
	ENG_CTR_CREATED = 0, /* never started, or after a reboot before its first start */
	ENG_CTR_RUNNING,
	ENG_CTR_PAUSED,
	ENG_CTR_EXITED,
};

const char *eng_ctr_status_name(enum eng_ctr_status s); /* "created", "running", ... */

/* What the files say about a container now. */
struct eng_ctr_state {
	enum eng_ctr_status status;
	pid_t pid;	   /* the init, while running */
	pid_t monitor_pid; /* while running */
	int exit_code;	   /* once exited; -1 when unknown (monitor killed, reboot) */
	char *started_at;  /* RFC 3339 or NULL */
	char *finished_at;
	int restart_count;
};

/* A container record. doc is the whole hutch.json (owned), for inspect. */
struct eng_ctr {
	char *id;
	char *name;
	char *image_id;
	char *image_name;
	char *created; /* RFC 3339 */
	struct json_object *doc;
	struct eng_ctr_state state;
};

void eng_ctr_free(struct eng_ctr **c);
/* A container record freed when it goes out of scope. */
#define autoctr __attribute__((cleanup(eng_ctr_free)))
void eng_ctr_list_free(struct eng_ctr **v, size_t n);

/* Everything `hutch create`/`run` decides before the container exists. */
struct eng_ctr_create_opts {
	const char *name; /* NULL: generated, like podman's adjective_surname */
	const struct storage_image *image;
	const char *image_name;	 /* as the user typed it, for ps */
	struct oci_gen_opts gen; /* config.json inputs (image config filled in by create) */
	const char *user;	 /* -u, resolved against the image */
	char **labels;		 /* KEY=VAL */
	bool rm;		 /* --rm */
	const char *restart;	 /* no | on-failure[:N] | always */
	const char *stop_signal; /* NULL: the image's or SIGTERM */
	long stop_timeout;	 /* seconds; default 10 */
	const char *log_driver;	 /* k8s-file | none | passthrough */
	uint64_t log_max_size;
	bool interactive;	/* -i: keep stdin open */
	bool replace;		/* --replace an existing container of that name */
	const char *userns;	/* NULL or "keep-id" */
	const char *network;	/* the --network value as given (NULL: slirp4netns) */
	struct net_port *ports; /* -p and -P, host ports assigned */
	size_t n_ports;
	char **dns, **dns_search, **dns_options, **add_hosts;
	/* Pods: the pod's ID for a container that joins it (network must then be
	 * "container:INFRA_ID"); infra for the pod's own infra container, which has no image
	 * (image NULL): its rootfs is an empty directory in its store dir. */
	const char *pod;
	bool infra;
};

/*
 * Create the container: storage, record and config.json (no process yet: status Created).
 * *out is the new record.
 */
int eng_ctr_create(struct storage *s, const struct eng_ctr_create_opts *o, struct eng_ctr **out,
		   struct error **err);

/* The container whose network namespace c shares (--network container:ID, or the pod's
 * infra), as an owned ID; NULL when it has its own. */
char *eng_ctr_net_target(const struct eng_ctr *c);
/* The pod c belongs to (borrowed ID) or NULL; infra tells whether c is its infra. */
const char *eng_ctr_pod(const struct eng_ctr *c, bool *infra);

/* Find a container by full ID, name or unique ID prefix (podman's order; see names.c:
 * reads only the one record). ENOENT error otherwise: "no container with name or ID \"x\"
 * found"; EINVAL for an ambiguous prefix. */
int eng_ctr_lookup(struct storage *s, const char *name_or_id, struct eng_ctr **out,
		   struct error **err);
/* All containers, oldest first. */
int eng_ctr_list(struct storage *s, struct eng_ctr ***out, size_t *n, struct error **err);
/* The same with records holding only what ps shows (fast over many containers): their doc
 * has Id, Name, Created, Image, ImageName, Args, Pod, IsInfra, Config.Labels and
 * HostConfig.Ports (and, but not in stores of older versions, HostConfig.NetworkMode, Mounts
 * and the state's members); look at nothing else. */
int eng_ctr_list_brief(struct storage *s, struct eng_ctr ***out, size_t *n, struct error **err);

/*
 * The caller's streams for attach, start with attach, exec and cp: the engine reads and
 * writes only the fds it is given here, never 0/1/2 of its own accord. The fds stay the
 * caller's (borrowed, never closed). in < 0: no input (exec: /dev/null); out or err < 0:
 * that output is dropped. tty: in is a terminal the caller hands over for the session; when
 * the container (or exec) has a terminal too, the engine puts in in raw mode, restores it
 * before returning, passes its size on, and follows SIGWINCH (signalfd: the signal is
 * blocked in the calling thread meanwhile). A front end without a terminal (an API
 * service, a test) leaves tty false and gets the bytes as they are.
 */
struct eng_stdio {
	int in, out, err;
	bool tty;
};

/* How `start` connects the caller's streams. */
struct eng_ctr_start_opts {
	bool attach;		    /* foreground: stream output, return the exit status */
	const struct eng_stdio *io; /* with attach: the streams (required) */
	bool stdin_attached;	    /* forward io->in (with -i) */
	const char *detach_keys;    /* "ctrl-p,ctrl-q" by default; "" disables */
	/* Forward the signals this process gets (INT, TERM, HUP, QUIT, USR1, USR2) to the
	 * container while attached: for a CLI that stands in for the container's process;
	 * an API service leaves it false and calls eng_ctr_kill. */
	bool sig_proxy;
};

/*
 * Start a created or exited container: mount its rootfs and create it through the runtime
 * in its user namespace, hand it to a new monitor, release it. With attach, stream its
 * output and set *status to its exit status; *detached when the user pressed the detach
 * keys. Exec failures come back as ERR_NOTFOUND (127) / ERR_INVOKE (126).
 */
int eng_ctr_start(struct storage *s, struct eng_ctr *c, const struct eng_ctr_start_opts *o,
		  int *status, bool *detached, struct error **err);

/* Attach to a running container's monitor (hutch attach). */
int eng_ctr_attach(struct eng_ctr *c, const struct eng_ctr_start_opts *o, int *status,
		   bool *detached, struct error **err);

/* Send a signal to the container's init. */
int eng_ctr_kill(struct eng_ctr *c, int sig, struct error **err);
/* Stop signal, then SIGKILL after timeout seconds (-1: the container's own). */
int eng_ctr_stop(struct eng_ctr *c, long timeout, struct error **err);
/* Wait until the container has exited (inotify on its exit file); *status its code. */
int eng_ctr_wait(struct eng_ctr *c, int *status, struct error **err);
/* Remove; a running container only with force (killed first). Named volumes stay. A
 * container others share the network namespace of also needs force (EBUSY otherwise); a
 * pod's infra container is removed only with its pod. */
int eng_ctr_remove(struct storage *s, struct eng_ctr *c, bool force, struct error **err);

struct eng_ctr_exec_opts {
	char *const *args;
	char *const *env;
	const char *user;
	const char *workdir;
	bool tty;
	bool interactive;
	bool detach;
	/* The process's streams (required). Without tty they become its fds 0, 1 and 2, also
	 * with detach; with tty the engine copies in to the pty and the pty to out (err is
	 * unused: a terminal has one output). */
	const struct eng_stdio *io;
};
/* Run a process in a running container; *status its exit status. A container that is not
 * running fails with ERR_INVOKE (126), as podman does. */
int eng_ctr_exec(struct eng_ctr *c, const struct eng_ctr_exec_opts *o, int *status,
		 struct error **err);

/* The `inspect` document (podman's key fields), owned. */
struct json_object *eng_ctr_inspect(struct eng_ctr *c);
/* One `ps` row as JSON (ID, Names, Image, Command, Created, Status, State, ...), owned. */
struct json_object *eng_ctr_ps_row(struct eng_ctr *c, bool no_trunc);
/* The default `ps` table's row, the same text as those fields of eng_ctr_ps_row: ID, Image,
 * Command, Created, Status, Ports and Names, tab-separated (owned). */
char *eng_ctr_ps_line(struct eng_ctr *c, bool no_trunc);

/* Where hutch-monitor and hutch-init are: beside the hutch binary, or in
 * ../libexec/hutch/ relative to it (owned; NULL when missing). */
char *eng_ctr_helper_path(const char *name);

/* Paths: the container's store dir and run dir (owned). */
char *eng_ctr_dir(struct storage *s, const char *id);
char *eng_ctr_run_dir(const char *id, struct error **err);
/* The log file path (owned). */
char *eng_ctr_log_path(struct storage *s, const char *id);

/*
 * `hutch cp`: copy src to dst as a tar stream, one side in the container (src_in_ctr or
 * dst_in_ctr), the other on the host. The host side NULL means a tar stream instead of a
 * path: read from tar_fd (src NULL) or written to it (dst NULL); tar_fd is borrowed and
 * unused otherwise. Paths in the container never resolve outside it; modes are kept, and
 * ownership within the mapping on the container side. A missing source fails with ENOENT.
 */
int eng_ctr_copy(struct storage *s, struct eng_ctr *c, const char *src, bool src_in_ctr,
		 const char *dst, bool dst_in_ctr, int tar_fd, struct error **err);

/*
 * `hutch diff`: "A /path", "C /path", "D /path" lines sorted by path (owned vector), from the
 * container's upper dir against the image's layers. Whiteouts are 0/0 character devices,
 * files with user.overlay.whiteout, or fuse-overlayfs's ".wh.NAME" files.
 */
char **eng_ctr_diff(struct storage *s, struct eng_ctr *c, struct error **err);
/*
 * `hutch top`: a header row and one row per process, tab-separated cells, for ps-style
 * descriptors (NULL: user pid ppid pcpu etime tty time args). Owned vector in *rows.
 */
int eng_ctr_top(struct eng_ctr *c, char *const *descriptors, char ***rows, struct error **err);
/* Give the container a new name (unique, podman's name rule). */
int eng_ctr_rename(struct storage *s, struct eng_ctr *c, const char *name, struct error **err);
/* Freeze or thaw a running container; needs a delegated cgroup v2 freezer, else an error
 * that says why. */
int eng_ctr_pause(struct storage *s, struct eng_ctr *c, bool pause, struct error **err);
/* One stats sample (ID, Name, CPUNano, MemUsage, PIDs) from the container's delegated
 * cgroup; an error naming why when cgroups are not delegated. */
int eng_ctr_stats(struct eng_ctr *c, struct json_object **out, struct error **err);
/* The published ports as `port` prints them, "80/tcp -> 0.0.0.0:8080" (owned vector). */
char **eng_ctr_ports(struct eng_ctr *c, struct error **err);

/* ---------- named volumes: $store/volumes/NAME/{volume.json,_data} ---------- */

/* Create a volume (name NULL: anonymous, a random hex name); *out_name owned. An existing
 * one is an EEXIST error unless ignore. */
int eng_vol_create(struct storage *s, const char *name, char *const *labels, bool ignore,
		   char **out_name, struct error **err);
/* -v NAME:/dst: create the volume if needed and point v->src at its _data (kind stays
 * OCI_MOUNT_VOLUME, which the spec generator binds like a host path). */
int eng_vol_resolve(struct storage *s, struct oci_volume *v, struct error **err);
/* The volume's record (Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options), owned;
 * ENOENT error when there is none. */
struct json_object *eng_vol_inspect(struct storage *s, const char *name, struct error **err);
/* All volume records (an owned JSON array). */
struct json_object *eng_vol_list(struct storage *s);
/* Remove a volume; one a container uses only with force, which removes those containers. */
int eng_vol_remove(struct storage *s, const char *name, bool force, struct error **err);
/* Remove every volume no container uses; the names removed (owned vector) or NULL. */
char **eng_vol_prune(struct storage *s, struct error **err);

/* ---------- pods: $store/pods/ID/pod.json plus an infra container ---------- */

/*
 * A pod: containers that share the network, UTS and IPC namespaces of its infra container,
 * an imageless container whose process is `hutch-init --pause`, with the pod's network
 * (slirp4netns or pasta, published ports) and hostname. Every member runs in the infra's
 * user namespace, which owns those namespaces.
 */
struct eng_pod {
	char *id;
	char *name;
	char *created; /* RFC 3339 */
	char *infra_id;
	struct json_object *doc; /* the whole pod.json, owned */
};

void eng_pod_free(struct eng_pod **p);
void eng_pod_list_free(struct eng_pod **v, size_t n);

struct eng_pod_create_opts {
	const char *name;     /* NULL: generated */
	const char *hostname; /* NULL: the pod's name */
	const char *network;  /* --network of the pod (NULL: slirp4netns) */
	struct net_port *ports;
	size_t n_ports;
	char **labels; /* KEY=VAL */
};

/* Create the pod record and its infra container (not started). *out owned. A name in
 * use is EEXIST. */
int eng_pod_create(struct storage *s, const struct eng_pod_create_opts *o, struct eng_pod **out,
		   struct error **err);
/* By full name, full ID or unique ID prefix; ENOENT "no pod with name or ID ..." otherwise. */
int eng_pod_lookup(struct storage *s, const char *name_or_id, struct eng_pod **out,
		   struct error **err);
/* All pods, oldest first. */
int eng_pod_list(struct storage *s, struct eng_pod ***out, size_t *n, struct error **err);
/* The pod's containers, the infra first (owned records, free with eng_ctr_list_free). */
int eng_pod_containers(struct storage *s, const struct eng_pod *p, struct eng_ctr ***out, size_t *n,
		       struct error **err);
/* Start the infra (when it does not run), then every other container of the pod. */
int eng_pod_start(struct storage *s, struct eng_pod *p, struct error **err);
/* Stop the pod's containers, then its infra (timeout as eng_ctr_stop). */
int eng_pod_stop(struct storage *s, struct eng_pod *p, long timeout, struct error **err);
/* Remove the pod with its containers; running ones only with force. */
int eng_pod_remove(struct storage *s, struct eng_pod *p, bool force, struct error **err);
/* The `pod inspect` document and one `pod ps` row (owned). */
struct json_object *eng_pod_inspect(struct storage *s, struct eng_pod *p);
struct json_object *eng_pod_ps_row(struct storage *s, struct eng_pod *p);

/* Finish the removals that were cut short (a containers/.trash-ID whose monitor is gone:
 * its exit command was killed), as container prune does. */
void eng_ctr_purge_trash(struct storage *s);

/*
 * The monitor's exit command: record the exit, delete the runtime state, and then --rm
 * or --restart. Runs inside the container's user namespace.
 */
int eng_ctr_cleanup(struct storage *s, const char *id, struct error **err);
