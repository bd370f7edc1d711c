/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the OCI runtime (oci/runtime/): config.json decoded into plain structs
 * (spec.c), the state directory (state.c), the container init and its setup steps
 * (init.c, mounts.c, caps.c, seccomp.c, hooks.c, terminal.c, cgroup2.c) and the lifecycle
 * (container.c, exec.c). Nothing outside oci/ includes this header.
 */
#pragma once

#include "oci/oci.h"
#include "userns/userns.h"

#include "lib/json.h"
#include <stdint.h>
#include <sys/types.h>

/* ---------- config.json, decoded (spec.c) ---------- */

struct rt_rlimit {
	int resource;
	uint64_t soft, hard;
};

/* The five capability sets as bit masks; caps the kernel does not know are dropped. */
struct rt_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct rt_process {
	char **args; /* non-empty */
	char **env;
	char *cwd; /* absolute */
	uint32_t uid, gid;
	uint32_t *gids; /* additionalGids */
	size_t n_gids;
	bool has_umask;
	mode_t umask;
	bool terminal;
	bool has_console_size;
	unsigned short rows, cols;
	bool has_caps;
	struct rt_caps caps;
	struct rt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor;
	char *selinux;
};

/* One mount with its options split into flags, propagation and fs data. */
struct rt_mount {
	char *dest, *type, *source;
	unsigned long flags;	   /* MS_* to set */
	unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC) */
	char *data;		   /* options the kernel takes as data, comma-joined, or NULL */
	bool bind, rec;
	bool copyup; /* tmpcopyup: a tmpfs starts with what the directory under it holds */
};

enum rt_hook_kind {
	RT_HOOK_PRESTART = 0,
	RT_HOOK_CREATE_RUNTIME,
	RT_HOOK_CREATE_CONTAINER,
	RT_HOOK_START_CONTAINER,
	RT_HOOK_POSTSTART,
	RT_HOOK_POSTSTOP,
	RT_HOOK_N,
};

struct rt_hook {
	char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0: none */
};

struct rt_ns {
	int type;   /* CLONE_NEW* */
	char *path; /* join this one, or NULL for a new one */
};

/* One entry of linux.devices: a node made in the container's /dev (or bound rootless). */
struct rt_device {
	char *path;
	char type; /* c, b, u, p */
	long major, minor;
	bool has_mode;
	mode_t mode;
	uint32_t uid, gid;
};

/* Access bits of a device rule, as the kernel's BPF_DEVCG_ACC_* and devices.allow's "mrw". */
enum {
	RT_DEV_MKNOD = 1,
	RT_DEV_READ = 2,
	RT_DEV_WRITE = 4,
	RT_DEV_RWM = 7,
};

/* One rule of linux.resources.devices; -1 for a wildcard number. */
struct rt_dev_rule {
	bool allow;
	char type; /* a, b or c */
	int64_t major, minor;
	unsigned access; /* RT_DEV_* bits, never 0 */
};

/* At most this many rules: each is a few BPF instructions and a write to devices.allow. */
#define RT_MAX_DEV_RULES 1024

enum rt_sc_action {
	RT_SC_KILL = 0,
	RT_SC_KILL_PROCESS,
	RT_SC_KILL_THREAD,
	RT_SC_TRAP,
	RT_SC_ERRNO,
	RT_SC_TRACE,
	RT_SC_ALLOW,
	RT_SC_LOG,
	RT_SC_NOTIFY,
};

enum rt_sc_op {
	RT_SC_NE = 0,
	RT_SC_LT,
	RT_SC_LE,
	RT_SC_EQ,
	RT_SC_GE,
	RT_SC_GT,
	RT_SC_MASKED_EQ,
};

struct rt_sc_arg {
	unsigned index;
	uint64_t value, value2;
	enum rt_sc_op op;
};

struct rt_sc_rule {
	char **names;
	enum rt_sc_action action;
	bool has_errno;
	uint32_t errno_ret;
	struct rt_sc_arg *args;
	size_t n_args;
};

struct rt_seccomp {
	enum rt_sc_action default_action;
	bool has_default_errno;
	uint32_t default_errno;
	char **arches; /* "SCMP_ARCH_X86_64" ... */
	char **flags;
	struct rt_sc_rule *rules;
	size_t n_rules;
};

/* linux.resources, the part hutch-runtime applies; -1 / 0 when unset. */
struct rt_resources {
	bool any;	      /* some limit is set (device rules aside) */
	int64_t memory_limit; /* bytes, -1 unset */
	int64_t memory_swap;  /* bytes, -1 unset */
	int64_t pids_limit;   /* -1 unset */
	uint64_t cpu_shares;  /* 0 unset */
	int64_t cpu_quota;    /* -1 unset */
	uint64_t cpu_period;  /* 0 unset */
	char **unified;	      /* key=value pairs from linux.resources.unified */
	struct rt_dev_rule *dev_rules;
	size_t n_dev_rules;
};

struct rt_linux {
	struct rt_ns *ns;
	size_t n_ns;
	struct userns_map map; /* uidMappings/gidMappings; empty when none */
	char **masked;
	char **readonly;
	struct rt_device *devices;
	size_t n_devices;
	char **sysctl; /* key=value pairs */
	struct rt_seccomp *seccomp;
	unsigned long rootfs_propagation; /* 0: rslave, runc's default */
	bool has_personality;
	unsigned long personality;
	char *cgroups_path;
	struct rt_resources res;
	char *mount_label;
};

struct rt_spec {
	char *oci_version;
	char *root_path; /* absolute after oci_spec_load */
	bool root_readonly;
	char *hostname, *domainname;
	struct rt_process process;
	struct rt_mount *mounts;
	size_t n_mounts;
	struct rt_hook *hooks[RT_HOOK_N];
	size_t n_hooks[RT_HOOK_N];
	struct rt_linux lx;
	json_object *annotations; /* owned reference, or NULL */
};

/*
 * Decode config.json text. Every type and required field is checked; an error names the
 * field ("process.args: must be a non-empty array"). root.path stays as written.
 */
int oci_spec_parse(const char *text, struct rt_spec *out, struct error **err);
/* Read BUNDLE/config.json, decode it and make root.path absolute (relative to bundle). */
int oci_spec_load(const char *bundle, struct rt_spec *out, char **text_out, struct error **err);
/* Decode a "process" object on its own (exec --process). */
int oci_process_parse(const char *text, struct rt_process *out, struct error **err);
void oci_spec_clear(struct rt_spec *s);
/* linux.seccomp of the linux object (seccomp.c); *out NULL when absent. */
int oci_seccomp_parse(json_object *lx, struct rt_seccomp **out, struct error **err);
void oci_seccomp_free(struct rt_seccomp *sc);
void oci_process_clear(struct rt_process *p);
/* The CLONE_NEW* flag of a namespace type name, 0 when unknown. */
int oci_ns_flag(const char *name);
/* The entry of linux.namespaces of that type, or NULL. */
const struct rt_ns *oci_spec_ns(const struct rt_spec *s, int type);
/* Capability number from "CAP_SYS_ADMIN", -1 when unknown. */
int oci_cap_number(const char *name);
const char *oci_cap_name(int n);
int oci_cap_last(void);

/* ---------- state directory (state.c) ---------- */

/* The cgroups of one container. */
struct rt_cgroups {
	char *v2;    /* its cgroup v2 dir (freezer, device program), or NULL; owned */
	char **dirs; /* its cgroup in each hierarchy, v1 and v2 (exec joins them); owned */
	char **made; /* what delete removes, parents first: the dirs made, and ours; owned */
};

void oci_cgroups_clear(struct rt_cgroups *cg);

/* What the runtime remembers about a container, in ROOT/ID/state.json. */
struct rt_state {
	char *id;
	char *bundle;
	char *rootfs;
	pid_t pid;
	unsigned long long start_time; /* field 22 of /proc/PID/stat, against pid reuse */
	char *created;		       /* RFC 3339 */
	struct rt_cgroups cg;
	/* Without a mount namespace of its own: the mount id of the rootfs bound onto itself
	 * in the runtime's namespace (everything the container mounted lies on it), 0 else. */
	uint64_t rootfs_mnt;
	uid_t owner;		  /* euid of the runtime that created it; shown by name */
	json_object *annotations; /* owned reference or NULL */
	bool has_poststop, has_poststart;
	enum oci_status status; /* computed by oci_state_read */
};

/* ROOT/ID, checking ID is a plain name. Owned. */
int oci_state_dir(const char *root, const char *id, char **out, struct error **err);
/* Write ROOT/ID/state.json atomically. */
int oci_state_write(const char *dir, const struct rt_state *st, struct error **err);
/* Read it back and compute the status; an unknown id is an error naming it. */
int oci_state_read(const char *root, const char *id, struct rt_state *out, struct error **err);
void oci_state_clear(struct rt_state *st);
/* The state JSON of the runtime spec (ociVersion, id, status, pid, bundle, annotations). */
char *oci_state_json(const struct rt_state *st, bool pretty);
/* Field 22 of /proc/PID/stat, 0 when the process is gone; *zombie set for state Z. */
unsigned long long oci_proc_start_time(pid_t pid, bool *zombie);
/* The start socket path under dir; init waits on it between create and start. */
char *oci_state_start_sock(const char *dir);
/* Release the init waiting in the state dir dir: connect to its start socket, which goes
 * away at once, so the status is "running" and nobody else can start it. The connection
 * (EOF once the init exec'd, else its error), or -1 with err set. */
int oci_start_release(const char *dir, struct error **err);
/* Now in RFC 3339 (UTC, nanoseconds), and the name of a uid; owned. */
char *oci_now_rfc3339(void);
char *oci_owner_name(uid_t uid);

/* ---------- the container init (init.c and its helpers) ---------- */

/* Everything the init child needs; filled by container.c before the fork. */
struct rt_init {
	const struct rt_spec *spec;
	const char *id;
	const char *bundle;
	const char *state_dir;
	int sync_fd;	  /* socket to the runtime */
	int start_fd;	  /* listening start socket; -1 for exec */
	int console_fd;	  /* connected console socket, or -1 */
	int preserve_fds; /* pass fds 3 .. 3+N-1 */
	int ns_fds[16];	  /* fds of namespaces to join, parallel to spec->linux.ns */
	bool no_pivot;
	bool need_map;	   /* the runtime writes our id mapping after we unshare */
	bool direct;	   /* cloned with all its namespaces: no stage 1, no pid message */
	bool misc_applied; /* the oom score set by stage 1 already (a joined pid namespace) */
	const char *exe;   /* resolved executable, set by the init itself */
	/* The seccomp filter compiled by the runtime through its cache before the clone, or
	 * NULL: the init compiles it while it waits for start. */
	struct oci_seccomp_prog *seccomp;
};

/* Messages on the sync socket: a tag byte, then a payload for some. */
enum {
	RT_MSG_READY = 'r', /* child -> runtime: user namespace made, write the mapping */
	RT_MSG_MAPPED = 'm',
	RT_MSG_PID = 'p',   /* child -> runtime: int32 pid of the init */
	RT_MSG_ACK = 'a',   /* runtime -> init: int32 pid of the init as the runtime sees it */
	RT_MSG_HOOKS = 'h', /* init -> runtime: run prestart and createRuntime hooks now */
	RT_MSG_GO = 'g',
	RT_MSG_CREATED = 'c', /* init -> runtime: set up, waiting for start */
	RT_MSG_ERROR = 'e',   /* followed by err_send */
};

/* The child side of create: never returns. Runs as the first child of the runtime. */
__attribute__((noreturn)) void oci_init_main(struct rt_init *in);
/* Become root (0:0) of the user namespace we are in, when 0 is mapped; caps stay anyway. */
int oci_become_root(bool deny_setgroups, struct error **err);
/* fork() whose child is our parent's child (CLONE_PARENT): the runtime can wait for it. */
pid_t oci_clone_parent(void);
/* The CLONE_NEW* flags of the namespaces the spec creates (not joined), the user namespace
 * aside. */
int oci_new_ns_flags(const struct rt_spec *s);
/* Send RT_MSG_ERROR + the error, then _exit(1). */
__attribute__((noreturn)) void oci_child_fail(int sync_fd, struct error *err);

/* Mounts, rootfs and pivot_root (mounts.c); run inside the new mount namespace, or, when
 * the config has none (own_mntns false), on a private bind of the rootfs in the runtime's,
 * with chroot for pivot_root. */
int oci_rootfs_prepare(const struct rt_spec *s, bool own_mntns, struct error **err);
int oci_mounts_setup(const struct rt_spec *s, bool own_netns, bool own_cgroupns,
		     struct error **err);
int oci_rootfs_pivot(const struct rt_spec *s, bool no_pivot, bool own_mntns, struct error **err);
int oci_rootfs_finish(const struct rt_spec *s, struct error **err);
/* The id of the mount at path (the topmost), 0 when unknown. */
uint64_t oci_mount_id(const char *path);
/* Detach the rootfs bind made in a shared mount namespace, with all the container mounted
 * on it, when the mount at rootfs is still that one (mnt_id); 0 when there is none. */
int oci_rootfs_release(const char *rootfs, uint64_t mnt_id, struct error **err);

/* Credentials and capabilities (caps.c), after pivot_root and before exec. */
int oci_process_apply_user(const struct rt_process *p, struct error **err);
int oci_process_apply_caps(const struct rt_process *p, struct error **err);
int oci_process_apply_rlimits(const struct rt_process *p, struct error **err);
int oci_process_apply_misc(const struct rt_process *p, struct error **err);
/* rlimits, user, caps, no_new_privs and seccomp in the right order; last step before exec. */
struct oci_seccomp_prog;
int oci_process_finalize(const struct rt_process *p, const struct oci_seccomp_prog *sc,
			 struct error **err);
/* Resolve args[0] in the process' PATH: ENOENT -> ERR_NOTFOUND, EACCES -> ERR_INVOKE. */
char *oci_resolve_exe(const struct rt_process *p, struct error **err);
/* Mark every fd >= first except keep (may be -1) close-on-exec, and clear it on the
 * preserved fds 3..first-1, so nothing else leaks into the container. */
int oci_close_fds_from(int first, int keep, struct error **err);
/* Close, now, every fd >= first but those in keep: before any path of the container is
 * resolved, nothing the caller had open may be reachable through /proc/self/fd. */
int oci_close_fds_except(int first, const int *keep, size_t n_keep, struct error **err);
/* chdir to cwd resolved inside our root (the container's, after pivot_root), no magic
 * links; an error if the kernel then sees the directory outside the root. */
int oci_enter_cwd(const char *cwd, struct error **err);

/* trampoline.c: a sealed memfd (close-on-exec) holding the exec trampoline, which every
 * container process is exec'd through so that /proc/self/exe never reaches a host file. */
int oci_trampoline_fd(struct error **err);
/* Exec exe (args, env) through the trampoline tfd. A failure of that last exec is reported
 * on report_fd, if >= 0, as an RT_MSG_ERROR with the error; the fd is closed by the exec
 * that succeeds. Returns -1 with err only when the trampoline itself could not be run. */
int oci_trampoline_exec(int tfd, const char *exe, char *const args[], char *const env[],
			int report_fd, struct error **err);

/* seccomp.c: compile the filter (NULL when sc is NULL; with cache_dir, through a cache of
 * compiled filters there), then load it as late as possible before execve. */
struct oci_seccomp_prog;
int oci_seccomp_compile(const struct rt_seccomp *sc, const char *cache_dir,
			struct oci_seccomp_prog **out, struct error **err);
int oci_seccomp_load(const struct oci_seccomp_prog *p, struct error **err);
void oci_seccomp_prog_free(struct oci_seccomp_prog *p);

/* hooks.c: run each hook of a kind with the state JSON on stdin. */
int oci_hooks_run(const struct rt_spec *s, enum rt_hook_kind kind, const char *state_json,
		  struct error **err);
const char *oci_hook_name(enum rt_hook_kind kind);

/* terminal.c: make a pty, send its master over the console socket, make it our stdio. */
int oci_terminal_setup(const struct rt_process *p, int console_fd, struct error **err);

/*
 * cgroups (cgroup2.c, cgroupfs.c, devices.c). Put pid into cgroups of the container's own
 * with the limits and device rules: as root of the host at linux.cgroupsPath in every
 * hierarchy, v1 and v2, as runc (cgroupfs.c); rootless below a delegated v2 cgroup where
 * there is one, else not at all (one warning when limits were asked for). What was made
 * is in *out (to be removed with oci_cgroup_remove), also when this fails.
 */
int oci_cgroup_enter(const struct rt_spec *s, const char *id, pid_t pid, struct rt_cgroups *out,
		     struct error **err);
int oci_cgroupfs_enter(const struct rt_spec *s, const char *id, pid_t pid, struct rt_cgroups *out,
		       struct error **err);
/* Remove what was made, deepest first, once the processes in it are gone (they may take a
 * moment to leave); -1 naming the first cgroup that stayed. */
int oci_cgroup_remove(const struct rt_cgroups *cg, struct error **err);
/* Append the pids in the container's cgroups (and below them) to *pids. */
void oci_cgroup_pids(const struct rt_cgroups *cg, pid_t **pids, size_t *n);
int oci_cgroup_freeze(const char *path, bool frozen, struct error **err);
/* Whether r sets a limit of controller ctrl ("memory", "pids", "cpu"). */
bool oci_cgroup_wants(const struct rt_resources *r, const char *ctrl);
/* Write ctrl's limits in their v2 form into dir; ctrl NULL: linux.resources.unified. */
int oci_cgroup_v2_limits(const char *dir, const char *ctrl, const struct rt_resources *r,
			 struct error **err);
/* linux.resources.devices of the resources object res into r->dev_rules (devices.c). */
int oci_dev_rules_parse(json_object *res, struct rt_resources *r, struct error **err);
/* Device rules plus the defaults into a v1 devices cgroup, or as a BPF program attached
 * to a v2 cgroup (devices.c). */
int oci_devices_v1_apply(const char *dir, const struct rt_resources *r, struct error **err);
int oci_devices_bpf_attach(const char *dir, const struct rt_resources *r, struct error **err);
/* The program oci_devices_bpf_attach loads (struct bpf_insn, malloc'd) and its length. */
size_t oci_devices_bpf_program(const struct rt_resources *r, void **insns);

/* ---------- lifecycle internals (container.c, lifecycle.c) ---------- */

/* create, handing back the init's pid: our child (CLONE_PARENT), so run can wait for it. */
int oci_create_pid(const struct oci_create_opts *o, pid_t *init, struct error **err);
/* Connect to an AF_UNIX socket: a start or console socket (long paths through
 * /proc/self/fd). Returns the fd, close-on-exec. */
int oci_unix_connect(const char *path, struct error **err);
/* Decode the config.json saved in the state dir at create. */
int oci_state_spec(const char *root, const char *id, struct rt_spec *s, struct error **err);

/* ---------- small shared helpers ---------- */

/* Write a tag byte (and optional payload) on the sync socket. */
int oci_sync_send(int fd, char tag, const void *data, size_t len);
/* Wait for tag; an RT_MSG_ERROR turns into *err; EOF into "what died". */
int oci_sync_expect(int fd, char tag, const char *what, struct error **err);
/* Run a hook-like program (path, argv, envp) with stdin text and a timeout. */
int oci_run_program(const char *path, char *const argv[], char *const envp[],
		    const char *stdin_text, int timeout, int *status, struct error **err);
