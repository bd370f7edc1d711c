/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a container. The CLI forks a launcher that becomes root in the container's user
 * namespace (a fresh one with the user's mapping; the one it already runs in when an exit
 * command restarts a container; or, for --network container: and pods, the one that owns
 * the namespaces it shares), in a mount namespace of its own. The launcher forks
 * again and leaves, so the monitor-to-be is nobody's child (double fork, setsid). That
 * process mounts the rootfs, creates the container through the runtime library with the
 * container's stdio on pipes (or a pty from the console socket), and execs hutch-monitor,
 * which stays the init's parent. The CLI then attaches, if asked, and releases the init.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/un.h>
#include <grp.h>
#include <dirent.h>
#include <unistd.h>

char *eng_ctr_helper_path(const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *dir = dirname(exe);
	char *beside = xasprintf("%s/%s", dir, name);
	if (access(beside, X_OK) == 0)
		return beside;
	free(beside);
	char *libexec = xasprintf("%s/../libexec/hutch/%s", dir, name);
	if (access(libexec, X_OK) == 0)
		return libexec;
	free(libexec);
	return NULL;
}

/*
 * /run/.containerenv, which tells a process it runs in a container, as podman's: empty, but
 * with --privileged (which can see the host anyway) the engine, the names and IDs.
 */
static int write_containerenv(const struct eng_ctr *c, const char *run, struct error **err)
{
	autofree char *path = xasprintf("%s/.containerenv", run);
	autofree char *text = NULL;
	struct json_object *priv = json_get(c->doc, "Privileged");
	if (priv != NULL && json_object_get_boolean(priv))
		text = xasprintf("engine=\"hutch-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\n"
				 "imageid=\"%s\"\nrootless=%d\n",
				 HUTCH_VERSION, c->name, c->id, c->image_name, c->image_id,
				 getuid() != 0);
	return fs_write_replace(path, text ? text : "", text ? strlen(text) : 0, 0644, err);
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf of the container, in its run dir. */
static int write_etc_files(const struct eng_ctr *c, const struct net_mode *mode, const char *run,
			   struct error **err)
{
	struct net_etc_opts eo = { .mode = mode,
				   .hostname = *c->hostname ? c->hostname : c->name,
				   .name = c->name,
				   .dns = c->dns,
				   .dns_search = c->dns_search,
				   .dns_options = c->dns_options,
				   .add_hosts = c->extra_hosts };
	return net_write_etc_files(&eo, run, err);
}

/* The runtime binary a container is started with (c's OCIRuntime, or hutch-runtime beside
 * hutch when only flags are given), owned; NULL without either (rtexec.c). */
static char *rt_path_of(const struct eng *eng, const struct eng_ctr *c, struct error **err)
{
	const char *given = json_str(c->doc, "OCIRuntime");
	bool flags = eng->runtime_flags != NULL && eng->runtime_flags[0] != NULL;
	if (given == NULL && !flags)
		return NULL;
	if (given != NULL && strchr(given, '/') != NULL)
		return xstrdup(given);
	char *path = eng_ctr_helper_path("hutch-runtime");
	if (path == NULL)
		err_set(err, ENOENT, ERR_TOOL, "hutch-runtime not found beside hutch");
	return path;
}

/* Everything the launcher needs; filled by the CLI before the fork. */
struct launch {
	struct storage *s;
	struct eng *eng;
	const struct eng_ctr *c;
	const char *run;
	const char *root;	   /* runtime state root */
	const char *seccomp_cache; /* compiled seccomp filters, in the runtime dir */
	const char *monitor;	   /* hutch-monitor path */
	const char *hutch;	   /* this program, for the exit command */
	bool tty, interactive;
	const char *log_driver;
	uint64_t log_max_size;
	int sync_fd;   /* to the CLI: 'E' + error, or the monitor's "ready\n" */
	int listen_fd; /* the attach socket, bound by the CLI (which may be connected already) */
	const struct net_mode *mode;
	const struct net_port *ports;
	size_t n_ports;
	bool own_rootfs; /* an infra container: config.json names a plain directory */
	pid_t join_pid;	 /* > 0: join the user namespace of this process (the target's monitor) */
	const char *net_input; /* user-defined networks: netavark's input (join_pid: the holder) */
	const char *netns_dir; /* and the shared namespace's state dir */
	/* The state to record once the container runs (its pid filled in), under the lock the
	 * CLI holds while it waits for us. */
	const struct eng_ctr_state *running;
	/* --userns keep-id: the user to name in the container's /etc files (else NULL). */
	const struct ctr_keepid_user *keepid;
	/* --hostuser: host users to add to the container's /etc/passwd. */
	const struct ctr_keepid_user *hostusers;
	size_t n_hostusers;
	int preserve_fds; /* the CLI's fds 3 .. 3+N-1 go into the container */
	long timeout;	  /* --timeout, for the monitor; 0: none */
	struct ctr_rt rt; /* rt.path: create and start through this runtime binary */
	/* keep-id: the rootfs's owners as the container's nested user namespace maps them */
	const struct storage_idmap *idmap;
	const char *notify_socket; /* --sdnotify conmon|healthy: the socket to tell, or NULL */
};

static void __attribute__((noreturn)) launch_fail(const struct launch *l, struct error *err)
{
	(void)!write(l->sync_fd, "E", 1);
	err_send(l->sync_fd, err);
	_exit(125);
}

/* The same, once the container exists: it goes (its process may run already). */
static void __attribute__((noreturn)) launch_fail_created(const struct launch *l, struct error *err)
{
	struct error *derr = NULL;
	if (oci_container_delete(l->root, l->c->id, true, &derr) < 0)
		err_free(&derr);
	launch_fail(l, err);
}

/* Send fd over sock with the one byte tag. */
static int send_fd(int sock, char tag, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

/* Receive a file descriptor sent with send_fd, or the pty master the container's init
 * sends over the console socket; *tag (when not NULL) is the first byte with it. */
static int recv_fd(int sock, char *tag, struct error **err)
{
	char buf[256];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_sys(err, "receiving a file descriptor");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || c == NULL || c->cmsg_type != SCM_RIGHTS)
		return err_msg(err, "no file descriptor came");
	if (tag != NULL)
		*tag = buf[0];
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The container's stdio: ends for the container on 0/1/2, ends for the monitor in fds. */
struct stdio_ends {
	int in, out, errfd; /* monitor's ends, -1 when unused */
	int listen;	    /* console socket with a tty */
	char console[64];
};

static int setup_stdio(const struct launch *l, struct stdio_ends *e, int dirfd, struct error **err)
{
	*e = (struct stdio_ends){ .in = -1, .out = -1, .errfd = -1, .listen = -1 };
	if (l->tty) {
		e->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		/* The runtime connects from this very process: /proc/self/fd keeps it short. */
		snprintf(e->console, sizeof(e->console), "/proc/self/fd/%d/console.sock", dirfd);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", e->console);
		unlink(sa.sun_path);
		if (e->listen < 0 || bind(e->listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(e->listen, 1) < 0)
			return err_sys(err, "creating the console socket");
		int null = open("/dev/null", O_RDWR);
		if (null < 0)
			return err_sys(err, "opening /dev/null");
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		close(null);
		return 0;
	}
	int in[2], out[2], er[2];
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0)
		return err_sys(err, "creating pipes");
	if (l->interactive) {
		if (pipe2(in, O_CLOEXEC) < 0)
			return err_sys(err, "creating pipes");
		dup2(in[0], 0);
		close(in[0]);
		e->in = in[1];
	} else {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		close(null);
	}
	dup2(out[1], 1);
	dup2(er[1], 2);
	close(out[1]);
	close(er[1]);
	e->out = out[0];
	e->errfd = er[0];
	return 0;
}

/* The monitor must not hold the container's ends of its pipes. */
static void stdio_detach(void)
{
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		if (null > 2)
			close(null);
	}
}

static void add_fd_arg(char ***argv, const char *flag, int fd)
{
	if (fd < 0)
		return;
	/* The monitor inherits it: clear close-on-exec. */
	fcntl(fd, F_SETFD, 0);
	strv_push(argv, flag);
	strv_push_take(argv, xasprintf("%d", fd));
}

/*
 * Close every fd from `first` on but the two in keep. Whatever the CLI had open (its end of
 * the namespace sync socket above all) must not live on in the init and the monitor: the
 * CLI waits for that socket's EOF. Below first: stdio and the fds --preserve-fds passes on
 * (the CLI checked they were all open before it made any fd of its own, so none of its own
 * is among them).
 */
static void close_fds_except(int first, int keep_a, int keep_b)
{
	int keep[2] = { keep_a < keep_b ? keep_a : keep_b, keep_a < keep_b ? keep_b : keep_a };
	unsigned from = (unsigned)first;
	bool ok = true;
	for (size_t i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue; /* stdio, none (-1), or the same fd twice */
		if ((unsigned)keep[i] > from)
			ok = ok && syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) == 0;
		from = (unsigned)keep[i] + 1;
	}
	ok = ok && syscall(SYS_close_range, from, ~0u, 0) == 0;
	if (ok)
		return;
	/* Kernels before 5.9 have no close_range. */
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return;
	int self = dirfd(d);
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] != '.' && fd >= first && fd != keep_a && fd != keep_b &&
		    fd != self)
			close(fd);
	}
	closedir(d);
}

/* Host UDP sockets for the published UDP ports, listening TCP ones (on networks: every
 * TCP port; else [::]:PORT, IPv6 only, for TCP ports published on every address:
 * slirp4netns listens on 0.0.0.0 alone), and the container's netns, for the monitor. */
struct udp_binds {
	int netns_fd;
	int fds[OCI_UDP_MAX];
	uint16_t ports[OCI_UDP_MAX];
	size_t n;
	int tcp_fds[OCI_UDP_MAX];
	uint16_t tcp_ports[OCI_UDP_MAX];
	size_t n_tcp;
	int tcp6_fds[OCI_TCP6_MAX];
	uint16_t tcp6_ports[OCI_TCP6_MAX];
	size_t n_tcp6;
};

/*
 * [::]:PORT, IPv6 only, for a TCP port published on every address: slirp4netns listens on
 * 0.0.0.0 alone, and podman's forwarder answers [::1] too. A host without IPv6, or a port
 * another program holds on IPv6, only loses this second way in (-1, no error).
 */
static int bind_one_tcp6(uint16_t port)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port),
				  .sin6_addr = in6addr_any };
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void bind_tcp6(const struct launch *l, struct udp_binds *ub)
{
	for (size_t i = 0; i < l->n_ports; i++) {
		const struct net_port *p = &l->ports[i];
		if (p->proto != NET_PROTO_TCP || p->host_ip[0] != '\0')
			continue;
		for (unsigned k = 0; k < p->count && ub->n_tcp6 < OCI_TCP6_MAX; k++) {
			int fd = bind_one_tcp6((uint16_t)(p->host_port + k));
			if (fd < 0) {
				log_debug("no IPv6 listener for port %u: %s", p->host_port + k,
					  strerror(errno));
				continue;
			}
			ub->tcp6_fds[ub->n_tcp6] = fd;
			ub->tcp6_ports[ub->n_tcp6++] = (uint16_t)(p->container_port + k);
		}
	}
}

static int bind_one_udp(const struct net_port *p, unsigned k, int *out, struct error **err)
{
	bool tcp = p->proto == NET_PROTO_TCP;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	bool v6 = strchr(p->host_ip, ':') != NULL;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)(p->host_port + k));
		inet_pton(AF_INET6, p->host_ip, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)(p->host_port + k));
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		if (p->host_ip[0] != '\0')
			inet_pton(AF_INET, p->host_ip, &a->sin_addr);
		len = sizeof(*a);
	}
	int fd = socket(v6 ? AF_INET6 : AF_INET,
			(tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd >= 0 && tcp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 || (tcp && listen(fd, 128) < 0)) {
		err_sys(err, "cannot publish %s%s%u/%s", p->host_ip, p->host_ip[0] ? ":" : "",
			(unsigned)(p->host_port + k), tcp ? "tcp" : "udp");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

static int bind_udp(const struct launch *l, pid_t pid, bool tcp, struct udp_binds *ub,
		    struct error **err)
{
	*ub = (struct udp_binds){ .netns_fd = -1 };
	for (size_t i = 0; i < OCI_TCP6_MAX; i++)
		ub->tcp6_fds[i] = -1;
	for (size_t i = 0; i < l->n_ports; i++) {
		const struct net_port *p = &l->ports[i];
		bool is_udp = p->proto == NET_PROTO_UDP;
		int *fds = is_udp ? ub->fds : ub->tcp_fds;
		uint16_t *ports = is_udp ? ub->ports : ub->tcp_ports;
		size_t *n = is_udp ? &ub->n : &ub->n_tcp;
		for (unsigned k = 0; (is_udp || tcp) && k < p->count; k++) {
			if (*n == OCI_UDP_MAX)
				return err_set(err, E2BIG, ERR_USAGE,
					       "at most %d %s ports can be published", OCI_UDP_MAX,
					       is_udp ? "UDP" : "TCP");
			if (bind_one_udp(p, k, &fds[*n], err) < 0)
				return -1;
			ports[(*n)++] = (uint16_t)(p->container_port + k);
		}
	}
	bind_tcp6(l, ub);
	if (ub->n == 0 && ub->n_tcp == 0 && ub->n_tcp6 == 0)
		return 0;
	autofree char *ns = xasprintf("/proc/%d/ns/net", (int)pid);
	ub->netns_fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (ub->netns_fd < 0)
		return err_sys(err, "opening %s", ns);
	return 0;
}

/* The container's network, set up while its init sets up (oci_create_opts.prepare). */
struct launch_net {
	const struct launch *l;
	pid_t init;
	struct udp_binds ub; /* with slirp4netns the monitor forwards the UDP ports (udpfwd.c) */
	int exit_fd;	     /* the network helper's */
	pid_t helper;
	int helper_pidfd; /* pasta's daemon's, watched by the monitor */
};

static int launch_prepare(void *arg, pid_t init, struct error **err)
{
	struct launch_net *n = arg;
	const struct launch *l = n->l;
	n->init = init;
	/* On networks the monitor relays all published ports from the host's sockets into the
	 * container's namespace, the holder's user namespace being its own (udpfwd.c,
	 * tcpfwd.c): the container sees a client on the host's loopback as 127.0.0.1. */
	if (l->mode->kind == NET_MODE_NETWORKS)
		return bind_udp(l, init, true, &n->ub, err) < 0
			   ? -1
			   : ctr_net_setup(l->netns_dir, l->join_pid, init, l->c->id, l->net_input,
					   l->run, err);
	/* Only lo to bring up: no child needed. */
	if (l->mode->kind == NET_MODE_NONE)
		return net_lo_up_here(init, err);
	if (!net_mode_is_private(l->mode))
		return 0;
	autofree struct net_port *tcp = NULL;
	size_t n_tcp = l->n_ports;
	const struct net_port *ports = l->ports;
	if (l->mode->kind == NET_MODE_SLIRP4NETNS && l->n_ports > 0) {
		tcp = xcalloc(l->n_ports, sizeof(*tcp));
		n_tcp = 0;
		for (size_t i = 0; i < l->n_ports; i++)
			if (l->ports[i].proto == NET_PROTO_TCP)
				tcp[n_tcp++] = l->ports[i];
		ports = tcp;
		if (bind_udp(l, init, false, &n->ub, err) < 0)
			return -1;
	}
	struct net_setup_opts no = {
		.mode = l->mode, .pid = init, .ports = ports, .n_ports = n_tcp, .run_dir = l->run
	};
	struct net_handle *h = NULL;
	if (net_setup(&no, &h, err) < 0)
		return -1;
	net_handover(&h, &n->exit_fd, &n->helper, &n->helper_pidfd);
	return 0;
}

/*
 * create and start through the runtime binary (rtexec.c) where the library would do both:
 * the network comes up between them, while the init waits. The init, the runtime's child,
 * is ours once the runtime exits (a subreaper, as conmon is). Returns /dev/null for the
 * CLI's connection: the process runs already.
 */
static int launch_rt(const struct launch *l, struct launch_net *net, const char *bundle,
		     const char *console, int dirfd)
{
	struct error *err = NULL;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	autofree char *pidf = xasprintf("%s/rt.pid", l->run);
	pid_t init = 0;
	if (ctr_rt_create(&l->rt, l->root, l->c->id, bundle, console, l->preserve_fds, dirfd, pidf,
			  &init, &err) < 0)
		launch_fail(l, err);
	if (launch_prepare(net, init, &err) < 0 ||
	    ctr_rt_start(&l->rt, l->root, l->c->id, &err) < 0)
		launch_fail_created(l, err);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0) {
		err_sys(&err, "opening /dev/null");
		launch_fail_created(l, err);
	}
	return null;
}

/* The monitor-to-be: runs as root in the container's user and mount namespaces. */
/* As podman: a rootfs without /etc/mtab gets one, a link to /proc/mounts (resolved inside
 * the rootfs; an /etc that is not a directory is left alone). */
static void ensure_mtab(const char *merged)
{
	autoclose int rootfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	autoclose int etc = fs_open_in_root(rootfd, "/etc", O_RDONLY | O_DIRECTORY, FS_CREATE_NONE);
	struct stat st;
	if (etc >= 0 && fstatat(etc, "mtab", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
	    symlinkat("/proc/mounts", etc, "mtab") < 0)
		log_debug("creating /etc/mtab: %s", strerror(errno));
}

static void __attribute__((noreturn)) launch_main(const struct launch *l)
{
	struct error *err = NULL;
	close_fds_except(3 + l->preserve_fds, l->sync_fd, l->listen_fd);
	/* Host mounts still propagate in; ours (the rootfs) never leak out. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		err_sys(&err, "making the mount namespace private");
		launch_fail(l, err);
	}
	autofree char *merged = NULL;
	bool rm = l->c->auto_remove;
	if (!l->own_rootfs && l->idmap != NULL &&
	    storage_rootfs_mount_mapped(l->s, l->c->id, rm, l->idmap, &merged, &err) < 0)
		launch_fail(l, err);
	if (!l->own_rootfs && l->idmap == NULL &&
	    (rm ? storage_rootfs_mount_volatile(l->s, l->c->id, &merged, &err)
		: storage_rootfs_mount(l->s, l->c->id, &merged, &err)) < 0)
		launch_fail(l, err);
	if (merged != NULL)
		ensure_mtab(merged);
	if (l->keepid != NULL && merged != NULL) {
		autoclose int rootfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			err_sys(&err, "opening %s", merged);
		if (rootfd < 0 || ctr_keepid_etc(rootfd, l->keepid, &err) < 0)
			launch_fail(l, err);
	}
	if (l->n_hostusers > 0 && merged != NULL) {
		autoclose int rootfd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			err_sys(&err, "opening %s", merged);
		for (size_t i = 0; rootfd >= 0 && i < l->n_hostusers; i++)
			if (ctr_hostuser_etc(rootfd, &l->hostusers[i], &err) < 0)
				break;
		if (err != NULL)
			launch_fail(l, err);
	}
	int dirfd = open(l->run, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stdio_ends e;
	if (dirfd < 0) {
		err_sys(&err, "opening %s", l->run);
		launch_fail(l, err);
	}
	if (setup_stdio(l, &e, dirfd, &err) < 0 || ctr_secrets_chown(l->c, dirfd, &err) < 0)
		launch_fail(l, err);
	/* --sdnotify=container: the socket bound at /run/notify, before the container runs. */
	int notify = -1;
	const char *sd = l->c->sdnotify;
	if (sd != NULL && strcmp(sd, "container") == 0 &&
	    (notify = ctr_notify_bind(dirfd, &err)) < 0)
		launch_fail(l, err);
	autofree char *bundle = eng_ctr_dir(l->eng, l->c->id);
	bool delete_has_work = true, has_poststart = true;
	/* Started at once: the network comes up while the init sets up, then it is released
	 * (the CLI gets the connection to it with "ready" and waits there for the exec). */
	struct launch_net net = {
		.l = l, .ub = { .netns_fd = -1 }, .exit_fd = -1, .helper = -1, .helper_pidfd = -1
	};
	int conn = -1;
	if (l->rt.path != NULL) {
		conn = launch_rt(l, &net, bundle, l->tty ? e.console : NULL, dirfd);
		delete_has_work = true;
		has_poststart = false;
	}
	struct oci_create_opts co = { .root = l->root,
				      .id = l->c->id,
				      .bundle = bundle,
				      .console_socket = l->tty ? e.console : NULL,
				      .preserve_fds = l->preserve_fds,
				      .seccomp_cache = l->seccomp_cache,
				      .delete_has_work = &delete_has_work,
				      .has_poststart = &has_poststart,
				      .start_conn = &conn,
				      .prepare = launch_prepare,
				      .prepare_arg = &net };
	if (l->rt.path == NULL && oci_container_create(&co, &err) < 0)
		launch_fail(l, err);
	/* The container has them: the monitor must not hold them (a pipe's writer kept open
	 * here would keep its reader from the EOF). */
	for (int fd = 3; fd < 3 + l->preserve_fds; fd++)
		close(fd);
	/* A CLI gone meanwhile makes the writes below fail, not kill us (the container, already
	 * running, must go with us). Only now: the init, cloned above, keeps SIGPIPE's default. */
	signal(SIGPIPE, SIG_IGN);
	int pty = -1;
	if (l->tty) {
		int csock = accept4(e.listen, NULL, NULL, SOCK_CLOEXEC);
		pty = csock >= 0 ? recv_fd(csock, NULL, &err)
				 : err_sys(&err, "accepting the terminal");
		if (csock >= 0 && pty < 0)
			err_wrap(&err, "receiving the terminal");
		if (csock >= 0)
			close(csock);
		if (pty < 0)
			launch_fail_created(l, err);
		close(e.listen);
	}
	stdio_detach();
	/* Blocked from here until the monitor takes them through its signalfd, so that a
	 * signal for the container waits for it (the init, forked above, keeps its own mask).
	 * A SIGCHLD that came before is made up for: the monitor looks for an exit at once. */
	sigset_t monsigs;
	oci_monitor_sigset(&monsigs);
	sigprocmask(SIG_BLOCK, &monsigs, NULL);
	autofree char *logpath = eng_ctr_log_path(l->eng, l->c->id);
	autostrv char **argv = NULL;
	strv_push(&argv, l->monitor);
	strv_push(&argv, "--id");
	strv_push(&argv, l->c->id);
	strv_push(&argv, "--run-dir");
	strv_push(&argv, l->run);
	strv_push(&argv, "--pid");
	strv_push_take(&argv, xasprintf("%d", (int)net.init));
	strv_push(&argv, "--log-path");
	strv_push(&argv, logpath);
	strv_push(&argv, "--log-driver");
	strv_push(&argv, l->log_driver);
	strv_push(&argv, "--log-max-size");
	strv_push_take(&argv, xasprintf("%llu", (unsigned long long)l->log_max_size));
	add_fd_arg(&argv, "--stdin-fd", e.in);
	add_fd_arg(&argv, "--stdout-fd", e.out);
	add_fd_arg(&argv, "--stderr-fd", e.errfd);
	add_fd_arg(&argv, "--pty-fd", pty);
	add_fd_arg(&argv, "--net-exit-fd", net.exit_fd);
	add_fd_arg(&argv, "--net-pidfd", net.helper_pidfd);
	add_fd_arg(&argv, "--netns-fd", net.ub.netns_fd);
	/* Held by the monitor, so that the init's exit does not wait for the unmounting of
	 * the container's mounts before its SIGCHLD: the monitor lets them go after the
	 * report. */
	char mnt[64];
	snprintf(mnt, sizeof(mnt), "/proc/%d/ns/mnt", (int)net.init);
	add_fd_arg(&argv, "--mntns-fd", open(mnt, O_RDONLY | O_CLOEXEC));
	for (size_t i = 0; i < net.ub.n_tcp6; i++) {
		fcntl(net.ub.tcp6_fds[i], F_SETFD, 0);
		strv_push(&argv, "--tcp-fwd"); /* the same relay, from [::] */
		strv_push_take(
		    &argv, xasprintf("%d:%u", net.ub.tcp6_fds[i], (unsigned)net.ub.tcp6_ports[i]));
	}
	for (size_t i = 0; i < net.ub.n; i++) {
		fcntl(net.ub.fds[i], F_SETFD, 0);
		strv_push(&argv, "--udp-fwd");
		strv_push_take(&argv, xasprintf("%d:%u", net.ub.fds[i], (unsigned)net.ub.ports[i]));
	}
	if (l->timeout > 0) {
		strv_push(&argv, "--timeout");
		strv_push_take(&argv, xasprintf("%ld", l->timeout));
	}
	for (size_t i = 0; i < net.ub.n_tcp; i++) {
		fcntl(net.ub.tcp_fds[i], F_SETFD, 0);
		strv_push(&argv, "--tcp-fwd");
		strv_push_take(
		    &argv, xasprintf("%d:%u", net.ub.tcp_fds[i], (unsigned)net.ub.tcp_ports[i]));
	}
	if (net.helper > 0) {
		strv_push(&argv, "--net-pid");
		strv_push_take(&argv, xasprintf("%d", (int)net.helper));
	}
	/* --rm: the monitor unlists the container itself before it reports the status, and
	 * removes the rest after, itself or through the exit command (finish_unlisted). */
	if (rm) {
		char *dir = NULL, *trash = NULL, *lock = NULL;
		storage_container_unlist_paths(l->s, l->c->id, &dir, &trash, &lock);
		strv_push(&argv, "--unlist");
		strv_push_take(&argv, dir);
		strv_push(&argv, "--unlist-to");
		strv_push_take(&argv, trash);
		strv_push(&argv, "--unlist-lock");
		strv_push_take(&argv, lock);
		char *entry = NULL, *names_lock = NULL;
		ctr_name_paths(l->eng, l->c->name, &entry, &names_lock);
		strv_push(&argv, "--unlist-name");
		strv_push_take(&argv, entry);
		strv_push(&argv, "--unlist-names-lock");
		strv_push_take(&argv, names_lock);
		/* Nothing for hutch to do after: the monitor removes the rest itself (unless
		 * anonymous volumes are to go too, or networks to be torn down: the exit
		 * command's work). */
		if (!delete_has_work && !ctr_has_anon_volumes(l->eng, l->c) &&
		    l->mode->kind != NET_MODE_NETWORKS) {
			strv_push(&argv, "--purge-state");
			strv_push_take(&argv, xasprintf("%s/%s", l->root, l->c->id));
		}
	}
	/*
	 * Ready before the monitor runs: this process becomes it, so the pid file is written
	 * here, and the container starts while the monitor execs and sets up (it accepts the
	 * CLI's connection, made before the launch, before it passes on any output). Named
	 * like it meanwhile, for the pid file's readers.
	 */
	prctl(PR_SET_NAME, "hutch-monitor");
	autofree char *mpidfile = xasprintf("%s/%s", l->run, OCI_MONITOR_PID_FILE);
	autofree char *mpid = xasprintf("%d\n", (int)getpid());
	if (fs_write_replace(mpidfile, mpid, strlen(mpid), 0600, &err) < 0)
		launch_fail_created(l, err);
	add_fd_arg(&argv, "--listen-fd", l->listen_fd);
	/* Healthchecks and sd_notify, the monitor's own work (oci/monitor/health.c). */
	autofree char *runtime = eng_ctr_helper_path("hutch-runtime");
	ctr_health_monitor_args(l->c, runtime, l->root, &argv);
	add_fd_arg(&argv, "--notify-fd", notify);
	if (l->notify_socket != NULL && sd != NULL && strcmp(sd, "ignore") != 0) {
		strv_push(&argv, "--sdnotify");
		strv_push(&argv, sd);
		strv_push(&argv, "--notify-socket");
		strv_push(&argv, l->notify_socket);
	}
	strv_push(&argv, "--");
	strv_push(&argv, l->hutch);
	/* The exit command opens the store as this handle did: the driver on its command
	 * line, not in the environment. */
	if (l->eng->storage_driver != NULL) {
		strv_push(&argv, "--storage-driver");
		strv_push(&argv, l->eng->storage_driver);
	}
	if (l->eng->root != NULL) {
		strv_push(&argv, "--root");
		strv_push(&argv, l->eng->root);
	}
	strv_push(&argv, "__cleanup");
	strv_push(&argv, l->c->id);
	/* Recorded here, before "ready": the container runs already, and a CLI killed from
	 * here on must not leave it "created". Its end may have come already: the exit file
	 * then says so (see state_from), and the exit command, which records the end, waits
	 * for the container's lock, which the CLI holds until it has the start's outcome. */
	struct eng_ctr_state st = *l->running;
	st.pid = net.init;
	/* Its start time goes with its pid: the state follows this process even without its
	 * monitor, and a reused pid is never taken for it (ctr_init_alive). */
	struct proc_stat ps;
	st.init_start = proc_stat_read(net.init, &ps) == 0 ? ps.start : 0;
	if (ctr_state_write(l->eng, l->c->id, &st, "running", false, &err) < 0)
		launch_fail_created(l, err);
	/* "ready\n", the init's pid and ours (the monitor's) as int32, then 'p' (poststart
	 * hooks to run) or 's' with the connection to the init, or 'x' (the runtime binary
	 * started it already) with /dev/null. */
	int32_t pids[2] = { (int32_t)net.init, (int32_t)getpid() };
	if (fs_write_all(l->sync_fd, "ready\n", 6) < 0 ||
	    fs_write_all(l->sync_fd, pids, sizeof(pids)) < 0 ||
	    send_fd(l->sync_fd,
		    l->rt.path != NULL ? 'x'
		    : has_poststart    ? 'p'
				       : 's',
		    conn) < 0)
		launch_fail_created(l, NULL); /* the CLI is gone: so goes the container */
	close(conn);
	close(l->sync_fd);
	execv(l->monitor, argv);
	/* Too late to tell the CLI: note why, and take the container down with us. */
	int exec_errno = errno;
	autofree char *mlog = xasprintf("%s/monitor.log", l->run);
	int lf = open(mlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (lf >= 0)
		dprintf(lf, "Error: running %s: %s\n", l->monitor, strerror(exec_errno));
	kill(net.init, SIGKILL);
	_exit(125);
}

/*
 * The user namespace's child goes on as the launcher itself, in a session of its own: one
 * fork less on every start. It stays our child (a zombie only if it exits while we still
 * run); the sync socket of userns_spawn closes when launch_main closes its fds.
 */
static int launch_here(void *arg, struct error **err)
{
	(void)err;
	setsid();
	launch_main(arg);
}

/* Fork away so the monitor is orphaned (the caller reaps the middle process at once). */
static int launch_fork(void *arg, struct error **err)
{
	const struct launch *l = arg;
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking the monitor");
	if (pid > 0)
		return 0;
	setsid();
	launch_main(l);
}

/* Is pid in our own user namespace? */
static bool same_userns(pid_t pid)
{
	struct stat a, b;
	autofree char *path = xasprintf("/proc/%d/ns/user", (int)pid);
	return stat("/proc/self/ns/user", &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/*
 * The launcher of a container that shares another's namespaces. A network namespace is
 * owned by the user namespace it was made in, and only root there may join it: become
 * root in the user namespace of the target's monitor (which the user, its owner, may
 * enter from outside), then make a mount namespace of our own, owned by it.
 */
static void __attribute__((noreturn)) join_userns_main(const struct launch *l)
{
	struct error *e = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)l->join_pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) {
		err_sys(&e, "joining the user namespace %s", path);
		launch_fail(l, e);
	}
	close(fd);
	/* Denied where only the own ids are mapped (setgroups is "deny" there): harmless. */
	(void)!setgroups(0, NULL);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		err_sys(&e, "becoming root in the user namespace %s", path);
		launch_fail(l, e);
	}
	if (unshare(CLONE_NEWNS) < 0) {
		err_sys(&e, "creating a mount namespace");
		launch_fail(l, e);
	}
	launch_fork((void *)l, &e);
	_exit(0);
}

/* Fork the launcher: a fresh user namespace; the user namespace of join_pid; or only a
 * mount namespace when we are already inside the container's user namespace (the exit
 * command restarting it). */
static int spawn_launcher(const struct launch *l, struct error **err)
{
	if (l->join_pid > 0 && !same_userns(l->join_pid)) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return err_sys(err, "forking");
		if (pid == 0)
			join_userns_main(l);
		int status;
		return proc_wait(pid, &status, err);
	}
	if (userns_is_inside()) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return err_sys(err, "forking");
		if (pid == 0) {
			struct error *e = NULL;
			if (unshare(CLONE_NEWNS) < 0) {
				err_sys(&e, "creating a mount namespace");
				launch_fail(l, e);
			}
			launch_fork((void *)l, &e);
			_exit(0);
		}
		int status;
		return proc_wait(pid, &status, err);
	}
	/* keep-id is a user namespace nested in this one, made by the runtime (config.json). */
	struct userns_map m;
	int rc = userns_default_map(&m, err);
	if (rc < 0)
		return -1;
	struct userns_child child;
	rc = userns_spawn(&m, CLONE_NEWNS, launch_here, (void *)l, &child, err);
	userns_map_clear(&m);
	return rc;
}

/* What the launcher hands over with "ready". */
struct launched {
	pid_t init, monitor;
	int start_conn; /* to the released init: EOF once it exec'd (oci_container_start_wait) */
	bool started;	/* the runtime binary started it: start_conn is /dev/null */
	bool has_poststart; /* poststart hooks to run */
};

/* Wait for the monitor's "ready" (the launcher's error). */
static int await_monitor(int fd, struct launched *out, struct error **err)
{
	char c = 0;
	ssize_t n = fs_read_all(fd, &c, 1);
	if (n == 1 && c == 'E') {
		if (err_recv(fd, err) > 0)
			return -1;
		return err_msg(err, "starting the container failed without a reason");
	}
	char rest[5], tag = 0;
	int32_t pids[2];
	if (n != 1 || c != 'r' || fs_read_all(fd, rest, 5) != 5 || memcmp(rest, "eady\n", 5) != 0 ||
	    fs_read_all(fd, pids, sizeof(pids)) != sizeof(pids) ||
	    (out->start_conn = recv_fd(fd, &tag, NULL)) < 0)
		return err_msg(err, "the container's monitor did not start (see %s)",
			       "monitor.log in the container's run dir");
	out->init = pids[0];
	out->monitor = pids[1];
	out->has_poststart = tag == 'p';
	out->started = tag == 'x';
	return 0;
}

/*
 * --sdnotify under systemd (Type=notify): the monitor is the service's main process, as
 * podman's conmon is, and systemd must learn so before this command exits, or the exit of
 * the unit's ExecStart ends the start as a protocol error. conmon mode is ready now; in
 * healthy and container modes the monitor sends READY=1 later. A socket that cannot be
 * reached is a warning: the container runs.
 */
static void notify_started(const char *mode, const char *socket_path, pid_t monitor)
{
	if (mode == NULL || strcmp(mode, "ignore") == 0 || socket_path == NULL ||
	    *socket_path == '\0' || monitor <= 0)
		return;
	autofree char *msg =
	    xasprintf("MAINPID=%d%s", (int)monitor, strcmp(mode, "conmon") == 0 ? "\nREADY=1" : "");
	notify_send(socket_path, msg);
}

/* Clear what a previous run left in the run dir (init.pid: an older hutch's). */
static void clear_run_dir(const char *run)
{
	static const char *const stale[] = { OCI_EXIT_FILE,	      OCI_MONITOR_PID_FILE,
					     OCI_ATTACH_SOCKET,	      "init.pid",
					     "console.sock",	      "paused",
					     CTR_STOPPED_MARK,	      OCI_NETWORK_LOST_FILE,
					     OCI_HEALTH_RESTART_FILE, NULL };
	for (size_t i = 0; stale[i]; i++) {
		autofree char *p = xasprintf("%s/%s", run, stale[i]);
		unlink(p);
	}
}

/*
 * An exit only the run dir's exit file knows (its exit command could not write state.json,
 * a full disk): recorded before clear_run_dir drops the file, or the start fails and the
 * file stays, so that the exit code is never lost to a start that does not happen.
 */
static int record_last_exit(struct eng *eng, struct eng_ctr *c, const char *run, struct error **err)
{
	autofree char *exitf = xasprintf("%s/%s", run, OCI_EXIT_FILE);
	if (c->state.status != ENG_CTR_EXITED || !fs_exists(exitf))
		return 0;
	struct eng_ctr_state st = c->state;
	return ctr_state_write(eng, c->id, &st, "exited", ctr_stopped_by_user(eng, c->id), err);
}

/* Launch the monitor and the created container; the init waits for oci_container_start. */
static int launch_container(struct eng *eng, struct eng_ctr *c, const char *run, const char *root,
			    const struct net_mode *mode, const struct net_port *ports,
			    size_t n_ports, pid_t join_pid, const char *net_input, int listen_fd,
			    const struct eng_ctr_state *running, const struct eng_ctr_start_opts *o,
			    struct launched *out, struct error **err)
{
	struct storage *s = eng->store;
	bool infra = false;
	eng_ctr_pod(c, &infra);
	autofree char *netns_dir = net_input != NULL ? ctr_netns_dir(eng, err) : NULL;
	if (net_input != NULL && netns_dir == NULL)
		return -1;
	autofree char *monitor = eng_ctr_helper_path("hutch-monitor");
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (monitor == NULL || n <= 0)
		return err_msg(err, "hutch-monitor not found beside %s or in ../libexec/hutch",
			       n > 0 ? self : "hutch");
	self[n] = '\0';
	autofree char *rt = paths_runtime_dir(err);
	if (rt == NULL)
		return -1;
	autofree char *seccomp_cache = xasprintf("%s/seccomp", rt);
	struct ctr_keepid_user keepid;
	bool keep = strcmp(c->userns, "keep-id") == 0;
	if (keep)
		ctr_keepid_user_get(&keepid);
	/* Looked up here, on the host, as podman does at each start: an unknown user fails it
	 * (podman's run says 126). */
	autofree struct ctr_keepid_user *hostusers = NULL;
	size_t n_hostusers = 0;
	if (ctr_hostusers_get(c, &hostusers, &n_hostusers, err) < 0)
		return -1;
	struct error *rerr = NULL;
	autofree char *rt_path = rt_path_of(eng, c, &rerr);
	if (rerr != NULL) {
		*err = rerr;
		return -1;
	}
	autofree char *rt_log = xasprintf("%s/runtime.log", run);
	struct storage_idmap idmap = { 0 };
	autofree char *idmap_uids = NULL, *idmap_gids = NULL;
	if (keep && ctr_keepid_idmap(eng, c, &idmap_uids, &idmap_gids)) {
		idmap.uids = idmap_uids;
		idmap.gids = idmap_gids;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(err, "creating a sync socket");
	struct launch l = {
		.keepid = keep ? &keepid : NULL,
		.seccomp_cache = seccomp_cache,
		.s = s,
		.eng = eng,
		.c = c,
		.run = run,
		.root = root,
		.monitor = monitor,
		.hutch = self,
		.tty = c->tty,
		.interactive = c->open_stdin,
		.log_driver = c->log_driver,
		.log_max_size = c->log_max_size,
		.sync_fd = sv[1],
		.listen_fd = listen_fd,
		.mode = mode,
		.ports = ports,
		.n_ports = n_ports,
		.own_rootfs = infra && *c->image_id == '\0', /* --infra-image: an image's */
		.join_pid = join_pid,
		.net_input = net_input,
		.netns_dir = netns_dir,
		.running = running,
		.hostusers = hostusers,
		.n_hostusers = n_hostusers,
		.preserve_fds = o->preserve_fds,
		.timeout = json_object_get_int64(json_get(c->doc, "Timeout")),
		.rt = { .path = rt_path, .flags = eng->runtime_flags, .log = rt_log },
		.idmap = idmap.uids != NULL ? &idmap : NULL,
		.notify_socket = o->notify_socket,
	};
	int rc = spawn_launcher(&l, err);
	close(sv[1]);
	if (rc == 0)
		rc = await_monitor(sv[0], out, err);
	close(sv[0]);
	return rc;
}

/* As podman: a pod member's start starts its pod's infra first (target: the infra's ID). */
static int start_infra(struct eng *eng, const struct eng_ctr *c, const char *target,
		       struct error **err)
{
	struct eng_ctr *t = NULL;
	if (ctr_find(eng, target, &t, err) < 0)
		return err_wrap(err, "the container whose network %s shares", c->name);
	int rc = 0;
	if (t->state.status != ENG_CTR_RUNNING) {
		struct eng_ctr_start_opts so = { 0 };
		int status;
		bool detached;
		rc = eng_ctr_start(eng, t, &so, &status, &detached, err);
	}
	eng_ctr_free(&t);
	return rc;
}

int eng_ctr_start(struct eng *eng, struct eng_ctr *c, const struct eng_ctr_start_opts *o,
		  int *status, bool *detached, struct error **err)
{
	*status = 0;
	*detached = false;
	if (o->attach && o->io == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "starting %s attached: no streams given",
			       c->name);
	autoclose int lk = ctr_lock(eng, c->id, err);
	if (lk < 0)
		return -1;
	ctr_state_load(eng, c);
	if (c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED) {
		if (!o->attach)
			return 0;
		close(lk);
		lk = -1;
		return eng_ctr_attach(c, o, status, detached, err);
	}
	if (ctr_run_root_pin(eng, err) < 0)
		return -1;
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	autofree char *root = run ? ctr_runtime_root(c->eng, err) : NULL;
	if (root == NULL || fs_mkdir_p(run, 0700, err) < 0 || fs_mkdir_p(root, 0700, err) < 0 ||
	    ctr_etc_binds_update(eng, c->id, run, err) < 0)
		return -1;
	if (record_last_exit(eng, c, run, err) < 0)
		return err_wrap(err, "starting container %s", c->name);
	clear_run_dir(run);
	/* A leftover runtime state from a killed monitor or a reboot. */
	struct error *derr = NULL;
	if (oci_container_delete(root, c->id, true, &derr) < 0)
		err_free(&derr);
	struct net_mode mode;
	if (net_parse_mode(c->network, &mode, err) < 0)
		return -1;
	struct net_port *ports = NULL;
	size_t n_ports = 0;
	ctr_ports_get(c, &ports, &n_ports);
	/* A busy or privileged host port fails here, before anything starts. */
	int rc = net_check_ports(ports, n_ports, NULL, err);
	if (rc == 0)
		rc = ctr_vol_chown(eng, c, err);
	pid_t join_pid = -1;
	if (rc == 0 && mode.kind == NET_MODE_CONTAINER && eng_ctr_pod(c, NULL) != NULL)
		rc = start_infra(eng, c, mode.target, err);
	autofree char *net_input = NULL;
	if (rc == 0 && mode.kind == NET_MODE_CONTAINER)
		rc = ctr_join_prepare(eng, c, mode.target, run, &join_pid, err);
	else if (rc == 0 && mode.kind == NET_MODE_NETWORKS) {
		autofree char *pause = eng_ctr_helper_path("hutch-init");
		rc = ctr_net_attach(eng, c, run, pause, &join_pid, &net_input, err);
	} else if (rc == 0)
		rc = write_etc_files(c, &mode, run, err);
	if (rc == 0)
		rc = write_containerenv(c, run, err);
	if (rc == 0)
		rc = ctr_secrets_prepare(eng, c, run, err);
	/* The attach socket is bound here, not by the monitor: attached before the container
	 * exists, the CLI misses none of its output, and the launcher starts it at once. */
	struct launched up = { .start_conn = -1 };
	int attach_fd = -1, listen_fd = rc == 0 ? oci_attach_listen(run, err) : -1;
	if (listen_fd < 0 || (o->attach && (attach_fd = oci_attach_connect(run, err)) < 0))
		rc = -1;
	struct eng_ctr_state st = c->state;
	st.started_at = ctr_now();
	st.finished_at = NULL;
	st.exit_code = 0;
	if (rc == 0)
		rc = launch_container(eng, c, run, root, &mode, ports, n_ports, join_pid, net_input,
				      listen_fd, &st, o, &up, err);
	if (listen_fd >= 0)
		close(listen_fd);
	bool networks = mode.kind == NET_MODE_NETWORKS;
	net_mode_clear(&mode);
	free(ports);
	if (rc < 0 && networks)
		ctr_net_detach(eng, c->id);
	if (rc < 0) {
		if (attach_fd >= 0)
			close(attach_fd);
		autofree char *sock = xasprintf("%s/%s", run, OCI_ATTACH_SOCKET);
		unlink(sock);
		free(st.started_at);
		return err_wrap(err, "starting container %s", c->name);
	}
	pid_t init = up.init;
	/* --conmon-pidfile: the monitor plays conmon's part. */
	const char *mpf = json_str(c->doc, "ConmonPidFile");
	if (mpf != NULL) {
		autofree char *text = xasprintf("%d", (int)up.monitor);
		if (fs_write_replace(mpf, text, strlen(text), 0644, err) < 0) {
			if (attach_fd >= 0)
				close(attach_fd);
			oci_container_kill(root, c->id, SIGKILL, true, &derr);
			err_free(&derr);
			free(st.started_at);
			return err_wrap(err, "writing --conmon-pidfile");
		}
	}
	/* The launcher recorded it running; wait for the exec (or why not). */
	if (up.started)
		close(up.start_conn);
	rc = up.started
		 ? 0
		 : oci_container_start_wait(root, c->id, up.start_conn, up.has_poststart, err);
	if (rc < 0) {
		if (attach_fd >= 0)
			close(attach_fd);
		oci_container_kill(root, c->id, SIGKILL, true, &derr);
		err_free(&derr);
		free(st.started_at);
		return err_wrap(err, "starting container %s", c->name);
	}
	close(lk);
	lk = -1;
	/* What ctr_state_load would read back now. */
	free(c->state.started_at);
	free(c->state.finished_at);
	struct proc_stat ps;
	unsigned long long init_start = proc_stat_read(init, &ps) == 0 ? ps.start : 0;
	c->state = (struct eng_ctr_state){ .status = ENG_CTR_RUNNING,
					   .pid = init,
					   .init_start = init_start,
					   .monitor_pid = up.monitor,
					   .started_at = st.started_at,
					   .restart_count = c->state.restart_count };
	notify_started(c->sdnotify, o->notify_socket, up.monitor);
	if (attach_fd < 0)
		return 0;
	return ctr_attach_fd(c, attach_fd, o, status, detached, err);
}
