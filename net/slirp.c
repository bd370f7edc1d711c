/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The slirp4netns back end: one slirp4netns per container, attached through the PID of a
 * process in the container's namespaces, with --ready-fd (fd 3) and --exit-fd (fd 4) so it
 * comes up before the container runs and exits when we close our end of the exit pipe.
 * Ports are published over its api socket (add_hostfwd, JSON through json-c).
 *
 * Rootless detail: we start slirp4netns outside the container's user namespace. With
 * --enable-sandbox it must then join that namespace itself to become root there, and it
 * only knows how through the PID form: with "--netns-type=path" plus "--userns-path" its
 * sandbox step fails with "setegid(0)" (slirp4netns 1.2.0 joins no user namespace then).
 */
#include "net/internal.h"
#include "lib/json.h"
#include "userns/userns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define API_SOCKET "slirp4netns.sock"

static void build_argv(struct net_handle *h, bool by_fd, char ***argv)
{
	const struct net_mode *m = &h->mode;
	strv_push(argv, h->program);
	strv_push(argv, "--configure");
	strv_push_take(argv, xasprintf("--mtu=%u", m->mtu));
	if (!m->allow_host_loopback)
		strv_push(argv, "--disable-host-loopback");
	strv_push(argv, "--enable-sandbox");
	strv_push(argv, "--enable-seccomp");
	if (m->enable_ipv6)
		strv_push(argv, "--enable-ipv6");
	if (m->prefix != 24 || m->net.s_addr != htonl(0x0a000200)) { /* 10.0.2.0/24 */
		char buf[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &m->net, buf, sizeof(buf));
		strv_push_take(argv, xasprintf("--cidr=%s/%u", buf, m->prefix));
	}
	if (m->outbound_addr != NULL)
		strv_push_take(argv, xasprintf("--outbound-addr=%s", m->outbound_addr));
	if (m->outbound_addr6 != NULL)
		strv_push_take(argv, xasprintf("--outbound-addr6=%s", m->outbound_addr6));
	strv_push(argv, "--ready-fd=3");
	strv_push(argv, "--exit-fd=4");
	/* Relative to the run dir (the helper's cwd): sun_path has room for 107 bytes only. */
	strv_push(argv, "--api-socket=" API_SOCKET);
	if (by_fd) {
		/*
		 * Already root of the user namespace that holds the container's (the monitor-
		 * to-be): no namespace to join but the network one, given as our fd 5. The PID
		 * form would open /proc/PID/ns itself, which a nested user namespace
		 * (--userns=keep-id) does not allow.
		 */
		strv_push(argv, "--netns-type=path");
		strv_push(argv, "/proc/self/fd/5");
	} else {
		strv_push_take(argv, xasprintf("%d", (int)h->pid));
	}
	strv_push(argv, "tap0");
}

static int slirp_start(struct net_handle *h, struct error **err)
{
	for (size_t i = 0; i < h->n_ports; i++)
		if (strchr(h->ports[i].host_ip, ':') != NULL)
			return err_set(err, EINVAL, ERR_USAGE,
				       "cannot publish on the IPv6 host address [%s] with "
				       "slirp4netns; use --network pasta",
				       h->ports[i].host_ip);
	int ready[2], exitp[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return err_sys(err, "creating the slirp4netns ready pipe");
	if (pipe2(exitp, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return err_sys(err, "creating the slirp4netns exit pipe");
	}
	h->api_socket = xasprintf("%s/%s", h->run_dir, API_SOCKET);
	unlink(h->api_socket); /* a stale one from a crash would make its bind fail */
	autostrv char **argv = NULL;
	autoclose int nsfd = -1;
	if (userns_is_inside()) {
		autofree char *ns = xasprintf("/proc/%d/ns/net", (int)h->pid);
		nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	}
	build_argv(h, nsfd >= 0, &argv);
	int fds[] = { ready[1], exitp[0], nsfd };
	struct net_spawn s = { .argv = argv,
			       .cwd = h->run_dir,
			       .log_path = h->log_path,
			       .fds = fds,
			       .n_fds = nsfd >= 0 ? 3 : 2 };
	h->helper_pid = net_spawn_helper(&s, err);
	close(ready[1]);
	close(exitp[0]);
	h->ready_fd = ready[0];
	h->exit_fd = exitp[1];
	if (h->helper_pid < 0)
		return -1;
	log_debug("slirp4netns started: pid %d for process %d", (int)h->helper_pid, (int)h->pid);
	return 0;
}

static int slirp_wait_ready(struct net_handle *h, int timeout_ms, struct error **err)
{
	int rc = net_wait_fd(h->ready_fd, timeout_ms, err);
	close(h->ready_fd);
	h->ready_fd = -1;
	if (rc == 1)
		return 0;
	if (rc == 0) {
		/* EOF without a byte: it died; say why from its log. */
		int status = 0;
		proc_wait(h->helper_pid, &status, NULL);
		h->helper_pid = -1;
		return net_helper_died("slirp4netns", status, h->log_path, err);
	}
	return err_wrap(err, "waiting for slirp4netns (pid %d) to be ready", (int)h->helper_pid);
}

/* Connect to the api socket; a path too long for sun_path goes through /proc/self/fd. */
static int api_connect(const char *path, struct error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	autoclose int dirfd = -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	} else {
		autofree char *dir = xstrdup(path);
		*strrchr(dir, '/') = '\0';
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return err_sys(err, "opening %s", dir);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd,
			 strrchr(path, '/') + 1);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(err, "creating a socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err_sys(err, "connecting to %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, one reply: slirp4netns answers after we shut down our side. */
static int api_call(const char *path, struct json_object *req, struct json_object **reply,
		    struct error **err)
{
	autoclose int fd = api_connect(path, err);
	if (fd < 0)
		return -1;
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (fs_write_all(fd, text, strlen(text)) < 0 || shutdown(fd, SHUT_WR) < 0)
		return err_sys(err, "talking to %s", path);
	autofree char *data = NULL;
	if (fs_read_fd(fd, 1 << 16, &data, NULL, err) < 0)
		return -1;
	*reply = json_tokener_parse(data);
	if (*reply == NULL || !json_object_is_type(*reply, json_type_object)) {
		json_object_put(*reply);
		*reply = NULL;
		return err_msg(err, "slirp4netns api: not a JSON object: \"%.100s\"", data);
	}
	return 0;
}

/* slirp4netns's add_hostfwd: host port p->host_port + k to guest port guest + k; *id (when
 * not NULL) the forward's id. */
static int hostfwd(const char *api, const struct net_port *p, unsigned k, int guest, int *id,
		   struct error **err)
{
	struct json_object *req = json_object_new_object();
	struct json_object *args = json_object_new_object();
	json_object_object_add(req, "execute", json_object_new_string("add_hostfwd"));
	json_object_object_add(args, "proto", json_object_new_string(net_proto_name(p->proto)));
	json_object_object_add(args, "host_addr",
			       json_object_new_string(*p->host_ip ? p->host_ip : "0.0.0.0"));
	json_object_object_add(args, "host_port", json_object_new_int(p->host_port + (int)k));
	json_object_object_add(args, "guest_port", json_object_new_int(guest + (int)k));
	json_object_object_add(req, "arguments", args);
	struct json_object *reply = NULL;
	int rc = api_call(api, req, &reply, err);
	json_object_put(req);
	if (rc < 0)
		return -1;
	struct json_object *ret = json_get(reply, "return");
	if (ret != NULL) {
		if (id != NULL)
			*id = json_object_get_int(json_get(ret, "id"));
	} else {
		const char *desc = json_str(json_get(reply, "error"), "desc");
		rc = err_msg(err, "slirp4netns refused it: %s", desc ? desc : "no reason given");
	}
	json_object_put(reply);
	return rc;
}

static int add_hostfwd(const char *api, const struct net_port *p, unsigned k, struct error **err)
{
	return hostfwd(api, p, k, p->container_port, NULL, err);
}

void net_slirp_unforward(const char *api, int id)
{
	struct json_object *req = json_object_new_object();
	struct json_object *args = json_object_new_object();
	json_object_object_add(req, "execute", json_object_new_string("remove_hostfwd"));
	json_object_object_add(args, "id", json_object_new_int(id));
	json_object_object_add(req, "arguments", args);
	struct json_object *reply = NULL;
	struct error *e = NULL;
	if (api_call(api, req, &reply, &e) < 0)
		err_free(&e);
	json_object_put(reply);
	json_object_put(req);
}

static int slirp_add_ports(struct net_handle *h, struct error **err)
{
	for (size_t i = 0; i < h->n_ports; i++) {
		const struct net_port *p = &h->ports[i];
		for (unsigned k = 0; k < p->count; k++) {
			if (add_hostfwd(h->api_socket, p, k, err) < 0)
				return err_wrap(err, "publishing %s:%u -> %u/%s",
						*p->host_ip ? p->host_ip : "0.0.0.0",
						p->host_port + k, p->container_port + k,
						net_proto_name(p->proto));
		}
	}
	return 0;
}

static void slirp_stop(struct net_handle *h)
{
	if (h->ready_fd >= 0)
		close(h->ready_fd);
	h->ready_fd = -1;
	/* Closing the exit fd is how slirp4netns is told to go; SIGKILL only if it hangs. */
	if (h->exit_fd >= 0)
		close(h->exit_fd);
	h->exit_fd = -1;
	net_stop_process(h->helper_pid, -1, 0, 2000);
	h->helper_pid = -1;
	/* slirp4netns leaves its socket behind. */
	if (h->api_socket != NULL)
		unlink(h->api_socket);
}

const struct net_backend_ops net_slirp_ops = {
	.name = "slirp4netns",
	.program = "slirp4netns",
	.package = "slirp4netns",
	.start = slirp_start,
	.wait_ready = slirp_wait_ready,
	.add_ports = slirp_add_ports,
	.stop = slirp_stop,
};
