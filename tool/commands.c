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
	END_OPTS,
};

static const struct cli_opt format_opts[] = {
	{ "format", 'f', "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	END_OPTS,
};

static const struct cli_opt no_opts[] = { END_OPTS };

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
	/* Internal: the networking library (issue #6) on a real namespace, for the system
	 * tests and benchmarks until `hutch run` calls it. */
	{
	    .name = "__nettest",
	    .summary = "Run a command in new namespaces with a container network",
	    .synopsis = "[COMMAND [ARG...]]",
	    .handler = cmd_nettest,
	    .opts =
		(const struct cli_opt[]){
		    { "network", 0, "mode", CLI_STRING, "slirp4netns", "Network mode",
		      CLI_COMPLETE_CHOICES, "slirp4netns pasta none host" },
		    { "publish", 'p', "spec", CLI_LIST, NULL,
		      "Publish a port: [[ip:]hostPort:]containerPort[/proto]", 0, NULL },
		    { "expose", 0, "port", CLI_LIST, NULL, "An EXPOSE entry of the image", 0,
		      NULL },
		    { "publish-all", 'P', NULL, CLI_BOOL, NULL,
		      "Publish the --expose ports on free host ports", 0, NULL },
		    { "run-dir", 0, "dir", CLI_STRING, NULL,
		      "Directory for the helper's files (default: a temporary one)",
		      CLI_COMPLETE_DIR, NULL },
		    { "hostname", 0, "name", CLI_STRING, "nettest", "Hostname", 0, NULL },
		    { "name", 0, "name", CLI_STRING, NULL, "Container name for /etc/hosts", 0,
		      NULL },
		    { "dns", 0, "ip", CLI_LIST, NULL, "DNS server", 0, NULL },
		    { "dns-search", 0, "domain", CLI_LIST, NULL, "DNS search domain", 0, NULL },
		    { "dns-option", 0, "option", CLI_LIST, NULL, "DNS option", 0, NULL },
		    { "add-host", 0, "host:ip", CLI_LIST, NULL, "Add an /etc/hosts entry", 0,
		      NULL },
		    { "host-resolv-conf", 0, "file", CLI_STRING, NULL,
		      "The host's resolv.conf to start from", CLI_COMPLETE_FILE, NULL },
		    END_OPTS,
		},
	    .operands = CLI_COMPLETE_EXECUTABLE,
	    .min_args = 1,
	    .max_args = -1,
	    .stop_at_operand = true,
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
