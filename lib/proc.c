/* SPDX-License-Identifier: Apache-2.0 */
/* Running helper programs (version probes, newuidmap), waiting for children, and reading
 * what /proc says of a process. */
#include "lib/lib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int proc_wait(pid_t pid, int *status, struct error **err)
{
	int ws;
	while (waitpid(pid, &ws, 0) < 0) {
		if (errno != EINTR)
			return err_sys(err, "waiting for process %d", (int)pid);
	}
	if (WIFEXITED(ws))
		*status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws))
		*status = 128 + WTERMSIG(ws);
	else
		*status = 125;
	return 0;
}

int proc_capture(char *const argv[], char **out, int *status, struct error **err)
{
	*out = NULL;
	autofree char *path = fs_find_in_path(argv[0]);
	if (path == NULL)
		return err_set(err, ENOENT, ERR_NOTFOUND, "%s not found in $PATH", argv[0]);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "running %s", argv[0]);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(err, "running %s", argv[0]);
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		execv(path, argv);
		_exit(127);
	}
	close(p[1]);
	struct error *rerr = NULL;
	if (fs_read_fd(p[0], 65536, out, NULL, &rerr) < 0) {
		err_free(&rerr);
		*out = xstrdup("");
	}
	close(p[0]);
	return proc_wait(pid, status, err);
}

int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	*out = (struct proc_stat){ 0 };
	if (pid <= 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_file(path, 4096, &text, NULL, &e) < 0) {
		err_free(&e);
		return -1;
	}
	/* "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so up to the last ')'. */
	char *open = strchr(text, '('), *close = strrchr(text, ')');
	if (open == NULL || close == NULL || close < open || close[1] != ' ')
		return -1;
	snprintf(out->comm, sizeof(out->comm), "%.*s", (int)(close - open - 1), open + 1);
	int ppid = 0;
	if (sscanf(
		close + 2,
		"%c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
		&out->state, &ppid, &out->tty, &out->utime, &out->stime, &out->start) != 6)
		return -1;
	out->ppid = ppid;
	return 0;
}
