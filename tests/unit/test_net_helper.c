/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net/helper.c, net/slirp.c, net/setup.c on real processes: the tun device check on paths
 * the test prepares, a real slirp4netns attached to a real user+net namespace (ready,
 * api socket, a published port that accepts on 127.0.0.1, nothing left after teardown),
 * and a helper that dies before it is ready turning into an error with nothing left.
 */
#include "net/net.h"
#include "userns/userns.h"
#include "tests/unit/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmp;

/* In a user namespace of our own (0 -> our uid), a root-owned device that is not rw for
 * us: the message names the host's ids, not 0 and 65534. */
static void test_tun_in_userns(void)
{
	const char *dev = "/etc/shadow"; /* root's, not readable for a user */
	if (access(dev, F_OK) < 0 || access(dev, R_OK) == 0) {
		skip("machine: no unreadable /etc/shadow to stand in for the device");
		return;
	}
	int p[2];
	if (pipe(p) < 0)
		return;
	uid_t uid = getuid();
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char map[64];
		int n = snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		int fd = -1;
		if (unshare(CLONE_NEWUSER) < 0 || (fd = open("/proc/self/uid_map", O_WRONLY)) < 0 ||
		    write(fd, map, (size_t)n) != n)
			_exit(2);
		close(fd);
		struct error *e = NULL;
		if (net_check_tun(dev, &e) == 0)
			_exit(3);
		ssize_t w = write(p[1], e->msg, strlen(e->msg));
		_exit(w > 0 ? 0 : 4);
	}
	close(p[1]);
	char buf[1024] = "";
	ssize_t r = read(p[0], buf, sizeof(buf) - 1);
	buf[r > 0 ? r : 0] = '\0';
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		skip("machine: no unprivileged user namespaces");
		return;
	}
	autofree char *want = xasprintf("is not read-write for uid %u:", (unsigned)uid);
	has_str(buf, want, "in a user namespace: the host's uid, not 0");
	has_str(buf, "owned by an id outside", "and no owner uid 65534");
	ok(strstr(buf, "65534") == NULL, "65534 is not named");
}

static void test_tun(void)
{
	struct error *err = NULL;
	autofree char *missing = xasprintf("%s/tun-missing", tmp);
	is_int(net_check_tun(missing, &err), -1, "a missing tun device");
	has_str(err ? err->msg : NULL, "does not exist: load the tun kernel module",
		"says how to get one");
	err_free(&err);
	autofree char *file = xasprintf("%s/tun-file", tmp);
	fs_write_atomic(file, "", 0, 0600, &err);
	if (getuid() != 0) {
		chmod(file, 0000);
		is_int(net_check_tun(file, &err), -1, "a tun device we cannot open");
		autofree char *want = xasprintf("%s (mode 0000, owner uid %u) is not read-write "
						"for uid %u",
						file, getuid(), getuid());
		has_str(err ? err->msg : NULL, want, "names the path, its mode and owner");
		has_str(err ? err->msg : NULL, "mode 0666", "and the mode it needs");
		has_str(err ? err->msg : NULL, "--network none", "and the way around it");
		err_free(&err);
		test_tun_in_userns();
		chmod(file, 0600);
	} else {
		skip("machine: root can open any file; run as a user to test the mode message");
	}
	is_int(net_check_tun(file, &err), -1, "a regular file");
	has_str(err ? err->msg : NULL, "is not a character device", "is no tun device");
	err_free(&err);
	if (net_check_tun("/dev/net/tun", &err) == 0)
		ok(1, "/dev/net/tun is usable here");
	else
		skip("machine: %s", err->msg);
	err_free(&err);
}

static int exec_sleep(void *arg, struct error **err)
{
	(void)arg;
	execl("/bin/sleep", "sleep", "60", (char *)NULL);
	return err_sys(err, "exec sleep");
}

static bool alive(pid_t pid)
{
	return pid > 0 && kill(pid, 0) == 0;
}

/* A zombie waits for its new parent (init) to reap it; it runs no more. */
static bool is_zombie(pid_t pid)
{
	autofree char *path = xasprintf("/proc/%d/stat", (int)pid);
	autofree char *data = NULL;
	struct error *err = NULL;
	if (fs_read_file(path, 4096, &data, NULL, &err) < 0) {
		err_free(&err);
		return true;
	}
	char *paren = strrchr(data, ')');
	return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static int connect_local(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc;
}

static void test_slirp(const struct userns_map *map)
{
	struct error *err = NULL;
	struct userns_child child;
	if (userns_spawn(map, CLONE_NEWNET | CLONE_NEWNS, exec_sleep, NULL, &child, &err) < 0) {
		ok(0, "namespace child: %s", err->msg);
		err_free(&err);
		return;
	}
	struct net_mode mode;
	net_parse_mode("slirp4netns", &mode, &err);
	struct net_port port = { .host_ip = "127.0.0.1", .container_port = 80, .count = 1 };
	net_ports_assign(&port, 1, &err);
	struct net_setup_opts o = {
		.mode = &mode, .pid = child.pid, .ports = &port, .n_ports = 1, .run_dir = tmp
	};
	struct net_handle *h = NULL;
	int rc = net_setup(&o, &h, &err);
	is_int(rc, 0, "slirp4netns is up for a real namespace%s%s", err ? ": " : "",
	       err ? err->msg : "");
	err_free(&err);
	pid_t helper = net_helper_pid(h);
	ok(alive(helper), "slirp4netns runs (pid %d)", (int)helper);
	autofree char *sock = xasprintf("%s/slirp4netns.sock", tmp);
	ok(fs_exists(sock), "its api socket is in the run dir");
	is_int(connect_local(port.host_port), 0, "the published 127.0.0.1:%u accepts",
	       port.host_port);
	/* The port is now slirp4netns's: a second container cannot have it. */
	is_int(net_check_ports(&port, 1, NULL, &err), -1, "the published port is in use");
	err_free(&err);
	net_teardown(&h);
	ok(h == NULL, "handle reset");
	ok(!alive(helper), "slirp4netns is gone after teardown (and reaped)");
	ok(!fs_exists(sock), "no stale api socket");
	ok(connect_local(port.host_port) < 0, "the port is closed again");

	/* If hutch itself dies without a teardown, the kernel closes the exit fd and
	 * slirp4netns goes too: no helper outlives its owner. */
	int pp[2];
	pid_t owner = -1, orphan = -1;
	if (pipe(pp) == 0 && (owner = fork()) == 0) {
		close(pp[0]);
		struct net_setup_opts o2 = { .mode = &mode, .pid = child.pid, .run_dir = tmp };
		struct net_handle *h2 = NULL;
		struct error *e2 = NULL;
		pid_t hp = net_setup(&o2, &h2, &e2) == 0 ? net_helper_pid(h2) : -1;
		(void)!write(pp[1], &hp, sizeof(hp));
		_exit(0); /* no teardown */
	}
	close(pp[1]);
	ssize_t got = read(pp[0], &orphan, sizeof(orphan));
	ok(got == sizeof(orphan) && orphan > 0,
	   "an owner process started slirp4netns (pid %d) and exited", (int)orphan);
	close(pp[0]);
	int status;
	proc_wait(owner, &status, NULL);
	bool gone = false;
	for (int i = 0; i < 200 && !gone; i++) {
		gone = !alive(orphan) || is_zombie(orphan);
		usleep(10000);
	}
	ok(gone, "its slirp4netns exits once the exit fd is closed by the kernel");
	autofree char *sock2 = xasprintf("%s/slirp4netns.sock", tmp);
	unlink(sock2); /* the owner died: removing the socket was its job */

	kill(child.pid, SIGKILL);
	proc_wait(child.pid, &status, NULL);
	net_mode_clear(&mode);
}

static void test_dies(void)
{
	struct error *err = NULL;
	struct net_mode mode;
	net_parse_mode("slirp4netns", &mode, &err);
	/* Process 1 is no namespace of ours: slirp4netns cannot join it and exits. */
	struct net_setup_opts o = { .mode = &mode, .pid = 1, .run_dir = tmp };
	struct net_handle *h = NULL;
	is_int(net_setup(&o, &h, &err), -1, "a helper that cannot join fails the setup");
	has_str(err ? err->msg : NULL, "slirp4netns exited (status 1) before it was ready",
		"the error says it died");
	has_str(err ? err->msg : NULL, "setting up the network (slirp4netns)", "with context");
	ok(h == NULL, "no handle");
	printf("# %s\n", err ? err->msg : "");
	err_free(&err);
	autofree char *sock = xasprintf("%s/slirp4netns.sock", tmp);
	ok(!fs_exists(sock), "no api socket left");
	net_mode_clear(&mode);

	/* pasta, the same way, when it is installed. */
	autofree char *pasta = fs_find_in_path("pasta");
	if (pasta != NULL) {
		struct net_mode pm;
		net_parse_mode("pasta", &pm, &err);
		struct net_setup_opts po = { .mode = &pm, .pid = 1, .run_dir = tmp };
		is_int(net_setup(&po, &h, &err), -1, "pasta that cannot join fails the setup");
		has_str(err ? err->msg : NULL, "pasta exited (status 1) before it was ready: ",
			"the error says it died, with its log");
		printf("# %s\n", err ? err->msg : "");
		err_free(&err);
		autofree char *pidfile = xasprintf("%s/pasta.pid", tmp);
		ok(!fs_exists(pidfile), "no pid file left");
		net_mode_clear(&pm);
	} else {
		skip("machine: pasta (passt) is not installed");
	}

	/* ns:PATH and container: are joined by the runtime: nothing to start. */
	struct net_mode nm;
	net_parse_mode("ns:/proc/1/ns/net", &nm, &err);
	struct net_setup_opts no = { .mode = &nm, .pid = 1, .run_dir = tmp };
	is_int(net_setup(&no, &h, &err), 0, "ns:PATH needs no helper");
	is_int(net_helper_pid(h), -1, "and none runs");
	net_teardown(&h);
	net_mode_clear(&nm);

	/* Ports need a helper: none and host cannot publish. */
	struct net_mode hm;
	net_parse_mode("host", &hm, &err);
	struct net_port p80 = { .host_port = 8080, .container_port = 80, .count = 1 };
	struct net_setup_opts ho = { .mode = &hm, .pid = 1, .ports = &p80, .n_ports = 1 };
	is_int(net_start(&ho, &h, &err), -1, "-p with --network host is refused");
	has_str(err ? err->msg : NULL, "cannot publish ports with --network host", "named");
	err_free(&err);
	net_mode_clear(&hm);

	/* A port in use fails before anything starts. */
	net_parse_mode("slirp4netns", &mode, &err);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	listen(fd, 1);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	struct net_port port = { .host_ip = "127.0.0.1",
				 .host_port = ntohs(sa.sin_port),
				 .container_port = 80,
				 .count = 1 };
	o.ports = &port;
	o.n_ports = 1;
	is_int(net_start(&o, &h, &err), -1, "a port in use stops net_start");
	has_str(err ? err->msg : NULL, "the host port is already in use", "before any helper");
	ok(h == NULL, "nothing started");
	err_free(&err);
	close(fd);
	net_mode_clear(&mode);
}

int main(void)
{
	tmp = xstrdup("/tmp/hutch-test-net-XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return 1;
	test_tun();
	struct userns_map map;
	struct error *err = NULL;
	autofree char *slirp = fs_find_in_path("slirp4netns");
	if (userns_default_map(&map, &err) == 0 && slirp != NULL) {
		test_slirp(&map);
		userns_map_clear(&map);
	} else {
		skip("machine: no user namespace mapping or no slirp4netns");
		err_free(&err);
	}
	test_dies();
	fs_rm_rf(tmp, NULL);
	free(tmp);
	return done_testing();
}
