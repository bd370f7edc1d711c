/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers that share another's namespaces: --network container:ID and the members of a
 * pod (which share the infra's network, UTS and IPC namespaces). The namespace paths name
 * the target's init, whose pid changes across restarts, so config.json is patched at each
 * start; the /etc files are the target's, plus an entry for the container's own names.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a container shares with its target: the network always; a pod's members also what
 * the pod shares (--share: uts, ipc, pid). */
struct join_ns {
	bool uts, ipc, pid;
	bool host_net; /* the target uses the host's network: stay in it, as the target does */
};

/* Point linux.namespaces at the target's init (with a shared uts the hostname is the
 * pod's, set by its infra, and config.json must not set one). */
static int patch_config(struct eng *eng, const char *id, pid_t init, const struct join_ns *j,
			const char *trun, struct error **err)
{
	autofree char *dir = eng_ctr_dir(eng, id);
	autofree char *path = xasprintf("%s/config.json", dir);
	struct json_object *spec = json_object_from_file(path);
	struct json_object *ns = json_get(json_get(spec, "linux"), "namespaces");
	if (spec == NULL || ns == NULL || !json_object_is_type(ns, json_type_array)) {
		json_object_put(spec);
		return err_msg(err, "%s: no linux.namespaces to join", path);
	}
	const struct {
		const char *type, *file;
		bool join;
	} shared[] = { { "network", "net", true },
		       { "uts", "uts", j->uts },
		       { "ipc", "ipc", j->ipc },
		       { "pid", "pid", j->pid } };
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		struct json_object *n = json_object_array_get_idx(ns, i);
		const char *type = json_str(n, "type");
		/* The host's network namespace belongs to the host's user namespace: nobody in
		 * ours may join it, and without one of its own the container is in it. */
		if (j->host_net && type != NULL && strcmp(type, "network") == 0) {
			json_object_array_del_idx(ns, i--, 1);
			continue;
		}
		for (size_t k = 0; type && k < sizeof(shared) / sizeof(shared[0]); k++) {
			if (strcmp(type, shared[k].type) != 0 || !shared[k].join)
				continue;
			autofree char *p = xasprintf("/proc/%d/ns/%s", (int)init, shared[k].file);
			json_object_object_add(n, "path", json_object_new_string(p));
		}
	}
	if (j->uts)
		json_object_object_del(spec, "hostname");
	/* One IPC namespace, one /dev/shm, as podman's pods share it: a directory in the
	 * target's run dir (a tmpfs, gone when the target stops), the same for every member.
	 * Not the target's own /dev/shm: a mount of another mount namespace cannot be bound. */
	struct json_object *mounts = json_get_type(spec, "mounts", json_type_array);
	autofree char *src = xasprintf("%s/shm", trun);
	if (j->ipc && mkdir(src, 01777) < 0 && errno != EEXIST) {
		json_object_put(spec);
		return err_sys(err, "creating %s", src);
	}
	if (j->ipc)
		chmod(src, 01777); /* whatever the umask: every user of the pod writes there */
	for (size_t i = 0; j->ipc && i < json_len(mounts); i++) {
		struct json_object *m = json_idx(mounts, i);
		const char *dst = json_str(m, "destination");
		if (dst == NULL || strcmp(dst, "/dev/shm") != 0)
			continue;
		static const char *const opts[] = { "rbind", "nosuid", "noexec", "nodev", NULL };
		json_object_object_add(m, "type", json_object_new_string("bind"));
		json_object_object_add(m, "source", json_object_new_string(src));
		json_object_object_add(m, "options", json_from_strs(opts));
	}
	int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = json_object_to_json_string_ext(spec, flags);
	int rc = fs_write_atomic(path, text, strlen(text), 0600, err);
	json_object_put(spec);
	return rc;
}

/* resolv.conf and hosts from the target's run dir; our names in hosts on loopback (the
 * network namespace is the same, so that address is ours too). */
static int write_etc(const struct eng_ctr *c, const char *trun, const char *run, bool pod,
		     struct error **err)
{
	const char *hostname = *c->hostname ? c->hostname : c->name;
	autofree char *resolv = NULL, *hosts = NULL, *thost = NULL;
	autofree char *rsrc = xasprintf("%s/resolv.conf", trun);
	autofree char *hsrc = xasprintf("%s/hosts", trun);
	autofree char *nsrc = xasprintf("%s/hostname", trun);
	if (fs_read_file(rsrc, 1 << 20, &resolv, NULL, err) < 0 ||
	    fs_read_file(hsrc, 1 << 20, &hosts, NULL, err) < 0 ||
	    (pod && fs_read_file(nsrc, 4096, &thost, NULL, err) < 0))
		return -1;
	/* In a pod whose hostname it shares, that name is the infra's line already: the
	 * member adds only its own name, as podman's. */
	bool shared = pod && strncmp(thost, hostname, strlen(hostname)) == 0 &&
		      (thost[strlen(hostname)] == '\n' || thost[strlen(hostname)] == '\0');
	autofree char *names = shared ? xstrdup(c->name) : xasprintf("%s %s", hostname, c->name);
	autofree char *myhosts =
	    xasprintf("%s%s127.0.0.1\t%s\n", hosts,
		      *hosts && hosts[strlen(hosts) - 1] != '\n' ? "\n" : "", names);
	autofree char *myname = pod ? xstrdup(thost) : xasprintf("%s\n", hostname);
	static const char *const files[] = { "resolv.conf", "hosts", "hostname" };
	const char *texts[] = { resolv, myhosts, myname };
	for (size_t i = 0; i < 3; i++) {
		autofree char *dst = xasprintf("%s/%s", run, files[i]);
		if (fs_write_atomic(dst, texts[i], strlen(texts[i]), 0644, err) < 0)
			return -1;
	}
	return 0;
}

int ctr_join_prepare(struct eng *eng, struct eng_ctr *c, const char *target, const char *run,
		     pid_t *userns_pid, struct error **err)
{
	*userns_pid = -1;
	const char *podid = eng_ctr_pod(c, NULL);
	struct join_ns j = { 0 };
	struct eng_pod *p = podid ? ctr_pod_load(eng, podid) : NULL;
	if (p != NULL)
		j = (struct join_ns){ .uts = eng_pod_shares(p, "uts"),
				      .ipc = eng_pod_shares(p, "ipc"),
				      .pid = eng_pod_shares(p, "pid") };
	else if (podid != NULL)
		j = (struct join_ns){ .uts = true, .ipc = true };
	eng_pod_free(&p);
	bool pod = j.uts;
	struct eng_ctr *t = NULL;
	/* A pod's infra was started by start.c (start_infra) when it did not run. */
	if (ctr_find(eng, target, &t, err) < 0)
		return err_wrap(err, "the container whose network %s shares", c->name);
	int rc = 0;
	if (t->state.status != ENG_CTR_RUNNING)
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "container %s is not running: cannot join its network namespace "
			     "(start it first)",
			     t->name);
	autofree char *trun = rc == 0 ? eng_ctr_run_dir(t->eng, t->id, err) : NULL;
	if (rc == 0 && trun == NULL)
		rc = -1;
	j.host_net = t->network != NULL && strcmp(t->network, "host") == 0;
	if (rc == 0)
		rc = patch_config(eng, c->id, t->state.pid, &j, trun, err);
	if (rc == 0)
		rc = write_etc(c, trun, run, pod, err);
	if (rc == 0)
		*userns_pid = t->state.monitor_pid;
	eng_ctr_free(&t);
	return rc;
}
