/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch-init: the tiny init of `hutch run --init`. It runs as pid 1 of the container, starts
 * the command as its child, forwards every signal it can catch to it, reaps the zombies that
 * orphaned processes leave behind, and exits with the command's status (128+N for signal N).
 * Static and libc-only, so it can be bind-mounted into any image. With --pause it is a pod's
 * infra process: no command, it only reaps and exits on SIGTERM or SIGINT.
 *   hutch-init [--] COMMAND [ARG...]
 *   hutch-init --pause
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Hold the pod's namespaces: reap whatever ends up here, leave on TERM or INT. */
static int pause_main(void)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		int sig = sigwaitinfo(&all, NULL);
		if (sig == SIGTERM || sig == SIGINT)
			return 0;
		if (sig == SIGCHLD)
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--pause") == 0)
		return pause_main();
	int first = 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(stderr, "hutch-init: usage: hutch-init [--] COMMAND [ARG...] | --pause\n");
		return 125;
	}
	/* Not pid 1 (tests, nested use): still be the reaper of the command's orphans. */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("hutch-init: fork");
		return 125;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Its own process group, so a terminal's signals reach it as they would pid 1's. */
		setpgid(0, 0);
		if (isatty(STDIN_FILENO))
			tcsetpgrp(STDIN_FILENO, getpgrp());
		execvp(argv[first], argv + first);
		int e = errno;
		fprintf(stderr, "hutch-init: exec %s: %s\n", argv[first], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* The stop signals from a terminal cannot stop pid 1: pass them on too. */
			kill(child, sig);
			continue;
		}
		int ws;
		pid_t p;
		while ((p = waitpid(-1, &ws, WNOHANG)) > 0) {
			if (p != child)
				continue;
			if (WIFEXITED(ws))
				return WEXITSTATUS(ws);
			return 128 + WTERMSIG(ws);
		}
	}
}
