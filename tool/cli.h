/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hutch CLI: one command table (tool/commands.c) drives getopt_long parsing, --help,
 * man pages and shell completions (STYLE.md B6). Handlers receive the parsed options in a
 * context and read them with the cli_opt_* accessors.
 */
#pragma once

#include "lib/lib.h"

#include <json-c/json.h>

enum cli_opt_type {
	CLI_BOOL,   /* --flag */
	CLI_STRING, /* --flag VALUE, last one wins */
	CLI_INT,    /* --flag N */
	CLI_LIST,   /* --flag VALUE, repeatable */
	/* --flag VALUE, last one wins, a secret (login's --password): the value is copied and
	 * wiped from the command line, so ps and /proc/PID/cmdline never show it, and the
	 * debug log of the command line comes after the wipe. */
	CLI_SECRET,
	/* --flag=VALUE, or --flag alone for "true" (podman's NoOptDefVal: build --pull) */
	CLI_STRING_OPTVAL,
};

/* What a shell should complete for an option's value or a command's operands. */
enum cli_complete {
	CLI_COMPLETE_NONE = 0,
	CLI_COMPLETE_FILE,
	CLI_COMPLETE_DIR,
	CLI_COMPLETE_CONTAINER, /* every container */
	CLI_COMPLETE_IMAGE,
	CLI_COMPLETE_SIGNAL,
	CLI_COMPLETE_FORMAT,
	CLI_COMPLETE_COMMAND, /* a hutch command name (help) */
	CLI_COMPLETE_CHOICES, /* the words in .choices */
	CLI_COMPLETE_EXECUTABLE,
	/* Live names by state, as podman's completion offers them for each command. */
	CLI_COMPLETE_CTR_RUNNING,   /* stop, exec, kill, pause, ... */
	CLI_COMPLETE_CTR_STARTABLE, /* start: created or exited */
	CLI_COMPLETE_CTR_PAUSED,    /* unpause */
	CLI_COMPLETE_POD,
	CLI_COMPLETE_VOLUME,
	CLI_COMPLETE_VOLUME_SPEC, /* -v: a volume's name or a host path */
	CLI_COMPLETE_INSPECT,	  /* inspect: containers, images, pods and volumes */
};

struct cli_opt {
	const char *name;     /* long name without dashes */
	char short_name;      /* 0 when none */
	const char *arg_name; /* shown in help: "string", "format"; NULL for CLI_BOOL */
	enum cli_opt_type type;
	const char *def;  /* default value as text, or NULL */
	const char *help; /* one line */
	enum cli_complete complete;
	const char *choices; /* space-separated words for CLI_COMPLETE_CHOICES */
};

struct cli_ctx;
struct eng;
typedef int (*cli_handler)(struct cli_ctx *ctx, struct error **err);

struct cli_cmd {
	const char *name;
	const char *const *aliases; /* NULL-terminated, or NULL */
	const char *summary;	    /* one line for `hutch --help` */
	const char *synopsis;	    /* operands after "[options]", e.g. "[COMMAND [ARG...]]" */
	cli_handler handler;	    /* NULL for a group that only has subcommands */
	const struct cli_opt *opts; /* terminated by an entry with name NULL; may be NULL */
	const struct cli_cmd *subs; /* subcommands, terminated by name NULL; may be NULL */
	enum cli_complete operands; /* completion for operands */
	int min_args;
	int max_args; /* -1: no limit */
	/* Stop option parsing at the first operand, so `hutch unshare ls -l` passes -l on. */
	bool stop_at_operand;
	bool hidden; /* internal commands: not in help, man pages or completions */
	/* The handler works on the store: the engine is opened for it (ctx->eng) with the
	 * global --storage-driver, and closed after. */
	bool store;
	/* podman's exit codes of rm, rmi, volume rm and pod rm: 1 when an operand does not
	 * exist (ERR_NOSUCH), 2 when it is running or in use (ERR_INUSE). */
	bool rm_codes;
	/* With store: a --storage-driver hutch lacks does not fail the command; the engine
	 * opens the store with the default and keeps the name (info reports it). */
	bool any_driver;
};

/* A parsed option value. */
struct cli_val {
	bool set;
	const char *str;
	long num;
	char **list; /* owned vector of borrowed strings */
	char *owned; /* CLI_SECRET: the copy str points to (wiped when freed) */
};

struct cli_ctx {
	const struct cli_cmd *cmd;
	const char *path;     /* "image ls": the command path for messages */
	struct cli_val *vals; /* parallel to cmd->opts */
	int argc;	      /* operands */
	char **argv;
	const struct cli_cmd *root; /* the table, for help and generators */
	int exit_status;	    /* set by handlers whose status is data (unshare, run) */
	int error_status; /* > 0: the exit status with the handler's error (build's RUN) */
	const char *storage_driver; /* global --storage-driver, or NULL */
	const char *store_root;	    /* global --root, or NULL */
	const char *runtime;	    /* global --runtime, or NULL */
	char **runtime_flags;	    /* global --runtime-flag (vector owned), or NULL */
	struct eng *eng;	    /* open for commands that need the store (cmd->store) */
	char *const *cmdline;	    /* the whole command line (podman's CreateCommand) */
};

/* The table. */
extern const struct cli_cmd cli_root;
extern const struct cli_opt cli_global_opts[];

/* Entry point used by main(): parse, dispatch, print the one error line, return exit code. */
int cli_main(int argc, char **argv);

/* Accessors; name must be an option of ctx->cmd (a typo aborts in debug builds). */
bool cli_opt_bool(const struct cli_ctx *ctx, const char *name);
const char *cli_opt_str(const struct cli_ctx *ctx, const char *name);
long cli_opt_int(const struct cli_ctx *ctx, const char *name);
/* Whether fd (3 to 66) was open when hutch started, before it opened any of its own. */
bool cli_fd_inherited(int fd);
char *const *cli_opt_list(const struct cli_ctx *ctx, const char *name);
/* Print "Error: MESSAGE" on stderr, as one line of printable characters. */
void cli_print_error(const struct error *e);
bool cli_opt_is_set(const struct cli_ctx *ctx, const char *name);
/* A boolean option that only some of the commands sharing a handler have: false for the
 * others (cli_opt_bool insists that the command has it). */
bool cli_opt_flag(const struct cli_ctx *ctx, const char *name);

/* Find a command (or alias) among cmds; NULL when none (tool/help.c). */
const struct cli_cmd *cli_find(const struct cli_cmd *cmds, const char *name);
/* The command named by words[0..n) under the root; NULL when unknown. */
const struct cli_cmd *cli_lookup_path(char **words, int n);

/* Rendering from the table (tool/help.c). */
void cli_print_help(FILE *f, const struct cli_cmd *cmd, const char *path);
/* Markdown for go-md2man: table-driven synopsis and options plus docs/cmd/<name>.md prose. */
int cli_gen_man(FILE *f, const char *path, const char *prose_dir, struct error **err);
int cli_gen_completion(FILE *f, const char *shell, struct error **err);

/*
 * Output formatting (tool/format.c). fmt is NULL/"" (the caller's default), "json", or a
 * Go text/template as podman takes it (tool/template.h): "table " prefix dropped (spaces
 * become the table's tabs), the escapes \t and \n, a newline added unless it ends one.
 */
int cli_format_render(FILE *f, const char *fmt, struct json_object *obj, struct error **err);
/* A table's header row: fmt over hdr, a map of field name to header (a field it lacks
 * prints "<no value>", as in podman, instead of failing). */
int cli_format_header(FILE *f, const char *fmt, struct json_object *hdr, struct error **err);
/* The header map of a list's row: each field's podman name ("MountCount": "MOUNT COUNT"),
 * then the pairs of kv (field, header, ..., NULL) over them (owned). */
struct json_object *cli_format_headers(struct json_object *row, const char *const *kv);
bool cli_format_is_table(const char *fmt);
/* The command whose templates follow ("ps"): the NAME of "template: NAME:1: ..." errors. */
void cli_format_set_name(const char *name);
/* The human form of a JSON document: nested "key: value" lines, as podman info prints. */
void cli_print_tree(FILE *f, struct json_object *obj);
/* inspect's output: the whole array as JSON (the default), or fmt rendered per item. */
int cli_format_render_list(FILE *f, const char *fmt, struct json_object *list, struct error **err);
/* Validate a template once, before any output. */
int cli_format_check(const char *fmt, struct error **err);

/* Handlers. */
int cmd_version(struct cli_ctx *ctx, struct error **err);
int cmd_healthcheck_run(struct cli_ctx *ctx, struct error **err);
int cmd_generate_systemd(struct cli_ctx *ctx, struct error **err);
int cmd_auto_update(struct cli_ctx *ctx, struct error **err);
int cmd_info(struct cli_ctx *ctx, struct error **err);
int cmd_unshare(struct cli_ctx *ctx, struct error **err);
int cmd_help(struct cli_ctx *ctx, struct error **err);
int cmd_completion(struct cli_ctx *ctx, struct error **err);
int cmd_gen_man(struct cli_ctx *ctx, struct error **err);
int cmd_complete(struct cli_ctx *ctx, struct error **err);

/* Image handlers (tool/cmd_image.c, tool/cmd_archive.c). */
int cmd_pull(struct cli_ctx *ctx, struct error **err);
int cmd_push(struct cli_ctx *ctx, struct error **err);
int cmd_image_tree(struct cli_ctx *ctx, struct error **err);
int cmd_images(struct cli_ctx *ctx, struct error **err);
int cmd_rmi(struct cli_ctx *ctx, struct error **err);
int cmd_image_exists(struct cli_ctx *ctx, struct error **err);
int cmd_tag(struct cli_ctx *ctx, struct error **err);
int cmd_untag(struct cli_ctx *ctx, struct error **err);
int cmd_image_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_image_prune(struct cli_ctx *ctx, struct error **err);
int cmd_history(struct cli_ctx *ctx, struct error **err);
int cmd_rootfs_debug(struct cli_ctx *ctx, struct error **err);
int cmd_system_df(struct cli_ctx *ctx, struct error **err);
int cmd_system_check(struct cli_ctx *ctx, struct error **err);
int cmd_system_prune(struct cli_ctx *ctx, struct error **err);
int cmd_system_reset(struct cli_ctx *ctx, struct error **err);
int cmd_save(struct cli_ctx *ctx, struct error **err);
int cmd_load(struct cli_ctx *ctx, struct error **err);
int cmd_import(struct cli_ctx *ctx, struct error **err);
int cmd_export(struct cli_ctx *ctx, struct error **err);
int cmd_commit(struct cli_ctx *ctx, struct error **err);
int cmd_build(struct cli_ctx *ctx, struct error **err);

/* Container handlers (tool/cmd_container.c). */
int cmd_run(struct cli_ctx *ctx, struct error **err);
int cmd_create(struct cli_ctx *ctx, struct error **err);
int cmd_start(struct cli_ctx *ctx, struct error **err);
int cmd_stop(struct cli_ctx *ctx, struct error **err);
int cmd_kill(struct cli_ctx *ctx, struct error **err);
int cmd_restart(struct cli_ctx *ctx, struct error **err);
int cmd_rm(struct cli_ctx *ctx, struct error **err);
int cmd_ps(struct cli_ctx *ctx, struct error **err);
int cmd_logs(struct cli_ctx *ctx, struct error **err);
int cmd_attach(struct cli_ctx *ctx, struct error **err);
int cmd_exec(struct cli_ctx *ctx, struct error **err);

/* The rest of issue #5 (tool/cmd_extra.c, tool/cmd_volume.c). */
int cmd_cp(struct cli_ctx *ctx, struct error **err);
int cmd_diff(struct cli_ctx *ctx, struct error **err);
int cmd_top(struct cli_ctx *ctx, struct error **err);
int cmd_rename(struct cli_ctx *ctx, struct error **err);
int cmd_port(struct cli_ctx *ctx, struct error **err);
int cmd_pause(struct cli_ctx *ctx, struct error **err);
int cmd_unpause(struct cli_ctx *ctx, struct error **err);
int cmd_stats(struct cli_ctx *ctx, struct error **err);
int cmd_container_prune(struct cli_ctx *ctx, struct error **err);
int cmd_container_exists(struct cli_ctx *ctx, struct error **err);
int cmd_volume_create(struct cli_ctx *ctx, struct error **err);
int cmd_volume_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_volume_ls(struct cli_ctx *ctx, struct error **err);
int cmd_volume_rm(struct cli_ctx *ctx, struct error **err);
int cmd_volume_prune(struct cli_ctx *ctx, struct error **err);
int cmd_volume_export(struct cli_ctx *ctx, struct error **err);
int cmd_volume_import(struct cli_ctx *ctx, struct error **err);
int cmd_volume_mount(struct cli_ctx *ctx, struct error **err);
int cmd_volume_unmount(struct cli_ctx *ctx, struct error **err);
/* Registry credentials (tool/cmd_login.c). */
int cmd_login(struct cli_ctx *ctx, struct error **err);
int cmd_logout(struct cli_ctx *ctx, struct error **err);
/* Secrets (tool/cmd_secret.c). */
int cmd_secret_create(struct cli_ctx *ctx, struct error **err);
int cmd_secret_ls(struct cli_ctx *ctx, struct error **err);
int cmd_secret_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_secret_rm(struct cli_ctx *ctx, struct error **err);
int cmd_secret_exists(struct cli_ctx *ctx, struct error **err);
/* User-defined networks (tool/cmd_network.c). */
int cmd_network_create(struct cli_ctx *ctx, struct error **err);
int cmd_network_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_network_ls(struct cli_ctx *ctx, struct error **err);
int cmd_network_rm(struct cli_ctx *ctx, struct error **err);
int cmd_network_exists(struct cli_ctx *ctx, struct error **err);
int cmd_network_prune(struct cli_ctx *ctx, struct error **err);
int cmd_network_connect(struct cli_ctx *ctx, struct error **err);
int cmd_network_disconnect(struct cli_ctx *ctx, struct error **err);
int cmd_network_reload(struct cli_ctx *ctx, struct error **err);
int cmd_wait(struct cli_ctx *ctx, struct error **err);
int cmd_container_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_cleanup(struct cli_ctx *ctx, struct error **err);
int cmd_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_nettest(struct cli_ctx *ctx, struct error **err);

/* Pods (tool/cmd_pod.c). */
int cmd_pod_create(struct cli_ctx *ctx, struct error **err);
int cmd_pod_start(struct cli_ctx *ctx, struct error **err);
int cmd_pod_stop(struct cli_ctx *ctx, struct error **err);
int cmd_pod_kill(struct cli_ctx *ctx, struct error **err);
int cmd_pod_rm(struct cli_ctx *ctx, struct error **err);
int cmd_pod_ps(struct cli_ctx *ctx, struct error **err);
int cmd_pod_inspect(struct cli_ctx *ctx, struct error **err);
int cmd_pod_exists(struct cli_ctx *ctx, struct error **err);
int cmd_pod_top(struct cli_ctx *ctx, struct error **err);
