/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text of `ps` and `pod ps` rows: podman's status words ("Up 3 minutes", "Exited (0)
 * 2 seconds ago"), ports as "0.0.0.0:8080->80/tcp", the command joined by spaces, IDs cut
 * to 12 digits. The engine gives the facts (record, state, ports, args, labels, a pod's
 * state); this file only words them.
 */
#include "tool/ps_fmt.h"

#include "lib/json.h"

#include <stdint.h>
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

/* The Command column: podman's, the command without the entrypoint, joined by spaces
 * (owned). */
static char *command_text(const struct eng_ctr *c)
{
	autostrv char **args = eng_ctr_cmd(c);
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

/* A time as Go's Unix() of it: podman's zero time (year 1) when there is none. */
static struct json_object *unix_time(const char *rfc3339)
{
	time_t t = cli_fmt_parse_time(rfc3339);
	return json_object_new_int64(t != 0 ? (int64_t)t : INT64_C(-62135596800));
}

/* The mount destinations, as podman's ps lists them. */
static struct json_object *mount_dests(const struct eng_ctr *c)
{
	struct json_object *a = json_object_new_array(), *m = eng_ctr_mounts(c);
	for (size_t i = 0; i < json_len(m); i++) {
		const char *d = json_str(json_object_array_get_idx(m, i), "Destination");
		if (d != NULL)
			json_object_array_add(a, json_object_new_string(d));
	}
	return a;
}

/* The ports as podman's ps JSON has them (its ocicni names), or null for none. */
static struct json_object *ports_json(const struct eng_ctr *c)
{
	struct net_port *p = NULL;
	size_t n = 0;
	eng_ctr_port_bindings(c, &p, &n);
	struct json_object *a = n > 0 ? json_object_new_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "host_ip", json_object_new_string(p[i].host_ip));
		json_object_object_add(o, "container_port",
				       json_object_new_int(p[i].container_port));
		json_object_object_add(o, "host_port", json_object_new_int(p[i].host_port));
		json_object_object_add(o, "range", json_object_new_int(p[i].count));
		json_object_object_add(o, "protocol",
				       json_object_new_string(net_proto_name(p[i].proto)));
		json_object_array_add(a, o);
	}
	free(p);
	return a;
}

/* `ps --format json`: podman's ListContainer, key for key. */
static struct json_object *row_json(const struct eng_ctr *c)
{
	struct json_object *r = json_object_new_object();
	json_object_object_add(r, "AutoRemove", json_object_new_boolean(c->auto_remove));
	/* podman lists no command for an infra container */
	autostrv char **cmd = eng_ctr_cmd(c);
	json_object_object_add(r, "Command", c->infra ? NULL : json_from_strv(cmd));
	autofree char *ago = cli_fmt_ago(c->created);
	json_object_object_add(r, "CreatedAt", json_object_new_string(ago));
	bool exited = c->state.status == ENG_CTR_EXITED;
	json_object_object_add(r, "Exited", json_object_new_boolean(exited));
	json_object_object_add(r, "ExitedAt", unix_time(exited ? c->state.finished_at : NULL));
	json_object_object_add(r, "ExitCode", json_object_new_int(c->state.exit_code));
	json_object_object_add(r, "Id", json_object_new_string(c->id));
	json_object_object_add(r, "Image", json_object_new_string(c->image_name));
	json_object_object_add(r, "ImageID", json_object_new_string(c->image_id));
	json_object_object_add(r, "IsInfra", json_object_new_boolean(c->infra));
	json_object_object_add(r, "Labels", json_object_get(eng_ctr_labels(c)));
	json_object_object_add(r, "Mounts", mount_dests(c));
	struct json_object *names = json_object_new_array();
	json_object_array_add(names, json_object_new_string(c->name));
	json_object_object_add(r, "Names", names);
	json_object_object_add(r, "Namespaces", json_object_new_object());
	autostrv char **nets = eng_ctr_networks(c);
	json_object_object_add(r, "Networks", json_from_strv(nets));
	json_object_object_add(r, "Pid", json_object_new_int(is_running(c) ? c->state.pid : 0));
	json_object_object_add(r, "Pod", json_object_new_string(eng_ctr_pod(c, NULL) ?: ""));
	json_object_object_add(r, "PodName", json_object_new_string(""));
	json_object_object_add(r, "Ports", ports_json(c));
	json_object_object_add(r, "Size", NULL);
	json_object_object_add(
	    r, "StartedAt",
	    unix_time(c->state.status != ENG_CTR_CREATED ? c->state.started_at : NULL));
	json_object_object_add(r, "State",
			       json_object_new_string(eng_ctr_status_name(c->state.status)));
	autofree char *st = status_text(c);
	json_object_object_add(r, "Status", json_object_new_string(st));
	json_object_object_add(r, "Created", unix_time(c->created));
	return r;
}

/*
 * The row templates see: podman's ps runs them on its psReporter, whose methods give text
 * where the JSON has lists or times (Names, Command, Ports, Created), short IDs, and a few
 * fields of their own (RunningFor, CreatedHuman).
 */
static struct json_object *row_template(const struct eng_ctr *c, bool no_trunc)
{
	struct json_object *r = json_object_new_object();
	autofree char *id = no_trunc ? xstrdup(c->id) : xstrndup(c->id, 12);
	json_object_object_add(r, "ID", json_object_new_string(id));
	json_object_object_add(r, "Id", json_object_new_string(c->id));
	json_object_object_add(r, "Names", json_object_new_string(c->name));
	json_object_object_add(r, "Image", json_object_new_string(c->image_name));
	autofree char *iid = no_trunc ? xstrdup(c->image_id) : xstrndup(c->image_id, 12);
	json_object_object_add(r, "ImageID", json_object_new_string(iid));
	autofree char *cmd = command_text(c);
	json_object_object_add(r, "Command", json_object_new_string(cmd));
	json_object_object_add(r, "CreatedAt", json_object_new_string(c->created));
	autofree char *ago = cli_fmt_since(c->created);
	autofree char *created = xasprintf("%s ago", ago);
	json_object_object_add(r, "Created", json_object_new_string(created));
	json_object_object_add(r, "RunningFor", json_object_new_string(created));
	json_object_object_add(r, "CreatedHuman", json_object_new_string(created));
	autofree char *st = status_text(c);
	json_object_object_add(r, "Status", json_object_new_string(st));
	json_object_object_add(r, "State",
			       json_object_new_string(eng_ctr_status_name(c->state.status)));
	json_object_object_add(r, "ExitCode", json_object_new_int(c->state.exit_code));
	bool exited = c->state.status == ENG_CTR_EXITED;
	json_object_object_add(r, "Exited", json_object_new_boolean(exited));
	json_object_object_add(r, "ExitedAt", unix_time(exited ? c->state.finished_at : NULL));
	json_object_object_add(
	    r, "StartedAt",
	    unix_time(c->state.status != ENG_CTR_CREATED ? c->state.started_at : NULL));
	json_object_object_add(r, "Pid", json_object_new_int(is_running(c) ? c->state.pid : 0));
	autofree char *ports = ports_text(c);
	json_object_object_add(r, "Ports", json_object_new_string(ports));
	json_object_object_add(r, "Labels", json_object_get(eng_ctr_labels(c)));
	json_object_object_add(r, "Mounts", mount_dests(c));
	/* podman's psReporter.Networks: the names joined by commas */
	autostrv char **nets = eng_ctr_networks(c);
	autofree char *netlist = xstrdup("");
	for (size_t i = 0; nets[i] != NULL; i++) {
		char *n = xasprintf("%s%s%s", netlist, i ? "," : "", nets[i]);
		free(netlist);
		netlist = n;
	}
	json_object_object_add(r, "Networks", json_object_new_string(netlist));
	json_object_object_add(r, "AutoRemove", json_object_new_boolean(c->auto_remove));
	json_object_object_add(r, "IsInfra", json_object_new_boolean(c->infra));
	const char *pod = eng_ctr_pod(c, NULL);
	autofree char *podid = pod ? xstrndup(pod, no_trunc ? 64 : 12) : xstrdup("");
	json_object_object_add(r, "Pod", json_object_new_string(podid));
	json_object_object_add(r, "PodName", json_object_new_string(""));
	return r;
}

struct json_object *ps_fmt_row(const struct eng_ctr *c, bool no_trunc, bool json)
{
	return json ? row_json(c) : row_template(c, no_trunc);
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

struct json_object *ps_fmt_pod_row(struct eng *eng, struct eng_pod *p, bool json)
{
	struct eng_ctr **v = NULL;
	size_t n = 0;
	struct error *e = NULL;
	/* A pod whose containers cannot be read is still listed, with none. */
	if (eng_pod_containers(eng, p, &v, &n, &e) < 0)
		err_free(&e);
	struct json_object *r = json_object_new_object();
	if (json) {
		/* podman's ListPodsReport; hutch makes no cgroup of its own for a pod. */
		json_object_object_add(r, "Cgroup", json_object_new_string(""));
		json_object_object_add(r, "Containers", pod_ctrs_json(v, n));
		json_object_object_add(r, "Created", json_object_new_string(p->created));
		json_object_object_add(r, "Id", json_object_new_string(p->id));
		json_object_object_add(r, "InfraId", json_object_new_string(p->infra_id));
		json_object_object_add(r, "Name", json_object_new_string(p->name));
		json_object_object_add(r, "Namespace", json_object_new_string(""));
		json_object_object_add(r, "Networks", json_object_new_array());
		json_object_object_add(r, "Status", json_object_new_string(eng_pod_status(v, n)));
		json_object_object_add(r, "Labels", json_object_get(eng_pod_labels(p)));
		eng_ctr_list_free(v, n);
		return r;
	}
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
	json_object_object_add(r, "Cgroup", json_object_new_string(""));
	json_object_object_add(r, "Namespace", json_object_new_string(""));
	json_object_object_add(r, "Networks", json_object_new_string(""));
	eng_ctr_list_free(v, n);
	return r;
}
