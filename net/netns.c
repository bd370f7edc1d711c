/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user's shared network namespace for user-defined networks (issue #15). One per user,
 * held only while containers use it: the holder is `hutch-init --pause` in a user namespace
 * of its own (the user's default mapping) with a network and a mount namespace; the
 * mount namespace has a tmpfs on /run for what netavark and iptables keep there (its
 * config dir, aardvark-dns's, xtables.lock) and the bind mounts that keep each container's
 * network namespace alive until its teardown. A keeper process in the host's namespaces
 * is the holder's parent and slirp4netns's (the uplink), and stops both on SIGTERM.
 *
 * DIR (RUNTIME/hutch/netns) holds `lock` (flock: acquire, release and the keeper's start
 * are serialised by it), `keeper.pid` ("KEEPER HOLDER") and `users/ID`, one per container
 * on a network: the reference count. The last release stops the keeper, which leaves no
 * process of the user behind. Network containers run in the holder's user namespace (a
 * network namespace belongs to the user namespace it was made in, and only root there may
 * join it or move a veth into it), so their own network namespaces are made there too.
 */
#include "net/internal.h"
#include "lib/json.h"
#include "userns/userns.h"

#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOLD_RUN "/run/hutch"

/* keeper.pid: both pids when the keeper and its holder still run. */
static int read_pids(const char *dir, pid_t *keeper, pid_t *holder)
{
	autofree char *path = xasprintf("%s/keeper.pid", dir);
	autofree char *text = NULL;
	int k = 0, h = 0;
	if (fs_read_file(path, 256, &text, NULL, NULL) < 0 || sscanf(text, "%d %d", &k, &h) != 2 ||
	    k <= 0 || h <= 0 || kill(k, 0) < 0 || kill(h, 0) < 0)
		return -1;
	/* A pid reused since (a reboot keeps no run dir, but a crash may leave a file): the
	 * holder is ours only while it runs hutch-init. */
	autofree char *comm_path = xasprintf("/proc/%d/comm", h);
	autofree char *comm = NULL;
	if (fs_read_file(comm_path, 64, &comm, NULL, NULL) < 0 ||
	    strncmp(comm, "hutch-init", 10) != 0)
		return -1;
	*keeper = k;
	*holder = h;
	return 0;
}

struct holder_arg {
	const char *pause;
};

/* In the holder, root in its new user, network and mount namespaces. */
static int holder_main(void *arg, struct error **err)
{
	const struct holder_arg *a = arg;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return err_sys(err, "mounting a tmpfs on /run in the network namespace");
	if (mkdir(HOLD_RUN, 0700) < 0 || mkdir(HOLD_RUN "/ns", 0700) < 0 ||
	    mkdir(HOLD_RUN "/netavark", 0700) < 0)
		return err_sys(err, "creating %s", HOLD_RUN);
	if (net_lo_up_here(getpid(), err) < 0)
		return -1;
	char *argv[] = { (char *)a->pause, "--pause", NULL };
	execv(a->pause, argv);
	return err_sys(err, "running %s", a->pause);
}

/* Stop the holder and everything that runs in its namespaces. */
static void keeper_stop(pid_t holder, struct net_handle **h)
{
	/* aardvark-dns daemonizes out of netavark: its pid file is in the holder's /run. */
	autofree char *pidf =
	    xasprintf("/proc/%d/root" HOLD_RUN "/netavark/aardvark-dns/aardvark.pid", (int)holder);
	autofree char *text = NULL;
	if (fs_read_file(pidf, 64, &text, NULL, NULL) == 0 && atoi(text) > 0)
		kill(atoi(text), SIGKILL);
	net_teardown(h);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

/* The keeper: never returns. Says 'r' on ready_fd when the namespace is up, or an error. */
static void __attribute__((noreturn)) keeper_main(const char *dir, const char *pause, int ready_fd)
{
	struct error *err = NULL;
	setsid();
	prctl(PR_SET_NAME, "hutch-netns");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct userns_map m;
	struct userns_child holder = { .pid = -1, .sync_fd = -1 };
	struct holder_arg a = { .pause = pause };
	struct net_mode mode;
	struct net_handle *h = NULL;
	/* Not cleanup-attributed: a goto to fail may pass them, and the keeper _exits. */
	char *pidfile = NULL, *pids = NULL;
	net_parse_mode("slirp4netns", &mode, NULL);
	if (sfd < 0 || userns_default_map(&m, &err) < 0 ||
	    userns_spawn(&m, CLONE_NEWNET | CLONE_NEWNS, holder_main, &a, &holder, &err) < 0)
		goto fail;
	if (holder.sync_fd >= 0)
		close(holder.sync_fd);
	struct net_setup_opts so = { .mode = &mode, .pid = holder.pid, .run_dir = dir };
	if (net_setup(&so, &h, &err) < 0)
		goto fail;
	pidfile = xasprintf("%s/keeper.pid", dir);
	pids = xasprintf("%d %d\n", (int)getpid(), (int)holder.pid);
	if (fs_write_replace(pidfile, pids, strlen(pids), 0600, &err) < 0)
		goto fail;
	(void)!write(ready_fd, "r", 1);
	close(ready_fd);
	for (;;) {
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			break;
		/* The holder gone (killed from outside): nothing left to keep. */
		if (waitpid(holder.pid, NULL, WNOHANG) == holder.pid) {
			holder.pid = -1;
			break;
		}
	}
	if (holder.pid > 0)
		keeper_stop(holder.pid, &h);
	else
		net_teardown(&h);
	unlink(pidfile);
	_exit(0);
fail:
	if (h != NULL || holder.pid > 0)
		keeper_stop(holder.pid, &h);
	(void)!write(ready_fd, "E", 1);
	err_send(ready_fd, err);
	_exit(125);
}

/* Start the keeper (double fork: it is nobody's child) and wait until it is ready. */
static int keeper_start(const char *dir, const char *pause, struct error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return err_sys(err, "forking");
	}
	if (pid == 0) {
		close(p[0]);
		/* Nothing of the caller's but the pipe: the keeper outlives it. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
			if (devnull > 2)
				close(devnull);
		}
		if (fork() == 0)
			keeper_main(dir, pause, p[1]);
		_exit(0);
	}
	close(p[1]);
	int status;
	proc_wait(pid, &status, NULL);
	char c = 0;
	ssize_t n = read(p[0], &c, 1);
	int rc = 0;
	if (n == 1 && c == 'E') {
		struct error *e = NULL;
		if (err_recv(p[0], &e) == 1) {
			err_free(err);
			*err = e;
		} else {
			err_msg(err, "the network namespace keeper failed");
		}
		rc = -1;
	} else if (n != 1 || c != 'r') {
		rc = err_msg(err, "the network namespace keeper died while starting");
	}
	close(p[0]);
	return rc == 0 ? 0 : err_wrap(err, "setting up the shared network namespace");
}

static int netns_lock(const char *dir, struct error **err)
{
	autofree char *users = xasprintf("%s/users", dir);
	if (fs_mkdir_p(users, 0700, err) < 0)
		return -1;
	autofree char *path = xasprintf("%s/lock", dir);
	int fd = fs_lock(path, O_RDWR | O_CREAT, LOCK_EX);
	return fd < 0 ? err_sys(err, "locking %s", path) : fd;
}

/* Who holds ip (text) on network name, other than id: the container ID (owned), or NULL. */
static char *lease_holder(const char *dir, const char *id, const char *name, const char *ip)
{
	autofree char *users = xasprintf("%s/users", dir);
	autoclosedir DIR *d = opendir(users);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, id) == 0)
			continue;
		autofree char *p = xasprintf("%s/%s", users, de->d_name);
		struct json_object *o = json_file_at(AT_FDCWD, p, 1 << 16);
		const char *have = json_str(o, name);
		bool taken = have != NULL && strcmp(have, ip) == 0;
		json_object_put(o);
		if (taken)
			return xstrdup(de->d_name);
	}
	return NULL;
}

static bool lease_taken(const char *dir, const char *id, const char *name, const char *ip)
{
	autofree char *other = lease_holder(dir, id, name, ip);
	return other != NULL;
}

/* A static address (--ip, connect --ip) must be in the subnet, not its gateway, network or
 * broadcast address, and free: podman's messages. */
static int static_ip_check(const char *dir, const char *id, const char *name,
			   const struct net_cidr *c, const char *gw, const char *ip,
			   struct error **err)
{
	int fam;
	uint8_t a[16];
	if (net_ip_parse(ip, &fam, a) < 0 || !net_cidr_contains(c, fam, a))
		return err_set(err, EINVAL, ERR_TOOL,
			       "requested static ip %s not in any subnet on network %s", ip, name);
	autofree char *first = net_cidr_nth(c, 0);
	autofree char *last = net_cidr_last(c);
	if (strcmp(ip, gw) == 0 || strcmp(ip, first) == 0 || strcmp(ip, last) == 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "requested static ip %s is the network or gateway address of "
			       "network %s",
			       ip, name);
	autofree char *other = lease_holder(dir, id, name, ip);
	if (other != NULL)
		return err_set(err, EBUSY, ERR_TOOL,
			       "IPAM error: requested ip address %s is already allocated to "
			       "container ID %s",
			       ip, other);
	return 0;
}

/*
 * IPAM: for each network (podman's JSON) the first free address of its first IPv4 subnet:
 * from the lease range when it has one, else from network + 2 (+ 1 is the gateway), to the
 * last address but one. The leases of all containers are their users/ID files.
 */
static struct json_object *leases_pick(const char *dir, const char *id, struct json_object *nets,
				       struct json_object *want, struct error **err)
{
	struct json_object *l = json_object_new_object();
	for (size_t i = 0; i < json_len(nets); i++) {
		struct json_object *n = json_idx(nets, i), *subs = json_get(n, "subnets");
		const char *name = json_str(n, "name");
		for (size_t k = 0; name && k < json_len(subs); k++) {
			struct json_object *s = json_idx(subs, k);
			struct net_cidr c;
			if (net_cidr_parse(json_str(s, "subnet"), &c, NULL) < 0 ||
			    c.family != AF_INET)
				continue;
			uint64_t size = (uint64_t)1 << (32 - c.prefix), first = 2, last = size - 2;
			const char *start = json_str(json_get(s, "lease_range"), "start_ip");
			const char *end = json_str(json_get(s, "lease_range"), "end_ip");
			int fam;
			uint8_t a[16];
			if (start && net_ip_parse(start, &fam, a) == 0 && fam == AF_INET)
				first = (((uint64_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) -
					 ((uint64_t)c.addr[0] << 24 | c.addr[1] << 16 |
					  c.addr[2] << 8 | c.addr[3]));
			if (end && net_ip_parse(end, &fam, a) == 0 && fam == AF_INET)
				last = (((uint64_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) -
					((uint64_t)c.addr[0] << 24 | c.addr[1] << 16 |
					 c.addr[2] << 8 | c.addr[3]));
			if (last >= size - 1)
				last = size - 2;
			autofree char *gw =
			    xstrdup(json_str(s, "gateway") ? json_str(s, "gateway") : "");
			const char *asked = json_str(want, name);
			if (asked != NULL) {
				if (static_ip_check(dir, id, name, &c, gw, asked, err) < 0) {
					json_object_put(l);
					return NULL;
				}
				json_object_object_add(l, name, json_object_new_string(asked));
				break;
			}
			bool got = false;
			for (uint64_t x = first; x <= last && !got; x++) {
				autofree char *ip = net_cidr_nth(&c, x);
				if (strcmp(ip, gw) == 0 || lease_taken(dir, id, name, ip))
					continue;
				json_object_object_add(l, name, json_object_new_string(ip));
				got = true;
			}
			if (!got) {
				json_object_put(l);
				err_msg(err, "IPAM error: failed to find free IP in network %s",
					name);
				return NULL;
			}
			break;
		}
	}
	return l;
}

int net_netns_acquire(const char *dir, const char *pause, const char *id, struct json_object *nets,
		      struct json_object *want, pid_t *holder, struct json_object **leases,
		      struct error **err)
{
	autoclose int lk = netns_lock(dir, err);
	if (lk < 0)
		return -1;
	pid_t keeper;
	if (read_pids(dir, &keeper, holder) < 0) {
		if (keeper_start(dir, pause, err) < 0)
			return -1;
		if (read_pids(dir, &keeper, holder) < 0)
			return err_msg(err, "the shared network namespace went away as it started");
	}
	struct json_object *l = leases_pick(dir, id, nets, want, err);
	if (l == NULL)
		return -1;
	autofree char *user = xasprintf("%s/users/%s", dir, id);
	const char *text = json_object_to_json_string(l);
	if (fs_write_replace(user, text, strlen(text), 0600, err) < 0) {
		json_object_put(l);
		return -1;
	}
	*leases = l;
	return 0;
}

int net_netns_holder(const char *dir, pid_t *holder)
{
	pid_t keeper;
	return read_pids(dir, &keeper, holder);
}

struct json_object *net_netns_lease_add(const char *dir, const char *id, struct json_object *nets,
					struct json_object *want, struct error **err)
{
	autoclose int lk = netns_lock(dir, err);
	if (lk < 0)
		return NULL;
	autofree char *user = xasprintf("%s/users/%s", dir, id);
	struct json_object *have = json_file_at(AT_FDCWD, user, 1 << 16);
	if (have == NULL) {
		err_msg(err, "container %.12s is not in the shared network namespace", id);
		return NULL;
	}
	struct json_object *l = leases_pick(dir, id, nets, want, err);
	if (l != NULL) {
		json_object_object_foreach (l, k, v)
			json_object_object_add(have, k, json_object_get(v));
		const char *text = json_object_to_json_string(have);
		if (fs_write_replace(user, text, strlen(text), 0600, err) < 0) {
			json_object_put(l);
			l = NULL;
		}
	}
	json_object_put(have);
	return l;
}

void net_netns_lease_drop(const char *dir, const char *id, const char *name)
{
	struct error *e = NULL;
	autoclose int lk = netns_lock(dir, &e);
	err_free(&e);
	autofree char *user = xasprintf("%s/users/%s", dir, id);
	struct json_object *have = lk < 0 ? NULL : json_file_at(AT_FDCWD, user, 1 << 16);
	if (have == NULL)
		return;
	json_object_object_del(have, name);
	const char *text = json_object_to_json_string(have);
	if (fs_write_replace(user, text, strlen(text), 0600, &e) < 0)
		err_free(&e);
	json_object_put(have);
}

struct json_object *net_netns_leases(const char *dir, const char *id)
{
	autofree char *user = xasprintf("%s/users/%s", dir, id);
	return json_file_at(AT_FDCWD, user, 1 << 16);
}

int net_netns_release(const char *dir, const char *id, struct error **err)
{
	autoclose int lk = netns_lock(dir, err);
	if (lk < 0)
		return -1;
	autofree char *user = xasprintf("%s/users/%s", dir, id);
	unlink(user);
	autofree char *users = xasprintf("%s/users", dir);
	autoclosedir DIR *d = opendir(users);
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;)
		if (de->d_name[0] != '.')
			return 0; /* others still use it */
	pid_t keeper, holder;
	if (read_pids(dir, &keeper, &holder) < 0)
		return 0;
	/* The last one out: the keeper stops the holder, slirp4netns and aardvark-dns. Wait
	 * (bounded) so that no process of the user outlives the command. */
	kill(keeper, SIGTERM);
	for (int i = 0; i < 400 && kill(keeper, 0) == 0; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* In a child: become root in the holder's user namespace (unless already in it) and join
 * its network and mount namespaces. errno on failure. */
static int enter_holder(pid_t holder)
{
	static const struct {
		const char *ns;
		int type;
	} order[] = { { "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS } };
	int fds[3];
	for (size_t i = 0; i < 3; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)holder, order[i].ns);
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return errno;
	}
	struct stat mine, theirs;
	bool same = stat("/proc/self/ns/user", &mine) == 0 && fstat(fds[0], &theirs) == 0 &&
		    mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
	if (!same) {
		if (setns(fds[0], CLONE_NEWUSER) < 0)
			return errno;
		(void)!setgroups(0, NULL);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return errno;
	}
	if (setns(fds[1], CLONE_NEWNET) < 0 || setns(fds[2], CLONE_NEWNS) < 0)
		return errno;
	return 0;
}

/* Keep the network namespace of init alive as HOLD_RUN/ns/ID (a bind mount in the
 * holder's mount namespace), for netavark now and its teardown after init is gone. */
static int bind_ns(pid_t init, const char *id)
{
	char src[64];
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)init);
	autofree char *dst = xasprintf(HOLD_RUN "/ns/%s", id);
	int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return errno;
	return 0;
}

/*
 * podman's helper NAME (netavark, aardvark-dns): where Debian and others install it, else
 * from $PATH (owned; NULL when missing). $ENV, when set, names it instead (tests use it to
 * play a host without the package).
 */
static char *helper_path(const char *env, const char *name)
{
	const char *forced = getenv(env);
	if (forced != NULL)
		return access(forced, X_OK) == 0 ? xstrdup(forced) : NULL;
	static const char *const dirs[] = { "/usr/lib/podman", "/usr/libexec/podman",
					    "/usr/local/lib/podman", "/usr/local/libexec/podman",
					    NULL };
	for (size_t i = 0; dirs[i]; i++) {
		autofree char *p = xasprintf("%s/%s", dirs[i], name);
		if (access(p, X_OK) == 0)
			return steal_ptr(&p);
	}
	return fs_find_in_path(name);
}

int net_netavark_check(bool dns, struct error **err)
{
	autofree char *nv = helper_path("HUTCH_NETAVARK", "netavark");
	if (nv == NULL)
		return err_msg(err, "netavark not found: install the netavark package for "
				    "user-defined networks");
	autofree char *av = dns ? helper_path("HUTCH_AARDVARK_DNS", "aardvark-dns") : NULL;
	if (dns && av == NULL)
		return err_msg(err, "aardvark-dns not found: install the aardvark-dns package for "
				    "container names on user-defined networks (or create the "
				    "network with --disable-dns)");
	return 0;
}

/* Does netavark's input have a network with DNS (which needs aardvark-dns)? */
static bool wants_dns(const char *input)
{
	struct json_object *in = json_tokener_parse(input);
	struct json_object *info = json_get(in, "network_info");
	bool dns = false;
	if (json_object_is_type(info, json_type_object)) {
		json_object_object_foreach (info, k, d) {
			(void)k;
			dns = dns || json_object_get_boolean(json_get(d, "dns_enabled"));
		}
	}
	json_object_put(in);
	return dns;
}

/*
 * Run `netavark --config HOLD_RUN/netavark --rootless true VERB HOLD_RUN/ns/ID` in the
 * holder's namespaces with input on its stdin; its stdout in *out (owned). For setup
 * (init > 0) the container's namespace is bound first; after teardown it is unbound.
 */
int net_netavark(const char *dir, pid_t holder, const char *verb, pid_t init, const char *id,
		 const char *input, char **out, struct error **err)
{
	if (net_netavark_check(strcmp(verb, "setup") == 0 && wants_dns(input), err) < 0)
		return -1;
	autofree char *nv = helper_path("HUTCH_NETAVARK", "netavark");
	/* netavark looks for aardvark-dns in one place of its own: tell it ours. */
	autofree char *av = helper_path("HUTCH_AARDVARK_DNS", "aardvark-dns");
	/* One netavark at a time, as podman runs it: the last teardown on a network removes
	 * its bridge and firewall chains, which a setup at the same time would be adding. */
	autofree char *lock_path = xasprintf("%s/netavark.lock", dir);
	autoclose int lk = fs_lock(lock_path, O_RDWR | O_CREAT, LOCK_EX);
	if (lk < 0)
		return err_sys(err, "locking %s", lock_path);
	autofree char *nspath = xasprintf(HOLD_RUN "/ns/%s", id);
	int in[2], o[2], e[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
		return err_sys(err, "creating pipes");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		int rc = enter_holder(holder);
		if (rc == 0 && init > 0)
			rc = bind_ns(init, id);
		if (rc != 0) {
			dprintf(2, "joining the shared network namespace: %s", strerror(rc));
			_exit(125);
		}
		/* iptables takes its lock in /run: the holder's own tmpfs. */
		setenv("XTABLES_LOCKFILE", HOLD_RUN "/xtables.lock", 1);
		/* netavark runs iptables from $PATH, which is in /usr/sbin: a user's $PATH on
		 * Debian lacks it. */
		const char *path = getenv("PATH");
		autofree char *p =
		    xasprintf("%s%s/usr/sbin:/sbin", path ? path : "", path && *path ? ":" : "");
		setenv("PATH", p, 1);
		char *argv[10] = { nv, "--config", HOLD_RUN "/netavark", "--rootless", "true" };
		size_t n = 5;
		if (av != NULL) {
			argv[n++] = "--aardvark-binary";
			argv[n++] = av;
		}
		argv[n++] = (char *)verb;
		argv[n++] = nspath;
		argv[n] = NULL;
		execv(nv, argv);
		dprintf(2, "running %s: %s", nv, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	close(e[1]);
	/* netavark reads all of its input before it writes: no deadlock with small JSON. */
	(void)!fs_write_all(in[1], input, strlen(input));
	close(in[1]);
	autofree char *stdout_text = NULL, *stderr_text = NULL;
	fs_read_fd(o[0], 1 << 20, &stdout_text, NULL, NULL);
	fs_read_fd(e[0], 1 << 16, &stderr_text, NULL, NULL);
	close(o[0]);
	close(e[0]);
	int status = 0;
	if (proc_wait(pid, &status, err) < 0)
		return -1;
	if (strcmp(verb, "teardown") == 0 && init == 0) {
		/* Unbind, whatever netavark said: the namespace must not outlive its container. */
		pid_t u = fork();
		if (u == 0) {
			if (enter_holder(holder) == 0) {
				umount2(nspath, MNT_DETACH);
				unlink(nspath);
			}
			_exit(0);
		}
		int ust;
		if (u > 0)
			proc_wait(u, &ust, NULL);
	}
	if (status != 0) {
		/* netavark's error is JSON {"error": "..."} or a line; either way one message. */
		char *msg = stderr_text && *stderr_text ? stderr_text : stdout_text;
		/* Debian's netavark says this on every run without a syslog: not the error. */
		static const char noise[] = "failed to connect to syslog: Initialization\n";
		if (msg != NULL && strncmp(msg, noise, sizeof(noise) - 1) == 0)
			msg += sizeof(noise) - 1;
		size_t len = msg ? strlen(msg) : 0;
		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
			msg[--len] = '\0';
		return err_msg(err, "netavark %s: %s", verb, msg && *msg ? msg : "failed");
	}
	if (out != NULL)
		*out = steal_ptr(&stdout_text);
	return 0;
}

/* The inode of the UDP socket bound to addr:53 in the network namespace of pid (its
 * /proc/PID/net/udp), 0 when there is none, 1 when addr is not IPv4 or the table cannot be
 * read (nothing to wait for). */
static unsigned long dns_inode(pid_t pid, const char *addr)
{
	int fam;
	uint8_t a[16];
	if (net_ip_parse(addr, &fam, a) < 0 || fam != AF_INET)
		return 1; /* only IPv4 is waited for */
	char want[32];
	/* The kernel prints the address as the host-order hex of the network-order word. */
	snprintf(want, sizeof(want), "%02X%02X%02X%02X:0035", a[3], a[2], a[1], a[0]);
	autofree char *path = xasprintf("/proc/%d/net/udp", (int)pid);
	autofree char *text = NULL;
	if (fs_read_file(path, 1 << 20, &text, NULL, NULL) < 0)
		return 1;
	char *line = strstr(text, want);
	unsigned long inode = 0;
	/* sl local rem st tx:rx tr:when retr uid timeout inode */
	if (line != NULL && sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %lu", &inode) != 1)
		inode = 1;
	return inode;
}

unsigned long *net_netns_dns_inodes(pid_t holder, char *const *addrs)
{
	size_t n = 0;
	while (addrs && addrs[n])
		n++;
	unsigned long *v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = dns_inode(holder, addrs[i]);
	return v;
}

void net_netns_wait_dns(pid_t holder, char *const *addrs, const unsigned long *before,
			int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 5) {
		bool all = true;
		for (size_t i = 0; addrs && addrs[i] && all; i++) {
			unsigned long now = dns_inode(holder, addrs[i]);
			/* aardvark-dns binds its sockets anew on each SIGHUP, netavark's news of a
			 * container: the one seen before netavark ran is about to close. */
			all = now != 0 && (now == 1 || before == NULL || now != before[i]);
		}
		if (all)
			return;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
