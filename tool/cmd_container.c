/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container commands: run, create, start, stop, kill, restart, rm, ps, logs, attach, exec,
 * wait, inspect, and the monitor's hidden exit command. Handlers parse, validate, call
 * oci/engine and map the result to podman's exit codes.
 */
#include "tool/cli.h"
#include "oci/engine.h"
#include "oci/oci.h"
#include "tool/image_fmt.h"
#include "tool/io.h"
#include "userns/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------- run / create ---------- */

/* Everything the flags own while the container is created. */
struct run_args {
	struct eng_ctr_create_opts co;
	struct oci_image_config img;
	struct storage_image_config icfg;
	struct storage_image *image;
	struct oci_volume *mounts;
	size_t n_mounts;
	struct oci_ulimit *ulimits;
	size_t n_ulimits;
	gid_t *groups;
	size_t n_groups;
	char *init_path;
	struct userns_map keepid;
	struct net_port *ports;
	size_t n_ports;
	char **entrypoint;
	char **scratch; /* strings the options point into */
};

static void run_args_clear(struct run_args *a)
{
	for (size_t i = 0; i < a->n_mounts; i++)
		oci_volume_clear(&a->mounts[i]);
	free(a->mounts);
	for (size_t i = 0; i < a->n_ulimits; i++)
		free(a->ulimits[i].type);
	free(a->ulimits);
	free(a->groups);
	free(a->init_path);
	strv_free(a->entrypoint);
	strv_free(a->scratch);
	storage_image_config_clear(&a->icfg);
	userns_map_clear(&a->keepid);
	free(a->ports);
	storage_image_free(&a->image);
}

static const char *keep(struct run_args *a, char *s)
{
	strv_push_take(&a->scratch, s);
	return s;
}

/* --pull=always|missing|never, then the image record. */
static int find_image(struct cli_ctx *ctx, struct storage *s, const char *ref,
		      struct storage_image **img, struct error **err)
{
	const char *policy = cli_opt_str(ctx, "pull");
	if (strcmp(policy, "always") && strcmp(policy, "missing") && strcmp(policy, "never") &&
	    strcmp(policy, "newer"))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --pull \"%s\": use always, missing or never", policy);
	struct error *lerr = NULL;
	if (strcmp(policy, "always") != 0 && storage_image_lookup(s, ref, img, &lerr) == 0)
		return 0;
	if (strcmp(policy, "never") == 0) {
		err_free(err);
		*err = lerr;
		return -1;
	}
	/* A damaged image (not a missing one) is pulled again, which may mend it; should that
	 * fail, the damage is the news. */
	bool damaged = lerr != NULL && lerr->code != ENOENT;
	struct storage_pull_opts po = { .tls_verify = -1,
					.progress = cli_progress(cli_opt_bool(ctx, "quiet")) };
	if (cli_opt_is_set(ctx, "tls-verify"))
		po.tls_verify = cli_opt_bool(ctx, "tls-verify");
	autofree char *id = NULL;
	if (storage_pull(s, ref, &po, &id, err) < 0) {
		if (damaged) {
			autofree char *msg =
			    xasprintf("%s: %s (pulling it again: %s)", ref, lerr->msg, (*err)->msg);
			err_set(err, lerr->code, lerr->kind, "%s", msg);
		}
		err_free(&lerr);
		return -1;
	}
	err_free(&lerr);
	return storage_image_lookup(s, id, img, err);
}

/* --entrypoint: a JSON array, or one string (""  for none). */
static int parse_entrypoint(const char *v, char ***out, struct error **err)
{
	if (v[0] != '[') {
		strv_push(out, v);
		return 0;
	}
	struct json_object *a = json_tokener_parse(v);
	if (a == NULL || !json_object_is_type(a, json_type_array)) {
		json_object_put(a);
		return err_set(err, EINVAL, ERR_USAGE, "invalid --entrypoint %s: not a JSON array",
			       v);
	}
	for (size_t i = 0; i < json_object_array_length(a); i++)
		strv_push(out, json_object_get_string(json_object_array_get_idx(a, i)));
	json_object_put(a);
	if (*out == NULL)
		strv_push(out, "");
	return 0;
}

/* -u against the image's own /etc/passwd and /etc/group, looked up through its layers. */
static int resolve_user(struct storage *s, struct run_args *a, const char *user, struct error **err)
{
	autostrv char **layers = storage_image_layer_dirs(s, a->image);
	return oci_user_resolve(layers, user, &a->co.gen.uid, &a->co.gen.gid, &a->groups,
				&a->n_groups, err);
}

static void push_mount(struct run_args *a, struct oci_volume *v)
{
	a->mounts = xrealloc(a->mounts, (a->n_mounts + 1) * sizeof(*a->mounts));
	a->mounts[a->n_mounts++] = *v;
}

static int parse_mounts(struct cli_ctx *ctx, struct storage *s, struct run_args *a,
			struct error **err)
{
	static const struct {
		const char *flag;
		int (*parse)(const char *, struct oci_volume *, struct error **);
	} kinds[] = { { "volume", oci_volume_parse },
		      { "mount", oci_mount_parse },
		      { "tmpfs", oci_tmpfs_parse } };
	for (size_t k = 0; k < 3; k++) {
		char *const *list = cli_opt_list(ctx, kinds[k].flag);
		for (size_t i = 0; list && list[i]; i++) {
			struct oci_volume v;
			if (kinds[k].parse(list[i], &v, err) < 0)
				return -1;
			if (eng_vol_resolve(s, &v, err) < 0) {
				oci_volume_clear(&v);
				return -1;
			}
			push_mount(a, &v);
		}
	}
	/* --device: rootless, the host node is bind-mounted. */
	char *const *devs = cli_opt_list(ctx, "device");
	for (size_t i = 0; devs && devs[i]; i++) {
		autofree char *spec = xstrdup(devs[i]);
		char *dst = strchr(spec, ':');
		if (dst != NULL)
			*dst++ = '\0';
		if (spec[0] != '/' || !fs_exists(spec))
			return err_set(err, ENOENT, ERR_TOOL, "--device %s: no such device",
				       devs[i]);
		struct oci_volume v = { .kind = OCI_MOUNT_BIND, .src = xstrdup(spec) };
		v.dst = xstrdup(dst && *dst == '/' ? strsep(&dst, ":") : spec);
		push_mount(a, &v);
	}
	char *const *ul = cli_opt_list(ctx, "ulimit");
	for (size_t i = 0; ul && ul[i]; i++) {
		a->ulimits = xrealloc(a->ulimits, (a->n_ulimits + 1) * sizeof(*a->ulimits));
		if (oci_ulimit_parse(ul[i], &a->ulimits[a->n_ulimits], err) < 0)
			return -1;
		a->n_ulimits++;
	}
	a->co.gen.mounts = a->mounts;
	a->co.gen.n_mounts = a->n_mounts;
	a->co.gen.ulimits = a->ulimits;
	a->co.gen.n_ulimits = a->n_ulimits;
	return 0;
}

static int parse_security(struct cli_ctx *ctx, struct run_args *a, struct error **err)
{
	char *const *sec = cli_opt_list(ctx, "security-opt");
	for (size_t i = 0; sec && sec[i]; i++) {
		const char *o = sec[i];
		if (strncmp(o, "seccomp=", 8) == 0)
			a->co.gen.seccomp = o + 8;
		else if (strcmp(o, "no-new-privileges") == 0 ||
			 strcmp(o, "no-new-privileges=true") == 0)
			a->co.gen.no_new_privileges = true;
		else if (strncmp(o, "label=", 6) == 0 || strncmp(o, "apparmor=", 9) == 0)
			log_warn("--security-opt %s ignored: this host has no SELinux or AppArmor "
				 "confinement for rootless containers",
				 o);
		else
			return err_set(err, EINVAL, ERR_USAGE, "invalid --security-opt \"%s\"", o);
	}
	return 0;
}

/* --memory, --cpus, --pids-limit need delegated cgroup v2 controllers: warn once. */
static void check_limits(struct cli_ctx *ctx)
{
	static const char *const flags[] = { "memory", "cpus", "pids-limit", NULL };
	for (size_t i = 0; flags[i]; i++) {
		if (!cli_opt_is_set(ctx, flags[i]))
			continue;
		struct oci_cgroup_info cg;
		oci_cgroup_probe(&cg);
		if (cg.delegated == NULL)
			log_warn("resource limits (--%s) are not applied: %s", flags[i],
				 cg.reason ? cg.reason : "no delegated cgroup v2 controllers");
		oci_cgroup_info_clear(&cg);
		return;
	}
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end = NULL;
	double v = strtod(s, &end);
	/* strtod also takes "nan", "inf" and 1e300, which no uint64_t holds. */
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	uint64_t mult = 1;
	switch (*end) {
	case 'k':
	case 'K':
		mult = 1024;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1024 * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1024ULL * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || v * (double)mult >= 0x1p63)
		return -1;
	*out = (uint64_t)(v * (double)mult);
	return 0;
}

/* The N of on-failure:N: digits, up to INT_MAX (atoi took "abc" as 0 and overflowed). */
static bool retry_count(const char *s)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0 && n <= INT_MAX;
}

static int parse_policy(struct cli_ctx *ctx, struct run_args *a, struct error **err)
{
	const char *restart = cli_opt_str(ctx, "restart");
	if (restart != NULL) {
		bool ok = strcmp(restart, "no") == 0 || strcmp(restart, "always") == 0 ||
			  strcmp(restart, "unless-stopped") == 0 ||
			  strcmp(restart, "on-failure") == 0 ||
			  (strncmp(restart, "on-failure:", 11) == 0 && retry_count(restart + 11));
		if (!ok)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --restart \"%s\": use no, always or on-failure[:N]",
				       restart);
		if (cli_opt_bool(ctx, "rm") && strcmp(restart, "no") != 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "the --rm option conflicts with --restart");
		a->co.restart = strcmp(restart, "unless-stopped") == 0 ? "always" : restart;
	}
	const char *sig = cli_opt_str(ctx, "stop-signal");
	if (sig == NULL)
		sig = a->icfg.stop_signal;
	int n;
	if (sig != NULL && oci_parse_signal(sig, &n, err) < 0)
		return -1;
	a->co.stop_signal = sig;
	a->co.stop_timeout = cli_opt_int(ctx, "stop-timeout");
	if (a->co.stop_timeout < 0)
		return err_set(
		    err, EINVAL, ERR_USAGE,
		    "invalid argument \"%ld\" for \"--stop-timeout\" flag: want seconds, 0 "
		    "or more",
		    a->co.stop_timeout);
	const char *driver = cli_opt_str(ctx, "log-driver");
	enum oci_log_driver d;
	if (oci_log_driver_parse(driver, &d, err) < 0)
		return -1;
	a->co.log_driver = driver;
	char *const *lo = cli_opt_list(ctx, "log-opt");
	for (size_t i = 0; lo && lo[i]; i++) {
		if (strncmp(lo[i], "max-size=", 9) != 0 ||
		    parse_size(lo[i] + 9, &a->co.log_max_size) < 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --log-opt \"%s\": hutch knows max-size=SIZE",
				       lo[i]);
	}
	const char *userns = cli_opt_str(ctx, "userns");
	if (userns != NULL && strcmp(userns, "keep-id") != 0 && strcmp(userns, "") != 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --userns \"%s\": rootless hutch supports keep-id", userns);
	a->co.userns = userns;
	if (userns != NULL && strcmp(userns, "keep-id") == 0) {
		if (userns_keepid_map(&a->keepid, err) < 0)
			return -1;
		a->co.gen.user_namespace = true;
		a->co.gen.map = &a->keepid;
		/* As podman: the process runs as the user unless -u says otherwise. */
		if (cli_opt_str(ctx, "user") == NULL) {
			a->co.gen.uid = getuid();
			a->co.gen.gid = getgid();
		}
	}
	const char *net = cli_opt_str(ctx, "network");
	struct net_mode mode;
	if (net_parse_mode(net, &mode, err) < 0)
		return -1;
	a->co.network = net ? net : "slirp4netns";
	bool host = mode.kind == NET_MODE_HOST;
	if (mode.kind == NET_MODE_NS)
		a->co.gen.netns_path = keep(a, xstrdup(mode.target));
	/* container:NAME is resolved to the target's ID by parse_join. */
	net_mode_clear(&mode);
	if (host && (a->co.n_ports > 0))
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot publish ports with --network host: they are the host's");
	a->co.gen.host_network = host;
	return 0;
}

/* -p and -P: parsed, free host ports picked now and kept in the record. */
static int parse_ports(struct cli_ctx *ctx, struct run_args *a, struct error **err)
{
	char *const *pub = cli_opt_list(ctx, "publish");
	for (size_t i = 0; pub && pub[i]; i++) {
		a->ports = xrealloc(a->ports, (a->n_ports + 1) * sizeof(*a->ports));
		if (net_parse_publish(pub[i], &a->ports[a->n_ports], err) < 0)
			return -1;
		a->n_ports++;
	}
	if (cli_opt_bool(ctx, "publish-all") &&
	    net_expose_all(a->icfg.exposed_ports, &a->ports, &a->n_ports, err) < 0)
		return -1;
	if (net_ports_assign(a->ports, a->n_ports, err) < 0)
		return -1;
	a->co.ports = a->ports;
	a->co.n_ports = a->n_ports;
	return 0;
}

/* --group-add: numeric group ids, in range (a larger one would wrap, to 0 at 2^32). */
static int parse_groups(struct cli_ctx *ctx, struct run_args *a, struct error **err)
{
	char *const *ga = cli_opt_list(ctx, "group-add");
	for (size_t i = 0; ga && ga[i]; i++) {
		uint32_t g;
		int rc = oci_id_parse(ga[i], &g);
		if (rc < 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "--group-add %s: give a numeric group id", ga[i]);
		if (rc > 0)
			return err_set(
			    err, ERANGE, ERR_TOOL,
			    "--group-add %s: uids and gids must be in range 0-2147483647", ga[i]);
		if (a->n_groups >= NGROUPS_MAX)
			return err_set(err, E2BIG, ERR_USAGE, "more than %d supplementary groups",
				       NGROUPS_MAX);
		a->groups = xrealloc(a->groups, (a->n_groups + 1) * sizeof(gid_t));
		a->groups[a->n_groups++] = (gid_t)g;
	}
	a->co.gen.additional_gids = a->groups;
	a->co.gen.n_additional_gids = a->n_groups;
	return 0;
}

/* The target's ID for --network container:NAME|ID (which must exist now, as in podman). */
static int join_container(struct storage *s, struct run_args *a, const char *target,
			  struct error **err)
{
	struct eng_ctr *t = NULL;
	if (eng_ctr_lookup(s, target, &t, err) < 0)
		return err_wrap(err, "--network container:%s", target);
	struct json_object *host = json_object_object_get(t->doc, "HostConfig");
	const char *tmode = json_object_get_string(json_object_object_get(host, "NetworkMode"));
	const char *tuserns = json_object_get_string(json_object_object_get(host, "UsernsMode"));
	int rc = 0;
	/* The host's namespace, or one a nested user namespace owns: not ours to join. */
	if (tmode != NULL && strcmp(tmode, "host") == 0)
		rc = err_set(err, EINVAL, ERR_USAGE,
			     "container %s uses the host's network: use --network host", t->name);
	else if (tuserns != NULL && strcmp(tuserns, "keep-id") == 0)
		rc = err_set(err, EINVAL, ERR_USAGE,
			     "container %s runs with --userns keep-id: its network namespace "
			     "cannot be shared",
			     t->name);
	else
		a->co.network = keep(a, xasprintf("container:%s", t->id));
	eng_ctr_free(&t);
	return rc;
}

/* --pod and --network container: share namespaces of another container, in its user
 * namespace: ports, the hostname (pods) and keep-id are the target's business. */
static int parse_join(struct cli_ctx *ctx, struct storage *s, struct run_args *a,
		      struct error **err)
{
	const char *podname = cli_opt_str(ctx, "pod");
	const char *net = a->co.network;
	bool to_ctr = strncmp(net, "container:", 10) == 0;
	if (podname == NULL && !to_ctr)
		return 0;
	if (a->co.userns != NULL && *a->co.userns)
		return err_set(err, EINVAL, ERR_USAGE, "--userns %s cannot be combined with %s",
			       a->co.userns, podname ? "--pod" : "--network container:");
	if (podname == NULL) {
		if (a->co.n_ports > 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "cannot publish ports with --network container: publish "
				       "them on the container whose network is shared");
		return join_container(s, a, net + 10, err);
	}
	if (a->co.n_ports > 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot publish ports on a container in a pod: publish them on the "
			       "pod (hutch pod create -p)");
	if (cli_opt_is_set(ctx, "network"))
		return err_set(err, EINVAL, ERR_USAGE,
			       "--network cannot be set on a container in a pod: it shares the "
			       "pod's network (set it with hutch pod create --network)");
	if (cli_opt_is_set(ctx, "hostname"))
		return err_set(err, EINVAL, ERR_USAGE,
			       "--hostname cannot be set on a container in a pod: it shares the "
			       "pod's hostname (hutch pod create --hostname)");
	struct eng_pod *p = NULL;
	if (eng_pod_lookup(s, podname, &p, err) < 0)
		return -1;
	a->co.pod = keep(a, xstrdup(p->id));
	a->co.network = keep(a, xasprintf("container:%s", p->infra_id));
	const char *hn = json_object_get_string(json_object_object_get(p->doc, "Hostname"));
	a->co.gen.hostname = keep(a, xstrdup(hn && *hn ? hn : p->name));
	eng_pod_free(&p);
	return 0;
}

static int parse_run(struct cli_ctx *ctx, struct storage *s, struct run_args *a, bool run,
		     struct error **err)
{
	struct eng_ctr_create_opts *co = &a->co;
	struct oci_gen_opts *g = &co->gen;
	if (find_image(ctx, s, ctx->argv[0], &a->image, err) < 0 ||
	    storage_image_config_get(a->image, &a->icfg, err) < 0)
		return -1;
	a->img = (struct oci_image_config){ .entrypoint = a->icfg.entrypoint,
					    .cmd = a->icfg.cmd,
					    .env = a->icfg.env,
					    .workdir = a->icfg.workdir,
					    .user = a->icfg.user,
					    .exposed_ports = a->icfg.exposed_ports,
					    .stop_signal = a->icfg.stop_signal };
	co->image = a->image;
	co->image_name = ctx->argv[0];
	co->name = cli_opt_str(ctx, "name");
	g->image = &a->img;
	g->args = ctx->argc > 1 ? ctx->argv + 1 : NULL;
	const char *ep = cli_opt_str(ctx, "entrypoint");
	if (ep != NULL) {
		if (parse_entrypoint(ep, &a->entrypoint, err) < 0)
			return -1;
		g->entrypoint = a->entrypoint;
		g->has_entrypoint = true;
	}
	g->env = (char **)cli_opt_list(ctx, "env");
	g->env_files = (char **)cli_opt_list(ctx, "env-file");
	for (size_t i = 0; g->env_files && g->env_files[i]; i++)
		if (!fs_exists(g->env_files[i]))
			return err_set(err, ENOENT, ERR_TOOL, "--env-file %s: no such file",
				       g->env_files[i]);
	g->workdir = cli_opt_str(ctx, "workdir");
	co->user = cli_opt_str(ctx, "user") ?: a->icfg.user;
	if (resolve_user(s, a, co->user, err) < 0)
		return -1;
	g->hostname = cli_opt_str(ctx, "hostname");
	g->tty = cli_opt_bool(ctx, "tty");
	co->interactive = cli_opt_bool(ctx, "interactive");
	g->read_only = cli_opt_bool(ctx, "read-only");
	g->privileged = cli_opt_bool(ctx, "privileged");
	g->cap_add = (char **)cli_opt_list(ctx, "cap-add");
	g->cap_drop = (char **)cli_opt_list(ctx, "cap-drop");
	g->annotations = (char **)cli_opt_list(ctx, "annotation");
	g->sysctls = (char **)cli_opt_list(ctx, "sysctl");
	co->labels = (char **)cli_opt_list(ctx, "label");
	co->rm = cli_opt_bool(ctx, "rm");
	co->replace = cli_opt_bool(ctx, "replace");
	if (parse_ports(ctx, a, err) < 0)
		return -1;
	co->dns = (char **)cli_opt_list(ctx, "dns");
	co->dns_search = (char **)cli_opt_list(ctx, "dns-search");
	co->dns_options = (char **)cli_opt_list(ctx, "dns-option");
	co->add_hosts = (char **)cli_opt_list(ctx, "add-host");
	if (cli_opt_bool(ctx, "init")) {
		a->init_path = eng_ctr_helper_path("hutch-init");
		if (a->init_path == NULL)
			return err_msg(err, "--init: hutch-init not found beside hutch");
		g->init_path = a->init_path;
	}
	(void)run;
	check_limits(ctx);
	if (parse_mounts(ctx, s, a, err) < 0 || parse_security(ctx, a, err) < 0 ||
	    parse_policy(ctx, a, err) < 0 || parse_groups(ctx, a, err) < 0 ||
	    parse_join(ctx, s, a, err) < 0)
		return -1;
	return 0;
}

static int write_cidfile(struct cli_ctx *ctx, const char *id, struct error **err)
{
	const char *path = cli_opt_str(ctx, "cidfile");
	if (path == NULL)
		return 0;
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys(err, "--cidfile %s", path);
	if (fs_write_all(fd, id, strlen(id)) < 0)
		return err_sys(err, "--cidfile %s", path);
	return 0;
}

static int create_common(struct cli_ctx *ctx, struct storage *s, bool run, struct eng_ctr **c,
			 struct error **err)
{
	struct run_args a = { 0 };
	int rc = parse_run(ctx, s, &a, run, err);
	if (rc == 0)
		rc = eng_ctr_create(s, &a.co, c, err);
	if (rc == 0)
		rc = write_cidfile(ctx, (*c)->id, err);
	run_args_clear(&a);
	return rc;
}

int cmd_create(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	autoctr struct eng_ctr *c = NULL;
	if (cli_open_store(ctx, &s, err) < 0 || create_common(ctx, s, false, &c, err) < 0)
		return -1;
	printf("%s\n", c->id);
	return 0;
}

int cmd_run(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	autoctr struct eng_ctr *c = NULL;
	if (cli_open_store(ctx, &s, err) < 0 || create_common(ctx, s, true, &c, err) < 0)
		return -1;
	bool detach = cli_opt_bool(ctx, "detach");
	struct eng_ctr_start_opts so = { .attach = !detach,
					 .io = cli_stdio(),
					 .stdin_attached = cli_opt_bool(ctx, "interactive"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = cli_opt_bool(ctx, "sig-proxy") };
	bool detached = false;
	if (eng_ctr_start(s, c, &so, &ctx->exit_status, &detached, err) < 0) {
		/* A container that never ran is not kept with --rm, as in podman. */
		struct error *rerr = NULL;
		if (cli_opt_bool(ctx, "rm") && eng_ctr_remove(s, c, true, &rerr) < 0)
			err_free(&rerr);
		return -1;
	}
	if (detach) {
		printf("%s\n", c->id);
		return 0;
	}
	/* Foreground --rm: the monitor unlisted it before it told us the status; this only
	 * covers a monitor that died first. */
	autofree char *dir = eng_ctr_dir(s, c->id);
	if (!detached && cli_opt_bool(ctx, "rm") && fs_exists(dir)) {
		struct error *rerr = NULL;
		autoctr struct eng_ctr *again = NULL;
		if (eng_ctr_lookup(s, c->id, &again, &rerr) == 0)
			eng_ctr_remove(s, again, true, &rerr);
		err_free(&rerr);
	}
	return 0;
}

/* ---------- start, stop, kill, restart, rm, wait ---------- */

/* Apply fn to each named container; the first failure is the error, the rest still run. */
/* Each of names (all: the listing of --all, where a container that is gone since, removed
 * meanwhile by its launcher, its --rm monitor or another command, is not an error). */
static int each(struct cli_ctx *ctx, struct storage *s, char **names, size_t n, bool all,
		int (*fn)(struct cli_ctx *, struct storage *, struct eng_ctr *, struct error **),
		struct error **err)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		autoctr struct eng_ctr *c = NULL;
		struct error *e = NULL;
		if (eng_ctr_lookup(s, names[i], &c, &e) < 0 && all && e->code == ENOENT) {
			err_free(&e);
			continue;
		}
		if (c == NULL || fn(ctx, s, c, &e) < 0) {
			cli_operand_failed(&rc, err, e);
			continue;
		}
		printf("%s\n", names[i]);
	}
	return rc;
}

/* Whether --all was given (only for commands that have it). */
static bool opt_all(struct cli_ctx *ctx)
{
	return cli_opt_is_set(ctx, "all") && cli_opt_bool(ctx, "all");
}

/* The named containers, or with --all every one (running_only: those that run). for_rm:
 * newest first, so containers sharing another's network go before it, and no pod infra
 * (those go with their pod). */
static char **targets(struct cli_ctx *ctx, struct storage *s, bool running_only, bool for_rm,
		      size_t *n, struct error **err)
{
	char **v = NULL;
	if (!opt_all(ctx)) {
		if (ctx->argc == 0) {
			err_set(err, EINVAL, ERR_USAGE, "\"hutch %s\" requires at least 1 argument",
				ctx->path);
			return NULL;
		}
		for (int i = 0; i < ctx->argc; i++)
			strv_push(&v, ctx->argv[i]);
		*n = strv_len(v);
		return v;
	}
	struct eng_ctr **all = NULL;
	size_t na = 0;
	/* The brief records have the state and the pod; each() loads the full ones by ID. */
	if (eng_ctr_list_brief(s, &all, &na, err) < 0)
		return NULL;
	for (size_t k = 0; k < na; k++) {
		struct eng_ctr *c = all[for_rm ? na - 1 - k : k];
		bool infra = false;
		eng_ctr_pod(c, &infra);
		if ((!running_only || c->state.status == ENG_CTR_RUNNING) && !(for_rm && infra))
			strv_push(&v, c->id);
	}
	eng_ctr_list_free(all, na);
	*n = strv_len(v);
	if (v == NULL)
		v = xzalloc(sizeof(char *));
	return v;
}

static int do_start(struct cli_ctx *ctx, struct storage *s, struct eng_ctr *c, struct error **err)
{
	struct eng_ctr_start_opts so = { .attach = cli_opt_bool(ctx, "attach"),
					 .io = cli_stdio(),
					 .stdin_attached = cli_opt_bool(ctx, "interactive"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = true };
	bool detached = false;
	return eng_ctr_start(s, c, &so, &ctx->exit_status, &detached, err);
}

int cmd_start(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	if (cli_opt_bool(ctx, "attach") && ctx->argc > 1)
		return err_set(err, EINVAL, ERR_USAGE,
			       "you cannot start and attach multiple "
			       "containers at once");
	if (cli_opt_bool(ctx, "attach")) {
		autoctr struct eng_ctr *c = NULL;
		if (eng_ctr_lookup(s, ctx->argv[0], &c, err) < 0)
			return -1;
		return do_start(ctx, s, c, err);
	}
	return each(ctx, s, ctx->argv, (size_t)ctx->argc, false, do_start, err);
}

static int do_stop(struct cli_ctx *ctx, struct storage *s, struct eng_ctr *c, struct error **err)
{
	(void)s;
	return eng_ctr_stop(c, cli_opt_is_set(ctx, "time") ? cli_opt_int(ctx, "time") : -1, err);
}

int cmd_stop(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	size_t n = 0;
	autostrv char **v = targets(ctx, s, true, false, &n, err);
	return v == NULL ? -1 : each(ctx, s, v, n, opt_all(ctx), do_stop, err);
}

static int do_kill(struct cli_ctx *ctx, struct storage *s, struct eng_ctr *c, struct error **err)
{
	(void)s;
	int sig;
	if (oci_parse_signal(cli_opt_str(ctx, "signal"), &sig, err) < 0)
		return -1;
	return eng_ctr_kill(c, sig, err);
}

int cmd_kill(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	int sig;
	if (oci_parse_signal(cli_opt_str(ctx, "signal"), &sig, err) < 0) {
		(*err)->kind = ERR_USAGE;
		return -1;
	}
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	size_t n = 0;
	autostrv char **v = targets(ctx, s, true, false, &n, err);
	return v == NULL ? -1 : each(ctx, s, v, n, opt_all(ctx), do_kill, err);
}

static int do_restart(struct cli_ctx *ctx, struct storage *s, struct eng_ctr *c, struct error **err)
{
	if (eng_ctr_stop(c, cli_opt_is_set(ctx, "time") ? cli_opt_int(ctx, "time") : -1, err) < 0)
		return -1;
	struct eng_ctr_start_opts so = { 0 };
	int status;
	bool detached;
	return eng_ctr_start(s, c, &so, &status, &detached, err);
}

int cmd_restart(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	size_t n = 0;
	autostrv char **v = targets(ctx, s, false, false, &n, err);
	return v == NULL ? -1 : each(ctx, s, v, n, opt_all(ctx), do_restart, err);
}

static int do_rm(struct cli_ctx *ctx, struct storage *s, struct eng_ctr *c, struct error **err)
{
	return eng_ctr_remove(s, c, cli_opt_bool(ctx, "force"), err);
}

int cmd_rm(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	size_t n = 0;
	autostrv char **v = targets(ctx, s, false, true, &n, err);
	return v == NULL ? -1 : each(ctx, s, v, n, opt_all(ctx), do_rm, err);
}

int cmd_wait(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	char *const *cond = cli_opt_list(ctx, "condition");
	for (size_t i = 0; cond && cond[i]; i++)
		if (strcmp(cond[i], "stopped") && strcmp(cond[i], "exited"))
			return err_set(
			    err, EINVAL, ERR_USAGE,
			    "invalid --condition \"%s\": hutch waits for stopped or exited",
			    cond[i]);
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		int status = 0;
		if (eng_ctr_lookup(s, ctx->argv[i], &c, err) < 0 ||
		    eng_ctr_wait(c, &status, err) < 0)
			return -1;
		printf("%d\n", status);
	}
	return 0;
}

/* ---------- attach, exec, logs ---------- */

int cmd_attach(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	autoctr struct eng_ctr *c = NULL;
	if (cli_open_store(ctx, &s, err) < 0 || eng_ctr_lookup(s, ctx->argv[0], &c, err) < 0)
		return -1;
	struct eng_ctr_start_opts so = { .attach = true,
					 .io = cli_stdio(),
					 .stdin_attached = !cli_opt_bool(ctx, "no-stdin"),
					 .detach_keys = cli_opt_str(ctx, "detach-keys"),
					 .sig_proxy = cli_opt_bool(ctx, "sig-proxy") };
	bool detached = false;
	return eng_ctr_attach(c, &so, &ctx->exit_status, &detached, err);
}

int cmd_exec(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	autoctr struct eng_ctr *c = NULL;
	if (cli_open_store(ctx, &s, err) < 0 || eng_ctr_lookup(s, ctx->argv[0], &c, err) < 0)
		return -1;
	struct eng_ctr_exec_opts eo = { .args = ctx->argv + 1,
					.env = cli_opt_list(ctx, "env"),
					.user = cli_opt_str(ctx, "user"),
					.workdir = cli_opt_str(ctx, "workdir"),
					.tty = cli_opt_bool(ctx, "tty"),
					.interactive = cli_opt_bool(ctx, "interactive"),
					.detach = cli_opt_bool(ctx, "detach"),
					.io = cli_stdio() };
	return eng_ctr_exec(c, &eo, &ctx->exit_status, err);
}

int cmd_logs(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct oci_logs_opts lo = { .timestamps = cli_opt_bool(ctx, "timestamps"),
				    .tail = cli_opt_int(ctx, "tail"),
				    .follow = cli_opt_bool(ctx, "follow") };
	const char *since = cli_opt_str(ctx, "since"), *until = cli_opt_str(ctx, "until");
	if (since && oci_log_parse_since(since, &now, &lo.since, err) < 0)
		return -1;
	if (until && oci_log_parse_since(until, &now, &lo.until, err) < 0)
		return -1;
	lo.has_since = since != NULL;
	lo.has_until = until != NULL;
	for (int i = 0; i < ctx->argc; i++) {
		autoctr struct eng_ctr *c = NULL;
		if (eng_ctr_lookup(s, ctx->argv[i], &c, err) < 0)
			return -1;
		autofree char *log = eng_ctr_log_path(s, c->id);
		autofree char *run = eng_ctr_run_dir(c->id, err);
		if (run == NULL)
			return -1;
		autofree char *exitf = xasprintf("%s/%s", run, OCI_EXIT_FILE);
		struct oci_logs_opts o = lo;
		/* Follow only what runs; a stopped container's log is complete. */
		o.follow = lo.follow && c->state.status == ENG_CTR_RUNNING;
		o.done_file = exitf;
		fflush(stdout);
		if (oci_logs_print(log, &o, stdout, stderr, err) < 0)
			return -1;
	}
	return 0;
}

/* The monitor's exit command (hidden): runs inside the container's user namespace. */
int cmd_cleanup(struct cli_ctx *ctx, struct error **err)
{
	autostore struct storage *s = NULL;
	if (cli_open_store(ctx, &s, err) < 0)
		return -1;
	return eng_ctr_cleanup(s, ctx->argv[0], err);
}
