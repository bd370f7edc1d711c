/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's last steps before a container's program runs (issue 11, items 1 and 2):
 * closing what the caller had open, entering the working directory without magic links,
 * and exec'ing through the sealed trampoline (its seals, its report of a failed exec, and
 * no fd of its own left in the program it runs).
 */
#include "lib/lib.h"
#include "oci/runtime/runtime.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_status(pid_t pid)
{
	int ws = 0;
	waitpid(pid, &ws, 0);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* In a child: fds 40..44 open, keep 41 and 43 (and one below first); bit i of the exit
 * status says fd 40+i is still open. */
static void test_close_except(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (int fd = 40; fd <= 44; fd++)
			dup2(2, fd);
		dup2(2, 30);
		int keep[] = { 43, 41, 30, -1, 41 };
		if (oci_close_fds_except(40, keep, 5, NULL) < 0)
			_exit(255);
		int bits = 0;
		for (int fd = 40; fd <= 44; fd++)
			bits |= (fcntl(fd, F_GETFD) >= 0) << (fd - 40);
		_exit(fcntl(30, F_GETFD) >= 0 ? bits : 254);
	}
	is_int(child_status(pid), (1 << 1) | (1 << 3),
	       "close_fds_except: only the kept fds from first on stay open, those below too");
}

static void test_enter_cwd(const char *tmp)
{
	autofree char *dir = xasprintf("%s/wd", tmp);
	autofree char *link = xasprintf("%s/link", tmp);
	mkdir(dir, 0700);
	symlink("wd", link);
	struct error *err = NULL;
	char back[4096];
	if (getcwd(back, sizeof(back)) == NULL)
		back[0] = '\0';

	ok(oci_enter_cwd(dir, &err) == 0, "enter_cwd: a plain directory");
	ok(oci_enter_cwd(link, &err) == 0, "enter_cwd: through a symlink");
	char here[4096];
	is_str(getcwd(here, sizeof(here)), dir, "enter_cwd: the link's target");

	/* A directory only an open fd reaches (removed since): chdir through the magic link
	 * would get there; resolved without magic links (openat2, or lib's walk of the link's
	 * text) it is nowhere. */
	autofree char *gone = xasprintf("%s/gone", tmp);
	mkdir(gone, 0700);
	int dfd = open(gone, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rmdir(gone);
	autofree char *magic = xasprintf("/proc/self/fd/%d", dfd);
	is_int(oci_enter_cwd(magic, &err), -1, "enter_cwd: a /proc/self/fd magic link is refused");
	ok(err != NULL && strstr(err->msg, magic) != NULL, "enter_cwd: the error names it: %s",
	   err ? err->msg : "(none)");
	err_free(&err);
	is_str(getcwd(here, sizeof(here)), dir, "enter_cwd: a refusal leaves the cwd alone");
	close(dfd);
	if (back[0] != '\0')
		(void)!chdir(back);
}

/* Exec argv through a new trampoline in a child, with report_fd one end of a socketpair;
 * the program's stdout in out. Returns the exit status, the report in *rep. */
static int via_trampoline(char *const argv[], char *out, size_t outlen, struct error **rep)
{
	int sv[2], po[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe(po) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(po[0]);
		dup2(po[1], 1);
		close(po[1]);
		struct error *e = NULL;
		int tfd = oci_trampoline_fd(&e);
		if (tfd < 0)
			_exit(250);
		char *env[] = { "PATH=/usr/bin:/bin", NULL };
		oci_trampoline_exec(tfd, argv[0], argv, env, sv[1], &e);
		_exit(251);
	}
	close(sv[1]);
	close(po[1]);
	ssize_t n = fs_read_all(po[0], out, outlen - 1);
	out[n > 0 ? n : 0] = '\0';
	close(po[0]);
	char tag = 0;
	*rep = NULL;
	if (fs_read_all(sv[0], &tag, 1) == 1 && tag == RT_MSG_ERROR)
		err_recv(sv[0], rep);
	close(sv[0]);
	return child_status(pid);
}

static void test_trampoline(void)
{
	struct error *err = NULL;
	int tfd = oci_trampoline_fd(&err);
	ok(tfd >= 0, "trampoline: a memfd");
	int seals = fcntl(tfd, F_GET_SEALS);
	int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	is_int(seals & want, want, "trampoline: sealed against writes, resizing and unsealing");
	errno = 0;
	ok(write(tfd, "x", 1) < 0 && errno == EPERM, "trampoline: a write fails (EPERM)");
	autofree char *self = xasprintf("/proc/self/fd/%d", tfd);
	int wfd = open(self, O_WRONLY);
	ok(wfd < 0 || write(wfd, "x", 1) < 0,
	   "trampoline: reopened for writing, still not writable");
	if (wfd >= 0)
		close(wfd);
	close(tfd);

	char out[4096];
	struct error *rep = NULL;
	/* The report fd is gone in the program, and its /proc/self/exe is its own. */
	char *ls[] = { "/bin/sh", "-c", "ls -l /proc/$$/fd; readlink /proc/$$/exe", NULL };
	is_int(via_trampoline(ls, out, sizeof(out), &rep), 0, "trampoline: runs the program");
	ok(rep == NULL, "trampoline: no report when the exec succeeds");
	ok(strstr(out, "socket:") == NULL, "trampoline: the report socket is closed in it: %s",
	   out);
	if (!ok(strstr(out, "sh") != NULL && strstr(out, "memfd") == NULL,
		"trampoline: /proc/self/exe is the program"))
		printf("# %s\n", out);
	err_free(&rep);

	char *missing[] = { "/nonexistent/program", "arg", NULL };
	is_int(via_trampoline(missing, out, sizeof(out), &rep), 127, "trampoline: missing: 127");
	ok(rep != NULL && rep->kind == ERR_NOTFOUND && rep->code == ENOENT,
	   "trampoline: missing: reported as not found");
	is_str(rep ? rep->msg : NULL, "exec /nonexistent/program: No such file or directory",
	       "trampoline: missing: the message");
	err_free(&rep);

	char *dir[] = { "/", NULL };
	is_int(via_trampoline(dir, out, sizeof(out), &rep), 126, "trampoline: a directory: 126");
	ok(rep != NULL && rep->kind == ERR_INVOKE && rep->code == EACCES,
	   "trampoline: a directory: reported as cannot invoke");
	err_free(&rep);
}

int main(void)
{
	char tmpl[] = "/tmp/test_oci_exec.XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	test_close_except();
	test_enter_cwd(tmp);
	test_trampoline();
	fs_rm_rf(tmp, NULL);
	return done_testing();
}
