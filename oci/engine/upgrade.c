/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records of older hutch versions, converted to the engine's schema (see oci/engine.h) when
 * they are loaded. Up to version 1 (no "Version" member) hutch.json had podman's inspect
 * shape (Config.*, HostConfig.*), and the brief record (state.json, or brief.json before it)
 * the same shape cut down. This file is the one place in the engine that knows that shape;
 * nothing is written back here: a converted record reaches the disk only when the engine
 * rewrites it anyway (a rename, the brief record at every state change), by rename.
 */
#include "oci/engine/internal.h"

#include <string.h>

/* Version 1 names and their version 2 names, for members of Config and of HostConfig. */
struct rename {
	const char *from, *to;
};
static const struct rename config_names[] = {
	{ "Hostname", "Hostname" },
	{ "User", "User" },
	{ "Env", "Env" },
	{ "WorkingDir", "WorkingDir" },
	{ "Labels", "Labels" },
	{ "Annotations", "Annotations" },
	{ "StopSignal", "StopSignal" },
	{ "StopTimeout", "StopTimeout" },
	{ "Tty", "Tty" },
	{ "OpenStdin", "OpenStdin" },
	/* Cmd was Args again. */
	{ NULL, NULL },
};
static const struct rename host_names[] = {
	{ "AutoRemove", "AutoRemove" },
	{ "NetworkMode", "Network" },
	{ "Ports", "Ports" },
	{ "Dns", "Dns" },
	{ "DnsSearch", "DnsSearch" },
	{ "DnsOptions", "DnsOptions" },
	{ "ExtraHosts", "ExtraHosts" },
	{ "UsernsMode", "Userns" },
	{ "Privileged", "Privileged" },
	{ "ReadonlyRootfs", "ReadOnly" },
	{ "Init", "Init" },
	/* Interactive was Config.OpenStdin again; RestartPolicy and LogConfig below. */
	{ NULL, NULL },
};

/* Copy the members of from named in names into to, under their new names. */
static void copy_renamed(struct json_object *to, struct json_object *from,
			 const struct rename *names)
{
	for (size_t i = 0; names[i].from; i++) {
		struct json_object *v = json_get(from, names[i].from);
		if (v != NULL || json_object_object_get_ex(from, names[i].from, NULL))
			json_object_object_add(to, names[i].to, json_object_get(v));
	}
}

/* A version 1 object member {from1, from2} as {to1, to2} (nothing when absent). */
static void copy_pair(struct json_object *to, const char *to_key, struct json_object *from,
		      const char *from1, const char *to1, const char *from2, const char *to2)
{
	if (!json_object_is_type(from, json_type_object))
		return;
	struct json_object *o = json_object_new_object();
	struct json_object *v1 = json_get(from, from1), *v2 = json_get(from, from2);
	if (v1 != NULL)
		json_object_object_add(o, to1, json_object_get(v1));
	if (v2 != NULL)
		json_object_object_add(o, to2, json_object_get(v2));
	json_object_object_add(to, to_key, o);
}

bool ctr_record_is_old(struct json_object *doc)
{
	struct json_object *v = json_get(doc, "Version");
	return !json_object_is_type(v, json_type_int) || json_object_get_int(v) < 2;
}

struct json_object *ctr_record_upgrade(struct json_object *doc)
{
	if (doc == NULL || !ctr_record_is_old(doc))
		return doc;
	struct json_object *n = json_object_new_object();
	json_object_object_add(n, "Version", json_object_new_int(ENG_CTR_RECORD_VERSION));
	/* Id, Name, Created, Image, ImageName, Pod, Args and Mounts kept their names, and so
	 * did the state's members beside a brief record in state.json. */
	json_object_object_foreach (doc, key, val) {
		if (strcmp(key, "Config") == 0 || strcmp(key, "HostConfig") == 0 ||
		    strcmp(key, "Path") == 0 || strcmp(key, "IsInfra") == 0 ||
		    strcmp(key, "Version") == 0)
			continue;
		json_object_object_add(n, key, json_object_get(val));
	}
	struct json_object *infra = json_get(doc, "IsInfra");
	if (infra != NULL)
		json_object_object_add(n, "Infra", json_object_get(infra));
	struct json_object *cfg = json_get(doc, "Config");
	struct json_object *host = json_get(doc, "HostConfig");
	copy_renamed(n, cfg, config_names);
	copy_renamed(n, host, host_names);
	copy_pair(n, "Restart", json_get(host, "RestartPolicy"), "Name", "Policy",
		  "MaximumRetryCount", "MaxRetries");
	copy_pair(n, "Log", json_get(host, "LogConfig"), "Type", "Driver", "Size", "MaxSize");
	json_object_put(doc);
	return n;
}
