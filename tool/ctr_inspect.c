/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman's inspect shapes of the engine's container and pod facts. The key order and the
 * values are podman's (what `--format '{{.HostConfig.NetworkMode}}'` users read): each
 * member is taken from the engine document or, when a record lacks it, given the value
 * create writes by default.
 */
#include "tool/ctr_inspect.h"

#include "lib/json.h"
#include "lib/lib.h"

#include <stdio.h>
#include <string.h>

/* eng's member key, or a default (a new reference either way; def is taken). */
static struct json_object *get_or(struct json_object *eng, const char *key, struct json_object *def)
{
	struct json_object *v = json_get(eng, key);
	if (v == NULL)
		return def;
	json_object_put(def);
	return json_object_get(v);
}

struct json_object *inspect_ports_podman(struct json_object *ports)
{
	struct json_object *o = json_object_new_object();
	size_t n =
	    json_object_is_type(ports, json_type_array) ? json_object_array_length(ports) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(ports, i);
		unsigned hport =
		    (unsigned)json_object_get_int(json_object_object_get(p, "HostPort"));
		unsigned cport =
		    (unsigned)json_object_get_int(json_object_object_get(p, "ContainerPort"));
		unsigned count = (unsigned)json_object_get_int(json_object_object_get(p, "Count"));
		const char *proto = json_str(p, "Protocol");
		const char *ip = json_str(p, "HostIp");
		/* As the engine decodes them: 16 bits, tcp unless udp. */
		hport &= 0xffff, cport &= 0xffff, count &= 0xffff;
		proto = proto && strcmp(proto, "udp") == 0 ? "udp" : "tcp";
		for (unsigned k = 0; k < count; k++) {
			char key[32], hp[16];
			snprintf(key, sizeof(key), "%u/%s", cport + k, proto);
			snprintf(hp, sizeof(hp), "%u", hport + k);
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "HostIp", json_object_new_string(ip ? ip : ""));
			json_object_object_add(b, "HostPort", json_object_new_string(hp));
			struct json_object *list = NULL;
			if (!json_object_object_get_ex(o, key, &list)) {
				list = json_object_new_array();
				json_object_object_add(o, key, list);
			}
			json_object_array_add(list, b);
		}
	}
	return o;
}

/* Config: what the container runs and how. */
static struct json_object *config_of(struct json_object *eng)
{
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "Hostname",
			       get_or(eng, "Hostname", json_object_new_string("")));
	json_object_object_add(cfg, "User", get_or(eng, "User", json_object_new_string("")));
	json_object_object_add(cfg, "Env", json_object_get(json_get(eng, "Env")));
	json_object_object_add(cfg, "Cmd", json_object_get(json_get(eng, "Args")));
	json_object_object_add(cfg, "WorkingDir",
			       get_or(eng, "WorkingDir", json_object_new_string("/")));
	json_object_object_add(cfg, "Labels", get_or(eng, "Labels", json_object_new_object()));
	json_object_object_add(cfg, "Annotations",
			       get_or(eng, "Annotations", json_object_new_object()));
	json_object_object_add(cfg, "StopSignal",
			       get_or(eng, "StopSignal", json_object_new_string("SIGTERM")));
	json_object_object_add(cfg, "StopTimeout",
			       get_or(eng, "StopTimeout", json_object_new_int64(0)));
	json_object_object_add(cfg, "Tty", get_or(eng, "Tty", json_object_new_boolean(false)));
	json_object_object_add(cfg, "OpenStdin",
			       get_or(eng, "OpenStdin", json_object_new_boolean(false)));
	if (json_get(eng, "Healthcheck") != NULL)
		json_object_object_add(cfg, "Healthcheck",
				       json_object_get(json_get(eng, "Healthcheck")));
	/* podman 4.3.1's, for every container (records older than healthchecks: none) */
	json_object_object_add(
	    cfg, "HealthcheckOnFailureAction",
	    get_or(eng, "HealthcheckOnFailureAction", json_object_new_string("none")));
	return cfg;
}

/* HostConfig: what the host provides. */
/* NetworkSettings.Networks as podman's: the engine's facts plus the fields podman leaves
 * empty rootless. */
static struct json_object *networks_podman(struct json_object *nets)
{
	struct json_object *out = json_object_new_object();
	json_object_object_foreach (nets, name, f) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "EndpointID", json_object_new_string(""));
		json_object_object_add(o, "Gateway",
				       get_or(f, "Gateway", json_object_new_string("")));
		json_object_object_add(o, "IPAddress",
				       get_or(f, "IPAddress", json_object_new_string("")));
		json_object_object_add(o, "IPPrefixLen",
				       get_or(f, "IPPrefixLen", json_object_new_int(0)));
		json_object_object_add(o, "IPv6Gateway", json_object_new_string(""));
		json_object_object_add(o, "GlobalIPv6Address", json_object_new_string(""));
		json_object_object_add(o, "GlobalIPv6PrefixLen", json_object_new_int(0));
		json_object_object_add(o, "MacAddress",
				       get_or(f, "MacAddress", json_object_new_string("")));
		json_object_object_add(o, "NetworkID", json_object_new_string(name));
		json_object_object_add(o, "DriverOpts", NULL);
		json_object_object_add(o, "IPAMConfig", NULL);
		json_object_object_add(o, "Links", NULL);
		json_object_object_add(o, "Aliases", get_or(f, "Aliases", json_object_new_array()));
		json_object_object_add(out, name, o);
	}
	return out;
}

static struct json_object *host_of(struct json_object *eng)
{
	struct json_object *host = json_object_new_object();
	json_object_object_add(host, "AutoRemove",
			       get_or(eng, "AutoRemove", json_object_new_boolean(false)));
	struct json_object *restart = json_object_get(json_get(eng, "Restart")),
			   *rp = json_object_new_object();
	json_object_object_add(rp, "Name", get_or(restart, "Policy", json_object_new_string("no")));
	json_object_object_add(rp, "MaximumRetryCount",
			       get_or(restart, "MaxRetries", json_object_new_int(0)));
	json_object_object_add(host, "RestartPolicy", rp);
	json_object_put(restart);
	struct json_object *log = json_object_get(json_get(eng, "Log")),
			   *lc = json_object_new_object();
	json_object_object_add(lc, "Type",
			       get_or(log, "Driver", json_object_new_string("k8s-file")));
	json_object_object_add(lc, "Path", get_or(eng, "LogPath", json_object_new_string("")));
	/* podman's units.HumanSize: decimal units, 4 significant digits ("3.053MB", "0B") */
	struct json_object *ms = json_get(log, "MaxSize");
	double v = ms != NULL ? json_object_get_double(ms) : 0;
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	size_t u = 0;
	while (v >= 1000 && u < 5)
		v /= 1000, u++;
	char size[32];
	snprintf(size, sizeof(size), "%.4g%s", v, units[u]);
	json_object_object_add(lc, "Size", json_object_new_string(size));
	json_object_object_add(host, "LogConfig", lc);
	json_object_put(log);
	/* User-defined networks are podman's "bridge" mode. */
	json_object_object_add(host, "NetworkMode",
			       json_get(eng, "Networks") != NULL
				   ? json_object_new_string("bridge")
				   : get_or(eng, "Network", json_object_new_string("slirp4netns")));
	json_object_object_add(host, "Ports", get_or(eng, "Ports", json_object_new_array()));
	static const char *const lists[] = { "Dns", "DnsSearch", "DnsOptions", "ExtraHosts", NULL };
	for (size_t i = 0; lists[i]; i++)
		json_object_object_add(host, lists[i],
				       get_or(eng, lists[i], json_object_new_array()));
	json_object_object_add(host, "UsernsMode",
			       get_or(eng, "Userns", json_object_new_string("")));
	json_object_object_add(host, "Privileged",
			       get_or(eng, "Privileged", json_object_new_boolean(false)));
	json_object_object_add(host, "ReadonlyRootfs",
			       get_or(eng, "ReadOnly", json_object_new_boolean(false)));
	json_object_object_add(host, "Init", get_or(eng, "Init", json_object_new_boolean(false)));
	json_object_object_add(host, "Interactive",
			       get_or(eng, "OpenStdin", json_object_new_boolean(false)));
	return host;
}

/* State: podman's names; its zero time where a time is unknown. */
static struct json_object *state_of(struct json_object *st)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "Status",
			       get_or(st, "Status", json_object_new_string("created")));
	json_object_object_add(o, "Running", get_or(st, "Running", json_object_new_boolean(false)));
	json_object_object_add(o, "Paused", get_or(st, "Paused", json_object_new_boolean(false)));
	json_object_object_add(o, "Pid", get_or(st, "Pid", json_object_new_int(0)));
	json_object_object_add(o, "ConmonPid", get_or(st, "MonitorPid", json_object_new_int(0)));
	/* hutch's own: it runs without its monitor (killed), or without its network helper. */
	static const char *const lost[] = { "MonitorLost", "NetworkLost", NULL };
	for (size_t i = 0; lost[i]; i++)
		if (json_object_get_boolean(json_get(st, lost[i])))
			json_object_object_add(o, lost[i], json_object_new_boolean(true));
	json_object_object_add(o, "ExitCode", get_or(st, "ExitCode", json_object_new_int(0)));
	json_object_object_add(
	    o, "StartedAt",
	    get_or(st, "StartedAt", json_object_new_string("0001-01-01T00:00:00Z")));
	json_object_object_add(
	    o, "FinishedAt",
	    get_or(st, "FinishedAt", json_object_new_string("0001-01-01T00:00:00Z")));
	/* podman 4.3.1's key (Docker's too): {Status, FailingStreak, Log} */
	if (json_get(st, "Health") != NULL)
		json_object_object_add(o, "Health", json_object_get(json_get(st, "Health")));
	return o;
}

struct json_object *inspect_ctr_podman(struct json_object *eng)
{
	struct json_object *doc = json_object_new_object();
	static const char *const top[] = { "Id",	"Name",	       "Created", "Image",
					   "ImageName", "ImageDigest", NULL };
	for (size_t i = 0; top[i]; i++)
		json_object_object_add(doc, top[i],
				       get_or(eng, top[i], json_object_new_string("")));
	const char *pod = json_str(eng, "Pod");
	if (pod != NULL) {
		json_object_object_add(doc, "Pod", json_object_new_string(pod));
		json_object_object_add(doc, "IsInfra",
				       get_or(eng, "Infra", json_object_new_boolean(false)));
	}
	struct json_object *args = json_object_get(json_get(eng, "Args"));
	struct json_object *path =
	    json_object_is_type(args, json_type_array) ? json_object_array_get_idx(args, 0) : NULL;
	json_object_object_add(doc, "Path",
			       json_object_new_string(json_object_get_string(path) ?: ""));
	json_object_object_add(doc, "Args", args);
	json_object_object_add(doc, "Config", config_of(eng));
	json_object_object_add(doc, "HostConfig", host_of(eng));
	json_object_object_add(doc, "Mounts", get_or(eng, "Mounts", json_object_new_array()));
	struct json_object *st = json_object_get(json_get(eng, "State"));
	struct json_object *state = state_of(st);
	/* podman 4.3.1 has State.Health for every container: empty without a healthcheck */
	if (json_get(state, "Health") == NULL) {
		struct json_object *h = json_object_new_object();
		json_object_object_add(h, "Status", json_object_new_string(""));
		json_object_object_add(h, "FailingStreak", json_object_new_int(0));
		json_object_object_add(h, "Log", NULL);
		json_object_object_add(state, "Health", h);
	}
	json_object_object_add(doc, "State", state);
	json_object_object_add(doc, "RestartCount",
			       get_or(st, "RestartCount", json_object_new_int(0)));
	json_object_put(st);
	struct json_object *ns = json_object_new_object(),
			   *ports = json_object_get(json_get(eng, "Ports"));
	json_object_object_add(ns, "Ports", inspect_ports_podman(ports));
	json_object_put(ports);
	struct json_object *nets = json_get(eng, "Networks");
	if (nets != NULL)
		json_object_object_add(ns, "Networks", networks_podman(nets));
	json_object_object_add(doc, "NetworkSettings", ns);
	return doc;
}

struct json_object *inspect_pod_podman(struct json_object *eng)
{
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "Id", get_or(eng, "Id", json_object_new_string("")));
	json_object_object_add(doc, "Name", get_or(eng, "Name", json_object_new_string("")));
	json_object_object_add(doc, "Created", get_or(eng, "Created", json_object_new_string("")));
	json_object_object_add(doc, "ExitPolicy",
			       get_or(eng, "ExitPolicy", json_object_new_string("continue")));
	json_object_object_add(doc, "State", get_or(eng, "Status", json_object_new_string("")));
	json_object_object_add(doc, "Hostname",
			       get_or(eng, "Hostname", json_object_new_string("")));
	json_object_object_add(doc, "Labels", json_object_get(json_get(eng, "Labels")));
	const char *infra_id = json_str(eng, "InfraId");
	json_object_object_add(doc, "CreateInfra",
			       json_object_new_boolean(infra_id != NULL && *infra_id));
	json_object_object_add(doc, "InfraContainerID",
			       get_or(eng, "InfraId", json_object_new_string("")));
	struct json_object *infra = json_object_new_object(),
			   *ports = json_object_get(json_get(eng, "Ports"));
	json_object_object_add(infra, "NetworkMode",
			       get_or(eng, "Network", json_object_new_string("")));
	json_object_object_add(infra, "PortBindings", inspect_ports_podman(ports));
	json_object_put(ports);
	const char *net = json_str(eng, "Network");
	json_object_object_add(infra, "HostNetwork",
			       json_object_new_boolean(net != NULL && strcmp(net, "host") == 0));
	json_object_object_add(doc, "InfraConfig", infra);
	json_object_object_add(doc, "SharedNamespaces",
			       get_or(eng, "SharedNamespaces", json_object_new_array()));
	struct json_object *ctrs = get_or(eng, "Containers", json_object_new_array());
	json_object_object_add(doc, "NumContainers",
			       json_object_new_int((int)(json_object_is_type(ctrs, json_type_array)
							     ? json_object_array_length(ctrs)
							     : 0)));
	json_object_object_add(doc, "Containers", ctrs);
	return doc;
}
