/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared inside oci/engine/: record helpers, locks, paths of the helper programs. Files
 * point one way: create.c (requests, the rules of create and run) is the top; it calls
 * record.c, ops.c, volume.c and pod.c, none of which calls it.
 */
#pragma once

#include "oci/engine.h"

/* The engine handle (see oci/engine.h). */
struct eng {
	struct storage *store;
	char *storage_driver;	  /* as opened with; NULL: storage.conf's or auto */
	char *bad_driver;	  /* any_driver: why storage_driver could not be used */
	char *root;		  /* the store as opened with (--root); NULL: the default */
	char *run_root;		  /* $XDG_RUNTIME_DIR/hutch/runtime, once looked up */
	int names_fd;		  /* containers.lock while held, else -1 */
	unsigned names_depth;	  /* its nesting */
	struct json_tokener *tok; /* the record parser, made on first use */
	char **runtime_flags;	  /* eng_open_opts.runtime_flags, owned */
	struct ctr_conf *conf;	  /* containers.conf, read on first use (conf.c) */
};
#include "lib/json.h"

/* Runtime state root for hutch's containers: $XDG_RUNTIME_DIR/hutch/runtime (owned). */
char *ctr_runtime_root(struct eng *eng, struct error **err);
/* An image ref "docker-archive:PATH" or "oci-archive:PATH": the archive loaded, *img its
 * image (owned), the copy reported to progress (NULL: silent); 1. 0 for any other ref. */
int ctr_image_from_archive(struct eng *eng, const char *ref,
			   const struct storage_progress_sink *progress, struct storage_image **img,
			   struct error **err);
/*
 * containers.conf (oci/engine/conf.c): *value is the string or scalar of key in table
 * ("engine", "infra_image"), borrowed from the handle, or NULL when no file sets it. The
 * files are read at the first call; an unreadable or malformed one is an error.
 */
int ctr_conf_get(struct eng *eng, const char *table, const char *key, const char **value,
		 struct error **err);
/* The same for an array of strings (default_capabilities, env): *list borrowed, or NULL. */
int ctr_conf_get_list(struct eng *eng, const char *table, const char *key, char *const **list,
		      struct error **err);
/* The file and line that set table.key (borrowed; NULL and 0 when none did). */
int ctr_conf_origin(struct eng *eng, const char *table, const char *key, const char **file,
		    int *line);
/* `info`'s containersConf: {files: [read, in order], settings: {"table.key": {value,
 * file: "PATH:LINE"}}} for the keys hutch applies; owned. */
struct json_object *ctr_conf_info(struct eng *eng, struct error **err);
void ctr_conf_free(struct eng *eng);
/*
 * containers.conf's defaults for a new container: [containers] netns (the network mode
 * when none is given and it is not in a pod; "private" is the default, slirp4netns),
 * log_driver (json-file is k8s-file; journald, which hutch lacks, k8s-file with a
 * warning), log_size_max (bytes; 0 or less: none), default_capabilities (CAP_ names,
 * owned), env (borrowed); [network] default_network for "bridge". Values are checked,
 * errors name the file and line. Strings borrowed from the handle.
 */
struct ctr_conf_defaults {
	const char *log_driver, *network;
	uint64_t log_max_size;
	char **caps;
	char *const *env;
};
int ctr_conf_defaults(struct eng *eng, const char *network, bool in_pod,
		      struct ctr_conf_defaults *d, struct error **err);
void ctr_conf_defaults_clear(struct ctr_conf_defaults *d);
/* The pause image a pod's infra runs by default, built when missing (oci/engine/infra.c);
 * *name (owned) is its name, eng_pause_image_name's. */
int ctr_pause_image(struct eng *eng, char **name, struct error **err);
/* podman's default network, always listed, never removed (oci/engine/network.c). */
#define CTR_NET_DEFAULT "podman"
/* networks.lock: exclusive for create, rm and prune (an fd to close, or -1). */
int ctr_net_lock(struct eng *eng, bool excl, struct error **err);
/* Does a container's --network value (one name or several, comma-separated) name net?
 * (netrm.c) */
bool ctr_net_list_has(const char *mode, const char *net);
/* The state of the user's shared network namespace: RUNTIME/hutch/netns (owned). */
char *ctr_netns_dir(struct eng *eng, struct error **err);
/*
 * A container on user-defined networks (oci/engine/netuse.c). ctr_net_check: at create,
 * every network named must exist. ctr_net_attach: at start, join the shared network
 * namespace (*holder: the process whose user namespace the container runs in), lease the
 * addresses, write the /etc files into run and give netavark's input (*input, owned) for
 * ctr_net_setup, which the launcher runs once the container's init exists.
 * ctr_net_detach: netavark's teardown and leaving the namespace (the last one out stops
 * it); a no-op for a container that is on no network. Warnings only.
 */
int ctr_net_check(struct eng *eng, const char *names, struct error **err);
int ctr_net_attach(struct eng *eng, const struct eng_ctr *c, const char *run, const char *pause,
		   pid_t *holder, char **input, struct error **err);
int ctr_net_setup(const char *netns_dir, pid_t holder, pid_t init, const char *id,
		  const char *input, const char *run, struct error **err);
void ctr_net_detach(struct eng *eng, const char *id);
/* --ip and --mac-address (or connect's) as podman checks them: ERR_USAGE when bad. */
int ctr_net_opts_check(const char *ip, const char *mac, struct error **err);
/* The record's options for network name (NetworkOpts: Aliases, IPAddress, MacAddress) or
 * NULL (borrowed). */
struct json_object *ctr_net_opts(const struct eng_ctr *c, const char *name);
/*
 * network connect/disconnect/reload on a running container (netuse.c): netavark's setup
 * or teardown of network name alone in its network namespace, its lease, the input kept
 * for the final teardown, networks.json and its /etc/hosts and resolv.conf (in place).
 * c is the record as it is to be (connect: name added; disconnect: name gone). A container
 * with nothing set up (not running) is left alone, 0. Reload tears down and sets up all of
 * them again with the same addresses and MACs; an error when nothing is set up.
 */
int ctr_net_live_add(struct eng *eng, const struct eng_ctr *c, const char *name,
		     struct error **err);
int ctr_net_live_remove(struct eng *eng, const struct eng_ctr *c, const char *name,
			struct error **err);
int ctr_net_live_reload(struct eng *eng, const struct eng_ctr *c, struct error **err);
/* For inspect: {NAME: {Gateway, IPAddress, IPPrefixLen, MacAddress, Aliases}} of a
 * container on user-defined networks (addresses only while it runs), or NULL. */
struct json_object *ctr_net_status(struct eng *eng, const struct eng_ctr *c);
/* `info`'s prerequisites: { NAME: { ok, state, fix } } (prereq.c). */
struct json_object *ctr_info_prereqs(struct eng *eng, const char *store, const char *run);
/* Before a start: pin the store's runtime dir (lib/paths.c) and use it from now on. */
int ctr_run_root_pin(struct eng *eng, struct error **err);
/* config.json's /etc binds (resolv.conf, hosts, hostname) into run, the run dir of this
 * start: the one at create time may not be the store's now (the pin, a reboot). */
int ctr_etc_binds_update(struct eng *eng, const char *id, const char *run, struct error **err);
/* --userns keep-id's user, as the CLI knows it (keepid.c). */
struct ctr_keepid_user {
	uid_t uid;
	gid_t gid;
	char name[256]; /* "" when it has none */
	char home[1024];
};
void ctr_keepid_user_get(struct ctr_keepid_user *u);
/* Add u to the /etc/passwd and /etc/group of the rootfs at rootfd, as podman's keep-id
 * does, unless they have its name or id already (or are missing, or no regular files). */
int ctr_keepid_etc(int rootfd, const struct ctr_keepid_user *u, struct error **err);
/* --hostuser: the host's passwd entries for c's HostUsers (names or UIDs), home the
 * container's working directory, as podman's; *out owned. An unknown user is ERR_INVOKE, in
 * podman's words. */
int ctr_hostusers_get(const struct eng_ctr *c, struct ctr_keepid_user **out, size_t *n,
		      struct error **err);
/* Add u's passwd entry to the rootfs's /etc/passwd unless it has its name or uid already. */
int ctr_hostuser_etc(int rootfd, const struct ctr_keepid_user *u, struct error **err);
/* keep-id: fuse-overlayfs's uidmapping and gidmapping (owned) that show the rootfs's owners
 * as the container's nested user namespace maps them (from its config.json); false when it
 * has no mappings. */
bool ctr_keepid_idmap(struct eng *eng, const struct eng_ctr *c, char **uids, char **gids);
/*
 * An OCI runtime binary run by the launcher instead of the library's create (rtexec.c): a
 * container with --runtime, or a handle with runtime flags. Only hutch-runtime (or a copy)
 * will do: the rest of a container's life reads the runtime's state with the library.
 */
struct ctr_rt {
	const char *path;
	char *const *flags; /* global flags without their dashes, or NULL */
	const char *log;    /* --log FILE (json), where its error is read back */
};
/* --runtime at create: a path or name that is hutch-runtime (its --version says so). */
int ctr_rt_check(const char *runtime, struct error **err);
/* `create`: the init's pid in *init, a child of ours once the runtime exits (the caller is a
 * subreaper); stdio and fds 3 .. 3+preserve_fds-1 are the container's. keep_fd stays open
 * in the runtime (the console socket's directory). Errors: the runtime's own message. */
int ctr_rt_create(const struct ctr_rt *rt, const char *root, const char *id, const char *bundle,
		  const char *console, int preserve_fds, int keep_fd, const char *pid_file,
		  pid_t *init, struct error **err);
/* `start`: the created container's process runs. */
int ctr_rt_start(const struct ctr_rt *rt, const char *root, const char *id, struct error **err);
/* Take the container's lock (flock on containers/ID/lock); returns the fd to close. */
int ctr_lock(struct eng *eng, const char *id, struct error **err);
/*
 * Take containers.lock, which serialises creation, renames and the name index: the hold's
 * rc is 0, or -1 with *err. Nests within one handle (create --replace removes a container,
 * and removal drops its index entry): the depth is the handle's, not the process's. Take
 * it before a container's own lock, never while holding one.
 */
struct ctr_names_hold {
	struct eng *eng;
	int rc;
};
struct ctr_names_hold ctr_names_lock(struct eng *eng, struct error **err);
/* Release it when h->rc is 0. */
void ctr_names_unlock(struct ctr_names_hold *h);
#define autonames __attribute__((cleanup(ctr_names_unlock)))
/* Now, RFC 3339 with nanoseconds (owned). */
char *ctr_now(void);
/* Largest record file read (bytes). */
#define CTR_JSON_MAX (1 << 24)
/* In the run dir: stopped on purpose, when state.json could not say so (a full disk). */
#define CTR_STOPPED_MARK OCI_STOPPED_FILE
/*
 * A container's record from the containers dir cdir (an fd on ROOT/containers, or
 * AT_FDCWD), NULL when it has none. brief: its doc holds only what ps shows (see
 * eng_ctr_list_brief), from state.json, or brief.json or hutch.json in stores of older
 * versions. Either is converted to the current schema in memory (ctr_record_upgrade) and
 * decoded into the typed fields.
 */
struct eng_ctr *ctr_load(struct eng *eng, int cdir, const char *id, bool brief);
/*
 * upgrade.c, the one place that knows the records of older versions: is doc (a hutch.json,
 * or a brief record with the state beside it) in an older version's shape? And doc in the
 * current schema (takes doc, returns an owned one; doc itself when current, NULL for NULL).
 */
bool ctr_record_is_old(struct json_object *doc);
struct json_object *ctr_record_upgrade(struct json_object *doc);
/* Is s a run of at most max lowercase hex digits (an ID or a prefix of one)? */
bool ctr_is_id(const char *s, size_t max);
/* Re-read c->state from the files. */
void ctr_state_load(struct eng *eng, struct eng_ctr *c);
/* Is pid a live process running the program named comm (cut at 15 characters)? */
bool ctr_pid_alive(pid_t pid, const char *comm);
/* Is pid a live process that started at start (/proc/PID/stat field 22; 0: unknown, no)? */
bool ctr_init_alive(pid_t pid, unsigned long long start);
/* A container found unsettled (see struct eng_ctr_state) is settled: its exit recorded
 * (code unknown), the runtime state deleted, --rm or --restart applied; *c is reloaded
 * (NULL when --rm removed it). Call it holding no lock. */
void ctr_settle(struct eng *eng, struct eng_ctr **c);
/* The same, c left as it is (its state as loaded). */
void ctr_settle_keep(struct eng *eng, const struct eng_ctr *c);
/* The pid in a pid file; 0 when it cannot be read. */
pid_t ctr_read_pid(const char *path);
/* Write state.json with status "created", "running" or "exited", and the brief record read
 * from hutch.json. Under the container's lock. */
int ctr_state_write(struct eng *eng, const char *id, const struct eng_ctr_state *st,
		    const char *status, bool stopped_by_user, struct error **err);
/* Stopped on purpose (StoppedByUser in state.json, or the run dir's mark when state.json
 * could not be written); ctr_stopped_by_user_mark sets the mark. */
bool ctr_stopped_by_user(struct eng *eng, const char *id);
void ctr_stopped_by_user_mark(struct eng *eng, const char *id);
/* After a change of the record doc (rename): rewrite state.json's brief record from it,
 * keeping the state, and drop an older version's brief.json. Under the container's lock. */
int ctr_brief_update(struct eng *eng, const char *id, struct json_object *doc, struct error **err);
/*
 * The name index, containers/by-name/NAME -> ID (symlinks): a hint, the records are the
 * truth. ctr_by_name finds the container named name (full record, owned) or NULL; it builds
 * the index when the store has none (under containers.lock, if no other process holds it:
 * it never waits for it), or scans the records when it cannot. ctr_name_set points name at
 * id; ctr_name_drop removes name's entry if it points at id. Both take containers.lock
 * (nested when held).
 */
struct eng_ctr *ctr_by_name(struct eng *eng, const char *name);
int ctr_name_set(struct eng *eng, const char *name, const char *id, struct error **err);
void ctr_name_drop(struct eng *eng, const char *name, const char *id);
/* ctr_name_drop; without wait, false (and nothing done) when containers.lock is busy. */
bool ctr_name_drop_try(struct eng *eng, const char *name, const char *id, bool wait);
/* The index entry of name and the lock it is written under (owned): what a --rm
 * container's monitor needs to drop the entry itself. */
void ctr_name_paths(struct eng *eng, const char *name, char **entry, char **lock);
/* "ctrl-p,ctrl-q" -> "\x10\x11" (attach and exec -it); the length, or -1 when malformed. */
int ctr_parse_detach_keys(const char *spec, char *out, size_t max);
/* Stream an attach connection (fd, owned) to o->io until the container exits. */
int ctr_attach_fd(struct eng_ctr *c, int fd, const struct eng_ctr_start_opts *o, int *status,
		  bool *detached, struct error **err);
/* The container's published ports as the record stores them (Ports). */
struct json_object *ctr_ports_json(const struct net_port *p, size_t n);
/* A copy of c->ports (*out owned). */
int ctr_ports_get(const struct eng_ctr *c, struct net_port **out, size_t *n);
/* Take volumes.lock (shared, or exclusive for rm and prune: see volume.c); the fd to close,
 * or -1 with *err. Taken before containers.lock, never while holding it. */
int ctr_vol_lock(struct eng *eng, bool excl, struct error **err);
/* Remove a volume's directory (or what a killed command left of one) as root in the user
 * namespace: its data may hold files of subordinate ids. */
int ctr_vol_rm_dir(const char *dir, struct error **err);

/* A tar stream of the tree at startfd (an O_PATH fd; links never followed below it), its
 * top entry named top ("." for the contents of a directory), written to out_fd. */
int ctr_tar_write(int startfd, const char *top, int out_fd, struct error **err);
/* How ctr_tar_extract makes what a stream holds. */
struct ctr_tar_opts {
	/* Into a container: the entries' uid/gid (where mapped in the user namespace), or
	 * uid:gid with chown (podman's --archive), and modes as they are; else onto the host,
	 * as the user's files and never setuid or setgid (what GNU tar does for a user: such a
	 * file would run as the user for anyone). */
	bool into_ctr, chown;
	uid_t uid;
	gid_t gid;
	/* A directory may replace a non-directory and the other way round (--overwrite);
	 * else that is an error in podman's words. */
	bool overwrite;
	/* The target directory as messages name the entries below it: its path in the
	 * container, "" on the host (podman's copier: "/tmp/foo", "/foo"). */
	const char *label;
	/* The stream's top entry rename_from becomes rename_to ("." for the contents). */
	const char *rename_from, *rename_to;
	/* A directory as the first entry is refused: the destination is a file. */
	bool top_not_dir;
	/* A stream the user gave (cp - CTR:DIR): missing parents are made and a stream that
	 * is no tar archive is said to be one. */
	bool from_stdin;
	bool make_parents;
};
/* Extract a tar stream into the directory tdir; entries never leave it (RESOLVE_BENEATH). */
int ctr_tar_extract(int in_fd, int tdir, const struct ctr_tar_opts *o, struct error **err);

/* Called as root in the container's user namespace with an O_PATH fd on its root. */
typedef int (*ctr_root_fn)(int rootfd, void *arg, struct error **err);
/*
 * Run fn in a child that is root in the container's user namespace: a running container's
 * root through its init (/proc/PID/root), a stopped one's rootfs mounted in a fresh user and
 * mount namespace (under the container's lock, so it cannot start meanwhile).
 */
int ctr_with_root(struct eng *eng, struct eng_ctr *c, ctr_root_fn fn, void *arg,
		  struct error **err);
/* A generated adjective_surname name (owned). */
char *ctr_new_name(void);
/* podman's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, under 254 characters. */
bool ctr_valid_name(const char *n);
/* Copy the tree at srcfd (O_PATH) into tdir as a tar stream between two processes. */
int ctr_tar_copy(int srcfd, const char *top, int tdir, const struct ctr_tar_opts *o,
		 struct error **err);
/* volstore.c: $store/volumes/NAME (owned); its stored volume.json (owned; made up for one
 * without it; NULL: no such volume); a boolean of it (dflt when absent); the IDs of the
 * containers whose records mount it (owned, maybe empty); deleting it as root in the user
 * namespace. */
char *ctr_vol_dir(struct eng *eng, const char *name);
struct json_object *ctr_vol_stored(struct eng *eng, const char *name);
bool ctr_vol_flag(struct json_object *st, const char *key, bool dflt);
char **ctr_vol_users(struct eng *eng, const char *name, const char *mountpoint);
int ctr_vol_delete(struct eng *eng, const char *name, struct error **err);
/* Delete those of names that are anonymous volumes no container uses, under volumes.lock
 * (without wait: nothing when it is busy, for callers that may hold containers.lock). */
int ctr_vol_remove_anon(struct eng *eng, char *const *names, bool wait, struct error **err);
/* Whether the container's record mounts an anonymous volume. */
bool ctr_has_anon_volumes(struct eng *eng, const struct eng_ctr *c);
/* -v SRC:DST:U: chown each such source whose top the container's user does not own to that
 * user, recursively, as root in the user namespace (at each start, as podman). */
int ctr_vol_chown(struct eng *eng, struct eng_ctr *c, struct error **err);
/* Fill each empty named volume among mounts from the image's files at its destination
 * (as root in the user namespace, ownership kept); a no-op when none is empty. */
int ctr_vol_fill(struct eng *eng, struct eng_ctr *c, const struct oci_volume *mounts, size_t n,
		 struct error **err);

/*
 * A container that shares another's namespaces (--network container:ID, a pod member):
 * find the target (a pod's infra is started when it does not run; any other target must
 * run), point config.json's network namespace (for pods also uts and ipc) at the target's
 * init, and write the /etc files into run from the target's. *userns_pid is the target's
 * monitor, whose user namespace owns those namespaces.
 */
int ctr_join_prepare(struct eng *eng, struct eng_ctr *c, const char *target, const char *run,
		     pid_t *userns_pid, struct error **err);
/* eng_ctr_remove without its checks for dependents and infra containers (pod rm). */
int ctr_remove(struct eng *eng, struct eng_ctr *c, bool force, struct error **err);
/* 64 random hex digits (owned). */
char *ctr_new_id(void);

/*
 * The engine's resolved plan for a new container, what eng_ctr_create makes of a request
 * (create.c) and pod creation fills for an infra: every value checked, the image found,
 * host ports assigned, volumes created, the user resolved. record.c writes it.
 */
struct eng_ctr_create_opts {
	const char *name; /* NULL: generated, like podman's adjective_surname */
	const struct storage_image *image;
	const char *image_name;	 /* the name it resolved to (ImageName) */
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
	char **network_aliases; /* NetworkAliases */
	struct json_object
	    *network_opts; /* NetworkOpts: {NAME: {Aliases, IPAddress, MacAddress}} */
	/* Pods: the pod's ID for a container that joins it (network must then be
	 * "container:INFRA_ID"); infra for the pod's own infra container, which has no image
	 * (image NULL): its rootfs is an empty directory in its store dir. */
	const char *pod;
	bool infra;
	char *const *create_command;  /* the caller's command line, or NULL */
	long timeout;		      /* --timeout: seconds; 0: none */
	const char *conmon_pidfile;   /* absolute, or NULL */
	char **hostusers;	      /* --hostuser, as given */
	const char *runtime;	      /* --runtime as given, checked; NULL: the library */
	struct eng_ctr_health health; /* test NULL: none */
	const char *sdnotify;	      /* as given, or NULL */
	struct json_object *secrets;  /* the record's Secrets (ctrsecret.c), or NULL */
	const char *cgroups;	      /* --cgroups, checked; NULL: enabled */
};

/* Create the container a plan describes: storage, record and config.json (create.c). */
int ctr_create(struct eng *eng, const struct eng_ctr_create_opts *o, struct eng_ctr **out,
	       struct error **err);
/* config.json, state.json and hutch.json in the new container's dir (record.c). */
int ctr_write_files(struct eng *eng, const char *id, const char *name,
		    const struct eng_ctr_create_opts *o, struct error **err);
/* A pod's store dir (owned), and its record from pod.json (NULL when it has none). */
char *ctr_pod_dir(struct eng *eng, const char *id);
struct eng_pod *ctr_pod_load(struct eng *eng, const char *id);

/* Below exit.c: a lookup, a wait and a stop that do not settle an end nobody recorded (see
 * ctr_settle). ctr_find is eng_ctr_lookup without it; ctr_wait waits for the end; ctr_stop
 * returns 1 when it saw the end itself, 0 when the container was not running. */
int ctr_find(struct eng *eng, const char *name_or_id, struct eng_ctr **out, struct error **err);
/* Containers that share c's network namespace (owned names, or IDs with ids; NULL when
 * none). */
char **ctr_dependents(struct eng *eng, const struct eng_ctr *c, bool ids);
int ctr_wait(struct eng_ctr *c, int *status, struct error **err);
int ctr_stop(struct eng_ctr *c, long timeout, struct error **err);
/* The rest of a removal after the rename to the trash (ops.c); wait: for the trash's lock. */
int ctr_finish_unlisted(struct eng *eng, const char *id, bool wait, struct error **err);

/* ---------- secrets (secret.c, ctrsecret.c) ---------- */

/* A secret's stored record by name, ID or unique ID prefix (owned); ERR_NOSUCH "no secret
 * with name or id". */
struct json_object *ctr_secret_find(struct eng *eng, const char *name_or_id, struct error **err);
/* A secret's content (owned; the caller wipes it). */
int ctr_secret_data(struct eng *eng, const char *id, char **data, size_t *len, struct error **err);
/* --secret values into the record's Secrets entries (*out owned; NULL when none). */
int ctr_secrets_plan(struct eng *eng, char *const *specs, struct json_object **out,
		     struct error **err);
/* At each start: the copies of mount secrets in run/secrets and their binds, env secrets in
 * config.json's process. */
int ctr_secrets_prepare(struct eng *eng, const struct eng_ctr *c, const char *run,
			struct error **err);
/* In the launcher (root in the user namespace): the owners --secret uid=/gid= ask for. */
int ctr_secrets_chown(const struct eng_ctr *c, int run_dirfd, struct error **err);

/* ---------- healthchecks (healthcfg.c, health.c) ---------- */

/* The healthcheck a request asks for (--health-*, else the image's HEALTHCHECK), checked
 * with podman's messages; *h owned (ctr_health_clear). */
int ctr_health_plan(const struct eng_ctr_create_req *r, const struct storage_image *img,
		    struct eng_ctr_health *h, struct error **err);
void ctr_health_clear(struct eng_ctr_health *h);
/* Add Healthcheck, HealthcheckOnFailureAction and SdNotify to a record. */
void ctr_health_record(struct json_object *doc, const struct eng_ctr_health *h,
		       const char *sdnotify);
/* c->health and c->sdnotify from c->doc. */
void ctr_health_decode(struct eng_ctr *c);
/* The monitor's --health-* arguments for c (none without a healthcheck): runtime is the
 * hutch-runtime program (NULL: none found, no checks), root its state root. */
void ctr_health_monitor_args(const struct eng_ctr *c, const char *runtime, const char *root,
			     char ***argv);
/* --sdnotify=container: the run dir's CTR_NOTIFY_NAME directory, with the socket the
 * container's sd_notify messages go to, bound at CTR_NOTIFY_DIR; NOTIFY_SOCKET names it. */
#define CTR_NOTIFY_NAME "notify"
#define CTR_NOTIFY_DIR "/run/notify"
#define CTR_NOTIFY_SOCKET "notify.sock"
/* Add that bind and NOTIFY_SOCKET to a new container's spec (run: its run dir) when sdnotify
 * is "container"; otherwise nothing. */
void ctr_notify_spec(struct json_object *spec, const char *sdnotify, const char *run);
/* Bind the datagram socket in the run dir (run_dirfd) for the container to send to: the
 * fd (for the monitor), or -1 with err set. */
int ctr_notify_bind(int run_dirfd, struct error **err);

/* ---------- auto-update (autoupdate.c) ---------- */

/* At create: the registry policy (or its alias image) among labels needs a fully qualified
 * image reference, podman's "short name" error otherwise. */
int ctr_autoupdate_check(const char *image, char *const *labels, struct error **err);
