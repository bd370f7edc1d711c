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

/*
 * The engine handle: what one front-end process (a CLI call; later a request of the API
 * service) holds while it works on containers: the store with its storage driver, the
 * runtime dir, the name index's lock and the record parser. Every engine call takes it;
 * none of it lives in process-wide variables or the environment, and the processes the
 * engine starts (the monitor's exit command) get what they need on their command line.
 * One handle serves one thread at a time (see docs/design.md, "The engine").
 */
struct eng;

struct eng_open_opts {
	const char *storage_driver; /* NULL: storage.conf's, else auto */
	/* A storage_driver the store does not have opens it with the default instead, and
	 * is kept for eng_info to report (a diagnosis must not fail on what it diagnoses). */
	bool any_driver;
	const char *root; /* the store; NULL: $XDG_DATA_HOME/hutch */
	/* Global flags for the OCI runtime (podman's --runtime-flag, without the dashes):
	 * containers this handle starts are created through the runtime binary with them. */
	char *const *runtime_flags;
};

/* Open the store (created when missing). */
int eng_open(const struct eng_open_opts *o, struct eng **out, struct error **err);
void eng_close(struct eng **e);
#define autoeng __attribute__((cleanup(eng_close)))
/* The handle's store (borrowed), for front ends' image commands. */
struct storage *eng_storage(struct eng *e);

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
	/* The init's start time (/proc/PID/stat field 22, clock ticks since boot), recorded at
	 * start: a pid whose start time differs is another process, never the container's. */
	unsigned long long init_start;
	/* Running, but its monitor is gone (killed): no log, no attach, no exit code. */
	bool monitor_lost;
	/* Running, and a stop or rm --force has sent its signal: podman's "stopping" state
	 * (inspect's Status), until it exits. */
	bool stopping;
	/* Running, but its network helper (slirp4netns) exited: published ports are down. */
	bool network_lost;
	/* Recorded running, its monitor and init both gone without recording the exit: the
	 * next command that looks it up does what the exit command would have done. */
	bool unsettled;
};

/*
 * The record schema, hutch.json (version ENG_CTR_RECORD_VERSION): the engine's own names
 * for what it knows of a container, not any front end's document shape.
 *   Version, Id, Name, Created, Image (ID), ImageName (the name it resolved to),
 *   ImageDigest (the image's manifest digest, when it has one), Pod, Infra (bool),
 *   Args (the process), Entrypoint and Cmd (what Args is made of: string arrays), Env,
 *   CapAdd, CapDrop (as given, CAP_ names), Hostname, User, WorkingDir, Labels {K: V}
 *   (the image's and the user's), Annotations {K: V},
 *   StopSignal, StopTimeout (s), Tty, OpenStdin, AutoRemove, Restart {Policy, MaxRetries},
 *   Log {Driver, MaxSize}, Network (the mode as given), Ports [{HostIp, HostPort,
 *   ContainerPort, Count, Protocol}], Dns, DnsSearch, DnsOptions, ExtraHosts (string
 *   arrays), Userns ("" or "keep-id"), Privileged, ReadOnly, Init, Mounts [{Type, Source,
 *   Destination, RW, Options (extra mount options as given, when any)}]. Keys added to
 *   version 2 since (Entrypoint, Cmd, CapAdd, CapDrop, Options) may be absent, and
 *   CreateCommand (the front end's command line) is there only when one was given.
 *   When given: Timeout (s), ConmonPidFile, HostUsers (strings), OCIRuntime (the
 *   runtime's path as given). CgroupsMode (--cgroups; absent in older records: enabled).
 * Records of older versions (podman's inspect shape) are converted when loaded (upgrade.c).
 */
#define ENG_CTR_RECORD_VERSION 2

/* A healthcheck as podman's Config.Healthcheck holds it, and its on-failure action. */
struct eng_ctr_health {
	/* ["CMD-SHELL", "cmd"] or ["CMD", arg...] (owned); NULL: none (also Test ["NONE"]) */
	char **test;
	int64_t interval;     /* nanoseconds; 0: no timer, only `healthcheck run` */
	int64_t timeout;      /* nanoseconds */
	int64_t start_period; /* nanoseconds */
	int retries;
	char *on_failure; /* none | kill | restart | stop */
};

/*
 * A container record. doc is the record in the schema above (owned); the typed fields are
 * what the engine itself reads of it, decoded once at load. A brief record (see
 * eng_ctr_list_brief) has only some of them; the others keep their defaults.
 */
struct eng_ctr {
	char *id;
	char *name;
	char *image_id;
	char *image_name;
	char *created; /* RFC 3339 */
	/* The pod's ID or NULL, and whether this is its infra container. */
	char *pod;
	bool infra;
	/* The network mode as given ("slirp4netns", "container:ID", ...); NULL only in the
	 * brief records of older versions, which lack it. */
	char *network;
	/* The user namespace mode: "" or "keep-id". */
	char *userns;
	/* The published ports, host ports assigned at create. */
	struct net_port *ports;
	size_t n_ports;
	/* For the /etc files: hostname "" means the container's name; lists NULL when empty. */
	char *hostname;
	char **dns, **dns_search, **dns_options, **extra_hosts;
	/* --rm, and --restart: policy "no", "on-failure" or "always"; retries (0: no limit). */
	bool auto_remove;
	char *restart_policy;
	int restart_max;
	/* The log driver ("k8s-file", "none" or "passthrough") and its max size. */
	char *log_driver;
	uint64_t log_max_size;
	/* The stop signal's name and the stop timeout (seconds); -t and -i. */
	char *stop_signal;
	long stop_timeout;
	bool tty, open_stdin;
	/* Its healthcheck (--health-*, else the image's), and --sdnotify (NULL: not given). */
	struct eng_ctr_health health;
	char *sdnotify;
	struct json_object *doc;
	struct eng_ctr_state state;
	struct eng *eng; /* the handle it was loaded through (borrowed): it must outlive c */
};

void eng_ctr_free(struct eng_ctr **c);
/* A container record freed when it goes out of scope. */
#define autoctr __attribute__((cleanup(eng_ctr_free)))
void eng_ctr_list_free(struct eng_ctr **v, size_t n);

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
	/* The caller's fds 3 .. 3+N-1 go into the container as the same numbers (run
	 * --preserve-fds); every other fd of the caller stays out. */
	int preserve_fds;
	/* eng_ctr_run, attached: remove the container's image once it has exited, unless
	 * another container uses it (logged, not an error), as podman's run --rmi. */
	bool rmi;
	/* The NOTIFY_SOCKET to tell for --sdnotify conmon|healthy (the caller's environment's;
	 * NULL: none). */
	const char *notify_socket;
};

/*
 * A create request: what a user asks for, as given (hutch create/run flags, later the API
 * service's body). Plain values, no front-end types; NULL, false or 0 means "not given".
 * Vectors are NULL-terminated and borrowed for the call. The engine validates every field
 * and applies podman's rules (pull policy, -u against the image, pods, ports, volumes).
 * Its error messages name the CLI flag a value came from, as podman's API does.
 */
struct eng_ctr_create_req {
	/* The image */
	const char *image;   /* reference as typed; recorded as the image name ps shows */
	const char *pull;    /* always | missing | newer | never; NULL: missing */
	bool tls_verify;     /* pulling: verify TLS or not ... */
	bool tls_verify_set; /* ... when set; else registries.conf decides */
	/* Where a pull on demand reports its progress (NULL: a silent pull). */
	const struct storage_progress_sink *progress;

	/* The process */
	const char *name;     /* NULL: generated, like podman's adjective_surname */
	char *const *command; /* replaces the image's Cmd; NULL or empty: the image's */
	/* The front end's command line that asks for it, recorded as given (podman's
	 * CreateCommand); NULL: none (an API call). */
	char *const *create_command;
	/* NULL: the image's; a JSON array of strings, or one string ("" or "[]": none) */
	const char *entrypoint;
	char *const *env;	  /* KEY=VAL, or KEY alone for the caller's own value */
	char *const *env_files;	  /* files of KEY=VAL lines; each must exist */
	const char *workdir;	  /* NULL: the image's */
	const char *user;	  /* user[:group], names from the image; NULL: the image's */
	const char *hostname;	  /* NULL: the ID's first 12 digits (a pod's hostname in a pod) */
	bool hostname_set;	  /* whether hostname was given at all (refused in a pod) */
	bool tty;		  /* a pseudo-terminal */
	bool interactive;	  /* keep stdin open */
	bool read_only;		  /* read-only root filesystem */
	bool privileged;	  /* all capabilities, no seccomp or masked paths */
	bool init;		  /* hutch-init as pid 1 */
	char *const *cap_add;	  /* capability names */
	char *const *cap_drop;	  /* capability names */
	char *const *annotations; /* KEY=VAL */
	char *const *sysctls;	  /* KEY=VAL, namespaced sysctls */
	char *const *labels;	  /* KEY=VAL */
	/* PODMAN_SYSTEMD_UNIT of the caller's environment (a systemd unit's %n), recorded as
	 * that label, over a --label of the same key, as podman's; NULL: not set */
	const char *systemd_unit;
	char *const *group_add; /* numeric gids */
	/* seccomp=unconfined|FILE, no-new-privileges[=true]; label= and apparmor= are
	 * ignored with a warning */
	char *const *security_opts;

	/* Life cycle */
	bool rm;		 /* remove the container once it exits */
	bool replace;		 /* remove a container of the same name first */
	const char *restart;	 /* no | always | unless-stopped | on-failure[:N]; NULL: no */
	const char *stop_signal; /* name or number; NULL: the image's or SIGTERM */
	long stop_timeout;	 /* seconds before SIGKILL, 0 or more ... */
	bool stop_timeout_set;	 /* ... when set; else 10 */
	/* --runtime: the OCI runtime binary, a path to hutch-runtime or a copy of it (hutch
	 * reads its state) or the name hutch-runtime; NULL: the runtime library in hutch */
	const char *runtime;
	const char *log_driver; /* k8s-file | none | passthrough; NULL: k8s-file */
	char *const *log_opts;	/* max-size=SIZE */
	long timeout;		/* --timeout: seconds a start may run before a SIGKILL; 0: none */
	/* --conmon-pidfile: each start writes the monitor's pid there (podman's conmon pid) */
	const char *conmon_pidfile;
	/* --hostuser: host users (names or UIDs) whose passwd entries each start adds to the
	 * container's /etc/passwd, when it has none for them; an unknown one fails the start */
	char *const *hostusers;

	/* Namespaces and network */
	const char *userns; /* NULL or "": the default; keep-id */
	/* As given: slirp4netns[:opts], pasta[:args], none, host, container:NAME|ID,
	 * ns:PATH; NULL: slirp4netns */
	const char *network;
	bool network_set;	 /* whether network was given at all (refused in a pod) */
	const char *pod;	 /* join this pod (name or ID): its network, UTS and IPC */
	char *const *publish;	 /* "[ip:][hostport:]port[/proto]"; host ports picked now */
	bool publish_all;	 /* publish every port the image exposes on free host ports */
	char *const *dns;	 /* servers */
	char *const *dns_search; /* domains */
	char *const *dns_options;
	char *const *add_hosts;	      /* host:ip */
	char *const *network_aliases; /* --network-alias: more names on user-defined networks */
	const char *ip;		      /* --ip: the address on the one user-defined network */
	const char *mac;	      /* --mac-address: the MAC there */

	/* Mounts, devices and limits */
	char *const *volumes;	   /* src:dst[:opts]; a named volume is created when missing */
	char *const *mounts;	   /* type=bind|volume|tmpfs,src=,dst=,ro */
	char *const *tmpfs;	   /* dir[:opts] */
	char *const *devices;	   /* host[:container], bound from the host */
	char *const *ulimits;	   /* name=soft[:hard] */
	const char *memory;	   /* as given; limits only warn without delegated cgroups */
	const char *kernel_memory; /* accepted with podman's warning, and ignored */
	const char *tz;		   /* --tz: a zone of the host's zoneinfo, or "local" */
	char *const *unsetenv;	   /* keys whose default or image entries are dropped */
	bool unsetenv_all;	   /* drop every default and image entry */
	const char *cpus;
	const char *pids_limit;
	/* --cgroups: enabled | disabled | no-conmon | split; NULL: enabled. disabled gives the
	 * container no cgroup of its own and drops its limits; the monitor never gets a cgroup
	 * of its own (it stays in the caller's, as podman's no-conmon), so the others place
	 * the container as enabled does. Recorded as CgroupsMode. */
	const char *cgroups;

	/* Healthcheck, as podman's flags: the command (a string for /bin/sh -c, a JSON array,
	 * or "none"); durations as Go writes them ("30s", interval also "disable"); NULL: the
	 * defaults (30s, 30s, 0s, 3, none) or the image's HEALTHCHECK. */
	const char *health_cmd;
	const char *health_interval;
	const char *health_timeout;
	const char *health_start_period;
	long health_retries;
	bool health_retries_set;
	const char *health_on_failure; /* none | kill | restart | stop */
	bool no_healthcheck;	       /* none at all, not even the image's */
	const char *sdnotify;	       /* container | conmon | healthy | ignore */

	/* --secret NAME[,type=mount|env][,target=][,uid=][,gid=][,mode=]: secrets of the
	 * store, mounted read-only (default /run/secrets/NAME) or set as a variable at each
	 * start; the record keeps their names only */
	char *const *secrets;
};

/*
 * Create a container from a request: find (or pull) the image, validate every field and
 * make the storage, record and config.json (no process yet: status Created). Named volumes
 * it mentions are created. *out is the new record (owned).
 */
int eng_ctr_create(struct eng *eng, const struct eng_ctr_create_req *r, struct eng_ctr **out,
		   struct error **err);

/*
 * Start a container just created by `run`: eng_ctr_start, plus --rm's rule: a container
 * that never ran is removed, and so is one whose monitor died before it could (the
 * monitor removes a --rm container itself when it exits).
 */
int eng_ctr_run(struct eng *eng, struct eng_ctr *c, const struct eng_ctr_start_opts *o, int *status,
		bool *detached, struct error **err);

/* The container whose network namespace c shares (--network container:ID, or the pod's
 * infra), as an owned ID; NULL when it has its own. */
char *eng_ctr_net_target(const struct eng_ctr *c);
/* The pod c belongs to (borrowed ID) or NULL; infra tells whether c is its infra. */
const char *eng_ctr_pod(const struct eng_ctr *c, bool *infra);

/* Find a container by full ID, name or unique ID prefix (podman's order; see names.c:
 * reads only the one record). ENOENT error otherwise: "no container with name or ID \"x\"
 * found"; EINVAL for an ambiguous prefix. */
int eng_ctr_lookup(struct eng *eng, const char *name_or_id, struct eng_ctr **out,
		   struct error **err);
/* All containers, oldest first. */
int eng_ctr_list(struct eng *eng, struct eng_ctr ***out, size_t *n, struct error **err);
/* The same with records holding only what ps shows (fast over many containers): their doc
 * has Version, Id, Name, Created, Image, ImageName, Args, Pod, Infra, Labels and Ports (and,
 * but not in stores of older versions, Network, Mounts and the state's members), and of the
 * typed fields id, name, image_id, image_name, created, pod, infra, network and ports; look
 * at nothing else. */
int eng_ctr_list_brief(struct eng *eng, struct eng_ctr ***out, size_t *n, struct error **err);

/* Which containers `ps` shows. */
struct eng_ctr_query {
	/* "KEY=VALUE": status (created, running, paused, exited; stopped is exited; implies
	 * all), name (substring), id (prefix), label (KEY or KEY=VALUE), ancestor (image name
	 * or ID prefix), exited (the code of an exited container), restart-policy (none or no,
	 * always, on-failure, unless-stopped). Several of one key: any of them; of several
	 * keys: all. */
	char *const *filters;
	bool all;	  /* also containers that do not run */
	long last;	  /* > 0: the newest `last` containers, whatever their state */
	const char *sort; /* NULL: newest first; command, created (oldest first), id, image,
			   * names, runningfor (as created), size (as created), status */
};
/*
 * The containers q selects, newest first or as sorted, as brief records (see
 * eng_ctr_list_brief): an owned vector, free with eng_ctr_list_free. A malformed or unknown
 * filter or sort key is a usage error ("invalid filter ..."), before any container is read.
 */
int eng_ctr_query(struct eng *eng, const struct eng_ctr_query *q, struct eng_ctr ***out, size_t *n,
		  struct error **err);
/* Check filters as eng_ctr_query does (podman's messages: "X invalid restart policy"). */
int eng_ctr_filters_check(char *const *filters, struct error **err);
/* Whether c (a brief or a full record) passes checked filters. */
bool eng_ctr_matches(struct eng_ctr *c, char *const *filters);

/* What eng_names lists (shell completion). */
enum eng_names_kind {
	ENG_NAMES_CONTAINERS, /* every container */
	ENG_NAMES_RUNNING,    /* running containers (stop, exec, kill, ...) */
	ENG_NAMES_STARTABLE,  /* created or exited containers (start) */
	ENG_NAMES_PAUSED,     /* paused containers (unpause) */
	ENG_NAMES_PODS,
	ENG_NAMES_VOLUMES,
	ENG_NAMES_IMAGES,
};
/*
 * The names of kind that start with prefix (NULL: all), and the 12-character IDs that do
 * once prefix has two characters or more, as podman completes them: an owned
 * NULL-terminated vector, sorted, without duplicates. NULL with *err when the store cannot
 * be read. Reads without locking: fast over many containers (see oci/engine/complete.c).
 */
char **eng_names(struct eng *eng, enum eng_names_kind kind, const char *prefix, struct error **err);

/* `system df`: what one kind of object takes in the store. */
struct eng_df_row {
	size_t total;	     /* how many */
	size_t active;	     /* how many are in use (images: by a container) */
	int64_t size;	     /* bytes (images: each layer counted once) */
	int64_t reclaimable; /* bytes no object in use needs */
};
struct eng_df {
	struct eng_df_row images, containers, volumes;
};
/* Fill *out from the store's images and containers (volumes are not counted yet). */
int eng_system_df(struct eng *eng, struct eng_df *out, struct error **err);

/* system check: podman 5's options (--quick, --repair, --force). */
struct eng_check_opts {
	bool quick, repair, force;
};
/*
 * Check the engine's files and the store (storage_check): containers on missing layers,
 * the name index against the records, removals cut short, run dirs of containers that are
 * gone. With repair, mend what can be (containers on damaged storage only with force).
 * Findings are appended to r (clear it with storage_check_report_clear).
 */
int eng_system_check(struct eng *eng, const struct eng_check_opts *o,
		     struct storage_check_report *r, struct error **err);

/* `container prune`: remove every container that does not run, newest first (one that
 * shares another's network goes before it; a pod's infra only with its pod, and one that
 * running containers still share is kept). *removed: their IDs (owned vector, or NULL). */
int eng_ctr_prune(struct eng *eng, char ***removed, struct error **err);
/* What system prune removed (owned vectors of IDs and names) and the bytes it freed. */
struct eng_prune_report {
	char **pods, **containers, **volumes, **images;
	int64_t reclaimed;
};
/* podman's system prune: pods with nothing running, stopped containers, dangling images
 * (with all: every image no container uses), unused volumes (only with volumes). */
int eng_system_prune(struct eng *eng, bool all, bool volumes, struct eng_prune_report *r,
		     struct error **err);
void eng_prune_report_clear(struct eng_prune_report *r);
/* podman's system reset: every container (stopped first), pod, volume and image, then the
 * store and the runtime dir themselves. The handle can only be closed afterwards. */
int eng_system_reset(struct eng *eng, struct error **err);

/*
 * Start a created or exited container: mount its rootfs and create it through the runtime
 * in its user namespace, hand it to a new monitor, release it. With attach, stream its
 * output and set *status to its exit status; *detached when the user pressed the detach
 * keys. Exec failures come back as ERR_NOTFOUND (127) / ERR_INVOKE (126).
 */
int eng_ctr_start(struct eng *eng, struct eng_ctr *c, const struct eng_ctr_start_opts *o,
		  int *status, bool *detached, struct error **err);

/* Attach to a running container's monitor (hutch attach). */
int eng_ctr_attach(struct eng_ctr *c, const struct eng_ctr_start_opts *o, int *status,
		   bool *detached, struct error **err);

/* A signal as podman's kill -s and create --stop-signal take it: a number from 1 to 64 or
 * a name (any case, SIG optional, RTMIN+N), leading dashes ignored (-HUP, -9). Errors in
 * podman's words: "invalid signal: X", "valid signals are 1 through 64". */
int eng_signal_parse(const char *s, int *sig, struct error **err);
/* Send a signal to the container's init. */
int eng_ctr_kill(struct eng_ctr *c, int sig, struct error **err);
/* Stop signal, then SIGKILL after timeout seconds (-1: the container's own). */
int eng_ctr_stop(struct eng_ctr *c, long timeout, struct error **err);
/* Stop (timeout as eng_ctr_stop), then start again, detached. */
int eng_ctr_restart(struct eng_ctr *c, long timeout, struct error **err);

/* What `logs` shows of a container's log. */
struct eng_logs_opts {
	bool timestamps;   /* each line with its RFC 3339 time */
	long tail;	   /* the last N lines; -1: all */
	bool follow;	   /* a running container: wait for more until it exits */
	const char *since; /* NULL, or RFC 3339, a duration ("10m": back from now), Unix seconds */
	const char *until; /* the same */
};
/* Print c's log: its stdout lines to out, its stderr lines to errout (the caller's streams).
 * A bad since/until is a usage error. */
int eng_ctr_logs(struct eng_ctr *c, const struct eng_logs_opts *o, FILE *out, FILE *errout,
		 struct error **err);
/* The logs of n containers at once, as podman's: each line after the container's short ID
 * and a space, the containers read side by side (a process each, a line one write), so that
 * followed lines come as they are written. One container: eng_ctr_logs. */
int eng_ctr_logs_many(struct eng_ctr *const *cs, size_t n, const struct eng_logs_opts *o, FILE *out,
		      FILE *errout, struct error **err);
/* `commit`: a new image of c's image plus c's changes, with c's settings. */
struct eng_ctr_commit_opts {
	const char *name;     /* the image's name (short names under localhost/), or NULL */
	char *const *changes; /* --change instructions, in order */
	const char *author;   /* -a */
	const char *message;  /* -m: only with the docker format, as podman */
	const char *format;   /* "oci" (NULL) or "docker" */
	bool pause;	      /* freeze a running container while its layer is written */
	bool include_volumes; /* its volumes' destinations become the image's Volumes */
	bool squash;	      /* one layer of the whole rootfs (not of a running container) */
};
/*
 * Commit c: its upper dir as a new layer, its config (entrypoint, command, env, working
 * dir, user, labels, exposed ports) with the changes applied. *image_id (owned) is the new
 * image's ID. *warnings (owned, may be NULL) are what podman warns of (ONBUILD dropped in
 * the OCI format).
 */
int eng_ctr_commit(struct eng_ctr *c, const struct eng_ctr_commit_opts *o, char **image_id,
		   char ***warnings, struct error **err);

/* `export`: c's filesystem as a tar stream to fd; a running (or paused) container is EBUSY,
 * which eng_ctr_export_check tells before the caller opens its output. */
int eng_ctr_export_check(const struct eng_ctr *c, struct error **err);
int eng_ctr_export(struct eng_ctr *c, int fd, struct error **err);
/* Wait until the container has exited (inotify on its exit file); *status its code. */
int eng_ctr_wait(struct eng_ctr *c, int *status, struct error **err);
/* Remove; a running container only with force (killed first). Named volumes stay. A
 * container others share the network namespace of also needs force (EBUSY otherwise); a
 * pod's infra container is removed only with its pod. */
int eng_ctr_remove(struct eng *eng, struct eng_ctr *c, bool force, struct error **err);
/* rm --depend: remove the containers that share c's network namespace (theirs first),
 * then c; their IDs and c's are appended to *removed (an owned vector), in that order. A
 * pod's infra container goes with its whole pod (the members' IDs, then its own). */
int eng_ctr_remove_depend(struct eng *eng, struct eng_ctr *c, bool force, char ***removed,
			  struct error **err);
/* rm --force --time: stop a running c (its stop signal, SIGKILL after timeout seconds),
 * then remove it with force. */
int eng_ctr_remove_stopped(struct eng *eng, struct eng_ctr *c, long timeout, struct error **err);

/* Which containers an --all operation acts on, in the order it takes them. */
enum eng_ctr_all {
	ENG_CTR_ALL_RUNNING,   /* stop, kill: the running ones, oldest first */
	ENG_CTR_ALL_EVERY,     /* restart: every one, oldest first */
	ENG_CTR_ALL_STARTABLE, /* start: the ones that do not run, oldest first */
	ENG_CTR_ALL_REMOVE,    /* rm: newest first, so containers sharing another's network go
			      * before it; a pod's infra there takes its pod along */
};
/* The IDs of the containers an --all operation acts on (owned vector, never NULL on
 * success; *n their number). */
char **eng_ctr_all_ids(struct eng *eng, enum eng_ctr_all which, size_t *n, struct error **err);
/* eng_ctr_lookup for one operand of an operation. listed: the ID came from eng_ctr_all_ids,
 * and a container gone since (removed meanwhile by its launcher, its --rm monitor or another
 * command) is not an error: 0 with *out NULL. */
int eng_ctr_lookup_target(struct eng *eng, const char *name_or_id, bool listed,
			  struct eng_ctr **out, struct error **err);

struct eng_ctr_exec_opts {
	char *const *args;
	char *const *env;
	const char *user;
	const char *workdir;
	bool tty;
	bool interactive;
	bool detach;
	/* With tty: the keys that detach from the process, leaving it running (NULL:
	 * "ctrl-p,ctrl-q"; "": none). */
	const char *detach_keys;
	/* The process's streams (required). Without tty they become its fds 0, 1 and 2, also
	 * with detach; with tty the engine copies in to the pty and the pty to out (err is
	 * unused: a terminal has one output). */
	const struct eng_stdio *io;
};
/* Run a process in a running container; *status its exit status. A container that is not
 * running fails with ERR_INVOKE (126), as podman does. */
int eng_ctr_exec(struct eng_ctr *c, const struct eng_ctr_exec_opts *o, int *status,
		 struct error **err);

/* ---------- healthchecks (oci/engine/health.c) ---------- */

/* The outcome of one healthcheck run now (`healthcheck run`). */
enum eng_health_result {
	ENG_HEALTH_HEALTHY = 0,
	ENG_HEALTH_UNHEALTHY = 1,
};
/*
 * Run c's healthcheck now, through its monitor (which keeps the state and the log): *out
 * is healthy when it passed. Errors (125): c has no healthcheck, does not run, or the
 * check exceeded its timeout (podman's messages).
 */
int eng_ctr_healthcheck_run(struct eng_ctr *c, enum eng_health_result *out, struct error **err);
/* The health state, podman's State.Health {Status, FailingStreak, Log} (owned), or NULL when
 * c has no healthcheck. A container not started since has {"Status": "starting"}. */
struct json_object *eng_ctr_health_state(struct eng_ctr *c);
/* Only its Status ("healthy", "unhealthy", "starting"), owned; NULL without a healthcheck.
 * Reads one small file: for ps. Works on brief records. */
char *eng_ctr_health_status(const struct eng_ctr *c);

/*
 * What the engine knows of a container, for front ends to shape (`hutch inspect` makes
 * podman's document of it): the record (schema above) and its state, "State": {Status,
 * Running, Paused, Pid (0 unless it runs), MonitorPid, ExitCode, StartedAt, FinishedAt
 * (absent when unknown), RestartCount}, "LogPath" for a driver that writes a log file, "Dir"
 * (the container's store dir), "Driver" (the storage driver: overlay, fuse-overlayfs, vfs),
 * from its config.json BoundingCaps, EffectiveCaps and Ulimits [{Name, Soft, Hard}], and
 * a named volume's Source in Mounts (its data dir now).
 * Owned.
 */
struct json_object *eng_ctr_inspect(struct eng_ctr *c);
/* The facts a `ps` row shows besides the record's fields and state. The published ports
 * (*out owned, NULL when none; host ports assigned). */
void eng_ctr_port_bindings(const struct eng_ctr *c, struct net_port **out, size_t *n);
/* The command the container runs (entrypoint and arguments): an owned vector. */
char **eng_ctr_args(const struct eng_ctr *c);
/* The labels (a borrowed JSON object of strings, or NULL when there are none). */
struct json_object *eng_ctr_labels(const struct eng_ctr *c);
/* The command without the entrypoint (podman's Command): an owned vector; the whole
 * process for a record that does not keep them apart. */
char **eng_ctr_cmd(const struct eng_ctr *c);
/* The user-defined networks the container is on, as given (an owned vector, empty for
 * slirp4netns, pasta, host, none and a shared namespace). */
char **eng_ctr_networks(const struct eng_ctr *c);
/* The mounts (the record's Mounts: a borrowed JSON array, or NULL). */
struct json_object *eng_ctr_mounts(const struct eng_ctr *c);

/* Where hutch-monitor and hutch-init are: beside the hutch binary, or in
 * ../libexec/hutch/ relative to it (owned; NULL when missing). */
char *eng_ctr_helper_path(const char *name);

/* Paths: the container's store dir and run dir (owned). */
char *eng_ctr_dir(struct eng *eng, const char *id);
char *eng_ctr_run_dir(struct eng *eng, const char *id, struct error **err);
/* The log file path (owned). */
char *eng_ctr_log_path(struct eng *eng, const char *id);

/* cp's choices; NULL or zero: podman's defaults. */
struct eng_copy_opts {
	/* -a=false: keep the owners the source has; by default (--archive) what lands in a
	 * container belongs to its user (config.json's uid and gid). */
	bool keep_owner;
	/* --overwrite: a directory may replace a non-directory and the other way round. */
	bool overwrite;
};

/*
 * `hutch cp`: copy src to dst as a tar stream, one side in the container (src_in_ctr or
 * dst_in_ctr), the other on the host. The host side NULL means a tar stream instead of a
 * path: read from tar_fd (src NULL; missing parents are made, DST must be a directory) or
 * written to it (dst NULL); tar_fd is borrowed and unused otherwise. Container paths are
 * as the user gave them: relative ones start at the container's working directory.
 * Paths in the container never resolve outside it (links are followed inside its root);
 * in a stopped container, a path below a volume or bind mount is that mount's source.
 * Modes are kept; onto the host files are the user's. Errors in podman's words ("\"P\"
 * could not be found on container NAME: no such file or directory", ...).
 */
int eng_ctr_copy(struct eng *eng, struct eng_ctr *c, const char *src, bool src_in_ctr,
		 const char *dst, bool dst_in_ctr, int tar_fd, const struct eng_copy_opts *o,
		 struct error **err);
/* The same between two containers (or within one): a tar stream from a writer in the
 * source container to a reader in the target. */
int eng_ctr_copy_between(struct eng *eng, struct eng_ctr *from, const char *src, struct eng_ctr *to,
			 const char *dst, const struct eng_copy_opts *o, struct error **err);

/*
 * `hutch diff`: "A /path", "C /path", "D /path" lines sorted by path (owned vector), from the
 * container's upper dir against the image's layers. Whiteouts are 0/0 character devices,
 * files with user.overlay.whiteout, or fuse-overlayfs's ".wh.NAME" files.
 */
char **eng_ctr_diff(struct eng *eng, struct eng_ctr *c, struct error **err);
/*
 * `hutch top`: a header row and one row per process, tab-separated cells, for ps-style
 * descriptors (NULL: user pid ppid pcpu etime tty time args). Owned vector in *rows.
 */
int eng_ctr_top(struct eng_ctr *c, char *const *descriptors, char ***rows, struct error **err);
/* Give the container a new name (unique, podman's name rule). */
int eng_ctr_rename(struct eng *eng, struct eng_ctr *c, const char *name, struct error **err);
/* Freeze or thaw a running container; needs a delegated cgroup v2 freezer, else an error
 * that says why. */
int eng_ctr_pause(struct eng *eng, struct eng_ctr *c, bool pause, struct error **err);
/* One stats sample (ID, Name, CPUNano, MemUsage, PIDs) from the container's delegated
 * cgroup; an error naming why when cgroups are not delegated. */
int eng_ctr_stats(struct eng_ctr *c, struct json_object **out, struct error **err);

/* ---------- auto-update (oci/engine/autoupdate.c) ---------- */

/* The labels of podman's auto-update: the policy (registry, its older alias image, local,
 * disabled), an auth file for the policy's pulls, and the systemd unit that runs the
 * container (create records the PODMAN_SYSTEMD_UNIT of its environment). */
#define ENG_AUTOUPDATE_LABEL "io.containers.autoupdate"
#define ENG_AUTOUPDATE_AUTHFILE_LABEL "io.containers.autoupdate.authfile"
#define ENG_SYSTEMD_UNIT_LABEL "PODMAN_SYSTEMD_UNIT"

struct eng_autoupdate_opts {
	const char *authfile; /* for the registry's; a container's authfile label wins */
	int tls_verify;	      /* -1: registries.conf's, 0, 1 */
	bool dry_run;	      /* only look: "pending" where an update waits, nothing changed */
	bool rollback;	      /* a unit that fails on the new image gets the old one back */
	const struct storage_progress_sink *progress; /* the pulls' progress; NULL: silent */
};

/* One container's outcome, as podman's report: updated is "true", "false", "pending",
 * "rolled back" or "failed". All strings owned. */
struct eng_autoupdate_report {
	char *unit, *ctr_id, *ctr_name, *image, *policy, *updated;
};

/*
 * `auto-update`: for each running container labelled with a policy, compare its image with
 * the registry's (registry: by manifest digest, then pull) or the store's (local: the image
 * now named so); restart each unit with an update by `systemctl --user restart`, check it
 * runs, and with rollback tag the old image back and restart again. *reports (owned, free
 * with eng_autoupdate_reports_free) has one per container; errors do not stop the others:
 * -1 with *err (one, or podman's "N errors occurred:" list) and the reports made.
 */
int eng_autoupdate(struct eng *eng, const struct eng_autoupdate_opts *o,
		   struct eng_autoupdate_report **reports, size_t *n, struct error **err);
void eng_autoupdate_reports_free(struct eng_autoupdate_report *reports, size_t n);

/* ---------- named volumes: $store/volumes/NAME/{volume.json,_data} ---------- */

/* A volume create request, as given (volume create's flags; -v NAME creates one too). */
struct eng_vol_create_req {
	const char *name;     /* NULL: anonymous, a random hex name (rm -v removes it) */
	char *const *labels;  /* KEY=VAL */
	char *const *options; /* -o KEY=VAL as podman's local driver: type (tmpfs, bind),
			       * device, o (mount options), uid, gid, copy, nocopy */
	bool ignore;	      /* an existing volume of that name is no error */
};

/* Create a volume; *out_name owned. An existing one is an EEXIST error unless r->ignore;
 * options podman's local driver does not know, or a bind device that does not exist, are
 * errors worded as podman's. */
int eng_vol_create(struct eng *eng, const struct eng_vol_create_req *r, char **out_name,
		   struct error **err);
/* -v NAME:/dst: create the volume if needed and point v at what it is: its _data (kind
 * stays OCI_MOUNT_VOLUME, which the spec generator binds like a host path), its device
 * (type=bind: OCI_MOUNT_BIND) or a tmpfs (type=tmpfs); v->volume names it. */
int eng_vol_resolve(struct eng *eng, struct oci_volume *v, struct error **err);
/* The volume's record in podman's shape (Name, Driver, Mountpoint, CreatedAt, Labels,
 * Scope, Options, [Anonymous], MountCount, NeedsCopyUp, [NeedsChown]), owned; an
 * ERR_NOSUCH error when there is none. */
struct json_object *eng_vol_inspect(struct eng *eng, const char *name, struct error **err);
/* All volume records by name (an owned JSON array). */
struct json_object *eng_vol_list(struct eng *eng);
/* The records that pass the filters (KEY=VALUE: name (a regular expression), driver, scope,
 * label, label!, opt, dangling; one key's filters ORed, keys ANDed), *out owned. */
int eng_vol_query(struct eng *eng, char *const *filters, struct json_object **out,
		  struct error **err);
/* Remove a volume; one a container uses only with force, which removes those containers. */
int eng_vol_remove(struct eng *eng, const char *name, bool force, struct error **err);
/* Remove every volume no container uses that passes the filters (as eng_vol_query's);
 * dry_run: remove none. The names (owned vector) or NULL. */
char **eng_vol_prune(struct eng *eng, char *const *filters, bool dry_run, struct error **err);
/* Where the volume's files are on the host, for `volume mount` (*path owned): its _data,
 * or a bind volume's device; a tmpfs volume exists only in its containers (an error). */
int eng_vol_mountpoint(struct eng *eng, const char *name, char **path, struct error **err);
/* Write the volume's contents as a tar stream to out_fd (the caller's). */
int eng_vol_export(struct eng *eng, const char *name, int out_fd, struct error **err);
/* Extract a tar stream from in_fd (the caller's) into the volume, ownership kept. */
int eng_vol_import(struct eng *eng, const char *name, int in_fd, struct error **err);
/* The named volumes the container's record mounts (owned vector, maybe empty). */
char **eng_ctr_volume_names(const struct eng_ctr *c);
/* Remove those of names that are anonymous volumes no container uses any more (rm -v,
 * after the container's removal); others, and ones gone, are no error. */
int eng_vol_remove_anonymous(struct eng *eng, char *const *names, struct error **err);

/* ---------- networks: $store/networks/NAME.json (oci/engine/network.c) ---------- */

/* network create: what the user gave, as given; NULL/false means "not given". */
struct eng_net_create_req {
	const char *name;	/* NULL: the first free "podmanN" */
	const char *driver;	/* NULL: "bridge" (the only driver) */
	char *const *subnets;	/* --subnet CIDRs; none: a free 10.89.N.0/24 */
	char *const *gateways;	/* --gateway, the i-th for the i-th subnet */
	char *const *ip_ranges; /* --ip-range, the i-th for the i-th subnet */
	char *const *labels;	/* key[=value] */
	char *const *options;	/* --opt key=value: mtu, vlan, isolate, metric */
	bool internal, disable_dns, ipv6;
	bool ignore; /* a network of that name exists: no error, its name (podman's --ignore) */
};

/*
 * Create a network: its record, in podman's (and netavark's) network JSON, is written under
 * networks.lock, so two creates never pick the same subnet or interface. A subnet that
 * overlaps another network's or the host's is refused. *out_name (owned) is its name.
 */
int eng_net_create(struct eng *eng, const struct eng_net_create_req *req, char **out_name,
		   struct error **err);
/* podman's network JSON of a network given by name, full ID or unique ID prefix (owned);
 * ERR_NOSUCH when there is none. The default network "podman" always exists. */
struct json_object *eng_net_inspect(struct eng *eng, const char *name, struct error **err);
/* Every network (podman's JSON, sorted by name, the default "podman" among them) that the
 * filters select (`network ls --filter`: name, id, driver, label, label!; same key ORed,
 * different keys ANDed); a bad filter is a usage error. Owned array, or NULL. */
struct json_object *eng_net_list(struct eng *eng, char *const *filters, struct error **err);
/* All networks, unfiltered (for inspect's completion and --all). */
struct json_object *eng_net_list_all(struct eng *eng);
/*
 * Remove a network. One that containers use only with force, which removes them first;
 * the default network never. With force, a network that does not exist is no error, and
 * the running containers get timeout seconds to stop before they are killed.
 * *removed says whether it existed (may be NULL).
 */
int eng_net_remove(struct eng *eng, const char *name, bool force, long timeout, bool *removed,
		   struct error **err);
/* Remove every network no container uses (never the default); the names removed (owned
 * vector) or NULL. */
char **eng_net_prune(struct eng *eng, struct error **err);
/* network connect's options for one network: more names on it, an address, a MAC (each
 * may be NULL). */
struct eng_net_conn_opts {
	char *const *aliases;
	const char *ip;
	const char *mac;
};
/*
 * Connect c to network net, or disconnect it: the record, and on a running container its
 * interface, address and DNS names at once (netavark). Errors as podman's: an unknown
 * network (ERR_NOSUCH), already connected, not connected.
 */
int eng_net_connect(struct eng *eng, const struct eng_ctr *c, const char *net,
		    const struct eng_net_conn_opts *o, struct error **err);
int eng_net_disconnect(struct eng *eng, const struct eng_ctr *c, const char *net, bool force,
		       struct error **err);
/* network reload: set up a running container's networks again (same addresses and MACs);
 * an error unless it runs with networks set up. _all: every such container, their IDs
 * (owned vector; a failure of one is a warning), or NULL on error. */
int eng_net_reload(struct eng *eng, const struct eng_ctr *c, struct error **err);
char **eng_net_reload_all(struct eng *eng, struct error **err);

/* ---------- images ---------- */

/* `rmi`: what to remove. */
struct eng_rmi_opts {
	char *const *names; /* names or IDs (NULL-terminated, may be NULL with all) */
	bool all;	    /* every image, after the names */
	bool force;	    /* remove the engine's containers using an image first (an infra
			     * takes its pod along); delete an ID of several names */
	bool ignore;	    /* an image that does not exist is no error */
};
/*
 * Remove images as podman's rmi: *untagged gets every name taken off, *deleted every image
 * ID deleted, in target order (owned vectors, set even on failure). Every target is tried;
 * several failures make one error "N errors occurred:" with the last one's kind (ERR_INUSE,
 * ERR_NOSUCH, ...).
 */
int eng_image_remove(struct eng *eng, const struct eng_rmi_opts *o, char ***untagged,
		     char ***deleted, struct error **err);

/* ---------- pods: $store/pods/ID/pod.json plus an infra container ---------- */

/* When this hutch was built, in seconds since the epoch: SOURCE_DATE_EPOCH at build time,
 * else 0 (as Debian's reproducible podman). `version` shows it as Built. */
int64_t eng_built(void);
/* The pause image's name (owned): localhost/podman-pause:VERSION-BUILT, the name podman
 * gives its own, which scripts and podman's tests derive from `version`. */
char *eng_pause_image_name(void);

/*
 * A pod: containers that share the network, UTS and IPC namespaces of its infra container,
 * whose process is `hutch-init --pause` from the pause image (eng_pause_image_name, built
 * on first use; pods of earlier versions have an imageless infra), with the pod's network
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

/* A pod create request, as given (hutch pod create's flags); NULL: not given. */
struct eng_pod_create_req {
	const char *name;	   /* NULL: generated */
	const char *hostname;	   /* NULL: the pod's name */
	const char *network;	   /* slirp4netns[:opts], pasta[:args] or none; NULL: slirp4netns */
	char *const *publish;	   /* "[ip:][hostport:]port[/proto]" on the infra; host ports
				 * picked now */
	char *const *labels;	   /* KEY=VAL */
	const char *share;	   /* namespaces the members share: "ipc,uts", "+pid" (added to the
			       * default uts,ipc,net), "none"; NULL: uts, ipc and net. The
			       * network is always the infra's (hutch gives members none of
			       * their own). */
	const char *exit_policy;   /* continue (NULL) or stop: the infra stops with the last
				  * member */
	const char *infra_name;	   /* NULL: ID12-infra */
	bool no_infra;		   /* --infra=false: no infra container, the members share
				  * nothing (each has its own namespaces) */
	const char *infra_image;   /* NULL: containers.conf's [engine] infra_image, else the
				    * pause image; the infra runs this image (pulled when
				    * missing) */
	const char *infra_command; /* with infra_image: the infra's entrypoint */
	/* --infra-conmon-pidfile: each start of the infra writes its monitor's pid there */
	const char *infra_conmon_pidfile;
	bool replace;		     /* a pod of that name is removed first */
	char *const *create_command; /* the command line, as given (podman's CreateCommand) */
};

/* Create the pod record and its infra container (not started). *out owned. A name in
 * use is EEXIST. */
int eng_pod_create(struct eng *eng, const struct eng_pod_create_req *r, struct eng_pod **out,
		   struct error **err);
/* Whether the pod's members share its infra's namespace ns ("uts", "ipc", "net", "pid",
 * "cgroup"). */
bool eng_pod_shares(const struct eng_pod *p, const char *ns);
/* By full name, full ID or unique ID prefix; ENOENT "no pod with name or ID ..." otherwise. */
int eng_pod_lookup(struct eng *eng, const char *name_or_id, struct eng_pod **out,
		   struct error **err);
/* All pods, oldest first. */
int eng_pod_list(struct eng *eng, struct eng_pod ***out, size_t *n, struct error **err);
/* The pod's containers, the infra first (owned records, free with eng_ctr_list_free). */
int eng_pod_containers(struct eng *eng, const struct eng_pod *p, struct eng_ctr ***out, size_t *n,
		       struct error **err);
/* Start the infra (when it does not run), then every other container of the pod. */
int eng_pod_start(struct eng *eng, struct eng_pod *p, struct error **err);
/* Stop the pod's containers, then its infra (timeout as eng_ctr_stop). */
int eng_pod_stop(struct eng *eng, struct eng_pod *p, long timeout, struct error **err);
/* Send sig to every running container of the pod, the infra last; none running is an
 * error. */
int eng_pod_kill(struct eng *eng, struct eng_pod *p, int sig, struct error **err);
/* `pod top`: eng_ctr_top of each running container of the pod, one header row first (owned
 * vector in *rows); an error when none runs. */
int eng_pod_top(struct eng *eng, struct eng_pod *p, char *const *descriptors, char ***rows,
		struct error **err);
/* Remove the pod with its containers; running ones only with force. */
int eng_pod_remove(struct eng *eng, struct eng_pod *p, bool force, struct error **err);
/* What the engine knows of a pod, for front ends to shape: Id, Name, Created, Status,
 * Hostname, Labels, InfraId, Network, ExitPolicy, SharedNamespaces, Ports (the infra's, as in
 * the container record) and
 * Containers [{Id, Name, State}], owned. */
struct json_object *eng_pod_inspect(struct eng *eng, struct eng_pod *p);
/* podman's state of a pod whose containers are v: Created (none started), Running (all
 * run), Degraded (some run) or Exited. */
const char *eng_pod_status(struct eng_ctr *const *v, size_t n);
/* The pod's labels (a borrowed JSON object of strings, or NULL when there are none). */
struct json_object *eng_pod_labels(const struct eng_pod *p);

/* Finish the removals that were cut short (a containers/.trash-ID whose monitor is gone
 * and whose lock is free: its rm or exit command was killed) and drop the containers/.tmp-ID
 * of creates that were; container prune, rm and create call it. */
void eng_ctr_purge_trash(struct eng *eng);

/*
 * The monitor's exit command: record the exit, delete the runtime state, and then --rm
 * or --restart. Runs inside the container's user namespace. unlisted: the monitor took a
 * --rm container out of the store already (its record is gone), and the rest of the
 * removal is ours.
 */
int eng_ctr_cleanup(struct eng *eng, const char *id, bool unlisted, struct error **err);

/*
 * The `info` document: host (arch, kernel, user with subid ranges, newuidmap, cgroup
 * version and delegated controllers, slirp4netns and pasta), store (graphRoot, runRoot,
 * whether native overlay and fuse-overlayfs work, and why not; graphDriverName, the driver
 * the handle's store uses, and graphDriverRequested, one asked for that it lacks),
 * prerequisites and version. Owned; NULL with *err when the subid ranges or the store's
 * paths cannot be read.
 */
struct json_object *eng_info(struct eng *eng, struct error **err);
/* ---------- secrets (secret.c) ---------- */

struct eng_secret_create_req {
	const char *name; /* 1-64 of [a-zA-Z0-9_.-], starting and ending alphanumeric */
	const void *data; /* the content: 1 byte to 500 KiB */
	size_t len;
	const char *driver;	  /* NULL or "file" */
	char *const *driver_opts; /* KEY=VAL, kept in the record */
	char *const *labels;	  /* KEY=VAL */
};

/* Store a new secret (0600, under secrets.lock); *id (owned) is its 25-hex-digit ID. A name
 * in use: "NAME: secret name in use". */
int eng_secret_create(struct eng *eng, const struct eng_secret_create_req *r, char **id,
		      struct error **err);
/* podman's document of a secret (ID, CreatedAt, UpdatedAt, Spec {Name, Driver, Labels}),
 * never its content; owned. ERR_NOSUCH when there is none. */
struct json_object *eng_secret_inspect(struct eng *eng, const char *name_or_id, struct error **err);
/* Every secret's document, oldest first (an owned array). */
struct json_object *eng_secret_list(struct eng *eng);
/* The documents that pass the filters (name= a regular expression, id= a prefix; one
 * key's filters ORed, keys ANDed); *out owned. */
int eng_secret_query(struct eng *eng, char *const *filters, struct json_object **out,
		     struct error **err);
/* Remove a secret (containers that use it fail their next start, as podman's); *id owned. */
int eng_secret_remove(struct eng *eng, const char *name_or_id, char **id, struct error **err);

/* ---------- systemd units (sdunit.c): podman's `generate systemd` ---------- */

/* What `generate systemd` asks for; NULL, false or 0: not given. */
struct eng_sdunit_opts {
	bool new_ctr;		      /* --new: the unit creates (and removes) the container */
	bool use_name;		      /* --name: names in unit names and commands, not IDs */
	bool no_header;		      /* no "autogenerated" line and no date */
	bool template_unit;	      /* NAME@.service, %i in names (containers only) */
	const char *restart_policy;   /* no | on-success | on-failure (NULL) | on-abnormal |
				     * on-watchdog | on-abort | always */
	long restart_sec;	      /* RestartSec=; 0: none */
	long start_timeout;	      /* TimeoutStartSec=; 0: none */
	long stop_timeout;	      /* the stop's -t ... */
	bool stop_timeout_set;	      /* ... when set; else the container's */
	const char *container_prefix; /* NULL: "container" */
	const char *pod_prefix;	      /* NULL: "pod" */
	const char *separator;	      /* NULL: "-" */
	char *const *wants, *const *after, *const *requires; /* unit names */
	char *const *env;				     /* KEY=VALUE, Environment= */
	const char *executable; /* the program the units run (the front end's own) */
	time_t now;		/* the header's date */
	/*
	 * The front end's grammar of the command that created the container (cmd: "run",
	 * "create" or "pod create"): 1 when option opt ("--name", "-e") takes a value, 0
	 * when it takes none, -1 when cmd has no such option. --new rewrites the recorded
	 * command line with it.
	 */
	int (*option_arity)(const char *cmd, const char *opt);
};

/* One unit: its file name ("container-web.service") and its text. */
struct eng_sdunit {
	char *name;
	char *text;
};

/*
 * The systemd units of a container, or of a pod (its unit first, then one per member),
 * as podman 4.3.1's generate systemd writes them. *units owned (eng_sdunits_free). Errors
 * in podman's words: no such container or pod (ERR_NOSUCH), a bad restart policy, --new
 * on a container created without a command line, --template for a pod.
 */
int eng_sdunits(struct eng *eng, const char *name_or_id, const struct eng_sdunit_opts *o,
		struct eng_sdunit **units, size_t *n, struct error **err);
void eng_sdunits_free(struct eng_sdunit *units, size_t n);

/* ---------- build: the Containerfile parser (oci/engine/buildfile.c) ---------- */

/* A heredoc of an instruction: <<NAME (expand: unquoted), <<-NAME (chomp: leading tabs of
 * the body's lines dropped). body is the lines up to NAME, each with its newline. */
struct eng_bf_heredoc {
	char *name;
	char *body;
	bool expand, chomp;
};

/* One instruction as written: keyword in upper case; its leading --flags (RUN, COPY, ADD,
 * FROM, HEALTHCHECK) as given; args the rest, raw (continuations joined, no substitution);
 * json the exec form when args is a JSON array of strings (RUN, CMD, ENTRYPOINT, SHELL,
 * COPY, ADD, VOLUME), else NULL; original the whole instruction on one line; line where it
 * starts. ONBUILD: onbuild is the trigger instruction, parsed. */
struct eng_bf_instr {
	char *cmd;
	char **flags;
	char *args;
	char **json;
	struct eng_bf_heredoc *heredocs;
	size_t n_heredocs;
	char *original;
	int line;
	struct eng_bf_instr *onbuild;
};

/* A parsed Containerfile; escape is the escape character ('\\' or '`'), syntax the
 * `# syntax=` directive (NULL when none). */
struct eng_bf {
	struct eng_bf_instr *v;
	size_t n;
	char escape;
	char *syntax;
};

/* Parse text (len bytes; file names it in errors: "FILE:LINE: unknown instruction: X").
 * *out is cleared on failure, else owned (eng_bf_clear). */
int eng_bf_parse(const char *text, size_t len, const char *file, struct eng_bf *out,
		 struct error **err);
void eng_bf_clear(struct eng_bf *b);

/* A variable's value (borrowed) or NULL when unset. */
typedef const char *(*eng_bf_lookup)(void *arg, const char *name);
struct eng_bf_expand {
	char escape;	      /* 0: '\\' */
	eng_bf_lookup lookup; /* the build's ARG and ENV values */
	void *arg;
	const char *file; /* for errors, with line */
	int line;
};
/* Docker's word processing: quotes removed, the escape character honoured, $VAR, ${VAR},
 * ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w}, ${VAR:?msg} substituted (values never split).
 * split: words at unquoted blanks; else one word of the whole. *words owned. */
int eng_bf_words(const char *s, const struct eng_bf_expand *e, bool split, char ***words,
		 struct error **err);
/* Blank-separated words with their quotes kept (ENV and LABEL pairs), owned vector. */
char **eng_bf_split_raw(const char *s, char esc);

/* ---------- build (oci/engine/build.c) ---------- */

/* `build`'s request, as given; NULL, false or 0: not given. */
struct eng_build_opts {
	const char *context;	 /* the context dir; NULL: none (an empty one) */
	const char *file;	 /* NULL: CONTEXT/Containerfile, else CONTEXT/Dockerfile */
	int file_fd;		 /* >= 0: the Containerfile is read from this fd (borrowed) */
	char *const *tags;	 /* names for the final image */
	char *const *build_args; /* K=V, or K for the caller's environment's value */
	char *const *labels;	 /* K=V added to the final image */
	char *const *secrets;	 /* id=ID,src=PATH: for RUN --mount=type=secret,id=ID */
	const char *target;	 /* the last stage to build (name); NULL: the last */
	bool no_cache;
	const char *pull; /* always | missing | never | newer; NULL: missing */
	bool tls_verify, tls_verify_set;
	bool quiet;		    /* progress of pulls and steps not shown */
	bool docker;		    /* the docker format, else OCI */
	const char *network;	    /* RUN's network mode; NULL: the engine's default */
	const char *platform;	    /* os/arch[/variant]; NULL: the host's */
	const struct eng_stdio *io; /* STEP lines and RUN output (out, err) */
	const struct storage_progress_sink *progress; /* pulls */
};
/*
 * Build the Containerfile: each instruction a step whose image comes from the layer cache
 * or is made (RUN: a container of the engine, its upper dir the layer; COPY and ADD: the
 * files copied into a working rootfs; the rest: the config alone, an empty_layer history
 * entry). *image_id (owned) is the final image's ID. A failing RUN: an error whose message
 * is podman's, and *run_status its exit status (else 0).
 */
int eng_build(struct eng *eng, const struct eng_build_opts *o, char **image_id, int *run_status,
	      struct error **err);
