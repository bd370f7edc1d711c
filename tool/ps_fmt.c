/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text of `ps` and `pod ps` rows: podman's status words ("Up 3 minutes", "Exited (0)
 * 2 seconds ago"), ports as "0.0.0.0:8080->80/tcp", the command joined by spaces, IDs cut
 * to 12 digits. The engine gives the facts (record, state, ports, args, labels, a pod's
 * state); this file only words them.
 */
#include "tool/ps_fmt.h"

#include <stdlib.h>
#include <string.h>

static bool is_running(const struct eng_ctr *c)
{
	return c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED;
}

/* podman's health suffix: " (healthy)", " (unhealthy)", " (starting)"; "" without a
 * healthcheck or before its first start. */
static char *health_suffix(const struct eng_ctr *c)
{
	autofree char *h = c->state.status == ENG_CTR_CREATED ? NULL : eng_ctr_health_status(c);
	return h != NULL && *h ? xasprintf(" (%s)", h) : xstrdup("");
}

static char *status_words(const struct eng_ctr *c);

static char *status_text(const struct eng_ctr *c)
{
	autofree char *words = status_words(c);
	autofree char *health = health_suffix(c);
	return xasprintf("%s%s", words, health);
}

static char *status_words(const struct eng_ctr *c)
{
	switch (c->state.status) {
	case ENG_CTR_RUNNING: {
		autofree char *h = cli_fmt_since(c->state.started_at);
		return xasprintf("Up %s%s%s", h, c->state.monitor_lost ? " (monitor lost)" : "",
				 c->state.network_lost ? " (network lost)" : "");
	}
	case ENG_CTR_PAUSED:
		return xstrdup("Paused");
	case ENG_CTR_EXITED: {
		autofree char *h = cli_fmt_since(c->state.finished_at);
		/* No time: an end nobody has recorded yet (its monitor killed). */
		if (*h == '\0')
			return xasprintf("Exited (%d)", c->state.exit_code);
		return xasprintf("Exited (%d) %s ago", c->state.exit_code, h);
	}
	case ENG_CTR_CREATED:
		break;
	}
	return xstrdup("Created");
}

/* "127.0.0.1:8080->80/tcp, 0.0.0.0:9000-9001->9000-9001/udp" (owned). */
static char *ports_text(const struct eng_ctr *c)
{
	struct net_port *p = NULL;
	size_t n = 0;
	eng_ctr_port_bindings(c, &p, &n);
	char *out = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		const char *ip = p[i].host_ip[0] ? p[i].host_ip : "0.0.0.0";
		bool v6 = strchr(ip, ':') != NULL;
		char *one =
		    p[i].count > 1
			? xasprintf("%s%s%s:%u-%u->%u-%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
				    p[i].host_port, p[i].host_port + p[i].count - 1,
				    p[i].container_port, p[i].container_port + p[i].count - 1,
				    net_proto_name(p[i].proto))
			: xasprintf("%s%s%s:%u->%u/%s", v6 ? "[" : "", ip, v6 ? "]" : "",
				    p[i].host_port, p[i].container_port,
				    net_proto_name(p[i].proto));
		char *joined = xasprintf("%s%s%s", out, *out ? ", " : "", one);
		free(one);
		free(out);
		out = joined;
	}
	free(p);
	return out;
}

/* The Command column: the args joined by spaces (owned). */
static char *command_text(const struct eng_ctr *c)
{
	autostrv char **args = eng_ctr_args(c);
	size_t len = 0;
	for (size_t i = 0; args[i] != NULL; i++)
		len += strlen(args[i]) + 1;
	char *cmd = xmalloc(len + 1), *p = cmd;
	*p = '\0';
	for (size_t i = 0; args[i] != NULL; i++) {
		if (i > 0)
			*p++ = ' ';
		p = stpcpy(p, args[i]);
	}
	return cmd;
}

char *ps_fmt_line(const struct eng_ctr *c, bool no_trunc)
{
	autofree char *cmd = command_text(c);
	autofree char *ago = cli_fmt_since(c->created);
	autofree char *st = status_text(c);
	autofree char *ports = ports_text(c);
	return xasprintf("%.*s\t%s\t%s\t%s ago\t%s\t%s\t%s", no_trunc ? 64 : 12, c->id,
			 c->image_name, cmd, ago, st, ports, c->name);
}

struct json_object *ps_fmt_row(const struct eng_ctr *c, bool no_trunc)
{
	struct json_object *r = json_object_new_object();
	autofree char *id = no_trunc ? xstrdup(c->id) : xstrndup(c->id, 12);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Id", json_object_new_string(c->id));
	json_object_object_add(r, "Names", json_object_new_string(c->name));
	json_object_object_add(r, "Image", json_object_new_string(c->image_name));
	json_object_object_add(r, "ImageID", json_object_new_string(c->image_id));
	autofree char *cmd = command_text(c);
	json_object_object_add(r, "Command", json_object_new_string(cmd));
	json_object_object_add(r, "CreatedAt", json_object_new_string(c->created));
	autofree char *ago = cli_fmt_since(c->created);
	autofree char *created = xasprintf("%s ago", ago);
	json_object_object_add(r, "Created", json_object_new_string(created));
	autofree char *st = status_text(c);
	json_object_object_add(r, "Status", json_object_new_string(st));
	json_object_object_add(r, "State",
			       json_object_new_string(eng_ctr_status_name(c->state.status)));
	json_object_object_add(r, "ExitCode", json_object_new_int(c->state.exit_code));
	json_object_object_add(r, "Pid", json_object_new_int(is_running(c) ? c->state.pid : 0));
	autofree char *ports = ports_text(c);
	json_object_object_add(r, "Ports", json_object_new_string(ports));
	json_object_object_add(r, "Labels", json_object_get(eng_ctr_labels(c)));
	const char *pod = eng_ctr_pod(c, NULL);
	autofree char *podid = pod ? xstrndup(pod, no_trunc ? 64 : 12) : xstrdup("");
	json_object_object_add(r, "Pod", json_object_new_string(podid));
	return r;
}

/* The pod's containers as `pod ps` lists them: Id, Names, Status. */
static struct json_object *pod_ctrs_json(struct eng_ctr *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "Id", json_object_new_string(v[i]->id));
		json_object_object_add(o, "Names", json_object_new_string(v[i]->name));
		json_object_object_add(
		    o, "Status", json_object_new_string(eng_ctr_status_name(v[i]->state.status)));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *ps_fmt_pod_row(struct eng *eng, struct eng_pod *p)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	/* A pod whose containers cannot be read is still listed, with none. */
	if (eng_pod_containers(eng, p, &v, &n, &e) < 0)
		err_free(&e);
	struct json_object *r = json_object_new_object();
	autofree char *id = xstrndup(p->id, 12);
	autofree char *infra = xstrndup(p->infra_id, 12);
	autofree char *ago = cli_fmt_since(p->created);
	autofree char *created = xasprintf("%s ago", ago);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Id", json_object_new_string(p->id));
	json_object_object_add(r, "Name", json_object_new_string(p->name));
	json_object_object_add(r, "Status", json_object_new_string(eng_pod_status(v, n)));
	json_object_object_add(r, "Created", json_object_new_string(created));
	json_object_object_add(r, "CreatedAt", json_object_new_string(p->created));
	json_object_object_add(r, "InfraID", json_object_new_string(infra));
	json_object_object_add(r, "InfraId", json_object_new_string(p->infra_id));
	json_object_object_add(r, "NumberOfContainers", json_object_new_int((int)n));
	json_object_object_add(r, "Labels", json_object_get(eng_pod_labels(p)));
	json_object_object_add(r, "Containers", pod_ctrs_json(v, n));
	eng_ctr_list_free(v, n);
	return r;
}
