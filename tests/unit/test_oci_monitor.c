/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor with a real process as its "container": stdio through pipes, the attach
 * protocol, the k8s-file log, the exit file, signal forwarding and the exit command.
 * Needs ./hutch-monitor (built by `make all`); tests run from the top of the tree.
 */
#include "oci/monitor/monitor.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *tmp;

/* Fork P; P forks the shell script C with pipes, then execs the monitor for C. */
static pid_t start(const char *dir, const char *script, const char *exit_marker)
{
	int in[2], out[2], errp[2], sync[2];
	if (pipe(in) || pipe(out) || pipe(errp) || pipe(sync))
		return -1;
	pid_t p = fork();
	if (p == 0) {
		pid_t c = fork();
		if (c == 0) {
			dup2(in[0], 0);
			dup2(out[1], 1);
			dup2(errp[1], 2);
			for (int fd = 3; fd < 64; fd++)
				close(fd);
			execl("/bin/sh", "sh", "-c", script, (char *)NULL);
			_exit(127);
		}
		close(in[0]);
		close(out[1]);
		close(errp[1]);
		close(sync[0]);
		char pid[16], fi[16], fo[16], fe[16], fs[16];
		snprintf(pid, sizeof(pid), "%d", (int)c);
		snprintf(fi, sizeof(fi), "%d", in[1]);
		snprintf(fo, sizeof(fo), "%d", out[0]);
		snprintf(fe, sizeof(fe), "%d", errp[0]);
		snprintf(fs, sizeof(fs), "%d", sync[1]);
		char *log = xasprintf("%s/ctr.log", dir);
		char *marker = xasprintf("touch %s", exit_marker);
		execl("./hutch-monitor", "hutch-monitor", "--id", "t1", "--run-dir", dir, "--pid",
		      pid, "--log-path", log, "--stdin-fd", fi, "--stdout-fd", fo, "--stderr-fd",
		      fe, "--sync-fd", fs, "--", "/bin/sh", "-c", marker, (char *)NULL);
		_exit(126);
	}
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	close(errp[0]);
	close(errp[1]);
	close(sync[1]);
	char buf[16] = { 0 };
	ssize_t n = fs_read_all(sync[0], buf, 6);
	close(sync[0]);
	ok(n == 6 && strcmp(buf, "ready\n") == 0, "monitor says ready");
	return p;
}

static bool wait_for_file(const char *path)
{
	for (int i = 0; i < 200; i++) {
		if (fs_exists(path))
			return true;
		usleep(10000);
	}
	return false;
}

static void test_attach_and_log(void)
{
	autofree char *dir = xasprintf("%s/run1", tmp);
	struct error *err = NULL;
	fs_mkdir_p(dir, 0700, &err);
	autofree char *marker = xasprintf("%s/exit-command-ran", tmp);
	pid_t p =
	    start(dir, "read line; echo out:$line; echo err >&2; printf partial; exit 3", marker);
	int fd = oci_attach_connect(dir, &err);
	ok(fd >= 0, "attach connects through /proc/self/fd");
	if (fd < 0) {
		err_free(&err);
		return;
	}
	ok(oci_attach_send(fd, OCI_ATTACH_STDIN, "hello\n", 6) == 0, "send stdin");
	char out[256] = "", errs[256] = "";
	int status = -1;
	for (;;) {
		char buf[OCI_ATTACH_MAX];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		if (buf[0] == OCI_ATTACH_STDOUT)
			strncat(out, buf + 1, (size_t)n - 1);
		else if (buf[0] == OCI_ATTACH_STDERR)
			strncat(errs, buf + 1, (size_t)n - 1);
		else if (buf[0] == OCI_ATTACH_EXIT && n == 5)
			memcpy(&status, buf + 1, 4);
	}
	close(fd);
	is_str(out, "out:hello\npartial", "stdout came through attach");
	is_str(errs, "err\n", "stderr came through attach, apart");
	is_int(status, 3, "exit status sent to the client");
	int ws;
	waitpid(p, &ws, 0);
	/* The container's status, as conmon's: a systemd unit restarts on it (issue 16). */
	ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 3, "monitor exits with the container's status");
	autofree char *exitf = xasprintf("%s/exit", dir);
	autofree char *exitdoc = NULL;
	fs_read_file(exitf, 4096, &exitdoc, NULL, &err);
	has_str(exitdoc, "\"exitCode\": 3", "exit file records the status");
	has_str(exitdoc, "\"finishedAt\": \"20", "and the time");
	autofree char *logf = xasprintf("%s/ctr.log", dir);
	autofree char *log = NULL;
	fs_read_file(logf, 65536, &log, NULL, &err);
	has_str(log, " stdout F out:hello\n", "log: a full stdout line");
	has_str(log, " stderr F err\n", "log: a full stderr line");
	has_str(log, " stdout P partial\n", "log: a partial line");
	ok(wait_for_file(marker), "exit command ran");
	autofree char *pidf = xasprintf("%s/monitor.pid", dir);
	ok(fs_exists(pidf), "monitor.pid written");
	/* Every record parses back. */
	int records = 0, bad = 0;
	char *save = NULL;
	for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct oci_log_record r;
		if (oci_log_parse_line(line, strlen(line), &r) == 0)
			records++;
		else
			bad++;
	}
	ok(records == 3 && bad == 0, "log records parse back (%d, %d bad)", records, bad);
}

/* Until the monitor's child (the container) runs comm: a signal for it sent earlier, to
 * the forked copy of this program or to the shell before its exec, tests nothing of the
 * monitor (and under valgrind and load the window is wide). Gives up after 5 s. */
static void wait_exec(pid_t monitor, const char *comm)
{
	for (int i = 0; i < 500; i++) {
		struct error *e = NULL;
		autofree char *kids = NULL, *name = NULL;
		autofree char *kpath =
		    xasprintf("/proc/%d/task/%d/children", (int)monitor, (int)monitor);
		pid_t c = 0;
		if (fs_read_file(kpath, 256, &kids, NULL, &e) == 0)
			c = (pid_t)strtol(kids, NULL, 10);
		err_free(&e);
		autofree char *cpath = c > 0 ? xasprintf("/proc/%d/comm", (int)c) : NULL;
		if (cpath != NULL && fs_read_file(cpath, 64, &name, NULL, &e) == 0 &&
		    strncmp(name, comm, strlen(comm)) == 0)
			return;
		err_free(&e);
		usleep(10000);
	}
}

static void test_signal_forwarding(void)
{
	autofree char *dir = xasprintf("%s/run2", tmp);
	struct error *err = NULL;
	fs_mkdir_p(dir, 0700, &err);
	autofree char *marker = xasprintf("%s/exit2", tmp);
	pid_t p = start(dir, "exec sleep 100", marker);
	wait_exec(p, "sleep");
	kill(p, SIGTERM);
	int ws;
	waitpid(p, &ws, 0);
	autofree char *exitf = xasprintf("%s/exit", dir);
	autofree char *exitdoc = NULL;
	fs_read_file(exitf, 4096, &exitdoc, NULL, &err);
	has_str(exitdoc, "\"exitCode\": 143", "SIGTERM to the monitor reached the container");
	err_free(&err);
}

static void test_log_format(void)
{
	char line[] = "2024-01-02T03:04:05.123456789+00:00 stderr P some text";
	struct oci_log_record r;
	is_int(oci_log_parse_line(line, strlen(line), &r), 0, "a record parses");
	is_int(r.stream, 2, "stream");
	ok(r.partial, "partial");
	ok(r.len == 9 && strncmp(r.text, "some text", 9) == 0, "text");
	is_int(r.ts.tv_sec, 1704164645, "seconds");
	is_int(r.ts.tv_nsec, 123456789, "nanoseconds");
	char empty[] = "2024-01-02T03:04:05.000000000+00:00 stdout F";
	is_int(oci_log_parse_line(empty, strlen(empty), &r), 0, "an empty line parses");
	is_int(r.len, 0, "with no text");
	static const char *const bad[] = { "",
					   "garbage",
					   "2024-01-02T03:04:05Z stdin F x",
					   "2024-01-02T03:04:05Z stdout X x",
					   "2024-13-45 stdout F x",
					   NULL };
	for (size_t i = 0; bad[i]; i++) {
		char *copy = xstrdup(bad[i]);
		is_int(oci_log_parse_line(copy, strlen(copy), &r), -1, "not a record: \"%s\"",
		       bad[i]);
		free(copy);
	}
	struct timespec now = { .tv_sec = 1000000, .tv_nsec = 0 }, t;
	struct error *err = NULL;
	is_int(oci_log_parse_since("10m", &now, &t, &err), 0, "duration");
	is_int(t.tv_sec, 1000000 - 600, "10m ago");
	oci_log_parse_since("1h30m", &now, &t, &err);
	is_int(t.tv_sec, 1000000 - 5400, "1h30m ago");
	is_int(oci_log_parse_since("2024-01-02T03:04:05Z", &now, &t, &err), 0, "RFC 3339");
	is_int(t.tv_sec, 1704164645, "parsed");
	oci_log_parse_since("2024-01-02T04:04:05+01:00", &now, &t, &err);
	is_int(t.tv_sec, 1704164645, "zone offset applied");
	is_int(oci_log_parse_since("1000", &now, &t, &err), 0, "Unix seconds (podman's logs)");
	is_int(t.tv_sec, 1000, "1000: the time, not a duration");
	is_int(oci_log_parse_since("1700000000.25", &now, &t, &err), 0, "with a fraction");
	ok(t.tv_sec == 1700000000 && t.tv_nsec == 250000000, "1700000000.25");
	is_int(oci_log_parse_since("0", &now, &t, &err), 0, "0: the epoch");
	is_int(t.tv_sec, 0, "0 is no duration either");
	is_int(oci_log_parse_since("12.", &now, &t, &err), -1, "a dot without digits refused");
	err_free(&err);
	is_int(oci_log_parse_since("yesterday", &now, &t, &err), -1, "nonsense refused");
	err_free(&err);
	enum oci_log_driver d;
	is_int(oci_log_driver_parse("journald", &d, &err), -1, "journald is not supported");
	err_free(&err);
}

static void test_rotation(void)
{
	autofree char *path = xasprintf("%s/rot.log", tmp);
	struct oci_log_writer w;
	struct error *err = NULL;
	is_int(oci_log_open(&w, path, 200, &err), 0, "open with max size");
	for (int i = 0; i < 20; i++)
		oci_log_write(&w, 1, "a line of output\n", 17);
	oci_log_close(&w);
	autofree char *old = xasprintf("%s.1", path);
	ok(fs_exists(old), "rotated to .1");
	struct stat st;
	stat(path, &st);
	ok(st.st_size < 300, "current file stays near max size (%lld)", (long long)st.st_size);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-unit-mon-XXXXXX";
	tmp = mkdtemp(tmpl);
	if (access("./hutch-monitor", X_OK) != 0) {
		ok(0, "./hutch-monitor is built (run from the top of the tree)");
		return done_testing();
	}
	test_attach_and_log();
	test_signal_forwarding();
	test_log_format();
	test_rotation();
	struct error *err = NULL;
	fs_rm_rf(tmp, &err);
	err_free(&err);
	return done_testing();
}
