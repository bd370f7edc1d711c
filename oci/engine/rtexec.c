/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime as a program: a container created with --runtime PATH, or started through
 * a handle with runtime flags (podman's --runtime-flag), is created and started by running
 * that binary (`create`, then `start`), as conmon runs runc, instead of the runtime library
 * hutch links. The launcher runs it where it would call the library: root in the container's
 * user namespace, the rootfs mounted. It must be hutch-runtime or a copy of it: stop, kill,
 * exec and rm read its state with the library afterwards. Its errors come back through its
 * --log file (json), so the container's stderr, which it shares, carries none.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RT_NAME "hutch-runtime"

/* Run argv (argv[0] a path) with stdio as ours; keep_fd (or -1) stays open in it. Its exit
 * status in *status (128+N for a signal). */
static int run_rt(char *const *argv, int keep_fd, int *status, struct error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking %s", argv[0]);
	if (pid == 0) {
		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		execv(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return err_sys(err, "waiting for %s", argv[0]);
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 0;
}

int ctr_rt_check(const char *runtime, struct error **err)
{
	if (strchr(runtime, '/') == NULL) {
		if (strcmp(runtime, RT_NAME) == 0)
			return 0;
		return err_set(err, EINVAL, ERR_TOOL,
			       "--runtime %s: hutch runs its containers with " RT_NAME
			       " (or a copy of it, named by its path)",
			       runtime);
	}
	if (access(runtime, X_OK) < 0)
		return err_sys(err, "--runtime %s", runtime);
	/* Its --version names it: anything else keeps a state hutch cannot read. */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "--runtime %s", runtime);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]), close(p[1]);
		return err_sys(err, "--runtime %s", runtime);
	}
	if (pid == 0) {
		dup2(p[1], 1);
		execl(runtime, runtime, "--version", (char *)NULL);
		_exit(126);
	}
	close(p[1]);
	char buf[64] = { 0 };
	ssize_t n = fs_read_all(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (n < (ssize_t)strlen(RT_NAME) || strncmp(buf, RT_NAME " ", strlen(RT_NAME) + 1) != 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "--runtime %s: not " RT_NAME
			       " (its --version says otherwise): hutch "
			       "reads the state of its runtime",
			       runtime);
	return 0;
}

/* argv: the runtime, its global flags, --root, --log, then cmd. */
static char **rt_argv(const struct ctr_rt *rt, const char *root, const char *cmd)
{
	char **argv = NULL;
	strv_push(&argv, rt->path);
	strv_push(&argv, "--root");
	strv_push(&argv, root);
	strv_push(&argv, "--log");
	strv_push(&argv, rt->log);
	strv_push(&argv, "--log-format");
	strv_push(&argv, "json");
	/* After --log: an unknown one is reported there. */
	for (size_t i = 0; rt->flags != NULL && rt->flags[i] != NULL; i++)
		strv_push_take(&argv, xasprintf("--%s", rt->flags[i]));
	strv_push(&argv, cmd);
	return argv;
}

/* The runtime failed: its last logged message, an error of podman's kind for it (126: the
 * OCI runtime could not do it; 127 and 126 for an executable it did not find or run). */
static int rt_failed(const struct ctr_rt *rt, const char *cmd, int status, struct error **err)
{
	autofree char *text = NULL;
	size_t len = 0;
	autofree char *msg = NULL;
	struct error *e = NULL;
	if (fs_read_file(rt->log, 1 << 20, &text, &len, &e) == 0 && len > 0) {
		/* The last line with a msg. */
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
		     l = strtok_r(NULL, "\n", &save)) {
			struct json_object *o = json_tokener_parse(l);
			const char *m = o != NULL ? json_str(o, "msg") : NULL;
			if (m != NULL) {
				free(msg);
				msg = xstrdup(m);
			}
			json_object_put(o);
		}
	}
	err_free(&e);
	if (msg == NULL)
		return err_set(err, EIO, ERR_INVOKE, "%s %s: exit status %d", rt->path, cmd,
			       status);
	enum err_kind kind = ERR_INVOKE;
	if (strstr(msg, "executable file not found") != NULL ||
	    strstr(msg, "no such file or directory") != NULL)
		kind = ERR_NOTFOUND;
	return err_set(err, EIO, kind, "%s: %s", rt->path, msg);
}

int ctr_rt_create(const struct ctr_rt *rt, const char *root, const char *id, const char *bundle,
		  const char *console, int preserve_fds, int keep_fd, const char *pid_file,
		  pid_t *init, struct error **err)
{
	unlink(rt->log);
	unlink(pid_file);
	autostrv char **argv = rt_argv(rt, root, "create");
	strv_push(&argv, "--bundle");
	strv_push(&argv, bundle);
	strv_push(&argv, "--pid-file");
	strv_push(&argv, pid_file);
	if (console != NULL) {
		strv_push(&argv, "--console-socket");
		strv_push(&argv, console);
	}
	if (preserve_fds > 0) {
		strv_push(&argv, "--preserve-fds");
		strv_push_take(&argv, xasprintf("%d", preserve_fds));
	}
	strv_push(&argv, id);
	int status = 0;
	if (run_rt(argv, keep_fd, &status, err) < 0)
		return -1;
	if (status != 0)
		return rt_failed(rt, "create", status, err);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(pid_file, 64, &text, &len, err) < 0)
		return err_wrap(err, "%s create: the init's pid", rt->path);
	long pid = strtol(text, NULL, 10);
	if (pid <= 0)
		return err_msg(err, "%s create: no pid in %s", rt->path, pid_file);
	*init = (pid_t)pid;
	return 0;
}

int ctr_rt_start(const struct ctr_rt *rt, const char *root, const char *id, struct error **err)
{
	unlink(rt->log);
	autostrv char **argv = rt_argv(rt, root, "start");
	strv_push(&argv, id);
	int status = 0;
	if (run_rt(argv, -1, &status, err) < 0)
		return -1;
	return status == 0 ? 0 : rt_failed(rt, "start", status, err);
}
