/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating containers and pods from requests (engine.h): the rules of `create` and `run`
 * that every front end shares. A request holds values as a user gives them; this file
 * checks them in podman's order, finds or pulls the image, resolves the user, assigns host
 * ports and creates named volumes, and turns the result into the plan record.c writes
 * (struct eng_ctr_create_opts). It is the top of oci/engine: nothing else here calls it.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"
#include "userns/userns.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- a request becomes a plan ---------- */

/* The plan and everything it points into while the container is created. */
struct plan {
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
	char **labels;		     /* the image's, then the user's */
	char **scratch;		     /* strings the options point into */
	struct json_object *netopts; /* co.network_opts */
	/* containers.conf's defaults for what the request leaves out (conf.c) */
	struct ctr_conf_defaults conf;
	int vol_lock; /* volumes.lock, shared, once a named volume is resolved; else -1 */
};

static void plan_clear(struct plan *a)
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
	strv_free(a->labels);
	strv_free(a->scratch);
	ctr_conf_defaults_clear(&a->conf);
	storage_image_config_clear(&a->icfg);
	ctr_health_clear(&a->co.health);
	json_object_put(a->co.secrets);
	userns_map_clear(&a->keepid);
	free(a->ports);
	storage_image_free(&a->image);
	json_object_put(a->netopts);
	if (a->vol_lock >= 0)
		close(a->vol_lock);
}

static const char *keep(struct plan *a, char *s)
{
	strv_push_take(&a->scratch, s);
	return s;
}

/* The pull policy (always|missing|newer|never), then the image record. */
static int find_image(struct eng *eng, const struct eng_ctr_create_req *r,
		      struct storage_image **img, struct error **err)
{
	struct storage *s = eng->store;
	const char *ref = r->image;
	const char *policy = r->pull ? r->pull : "missing";
	if (strcmp(policy, "always") && strcmp(policy, "missing") && strcmp(policy, "never") &&
	    strcmp(policy, "newer"))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --pull \"%s\": use always, missing or never", policy);
	int arc = ctr_image_from_archive(eng, ref, r->progress, img, err);
	if (arc != 0)
		return arc < 0 ? -1 : 0;
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
	struct storage_pull_opts po = { .tls_verify = r->tls_verify_set ? r->tls_verify : -1,
					.progress = r->progress };
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
static int resolve_user(struct eng *eng, struct plan *a, const char *user, struct error **err)
{
	struct storage *s = eng->store;
	autostrv char **layers = storage_image_layer_dirs(s, a->image);
	return oci_user_resolve(layers, user, &a->co.gen.uid, &a->co.gen.gid, &a->groups,
				&a->n_groups, err);
}

/*
 * HOME, as podman: the user's entry in the image's /etc/passwd; for a uid the image does
 * not know (-u 100, keep-id), the working directory, which podman gives the passwd entry
 * it adds for that uid.
 */
static void plan_home(struct eng *eng, struct plan *a)
{
	struct oci_gen_opts *g = &a->co.gen;
	autostrv char **layers = storage_image_layer_dirs(eng->store, a->image);
	char *home = oci_user_home(layers, g->uid);
	/* keep-id: the user's own home when a volume brings it, as podman's */
	struct passwd *pw = home == NULL && a->co.userns && strcmp(a->co.userns, "keep-id") == 0
				? getpwuid(getuid())
				: NULL;
	for (size_t i = 0; pw && pw->pw_dir && home == NULL && i < a->n_mounts; i++)
		if (strcmp(a->mounts[i].dst, pw->pw_dir) == 0)
			home = xstrdup(pw->pw_dir);
	if (home == NULL)
		home = xstrdup(g->workdir			     ? g->workdir
			       : a->icfg.workdir && *a->icfg.workdir ? a->icfg.workdir
								     : "/");
	g->home = keep(a, home);
}

static void push_mount(struct plan *a, struct oci_volume *v)
{
	a->mounts = xrealloc(a->mounts, (a->n_mounts + 1) * sizeof(*a->mounts));
	a->mounts[a->n_mounts++] = *v;
}

static bool same_str(const char *x, const char *y)
{
	return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Two mounts on one destination: the very same one given twice is dropped, different ones
 * are podman's "duplicate mount destination" error. */
static int dedup_mounts(struct plan *a, struct error **err)
{
	for (size_t j = 1; j < a->n_mounts; j++) {
		struct oci_volume *y = &a->mounts[j];
		for (size_t i = 0; i < j; i++) {
			const struct oci_volume *x = &a->mounts[i];
			if (strcmp(x->dst, y->dst) != 0)
				continue;
			if (x->kind != y->kind || !same_str(x->src, y->src) || x->ro != y->ro ||
			    !same_str(x->options, y->options) || x->chown != y->chown)
				return err_set(err, EINVAL, ERR_TOOL,
					       "%s: duplicate mount destination", y->dst);
			oci_volume_clear(y);
			memmove(y, y + 1, (a->n_mounts - j - 1) * sizeof(*y));
			a->n_mounts--;
			j--;
			break;
		}
	}
	return 0;
}

/* Volumes, mounts and tmpfs (named volumes created now), devices and ulimits. */
static int parse_mounts(const struct eng_ctr_create_req *r, struct eng *eng, struct plan *a,
			struct error **err)
{
	const struct {
		char *const *list;
		int (*parse)(const char *, struct oci_volume *, struct error **);
	} kinds[] = { { r->volumes, oci_volume_parse },
		      { r->mounts, oci_mount_parse },
		      { r->tmpfs, oci_tmpfs_parse } };
	for (size_t k = 0; k < 3; k++) {
		char *const *list = kinds[k].list;
		for (size_t i = 0; list && list[i]; i++) {
			struct oci_volume v;
			if (kinds[k].parse(list[i], &v, err) < 0)
				return -1;
			push_mount(a, &v);
		}
	}
	if (dedup_mounts(a, err) < 0)
		return -1;
	for (size_t i = 0; i < a->n_mounts; i++) {
		/* Held until the record names the volume: prune must not take it. */
		if (a->mounts[i].kind == OCI_MOUNT_VOLUME && a->vol_lock < 0 &&
		    (a->vol_lock = ctr_vol_lock(eng, false, err)) < 0)
			return -1;
		if (eng_vol_resolve(eng, &a->mounts[i], err) < 0)
			return -1;
	}
	/* --device: rootless, the host node is bind-mounted. */
	char *const *devs = r->devices;
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
	/* --tz: the host's zone file as /etc/localtime, read-only (local: the host's own). */
	if (r->tz != NULL) {
		char *src = strcmp(r->tz, "local") == 0 ? realpath("/etc/localtime", NULL)
			    : r->tz[0] != '/' && strstr(r->tz, "..") == NULL
				? xasprintf("/usr/share/zoneinfo/%s", r->tz)
				: NULL;
		struct stat st;
		if (src == NULL || stat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(src);
			return err_set(
			    err, ENOENT, ERR_TOOL,
			    "running container create option: --tz %s: no such time zone "
			    "in /usr/share/zoneinfo",
			    r->tz);
		}
		push_mount(a, &(struct oci_volume){ .kind = OCI_MOUNT_BIND,
						    .src = src,
						    .dst = xstrdup("/etc/localtime"),
						    .ro = true });
	}
	char *const *ul = r->ulimits;
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

/* After "no-new-privileges": nothing, =BOOL or :BOOL (podman takes both); -1 otherwise. */
static int nnp_value(const char *s)
{
	if (*s == '\0')
		return 1;
	if (*s != '=' && *s != ':')
		return -1;
	return strcmp(s + 1, "true") == 0 ? 1 : strcmp(s + 1, "false") == 0 ? 0 : -1;
}

static int parse_security(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	char *const *sec = r->security_opts;
	for (size_t i = 0; sec && sec[i]; i++) {
		const char *o = sec[i];
		if (strncmp(o, "seccomp=", 8) == 0)
			a->co.gen.seccomp = o + 8;
		else if (strncmp(o, "no-new-privileges", 17) == 0 && nnp_value(o + 17) >= 0)
			a->co.gen.no_new_privileges = nnp_value(o + 17) == 1;
		else if (strncmp(o, "label=", 6) == 0 || strncmp(o, "apparmor=", 9) == 0)
			log_warn("--security-opt %s ignored: this host has no SELinux or AppArmor "
				 "confinement for rootless containers",
				 o);
		else
			return err_set(err, EINVAL, ERR_USAGE, "invalid --security-opt \"%s\"", o);
	}
	return 0;
}

/* --memory, --cpus, --pids-limit need delegated cgroup v2 controllers: warn once (--memory=0,
 * "no limit", too, as podman). */
static void check_limits(const struct eng_ctr_create_req *r)
{
	if (r->kernel_memory != NULL)
		log_warn("The --kernel-memory flag is no longer supported. This flag is a noop.");
	const struct {
		const char *flag, *value;
	} limits[] = { { "memory", r->memory },
		       { "cpus", r->cpus },
		       { "pids-limit", r->pids_limit } };
	for (size_t i = 0; i < 3; i++) {
		if (limits[i].value == NULL)
			continue;
		struct oci_cgroup_info cg;
		oci_cgroup_probe(&cg);
		/* cgroup v1 (also beside a v2 hierarchy: podman's "hybrid" is v1) has nothing to
		 * delegate to a user: podman's bare words for that very cause. */
		if (cg.delegated == NULL && getuid() != 0 && (cg.version == 1 || cg.hybrid))
			log_notice("Resource limits are not supported and ignored on cgroups V1 "
				   "rootless systems");
		else if (cg.delegated == NULL)
			log_warn("resource limits (--%s) are not applied: %s", limits[i].flag,
				 cg.reason ? cg.reason : "no delegated cgroup v2 controllers");
		oci_cgroup_info_clear(&cg);
		return;
	}
}

/* containers.conf's defaults where the request leaves a value out. */
static int apply_conf(struct eng *eng, const struct eng_ctr_create_req *r, struct plan *a,
		      struct error **err)
{
	struct ctr_conf_defaults *d = &a->conf;
	if (ctr_conf_defaults(eng, r->network, r->pod != NULL, d, err) < 0)
		return -1;
	if (r->log_driver != NULL)
		d->log_driver = NULL;
	if (d->log_max_size > 0)
		a->co.log_max_size = d->log_max_size; /* --log-opt max-size overrides it */
	a->co.gen.default_caps = d->caps;
	a->co.gen.default_env = d->env;
	return 0;
}

/* --log-opt max-size: decimal units (1k = 1000), as podman's units.FromHumanSize. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end = NULL;
	double v = strtod(s, &end);
	/* strtod also takes "nan", "inf" and 1e300, which no uint64_t holds. */
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	uint64_t mult = 1;
	const char *units = "kmgtp";
	const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
	if (u != NULL) {
		for (const char *q = units; q <= u; q++)
			mult *= 1000;
		end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || v * (double)mult >= 0x1p63)
		return -1;
	*out = (uint64_t)(v * (double)mult + 0.5);
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

/* --restart, --stop-signal, --stop-timeout: the life-cycle policy. */
static int parse_lifecycle(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	const char *restart = r->restart;
	if (restart != NULL) {
		bool ok = strcmp(restart, "no") == 0 || strcmp(restart, "always") == 0 ||
			  strcmp(restart, "unless-stopped") == 0 ||
			  strcmp(restart, "on-failure") == 0 ||
			  (strncmp(restart, "on-failure:", 11) == 0 && retry_count(restart + 11));
		if (!ok)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --restart \"%s\": use no, always or on-failure[:N]",
				       restart);
		if (r->rm && strcmp(restart, "no") != 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "the --rm option conflicts with --restart");
		a->co.restart = strcmp(restart, "unless-stopped") == 0 ? "always" : restart;
	}
	const char *sig = r->stop_signal;
	if (sig == NULL)
		sig = a->icfg.stop_signal;
	int n;
	if (sig != NULL && eng_signal_parse(sig, &n, err) < 0)
		return -1;
	a->co.stop_signal = sig;
	a->co.stop_timeout = r->stop_timeout_set ? r->stop_timeout : 10;
	if (a->co.stop_timeout < 0)
		return err_set(
		    err, EINVAL, ERR_USAGE,
		    "invalid argument \"%ld\" for \"--stop-timeout\" flag: want seconds, 0 "
		    "or more",
		    a->co.stop_timeout);
	return 0;
}

/* --health-* and --sdnotify. */
static int parse_health(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	if (ctr_health_plan(r, a->image, &a->co.health, err) < 0)
		return -1;
	const char *sd = r->sdnotify;
	if (sd != NULL && strcmp(sd, "container") != 0 && strcmp(sd, "conmon") != 0 &&
	    strcmp(sd, "healthy") != 0 && strcmp(sd, "ignore") != 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "--sdnotify values must be one of \"container\", \"conmon\", "
			       "\"healthy\" or \"ignore\"");
	if (sd != NULL && strcmp(sd, "healthy") == 0 && a->co.health.test == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "--sdnotify=healthy needs a healthcheck (--health-cmd or the "
			       "image's)");
	a->co.sdnotify = sd;
	return 0;
}

/* --cgroups, as podman's words. hutch's monitor never gets a cgroup of its own, which is
 * what podman's no-conmon and split ask for it; disabled keeps the container out of one too
 * (its limits, which need one, then cannot apply: check_limits says so). */
static int parse_cgroups(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	static const char *const modes[] = { "enabled", "disabled", "no-conmon", "split", NULL };
	if (r->cgroups == NULL)
		return 0;
	if (!strv_contains((char *const *)modes, r->cgroups))
		return err_set(err, EINVAL, ERR_TOOL,
			       "running container create option: invalid cgroup mode \"%s\": "
			       "invalid argument",
			       r->cgroups);
	a->co.cgroups = r->cgroups;
	return 0;
}

/* One network's options, {Aliases, IPAddress, MacAddress}, in a->netopts (made on first use). */
static struct json_object *net_opts_of(struct plan *a, const char *name)
{
	if (a->netopts == NULL)
		a->netopts = json_object_new_object();
	struct json_object *o = json_get(a->netopts, name);
	if (o == NULL) {
		o = json_object_new_object();
		json_object_object_add(a->netopts, name, o);
	}
	return o;
}

/* Is name one of --network's modes rather than a user-defined network? */
static bool is_mode_word(const char *name, size_t len)
{
	static const char *const modes[] = { "slirp4netns", "pasta",   "container", "ns", "none",
					     "host",	    "private", "bridge",    NULL };
	for (size_t i = 0; modes[i]; i++)
		if (strlen(modes[i]) == len && strncmp(modes[i], name, len) == 0)
			return true;
	return false;
}

/*
 * podman's per-network options, --network NAME:ip=A,mac=M,alias=N, and --ip/--mac-address
 * (for the one network given) into a->netopts; *net is then the network's name alone.
 */
static int parse_net_opts(const struct eng_ctr_create_req *r, struct plan *a, const char **net,
			  struct error **err)
{
	const char *colon = *net ? strchr(*net, ':') : NULL;
	if (colon != NULL && !is_mode_word(*net, (size_t)(colon - *net))) {
		const char *name = keep(a, xstrndup(*net, (size_t)(colon - *net)));
		autofree char *copy = xstrdup(colon + 1);
		struct json_object *o = net_opts_of(a, name);
		char *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (eq == NULL)
				return err_set(err, EINVAL, ERR_TOOL,
					       "invalid option for network %s: %s", name, kv);
			*eq++ = '\0';
			if (strcmp(kv, "alias") == 0) {
				struct json_object *al = json_get(o, "Aliases");
				if (al == NULL) {
					al = json_object_new_array();
					json_object_object_add(o, "Aliases", al);
				}
				json_object_array_add(al, json_object_new_string(eq));
			} else if (strcmp(kv, "ip") == 0 || strcmp(kv, "mac") == 0) {
				bool ip = strcmp(kv, "ip") == 0;
				if (ctr_net_opts_check(ip ? eq : NULL, ip ? NULL : eq, err) < 0)
					return -1;
				json_object_object_add(o, ip ? "IPAddress" : "MacAddress",
						       json_object_new_string(eq));
			} else {
				return err_set(err, EINVAL, ERR_TOOL,
					       "unknown bridge network option: %s", kv);
			}
		}
		*net = name;
	}
	if ((r->ip == NULL || !*r->ip) && (r->mac == NULL || !*r->mac))
		return 0;
	if (ctr_net_opts_check(r->ip, r->mac, err) < 0)
		return -1;
	if (*net == NULL || strchr(*net, ',') != NULL || strchr(*net, ':') != NULL ||
	    is_mode_word(*net, strlen(*net))) {
		if (*net != NULL && strchr(*net, ',') != NULL)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s can only be set for a single network: invalid argument",
				       r->ip && *r->ip ? "--ip" : "--mac-address");
		return err_set(err, EINVAL, ERR_TOOL,
			       "invalid config provided: networks and static ip/mac address can "
			       "only be used with Bridge mode networking");
	}
	struct json_object *o = net_opts_of(a, *net);
	if (r->ip != NULL && *r->ip)
		json_object_object_add(o, "IPAddress", json_object_new_string(r->ip));
	if (r->mac != NULL && *r->mac)
		json_object_object_add(o, "MacAddress", json_object_new_string(r->mac));
	return 0;
}

static int parse_policy(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	if (parse_lifecycle(r, a, err) < 0 || parse_health(r, a, err) < 0)
		return -1;
	const char *driver = r->log_driver	  ? r->log_driver
			     : a->conf.log_driver ? a->conf.log_driver
						  : "k8s-file";
	enum oci_log_driver d;
	if (oci_log_driver_parse(driver, &d, err) < 0)
		return -1;
	a->co.log_driver = driver;
	char *const *lo = r->log_opts;
	for (size_t i = 0; lo && lo[i]; i++) {
		if (strncmp(lo[i], "max-size=", 9) != 0 ||
		    parse_size(lo[i] + 9, &a->co.log_max_size) < 0)
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --log-opt \"%s\": hutch knows max-size=SIZE",
				       lo[i]);
	}
	const char *userns = r->userns;
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
		if (r->user == NULL) {
			a->co.gen.uid = getuid();
			a->co.gen.gid = getgid();
		}
	}
	const char *net = r->network ? r->network : a->conf.network;
	if (parse_net_opts(r, a, &net, err) < 0)
		return -1;
	a->co.network_opts = a->netopts;
	struct net_mode mode;
	if (net_parse_mode(net, &mode, err) < 0)
		return -1;
	if (a->netopts != NULL && mode.kind != NET_MODE_NETWORKS) {
		net_mode_clear(&mode);
		return err_set(err, EINVAL, ERR_TOOL,
			       "invalid config provided: networks and static ip/mac address can "
			       "only be used with Bridge mode networking");
	}
	a->co.network = net ? net : "slirp4netns";
	bool host = mode.kind == NET_MODE_HOST, none = mode.kind == NET_MODE_NONE;
	if (mode.kind == NET_MODE_NS)
		a->co.gen.netns_path = keep(a, xstrdup(mode.target));
	/* container:NAME is resolved to the target's ID by parse_join. */
	net_mode_clear(&mode);
	/* podman drops them with these words, and runs the container */
	if ((host || none) && a->co.n_ports > 0) {
		log_notice("Port mappings have been discarded as one of the Host, Container, Pod, "
			   "and None network modes are in use");
		a->co.n_ports = 0;
	}
	a->co.gen.host_network = host;
	return 0;
}

/* -p: parsed, free host ports picked now and kept in the record (with -P, every port
 * exposed, from the image config exposed). */
static int parse_ports(char *const *pub, bool all, char *const *exposed, struct net_port **ports,
		       size_t *n, struct error **err)
{
	for (size_t i = 0; pub && pub[i]; i++) {
		*ports = xrealloc(*ports, (*n + 1) * sizeof(**ports));
		if (net_parse_publish(pub[i], &(*ports)[*n], err) < 0)
			return -1;
		(*n)++;
	}
	if (all && net_expose_all(exposed, ports, n, err) < 0)
		return -1;
	return net_ports_assign(*ports, *n, err);
}

/* --group-add: numeric group ids, in range (a larger one would wrap, to 0 at 2^32). */
static int parse_groups(const struct eng_ctr_create_req *r, struct plan *a, struct error **err)
{
	char *const *ga = r->group_add;
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
static int join_container(struct eng *eng, struct plan *a, const char *target, struct error **err)
{
	struct eng_ctr *t = NULL;
	if (eng_ctr_lookup(eng, target, &t, err) < 0)
		return err_wrap(err, "--network container:%s", target);
	const char *tmode = t->network;
	const char *tuserns = t->userns;
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
static int parse_join(const struct eng_ctr_create_req *r, struct eng *eng, struct plan *a,
		      struct error **err)
{
	const char *podname = r->pod;
	const char *net = a->co.network;
	bool to_ctr = strncmp(net, "container:", 10) == 0;
	struct net_mode m;
	if (podname == NULL && !to_ctr && net_parse_mode(net, &m, NULL) == 0) {
		/* User-defined networks: each must exist (podman's message when one does not). */
		bool networks = m.kind == NET_MODE_NETWORKS;
		net_mode_clear(&m);
		if (networks)
			return ctr_net_check(eng, net, err);
	}
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
		return join_container(eng, a, net + 10, err);
	}
	bool is_new = strncmp(podname, "new:", 4) == 0;
	if (a->co.n_ports > 0 && !is_new)
		return err_set(err, EINVAL, ERR_USAGE,
			       "cannot publish ports on a container in a pod: publish them on the "
			       "pod (hutch pod create -p)");
	if (r->network_set && !is_new)
		return err_set(err, EINVAL, ERR_USAGE,
			       "--network cannot be set on a container in a pod: it shares the "
			       "pod's network (set it with hutch pod create --network)");
	struct eng_pod *p = NULL;
	if (is_new) {
		/* --pod new:NAME makes the pod, which takes the container's ports, network and
		 * hostname, as podman's does. */
		struct eng_pod_create_req pr = { .name = podname + 4,
						 .hostname = r->hostname_set ? r->hostname : NULL,
						 .network = r->network_set ? r->network : NULL,
						 .publish = r->publish };
		if (eng_pod_create(eng, &pr, &p, err) < 0)
			return -1;
		a->co.n_ports = 0;
	} else if (eng_pod_lookup(eng, podname, &p, err) < 0) {
		return -1;
	}
	if (*p->infra_id == '\0') {
		/* A pod without an infra: the container is only listed as its member. */
		a->co.pod = keep(a, xstrdup(p->id));
		eng_pod_free(&p);
		return 0;
	}
	bool uts = eng_pod_shares(p, "uts");
	if (r->hostname_set && uts && !is_new) {
		eng_pod_free(&p);
		return err_set(err, EINVAL, ERR_TOOL,
			       "invalid config provided: cannot set hostname when joining the pod "
			       "UTS namespace: invalid configuration");
	}
	a->co.pod = keep(a, xstrdup(p->id));
	a->co.network = keep(a, xasprintf("container:%s", p->infra_id));
	const char *hn = json_object_get_string(json_object_object_get(p->doc, "Hostname"));
	if (uts)
		a->co.gen.hostname = keep(a, xstrdup(hn && *hn ? hn : p->name));
	eng_pod_free(&p);
	return 0;
}

/*
 * The image's name as podman records it (ImageName): the stored name the reference
 * resolved to ("name" is "localhost/name:latest"), for an ID the image's first name.
 */
static char *image_name_for(const struct storage_image *img, const char *ref)
{
	size_t n = strlen(ref);
	if (n >= 3 && strncmp(img->id, ref, n) == 0)
		return xstrdup(img->names && img->names[0] ? img->names[0] : ref);
	struct storage_ref pr = { 0 };
	struct error *perr = NULL;
	if (storage_ref_parse(ref, &pr, &perr) < 0) {
		err_free(&perr);
		return xstrdup(ref);
	}
	autofree char *want = storage_ref_string(&pr);
	storage_ref_clear(&pr);
	size_t wn = strlen(want);
	for (size_t i = 0; img->names && img->names[i]; i++) {
		const char *nm = img->names[i];
		size_t l = strlen(nm);
		if (strcmp(nm, want) == 0 ||
		    (l > wn && nm[l - wn - 1] == '/' && strcmp(nm + l - wn, want) == 0))
			return xstrdup(nm);
	}
	return xstrdup(ref);
}

/* The image and its config, which the rest of the request is checked against. */
static int plan_image(const struct eng_ctr_create_req *r, struct eng *eng, struct plan *a,
		      struct error **err)
{
	if (find_image(eng, r, &a->image, err) < 0 ||
	    storage_image_config_get(a->image, &a->icfg, err) < 0)
		return -1;
	a->img = (struct oci_image_config){ .entrypoint = a->icfg.entrypoint,
					    .cmd = a->icfg.cmd,
					    .env = a->icfg.env,
					    .workdir = a->icfg.workdir,
					    .user = a->icfg.user,
					    .exposed_ports = a->icfg.exposed_ports,
					    .stop_signal = a->icfg.stop_signal };
	a->co.image = a->image;
	a->co.image_name = keep(a, image_name_for(a->image, r->image));
	a->co.gen.image = &a->img;
	return 0;
}

/* The request's process: command, entrypoint, environment, user (against the image). */
static int plan_process(const struct eng_ctr_create_req *r, struct eng *eng, struct plan *a,
			struct error **err)
{
	struct eng_ctr_create_opts *co = &a->co;
	struct oci_gen_opts *g = &co->gen;
	co->name = r->name;
	co->create_command = r->create_command;
	g->args = (char **)r->command;
	if (r->entrypoint != NULL) {
		if (parse_entrypoint(r->entrypoint, &a->entrypoint, err) < 0)
			return -1;
		g->entrypoint = a->entrypoint;
		g->has_entrypoint = true;
	}
	g->env = (char **)r->env;
	g->env_files = (char **)r->env_files;
	g->unsetenv = (char **)r->unsetenv;
	g->unsetenv_all = r->unsetenv_all;
	for (size_t i = 0; g->env_files && g->env_files[i]; i++)
		if (!fs_exists(g->env_files[i]))
			return err_set(err, ENOENT, ERR_TOOL, "--env-file %s: no such file",
				       g->env_files[i]);
	g->workdir = r->workdir;
	co->user = r->user ?: a->icfg.user;
	return resolve_user(eng, a, co->user, err);
}

/* The request as a plan, its rules checked in the order podman's users see them. */
static int plan_build(const struct eng_ctr_create_req *r, struct eng *eng, struct plan *a,
		      struct error **err)
{
	struct eng_ctr_create_opts *co = &a->co;
	struct oci_gen_opts *g = &co->gen;
	if (ctr_autoupdate_check(r->image, r->labels, err) < 0 || plan_image(r, eng, a, err) < 0 ||
	    plan_process(r, eng, a, err) < 0)
		return -1;
	g->hostname = r->hostname;
	g->tty = r->tty;
	co->interactive = r->interactive;
	g->read_only = r->read_only;
	g->privileged = r->privileged;
	g->cap_add = (char **)r->cap_add;
	g->cap_drop = (char **)r->cap_drop;
	g->annotations = (char **)r->annotations;
	g->sysctls = (char **)r->sysctls;
	/* The image's labels are the container's too, as podman's (ps --filter label=, inspect);
	 * the user's --label wins over one of the same key (json_from_kv keeps the last). */
	for (size_t i = 0; a->icfg.labels && a->icfg.labels[i]; i++)
		strv_push(&a->labels, a->icfg.labels[i]);
	for (size_t i = 0; r->labels && r->labels[i]; i++)
		strv_push(&a->labels, r->labels[i]);
	/* The unit that runs this container, for auto-update to restart: set from the
	 * environment even when empty, and over the user's label, as podman's. */
	if (r->systemd_unit != NULL)
		strv_push_take(&a->labels,
			       xasprintf("%s=%s", ENG_SYSTEMD_UNIT_LABEL, r->systemd_unit));
	co->labels = a->labels;
	co->rm = r->rm;
	co->replace = r->replace;
	if (r->timeout < 0)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid argument \"%ld\" for \"--timeout\" flag", r->timeout);
	co->timeout = r->timeout;
	co->hostusers = (char **)r->hostusers;
	if (r->runtime != NULL && *r->runtime != '\0') {
		if (ctr_rt_check(r->runtime, err) < 0)
			return -1;
		co->runtime = r->runtime;
	}
	/* Kept absolute: the monitor writes it at each start, from wherever that runs. */
	if (r->conmon_pidfile != NULL && *r->conmon_pidfile != '\0') {
		char cwd[PATH_MAX];
		co->conmon_pidfile = r->conmon_pidfile[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL
					 ? r->conmon_pidfile
					 : keep(a, xasprintf("%s/%s", cwd, r->conmon_pidfile));
	}
	if (parse_ports(r->publish, r->publish_all, a->icfg.exposed_ports, &a->ports, &a->n_ports,
			err) < 0)
		return -1;
	co->ports = a->ports;
	co->n_ports = a->n_ports;
	co->dns = (char **)r->dns;
	co->dns_search = (char **)r->dns_search;
	co->dns_options = (char **)r->dns_options;
	co->add_hosts = (char **)r->add_hosts;
	co->network_aliases = (char **)r->network_aliases;
	if (r->init) {
		a->init_path = eng_ctr_helper_path("hutch-init");
		if (a->init_path == NULL)
			return err_msg(err, "--init: hutch-init not found beside hutch");
		g->init_path = a->init_path;
	}
	check_limits(r);
	if (apply_conf(eng, r, a, err) < 0 || parse_cgroups(r, a, err) < 0 ||
	    parse_mounts(r, eng, a, err) < 0 || parse_security(r, a, err) < 0 ||
	    parse_policy(r, a, err) < 0 || parse_groups(r, a, err) < 0 ||
	    parse_join(r, eng, a, err) < 0 ||
	    ctr_secrets_plan(eng, r->secrets, &a->co.secrets, err) < 0)
		return -1;
	plan_home(eng, a);
	return 0;
}

int eng_ctr_create(struct eng *eng, const struct eng_ctr_create_req *r, struct eng_ctr **out,
		   struct error **err)
{
	*out = NULL;
	struct plan a = { .vol_lock = -1 };
	int rc = plan_build(r, eng, &a, err);
	if (rc == 0)
		rc = ctr_create(eng, &a.co, out, err);
	plan_clear(&a);
	return rc;
}

/* run --rmi: the image goes once the container has, unless another container uses it: then,
 * as podman, an error is logged and the run still succeeds. */
static void run_rmi(struct eng *eng, const struct eng_ctr *c)
{
	if (*c->image_id == '\0')
		return;
	struct error *e = NULL;
	bool deleted = false;
	autofree char *untagged = NULL, *id = NULL;
	/* By the name it was run with, as podman's (an image of several names loses only it). */
	const char *name = *c->image_name ? c->image_name : c->image_id;
	if (storage_image_remove(eng->store, name, false, &untagged, &deleted, &id, &e) < 0) {
		log_error("%s", e->msg);
		err_free(&e);
	}
}

int eng_ctr_run(struct eng *eng, struct eng_ctr *c, const struct eng_ctr_start_opts *o, int *status,
		bool *detached, struct error **err)
{
	bool rm = c->auto_remove;
	*detached = false;
	if (o->preserve_fds < 0)
		return err_set(err, EINVAL, ERR_USAGE, "--preserve-fds %d: not a number of fds",
			       o->preserve_fds);
	for (int fd = 3; fd < 3 + o->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return err_set(err, EBADF, ERR_USAGE,
				       "--preserve-fds %d: fd %d is not open", o->preserve_fds, fd);
	if (eng_ctr_start(eng, c, o, status, detached, err) < 0) {
		/* A container that never ran is not kept with --rm, as in podman. */
		struct error *rerr = NULL;
		if (rm && eng_ctr_remove(eng, c, true, &rerr) < 0)
			err_free(&rerr);
		return -1;
	}
	if (!o->attach)
		return 0;
	/* Foreground --rm: the monitor unlisted it before it told us the status; this only
	 * covers a monitor that died first. */
	autofree char *dir = eng_ctr_dir(eng, c->id);
	if (!*detached && rm && fs_exists(dir)) {
		struct error *rerr = NULL;
		autoctr struct eng_ctr *again = NULL;
		if (eng_ctr_lookup(eng, c->id, &again, &rerr) == 0)
			eng_ctr_remove(eng, again, true, &rerr);
		err_free(&rerr);
	}
	if (!*detached && o->rmi)
		run_rmi(eng, c);
	return 0;
}

/* ---------- a plan becomes a container ---------- */

/* Is name already some container's name? */
static bool name_taken(struct eng *eng, const char *name)
{
	struct eng_ctr *c = ctr_by_name(eng, name);
	bool taken = c != NULL;
	eng_ctr_free(&c);
	return taken;
}

/* With --replace, remove a container of that name first. */
static int name_check(struct eng *eng, const char *name, bool replace, struct error **err)
{
	autoctr struct eng_ctr *old = ctr_by_name(eng, name);
	if (old == NULL)
		return 0;
	if (!replace)
		return err_set(
		    err, EEXIST, ERR_TOOL,
		    "the container name \"%s\" is already in use by %s. You have to remove "
		    "that container to be able to reuse that name: that name is already in use",
		    name, old->id);
	return eng_ctr_remove(eng, old, true, err);
}

/* The store dir of an imageless container: itself and an empty rootfs. */
static int infra_dirs(struct eng *eng, const char *id, struct error **err)
{
	autofree char *dir = eng_ctr_dir(eng, id);
	autofree char *rootfs = xasprintf("%s/rootfs", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(rootfs, 0755) < 0)
		return err_sys(err, "creating %s", rootfs);
	return 0;
}

int ctr_create(struct eng *eng, const struct eng_ctr_create_opts *o, struct eng_ctr **out,
	       struct error **err)
{
	struct storage *s = eng->store;
	*out = NULL;
	if (o->name != NULL && !ctr_valid_name(o->name))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid container name \"%s\": names must match "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
			       o->name);
	autofree char *id = ctr_new_id();
	autofree char *name = o->name ? xstrdup(o->name) : ctr_new_name();
	/* What removals killed half-way left behind (a readdir when there is none). */
	eng_ctr_purge_trash(eng);
	autonames struct ctr_names_hold lk = ctr_names_lock(eng, err);
	if (lk.rc < 0)
		return -1;
	/* A generated name that is taken is drawn again (there are ~900 of them), then made
	 * unique with a suffix, as the user did not ask for that name. */
	for (int tries = 0; o->name == NULL && name_taken(eng, name); tries++) {
		free(name);
		name = ctr_new_name();
		if (tries >= 20) {
			char *n = xasprintf("%s_%.6s", name, id);
			free(name);
			name = n;
		}
	}
	if (name_check(eng, name, o->replace, err) < 0)
		return -1;
	if (o->infra && o->image == NULL ? infra_dirs(eng, id, err) < 0
					 : storage_container_create(s, id, o->image, err) < 0)
		return -1;
	/* The name index's entry first: the record, once there, is found by its name. */
	if (ctr_name_set(eng, name, id, err) == 0 && ctr_write_files(eng, id, name, o, err) == 0 &&
	    (*out = ctr_load(eng, AT_FDCWD, id, false)) != NULL) {
		if (ctr_vol_fill(eng, *out, o->gen.mounts, o->gen.n_mounts, err) == 0)
			return 0;
		eng_ctr_free(out);
	}
	if (*err == NULL)
		err_msg(err, "reading back container %.12s", id);
	struct error *rmerr = NULL;
	if (storage_container_remove(s, id, &rmerr) < 0)
		err_free(&rmerr);
	ctr_name_drop(eng, name, id);
	return -1;
}

/* ---------- pods ---------- */

/* A pod create request with its ports parsed and assigned. */
struct pod_opts {
	const char *name;
	const char *hostname;
	const char *network;
	struct net_port *ports;
	size_t n_ports;
	char *const *labels;
	char **share; /* parsed --share, owned */
	bool no_infra;
	const char *infra_image;
	const char *infra_command;
	const char *infra_conmon_pidfile;
	const char *exit_policy;
	const char *infra_name;
	bool replace;
	char *const *create_command;
};

/* --share as podman takes it: a comma list of namespaces, "+LIST" added to the default
 * (uts, ipc, net), "none" for none. */
static int parse_share(const char *spec, char ***out, struct error **err)
{
	static const char *const valid[] = { "cgroup", "ipc", "net", "pid", "uts", NULL };
	*out = xzalloc(sizeof(char *));
	if (spec == NULL || *spec == '+') {
		strv_push(out, "uts");
		strv_push(out, "ipc");
		strv_push(out, "net");
	}
	autofree char *copy = xstrdup(spec ? spec + (*spec == '+') : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool ok = strcmp(t, "none") == 0, have = false;
		for (size_t i = 0; valid[i] && !ok; i++)
			ok = strcmp(t, valid[i]) == 0;
		if (!ok)
			return err_set(
			    err, EINVAL, ERR_TOOL,
			    "invalid kernel namespace to share: %s. Options are: cgroup, "
			    "ipc, net, pid, uts or none",
			    t);
		for (size_t i = 0; (*out)[i] && !have; i++)
			have = strcmp((*out)[i], t) == 0;
		if (strcmp(t, "none") != 0 && !have)
			strv_push(out, t);
	}
	return 0;
}

/* The infra runs the image's entrypoint (or --infra-command), pulled when missing. */
static int create_infra_image(struct eng *eng, const struct pod_opts *o,
			      struct eng_ctr_create_opts *co, struct eng_ctr **out,
			      struct error **err)
{
	struct eng_ctr_create_req ir = { .image = o->infra_image };
	struct storage_image *img = NULL;
	struct storage_image_config icfg = { 0 };
	autostrv char **cmd = NULL;
	int rc = o->infra_command ? parse_entrypoint(o->infra_command, &cmd, err) : 0;
	if (rc == 0)
		rc = find_image(eng, &ir, &img, err);
	if (rc == 0)
		rc = storage_image_config_get(img, &icfg, err);
	struct oci_image_config ic = { .entrypoint = icfg.entrypoint,
				       .cmd = icfg.cmd,
				       .env = icfg.env,
				       .workdir = icfg.workdir,
				       .user = icfg.user,
				       .stop_signal = icfg.stop_signal };
	co->image = img;
	co->image_name = o->infra_image;
	co->gen.image = &ic;
	co->gen.entrypoint = o->infra_command ? cmd : NULL;
	co->gen.has_entrypoint = o->infra_command != NULL;
	if (rc == 0)
		rc = ctr_create(eng, co, out, err);
	storage_image_config_clear(&icfg);
	storage_image_free(&img);
	return rc;
}

/* The pod's infra: a container of the pause image (or of --infra-image), with the pod's
 * network. */
static int create_infra(struct eng *eng, const struct pod_opts *o, const char *id,
			const char *pod_name, const char *hostname, struct eng_ctr **out,
			struct error **err)
{
	/* On user-defined networks the pod's name resolves to the infra, as in podman. */
	char *aliases[] = { (char *)pod_name, NULL };
	autofree char *name = o->infra_name ? xstrdup(o->infra_name) : xasprintf("%.12s-infra", id);
	struct eng_ctr_create_opts co = {
		.name = name,
		.gen = { .hostname = hostname, .read_only = true },
		.stop_signal = "SIGTERM",
		.stop_timeout = 10,
		.log_driver = "k8s-file",
		.network = o->network ? o->network : "slirp4netns",
		.ports = o->ports,
		.n_ports = o->n_ports,
		.pod = id,
		.infra = true,
		.network_aliases = aliases,
	};
	char cwd[4096];
	autofree char *pidfile = NULL;
	if (o->infra_conmon_pidfile != NULL && *o->infra_conmon_pidfile != '\0')
		co.conmon_pidfile = pidfile =
		    o->infra_conmon_pidfile[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL
			? xstrdup(o->infra_conmon_pidfile)
			: xasprintf("%s/%s", cwd, o->infra_conmon_pidfile);
	if (o->infra_image != NULL)
		return create_infra_image(eng, o, &co, out, err);
	if (o->infra_command != NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "--infra-command needs --infra-image: hutch's own infra is "
			       "hutch-init --pause");
	/* podman's default: its own pause image, made here when missing. */
	autofree char *pause = NULL;
	if (ctr_pause_image(eng, &pause, err) < 0)
		return -1;
	struct pod_opts po = *o;
	po.infra_image = pause;
	return create_infra_image(eng, &po, &co, out, err);
}

/* Only modes that give the infra a namespace of its own can be shared by the members. */
static int check_network(struct eng *eng, const char *network, struct error **err)
{
	struct net_mode m;
	/* The host's: the members stay in it too (join.c). */
	if (network != NULL && strcmp(network, "host") == 0)
		return 0;
	if (net_parse_mode(network, &m, err) < 0)
		return -1;
	bool ok = net_mode_is_private(&m), networks = m.kind == NET_MODE_NETWORKS;
	net_mode_clear(&m);
	/* User-defined networks: the infra joins them, the members share its interfaces. */
	if (networks)
		return ctr_net_check(eng, network, err);
	if (!ok)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid pod --network \"%s\": a pod has a network of its own "
			       "(slirp4netns, pasta, none or user-defined networks)",
			       network);
	return 0;
}

static int write_pod_json(struct eng *eng, const struct pod_opts *o, const char *id,
			  const char *name, const char *hostname, const char *infra,
			  struct error **err)
{
	struct json_object *doc = json_object_new_object();
	autofree char *now = ctr_now();
	json_object_object_add(doc, "Id", json_object_new_string(id));
	json_object_object_add(doc, "Name", json_object_new_string(name));
	json_object_object_add(doc, "Created", json_object_new_string(now));
	json_object_object_add(doc, "InfraId", json_object_new_string(infra));
	if (o->create_command != NULL)
		json_object_object_add(doc, "CreateCommand", json_from_strv(o->create_command));
	json_object_object_add(doc, "Hostname", json_object_new_string(hostname));
	json_object_object_add(doc, "NetworkMode",
			       json_object_new_string(o->network ? o->network : "slirp4netns"));
	struct json_object *labels = json_object_new_object();
	for (size_t i = 0; o->labels && o->labels[i]; i++) {
		const char *eq = strchr(o->labels[i], '=');
		autofree char *k = eq ? xstrndup(o->labels[i], (size_t)(eq - o->labels[i]))
				      : xstrdup(o->labels[i]);
		json_object_object_add(labels, k, json_object_new_string(eq ? eq + 1 : ""));
	}
	json_object_object_add(doc, "Labels", labels);
	json_object_object_add(doc, "Share", json_from_strv(o->share));
	json_object_object_add(
	    doc, "ExitPolicy",
	    json_object_new_string(o->exit_policy ? o->exit_policy : "continue"));
	autofree char *dir = ctr_pod_dir(eng, id);
	autofree char *path = xasprintf("%s/pod.json", dir);
	const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY);
	int rc = fs_write_atomic(path, text, strlen(text), 0600, err);
	json_object_put(doc);
	return rc;
}

static bool pod_name_taken(struct eng *eng, const char *name)
{
	struct eng_pod *old = NULL;
	struct error *lerr = NULL;
	bool taken = eng_pod_lookup(eng, name, &old, &lerr) == 0 && strcmp(old->name, name) == 0;
	eng_pod_free(&old);
	err_free(&lerr);
	return taken;
}

static int pod_create(struct eng *eng, const struct pod_opts *o, struct eng_pod **out,
		      struct error **err)
{
	struct storage *s = eng->store;
	*out = NULL;
	if (o->name != NULL && !ctr_valid_name(o->name))
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid pod name \"%s\": names must match "
			       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
			       o->name);
	if (check_network(eng, o->network, err) < 0)
		return -1;
	if (o->exit_policy != NULL && strcmp(o->exit_policy, "continue") != 0 &&
	    strcmp(o->exit_policy, "stop") != 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "running pod create option: invalid pod exit policy: \"%s\"",
			       o->exit_policy);
	if (o->replace && o->name != NULL) {
		/* --replace: the pod of that name goes first, with its containers. */
		struct eng_pod *old = NULL;
		struct error *lerr = NULL;
		int rc = 0;
		if (eng_pod_lookup(eng, o->name, &old, &lerr) == 0 &&
		    strcmp(old->name, o->name) == 0)
			rc = eng_pod_remove(eng, old, true, err);
		eng_pod_free(&old);
		err_free(&lerr);
		if (rc < 0)
			return -1;
	}
	autofree char *lockpath = xasprintf("%s/pods.lock", storage_root(s));
	autoclose int lk = fs_lock(lockpath, O_RDWR | O_CREAT, LOCK_EX);
	if (lk < 0)
		return err_sys(err, "locking %s", lockpath);
	autofree char *name = o->name ? xstrdup(o->name) : ctr_new_name();
	/* A generated name that is taken is drawn again, as a container's. */
	for (int tries = 0; o->name == NULL && pod_name_taken(eng, name); tries++) {
		free(name);
		name = ctr_new_name();
		if (tries >= 20) {
			char *n = xasprintf("%s_%d", name, (int)getpid());
			free(name);
			name = n;
		}
	}
	if (pod_name_taken(eng, name))
		return err_set(err, EEXIST, ERR_TOOL, "name \"%s\" is in use: pod already exists",
			       name);
	autofree char *id = ctr_new_id();
	autofree char *dir = ctr_pod_dir(eng, id);
	autofree char *pods = xasprintf("%s/pods", storage_root(s));
	if ((mkdir(pods, 0700) < 0 && errno != EEXIST) || mkdir(dir, 0700) < 0)
		return err_sys(err, "creating %s", dir);
	/* The name by default; a generated one's '_' is no hostname character. */
	autofree char *dflt = xstrdup(name);
	for (char *c = dflt; *c; c++)
		if (*c == '_')
			*c = '-';
	const char *hostname = o->hostname ? o->hostname : dflt;
	struct eng_ctr *infra = NULL;
	int rc = o->no_infra ? 0 : create_infra(eng, o, id, name, hostname, &infra, err);
	if (rc < 0)
		err_wrap(err, "creating the infra container of pod %s", name);
	if (rc == 0)
		rc = write_pod_json(eng, o, id, name, hostname, infra ? infra->id : "", err);
	if (rc == 0 && (*out = ctr_pod_load(eng, id)) == NULL)
		rc = err_msg(err, "reading back pod %.12s", id);
	if (rc < 0) {
		struct error *e2 = NULL;
		if (infra != NULL && ctr_remove(eng, infra, true, &e2) < 0)
			err_free(&e2);
		fs_rm_rf(dir, NULL);
	}
	eng_ctr_free(&infra);
	return rc;
}

int eng_pod_create(struct eng *eng, const struct eng_pod_create_req *r, struct eng_pod **out,
		   struct error **err)
{
	*out = NULL;
	/* podman's "private" for a pod is its default network. */
	bool priv = r->network != NULL && strcmp(r->network, "private") == 0;
	struct pod_opts o = { .name = r->name,
			      .create_command = r->create_command,
			      .hostname = r->hostname,
			      .network = priv ? NULL : r->network,
			      .labels = r->labels,
			      .exit_policy = r->exit_policy,
			      .infra_name = r->infra_name,
			      .replace = r->replace,
			      .no_infra = r->no_infra,
			      .infra_image = r->infra_image,
			      .infra_command = r->infra_command,
			      .infra_conmon_pidfile = r->infra_conmon_pidfile };
	/* Without an infra there is nothing to share. */
	int rc = parse_share(r->no_infra ? "none" : r->share, &o.share, err);
	if (rc == 0 && r->no_infra && (r->share != NULL || r->publish != NULL))
		rc = err_set(err, EINVAL, ERR_TOOL,
			     "a pod without an infra container shares nothing: --share and "
			     "--publish need one");
	if (rc == 0)
		rc = parse_ports(r->publish, false, NULL, &o.ports, &o.n_ports, err);
	/* No --infra-image: containers.conf's, as podman's. */
	if (rc == 0 && o.infra_image == NULL && !r->no_infra)
		rc = ctr_conf_get(eng, "engine", "infra_image", &o.infra_image, err);
	if (rc == 0)
		rc = pod_create(eng, &o, out, err);
	free(o.ports);
	strv_free(o.share);
	return rc;
}
