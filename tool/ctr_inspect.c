/* SPDX-License-Identifier: Apache-2.0 */
/*
 * podman's inspect shapes of the engine's container and pod facts. The key order and the
 * values are podman's (what `--format '{{.HostConfig.NetworkMode}}'` users read): each
 * member is taken from the engine document or, when a record lacks it, given the value
 * create writes by default; a key hutch has no fact for (cgroup limits, SELinux labels,
 * podman's conmon files) has podman's zero value of podman's type (tests/system/236 checks
 * the shapes against podman's own). One document serves --format json and templates, so a
 * key podman's JSON omits when empty but its templates read (Init, ConmonPid) is kept.
 */
#include "tool/ctr_inspect.h"

#include "lib/json.h"
#include "oci/engine.h"
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

/* Add each key with a fresh zero: "" for s, 0 for i, false for b, null for n, [] for a,
 * {} for o (the types podman's zero values have). */
static void add_zeros(struct json_object *o, const char *types, const char *const *keys)
{
	for (size_t i = 0; keys[i] != NULL && types[i] != '\0'; i++) {
		struct json_object *v = NULL;
		switch (types[i]) {
		case 's':
			v = json_object_new_string("");
			break;
		case 'i':
			v = json_object_new_int(0);
			break;
		case 'b':
			v = json_object_new_boolean(false);
			break;
		case 'a':
			v = json_object_new_array();
			break;
		case 'o':
			v = json_object_new_object();
			break;
		default:
			break;
		}
		json_object_object_add(o, keys[i], v);
	}
}

/* A string array's members joined by spaces (podman's Config.Entrypoint is one string). */
static struct json_object *joined(struct json_object *a)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < json_len(a); i++) {
		char *n = xasprintf("%s%s%s", out, i ? " " : "",
				    json_object_get_string(json_object_array_get_idx(a, i)) ?: "");
		free(out);
		out = n;
	}
	struct json_object *v = json_object_new_string(out);
	free(out);
	return v;
}

/* A signal's number: podman's Config.StopSignal is one (SIGTERM's, 15, when unknown). */
static struct json_object *signal_number(const char *name)
{
	int sig = 15;
	struct error *e = NULL;
	if (name != NULL && eng_signal_parse(name, &sig, &e) < 0)
		err_free(&e), sig = 15;
	return json_object_new_int(sig);
}

/* Config: what the container runs and how. */
static struct json_object *config_of(struct json_object *eng)
{
	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "Hostname",
			       get_or(eng, "Hostname", json_object_new_string("")));
	json_object_object_add(cfg, "Domainname", json_object_new_string(""));
	json_object_object_add(cfg, "User", get_or(eng, "User", json_object_new_string("")));
	static const char *const attach[] = { "AttachStdin", "AttachStdout", "AttachStderr", NULL };
	add_zeros(cfg, "bbb", attach);
	json_object_object_add(cfg, "Tty", get_or(eng, "Tty", json_object_new_boolean(false)));
	json_object_object_add(cfg, "OpenStdin",
			       get_or(eng, "OpenStdin", json_object_new_boolean(false)));
	json_object_object_add(cfg, "StdinOnce", json_object_new_boolean(false));
	json_object_object_add(cfg, "Env", json_object_get(json_get(eng, "Env")));
	/* Records of before the split have the whole process as Cmd. */
	json_object_object_add(cfg, "Cmd",
			       json_object_get(json_get(eng, "Cmd") ?: json_get(eng, "Args")));
	json_object_object_add(cfg, "Image", get_or(eng, "ImageName", json_object_new_string("")));
	json_object_object_add(cfg, "Volumes", NULL);
	json_object_object_add(cfg, "WorkingDir",
			       get_or(eng, "WorkingDir", json_object_new_string("/")));
	json_object_object_add(cfg, "Entrypoint", joined(json_get(eng, "Entrypoint")));
	json_object_object_add(cfg, "OnBuild", NULL);
	json_object_object_add(cfg, "Labels", get_or(eng, "Labels", json_object_new_object()));
	json_object_object_add(cfg, "Annotations",
			       get_or(eng, "Annotations", json_object_new_object()));
	json_object_object_add(cfg, "StopSignal", signal_number(json_str(eng, "StopSignal")));
	if (json_get(eng, "Healthcheck") != NULL)
		json_object_object_add(cfg, "Healthcheck",
				       json_object_get(json_get(eng, "Healthcheck")));
	/* podman 4.3.1's, for every container (records older than healthchecks: none) */
	json_object_object_add(
	    cfg, "HealthcheckOnFailureAction",
	    get_or(eng, "HealthcheckOnFailureAction", json_object_new_string("none")));
	/* podman leaves it out when empty: a record of before, or one an API call made */
	struct json_object *cmdline = json_get(eng, "CreateCommand");
	if (cmdline != NULL)
		json_object_object_add(cfg, "CreateCommand", json_object_get(cmdline));
	json_object_object_add(cfg, "Umask", json_object_new_string("0022"));
	/* podman's: the mounted secrets by name and ID, never their content (env ones are not
	 * listed); none: no key */
	struct json_object *secrets = json_get_type(eng, "Secrets", json_type_array), *shown = NULL;
	for (size_t i = 0; i < json_len(secrets); i++) {
		struct json_object *s = json_idx(secrets, i);
		const char *type = json_str(s, "Type");
		if (type == NULL || strcmp(type, "mount") != 0)
			continue;
		struct json_object *o = json_object_new_object();
		static const char *const keys[] = { "Name", "ID", "UID", "GID", "Mode" };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_object_object_add(o, keys[k],
					       get_or(s, keys[k], json_object_new_int(0)));
		if (shown == NULL)
			shown = json_object_new_array();
		json_object_array_add(shown, o);
	}
	if (shown != NULL)
		json_object_object_add(cfg, "Secrets", shown);
	json_object_object_add(cfg, "Timeout", get_or(eng, "Timeout", json_object_new_int(0)));
	json_object_object_add(cfg, "StopTimeout",
			       get_or(eng, "StopTimeout", json_object_new_int64(0)));
	json_object_object_add(cfg, "Passwd", json_object_new_boolean(true));
	json_object_object_add(cfg, "sdNotifyMode", json_object_new_string("container"));
	return cfg;
}

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

/* A mount's options as podman lists them: a volume's nosuid,nodev; rbind for both. */
static const char *const vol_opts[] = { "nosuid", "nodev", "rbind", NULL };
static const char *const bind_opts[] = { "rbind", NULL };

/* Mounts as podman's: volumes and binds (tmpfs mounts are HostConfig.Tmpfs). */
static struct json_object *mounts_podman(struct json_object *mounts)
{
	struct json_object *out = json_object_new_array();
	for (size_t i = 0; i < json_len(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = json_str(m, "Type") ?: "bind";
		if (strcmp(type, "tmpfs") == 0)
			continue;
		bool vol = strcmp(type, "volume") == 0;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "Type", json_object_new_string(type));
		if (vol)
			json_object_object_add(o, "Name",
					       get_or(m, "Name", json_object_new_string("")));
		json_object_object_add(o, "Source",
				       get_or(m, "Source", json_object_new_string("")));
		json_object_object_add(o, "Destination",
				       get_or(m, "Destination", json_object_new_string("")));
		json_object_object_add(o, "Driver", json_object_new_string(vol ? "local" : ""));
		json_object_object_add(o, "Mode", json_object_new_string(""));
		json_object_object_add(o, "Options", json_from_strs(vol ? vol_opts : bind_opts));
		json_object_object_add(o, "RW", get_or(m, "RW", json_object_new_boolean(true)));
		json_object_object_add(o, "Propagation", json_object_new_string("rprivate"));
		json_object_array_add(out, o);
	}
	return out;
}

/* HostConfig.Binds ("SRC:DST:rw,rprivate,...") and Tmpfs ({DST: options}) of the mounts. */
static void binds_podman(struct json_object *mounts, struct json_object *host)
{
	struct json_object *binds = json_object_new_array(), *tmpfs = json_object_new_object();
	for (size_t i = 0; i < json_len(mounts); i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);
		const char *type = json_str(m, "Type") ?: "bind", *dst = json_str(m, "Destination");
		const char *opts = json_str(m, "Options");
		if (dst == NULL)
			continue;
		if (strcmp(type, "tmpfs") == 0) {
			json_object_object_add(
			    tmpfs, dst,
			    json_object_new_string(opts ? opts
							: "rw,rprivate,nosuid,nodev,tmpcopyup"));
			continue;
		}
		bool vol = strcmp(type, "volume") == 0;
		struct json_object *rwv = json_get(m, "RW");
		bool rw = rwv == NULL || json_object_get_boolean(rwv);
		autofree char *b = xasprintf(
		    "%s:%s:%s,rprivate,%s", vol ? json_str(m, "Name") ?: "" : json_str(m, "Source") ?: "",
		    dst, rw ? "rw" : "ro", vol ? "nosuid,nodev,rbind" : "rbind");
		json_object_array_add(binds, json_object_new_string(b));
	}
	json_object_object_add(host, "Binds", binds);
	json_object_object_add(host, "Tmpfs", tmpfs);
}

/* podman's HostConfig.CapDrop: the default capabilities of docker that the container lacks. */
static struct json_object *cap_drop_podman(struct json_object *bounding)
{
	static const char *const docker[] = { "CAP_AUDIT_WRITE",
					      "CAP_CHOWN",
					      "CAP_DAC_OVERRIDE",
					      "CAP_FOWNER",
					      "CAP_FSETID",
					      "CAP_KILL",
					      "CAP_MKNOD",
					      "CAP_NET_BIND_SERVICE",
					      "CAP_NET_RAW",
					      "CAP_SETFCAP",
					      "CAP_SETGID",
					      "CAP_SETPCAP",
					      "CAP_SETUID",
					      "CAP_SYS_CHROOT",
					      NULL };
	struct json_object *a = json_object_new_array();
	if (bounding == NULL)
		return a;
	for (size_t i = 0; docker[i]; i++) {
		bool has = false;
		for (size_t k = 0; k < json_len(bounding) && !has; k++)
			has = strcmp(json_object_get_string(json_object_array_get_idx(bounding, k))
					 ?: "",
				     docker[i]) == 0;
		if (!has)
			json_object_array_add(a, json_object_new_string(docker[i]));
	}
	return a;
}

/* HostConfig's resource limits and knobs hutch does not set: podman's zero values. */
static void host_zeros(struct json_object *host)
{
	static const char *const k1[] = { "Cgroup",	 "Cgroups", "Links",
					  "OomScoreAdj", "PidMode", NULL };
	add_zeros(host, "ssnis", k1);
	json_object_object_add(host, "Cgroups", json_object_new_string("default"));
	json_object_object_add(host, "PidMode", json_object_new_string("private"));
}

static struct json_object *log_config(struct json_object *eng)
{
	struct json_object *log = json_get(eng, "Log"), *lc = json_object_new_object();
	json_object_object_add(lc, "Type",
			       get_or(log, "Driver", json_object_new_string("k8s-file")));
	json_object_object_add(lc, "Config", NULL);
	json_object_object_add(lc, "Path", get_or(eng, "LogPath", json_object_new_string("")));
	json_object_object_add(lc, "Tag", json_object_new_string(""));
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
	return lc;
}

/* HostConfig: what the host provides, in podman's order. */
static struct json_object *host_of(struct json_object *eng)
{
	struct json_object *host = json_object_new_object();
	struct json_object *mounts = json_get(eng, "Mounts");
	binds_podman(mounts, host);
	struct json_object *tmpfs = json_object_get(json_get(host, "Tmpfs"));
	json_object_object_del(host, "Tmpfs");
	json_object_object_add(host, "CgroupManager", json_object_new_string("cgroupfs"));
	json_object_object_add(host, "CgroupMode", json_object_new_string("host"));
	json_object_object_add(host, "ContainerIDFile", json_object_new_string(""));
	json_object_object_add(host, "LogConfig", log_config(eng));
	/* User-defined networks are podman's "bridge" mode. */
	json_object_object_add(host, "NetworkMode",
			       json_get(eng, "Networks") != NULL
				   ? json_object_new_string("bridge")
				   : get_or(eng, "Network", json_object_new_string("slirp4netns")));
	struct json_object *ports = json_get(eng, "Ports");
	json_object_object_add(host, "PortBindings", inspect_ports_podman(ports));
	struct json_object *restart = json_get(eng, "Restart"), *rp = json_object_new_object();
	/* podman's name for no policy given is "" */
	const char *policy = json_str(restart, "Policy");
	json_object_object_add(
	    rp, "Name", json_object_new_string(policy && strcmp(policy, "no") ? policy : ""));
	json_object_object_add(rp, "MaximumRetryCount",
			       get_or(restart, "MaxRetries", json_object_new_int(0)));
	json_object_object_add(host, "RestartPolicy", rp);
	json_object_object_add(host, "AutoRemove",
			       get_or(eng, "AutoRemove", json_object_new_boolean(false)));
	json_object_object_add(host, "VolumeDriver", json_object_new_string(""));
	json_object_object_add(host, "VolumesFrom", NULL);
	json_object_object_add(host, "CapAdd", get_or(eng, "CapAdd", json_object_new_array()));
	json_object_object_add(host, "CapDrop", cap_drop_podman(json_get(eng, "BoundingCaps")));
	static const char *const lists[] = { "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", NULL };
	for (size_t i = 0; lists[i]; i++)
		json_object_object_add(host, lists[i],
				       get_or(eng, lists[i], json_object_new_array()));
	json_object_object_add(host, "GroupAdd", json_object_new_array());
	json_object_object_add(host, "IpcMode", json_object_new_string("shareable"));
	host_zeros(host);
	/* podman shows "disabled" for --cgroups=disabled, "default" for every other mode */
	const char *cgm = json_str(eng, "CgroupsMode");
	if (cgm != NULL && strcmp(cgm, "disabled") == 0)
		json_object_object_add(host, "Cgroups", json_object_new_string("disabled"));
	json_object_object_add(host, "Privileged",
			       get_or(eng, "Privileged", json_object_new_boolean(false)));
	json_object_object_add(host, "PublishAllPorts", json_object_new_boolean(false));
	json_object_object_add(host, "ReadonlyRootfs",
			       get_or(eng, "ReadOnly", json_object_new_boolean(false)));
	json_object_object_add(host, "SecurityOpt", json_object_new_array());
	json_object_object_add(host, "Tmpfs", tmpfs);
	json_object_object_add(host, "UTSMode", json_object_new_string("private"));
	json_object_object_add(host, "UsernsMode",
			       get_or(eng, "Userns", json_object_new_string("")));
	json_object_object_add(host, "ShmSize", json_object_new_int64(65536000));
	json_object_object_add(host, "Runtime", json_object_new_string("oci"));
	struct json_object *console = json_object_new_array();
	json_object_array_add(console, json_object_new_int(0));
	json_object_array_add(console, json_object_new_int(0));
	json_object_object_add(host, "ConsoleSize", console);
	static const char *const limits[] = { "Isolation",
					      "CpuShares",
					      "Memory",
					      "NanoCpus",
					      "CgroupParent",
					      "BlkioWeight",
					      "BlkioWeightDevice",
					      "BlkioDeviceReadBps",
					      "BlkioDeviceWriteBps",
					      "BlkioDeviceReadIOps",
					      "BlkioDeviceWriteIOps",
					      "CpuPeriod",
					      "CpuQuota",
					      "CpuRealtimePeriod",
					      "CpuRealtimeRuntime",
					      "CpusetCpus",
					      "CpusetMems",
					      "Devices",
					      "DiskQuota",
					      "KernelMemory",
					      "MemoryReservation",
					      "MemorySwap",
					      "MemorySwappiness",
					      "OomKillDisable",
					      "PidsLimit",
					      NULL };
	add_zeros(host, "siiisinnnnniiiissaiiiiibi", limits);
	json_object_object_add(host, "Ulimits", get_or(eng, "Ulimits", json_object_new_array()));
	static const char *const tail[] = { "CpuCount",		  "CpuPercent", "IOMaximumIOps",
					    "IOMaximumBandwidth", "CgroupConf", NULL };
	add_zeros(host, "iiiin", tail);
	/* podman leaves Init out when false (omitempty); its templates still see false, as
	 * hutch's, which serve both from this one document. */
	json_object_object_add(host, "Init", get_or(eng, "Init", json_object_new_boolean(false)));
	return host;
}

/* State: podman's names; its zero time where a time is unknown. */
static struct json_object *state_of(struct json_object *st)
{
	static const char *const zero_time = "0001-01-01T00:00:00Z";
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "OciVersion", json_object_new_string("1.2.0"));
	json_object_object_add(o, "Status",
			       get_or(st, "Status", json_object_new_string("created")));
	json_object_object_add(o, "Running", get_or(st, "Running", json_object_new_boolean(false)));
	json_object_object_add(o, "Paused", get_or(st, "Paused", json_object_new_boolean(false)));
	static const char *const flags[] = { "Restarting", "OOMKilled", "Dead", NULL };
	add_zeros(o, "bbb", flags);
	json_object_object_add(o, "Pid", get_or(st, "Pid", json_object_new_int(0)));
	/* podman leaves out a ConmonPid of 0 (omitempty) but its templates see 0, as hutch's,
	 * which serve both from this one document. */
	json_object_object_add(o, "ConmonPid", get_or(st, "MonitorPid", json_object_new_int(0)));
	/* hutch's own: it runs without its monitor (killed), or without its network helper. */
	static const char *const lost[] = { "MonitorLost", "NetworkLost", NULL };
	for (size_t i = 0; lost[i]; i++)
		if (json_object_get_boolean(json_get(st, lost[i])))
			json_object_object_add(o, lost[i], json_object_new_boolean(true));
	json_object_object_add(o, "ExitCode", get_or(st, "ExitCode", json_object_new_int(0)));
	json_object_object_add(o, "Error", json_object_new_string(""));
	json_object_object_add(o, "StartedAt",
			       get_or(st, "StartedAt", json_object_new_string(zero_time)));
	json_object_object_add(o, "FinishedAt",
			       get_or(st, "FinishedAt", json_object_new_string(zero_time)));
	/* podman 4.3.1's key (Docker's too): {Status, FailingStreak, Log}; for every
	 * container, empty without a healthcheck */
	struct json_object *health = json_get(st, "Health");
	if (health != NULL) {
		json_object_object_add(o, "Health", json_object_get(health));
	} else {
		health = json_object_new_object();
		json_object_object_add(health, "Status", json_object_new_string(""));
		json_object_object_add(health, "FailingStreak", json_object_new_int(0));
		json_object_object_add(health, "Log", NULL);
		json_object_object_add(o, "Health", health);
	}
	json_object_object_add(o, "CheckpointedAt", json_object_new_string(zero_time));
	json_object_object_add(o, "RestoredAt", json_object_new_string(zero_time));
	return o;
}

/* NetworkSettings: the published ports, the user networks; the rest as podman's rootless
 * slirp4netns, which has no address of its own to show. */
static struct json_object *net_settings(struct json_object *eng)
{
	struct json_object *ns = json_object_new_object();
	static const char *const k[] = { "EndpointID",
					 "Gateway",
					 "IPAddress",
					 "IPPrefixLen",
					 "IPv6Gateway",
					 "GlobalIPv6Address",
					 "GlobalIPv6PrefixLen",
					 "MacAddress",
					 "Bridge",
					 "SandboxID",
					 "HairpinMode",
					 "LinkLocalIPv6Address",
					 "LinkLocalIPv6PrefixLen",
					 NULL };
	add_zeros(ns, "sssississsbsi", k);
	json_object_object_add(ns, "Ports", inspect_ports_podman(json_get(eng, "Ports")));
	json_object_object_add(ns, "SandboxKey", json_object_new_string(""));
	struct json_object *nets = json_get(eng, "Networks");
	if (nets != NULL)
		json_object_object_add(ns, "Networks", networks_podman(nets));
	return ns;
}

/* The process as podman splits it: Path, the first word; Args, the rest (a lone word is
 * both). */
static void path_args(struct json_object *eng, struct json_object *doc)
{
	struct json_object *args = json_get(eng, "Args"), *rest = json_object_new_array();
	struct json_object *path = json_idx(args, 0);
	for (size_t i = json_len(args) > 1 ? 1 : 0; i < json_len(args); i++)
		json_object_array_add(rest, json_object_get(json_object_array_get_idx(args, i)));
	json_object_object_add(doc, "Path",
			       json_object_new_string(json_object_get_string(path) ?: ""));
	json_object_object_add(doc, "Args", rest);
}

struct json_object *inspect_ctr_podman(struct json_object *eng)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *st = json_get(eng, "State");
	json_object_object_add(doc, "Id", get_or(eng, "Id", json_object_new_string("")));
	json_object_object_add(doc, "Created", get_or(eng, "Created", json_object_new_string("")));
	path_args(eng, doc);
	json_object_object_add(doc, "State", state_of(st));
	static const char *const image[] = { "Image", "ImageDigest", "ImageName", NULL };
	for (size_t i = 0; image[i]; i++)
		json_object_object_add(doc, image[i],
				       get_or(eng, image[i], json_object_new_string("")));
	json_object_object_add(doc, "Rootfs", json_object_new_string(""));
	json_object_object_add(doc, "Pod", get_or(eng, "Pod", json_object_new_string("")));
	static const char *const paths[] = { "ResolvConfPath", "HostnamePath", "HostsPath", NULL };
	add_zeros(doc, "sss", paths);
	json_object_object_add(doc, "StaticDir", get_or(eng, "Dir", json_object_new_string("")));
	/* podman names the runtime's config.json once the container has started */
	const char *dir = json_str(eng, "Dir");
	if (dir != NULL && json_str(st, "StartedAt") != NULL) {
		autofree char *cfg = xasprintf("%s/config.json", dir);
		json_object_object_add(doc, "OCIConfigPath", json_object_new_string(cfg));
	}
	/* As given with --runtime; else the runtime hutch has built in */
	json_object_object_add(doc, "OCIRuntime",
			       get_or(eng, "OCIRuntime", json_object_new_string("hutch-runtime")));
	json_object_object_add(doc, "ConmonPidFile",
			       get_or(eng, "ConmonPidFile", json_object_new_string("")));
	json_object_object_add(doc, "PidFile", json_object_new_string(""));
	json_object_object_add(doc, "Name", get_or(eng, "Name", json_object_new_string("")));
	json_object_object_add(doc, "RestartCount",
			       get_or(st, "RestartCount", json_object_new_int(0)));
	const char *driver = json_str(eng, "Driver") ?: "overlay";
	json_object_object_add(doc, "Driver", json_object_new_string(driver));
	static const char *const labels[] = { "MountLabel", "ProcessLabel", "AppArmorProfile",
					      NULL };
	add_zeros(doc, "sss", labels);
	json_object_object_add(doc, "EffectiveCaps",
			       get_or(eng, "EffectiveCaps", json_object_new_array()));
	json_object_object_add(doc, "BoundingCaps",
			       get_or(eng, "BoundingCaps", json_object_new_array()));
	json_object_object_add(doc, "ExecIDs", json_object_new_array());
	struct json_object *gd = json_object_new_object();
	json_object_object_add(gd, "Name", json_object_new_string(driver));
	json_object_object_add(gd, "Data", NULL);
	json_object_object_add(doc, "GraphDriver", gd);
	json_object_object_add(doc, "Mounts", mounts_podman(json_get(eng, "Mounts")));
	json_object_object_add(doc, "Dependencies", json_object_new_array());
	json_object_object_add(doc, "NetworkSettings", net_settings(eng));
	json_object_object_add(doc, "Namespace", json_object_new_string(""));
	json_object_object_add(doc, "IsInfra",
			       get_or(eng, "Infra", json_object_new_boolean(false)));
	json_object_object_add(doc, "IsService", json_object_new_boolean(false));
	json_object_object_add(doc, "Config", config_of(eng));
	json_object_object_add(doc, "HostConfig", host_of(eng));
	return doc;
}

struct json_object *inspect_pod_podman(struct json_object *eng)
{
	struct json_object *doc = json_object_new_object();
	json_object_object_add(doc, "Id", get_or(eng, "Id", json_object_new_string("")));
	json_object_object_add(doc, "Name", get_or(eng, "Name", json_object_new_string("")));
	json_object_object_add(doc, "Created", get_or(eng, "Created", json_object_new_string("")));
	struct json_object *cmdline = json_get(eng, "CreateCommand");
	if (cmdline != NULL)
		json_object_object_add(doc, "CreateCommand", json_object_get(cmdline));
	json_object_object_add(doc, "ExitPolicy",
			       get_or(eng, "ExitPolicy", json_object_new_string("continue")));
	json_object_object_add(doc, "State", get_or(eng, "Status", json_object_new_string("")));
	json_object_object_add(doc, "Hostname",
			       get_or(eng, "Hostname", json_object_new_string("")));
	/* podman leaves out empty labels */
	struct json_object *labels = json_get(eng, "Labels");
	if (labels != NULL && json_object_object_length(labels) > 0)
		json_object_object_add(doc, "Labels", json_object_get(labels));
	/* hutch makes no cgroup of its own for a pod */
	json_object_object_add(doc, "CreateCgroup", json_object_new_boolean(false));
	static const char *const cg[] = { "CgroupParent", "CgroupPath", NULL };
	add_zeros(doc, "ss", cg);
	const char *infra_id = json_str(eng, "InfraId");
	json_object_object_add(doc, "CreateInfra",
			       json_object_new_boolean(infra_id != NULL && *infra_id));
	json_object_object_add(doc, "InfraContainerID",
			       get_or(eng, "InfraId", json_object_new_string("")));
	struct json_object *infra = json_object_new_object();
	json_object_object_add(infra, "PortBindings", inspect_ports_podman(json_get(eng, "Ports")));
	const char *net = json_str(eng, "Network");
	json_object_object_add(infra, "HostNetwork",
			       json_object_new_boolean(net != NULL && strcmp(net, "host") == 0));
	static const char *const ic[] = { "StaticIP",	    "StaticMAC", "NoManageResolvConf",
					  "DNSServer",	    "DNSSearch", "DNSOption",
					  "NoManageHosts",  "HostAdd",	 "Networks",
					  "NetworkOptions", NULL };
	add_zeros(infra, "ssbnnnbnnn", ic);
	json_object_object_add(infra, "pid_ns", json_object_new_string("private"));
	json_object_object_add(infra, "userns", json_object_new_string("host"));
	json_object_object_add(infra, "uts_ns", json_object_new_string("private"));
	json_object_object_add(doc, "InfraConfig", infra);
	json_object_object_add(doc, "SharedNamespaces",
			       get_or(eng, "SharedNamespaces", json_object_new_array()));
	struct json_object *ctrs = get_or(eng, "Containers", json_object_new_array());
	json_object_object_add(doc, "NumContainers", json_object_new_int((int)json_len(ctrs)));
	json_object_object_add(doc, "Containers", ctrs);
	return doc;
}
