/* SPDX-License-Identifier: Apache-2.0 */
/* hutch-init (--init): exit status, signal forwarding, zombie reaping. Needs ./hutch-init. */
#include "lib/lib.h"
#include "tests/unit/tap.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run hutch-init with sh -c script; returns its pid, stdout on *out_fd. */
static pid_t spawn_init(const char *script, int *out_fd)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl("./hutch-init", "hutch-init", "--", "/bin/sh", "-c", script, (char *)NULL);
		_exit(99);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

static int finish(pid_t pid)
{
	int ws;
	waitpid(pid, &ws, 0);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int main(void)
{
	if (access("./hutch-init", X_OK) != 0) {
		ok(0, "./hutch-init is built (run from the top of the tree)");
		return done_testing();
	}
	int fd;
	pid_t pid = spawn_init("exit 5", &fd);
	close(fd);
	is_int(finish(pid), 5, "the command's exit status");

	pid = spawn_init("trap 'exit 42' USR1; echo ready; while :; do sleep 0.05; done", &fd);
	char buf[4096] = { 0 };
	(void)!read(fd, buf, sizeof(buf) - 1);
	kill(pid, SIGUSR1);
	is_int(finish(pid), 42, "a signal to init reaches the command");
	close(fd);

	pid = spawn_init("exec sleep 100", &fd);
	usleep(100000);
	kill(pid, SIGTERM);
	is_int(finish(pid), 143, "killed by a signal: 128+N");
	close(fd);

	/* An orphan reparented to init is reaped: no zombie among init's children. */
	pid = spawn_init("(sh -c 'exit 0' &); sleep 0.3; cat /proc/$PPID/task/$PPID/children", &fd);
	memset(buf, 0, sizeof(buf));
	ssize_t n = fs_read_all(fd, buf, sizeof(buf) - 1);
	close(fd);
	is_int(finish(pid), 0, "script ran");
	/* Only the script's own shell is a child of init at that moment. */
	int children = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		children++;
	ok(n > 0 && children == 1, "orphan reaped (children: %s)", n > 0 ? "one" : "none read");

	pid = spawn_init("exec /nonexistent/cmd", &fd);
	close(fd);
	is_int(finish(pid), 127, "a missing command: 127");
	return done_testing();
}
