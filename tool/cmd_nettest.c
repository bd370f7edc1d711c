/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hutch __nettest`: the networking library on a real container-like process until
 * `hutch run` exists. The command runs as root in new user, mount, UTS and (unless
 * --network host) network namespaces, with the generated resolv.conf/hosts/hostname
 * bind-mounted over /etc, and starts only once the network is ready. Published ports are
 * printed on stdout ("80/tcp -> 127.0.0.1:40000"); SIGTERM/SIGINT go to the command's
 * process group, and whatever is left of the group is killed when the command exits.
 */
#include "tool/cli.h"
#include "net/net.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

struct nettest_child {
	int go_fd; /* read end: one line once the network is ready, EOF on failure */
	const char *run_dir;
	const char *hostname;
	char *const *argv;
};

static volatile pid_t forward_pid = -1;

/* To the command's whole process group, so that its background children go too. */
static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(-forward_pid, sig);
}

/* In the new namespaces: mount the /etc files, set the hostname, wait for "go", exec. */
static int child_fn(void *arg, struct error **err)
{
	struct nettest_child *c = arg;
	static const char *const files[] = { "resolv.conf", "hosts", "hostname" };
	/* Private first, so that nothing we mount can propagate to the host. */
	if (mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return err_sys(err, "making / private");
	for (size_t i = 0; i < 3; i++) {
		autofree char *src = xasprintf("%s/%s", c->run_dir, files[i]);
		autofree char *dst = xasprintf("/etc/%s", files[i]);
		if (fs_exists(dst) && mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return err_sys(err, "bind-mounting %s on %s", src, dst);
	}
	/* A process group of its own stands in for a PID namespace: signals and the final
	 * clean-up reach everything the command started (unless it daemonizes with setsid). */
	if (setpgid(0, 0) < 0)
		return err_sys(err, "creating a process group");
	if (sethostname(c->hostname, strlen(c->hostname)) < 0)
		return err_sys(err, "setting the hostname");
	if (fcntl(c->go_fd, F_SETFD, 0) < 0)
		return err_sys(err, "passing the go fd");
	/* The exec closes the sync socket, so userns_spawn returns; the shell then waits. */
	autofree char *script = xasprintf("read -r _ <&%d || exit 125; exec \"$@\"", c->go_fd);
	autostrv char **argv = NULL;
	strv_push(&argv, "sh");
	strv_push(&argv, "-c");
	strv_push(&argv, script);
	strv_push(&argv, "sh");
	for (size_t i = 0; c->argv[i] != NULL; i++)
		strv_push(&argv, c->argv[i]);
	execv("/bin/sh", argv);
	return err_sys(err, "exec /bin/sh");
}

static int collect_ports(struct cli_ctx *ctx, struct net_port **ports, size_t *n,
			 struct error **err)
{
	char *const *specs = cli_opt_list(ctx, "publish");
	for (size_t i = 0; specs != NULL && specs[i] != NULL; i++) {
		*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
		if (net_parse_publish(specs[i], &(*ports)[*n], err) < 0)
			return -1;
		(*n)++;
	}
	if (cli_opt_bool(ctx, "publish-all") &&
	    net_expose_all(cli_opt_list(ctx, "expose"), ports, n, err) < 0)
		return -1;
	return net_ports_assign(*ports, *n, err);
}

static int write_etc(struct cli_ctx *ctx, const struct net_mode *mode, const char *dir,
		     struct error **err)
{
	struct net_etc_opts o = {
		.mode = mode,
		.hostname = cli_opt_str(ctx, "hostname"),
		.name = cli_opt_str(ctx, "name"),
		.dns = cli_opt_list(ctx, "dns"),
		.dns_search = cli_opt_list(ctx, "dns-search"),
		.dns_options = cli_opt_list(ctx, "dns-option"),
		.add_hosts = cli_opt_list(ctx, "add-host"),
		.host_resolv_conf = cli_opt_str(ctx, "host-resolv-conf"),
	};
	return net_write_etc_files(&o, dir, err);
}

static void print_ports(const struct net_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned k = 0; k < p[i].count; k++)
			printf("%u/%s -> %s:%u\n", p[i].container_port + k,
			       net_proto_name(p[i].proto), *p[i].host_ip ? p[i].host_ip : "0.0.0.0",
			       p[i].host_port + k);
	fflush(stdout);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Start the network for the child, let it run, wait for it, tear down. */
static int run_with_network(const struct net_mode *mode, const struct net_port *ports, size_t n,
			    const char *run_dir, struct nettest_child *c, int *status,
			    struct error **err)
{
	struct userns_map map;
	if (userns_default_map(&map, err) < 0)
		return -1;
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0) {
		userns_map_clear(&map);
		return err_sys(err, "creating a pipe");
	}
	c->go_fd = go[0];
	int flags = CLONE_NEWNS | CLONE_NEWUTS | (mode->kind == NET_MODE_HOST ? 0 : CLONE_NEWNET);
	struct userns_child child;
	int rc = userns_spawn(&map, flags, child_fn, c, &child, err);
	userns_map_clear(&map);
	close(go[0]);
	if (rc < 0) {
		close(go[1]);
		return -1;
	}
	struct net_setup_opts o = {
		.mode = mode, .pid = child.pid, .ports = ports, .n_ports = n, .run_dir = run_dir
	};
	struct net_handle *h = NULL;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (net_setup(&o, &h, err) == 0) {
		log_info("network %s ready in %.1f ms", net_mode_name(mode->kind), ms_since(&t0));
		print_ports(ports, n);
		rc = fs_write_all(go[1], "go\n", 3) < 0 ? err_sys(err, "starting the command") : 0;
	} else {
		rc = -1;
	}
	close(go[1]); /* on failure: EOF, the shell exits 125 */
	forward_pid = child.pid;
	struct sigaction sa = { .sa_handler = forward_signal }, old_term, old_int;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	int wrc = proc_wait(child.pid, status, rc < 0 ? NULL : err);
	kill(-child.pid, SIGKILL); /* what is left of the group, as when a container's init exits */
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	forward_pid = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	net_teardown(&h);
	log_info("network %s torn down in %.1f ms", net_mode_name(mode->kind), ms_since(&t0));
	return rc < 0 || wrc < 0 ? -1 : 0;
}

int cmd_nettest(struct cli_ctx *ctx, struct error **err)
{
	struct net_mode mode;
	autofree struct net_port *ports = NULL;
	size_t n = 0;
	if (net_parse_mode(cli_opt_str(ctx, "network"), &mode, err) < 0)
		return -1;
	autofree char *tmp = NULL;
	const char *run_dir = cli_opt_str(ctx, "run-dir");
	int rc = -1;
	if (collect_ports(ctx, &ports, &n, err) < 0)
		goto out;
	if (run_dir == NULL) {
		autofree char *rt = paths_runtime_dir(err);
		if (rt == NULL)
			goto out;
		tmp = xasprintf("%s/nettest-XXXXXX", rt);
		if (mkdtemp(tmp) == NULL) {
			err_sys(err, "creating %s", tmp);
			goto out;
		}
		run_dir = tmp;
	}
	struct nettest_child c = { .run_dir = run_dir,
				   .hostname = cli_opt_str(ctx, "hostname"),
				   .argv = ctx->argv };
	if (write_etc(ctx, &mode, run_dir, err) == 0)
		rc = run_with_network(&mode, ports, n, run_dir, &c, &ctx->exit_status, err);
	if (tmp != NULL)
		fs_rm_rf(tmp, NULL);
out:
	net_mode_clear(&mode);
	return rc;
}
