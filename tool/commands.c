/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one command table of hutch. Parsing, `--help`, `hutch help`, the man pages and the
 * bash/zsh/fish completions are all rendered from it, so a flag exists in all of them or
 * in none (tests/unit/test_tool_table.c walks it to make sure).
 */
#include "tool/cli.h"

#include <stddef.h>

#define END_OPTS             \
	{                    \
		.name = NULL \
	}

const struct cli_opt cli_global_opts[] = {
	{ "log-level", 0, "level", CLI_STRING, "warn",
	  "Log messages at and above this level (error, warn, info, debug)", CLI_COMPLETE_CHOICES,
	  "error warn info debug" },
	{ "help", 'h', NULL, CLI_BOOL, NULL, "Show help for hutch or a command", 0, NULL },
	{ "version", 'v', NULL, CLI_BOOL, NULL, "Print the version and exit", 0, NULL },
	{ "storage-driver", 0, "driver", CLI_STRING, NULL,
	  "Storage driver for container rootfs: overlay or fuse-overlayfs (default: probe)",
	  CLI_COMPLETE_CHOICES, "overlay fuse-overlayfs" },
	END_OPTS,
};

static const struct cli_opt format_opts[] = {
	{ "format", 'f', "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	END_OPTS,
};

static const struct cli_opt no_opts[] = { END_OPTS };

/* ---------- image commands (storage, issue #4) ---------- */

static const struct cli_opt pull_opts[] = {
	{ "all-tags", 'a', NULL, CLI_BOOL, NULL, "Pull all tagged images in the repository", 0,
	  NULL },
	{ "arch", 0, "arch", CLI_STRING, NULL, "Use ARCH instead of the host architecture", 0,
	  NULL },
	{ "authfile", 0, "file", CLI_STRING, NULL, "Path of the authentication file",
	  CLI_COMPLETE_FILE, NULL },
	{ "creds", 0, "user:password", CLI_STRING, NULL,
	  "Credentials (USERNAME:PASSWORD) for the registry", 0, NULL },
	{ "os", 0, "os", CLI_STRING, NULL, "Use OS instead of the host OS", 0, NULL },
	{ "platform", 0, "os/arch[/variant]", CLI_STRING, NULL, "Pull the image for this platform",
	  0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Suppress progress output", 0, NULL },
	{ "tls-verify", 0, NULL, CLI_BOOL, "true",
	  "Require HTTPS and verify certificates (false allows plain http)", 0, NULL },
	{ "variant", 0, "variant", CLI_STRING, NULL, "Use VARIANT instead of the default", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt images_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Show all images (there are no intermediate ones)", 0,
	  NULL },
	{ "digests", 0, NULL, CLI_BOOL, NULL, "Show digests", 0, NULL },
	{ "filter", 'f', "filter", CLI_LIST, NULL,
	  "Filter output: dangling=true|false, reference=PATTERN", 0, NULL },
	{ "format", 0, "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	{ "noheading", 'n', NULL, CLI_BOOL, NULL, "Do not print column headings", 0, NULL },
	{ "no-trunc", 0, NULL, CLI_BOOL, NULL, "Do not truncate output", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Display only image IDs", 0, NULL },
	END_OPTS,
};

static const struct cli_opt rmi_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove all images", 0, NULL },
	{ "force", 'f', NULL, CLI_BOOL, NULL,
	  "Remove an image with several names at once (never one a container uses)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt prune_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove all unused images, not just dangling ones", 0,
	  NULL },
	{ "force", 'f', NULL, CLI_BOOL, NULL, "Do not prompt for confirmation (never prompts)", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt history_opts[] = {
	{ "format", 0, "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	{ "human", 'H', NULL, CLI_BOOL, "true", "Display sizes and dates in human readable form", 0,
	  NULL },
	{ "no-trunc", 0, NULL, CLI_BOOL, NULL, "Do not truncate output", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Display only the IDs", 0, NULL },
	END_OPTS,
};

static const struct cli_cmd system_subs[] = {
	{ .name = "df",
	  .summary = "Show hutch disk usage",
	  .synopsis = "",
	  .handler = cmd_system_df,
	  .opts = format_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = NULL },
};

static const struct cli_cmd image_subs[] = {
	{ .name = "history",
	  .summary = "Show the history of an image",
	  .synopsis = "IMAGE",
	  .handler = cmd_history,
	  .opts = history_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "inspect",
	  .summary = "Display the configuration of an image",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_image_inspect,
	  .opts = format_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "ls",
	  .aliases = (const char *const[]){ "list", NULL },
	  .summary = "List images in local storage",
	  .synopsis = "[IMAGE]",
	  .handler = cmd_images,
	  .opts = images_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "prune",
	  .summary = "Remove unused images",
	  .synopsis = "",
	  .handler = cmd_image_prune,
	  .opts = prune_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "pull",
	  .summary = "Pull an image from a registry",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_pull,
	  .opts = pull_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "rm",
	  .summary = "Remove one or more images",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_rmi,
	  .opts = rmi_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "tag",
	  .summary = "Add an additional name to a local image",
	  .synopsis = "IMAGE TARGET_NAME [TARGET_NAME...]",
	  .handler = cmd_tag,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 2,
	  .max_args = -1 },
	{ .name = "untag",
	  .summary = "Remove a name from a local image",
	  .synopsis = "IMAGE [NAME...]",
	  .handler = cmd_untag,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = NULL },
};

/* ---------- end of image commands ---------- */

static const struct cli_cmd commands[] = {
	{
	    .name = "completion",
	    .summary = "Generate a shell completion script",
	    .synopsis = "bash|zsh|fish",
	    .handler = cmd_completion,
	    .opts = no_opts,
	    .operands = CLI_COMPLETE_CHOICES,
	    .min_args = 1,
	    .max_args = 1,
	},
	{
	    .name = "help",
	    .summary = "Help about any command",
	    .synopsis = "[COMMAND [SUBCOMMAND]]",
	    .handler = cmd_help,
	    .opts = no_opts,
	    .operands = CLI_COMPLETE_COMMAND,
	    .min_args = 0,
	    .max_args = 2,
	},
	{
	    .name = "info",
	    .summary = "Display hutch related system information",
	    .synopsis = "",
	    .handler = cmd_info,
	    .opts = format_opts,
	    .min_args = 0,
	    .max_args = 0,
	},
	{
	    .name = "unshare",
	    .summary = "Run a command in a modified user namespace",
	    .synopsis = "[COMMAND [ARG...]]",
	    .handler = cmd_unshare,
	    .opts = no_opts,
	    .operands = CLI_COMPLETE_EXECUTABLE,
	    .min_args = 0,
	    .max_args = -1,
	    .stop_at_operand = true,
	},
	{
	    .name = "version",
	    .summary = "Display the hutch version information",
	    .synopsis = "",
	    .handler = cmd_version,
	    .opts = format_opts,
	    .min_args = 0,
	    .max_args = 0,
	},
	/* ---------- image commands (storage, issue #4) ---------- */
	{ .name = "history",
	  .summary = "Show the history of an image",
	  .synopsis = "IMAGE",
	  .handler = cmd_history,
	  .opts = history_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "image",
	  .summary = "Manage images",
	  .synopsis = "COMMAND",
	  .subs = image_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "images",
	  .summary = "List images in local storage",
	  .synopsis = "[IMAGE]",
	  .handler = cmd_images,
	  .opts = images_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "pull",
	  .summary = "Pull an image from a registry",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_pull,
	  .opts = pull_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "rmi",
	  .summary = "Remove one or more images",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_rmi,
	  .opts = rmi_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "system",
	  .summary = "Manage hutch",
	  .synopsis = "COMMAND",
	  .subs = system_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "tag",
	  .summary = "Add an additional name to a local image",
	  .synopsis = "IMAGE TARGET_NAME [TARGET_NAME...]",
	  .handler = cmd_tag,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 2,
	  .max_args = -1 },
	{ .name = "untag",
	  .summary = "Remove a name from a local image",
	  .synopsis = "IMAGE [NAME...]",
	  .handler = cmd_untag,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "__rootfs",
	  .summary = "Mount an image's rootfs in a user namespace and run "
		     "a host command with $ROOTFS set (tests)",
	  .synopsis = "IMAGE COMMAND [ARG...]",
	  .handler = cmd_rootfs_debug,
	  .opts =
	      (const struct cli_opt[]){
		  { "quiet", 'q', NULL, CLI_BOOL, NULL, "Do not print the driver", 0, NULL },
		  END_OPTS,
	      },
	  .min_args = 2,
	  .max_args = -1,
	  .stop_at_operand = true,
	  .hidden = true },
	/* ---------- end of image commands ---------- */
	/* Internal: used by `make generate` and by the completion scripts. */
	{
	    .name = "__gen-man",
	    .summary = "Write the man page markdown of a command",
	    .synopsis = "COMMAND [SUBCOMMAND]",
	    .handler = cmd_gen_man,
	    .opts =
		(const struct cli_opt[]){
		    { "prose", 0, "dir", CLI_STRING, "docs/cmd",
		      "Directory with the hand-written prose", CLI_COMPLETE_DIR, NULL },
		    END_OPTS,
		},
	    .min_args = 0,
	    .max_args = 2,
	    .hidden = true,
	},
	{
	    .name = "__complete",
	    .summary = "List dynamic completion values",
	    .synopsis = "KIND",
	    .handler = cmd_complete,
	    .opts = no_opts,
	    .min_args = 1,
	    .max_args = 1,
	    .hidden = true,
	},
	{ .name = NULL },
};

const struct cli_cmd cli_root = {
	.name = "hutch",
	.summary = "Rootless, daemonless containers for one user",
	.synopsis = "COMMAND",
	.handler = NULL,
	.opts = cli_global_opts,
	.subs = commands,
	.min_args = 0,
	.max_args = -1,
};
