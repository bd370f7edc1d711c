/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The six hooks. Each runs with the state JSON on stdin, its own args and env, and an
 * optional timeout after which it is killed. Where it runs (runtime or container
 * namespaces) is decided by the caller: createContainer and startContainer are run by the
 * init, the others by the runtime. prestart, createRuntime, createContainer and
 * startContainer failures abort the operation; poststart and poststop only warn.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Wait for a child, killing it after timeout seconds (0: no limit). */
static int wait_timeout(pid_t pid, int timeout, const char *path, int *status, struct error **err)
{
	if (timeout > 0) {
		autoclose int pfd = pidfd_open_(pid);
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int rc;
		do {
			rc = poll(&p, 1, timeout * 1000);
		} while (rc < 0 && errno == EINTR);
		if (pfd >= 0 && rc == 0) {
			kill(pid, SIGKILL);
			proc_wait(pid, status, NULL);
			return err_set(err, ETIMEDOUT, ERR_TOOL, "%s: timed out after %d s", path,
				       timeout);
		}
	}
	return proc_wait(pid, status, err);
}

int oci_run_program(const char *path, char *const argv[], char *const envp[],
		    const char *stdin_text, int timeout, int *status, struct error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "running %s", path);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(err, "running %s", path);
	}
	if (pid == 0) {
		dup2(p[0], STDIN_FILENO);
		char *const empty[] = { NULL };
		char *const def_argv[] = { (char *)path, NULL };
		/* Hooks must not inherit the runtime's signal dispositions. */
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv != NULL && argv[0] != NULL ? argv : def_argv,
		       envp != NULL ? envp : empty);
		_exit(127);
	}
	close(p[0]);
	/* A hook that does not read stdin must not make us die of SIGPIPE. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	if (stdin_text != NULL)
		(void)fs_write_all(p[1], stdin_text, strlen(stdin_text));
	close(p[1]);
	sigaction(SIGPIPE, &old, NULL);
	return wait_timeout(pid, timeout, path, status, err);
}

int oci_hooks_run(const struct rt_spec *s, enum rt_hook_kind kind, const char *state_json,
		  struct error **err)
{
	bool fatal = kind != RT_HOOK_POSTSTART && kind != RT_HOOK_POSTSTOP;
	for (size_t i = 0; i < s->n_hooks[kind]; i++) {
		const struct rt_hook *h = &s->hooks[kind][i];
		int status = 0;
		struct error *e = NULL;
		int rc =
		    oci_run_program(h->path, h->args, h->env, state_json, h->timeout, &status, &e);
		if (rc == 0 && status != 0)
			rc = err_set(&e, 0, ERR_TOOL, "%s exited with status %d", h->path, status);
		if (rc < 0) {
			if (fatal) {
				*err = e;
				return err_wrap(err, "%s hook #%zu", oci_hook_name(kind), i);
			}
			log_warn("%s hook #%zu: %s", oci_hook_name(kind), i, e->msg);
			err_free(&e);
		}
	}
	return 0;
}
