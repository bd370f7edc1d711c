/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Archive commands: save and load (docker-archive, oci-archive), import (a rootfs tar as
 * an image) and export (a container's rootfs as a tar). As in podman, an archive goes to
 * or comes from a file with -o/-i, else stdout/stdin, but never a terminal.
 */
#include "tool/cli.h"
#include "tool/io.h"
#include "tool/render.h"
#include "oci/engine.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * An output file written aside: -o FILE is written to FILE.tmp-PID-hutch beside it and
 * renamed over FILE only once complete, so a failed or killed save/export leaves the
 * archive that was at FILE intact. Where the filesystem has O_TMPFILE the data is written
 * to an unnamed file that gets the temp name only once complete, so a killed save leaves
 * nothing; a temp file a killed one left otherwise is removed by the next save or export
 * to FILE, once its pid is gone.
 */
struct output {
	int fd;
	char *path; /* FILE, NULL for stdout */
	char *tmp;
	bool unnamed; /* fd is an O_TMPFILE: tmp does not exist until linked */
};

/* An unnamed file in the directory of path, or -1 where the filesystem has none. */
static int open_unnamed(const char *path)
{
	autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	return open(slash != NULL ? dir : ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
}

/* -o FILE (a temp file beside it), else stdout unless it is a terminal. */
static int open_output(const char *path, const char *what, struct output *o, struct error **err)
{
	*o = (struct output){ .fd = -1 };
	struct stat st;
	if (path != NULL && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    !S_ISREG(st.st_mode)) {
		/* A device or a pipe (-o /dev/null): written as it is. */
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		o->path = o->fd < 0 ? NULL : xstrdup(path);
		return o->fd < 0 ? err_sys(err, "opening %s", path) : 0;
	}
	if (path != NULL && strcmp(path, "-") != 0) {
		fs_sweep_aside(path, "hutch");
		o->tmp = xasprintf("%s.tmp-%d-hutch", path, (int)getpid());
		o->fd = open_unnamed(path);
		o->unnamed = o->fd >= 0;
		if (o->fd < 0)
			o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
				     0644);
		if (o->fd < 0) {
			err_sys(err, "creating %s", path);
			free(steal_ptr(&o->tmp));
			return -1;
		}
		o->path = xstrdup(path);
		return 0;
	}
	if (isatty(STDOUT_FILENO))
		return err_set(err, EINVAL, ERR_USAGE,
			       "refusing to %s to terminal. Use -o flag or redirect", what);
	o->fd = dup(STDOUT_FILENO);
	return o->fd < 0 ? err_sys(err, "duplicating stdout") : 0;
}

/* Finish the output: on success (ok) flush it and put it in place; else drop the temp file.
 * 0, or -1 with *err (set only when ok). */
static int close_output(struct output *o, bool ok, struct error **err)
{
	int rc = 0;
	if (ok && o->tmp != NULL && fsync(o->fd) < 0)
		rc = err_sys(err, "writing %s", o->path);
	if (ok && rc == 0 && o->unnamed) {
		/* Named only now (linkat of an fd needs /proc; renamed over FILE below). */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
		unlink(o->tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) < 0)
			rc = err_sys(err, "writing %s", o->path);
	}
	if (o->fd >= 0 && close(steal_fd(&o->fd)) < 0 && ok && rc == 0)
		rc = err_sys(err, "writing %s", o->path ? o->path : "stdout");
	if (o->tmp != NULL) {
		if (ok && rc == 0 && rename(o->tmp, o->path) < 0)
			rc = err_sys(err, "writing %s", o->path);
		if (!ok || rc < 0)
			unlink(o->tmp);
	}
	free(steal_ptr(&o->tmp));
	free(steal_ptr(&o->path));
	return rc;
}

/* -i FILE, else stdin unless it is a terminal. */
static int open_input(const char *path, const char *what, struct error **err)
{
	if (path != NULL && strcmp(path, "-") != 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		return fd < 0 ? err_sys(err, "opening %s", path) : fd;
	}
	if (isatty(STDIN_FILENO))
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot read %s from terminal. Use command-line redirection or "
			       "the --input flag",
			       what);
	return dup(STDIN_FILENO);
}

int cmd_save(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	enum storage_archive_format f = STORAGE_ARCHIVE_DOCKER;
	if (fmt != NULL && strcmp(fmt, "oci-archive") == 0)
		f = STORAGE_ARCHIVE_OCI;
	else if (fmt != NULL && strcmp(fmt, "docker-archive") != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "unsupported format \"%s\": want docker-archive or oci-archive",
			       fmt);
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	struct output out;
	if (open_output(cli_opt_str(ctx, "output"), "save", &out, err) < 0)
		return -1;
	autostrv char **images = NULL;
	for (int i = 0; i < ctx->argc; i++)
		strv_push(&images, ctx->argv[i]);
	int rc = storage_save(s, images, f, out.fd, err);
	return close_output(&out, rc == 0, err) < 0 || rc < 0 ? -1 : 0;
}

/* An unnamed temp file with the body of url, read from its start. */
static int fetch_input(const char *url, struct error **err)
{
	const char *dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/var/tmp";
	autoclose int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(err, "creating a temporary file in %s", dir);
	if (storage_fetch_url(url, fd, err) < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_sys(err, "rewinding the download of %s", url);
	return steal_fd(&fd);
}

int cmd_load(struct cli_ctx *ctx, struct error **err)
{
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	const char *in = cli_opt_str(ctx, "input");
	autoclose int fd =
	    storage_is_url(in) ? fetch_input(in, err) : open_input(in, "an archive", err);
	if (fd < 0)
		return -1;
	autostrv char **names = NULL;
	if (storage_load(s, fd, &names, err) < 0)
		return -1;
	for (size_t i = 0; names[i] != NULL; i++)
		printf("Loaded image: %s\n", names[i]);
	return 0;
}

int cmd_import(struct cli_ctx *ctx, struct error **err)
{
	struct storage_image_config c = { 0 };
	int rc = storage_import_changes(&c, cli_opt_list(ctx, "change"), err);
	struct eng *eng = ctx->eng;
	struct storage *s = eng_storage(eng);
	autoclose int fd = -1;
	if (rc == 0 && (fd = open_input(ctx->argv[0], "a tarball", err)) < 0)
		rc = -1;
	struct storage_import_opts o = { .config = &c,
					 .message = cli_opt_str(ctx, "message"),
					 .name = ctx->argc > 1 ? ctx->argv[1] : NULL };
	autofree char *id = NULL;
	if (rc == 0)
		rc = storage_import(s, fd, &o, &id, err);
	storage_image_config_clear(&c);
	if (rc == 0)
		printf("sha256:%s\n", id);
	return rc;
}

int cmd_export(struct cli_ctx *ctx, struct error **err)
{
	struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[0], &c, err) < 0)
		return -1;
	int rc = eng_ctr_export_check(c, err);
	struct output out = { .fd = -1 };
	if (rc == 0)
		rc = open_output(cli_opt_str(ctx, "output"), "export", &out, err);
	if (rc == 0) {
		rc = eng_ctr_export(c, out.fd, err);
		if (close_output(&out, rc == 0, err) < 0)
			rc = -1;
	}
	eng_ctr_free(&c);
	return rc;
}

/* What podman's image copy says on the way (on stderr; there is no bar to draw). */
static void commit_progress(struct eng *eng, const char *id)
{
	struct storage_image *img = NULL;
	struct error *e = NULL;
	if (storage_image_lookup_record(eng_storage(eng), id, &img, &e) < 0) {
		err_free(&e);
		return;
	}
	fprintf(stderr, "Getting image source signatures\n");
	for (size_t i = 0; img->diff_ids != NULL && img->diff_ids[i] != NULL; i++)
		fprintf(stderr, "Copying blob %s\n", img->diff_ids[i]);
	fprintf(stderr,
		"Copying config sha256:%s\nWriting manifest to image destination\n"
		"Storing signatures\n",
		id);
	storage_image_free(&img);
}

int cmd_commit(struct cli_ctx *ctx, struct error **err)
{
	autoctr struct eng_ctr *c = NULL;
	if (eng_ctr_lookup(ctx->eng, ctx->argv[0], &c, err) < 0)
		return -1;
	struct eng_ctr_commit_opts o = { .name = ctx->argc > 1 ? ctx->argv[1] : NULL,
					 .changes = cli_opt_list(ctx, "change"),
					 .author = cli_opt_str(ctx, "author"),
					 .message = cli_opt_str(ctx, "message"),
					 .format = cli_opt_str(ctx, "format"),
					 .pause = cli_opt_bool(ctx, "pause"),
					 .include_volumes = cli_opt_bool(ctx, "include-volumes"),
					 .squash = cli_opt_bool(ctx, "squash") };
	autofree char *id = NULL;
	autostrv char **warnings = NULL;
	if (eng_ctr_commit(c, &o, &id, &warnings, err) < 0)
		return -1;
	for (size_t i = 0; warnings != NULL && warnings[i] != NULL; i++)
		log_warn("%s", warnings[i]);
	const char *iidfile = cli_opt_str(ctx, "iidfile");
	if (iidfile != NULL && fs_write_atomic(iidfile, id, strlen(id), 0644, err) < 0)
		return -1;
	if (!cli_opt_bool(ctx, "quiet"))
		commit_progress(ctx->eng, id);
	printf("%s\n", id);
	return 0;
}

/* `build`: the flags into the engine's request; the STEP lines and RUN's output go to our
 * stdout and stderr as they come, the image ID last. */
int cmd_build(struct cli_ctx *ctx, struct error **err)
{
	const char *fmt = cli_opt_str(ctx, "format");
	if (fmt != NULL && strcmp(fmt, "oci") != 0 && strcmp(fmt, "docker") != 0)
		return err_set(err, EINVAL, ERR_USAGE, "unrecognized image format \"%s\"", fmt);
	const char *platform = cli_opt_str(ctx, "platform");
	if (platform != NULL && strncmp(platform, "linux/", 6) != 0)
		return err_set(err, EINVAL, ERR_USAGE, "invalid --platform %s: linux/ARCH only",
			       platform);
	bool quiet = cli_opt_bool(ctx, "quiet");
	fflush(stdout);
	struct eng_stdio io = { .in = -1, .out = STDOUT_FILENO, .err = STDERR_FILENO };
	struct eng_build_opts o = {
		.context = ctx->argc > 0 ? ctx->argv[0] : ".",
		.file = cli_opt_str(ctx, "file"),
		.file_fd = -1,
		.tags = cli_opt_list(ctx, "tag"),
		.build_args = cli_opt_list(ctx, "build-arg"),
		.labels = cli_opt_list(ctx, "label"),
		.secrets = cli_opt_list(ctx, "secret"),
		.target = cli_opt_str(ctx, "target"),
		.no_cache = cli_opt_bool(ctx, "no-cache"),
		.pull = cli_opt_str(ctx, "pull"),
		.tls_verify = cli_opt_bool(ctx, "tls-verify"),
		.tls_verify_set = cli_opt_is_set(ctx, "tls-verify"),
		.quiet = quiet,
		.docker = fmt != NULL && strcmp(fmt, "docker") == 0,
		.network = cli_opt_str(ctx, "network"),
		.platform = platform,
		.io = &io,
		.progress = cli_pull_progress(quiet),
	};
	/* "-": the Containerfile on stdin (as CONTEXT: with no context at all) */
	if (strcmp(o.context, "-") == 0) {
		o.context = NULL;
		o.file_fd = STDIN_FILENO;
	}
	if (o.file != NULL && strcmp(o.file, "-") == 0)
		o.file_fd = STDIN_FILENO;
	if (o.pull != NULL && strcmp(o.pull, "true") == 0)
		o.pull = "always";
	else if (o.pull != NULL && strcmp(o.pull, "false") == 0)
		o.pull = "missing";
	autofree char *id = NULL;
	int status = 0;
	if (eng_build(ctx->eng, &o, &id, &status, err) < 0) {
		ctx->error_status = status;
		return -1;
	}
	const char *iidfile = cli_opt_str(ctx, "iidfile");
	if (iidfile != NULL && fs_write_atomic(iidfile, id, strlen(id), 0644, err) < 0)
		return -1;
	printf("%s\n", id);
	return 0;
}
