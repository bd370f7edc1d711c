/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json from an image and the options of `hutch run`/`create`: the process (args from
 * entrypoint and cmd, env, cwd, user, terminal), the mounts (volumes, tmpfs, the run dir's
 * resolv.conf/hosts/hostname), capabilities, seccomp, rlimits, namespaces and annotations.
 * The result is a plain OCI runtime spec that any runtime can run.
 */
#pragma once

#include "lib/lib.h"
#include "userns/userns.h"

#include "lib/json.h"

/* A -v/--volume or --mount: bind (src is a host path) or named volume (src is a name). */
enum oci_mount_kind {
	OCI_MOUNT_BIND = 0,
	OCI_MOUNT_VOLUME,
	OCI_MOUNT_TMPFS
};

struct oci_volume {
	enum oci_mount_kind kind;
	char *src; /* host path, volume name, or NULL for tmpfs */
	char *dst; /* absolute path in the container */
	bool ro;
	char *options; /* extra comma-separated mount options (tmpfs size=, bind propagation) */
	bool chown;    /* :U — chown the source to the container's user */
	char *volume;  /* the named volume this mount is (set when resolved), else NULL */
};

/*
 * Parse `-v SRC:DST[:OPTS]` (OPTS: ro, rw, z, Z, U, and the propagation modes). SRC with a
 * '/' (or starting with '.') is a host path made absolute; otherwise a named volume.
 */
int oci_volume_parse(const char *spec, struct oci_volume *out, struct error **err);
/* Parse `--mount type=bind|volume|tmpfs,src=,dst=,ro,...`. */
int oci_mount_parse(const char *spec, struct oci_volume *out, struct error **err);
/* Parse `--tmpfs DST[:OPTIONS]`. */
int oci_tmpfs_parse(const char *spec, struct oci_volume *out, struct error **err);
void oci_volume_clear(struct oci_volume *v);

/* `--ulimit nofile=1024:2048` (soft[:hard]); type is the RLIMIT_* name for config.json. */
struct oci_ulimit {
	char *type; /* "RLIMIT_NOFILE" */
	uint64_t soft, hard;
};
int oci_ulimit_parse(const char *spec, struct oci_ulimit *out, struct error **err);

/* The image config fields that matter for running it. */
struct oci_image_config {
	char **entrypoint;
	char **cmd;
	char **env;
	const char *workdir;
	const char *user;
	char **exposed_ports; /* "80/tcp" */
	char **volumes;
	const char *stop_signal;
};

struct oci_gen_opts {
	const struct oci_image_config *image;
	const char *rootfs; /* root.path */
	char **entrypoint;  /* --entrypoint (replaces the image's; "" for none) */
	bool has_entrypoint;
	char **args;	     /* operands after IMAGE: replace the image's Cmd */
	char **env;	     /* -e KEY=VAL, or KEY to take the host's value */
	char **env_files;    /* --env-file */
	char **unsetenv;     /* --unsetenv KEY: no default or image entry for KEY */
	bool unsetenv_all;   /* --unsetenv-all: no default or image entries at all */
	const char *workdir; /* -w */
	const char *home;    /* HOME unless the image or -e sets it; NULL: none */
	uid_t uid;	     /* resolved -u (or the image's User) */
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	const char *hostname;
	bool tty;
	bool read_only;
	bool privileged;
	bool no_new_privileges;
	const char *init_path; /* --init: host path of hutch-init, mounted at /run/hutch-init */
	char **cap_add, **cap_drop;
	/* containers.conf's default_capabilities (CAP_ names) and env (KEY=VALUE): the base
	 * set and the default entries in place of podman's built-in ones; NULL: those. */
	char *const *default_caps;
	char *const *default_env;
	const char *seccomp; /* NULL: the default profile; "unconfined"; or a JSON file */
	struct oci_ulimit *ulimits;
	size_t n_ulimits;
	struct oci_volume *mounts; /* resolved: volumes already turned into host paths */
	size_t n_mounts;
	char **annotations;	/* KEY=VAL */
	char **sysctls;		/* KEY=VAL */
	const char *etc_dir;	/* run dir with resolv.conf, hosts, hostname to bind, or NULL */
	const char *netns_path; /* join this network namespace; NULL: new one (or host) */
	bool host_network;	/* --network host: no network namespace */
	bool user_namespace;	/* add a user namespace with the mappings below */
	const struct userns_map *map;
};

/* Build config.json; returns a new json-c object (caller puts it) or NULL with err set. */
struct json_object *oci_spec_generate(const struct oci_gen_opts *o, struct error **err);

/* podman's default capability set for containers. */
extern const char *const oci_default_caps[];

/* The largest uid or gid hutch accepts, as podman (libcontainer) does: 2^31-1. */
#define OCI_ID_MAX 2147483647u

/*
 * A uid or gid in decimal: 0 with *out set; 1 for a number above OCI_ID_MAX (which would
 * wrap, or mean "unchanged" as (uid_t)-1 does); -1 for anything but digits (a name).
 */
int oci_id_parse(const char *s, uint32_t *out);

/*
 * Resolve `-u USER[:GROUP]` (names or numbers) against /etc/passwd and /etc/group of the
 * image: layers are its roots, topmost first (one, a running container's root, for exec).
 * Each file comes from the topmost layer that has it, never through a link out of that
 * layer, and must be a regular file. A numeric uid without an entry is fine (as in docker);
 * an unknown name, an id out of range or a bad file is an error. *groups (owned) gets the
 * groups that list the user, when no GROUP is given.
 */
int oci_user_resolve(char *const *layers, const char *spec, uid_t *uid, gid_t *gid, gid_t **groups,
		     size_t *n_groups, struct error **err);

/* The name of uid in root's /etc/passwd (read as above), or NULL. Owned string. */
char *oci_user_name(const char *root, uint32_t uid);
/* The home directory of uid in the image's /etc/passwd (layers as above; owned), or NULL
 * when it has no entry, or an empty one. */
char *oci_user_home(char *const *layers, uint32_t uid);
