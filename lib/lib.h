/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small shared base of hutch: the error object that travels up to the CLI, logging,
 * cleanup attributes, allocation wrappers, fs helpers, option tables, sha256, base64 and the
 * per-user paths.
 * It includes nothing else from hutch; every other module includes only this header from
 * lib/, and lib/json.h where it reads or writes JSON (kept apart so that the static monitor
 * and init, built without json-c, never see json-c's headers).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <dirent.h>

/* ---------- errors (STYLE.md B3) ---------- */

/* What the CLI makes of an error: podman's exit codes. */
enum err_kind {
	ERR_TOOL = 0, /* exit 125: hutch itself failed */
	ERR_USAGE,    /* exit 125 plus a "See 'hutch X --help'" hint */
	ERR_INVOKE,   /* exit 126: the contained command cannot be invoked */
	ERR_NOTFOUND, /* exit 127: the contained command was not found */
	ERR_NOSUCH,   /* exit 125, or 1 for commands with podman's rm codes: no such object */
	ERR_INUSE,    /* exit 125, or 2 for commands with podman's rm codes: running, in use */
};

struct error {
	int code; /* errno-style code, 0 when none applies */
	enum err_kind kind;
	char *msg; /* owned; lower case, no trailing period */
};

/*
 * Set *err to a new error and return -1, so that a failure is one `return err_set(...)`.
 * When *err is already set, the old error is freed first. err may be NULL (error dropped).
 */
int err_set(struct error **err, int code, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* err_set with ERR_TOOL and code = errno, appending ": strerror(errno)". */
int err_sys(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_set with ERR_TOOL and no code. */
int err_msg(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the message of *err with "CONTEXT: "; returns -1. Used at module boundaries. */
int err_wrap(struct error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free *err (NULL-safe) and reset it. */
void err_free(struct error **err);
/* Exit status the CLI uses for this error: 125, 126 or 127 (see cli_cmd.rm_codes). */
int err_exit_code(const struct error *err);
/* Serialise an error for a sync socket and back (child -> parent after fork). */
void err_send(int fd, const struct error *err);
/* Read what err_send wrote; returns 1 and sets *err when an error came, 0 on EOF/none. */
int err_recv(int fd, struct error **err);

/* ---------- logging (STYLE.md B5) ---------- */

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE
};

extern enum log_level log_current_level;
/* Parse podman's (logrus's) levels: panic, fatal and error (all error here), warn or
 * warning, info, debug, trace; returns -1 and sets err, in podman's words, on anything
 * else. */
int log_parse_level(const char *s, enum log_level *out, struct error **err);
/* Podman's shape: "WARN[0000] message" on a terminal, seconds since start in brackets;
 * on a stderr that is no terminal logrus's text form, time="..." level=warning msg="...".
 * A stream given with log_set_stream always gets the first. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line podman prints bare on stderr, no "WARN[...]" before it (shown at warn level). */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send log lines to FILE instead of stderr (monitor, detached runtime). Not owned. */
void log_set_stream(FILE *f);

/* ---------- cleanup attributes (STYLE.md B4) ---------- */

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);
void cleanup_strvp(char ***v);
void cleanup_errp(struct error **e);

#define autofree __attribute__((cleanup(cleanup_freep)))
#define autoclose __attribute__((cleanup(cleanup_closep)))
#define autofclose __attribute__((cleanup(cleanup_fclosep)))
#define autoclosedir __attribute__((cleanup(cleanup_closedirp)))
#define autostrv __attribute__((cleanup(cleanup_strvp)))
#define autoerr __attribute__((cleanup(cleanup_errp)))

/* Return *pp and reset it to NULL: ownership moves to the caller. */
#define steal_ptr(pp)                              \
	({                                         \
		__typeof__(*(pp)) _stolen = *(pp); \
		*(pp) = NULL;                      \
		_stolen;                           \
	})
/* Return *fdp and reset it to -1. */
static inline int steal_fd(int *fdp)
{
	int fd = *fdp;
	*fdp = -1;
	return fd;
}

/* ---------- allocation: print one line and exit 125 on out-of-memory ---------- */

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
/* Append a copy of s to *v (which may be NULL). */
void strv_push(char ***v, const char *s);
/* Append s itself: ownership moves into the vector. */
void strv_push_take(char ***v, char *s);
bool strv_contains(char *const *v, const char *s);
/* Replace, in place, every control character (C0, DEL, and C1 as UTF-8) with '?': for a
 * line on a terminal that carries names from an image, a registry or a container. */
void str_printable(char *s);

/* ---------- fs helpers ---------- */

/*
 * Write len bytes to path atomically: a temp file in the same directory, fsync, rename,
 * then fsync of the directory. The file gets mode `mode` (umask not applied).
 */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		    struct error **err);
/*
 * The same without the fsyncs: still never a torn file (temp + rename), but not durable
 * against a power loss. For state that is rewritten at every start or can be rebuilt (run
 * dir files, container state): on ext4 the two fsyncs cost about 3 ms a file.
 */
int fs_write_replace(const char *path, const void *data, size_t len, mode_t mode,
		     struct error **err);
/*
 * The temp files PATH.tmp-PID-SUFFIX (SUFFIX e.g. "hutch") written aside for path by
 * processes that are gone (a save killed before its rename): removed. One of a live
 * process, or a pid this process cannot see, is left alone.
 */
void fs_sweep_aside(const char *path, const char *suffix);
/* Like mkdir -p; new directories get `mode`; existing ones are left as they are. */
int fs_mkdir_p(const char *path, mode_t mode, struct error **err);
/* Read a whole file (at most max bytes, else EFBIG) into a NUL-terminated buffer. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len, struct error **err);
/* Read a whole fd the same way. */
int fs_read_fd(int fd, size_t max, char **out, size_t *len, struct error **err);
/* Write the whole buffer, retrying on EINTR and short writes. 0 or -1 with errno. */
int fs_write_all(int fd, const void *data, size_t len);
/* Read exactly len bytes; returns bytes read (less at EOF) or -1 with errno. */
ssize_t fs_read_all(int fd, void *buf, size_t len);
/*
 * chmod and futimens through an fd, O_PATH ones included (fchmod and futimens refuse those:
 * the magic link /proc/self/fd/N leads to that very inode, whatever its name is now). For
 * metadata of a file a container or an archive controls: opened with O_NOFOLLOW, never
 * changed by name. Neither follows a symlink the fd is on: fs_fchmod fails or changes the
 * link itself, fs_futimens sets the link's own times. 0, or -1 with errno.
 */
int fs_fchmod(int fd, mode_t mode);
int fs_futimens(int fd, const struct timespec ts[2]);
/* rm -rf that does not follow symlinks and does not cross mount points. ENOENT is success. */
int fs_rm_rf(const char *path, struct error **err);
/*
 * Find an executable in $PATH; a name with a '/' is returned as it is when it exists, so
 * that exec can say why it cannot run it. Owned result or NULL.
 */
char *fs_find_in_path(const char *name);
/* True when path exists (lstat). */
bool fs_exists(const char *path);
/*
 * Open path (open_flags, with O_CLOEXEC; mode 0600 when O_CREAT makes it) and flock it
 * with op (LOCK_EX or LOCK_SH, maybe | LOCK_NB), again when a signal cuts in. The fd, or
 * -1 with errno (EWOULDBLOCK: held by another, with LOCK_NB).
 */
int fs_lock(const char *path, int open_flags, int op);
/*
 * openat2(dirfd, path, {flags | O_CLOEXEC, resolve}), retried when a rename raced it; where
 * the kernel has none (before 5.6, and under valgrind) the resolution is fs_resolve_walk's.
 */
int fs_openat2(int dirfd, const char *path, int flags, uint64_t resolve);
/*
 * Open path below the directory rootfd as though rootfd were "/": every symlink on the way,
 * absolute or climbing with "..", resolves inside it (RESOLVE_IN_ROOT, and no /proc magic
 * links). flags as for openat (O_CLOEXEC is added). With create, what is missing is made on
 * the way, inside: directories, and the last part a directory (FS_CREATE_DIR) or an empty
 * file (FS_CREATE_FILE); a symlink to nothing has its target made. The fd, or -1 with errno.
 */
enum fs_create {
	FS_CREATE_NONE,
	FS_CREATE_DIR,
	FS_CREATE_FILE
};
int fs_open_in_root(int rootfd, const char *path, int flags, enum fs_create create);
/*
 * The resolution done here, one part at a time, for RESOLVE_IN_ROOT, RESOLVE_BENEATH
 * (EXDEV for a way out), RESOLVE_NO_XDEV (EXDEV for another device: a bind mount within one
 * filesystem is not seen) and RESOLVE_NO_MAGICLINKS (a link's text is resolved, never the
 * object behind it); with create as fs_open_in_root. IN_ROOT or BENEATH is needed (EINVAL
 * without). Exported for the tests.
 */
int fs_resolve_walk(int dirfd, const char *path, int flags, uint64_t resolve,
		    enum fs_create create);

/* ---------- option tables (lib/args.c): the command lines of hutch-runtime, hutch-monitor ---------- */

enum args_type {
	ARGS_FLAG,     /* bool: set to true */
	ARGS_STR,      /* const char *: the argument, borrowed from argv; the last one wins */
	ARGS_STRV,     /* char **: each argument copied onto the (owned) vector */
	ARGS_FN,       /* the option's fn converts the argument */
	ARGS_SKIP,     /* a flag accepted and ignored (one of runc's that does not apply) */
	ARGS_SKIP_ARG, /* an option with an argument, accepted and ignored */
	ARGS_STOP,     /* parsing stops here: --help, --version */
};

struct args_opt {
	const char *name; /* the long name, without "--"; NULL ends a table */
	char short_name;  /* 0: long only */
	enum args_type type;
	size_t off; /* where the value goes in the caller's struct (offsetof) */
	/* ARGS_FN: store arg at field (the caller's struct plus off); word is argv's word it
	 * came in, for messages. 0, or -1 with *err. */
	int (*fn)(void *field, const char *arg, const char *word, struct error **err);
	const char *arg;  /* the argument's name in help; NULL for a flag */
	const char *help; /* one line; NULL keeps the option out of help */
};

struct args_result {
	int first;		     /* argv index of the first operand */
	const struct args_opt *stop; /* the ARGS_STOP option met, or NULL */
	/* On failure: the word of an unknown option or of one that lacks its argument (getopt
	 * has printed its line); NULL when an fn refused a value. */
	const char *bad;
};

/*
 * Parse the options of argv (argv[0] is the program or the command) against opts with
 * getopt_long, stopping at the first operand, so that a command's own options pass on.
 * Values go into the struct at dst. 0 and *r; -1 with *err and r->bad: "unknown option
 * WORD" when r->bad is set, else the fn's error. Resets getopt first (optind).
 */
int args_parse(const struct args_opt *opts, int argc, char **argv, void *dst, struct args_result *r,
	       struct error **err);
/* One help line per option of opts: "  -s, --name ARG  help". */
void args_help(FILE *f, const struct args_opt *opts);

/* ---------- sha256 and base64 (OpenSSL libcrypto, loaded on first use) ---------- */

#define SHA256_HEX_LEN 64
struct sha256_ctx;
struct sha256_ctx *sha256_new(void);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Finish and write 64 lowercase hex digits plus NUL into hex; frees c. */
void sha256_final_hex(struct sha256_ctx *c, char hex[SHA256_HEX_LEN + 1]);
void sha256_free(struct sha256_ctx *c);
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
/* Decode standard base64 (length a multiple of 4, '=' padded); NULL when malformed. Owned,
 * NUL-terminated. */
char *base64_decode(const char *in);

/* ---------- per-user paths ---------- */

/*
 * The runtime dir, BASE/hutch, created 0700. The store's pin (STORE/runtime-dir) wins while
 * it names a directory of ours from this boot, with one warning when this shell
 * would choose another. Else this shell's choice, as podman's: $XDG_RUNTIME_DIR when it is
 * usable; else /run/user/UID when it is ours; else a private /tmp/hutch-run-UID, with one
 * warning. Never a directory someone else owns. Owned string, or NULL with err set.
 */
char *paths_runtime_dir(struct error **err);
/* The same, for a container about to start: with no usable pin, pins this shell's choice
 * (under the pin file's lock, so concurrent starts agree). */
char *paths_runtime_dir_pin(struct error **err);
/* $XDG_DATA_HOME/hutch (default ~/.local/share/hutch); not created. Owned string. */
char *paths_store_dir(struct error **err);
/* $XDG_CONFIG_HOME (default ~/.config); owned string. */
char *paths_config_home(struct error **err);
/* The user's home: $HOME, else the passwd entry. Owned string. */
char *paths_home(struct error **err);

/* ---------- libraries loaded on first use (lib/lazy.c) ---------- */

/* dlsym(lib, name) (lib NULL: its dlopen failed); else one line naming the library and its
 * Debian package, and exit 125. */
void *lazy_symbol(void *lib, const char *soname, const char *name, const char *package);

/* ---------- processes ---------- */

/*
 * Run argv (argv[0] a path or a name looked up in $PATH) with stdin from /dev/null and
 * stdout+stderr captured (at most 64 KiB) into *out (owned). *status is the exit code or
 * 128+N. Fails only when the program cannot be started.
 */
int proc_capture(char *const argv[], char **out, int *status, struct error **err);
/* Wait for pid, retrying on EINTR; *status is the exit code, or 128+N for a signal. */
int proc_wait(pid_t pid, int *status, struct error **err);
/* What /proc/PID/stat says of a process (the fields hutch uses). */
struct proc_stat {
	char comm[64]; /* as the kernel cuts it: 15 characters */
	char state;    /* 'R', 'S', ... 'Z' for a zombie, 'X' dead */
	pid_t ppid;
	int tty;
	unsigned long long utime, stime, start; /* clock ticks; start since boot */
};
/* Read it; -1 when the process is gone or the file is not what the kernel writes. */
int proc_stat_read(pid_t pid, struct proc_stat *out);
/* Send msg ("READY=1", "MAINPID=N\nREADY=1") to systemd's NOTIFY_SOCKET socket_path ("@name":
 * the abstract namespace, as sd_notify reads it); best effort, a failure is a warning. */
void notify_send(const char *socket_path, const char *msg);
