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
	{ "debug", 'D', NULL, CLI_BOOL, NULL, "Log debug messages (--log-level debug)", 0, NULL },
	{ "log-level", 0, "level", CLI_STRING, "warn",
	  "Log messages at and above this level (trace, debug, info, warn, error)",
	  CLI_COMPLETE_CHOICES, "trace debug info warn warning error fatal panic" },
	{ "help", 'h', NULL, CLI_BOOL, NULL, "Show help for hutch or a command", 0, NULL },
	{ "noout", 0, NULL, CLI_BOOL, NULL, "Do not print to stdout", 0, NULL },
	{ "version", 'v', NULL, CLI_BOOL, NULL, "Print the version and exit", 0, NULL },
	{ "root", 0, "path", CLI_STRING, NULL,
	  "Path of the image and container store (default: $XDG_DATA_HOME/hutch)", CLI_COMPLETE_DIR,
	  NULL },
	{ "runtime", 0, "path", CLI_STRING, NULL,
	  "The OCI runtime for containers created: hutch-runtime, or a copy of it by its path "
	  "(default: the runtime built into hutch)",
	  CLI_COMPLETE_FILE, NULL },
	{ "runtime-flag", 0, "flag", CLI_LIST, NULL,
	  "A global flag for the OCI runtime, without its dashes: containers then start through "
	  "the runtime program",
	  0, NULL },
	{ "storage-driver", 0, "driver", CLI_STRING, NULL,
	  "Storage driver for container rootfs: overlay or fuse-overlayfs (default: probe; vfs: "
	  "image commands only)",
	  CLI_COMPLETE_CHOICES, "overlay fuse-overlayfs vfs" },
	END_OPTS,
};

static const struct cli_opt format_opts[] = {
	{ "format", 'f', "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	END_OPTS,
};

static const struct cli_opt no_opts[] = { END_OPTS };

/* inspect and container inspect: --format, and -l for the newest container. */
static const struct cli_opt inspect_opts[] = {
	{ "format", 'f', "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	{ "latest", 'l', NULL, CLI_BOOL, NULL, "Act on the latest container", 0, NULL },
	END_OPTS,
};
/* __cleanup: --unlisted when the monitor took a --rm container out of the store already. */
static const struct cli_opt cleanup_opts[] = { { "unlisted", 0, NULL, CLI_BOOL, NULL,
						 "The monitor unlisted the container (--rm)",
						 CLI_COMPLETE_NONE, NULL },
					       END_OPTS };

/* ---------- image commands (storage, issue #4) ---------- */

static const struct cli_opt pull_opts[] = {
	{ "all-tags", 'a', NULL, CLI_BOOL, NULL, "Pull all tagged images in the repository", 0,
	  NULL },
	{ "arch", 0, "arch", CLI_STRING, NULL, "Use ARCH instead of the host architecture", 0,
	  NULL },
	{ "authfile", 0, "file", CLI_STRING, NULL, "Path of the authentication file",
	  CLI_COMPLETE_FILE, NULL },
	{ "creds", 0, "user:password", CLI_SECRET, NULL,
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

static const struct cli_opt push_opts[] = {
	{ "authfile", 0, "file", CLI_STRING, NULL, "Path of the authentication file",
	  CLI_COMPLETE_FILE, NULL },
	{ "cert-dir", 0, "dir", CLI_STRING, NULL,
	  "Use the certificates (*.crt, *.cert, *.key) in this directory", CLI_COMPLETE_DIR, NULL },
	{ "compression-format", 0, "format", CLI_STRING, "gzip",
	  "Compress the layers that need it with gzip or zstd", CLI_COMPLETE_CHOICES, "gzip zstd" },
	{ "creds", 0, "user:password", CLI_SECRET, NULL,
	  "Credentials (USERNAME:PASSWORD) for the registry", 0, NULL },
	{ "digestfile", 0, "file", CLI_STRING, NULL,
	  "Write the digest of the pushed manifest to this file", CLI_COMPLETE_FILE, NULL },
	{ "disable-content-trust", 0, NULL, CLI_BOOL, NULL,
	  "Accepted for Docker's command lines (no effect)", 0, NULL },
	{ "format", 'f', "format", CLI_STRING, NULL,
	  "Manifest type: oci, v2s2 or docker (default: the image's own)", CLI_COMPLETE_CHOICES,
	  "oci v2s2 docker" },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Suppress progress output", 0, NULL },
	{ "remove-signatures", 0, NULL, CLI_BOOL, NULL, "Accepted: hutch copies no signatures", 0,
	  NULL },
	{ "tls-verify", 0, NULL, CLI_BOOL, "true",
	  "Require HTTPS and verify certificates (false allows plain http)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt tree_opts[] = {
	{ "whatrequires", 0, NULL, CLI_BOOL, NULL,
	  "Show the images built on this one, layer by layer", 0, NULL },
	END_OPTS,
};

static const struct cli_opt images_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Show all images, intermediate ones of builds too", 0,
	  NULL },
	{ "digests", 0, NULL, CLI_BOOL, NULL, "Show digests", 0, NULL },
	{ "filter", 'f', "filter", CLI_LIST, NULL,
	  "Filter output: dangling=true|false, reference=PATTERN", 0, NULL },
	{ "format", 0, "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	{ "noheading", 'n', NULL, CLI_BOOL, NULL, "Do not print column headings", 0, NULL },
	{ "no-trunc", 0, NULL, CLI_BOOL, NULL, "Do not truncate output", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Display only image IDs", 0, NULL },
	{ "sort", 0, "key", CLI_STRING, "created", "Sort by created, id, repository, size or tag",
	  CLI_COMPLETE_CHOICES, "created id repository size tag" },
	END_OPTS,
};

static const struct cli_opt rmi_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove all images", 0, NULL },
	{ "force", 'f', NULL, CLI_BOOL, NULL,
	  "Remove an image with several names at once (never one a container uses); images that "
	  "do not exist are no error",
	  0, NULL },
	{ "ignore", 'i', NULL, CLI_BOOL, NULL, "Images that do not exist are no error", 0, NULL },
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

static const struct cli_opt check_opts[] = {
	{ "force", 'f', NULL, CLI_BOOL, NULL,
	  "With --repair, also remove containers on damaged storage", 0, NULL },
	{ "quick", 'q', NULL, CLI_BOOL, NULL, "Skip the time-consuming checks (blob digests)", 0,
	  NULL },
	{ "repair", 'r', NULL, CLI_BOOL, NULL, "Remove what is damaged or left over", 0, NULL },
	END_OPTS,
};

static const struct cli_opt sprune_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove all unused images, not just dangling ones", 0,
	  NULL },
	{ "force", 'f', NULL, CLI_BOOL, NULL, "Do not prompt for confirmation", 0, NULL },
	{ "volumes", 0, NULL, CLI_BOOL, NULL, "Prune volumes", 0, NULL },
	END_OPTS,
};

static const struct cli_opt reset_opts[] = {
	{ "force", 'f', NULL, CLI_BOOL, NULL, "Do not prompt for confirmation", 0, NULL },
	END_OPTS,
};

static const struct cli_cmd system_subs[] = {
	{ .name = "check",
	  .summary = "Perform consistency checks on image and container storage",
	  .synopsis = "",
	  .handler = cmd_system_check,
	  .store = true,
	  .opts = check_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "df",
	  .summary = "Show hutch disk usage",
	  .synopsis = "",
	  .handler = cmd_system_df,
	  .store = true,
	  .opts = format_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "prune",
	  .summary = "Remove unused pods, containers, images and, with --volumes, volumes",
	  .synopsis = "",
	  .handler = cmd_system_prune,
	  .store = true,
	  .opts = sprune_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "reset",
	  .summary = "Reset storage back to its initial state",
	  .synopsis = "",
	  .handler = cmd_system_reset,
	  .store = true,
	  .opts = reset_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = NULL },
};

/* ---------- archive commands: save, load, import, export (storage, issue #4) ---------- */

static const struct cli_opt save_opts[] = {
	{ "format", 0, "format", CLI_STRING, "docker-archive",
	  "Save image(s) to docker-archive or oci-archive (one image)", CLI_COMPLETE_CHOICES,
	  "docker-archive oci-archive" },
	{ "multi-image-archive", 'm', NULL, CLI_BOOL, NULL,
	  "Save several images in one docker-archive (always so with several images)", 0, NULL },
	{ "output", 'o', "file", CLI_STRING, NULL,
	  "Write to a file (default: stdout, which must not be a terminal)", CLI_COMPLETE_FILE,
	  NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Suppress the output (there is none)", 0, NULL },
	{ "uncompressed", 0, NULL, CLI_BOOL, NULL,
	  "Keep the layers uncompressed in an oci-archive (as they are stored)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt load_opts[] = {
	{ "input", 'i', "file", CLI_STRING, NULL,
	  "Read from a file or an http(s) URL (default: stdin, which must not be a terminal)",
	  CLI_COMPLETE_FILE, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Suppress the progress output (there is none)", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt import_opts[] = {
	{ "change", 'c', "instruction", CLI_LIST, NULL,
	  "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | "
	  "ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR",
	  0, NULL },
	{ "message", 'm', "message", CLI_STRING, NULL, "Comment for the image's history", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Print only the image ID", 0, NULL },
	END_OPTS,
};

static const struct cli_opt build_opts[] = {
	{ "build-arg", 0, "argument=value", CLI_LIST, NULL,
	  "Set a build-time variable (ARG); KEY alone takes the value from the environment", 0,
	  NULL },
	{ "file", 'f', "pathname", CLI_STRING, NULL,
	  "Containerfile to read (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile)",
	  CLI_COMPLETE_FILE, NULL },
	{ "format", 0, "format", CLI_STRING, "oci",
	  "Format of the built image's manifest and metadata (oci or docker)", CLI_COMPLETE_CHOICES,
	  "oci docker" },
	{ "iidfile", 0, "file", CLI_STRING, NULL, "Write the image ID to the file",
	  CLI_COMPLETE_FILE, NULL },
	{ "label", 0, "label", CLI_LIST, NULL, "Set a label on the built image (KEY=VALUE)", 0,
	  NULL },
	{ "layers", 0, NULL, CLI_BOOL, "true",
	  "Cache the image of each step (hutch always does; accepted for podman's command lines)",
	  0, NULL },
	{ "network", 0, "mode", CLI_STRING, NULL,
	  "The network of RUN steps: slirp4netns, pasta, host or none", 0, NULL },
	{ "no-cache", 0, NULL, CLI_BOOL, NULL, "Do not use the layer cache: run every step", 0,
	  NULL },
	{ "platform", 0, "os/arch", CLI_STRING, NULL,
	  "The platform of the base images (only the host's is built)", 0, NULL },
	{ "pull", 0, "policy", CLI_STRING_OPTVAL, "missing",
	  "Pull base images: always, missing, never or newer (--pull=POLICY; --pull alone: always)",
	  CLI_COMPLETE_CHOICES, "always missing never newer" },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Print only the image ID", 0, NULL },
	{ "secret", 0, "id=ID,src=PATH", CLI_LIST, NULL,
	  "A file RUN --mount=type=secret,id=ID reads (never in a layer)", 0, NULL },
	{ "tag", 't', "name", CLI_LIST, NULL, "Name the built image", 0, NULL },
	{ "target", 0, "stage", CLI_STRING, NULL, "Build up to this stage and stop", 0, NULL },
	{ "tls-verify", 0, NULL, CLI_BOOL, "true",
	  "Require HTTPS and verify certificates when pulling base images", 0, NULL },
	END_OPTS,
};

static const struct cli_opt commit_opts[] = {
	{ "author", 'a', "author", CLI_STRING, NULL, "Set the author for the image committed", 0,
	  NULL },
	{ "change", 'c', "instruction", CLI_LIST, NULL,
	  "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | "
	  "ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR",
	  0, NULL },
	{ "format", 'f', "format", CLI_STRING, "oci",
	  "Format of the image manifest and metadata (oci or docker)", CLI_COMPLETE_CHOICES,
	  "oci docker" },
	{ "iidfile", 0, "file", CLI_STRING, NULL, "Write the image ID to the file",
	  CLI_COMPLETE_FILE, NULL },
	{ "include-volumes", 0, NULL, CLI_BOOL, NULL, "Include container volumes as image volumes",
	  0, NULL },
	{ "message", 'm', "message", CLI_STRING, NULL,
	  "Set commit message for imported image (docker format only)", 0, NULL },
	{ "pause", 'p', NULL, CLI_BOOL, NULL, "Pause container during commit", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Suppress output", 0, NULL },
	{ "squash", 's', NULL, CLI_BOOL, NULL,
	  "Squash the image's layers and the container's changes into one new layer", 0, NULL },
	END_OPTS,
};

static const struct cli_opt export_opts[] = {
	{ "output", 'o', "file", CLI_STRING, NULL,
	  "Write to a file (default: stdout, which must not be a terminal)", CLI_COMPLETE_FILE,
	  NULL },
	END_OPTS,
};

/* ---------- end of archive commands ---------- */

static const struct cli_cmd buildx_subs[] = {
	{ .name = "build",
	  .summary = "Build an image from a Containerfile",
	  .synopsis = "[CONTEXT]",
	  .handler = cmd_build,
	  .store = true,
	  .opts = build_opts,
	  .operands = CLI_COMPLETE_DIR,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = NULL },
};

static const struct cli_cmd image_subs[] = {
	{ .name = "build",
	  .summary = "Build an image from a Containerfile",
	  .synopsis = "[CONTEXT]",
	  .handler = cmd_build,
	  .store = true,
	  .opts = build_opts,
	  .operands = CLI_COMPLETE_DIR,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "exists",
	  .summary = "Check if an image exists in local storage",
	  .synopsis = "IMAGE",
	  .handler = cmd_image_exists,
	  .store = true,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "history",
	  .summary = "Show the history of an image",
	  .synopsis = "IMAGE",
	  .handler = cmd_history,
	  .store = true,
	  .opts = history_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "import",
	  .summary = "Import a tarball to create a filesystem image",
	  .synopsis = "PATH [REFERENCE]",
	  .handler = cmd_import,
	  .store = true,
	  .opts = import_opts,
	  .operands = CLI_COMPLETE_FILE,
	  .min_args = 1,
	  .max_args = 2 },
	{ .name = "inspect",
	  .summary = "Display the configuration of an image",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_image_inspect,
	  .store = true,
	  .opts = format_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "load",
	  .summary = "Load image(s) from a tar archive",
	  .synopsis = "",
	  .handler = cmd_load,
	  .store = true,
	  .opts = load_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "ls",
	  .aliases = (const char *const[]){ "list", NULL },
	  .summary = "List images in local storage",
	  .synopsis = "[IMAGE]",
	  .handler = cmd_images,
	  .store = true,
	  .opts = images_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "prune",
	  .summary = "Remove unused images",
	  .synopsis = "",
	  .handler = cmd_image_prune,
	  .store = true,
	  .opts = prune_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "pull",
	  .summary = "Pull an image from a registry",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_pull,
	  .store = true,
	  .opts = pull_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "push",
	  .summary = "Push an image to a registry or another destination",
	  .synopsis = "IMAGE [DESTINATION]",
	  .handler = cmd_push,
	  .store = true,
	  .opts = push_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 2 },
	{ .name = "rm",
	  .summary = "Remove one or more images",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_rmi,
	  .store = true,
	  .rm_codes = true,
	  .opts = rmi_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "save",
	  .summary = "Save image(s) to an archive",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_save,
	  .store = true,
	  .opts = save_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "tag",
	  .summary = "Add an additional name to a local image",
	  .synopsis = "IMAGE TARGET_NAME [TARGET_NAME...]",
	  .handler = cmd_tag,
	  .store = true,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 2,
	  .max_args = -1 },
	{ .name = "tree",
	  .summary = "Show the layers of an image as a tree",
	  .synopsis = "IMAGE",
	  .handler = cmd_image_tree,
	  .store = true,
	  .opts = tree_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "untag",
	  .summary = "Remove a name from a local image",
	  .synopsis = "IMAGE [NAME...]",
	  .handler = cmd_untag,
	  .store = true,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = NULL },
};

/* ---------- end of image commands ---------- */

/* ---------- container commands (issue #5) ---------- */

#define S CLI_STRING
#define L CLI_LIST
#define B CLI_BOOL
#define I CLI_INT
#define C_CTR CLI_COMPLETE_CONTAINER
#define C_RUN CLI_COMPLETE_CTR_RUNNING

/* run and create share their flags: create's are run's without the first three (run's own,
 * as podman's: -d, --preserve-fds and --rmi). */
#define RUN_ONLY_OPTS 3
static const struct cli_opt run_opts[] = {
	{ "detach", 'd', NULL, B, NULL, "Run in the background and print the container ID", 0,
	  NULL },
	{ "preserve-fds", 0, "n", I, NULL,
	  "Pass the file descriptors 3 to 3+N-1 of hutch into the container", 0, NULL },
	{ "rmi", 0, NULL, B, NULL, "Remove the image once the container exits, unless used", 0,
	  NULL },
	{ "add-host", 0, "host:ip", L, NULL, "Add a custom host-to-IP mapping", 0, NULL },
	{ "annotation", 0, "key=value", L, NULL, "Add an annotation to the container", 0, NULL },
	{ "attach", 'a', "stream", L, NULL, "Attach only these streams: stdin, stdout, stderr",
	  CLI_COMPLETE_CHOICES, "stdin stdout stderr" },
	{ "cap-add", 0, "capability", L, NULL, "Add a capability", 0, NULL },
	{ "cap-drop", 0, "capability", L, NULL, "Drop a capability", 0, NULL },
	{ "cgroups", 0, "mode", S, "enabled",
	  "Cgroups for the container: enabled, disabled (none of its own, no limits), no-conmon "
	  "(the monitor stays in the caller's cgroup) or split",
	  CLI_COMPLETE_CHOICES, "enabled disabled no-conmon split" },
	{ "cidfile", 0, "file", S, NULL, "Write the container ID to this file", CLI_COMPLETE_FILE,
	  NULL },
	{ "conmon-pidfile", 0, "file", S, NULL,
	  "Write the PID of the container's monitor (podman's conmon) to this file",
	  CLI_COMPLETE_FILE, NULL },
	{ "cpus", 0, "number", S, NULL, "CPUs the container may use (needs delegated cgroups)", 0,
	  NULL },
	{ "detach-keys", 0, "keys", S, NULL, "Key sequence to detach (default ctrl-p,ctrl-q)", 0,
	  NULL },
	{ "device", 0, "host[:container]", L, NULL, "Bind a host device into the container",
	  CLI_COMPLETE_FILE, NULL },
	{ "dns", 0, "ip", L, NULL, "Set a DNS server", 0, NULL },
	{ "dns-option", 0, "option", L, NULL, "Set a resolv.conf option", 0, NULL },
	{ "dns-search", 0, "domain", L, NULL, "Set a DNS search domain", 0, NULL },
	{ "entrypoint", 0, "command", S, NULL, "Override the image's entrypoint (string or JSON)",
	  0, NULL },
	{ "env", 'e', "key=value", L, NULL, "Set an environment variable (KEY alone: the host's)",
	  0, NULL },
	{ "env-file", 0, "file", L, NULL, "Read environment variables from a file",
	  CLI_COMPLETE_FILE, NULL },
	{ "group-add", 0, "gid", L, NULL, "Add a supplementary group", 0, NULL },
	{ "health-cmd", 0, "command", S, NULL,
	  "Healthcheck command: a string for /bin/sh -c, a JSON array, or none", 0, NULL },
	{ "health-interval", 0, "interval", S, "30s",
	  "How often the monitor runs the healthcheck (disable: only healthcheck run)", 0, NULL },
	{ "health-on-failure", 0, "action", S, "none",
	  "What an unhealthy container gets: none, kill, restart, stop", CLI_COMPLETE_CHOICES,
	  "none kill restart stop" },
	{ "health-retries", 0, "retries", I, "3", "Failures in a row that make it unhealthy", 0,
	  NULL },
	{ "health-start-period", 0, "period", S, "0s",
	  "Time after the start in which failures do not count", 0, NULL },
	{ "health-timeout", 0, "timeout", S, "30s", "Time a healthcheck may take before it fails",
	  0, NULL },
	{ "hostname", 'h', "name", S, NULL, "Set the container's hostname", 0, NULL },
	{ "hostuser", 0, "user", L, NULL,
	  "Add this host user (name or UID) to the container's /etc/passwd", 0, NULL },
	{ "http-proxy", 0, NULL, B, NULL,
	  "Accepted for compatibility: hutch passes no proxy variables into containers", 0, NULL },
	{ "init", 0, NULL, B, NULL, "Run a tiny init that reaps zombies and forwards signals", 0,
	  NULL },
	{ "interactive", 'i', NULL, B, NULL, "Keep stdin open", 0, NULL },
	{ "ip", 0, "address", S, NULL,
	  "The container's IPv4 address on its one user-defined network", 0, NULL },
	{ "kernel-memory", 0, "limit", S, NULL, "Ignored, as podman does (no longer supported)", 0,
	  NULL },
	{ "label", 'l', "key=value", L, NULL, "Set a label on the container", 0, NULL },
	{ "log-driver", 0, "driver", S, "k8s-file", "Logging driver: k8s-file, none, passthrough",
	  CLI_COMPLETE_CHOICES, "k8s-file none passthrough" },
	{ "log-opt", 0, "opt", L, NULL, "Logging option: max-size=SIZE", 0, NULL },
	{ "mac-address", 0, "address", S, NULL,
	  "The container's MAC address on its one user-defined network", 0, NULL },
	{ "memory", 'm', "limit", S, NULL, "Memory limit (needs delegated cgroups)", 0, NULL },
	{ "mount", 0, "spec", L, NULL, "Attach a mount: type=bind|volume|tmpfs,src=,dst=,ro",
	  CLI_COMPLETE_CHOICES, "type=bind, type=volume, type=tmpfs," },
	{ "name", 0, "name", S, NULL, "Name the container", 0, NULL },
	{ "no-healthcheck", 0, NULL, B, NULL, "No healthcheck, not even the image's", 0, NULL },
	{ "network", 0, "mode", S, NULL,
	  "Network: slirp4netns[:opts] (default), pasta[:args], none, host, container:NAME, "
	  "ns:PATH, or networks NAME[,NAME...]",
	  CLI_COMPLETE_CHOICES, "slirp4netns pasta none host private container: ns:" },
	{ "net", 0, "mode", S, NULL, "The same as --network", CLI_COMPLETE_CHOICES,
	  "slirp4netns pasta none host private container: ns:" },
	{ "network-alias", 0, "name", L, NULL,
	  "Another name of the container on its networks (their DNS answers it)", 0, NULL },
	{ "pids-limit", 0, "n", S, NULL, "Process limit (needs delegated cgroups)", 0, NULL },
	{ "pod", 0, "name", S, NULL,
	  "Run in a pod: share its network, UTS and IPC namespaces (starts the pod)",
	  CLI_COMPLETE_POD, NULL },
	{ "pod-id-file", 0, "file", S, NULL, "Run in the pod whose ID this file holds",
	  CLI_COMPLETE_FILE, NULL },
	{ "privileged", 0, NULL, B, NULL, "All capabilities, no seccomp or masked paths", 0, NULL },
	{ "publish", 'p', "[ip:]hostport:port", L, NULL, "Publish a container's port on the host",
	  0, NULL },
	{ "publish-all", 'P', NULL, B, NULL, "Publish every port the image exposes on free ports",
	  0, NULL },
	{ "pull", 0, "policy", S, "missing", "Pull the image: always, missing, never",
	  CLI_COMPLETE_CHOICES, "always missing never newer" },
	{ "quiet", 'q', NULL, B, NULL, "Suppress pull progress", 0, NULL },
	{ "read-only", 0, NULL, B, NULL, "Mount the root filesystem read-only", 0, NULL },
	{ "replace", 0, NULL, B, NULL, "Replace a container with the same name", 0, NULL },
	{ "restart", 0, "policy", S, NULL, "Restart policy: no, always, on-failure[:N]",
	  CLI_COMPLETE_CHOICES, "no always on-failure unless-stopped" },
	{ "rm", 0, NULL, B, NULL, "Remove the container when it exits", 0, NULL },
	{ "runtime", 0, "path", S, NULL, "The OCI runtime, as the global --runtime",
	  CLI_COMPLETE_FILE, NULL },
	{ "sdnotify", 0, "mode", S, "container",
	  "sd_notify with NOTIFY_SOCKET: container, conmon (ready once it runs), healthy (once "
	  "its healthcheck passes) or ignore",
	  CLI_COMPLETE_CHOICES, "container conmon healthy ignore" },
	{ "secret", 0, "name[,opts]", L, NULL,
	  "Add a secret: NAME[,type=mount|env][,target=][,uid=][,gid=][,mode=]", 0, NULL },
	{ "security-opt", 0, "opt", L, NULL, "seccomp=unconfined|FILE.json, no-new-privileges",
	  CLI_COMPLETE_CHOICES, "no-new-privileges seccomp=" },
	{ "sig-proxy", 0, NULL, B, "true", "Forward received signals to the container", 0, NULL },
	{ "stop-signal", 0, "signal", S, NULL, "Signal to stop the container", CLI_COMPLETE_SIGNAL,
	  NULL },
	{ "stop-timeout", 0, "seconds", I, "10", "Seconds before stop uses SIGKILL", 0, NULL },
	{ "sysctl", 0, "name=value", L, NULL, "Set a namespaced sysctl", 0, NULL },
	{ "timeout", 0, "seconds", I, NULL,
	  "Kill the container once it has run this long (0: no limit)", 0, NULL },
	{ "tls-verify", 0, NULL, B, "true", "Verify TLS when pulling", 0, NULL },
	{ "tmpfs", 0, "dir[:opts]", L, NULL, "Mount a tmpfs", 0, NULL },
	{ "unsetenv", 0, "key", L, NULL, "Unset a default or image environment variable", 0, NULL },
	{ "unsetenv-all", 0, NULL, B, NULL, "Unset every default and image environment variable", 0,
	  NULL },
	{ "tz", 0, "zone", S, NULL, "Time zone (/usr/share/zoneinfo/ZONE), or local: the host's", 0,
	  NULL },
	{ "tty", 't', NULL, B, NULL, "Allocate a pseudo-terminal", 0, NULL },
	{ "ulimit", 0, "name=soft[:hard]", L, NULL, "Set a resource limit", 0, NULL },
	{ "user", 'u', "user[:group]", S, NULL, "Run as this user (names from the image)", 0,
	  NULL },
	{ "userns", 0, "mode", S, NULL, "User namespace mode: keep-id", CLI_COMPLETE_CHOICES,
	  "keep-id" },
	{ "volume", 'v', "src:dst[:opts]", L, NULL, "Bind a host path or a named volume",
	  CLI_COMPLETE_VOLUME_SPEC, NULL },
	{ "workdir", 'w', "dir", S, NULL, "Working directory inside the container", 0, NULL },
	END_OPTS,
};

static const struct cli_opt start_opts[] = {
	{ "all", 0, NULL, B, NULL, "Start all containers that do not run", 0, NULL },
	{ "attach", 'a', NULL, B, NULL, "Attach to the container's output", 0, NULL },
	{ "detach-keys", 0, "keys", S, NULL, "Key sequence to detach", 0, NULL },
	{ "filter", 'f', "key=value", L, NULL,
	  "Start only the containers that match: status=, name=, id=, label=, ancestor=, "
	  "exited=, restart-policy=",
	  0, NULL },
	{ "interactive", 'i', NULL, B, NULL, "Attach stdin too", 0, NULL },
	END_OPTS,
};

static const struct cli_opt stop_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Stop all running containers", 0, NULL },
	{ "cidfile", 0, "file", L, NULL,
	  "Read the container ID from the file (written by run --cidfile)", CLI_COMPLETE_FILE,
	  NULL },
	{ "ignore", 'i', NULL, B, NULL, "Ignore containers that do not exist", 0, NULL },
	{ "time", 't', "seconds", I, NULL,
	  "Seconds to wait before SIGKILL (default: the "
	  "container's stop timeout)",
	  0, NULL },
	{ "timeout", 0, "seconds", I, NULL, "The same as --time", 0, NULL },
	END_OPTS,
};

static const struct cli_opt kill_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Signal all running containers", 0, NULL },
	{ "cidfile", 0, "file", L, NULL,
	  "Read the container ID from the file (written by run --cidfile)", CLI_COMPLETE_FILE,
	  NULL },
	{ "signal", 's', "signal", S, "KILL", "Signal to send", CLI_COMPLETE_SIGNAL, NULL },
	END_OPTS,
};

static const struct cli_opt rm_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Remove all containers", 0, NULL },
	{ "cidfile", 0, "file", L, NULL,
	  "Read the container ID from the file (written by run --cidfile)", CLI_COMPLETE_FILE,
	  NULL },
	{ "depend", 0, NULL, B, NULL,
	  "Remove the containers that share the network of a container first", 0, NULL },
	{ "force", 'f', NULL, B, NULL,
	  "Kill and remove running containers; containers that do not exist are no error", 0,
	  NULL },
	{ "ignore", 'i', NULL, B, NULL, "Ignore containers that do not exist", 0, NULL },
	{ "latest", 'l', NULL, B, NULL, "Remove the latest container hutch created", 0, NULL },
	{ "time", 't', "seconds", I, "0",
	  "With --force, seconds to wait for a running container to stop before killing it", 0,
	  NULL },
	{ "volumes", 'v', NULL, B, NULL,
	  "Remove the container's anonymous volumes too (named volumes stay)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt ps_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Show all containers, not only running ones", 0, NULL },
	{ "external", 0, NULL, B, NULL,
	  "Also show containers of other tools in the store (hutch's store has none)", 0, NULL },
	{ "filter", 'f', "key=value", L, NULL, "Filter: status=, name=, id=, label=, ancestor=", 0,
	  NULL },
	{ "format", 0, "format", S, NULL, "Output as json, table or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	{ "last", 'n', "n", I, "-1", "Show the n most recently created containers", 0, NULL },
	{ "latest", 'l', NULL, B, NULL, "Show the latest container", 0, NULL },
	{ "noheading", 0, NULL, B, NULL, "Do not print the header", 0, NULL },
	{ "no-trunc", 0, NULL, B, NULL, "Do not truncate IDs", 0, NULL },
	{ "quiet", 'q', NULL, B, NULL, "Print only container IDs", 0, NULL },
	{ "sort", 0, "key", S, NULL,
	  "Sort by command, created (oldest first), id, image, names, runningfor, size or status",
	  CLI_COMPLETE_CHOICES, "command created id image names runningfor size status" },
	END_OPTS,
};

static const struct cli_opt logs_opts[] = {
	{ "follow", 'f', NULL, B, NULL, "Follow the log while the container runs", 0, NULL },
	{ "since", 0, "time", S, NULL, "Show lines since a time or a duration (10m)", 0, NULL },
	{ "tail", 0, "n", I, "-1", "Show the last n lines", 0, NULL },
	{ "timestamps", 't', NULL, B, NULL, "Show timestamps", 0, NULL },
	{ "until", 0, "time", S, NULL, "Show lines until a time or a duration", 0, NULL },
	END_OPTS,
};

static const struct cli_opt attach_opts[] = {
	{ "detach-keys", 0, "keys", S, NULL, "Key sequence to detach", 0, NULL },
	{ "no-stdin", 0, NULL, B, NULL, "Do not attach stdin", 0, NULL },
	{ "sig-proxy", 0, NULL, B, "true", "Forward received signals to the container", 0, NULL },
	END_OPTS,
};

static const struct cli_opt exec_opts[] = {
	{ "detach", 'd', NULL, B, NULL, "Run the process in the background", 0, NULL },
	{ "detach-keys", 0, "keys", S, NULL,
	  "With -t, the keys that detach, leaving the process running (default ctrl-p,ctrl-q; "
	  "\"\" for none)",
	  0, NULL },
	{ "env", 'e', "key=value", L, NULL, "Set an environment variable", 0, NULL },
	{ "interactive", 'i', NULL, B, NULL, "Keep stdin open", 0, NULL },
	{ "tty", 't', NULL, B, NULL, "Allocate a pseudo-terminal", 0, NULL },
	{ "user", 'u', "user[:group]", S, NULL, "Run as this user", 0, NULL },
	{ "workdir", 'w', "dir", S, NULL, "Working directory", 0, NULL },
	END_OPTS,
};

static const struct cli_opt exists_opts[] = {
	{ "external", 0, NULL, B, NULL,
	  "Also containers of other tools in the store (hutch's store has none)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt wait_opts[] = {
	{ "condition", 0, "state", L, NULL, "Condition to wait for: stopped (default), exited",
	  CLI_COMPLETE_CHOICES, "stopped exited" },
	END_OPTS,
};

/* ---------- the rest of issue #5: cp, diff, top, ..., volumes ---------- */
#define COMMIT_SUMMARY "Create new image based on the changed container"
#define COMMIT_SYNOPSIS "CONTAINER [IMAGE]"
#define CP_SUMMARY "Copy files between a container and the host"
#define CP_SYNOPSIS "[CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH"

#define DIFF_SUMMARY "Show the changes to a container's filesystem"
#define TOP_SUMMARY "Display the running processes of a container"
#define TOP_SYNOPSIS "CONTAINER [DESCRIPTOR...]"
#define RENAME_SUMMARY "Rename a container"
#define PORT_SUMMARY "List the published ports of a container"
#define PAUSE_SUMMARY "Pause all the processes in containers"
#define UNPAUSE_SUMMARY "Unpause the processes in containers"
#define STATS_SUMMARY "Display resource usage of containers"
#define CTRS_SYNOPSIS "CONTAINER [CONTAINER...]"

static const struct cli_opt diff_opts[] = {
	{ "format", 0, "format", S, NULL, "Change the output format to JSON", CLI_COMPLETE_CHOICES,
	  "json" },
	{ "latest", 'l', NULL, B, NULL, "Act on the latest container hutch created", 0, NULL },
	END_OPTS,
};

static const struct cli_opt cp_opts[] = {
	{ "archive", 'a', NULL, B, "true",
	  "Chown what is copied into a container to its user (false: keep the source's owners)", 0,
	  NULL },
	{ "overwrite", 0, NULL, B, NULL,
	  "Allow a directory to replace a non-directory and the other way round", 0, NULL },
	{ "pause", 0, NULL, B, "true",
	  "Accepted for podman; hutch resolves every path inside the container and pauses nothing",
	  0, NULL },
	END_OPTS,
};

static const struct cli_opt stats_opts[] = {
	{ "no-stream", 0, NULL, B, NULL, "Print one sample instead of a live stream", 0, NULL },
	{ "noheading", 'n', NULL, B, NULL, "Do not print column headings", 0, NULL },
	END_OPTS,
};

/* auto-update (issue 16): podman's flags, and --tls-verify of its later versions. */
static const struct cli_opt autoupdate_opts[] = {
	{ "authfile", 0, "file", CLI_STRING, NULL,
	  "Path of the authentication file for the registries' images (a container's "
	  "io.containers.autoupdate.authfile label wins)",
	  CLI_COMPLETE_FILE, NULL },
	{ "dry-run", 0, NULL, CLI_BOOL, NULL, "Check for pending updates", 0, NULL },
	{ "format", 0, "format", CLI_STRING, NULL,
	  "Change the output format to JSON or a Go template", CLI_COMPLETE_FORMAT, "json" },
	{ "rollback", 0, NULL, CLI_BOOL, "true", "Rollback to previous image if update fails", 0,
	  NULL },
	{ "tls-verify", 0, NULL, CLI_BOOL, "true",
	  "Require HTTPS and verify certificates (false allows plain http)", 0, NULL },
	END_OPTS,
};

static const struct cli_opt cprune_opts[] = {
	{ "force", 'f', NULL, B, NULL, "Do not ask for confirmation", 0, NULL },
	END_OPTS,
};

static const struct cli_opt vcreate_opts[] = {
	{ "driver", 0, "driver", S, "local", "Volume driver (local only)", CLI_COMPLETE_CHOICES,
	  "local" },
	{ "ignore", 0, NULL, B, NULL, "Do not fail when the volume exists", 0, NULL },
	{ "label", 'l', "key=value", L, NULL, "Set a label on the volume", 0, NULL },
	{ "opt", 'o', "key=value", L, NULL,
	  "Driver option: type=tmpfs|bind, device=PATH, o=MOUNT-OPTIONS, nocopy", 0, NULL },
	END_OPTS,
};

static const struct cli_opt vexport_opts[] = {
	{ "output", 'o', "file", S, NULL, "Write to a file instead of stdout", CLI_COMPLETE_FILE,
	  NULL },
	END_OPTS,
};

static const struct cli_opt vimport_opts[] = {
	END_OPTS,
};

static const struct cli_opt vprune_opts[] = {
	{ "filter", 0, "key=value", L, NULL, "Prune only volumes that match: label=, label!=", 0,
	  NULL },
	{ "force", 'f', NULL, B, NULL, "Do not ask for confirmation", 0, NULL },
	END_OPTS,
};

static const struct cli_opt vinspect_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Inspect all volumes", 0, NULL },
	{ "format", 'f', "format", S, NULL, "Change the output format to JSON or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	END_OPTS,
};

static const struct cli_opt vls_opts[] = {
	{ "filter", 'f', "key=value", L, NULL,
	  "Filter: name= (a regular expression), label=, label!=, driver=, scope=, opt=, "
	  "dangling=",
	  0, NULL },
	{ "format", 0, "format", S, NULL, "Change the output format to JSON or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	{ "noheading", 'n', NULL, B, NULL, "Do not print column headings", 0, NULL },
	{ "quiet", 'q', NULL, B, NULL, "Print volume names only", 0, NULL },
	END_OPTS,
};

static const struct cli_opt vrm_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Remove all volumes", 0, NULL },
	{ "force", 'f', NULL, B, NULL,
	  "Remove a volume in use, with the containers that use it; a missing volume is no error",
	  0, NULL },
	{ "time", 't', "seconds", I, "10",
	  "With --force, seconds to wait for a container that uses it to stop", 0, NULL },
	END_OPTS,
};

#define VOL_CMD(n, al, sum, syn, h, o, mn, mx)                                           \
	{                                                                                \
		.name = n, .aliases = al, .summary = sum, .synopsis = syn, .handler = h, \
		.store = true, .opts = o, .min_args = mn, .max_args = mx,                \
		.operands = (mx) != 0 ? CLI_COMPLETE_VOLUME : CLI_COMPLETE_NONE          \
	}

static const struct cli_cmd volume_subs[] = {
	{ .name = "create",
	  .summary = "Create a new volume",
	  .synopsis = "[NAME]",
	  .handler = cmd_volume_create,
	  .store = true,
	  .opts = vcreate_opts,
	  .min_args = 0,
	  .max_args = 1 },
	VOL_CMD("export", NULL, "Export the contents of a volume as a tar archive", "VOLUME",
		cmd_volume_export, vexport_opts, 1, 1),
	{ .name = "import",
	  .summary = "Import a tar archive into a volume",
	  .synopsis = "VOLUME [SOURCE|-]",
	  .handler = cmd_volume_import,
	  .store = true,
	  .opts = vimport_opts,
	  .operands = CLI_COMPLETE_VOLUME,
	  .min_args = 2,
	  .max_args = 2 },
	VOL_CMD("inspect", NULL, "Display detailed information on volumes", "[VOLUME...]",
		cmd_volume_inspect, vinspect_opts, 0, -1),
	VOL_CMD("ls", ((const char *const[]){ "list", NULL }), "List volumes", "", cmd_volume_ls,
		vls_opts, 0, 0),
	VOL_CMD("mount", NULL, "Print where the files of volumes are (in hutch unshare)",
		"VOLUME [VOLUME...]", cmd_volume_mount, no_opts, 1, -1),
	VOL_CMD("prune", NULL, "Remove all unused volumes", "", cmd_volume_prune, vprune_opts, 0,
		0),
	{ .name = "rm",
	  .aliases = (const char *const[]){ "remove", NULL },
	  .summary = "Remove volumes",
	  .synopsis = "[VOLUME...]",
	  .handler = cmd_volume_rm,
	  .store = true,
	  .rm_codes = true,
	  .opts = vrm_opts,
	  .operands = CLI_COMPLETE_VOLUME,
	  .min_args = 0,
	  .max_args = -1 },
	VOL_CMD("unmount", ((const char *const[]){ "umount", NULL }),
		"Unmount volumes (a no-op: hutch mounts none outside containers)",
		"VOLUME [VOLUME...]", cmd_volume_unmount, no_opts, 1, -1),
	{ .name = NULL },
};

/* ---------- networks (issue #15) ---------- */

static const struct cli_opt ncreate_opts[] = {
	{ "disable-dns", 0, NULL, B, NULL, "Do not run a DNS server for the network", 0, NULL },
	{ "driver", 'd', "driver", S, NULL, "Driver of the network (only bridge)",
	  CLI_COMPLETE_CHOICES, "bridge" },
	{ "gateway", 0, "ip", L, NULL, "Gateway of the subnet (one per --subnet)", 0, NULL },
	{ "ignore", 0, NULL, B, NULL, "Do not fail when the network exists", 0, NULL },
	{ "internal", 0, NULL, B, NULL, "Give the network no route out", 0, NULL },
	{ "ip-range", 0, "cidr", L, NULL, "Give addresses from this range (one per --subnet)", 0,
	  NULL },
	{ "ipv6", 0, NULL, B, NULL,
	  "Add an IPv6 subnet (a random unique-local /64 if none is given)", 0, NULL },
	{ "label", 0, "key=value", L, NULL, "Set a label on the network", 0, NULL },
	{ "opt", 'o', "key=value", L, NULL, "Set a driver option: mtu, vlan, isolate, metric", 0,
	  NULL },
	{ "subnet", 0, "cidr", L, NULL, "Subnet of the network (default: a free 10.89.N.0/24)", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt ninspect_opts[] = {
	{ "format", 'f', "format", S, NULL, "Change the output format to JSON or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	END_OPTS,
};

static const struct cli_opt nls_opts[] = {
	{ "filter", 'f', "key=value", L, NULL,
	  "Show only the networks that match: name, id, driver, label, label!", 0, NULL },
	{ "format", 0, "format", S, NULL, "Change the output format to JSON or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	{ "noheading", 'n', NULL, B, NULL, "Do not print column headings", 0, NULL },
	{ "quiet", 'q', NULL, B, NULL, "Print network names only", 0, NULL },
	END_OPTS,
};

static const struct cli_opt nrm_opts[] = {
	{ "force", 'f', NULL, B, NULL,
	  "Remove the containers on the network too; a missing network is no error", 0, NULL },
	{ "time", 't', "seconds", CLI_INT, "10",
	  "With --force, seconds to wait for a running container to stop before killing it", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt nconnect_opts[] = {
	{ "alias", 0, "name", L, NULL, "Another name of the container on the network", 0, NULL },
	{ "ip", 0, "address", S, NULL, "The container's IPv4 address on the network", 0, NULL },
	{ "mac-address", 0, "address", S, NULL, "The container's MAC address on the network", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt ndisconnect_opts[] = {
	{ "force", 'f', NULL, B, NULL, "Accepted for podman's sake: nothing needs forcing", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt nreload_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Reload the networks of every running container", 0, NULL },
	END_OPTS,
};

#define NET_CMD(n, al, sum, syn, h, o, mn, mx, rmc)                                       \
	{                                                                                 \
		.name = n, .aliases = al, .summary = sum, .synopsis = syn, .handler = h,  \
		.store = true, .rm_codes = rmc, .opts = o, .min_args = mn, .max_args = mx \
	}

static const struct cli_cmd network_subs[] = {
	NET_CMD("connect", NULL, "Connect a container to a network", "NETWORK CONTAINER",
		cmd_network_connect, nconnect_opts, 2, 2, false),
	NET_CMD("create", NULL, "Create a network", "[NAME]", cmd_network_create, ncreate_opts, 0,
		1, false),
	NET_CMD("disconnect", NULL, "Disconnect a container from a network", "NETWORK CONTAINER",
		cmd_network_disconnect, ndisconnect_opts, 2, 2, false),
	NET_CMD("exists", NULL, "Tell whether a network exists (exit 0) or not (exit 1)", "NETWORK",
		cmd_network_exists, no_opts, 1, 1, false),
	NET_CMD("inspect", NULL, "Display detailed information on networks", "NETWORK [NETWORK...]",
		cmd_network_inspect, ninspect_opts, 1, -1, false),
	NET_CMD("ls", ((const char *const[]){ "list", NULL }), "List networks", "", cmd_network_ls,
		nls_opts, 0, 0, false),
	NET_CMD("prune", NULL, "Remove all networks no container uses", "", cmd_network_prune,
		cprune_opts, 0, 0, false),
	NET_CMD("reload", NULL, "Set up the networks of running containers again", "[CONTAINER...]",
		cmd_network_reload, nreload_opts, 0, -1, false),
	NET_CMD("rm", ((const char *const[]){ "remove", NULL }), "Remove networks",
		"NETWORK [NETWORK...]", cmd_network_rm, nrm_opts, 1, -1, true),
	{ .name = NULL },
};

/* ---------- pods (issue #6) ---------- */

static const struct cli_opt pcreate_opts[] = {
	{ "exit-policy", 0, "policy", S, "continue",
	  "When the last container exits: continue (the infra runs on) or stop the pod",
	  CLI_COMPLETE_CHOICES, "continue stop" },
	{ "hostname", 0, "name", S, NULL, "Hostname of the pod (default: its name)", 0, NULL },
	{ "infra", 0, NULL, B, "true",
	  "Create an infra container (--infra=false: none, and the containers share nothing)", 0,
	  NULL },
	{ "infra-command", 0, "command", S, NULL, "With --infra-image: the infra's entrypoint", 0,
	  NULL },
	{ "infra-conmon-pidfile", 0, "file", S, NULL,
	  "Write the PID of the infra container's monitor to this file", CLI_COMPLETE_FILE, NULL },
	{ "infra-image", 0, "image", S, NULL,
	  "Run the infra from this image (default: containers.conf's infra_image, else the "
	  "pause image, built on first use)",
	  CLI_COMPLETE_IMAGE, NULL },
	{ "infra-name", 0, "name", S, NULL, "Name of the infra container (default: ID-infra)", 0,
	  NULL },
	{ "label", 'l', "key=value", L, NULL, "Set a label on the pod", 0, NULL },
	{ "name", 0, "name", S, NULL, "Name the pod", 0, NULL },
	{ "network", 0, "mode", S, NULL,
	  "The pod's network: slirp4netns[:opts] (default), "
	  "pasta[:args], none, or networks NAME[,NAME...] (the pod's name resolves there)",
	  CLI_COMPLETE_CHOICES, "slirp4netns pasta none" },
	{ "pod-id-file", 0, "file", S, NULL, "Write the pod's ID to this file", CLI_COMPLETE_FILE,
	  NULL },
	{ "publish", 'p', "[ip:]hostport:port", L, NULL, "Publish a port of the pod on the host", 0,
	  NULL },
	{ "replace", 0, NULL, B, NULL, "Remove a pod of the same name first", 0, NULL },
	{ "share", 0, "namespaces", S, NULL,
	  "Namespaces the containers share: a list of uts, ipc, pid, net, cgroup, or none; "
	  "+LIST adds to the default uts,ipc,net (the network is always the infra's)",
	  0, NULL },
	END_OPTS,
};

static const struct cli_opt pstart_opts[] = {
	{ "pod-id-file", 0, "file", L, NULL, "Start the pod whose ID this file holds",
	  CLI_COMPLETE_FILE, NULL },
	END_OPTS,
};

static const struct cli_opt pstop_opts[] = {
	{ "ignore", 'i', NULL, B, NULL, "Ignore pods that do not exist", 0, NULL },
	{ "pod-id-file", 0, "file", L, NULL, "Stop the pod whose ID this file holds",
	  CLI_COMPLETE_FILE, NULL },
	{ "time", 't', "seconds", I, NULL, "Seconds before SIGKILL (default: each container's)", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt pkill_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Signal all pods", 0, NULL },
	{ "signal", 's', "signal", S, "KILL", "Signal to send", CLI_COMPLETE_SIGNAL, NULL },
	END_OPTS,
};

static const struct cli_opt prm_opts[] = {
	{ "all", 'a', NULL, B, NULL, "Remove all pods", 0, NULL },
	{ "force", 'f', NULL, B, NULL, "Stop and remove running containers of the pod too", 0,
	  NULL },
	{ "ignore", 'i', NULL, B, NULL, "Ignore pods that do not exist", 0, NULL },
	{ "pod-id-file", 0, "file", L, NULL, "Remove the pod whose ID this file holds",
	  CLI_COMPLETE_FILE, NULL },
	{ "time", 't', "seconds", I, "0",
	  "With --force, seconds to wait for running containers to stop before killing them", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt pps_opts[] = {
	{ "format", 0, "format", S, NULL, "Change the output format to JSON or a Go template",
	  CLI_COMPLETE_FORMAT, "json" },
	{ "noheading", 'n', NULL, B, NULL, "Do not print column headings", 0, NULL },
	{ "no-trunc", 0, NULL, B, NULL, "Do not truncate IDs", 0, NULL },
	{ "quiet", 'q', NULL, B, NULL, "Print pod IDs only", 0, NULL },
	END_OPTS,
};

#define POD_CMD(n, al, sum, syn, h, o, mn, mx)                                           \
	{                                                                                \
		.name = n, .aliases = al, .summary = sum, .synopsis = syn, .handler = h, \
		.store = true, .opts = o, .min_args = mn, .max_args = mx,                \
		.operands = (mx) != 0 ? CLI_COMPLETE_POD : CLI_COMPLETE_NONE             \
	}

static const struct cli_cmd pod_subs[] = {
	POD_CMD("create", NULL, "Create a new empty pod", "[NAME]", cmd_pod_create, pcreate_opts, 0,
		1),
	POD_CMD("exists", NULL, "Check whether a pod exists (exit status 0) or not (1)", "POD",
		cmd_pod_exists, no_opts, 1, 1),
	POD_CMD("inspect", NULL, "Display the configuration of pods", "POD [POD...]",
		cmd_pod_inspect, format_opts, 1, -1),
	POD_CMD("kill", NULL, "Send a signal to the containers of pods", "POD [POD...]",
		cmd_pod_kill, pkill_opts, 0, -1),
	POD_CMD("ps", ((const char *const[]){ "ls", "list", NULL }), "List pods", "", cmd_pod_ps,
		pps_opts, 0, 0),
	{ .name = "rm",
	  .aliases = (const char *const[]){ "remove", NULL },
	  .summary = "Remove pods and their containers",
	  .synopsis = "POD [POD...]",
	  .handler = cmd_pod_rm,
	  .store = true,
	  .rm_codes = true,
	  .opts = prm_opts,
	  .operands = CLI_COMPLETE_POD,
	  .min_args = 0,
	  .max_args = -1 },
	POD_CMD("top", NULL, "Display the running processes of a pod's containers",
		"POD [DESCRIPTOR...]", cmd_pod_top, no_opts, 1, -1),
	POD_CMD("start", NULL, "Start pods: the infra, then each container", "POD [POD...]",
		cmd_pod_start, pstart_opts, 0, -1),
	POD_CMD("stop", NULL, "Stop pods: each container, then the infra", "POD [POD...]",
		cmd_pod_stop, pstop_opts, 0, -1),
	{ .name = NULL },
};

/* k: what the operands complete to, as podman's completion of the same command offers:
 * running containers for stop, startable ones for start, images for run and create. */
#define CTR_CMD(n, sum, syn, h, o, mn, mx, stop, k)                                               \
	{                                                                                         \
		.name = n, .summary = sum, .synopsis = syn, .handler = h, .store = true,          \
		.opts = o, .operands = k, .min_args = mn, .max_args = mx, .stop_at_operand = stop \
	}

static const struct cli_cmd healthcheck_subs[] = {
	CTR_CMD("run", "Run a container's healthcheck now: healthy (0) or unhealthy (1)",
		"CONTAINER", cmd_healthcheck_run, no_opts, 1, 1, false, C_RUN),
	{ .name = NULL },
};

static const struct cli_opt gensd_opts[] = {
	{ "after", 0, "unit", L, NULL, "Add After= (ordering) dependencies to the units", 0, NULL },
	{ "container-prefix", 0, "prefix", S, "container", "Unit name prefix for containers", 0,
	  NULL },
	{ "env", 'e', "key=value", L, NULL, "Set Environment= in the units", 0, NULL },
	{ "files", 'f', NULL, B, NULL, "Write NAME.service files here instead of printing them", 0,
	  NULL },
	{ "format", 0, "format", S, NULL, "Print the units as JSON (json)", CLI_COMPLETE_CHOICES,
	  "json" },
	{ "name", 'n', NULL, B, NULL, "Use container and pod names instead of IDs", 0, NULL },
	{ "new", 0, NULL, B, NULL,
	  "Create a new container or pod instead of starting an existing one", 0, NULL },
	{ "no-header", 0, NULL, B, NULL, "No header (autogenerated by, date)", 0, NULL },
	{ "pod-prefix", 0, "prefix", S, "pod", "Unit name prefix for pods", 0, NULL },
	{ "requires", 0, "unit", L, NULL, "Add Requires= dependencies to the units", 0, NULL },
	{ "restart-policy", 0, "policy", S, "on-failure",
	  "systemd's Restart=", CLI_COMPLETE_CHOICES,
	  "no on-success on-failure on-abnormal on-watchdog on-abort always" },
	{ "restart-sec", 0, "seconds", I, NULL, "systemd's RestartSec=", 0, NULL },
	{ "separator", 0, "separator", S, "-", "Between the prefix and the name or ID", 0, NULL },
	{ "start-timeout", 0, "seconds", I, NULL, "systemd's TimeoutStartSec=", 0, NULL },
	{ "stop-timeout", 0, "seconds", I, NULL,
	  "Seconds the stop waits before SIGKILL (default: the container's)", 0, NULL },
	{ "template", 0, NULL, B, NULL, "A template unit (NAME@.service, %i), for containers", 0,
	  NULL },
	{ "time", 't', "seconds", I, NULL, "Same as --stop-timeout (podman's older name)", 0,
	  NULL },
	{ "wants", 0, "unit", L, NULL, "Add Wants= (weak) dependencies to the units", 0, NULL },
	{ .name = NULL },
};

static const struct cli_cmd generate_subs[] = {
	CTR_CMD("systemd", "Generate systemd units for a container or pod", "CONTAINER|POD",
		cmd_generate_systemd, gensd_opts, 1, 1, false, CLI_COMPLETE_CONTAINER),
	{ .name = NULL },
};

static const struct cli_cmd container_subs[] = {
	CTR_CMD("attach", "Attach to a running container", "CONTAINER", cmd_attach, attach_opts, 1,
		1, false, C_RUN),
	CTR_CMD("commit", COMMIT_SUMMARY, COMMIT_SYNOPSIS, cmd_commit, commit_opts, 1, 2, false,
		C_CTR),
	CTR_CMD("cp", CP_SUMMARY, CP_SYNOPSIS, cmd_cp, cp_opts, 2, 2, false, C_CTR),
	CTR_CMD("create", "Create a container without starting it", "IMAGE [COMMAND [ARG...]]",
		cmd_create, run_opts + RUN_ONLY_OPTS, 1, -1, true, CLI_COMPLETE_IMAGE),
	CTR_CMD("diff", DIFF_SUMMARY, "CONTAINER", cmd_diff, diff_opts, 0, 1, false, C_CTR),
	CTR_CMD("exec", "Run a process in a running container", "CONTAINER COMMAND [ARG...]",
		cmd_exec, exec_opts, 2, -1, true, C_RUN),
	CTR_CMD("exists", "Check whether a container exists (exit status 0) or not (1)",
		"CONTAINER", cmd_container_exists, exists_opts, 1, 1, false, C_CTR),
	CTR_CMD("inspect", "Display the configuration of containers", "CONTAINER [CONTAINER...]",
		cmd_container_inspect, inspect_opts, 0, -1, false, C_CTR),
	CTR_CMD("kill", "Send a signal to containers", "CONTAINER [CONTAINER...]", cmd_kill,
		kill_opts, 0, -1, false, C_RUN),
	CTR_CMD("logs", "Show the logs of containers", "CONTAINER [CONTAINER...]", cmd_logs,
		logs_opts, 1, -1, false, C_CTR),
	CTR_CMD("ls", "List containers", "", cmd_ps, ps_opts, 0, 0, false, CLI_COMPLETE_NONE),
	CTR_CMD("pause", PAUSE_SUMMARY, CTRS_SYNOPSIS, cmd_pause, no_opts, 1, -1, false, C_RUN),
	CTR_CMD("port", PORT_SUMMARY, "CONTAINER [PRIVATE_PORT[/PROTO]]", cmd_port, no_opts, 1, 2,
		false, C_CTR),
	{ .name = "prune",
	  .summary = "Remove all non running containers",
	  .synopsis = "",
	  .handler = cmd_container_prune,
	  .store = true,
	  .opts = cprune_opts,
	  .min_args = 0,
	  .max_args = 0 },
	CTR_CMD("rename", RENAME_SUMMARY, "CONTAINER NAME", cmd_rename, no_opts, 2, 2, false,
		C_CTR),
	CTR_CMD("restart", "Restart containers", "CONTAINER [CONTAINER...]", cmd_restart, stop_opts,
		0, -1, false, C_CTR),
	{ .name = "rm",
	  .summary = "Remove containers",
	  .synopsis = "CONTAINER [CONTAINER...]",
	  .handler = cmd_rm,
	  .store = true,
	  .rm_codes = true,
	  .opts = rm_opts,
	  .operands = C_CTR,
	  .min_args = 0,
	  .max_args = -1 },
	CTR_CMD("run", "Run a command in a new container", "IMAGE [COMMAND [ARG...]]", cmd_run,
		run_opts, 1, -1, true, CLI_COMPLETE_IMAGE),
	CTR_CMD("start", "Start containers", "CONTAINER [CONTAINER...]", cmd_start, start_opts, 0,
		-1, false, CLI_COMPLETE_CTR_STARTABLE),
	CTR_CMD("stats", STATS_SUMMARY, "[CONTAINER...]", cmd_stats, stats_opts, 0, -1, false,
		C_RUN),
	CTR_CMD("stop", "Stop containers", "CONTAINER [CONTAINER...]", cmd_stop, stop_opts, 0, -1,
		false, C_RUN),
	CTR_CMD("top", TOP_SUMMARY, TOP_SYNOPSIS, cmd_top, no_opts, 1, -1, false, C_CTR),
	CTR_CMD("unpause", UNPAUSE_SUMMARY, CTRS_SYNOPSIS, cmd_unpause, no_opts, 1, -1, false,
		CLI_COMPLETE_CTR_PAUSED),
	CTR_CMD("wait", "Wait for containers to stop and print their exit codes",
		"CONTAINER [CONTAINER...]", cmd_wait, wait_opts, 1, -1, false, C_CTR),
	{ .name = NULL },
};

#undef S
#undef L
#undef B
#undef I

/* ---------- login and logout (issue 17) ---------- */

static const struct cli_opt login_opts[] = {
	{ "authfile", 0, "file", CLI_STRING, NULL,
	  "Path of the authentication file (default $XDG_RUNTIME_DIR/containers/auth.json; "
	  "$REGISTRY_AUTH_FILE)",
	  CLI_COMPLETE_FILE, NULL },
	{ "cert-dir", 0, "directory", CLI_STRING, NULL,
	  "Use certificates (*.crt, *.cert, *.key) in this directory to reach the registry",
	  CLI_COMPLETE_DIR, NULL },
	{ "get-login", 0, NULL, CLI_BOOL, NULL, "Print the user name stored for the registry", 0,
	  NULL },
	{ "password", 'p', "password", CLI_SECRET, NULL,
	  "Password for the registry (wiped from the command line; prefer --password-stdin)", 0,
	  NULL },
	{ "password-stdin", 0, NULL, CLI_BOOL, NULL, "Read the password from stdin", 0, NULL },
	{ "tls-verify", 0, NULL, CLI_BOOL, "true",
	  "Require HTTPS and verify certificates (false allows plain http)", 0, NULL },
	{ "username", 'u', "username", CLI_STRING, NULL, "User name for the registry", 0, NULL },
	{ "verbose", 'v', NULL, CLI_BOOL, NULL, "Print the path of the authentication file used", 0,
	  NULL },
	END_OPTS,
};

static const struct cli_opt logout_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove the credentials of every registry", 0, NULL },
	{ "authfile", 0, "file", CLI_STRING, NULL,
	  "Path of the authentication file (default $XDG_RUNTIME_DIR/containers/auth.json; "
	  "$REGISTRY_AUTH_FILE)",
	  CLI_COMPLETE_FILE, NULL },
	END_OPTS,
};

/* ---------- secrets (issue 16) ---------- */

static const struct cli_opt screate_opts[] = {
	{ "driver", 'd', "driver", CLI_STRING, "file", "Secret driver (hutch has file)",
	  CLI_COMPLETE_CHOICES, "file" },
	{ "driver-opts", 0, "key=value", CLI_LIST, NULL, "Secret driver options", 0, NULL },
	{ "env", 0, NULL, CLI_BOOL, NULL,
	  "Read the secret from the environment variable named by the second argument", 0, NULL },
	{ "label", 'l', "key=value", CLI_LIST, NULL, "Set a label on the secret", 0, NULL },
	END_OPTS,
};

static const struct cli_opt sls_opts[] = {
	{ "filter", 'f', "key=value", CLI_LIST, NULL, "Filter output: name=REGEX, id=PREFIX", 0,
	  NULL },
	{ "format", 0, "format", CLI_STRING, NULL, "Format output: json or a Go template",
	  CLI_COMPLETE_FORMAT, NULL },
	{ "noheading", 0, NULL, CLI_BOOL, NULL, "Do not print headers", 0, NULL },
	{ "quiet", 'q', NULL, CLI_BOOL, NULL, "Print secret IDs only", 0, NULL },
	END_OPTS,
};

static const struct cli_opt sinspect_opts[] = {
	{ "format", 'f', "format", CLI_STRING, NULL, "Format output: json or a Go template",
	  CLI_COMPLETE_FORMAT, NULL },
	{ "pretty", 0, NULL, CLI_BOOL, NULL, "Print in a human-readable form", 0, NULL },
	END_OPTS,
};

static const struct cli_opt srm_opts[] = {
	{ "all", 'a', NULL, CLI_BOOL, NULL, "Remove all secrets", 0, NULL },
	END_OPTS,
};

#define SECRET_CMD(n, al, sum, syn, h, o, mn, mx)                                        \
	{                                                                                \
		.name = n, .aliases = al, .summary = sum, .synopsis = syn, .handler = h, \
		.store = true, .opts = o, .min_args = mn, .max_args = mx                 \
	}

static const struct cli_cmd secret_subs[] = {
	SECRET_CMD("create", NULL, "Create a new secret", "NAME FILE|-", cmd_secret_create,
		   screate_opts, 2, 2),
	SECRET_CMD("exists", NULL, "Check if a secret exists (exit 0) or not (exit 1)", "SECRET",
		   cmd_secret_exists, no_opts, 1, 1),
	SECRET_CMD("inspect", NULL, "Display detailed information on secrets, never their content",
		   "SECRET [SECRET...]", cmd_secret_inspect, sinspect_opts, 1, -1),
	SECRET_CMD("ls", ((const char *const[]){ "list", NULL }), "List secrets", "", cmd_secret_ls,
		   sls_opts, 0, 0),
	SECRET_CMD("rm", ((const char *const[]){ "remove", NULL }), "Remove secrets", "[SECRET...]",
		   cmd_secret_rm, srm_opts, 0, -1),
	{ .name = NULL },
};

static const struct cli_cmd commands[] = {
	/* ---------- containers (issue #5) ---------- */
	CTR_CMD("attach", "Attach to a running container", "CONTAINER", cmd_attach, attach_opts, 1,
		1, false, C_RUN),
	{ .name = "container",
	  .summary = "Manage containers",
	  .synopsis = "COMMAND",
	  .subs = container_subs,
	  .min_args = 0,
	  .max_args = -1 },
	CTR_CMD("create", "Create a container without starting it", "IMAGE [COMMAND [ARG...]]",
		cmd_create, run_opts + RUN_ONLY_OPTS, 1, -1, true, CLI_COMPLETE_IMAGE),
	CTR_CMD("exec", "Run a process in a running container", "CONTAINER COMMAND [ARG...]",
		cmd_exec, exec_opts, 2, -1, true, C_RUN),
	CTR_CMD("inspect", "Display the configuration of containers or images", "NAME [NAME...]",
		cmd_inspect, inspect_opts, 0, -1, false, CLI_COMPLETE_INSPECT),
	CTR_CMD("kill", "Send a signal to containers", "CONTAINER [CONTAINER...]", cmd_kill,
		kill_opts, 0, -1, false, C_RUN),
	CTR_CMD("logs", "Show the logs of containers", "CONTAINER [CONTAINER...]", cmd_logs,
		logs_opts, 1, -1, false, C_CTR),
	{ .name = "ps",
	  .summary = "List containers",
	  .synopsis = "",
	  .handler = cmd_ps,
	  .store = true,
	  .opts = ps_opts,
	  .min_args = 0,
	  .max_args = 0 },
	CTR_CMD("restart", "Restart containers", "CONTAINER [CONTAINER...]", cmd_restart, stop_opts,
		0, -1, false, C_CTR),
	{ .name = "rm",
	  .summary = "Remove containers",
	  .synopsis = "CONTAINER [CONTAINER...]",
	  .handler = cmd_rm,
	  .store = true,
	  .rm_codes = true,
	  .opts = rm_opts,
	  .operands = C_CTR,
	  .min_args = 0,
	  .max_args = -1 },
	CTR_CMD("run", "Run a command in a new container", "IMAGE [COMMAND [ARG...]]", cmd_run,
		run_opts, 1, -1, true, CLI_COMPLETE_IMAGE),
	CTR_CMD("start", "Start containers", "CONTAINER [CONTAINER...]", cmd_start, start_opts, 0,
		-1, false, CLI_COMPLETE_CTR_STARTABLE),
	CTR_CMD("stop", "Stop containers", "CONTAINER [CONTAINER...]", cmd_stop, stop_opts, 0, -1,
		false, C_RUN),
	CTR_CMD("wait", "Wait for containers to stop and print their exit codes",
		"CONTAINER [CONTAINER...]", cmd_wait, wait_opts, 1, -1, false, C_CTR),
	/* ---------- the rest of issue #5 ---------- */
	CTR_CMD("commit", COMMIT_SUMMARY, COMMIT_SYNOPSIS, cmd_commit, commit_opts, 1, 2, false,
		C_CTR),
	CTR_CMD("cp", CP_SUMMARY, CP_SYNOPSIS, cmd_cp, cp_opts, 2, 2, false, C_CTR),
	CTR_CMD("diff", DIFF_SUMMARY, "CONTAINER", cmd_diff, diff_opts, 0, 1, false, C_CTR),
	CTR_CMD("pause", PAUSE_SUMMARY, CTRS_SYNOPSIS, cmd_pause, no_opts, 1, -1, false, C_RUN),
	CTR_CMD("port", PORT_SUMMARY, "CONTAINER [PRIVATE_PORT[/PROTO]]", cmd_port, no_opts, 1, 2,
		false, C_CTR),
	CTR_CMD("rename", RENAME_SUMMARY, "CONTAINER NAME", cmd_rename, no_opts, 2, 2, false,
		C_CTR),
	CTR_CMD("stats", STATS_SUMMARY, "[CONTAINER...]", cmd_stats, stats_opts, 0, -1, false,
		C_RUN),
	CTR_CMD("top", TOP_SUMMARY, TOP_SYNOPSIS, cmd_top, no_opts, 1, -1, false, C_CTR),
	CTR_CMD("unpause", UNPAUSE_SUMMARY, CTRS_SYNOPSIS, cmd_unpause, no_opts, 1, -1, false,
		CLI_COMPLETE_CTR_PAUSED),
	CTR_CMD("auto-update", "Auto update containers according to their auto-update policy", "",
		cmd_auto_update, autoupdate_opts, 0, -1, false, CLI_COMPLETE_NONE),
	{ .name = "healthcheck",
	  .summary = "Manage healthchecks of containers",
	  .synopsis = "COMMAND",
	  .subs = healthcheck_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "generate",
	  .summary = "Generate structured data (systemd units) from containers and pods",
	  .synopsis = "COMMAND",
	  .subs = generate_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "volume",
	  .summary = "Manage volumes",
	  .synopsis = "COMMAND",
	  .subs = volume_subs,
	  .min_args = 0,
	  .max_args = -1 },
	/* ---------- end of the rest of issue #5 ---------- */
	{ .name = "network",
	  .summary = "Manage networks",
	  .synopsis = "COMMAND",
	  .subs = network_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "pod",
	  .summary = "Manage pods",
	  .synopsis = "COMMAND",
	  .subs = pod_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "login",
	  .summary = "Log in to a container registry",
	  .synopsis = "[REGISTRY]",
	  .handler = cmd_login,
	  .opts = login_opts,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "logout",
	  .summary = "Log out of a container registry",
	  .synopsis = "[REGISTRY]",
	  .handler = cmd_logout,
	  .opts = logout_opts,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "secret",
	  .summary = "Manage secrets",
	  .synopsis = "COMMAND",
	  .subs = secret_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "__cleanup",
	  .summary = "Record a container's exit (the monitor's exit command)",
	  .synopsis = "CONTAINER",
	  .handler = cmd_cleanup,
	  .store = true,
	  .opts = cleanup_opts,
	  .min_args = 1,
	  .max_args = 1,
	  .hidden = true },
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
	    .store = true,
	    .any_driver = true,
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
	{ .name = "build",
	  .summary = "Build an image from a Containerfile",
	  .synopsis = "[CONTEXT]",
	  .handler = cmd_build,
	  .store = true,
	  .opts = build_opts,
	  .operands = CLI_COMPLETE_DIR,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "buildx",
	  .summary = "Build images (an alias of build, as podman's)",
	  .synopsis = "COMMAND",
	  .subs = buildx_subs,
	  .min_args = 0,
	  .max_args = -1 },
	{ .name = "history",
	  .summary = "Show the history of an image",
	  .synopsis = "IMAGE",
	  .handler = cmd_history,
	  .store = true,
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
	  .store = true,
	  .opts = images_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 0,
	  .max_args = 1 },
	{ .name = "pull",
	  .summary = "Pull an image from a registry",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_pull,
	  .store = true,
	  .opts = pull_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "push",
	  .summary = "Push an image to a registry or another destination",
	  .synopsis = "IMAGE [DESTINATION]",
	  .handler = cmd_push,
	  .store = true,
	  .opts = push_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = 2 },
	{ .name = "rmi",
	  .summary = "Remove one or more images",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_rmi,
	  .store = true,
	  .rm_codes = true,
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
	  .store = true,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 2,
	  .max_args = -1 },
	{ .name = "untag",
	  .summary = "Remove a name from a local image",
	  .synopsis = "IMAGE [NAME...]",
	  .handler = cmd_untag,
	  .store = true,
	  .opts = no_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	{ .name = "__rootfs",
	  .summary = "Mount an image's rootfs in a user namespace and run "
		     "a host command with $ROOTFS set (tests)",
	  .synopsis = "IMAGE COMMAND [ARG...]",
	  .handler = cmd_rootfs_debug,
	  .store = true,
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
	/* ---------- archive commands (storage, issue #4) ---------- */
	{ .name = "export",
	  .summary = "Export a container's filesystem contents as a tar archive",
	  .synopsis = "CONTAINER",
	  .handler = cmd_export,
	  .store = true,
	  .opts = export_opts,
	  .operands = CLI_COMPLETE_CONTAINER,
	  .min_args = 1,
	  .max_args = 1 },
	{ .name = "import",
	  .summary = "Import a tarball to create a filesystem image",
	  .synopsis = "PATH [REFERENCE]",
	  .handler = cmd_import,
	  .store = true,
	  .opts = import_opts,
	  .operands = CLI_COMPLETE_FILE,
	  .min_args = 1,
	  .max_args = 2 },
	{ .name = "load",
	  .summary = "Load image(s) from a tar archive",
	  .synopsis = "",
	  .handler = cmd_load,
	  .store = true,
	  .opts = load_opts,
	  .min_args = 0,
	  .max_args = 0 },
	{ .name = "save",
	  .summary = "Save image(s) to an archive",
	  .synopsis = "IMAGE [IMAGE...]",
	  .handler = cmd_save,
	  .store = true,
	  .opts = save_opts,
	  .operands = CLI_COMPLETE_IMAGE,
	  .min_args = 1,
	  .max_args = -1 },
	/* ---------- end of archive commands ---------- */
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
	    .synopsis = "KIND [PREFIX]",
	    .handler = cmd_complete,
	    .opts = no_opts,
	    .min_args = 1,
	    .max_args = 2,
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
