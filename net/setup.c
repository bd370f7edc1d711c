/* SPDX-License-Identifier: Apache-2.0 */
/*
 * net_start/net_finish/net_teardown: check what can be checked before anything runs, pick
 * the back end for the mode (the ops struct), start its helper, and later wait for it and
 * publish the ports. Every failure path stops what was started, so a failed setup leaves
 * no helper process and no socket behind.
 */
#include "net/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_READY_TIMEOUT_MS 10000

static const struct net_backend_ops *backend_for(enum net_mode_kind kind)
{
	switch (kind) {
	case NET_MODE_SLIRP4NETNS:
		return &net_slirp_ops;
	case NET_MODE_PASTA:
		return &net_pasta_ops;
	default:
		return NULL;
	}
}

static void mode_copy(struct net_mode *dst, const struct net_mode *src)
{
	*dst = *src;
	dst->outbound_addr = src->outbound_addr ? xstrdup(src->outbound_addr) : NULL;
	dst->outbound_addr6 = src->outbound_addr6 ? xstrdup(src->outbound_addr6) : NULL;
	dst->target = src->target ? xstrdup(src->target) : NULL;
	dst->pasta_args = NULL;
	for (size_t i = 0; src->pasta_args != NULL && src->pasta_args[i] != NULL; i++)
		strv_push(&dst->pasta_args, src->pasta_args[i]);
}

static struct net_handle *handle_new(const struct net_setup_opts *o)
{
	struct net_handle *h = xzalloc(sizeof(*h));
	mode_copy(&h->mode, o->mode);
	h->pid = o->pid;
	h->n_ports = o->n_ports;
	if (o->n_ports > 0) {
		h->ports = xcalloc(o->n_ports, sizeof(*h->ports));
		memcpy(h->ports, o->ports, o->n_ports * sizeof(*h->ports));
	}
	h->run_dir = xstrdup(o->run_dir ? o->run_dir : ".");
	h->timeout_ms = o->ready_timeout_ms > 0 ? o->ready_timeout_ms : DEFAULT_READY_TIMEOUT_MS;
	h->helper_pid = -1;
	h->helper_pidfd = -1;
	h->ready_fd = -1;
	h->exit_fd = -1;
	h->ops = backend_for(o->mode->kind);
	return h;
}

/* Everything that can fail without starting anything: ports, the program, /dev/net/tun. */
static int precheck(struct net_handle *h, struct error **err)
{
	/* Only a helper can carry traffic from a host port into the namespace. */
	if (h->n_ports > 0 && h->ops == NULL)
		return err_set(err, EINVAL, ERR_USAGE, "cannot publish ports with --network %s",
			       net_mode_name(h->mode.kind));
	for (size_t i = 0; i < h->n_ports; i++)
		if (h->ports[i].host_port == 0)
			return err_msg(err, "port %u has no host port: call net_ports_assign first",
				       h->ports[i].container_port);
	if (net_check_ports(h->ports, h->n_ports, NULL, err) < 0)
		return -1;
	if (h->ops == NULL)
		return 0;
	h->program = fs_find_in_path(h->ops->program);
	if (h->program == NULL)
		return err_set(err, ENOENT, ERR_TOOL,
			       "%s not found in $PATH: install the %s package for --network %s",
			       h->ops->program, h->ops->package, h->ops->name);
	if (net_check_tun("/dev/net/tun", err) < 0)
		return -1;
	h->log_path = xasprintf("%s/%s.log", h->run_dir, h->ops->name);
	return 0;
}

int net_start(const struct net_setup_opts *o, struct net_handle **out, struct error **err)
{
	*out = NULL;
	struct net_handle *h = handle_new(o);
	if (precheck(h, err) < 0)
		goto fail;
	if (h->ops != NULL && h->ops->start(h, err) < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	net_teardown(&h);
	return err_wrap(err, "setting up the network (%s)", net_mode_name(o->mode->kind));
}

int net_finish(struct net_handle *h, struct error **err)
{
	int rc = 0;
	if (h->mode.kind == NET_MODE_NONE)
		rc = net_lo_up(h->pid, err);
	if (h->ops != NULL && !h->ready) {
		rc = h->ops->wait_ready(h, h->timeout_ms, err);
		h->ready = rc == 0;
		if (rc == 0 && h->ops->add_ports != NULL)
			rc = h->ops->add_ports(h, err);
	}
	if (rc < 0)
		return err_wrap(err, "setting up the network (%s)", net_mode_name(h->mode.kind));
	return 0;
}

int net_setup(const struct net_setup_opts *o, struct net_handle **out, struct error **err)
{
	if (net_start(o, out, err) < 0)
		return -1;
	if (net_finish(*out, err) < 0) {
		net_teardown(out);
		return -1;
	}
	return 0;
}

/* Free the handle's memory; the helper and fds are the caller's business by then. */
static void handle_free(struct net_handle *h)
{
	net_mode_clear(&h->mode);
	free(h->ports);
	free(h->run_dir);
	free(h->program);
	free(h->log_path);
	free(h->api_socket);
	free(h);
}

void net_teardown(struct net_handle **hp)
{
	struct net_handle *h = *hp;
	if (h == NULL)
		return;
	if (h->ops != NULL)
		h->ops->stop(h);
	handle_free(h);
	*hp = NULL;
}

pid_t net_helper_pid(const struct net_handle *h)
{
	return h != NULL ? h->helper_pid : -1;
}

void net_handover(struct net_handle **hp, int *exit_fd, pid_t *pid, int *pidfd)
{
	struct net_handle *h = *hp;
	*exit_fd = -1;
	*pid = -1;
	*pidfd = -1;
	if (h == NULL)
		return;
	*pid = h->helper_pid;
	if (h->exit_fd >= 0) {
		*exit_fd = h->exit_fd;
		fcntl(h->exit_fd, F_SETFD, 0);
		h->exit_fd = -1;
	}
	/* A child is watched by its SIGCHLD; anything else by its pidfd. */
	if (h->helper_pidfd >= 0 && *exit_fd < 0) {
		*pidfd = h->helper_pidfd;
		fcntl(*pidfd, F_SETFD, 0);
	} else if (h->helper_pidfd >= 0) {
		close(h->helper_pidfd);
	}
	h->helper_pidfd = -1;
	if (h->ready_fd >= 0)
		close(h->ready_fd);
	handle_free(h);
	*hp = NULL;
}
