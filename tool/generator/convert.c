/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From Quadlet files to service units (hutch-generator): each key of [Container],
 * [Volume], [Network], [Image] or [Pod] becomes hutch flags, as podman 5.0's Quadlet makes
 * podman flags of them (podman-systemd.unit(5)); every other section is passed through and
 * the Quadlet section is kept as X-Container (etc.), which systemd ignores. A key Quadlet
 * does not know makes the file an error (warned about with its line) and no unit, as
 * Quadlet's. References to other Quadlet files (db.volume, net.network, app.image,
 * web.pod) become the object's real name plus Requires=/After= on its unit.
 */
#include "tool/generator/generator.h"

#include <stdlib.h>
#include <string.h>

#define CID "--cidfile=%t/%N.cid"

static const struct gen_kind_info *const kinds = gen_kinds;

/* The hutch command line being built: an owned vector, the binary first. */
struct cmd {
	char **argv;
};

static void add(struct cmd *c, const char *w)
{
	strv_push(&c->argv, w);
}

static void add2(struct cmd *c, const char *flag, const char *v)
{
	add(c, flag);
	add(c, v);
}

static void addv(struct cmd *c, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		add(c, v[i]);
}

static void cmd_free(struct cmd *c)
{
	strv_free(c->argv);
	c->argv = NULL;
}
#define autocmd __attribute__((cleanup(cmd_free)))

static void cmd_init(struct cmd *c, const struct gen_ctx *ctx, const struct gen_unit *u)
{
	c->argv = NULL;
	add(c, ctx->hutch);
	/* GlobalArgs go before the command, as Quadlet puts them. */
	autostrv char **g = gen_all_words(u, kinds[u->kind].group, "GlobalArgs");
	addv(c, g);
}

/* The command as an Exec line value; prefix (e.g. "-") goes before the binary. */
static char *cmd_line(const struct cmd *c, const char *prefix)
{
	char *s = xstrdup(prefix);
	for (size_t i = 0; c->argv[i]; i++) {
		autofree char *q = gen_quote_word(c->argv[i]);
		char *n = xasprintf("%s%s%s", s, i ? " " : "", q);
		free(s);
		s = n;
	}
	return s;
}

static void cmd_emit(struct cmd *c, struct gen_unit *svc, const char *key, const char *prefix)
{
	autofree char *line = cmd_line(c, prefix);
	gen_add(svc, "Service", key, line);
	strv_free(c->argv);
	c->argv = NULL;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* "web.container" -> "web"; prefix and suffix added around it. */
static char *strip_ext(const char *name, const char *prefix, const char *suffix)
{
	const char *dot = strrchr(name, '.');
	size_t n = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	return xasprintf("%s%.*s%s", prefix, (int)n, name, suffix);
}

struct gen_unit *gen_find(const struct gen_ctx *ctx, const char *filename)
{
	for (size_t i = 0; i < ctx->n; i++)
		if (strcmp(ctx->units[i]->filename, filename) == 0)
			return ctx->units[i];
	return NULL;
}

/* A reference to another Quadlet file: Requires=/After= its service; its object's name
 * (borrowed), or NULL with a warning when there is no such file. */
static const char *refer(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
			 const char *ref, const char *rel)
{
	struct gen_unit *r = gen_find(ctx, ref);
	if (r == NULL) {
		gen_warn(u, 0, "requested Quadlet %s %s was not found", rel, ref);
		return NULL;
	}
	autofree char *s = xasprintf("%s.service", r->service);
	gen_add(svc, "Unit", rel[0] == 'p' ? "BindsTo" : "Requires", s);
	gen_add(svc, "Unit", "After", s);
	return r->resource;
}

/* Name the service and the object of each unit (Quadlet's unitsInfoMap). */
static void name_unit(struct gen_unit *u)
{
	const struct gen_kind_info *k = &kinds[u->kind];
	const char *sn = gen_last(u, k->group, "ServiceName");
	u->service = sn && *sn ? xstrdup(sn) : strip_ext(u->filename, "", k->suffix);
	const char *key = u->kind == GEN_VOLUME	   ? "VolumeName"
			  : u->kind == GEN_NETWORK ? "NetworkName"
			  : u->kind == GEN_POD	   ? "PodName"
			  : u->kind == GEN_IMAGE   ? "ImageTag"
						   : "ContainerName";
	const char *v = gen_last(u, k->group, key);
	if (u->kind == GEN_IMAGE && (v == NULL || *v == '\0'))
		v = gen_last(u, k->group, "Image");
	if (v && *v) {
		u->resource = xstrdup(v);
	} else if (u->kind == GEN_CONTAINER) {
		/* Only %N can be resolved here (it is the service name). */
		u->resource = xasprintf("systemd-%s", u->service);
	} else if (u->kind != GEN_IMAGE) {
		u->resource = strip_ext(u->filename, "systemd-", "");
	}
	if (u->kind == GEN_CONTAINER && u->resource && strstr(u->resource, "%N")) {
		autofree char *t = u->resource;
		size_t pre = (size_t)(strstr(t, "%N") - t);
		u->resource = xasprintf("%.*s%s%s", (int)pre, t, u->service, t + pre + 2);
	}
}

/* Unknown keys in the Quadlet group: each warned about with its line; true when any. */
static bool unknown_keys(const struct gen_unit *u)
{
	const struct gen_kind_info *k = &kinds[u->kind];
	struct gen_group *g = gen_group(u, k->group);
	bool bad = false;
	for (size_t j = 0; g && j < g->n; j++) {
		bool known = false;
		for (size_t i = 0; k->keys[i] && !known; i++)
			known = strcmp(k->keys[i], g->kv[j].key) == 0;
		if (!known) {
			gen_warn(u, g->kv[j].line, "unsupported key '%s' in group '%s'",
				 g->kv[j].key, k->group);
			bad = true;
		}
	}
	struct gen_group *q = gen_group(u, "Quadlet");
	for (size_t j = 0; q && j < q->n; j++) {
		if (strcmp(q->kv[j].key, "DefaultDependencies") != 0) {
			gen_warn(u, q->kv[j].line, "unsupported key '%s' in group 'Quadlet'",
				 q->kv[j].key);
			bad = true;
		}
	}
	return bad;
}

static const char *const dep_keys[] = { "After",     "Before",	  "BindsTo", "Conflicts",
					"OnFailure", "OnSuccess", "PartOf",  "Requires",
					"Requisite", "Upholds",	  "Wants",   NULL };

/* [Unit] dependencies on Quadlet files (Requires=db.container) name their services. */
static int translate_deps(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	for (size_t i = 0; dep_keys[i]; i++) {
		autostrv char **deps = gen_all_words(u, "Unit", dep_keys[i]);
		bool any = false;
		autofree char *joined = xstrdup("");
		for (size_t j = 0; deps[j]; j++) {
			const char *name = deps[j];
			for (int k = 0; k < GEN_KINDS; k++) {
				if (!has_suffix(deps[j], kinds[k].ext))
					continue;
				struct gen_unit *r = gen_find(ctx, deps[j]);
				if (r == NULL) {
					gen_warn(u, 0, "unable to translate dependency for %s",
						 deps[j]);
					return -1;
				}
				name = r->service;
				any = true;
			}
			char *n = xasprintf("%s%s%s%s", joined, *joined ? " " : "", name,
					    name == deps[j] ? "" : ".service");
			free(joined);
			joined = n;
		}
		if (any)
			gen_set(svc, "Unit", dep_keys[i], joined);
	}
	return 0;
}

/* A copy of the file as the service's start: the Quadlet group renamed, SourcePath set. */
static struct gen_unit *service_init(const struct gen_ctx *ctx, const struct gen_unit *u)
{
	struct gen_unit *svc = xzalloc(sizeof(*svc));
	svc->filename = xasprintf("%s.service", u->service);
	for (size_t i = 0; i < u->n; i++) {
		struct gen_group *g = gen_group_ensure(svc, u->g[i].name);
		for (size_t j = 0; j < u->g[i].n; j++)
			gen_add(svc, g->name, u->g[i].kv[j].key, u->g[i].kv[j].value);
	}
	if (translate_deps(ctx, u, svc) < 0) {
		gen_unit_free(svc);
		return NULL;
	}
	if (u->path)
		gen_add(svc, "Unit", "SourcePath", u->path);
	gen_rename_group(svc, kinds[u->kind].group, kinds[u->kind].xgroup);
	gen_rename_group(svc, "Quadlet", "X-Quadlet");
	return svc;
}

/* Key -> flag with the last value (non-empty). */
static void map_last(const struct gen_unit *u, struct cmd *c, const char *const (*m)[2])
{
	for (size_t i = 0; m[i][0]; i++) {
		const char *v = gen_last(u, kinds[u->kind].group, m[i][0]);
		if (v && *v)
			add2(c, m[i][1], v);
	}
}

/* Key -> flag once per value. */
static void map_all(const struct gen_unit *u, struct cmd *c, const char *const (*m)[2])
{
	for (size_t i = 0; m[i][0]; i++) {
		autostrv char **v = gen_all(u, kinds[u->kind].group, m[i][0]);
		for (size_t j = 0; v[j]; j++)
			add2(c, m[i][1], v[j]);
	}
}

/* Key -> flag once per word of every value (KEY=VAL pairs, argument lists). */
static void map_words(const struct gen_unit *u, struct cmd *c, const char *const (*m)[2])
{
	for (size_t i = 0; m[i][0]; i++) {
		autostrv char **v = gen_all_words(u, kinds[u->kind].group, m[i][0]);
		for (size_t j = 0; v[j]; j++)
			add2(c, m[i][1], v[j]);
	}
}

/* Boolean key -> --flag or --flag=false. A value that is no boolean is an error. */
static int map_bool(const struct gen_unit *u, struct cmd *c, const char *const (*m)[2])
{
	for (size_t i = 0; m[i][0]; i++) {
		bool b = false;
		int r = gen_bool(u, kinds[u->kind].group, m[i][0], &b);
		if (r < 0) {
			gen_warn(u, 0, "invalid boolean value for %s", m[i][0]);
			return -1;
		}
		if (r == 1) {
			autofree char *f = xasprintf("%s%s", m[i][1], b ? "" : "=false");
			add(c, f);
		}
	}
	return 0;
}

/* Network=: a .network (or .container) file names its network (or container). */
static int add_networks(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
			struct cmd *c)
{
	autostrv char **nets = gen_all(u, kinds[u->kind].group, "Network");
	for (size_t i = 0; nets[i]; i++) {
		char *colon = strchr(nets[i], ':');
		autofree char *name =
		    colon ? xstrndup(nets[i], (size_t)(colon - nets[i])) : xstrdup(nets[i]);
		bool is_net = has_suffix(name, ".network"), is_ctr = has_suffix(name, ".container");
		if (!is_net && !is_ctr) {
			add2(c, "--network", nets[i]);
			continue;
		}
		const char *res = refer(ctx, u, svc, name, "unit");
		if (res == NULL)
			return -1;
		if (is_ctr && colon) {
			gen_warn(u, 0,
				 "extra options are not supported when joining another "
				 "container's network");
			return -1;
		}
		autofree char *arg = is_ctr  ? xasprintf("container:%s", res)
				     : colon ? xasprintf("%s%s", res, colon)
					     : xstrdup(res);
		add2(c, "--network", arg);
	}
	return 0;
}

/* A Volume= or Mount= source: ./relative made absolute to the file's directory, an
 * absolute path RequiresMountsFor=, a .volume file its volume. Owned, NULL on error. */
static char *storage_source(const struct gen_ctx *ctx, const struct gen_unit *u,
			    struct gen_unit *svc, const char *src)
{
	if (src[0] == '.' && u->path) {
		autofree char *dir = xstrdup(u->path);
		*strrchr(dir, '/') = '\0';
		while (strncmp(src, "./", 2) == 0)
			src += 2;
		autofree char *abs =
		    strcmp(src, ".") == 0 ? xstrdup(dir) : xasprintf("%s/%s", dir, src);
		gen_add(svc, "Unit", "RequiresMountsFor", abs);
		return steal_ptr(&abs);
	}
	if (src[0] == '/')
		gen_add(svc, "Unit", "RequiresMountsFor", src);
	else if (has_suffix(src, ".volume")) {
		const char *res = refer(ctx, u, svc, src, "source");
		return res ? xstrdup(res) : NULL;
	}
	return xstrdup(src);
}

static int add_volumes(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
		       struct cmd *c)
{
	autostrv char **vols = gen_all(u, kinds[u->kind].group, "Volume");
	for (size_t i = 0; vols[i]; i++) {
		char *colon = strchr(vols[i], ':');
		if (colon == NULL) {
			add2(c, "-v", vols[i]);
			continue;
		}
		autofree char *src = xstrndup(vols[i], (size_t)(colon - vols[i]));
		autofree char *res = storage_source(ctx, u, svc, src);
		if (res == NULL)
			return -1;
		autofree char *arg = xasprintf("%s%s", res, colon);
		add2(c, "-v", arg);
	}
	return 0;
}

/* Mount=type=volume,source=db.volume,...: the source resolved as Volume='s. */
static int add_mounts(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
		      struct cmd *c)
{
	autostrv char **mounts = gen_all_words(u, "Container", "Mount");
	for (size_t i = 0; mounts[i]; i++) {
		autofree char *out = xstrdup("");
		char *save = NULL;
		for (char *tok = strtok_r(mounts[i], ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			autofree char *t = NULL;
			if (strncmp(tok, "source=", 7) == 0 || strncmp(tok, "src=", 4) == 0) {
				char *eq = strchr(tok, '=');
				autofree char *res = storage_source(ctx, u, svc, eq + 1);
				if (res == NULL)
					return -1;
				t = xasprintf("source=%s", res);
			}
			char *n = xasprintf("%s%s%s", out, *out ? "," : "", t ? t : tok);
			free(out);
			out = n;
		}
		add2(c, "--mount", out);
	}
	return 0;
}

static void add_health(const struct gen_unit *u, struct cmd *c)
{
	static const char *const h[][2] = {
		{ "HealthCmd", "--health-cmd" },
		{ "HealthInterval", "--health-interval" },
		{ "HealthOnFailure", "--health-on-failure" },
		{ "HealthRetries", "--health-retries" },
		{ "HealthStartPeriod", "--health-start-period" },
		{ "HealthTimeout", "--health-timeout" },
		{ "HealthStartupCmd", "--health-startup-cmd" },
		{ "HealthStartupInterval", "--health-startup-interval" },
		{ "HealthStartupRetries", "--health-startup-retries" },
		{ "HealthStartupSuccess", "--health-startup-success" },
		{ "HealthStartupTimeout", "--health-startup-timeout" },
		{ NULL, NULL },
	};
	map_last(u, c, h);
}

/* UserNS, UIDMap, GIDMap, SubUIDMap, SubGIDMap (Container and Pod). */
static void add_userns(const struct gen_unit *u, struct cmd *c)
{
	static const char *const last[][2] = { { "UserNS", "--userns" },
					       { "SubUIDMap", "--subuidname" },
					       { "SubGIDMap", "--subgidname" },
					       { NULL, NULL } };
	static const char *const all[][2] = { { "UIDMap", "--uidmap" },
					      { "GIDMap", "--gidmap" },
					      { NULL, NULL } };
	map_last(u, c, last);
	map_words(u, c, all);
}

/* [Service] rules Quadlet checks: KillMode mixed or control-group (mixed by default). */
static int service_killmode(const struct gen_unit *u, struct gen_unit *svc)
{
	const char *km = gen_last(svc, "Service", "KillMode");
	if (km && strcmp(km, "mixed") != 0 && strcmp(km, "control-group") != 0) {
		gen_warn(u, 0, "invalid KillMode '%s'", km);
		return -1;
	}
	if (km == NULL)
		gen_set(svc, "Service", "KillMode", "mixed");
	return 0;
}

/* The run flags of [Container] between `run --name ...` and the image. */
static int container_flags(const struct gen_ctx *ctx, const struct gen_unit *u,
			   struct gen_unit *svc, struct cmd *c)
{
	static const char *const last[][2] = {
		{ "Timezone", "--tz" },
		{ "PidsLimit", "--pids-limit" },
		{ "ShmSize", "--shm-size" },
		{ "Entrypoint", "--entrypoint" },
		{ "WorkingDir", "--workdir" },
		{ "IP", "--ip" },
		{ "IP6", "--ip6" },
		{ "HostName", "--hostname" },
		{ "StopSignal", "--stop-signal" },
		{ "StopTimeout", "--stop-timeout" },
		{ "Pull", "--pull" },
		{ "Memory", "--memory" },
		{ NULL, NULL },
	};
	static const char *const all[][2] = {
		{ "NetworkAlias", "--network-alias" },
		{ "Ulimit", "--ulimit" },
		{ "DNS", "--dns" },
		{ "DNSOption", "--dns-option" },
		{ "DNSSearch", "--dns-search" },
		{ "GroupAdd", "--group-add" },
		{ "AddHost", "--add-host" },
		{ "Tmpfs", "--tmpfs" },
		{ NULL, NULL },
	};
	static const char *const bools[][2] = { { "RunInit", "--init" },
						{ "EnvironmentHost", "--env-host" },
						{ "ReadOnlyTmpfs", "--read-only-tmpfs" },
						{ "ReadOnly", "--read-only" },
						{ NULL, NULL } };
	static const char *const words[][2] = {
		{ "DropCapability", "--cap-drop" },
		{ "AddCapability", "--cap-add" },
		{ "ExposeHostPort", "--expose" },
		{ "Environment", "--env" },
		{ "Label", "--label" },
		{ "Annotation", "--annotation" },
		{ "Secret", "--secret" },
		{ "LogOpt", "--log-opt" },
		{ "AddDevice", "--device" },
		{ "Sysctl", "--sysctl" },
		{ NULL, NULL },
	};
	const char *v;
	if ((v = gen_last(u, "Container", "LogDriver")))
		add2(c, "--log-driver", v);
	map_last(u, c, last);
	map_all(u, c, all);
	if (map_bool(u, c, bools) < 0 || add_networks(ctx, u, svc, c) < 0)
		return -1;
	bool b = false;
	if (gen_bool(u, "Container", "NoNewPrivileges", &b) == 1 && b)
		add(c, "--security-opt=no-new-privileges");
	if (gen_bool(u, "Container", "SecurityLabelDisable", &b) == 1 && b)
		add2(c, "--security-opt", "label=disable");
	if ((v = gen_last(u, "Container", "SeccompProfile"))) {
		autofree char *s = xasprintf("seccomp=%s", v);
		add2(c, "--security-opt", s);
	}
	bool ro = false;
	gen_bool(u, "Container", "ReadOnly", &ro);
	if (gen_bool(u, "Container", "VolatileTmp", &b) == 1 && b && !ro)
		add2(c, "--tmpfs", "/tmp:rw,size=512M,mode=1777");
	const char *user = gen_last(u, "Container", "User");
	const char *group = gen_last(u, "Container", "Group");
	if (group && *group && !(user && *user)) {
		gen_warn(u, 0, "invalid Group set without User");
		return -1;
	}
	if (user && *user) {
		autofree char *ug =
		    group && *group ? xasprintf("%s:%s", user, group) : xstrdup(user);
		add2(c, "--user", ug);
	}
	add_userns(u, c);
	if (add_volumes(ctx, u, svc, c) < 0)
		return -1;
	if ((v = gen_last(u, "Container", "AutoUpdate")) && *v) {
		autofree char *l = xasprintf("io.containers.autoupdate=%s", v);
		add2(c, "--label", l);
	}
	autostrv char **ports = gen_all(u, "Container", "PublishPort");
	for (size_t i = 0; ports[i]; i++)
		add2(c, "--publish", ports[i]);
	map_words(u, c, words);
	autostrv char **masks = gen_all_words(u, "Container", "Mask");
	for (size_t i = 0; masks[i]; i++) {
		autofree char *s = xasprintf("mask=%s", masks[i]);
		add2(c, "--security-opt", s);
	}
	autostrv char **envf = gen_all_words(u, "Container", "EnvironmentFile");
	for (size_t i = 0; envf[i]; i++) {
		autofree char *abs = NULL;
		if (envf[i][0] != '/' && envf[i][0] != '%' && u->path) {
			autofree char *dir = xstrdup(u->path);
			*strrchr(dir, '/') = '\0';
			abs = xasprintf("%s/%s", dir, envf[i]);
		}
		add2(c, "--env-file", abs ? abs : envf[i]);
	}
	if (add_mounts(ctx, u, svc, c) < 0)
		return -1;
	add_health(u, c);
	return 0;
}

/* Pod=web.pod: the container joins the pod and starts with it (StartWithPod, default). */
static int container_pod(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
			 struct cmd *c)
{
	const char *pod = gen_last(u, "Container", "Pod");
	if (pod == NULL || *pod == '\0')
		return 0;
	if (!has_suffix(pod, ".pod")) {
		gen_warn(u, 0, "pod %s is not Quadlet based", pod);
		return -1;
	}
	struct gen_unit *p = gen_find(ctx, pod);
	const char *res = refer(ctx, u, svc, pod, "pod");
	if (res == NULL)
		return -1;
	add2(c, "--pod", res);
	bool start = true;
	gen_bool(u, "Container", "StartWithPod", &start);
	if (start)
		strv_push(&p->pod_members, svc->filename);
	return 0;
}

static int image_source(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc,
			const char *image, const char **out)
{
	*out = image;
	if (has_suffix(image, ".image") && (*out = refer(ctx, u, svc, image, "image")) == NULL)
		return -1;
	return 0;
}

static int fill_container(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	const char *image = gen_last(u, "Container", "Image");
	const char *rootfs = gen_last(u, "Container", "Rootfs");
	if (!(image && *image) == !(rootfs && *rootfs)) {
		gen_warn(u, 0,
			 image && *image ? "the Image and Rootfs keys conflict"
					 : "no Image or Rootfs key specified");
		return -1;
	}
	autocmd struct cmd c = { 0 };
	if (image && *image && image_source(ctx, u, svc, image, &image) < 0)
		return -1;
	const char *type = gen_last(svc, "Service", "Type");
	if (type && strcmp(type, "notify") != 0 && strcmp(type, "oneshot") != 0) {
		gen_warn(u, 0, "invalid service Type '%s'", type);
		return -1;
	}
	/* auto-update finds the unit by this variable (and label). */
	gen_add(svc, "Service", "Environment", "PODMAN_SYSTEMD_UNIT=%n");
	if (service_killmode(u, svc) < 0)
		return -1;
	/* conmon's work is the monitor's: if it died uncleanly the container may be left, so
	 * ExecStopPost removes it too (ExecStop is skipped when the main process is gone). */
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "rm", "-v", "-f", "-i", CID, NULL });
	autofree char *rm = cmd_line(&c, "");
	gen_add(svc, "Service", "ExecStop", rm);
	cmd_emit(&c, svc, "ExecStopPost", "-");
	gen_add(svc, "Service", "Delegate", "yes");

	cmd_init(&c, ctx, u);
	const char *cn = gen_last(u, "Container", "ContainerName");
	if (cn == NULL || *cn == '\0')
		cn = strchr(u->filename, '@') ? "systemd-%p_%i" : "systemd-%N";
	autofree char *name = xasprintf("--name=%s", cn);
	addv(&c, (char *[]){ "run", name, CID, "--replace", "--rm", NULL });
	if (container_flags(ctx, u, svc, &c) < 0)
		return -1;
	if (type == NULL || strcmp(type, "oneshot") != 0) {
		/* Not oneshot: always some sd_notify, by the monitor unless Notify= says. */
		const char *n = gen_last(u, "Container", "Notify");
		bool nb = false;
		if (n && strcasecmp(n, "healthy") == 0)
			add(&c, "--sdnotify=healthy");
		else if (gen_bool(u, "Container", "Notify", &nb) == 1 && nb)
			add(&c, "--sdnotify=container");
		else
			add(&c, "--sdnotify=conmon");
		gen_set(svc, "Service", "Type", "notify");
		gen_set(svc, "Service", "NotifyAccess", "all");
		add(&c, "-d");
	}
	if (gen_last(u, "Service", "SyslogIdentifier") == NULL)
		gen_set(svc, "Service", "SyslogIdentifier", "%N");
	add2(&c, "--label", "PODMAN_SYSTEMD_UNIT=%n");
	if (container_pod(ctx, u, svc, &c) < 0)
		return -1;
	autostrv char **pargs = gen_all_words(u, "Container", "PodmanArgs");
	addv(&c, pargs);
	if (image && *image)
		add(&c, image);
	else
		add2(&c, "--rootfs", rootfs);
	autostrv char **exec = gen_last_words(u, "Container", "Exec");
	addv(&c, exec);
	cmd_emit(&c, svc, "ExecStart", "");
	return 0;
}

/* The oneshot shape of .volume, .network and .image units. */
static void oneshot(const struct gen_unit *u, struct gen_unit *svc, bool remain)
{
	if (gen_last(u, "Service", "SyslogIdentifier") == NULL)
		gen_set(svc, "Service", "SyslogIdentifier", "%N");
	if (gen_last(u, "Service", "Type") == NULL)
		gen_set(svc, "Service", "Type", "oneshot");
	if (remain && gen_last(u, "Service", "RemainAfterExit") == NULL)
		gen_set(svc, "Service", "RemainAfterExit", "yes");
}

static int fill_volume(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	autocmd struct cmd c = { 0 };
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "volume", "create", "--ignore", NULL });
	const char *drv = gen_last(u, "Volume", "Driver");
	if (drv)
		add2(&c, "--driver", drv);
	autofree char *o = xstrdup("o=");
	const char *v;
	if (drv && strcmp(drv, "image") == 0) {
		const char *img = gen_last(u, "Volume", "Image");
		if (img == NULL) {
			gen_warn(u, 0, "the key Image is mandatory when using the image driver");
			return -1;
		}
		if (image_source(ctx, u, svc, img, &img) < 0)
			return -1;
		free(o);
		o = xasprintf("image=%s", img);
	} else {
		for (int i = 0; i < 2; i++) {
			const char *key = i ? "Group" : "User";
			if ((v = gen_last(u, "Volume", key))) {
				char *n = xasprintf("%s%s%s=%s", o, o[2] ? "," : "",
						    i ? "gid" : "uid", v);
				free(o);
				o = n;
			}
		}
		bool cp = false;
		if (gen_bool(u, "Volume", "Copy", &cp) == 1)
			add2(&c, "--opt", cp ? "copy" : "nocopy");
		const char *dev = gen_last(u, "Volume", "Device");
		const char *type = gen_last(u, "Volume", "Type");
		const char *mo = gen_last(u, "Volume", "Options");
		if ((type && *type) || (mo && *mo)) {
			if (!(dev && *dev)) {
				gen_warn(u, 0, "key %s can't be used without Device",
					 type && *type ? "Type" : "Options");
				return -1;
			}
		}
		if (dev && *dev) {
			autofree char *d = xasprintf("device=%s", dev);
			add2(&c, "--opt", d);
			if (type && *type) {
				autofree char *t = xasprintf("type=%s", type);
				add2(&c, "--opt", t);
				if (strcmp(type, "bind") == 0)
					gen_add(svc, "Unit", "RequiresMountsFor", dev);
			}
			if (mo && *mo) {
				char *n = xasprintf("%s%s%s", o, o[2] ? "," : "", mo);
				free(o);
				o = n;
			}
		}
	}
	if (strcmp(o, "o=") != 0)
		add2(&c, "--opt", o);
	static const char *const words[][2] = { { "Label", "--label" }, { NULL, NULL } };
	map_words(u, &c, words);
	autostrv char **pargs = gen_all_words(u, "Volume", "PodmanArgs");
	addv(&c, pargs);
	add(&c, u->resource);
	cmd_emit(&c, svc, "ExecStart", "");
	oneshot(u, svc, true);
	return 0;
}

static int fill_network(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	autocmd struct cmd c = { 0 };
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "network", "create", "--ignore", NULL });
	static const char *const bools[][2] = { { "DisableDNS", "--disable-dns" },
						{ "Internal", "--internal" },
						{ "IPv6", "--ipv6" },
						{ NULL, NULL } };
	static const char *const last[][2] = { { "Driver", "--driver" },
					       { "IPAMDriver", "--ipam-driver" },
					       { NULL, NULL } };
	static const char *const all[][2] = { { "DNS", "--dns" }, { NULL, NULL } };
	static const char *const words[][2] = { { "Options", "--opt" },
						{ "Label", "--label" },
						{ NULL, NULL } };
	if (map_bool(u, &c, bools) < 0)
		return -1;
	map_last(u, &c, last);
	map_all(u, &c, all);
	autostrv char **sub = gen_all(u, "Network", "Subnet");
	autostrv char **gw = gen_all(u, "Network", "Gateway");
	autostrv char **rng = gen_all(u, "Network", "IPRange");
	size_t ns = strv_len(sub), ng = strv_len(gw), nr = strv_len(rng);
	if (ng > ns || nr > ns) {
		gen_warn(u, 0,
			 ns ? "cannot set more gateways or ranges than subnets"
			    : "cannot set gateway or range without subnet");
		return -1;
	}
	for (size_t i = 0; i < ns; i++) {
		add2(&c, "--subnet", sub[i]);
		if (i < ng)
			add2(&c, "--gateway", gw[i]);
		if (i < nr)
			add2(&c, "--ip-range", rng[i]);
	}
	map_words(u, &c, words);
	autostrv char **pargs = gen_all_words(u, "Network", "PodmanArgs");
	addv(&c, pargs);
	add(&c, u->resource);
	cmd_emit(&c, svc, "ExecStart", "");
	oneshot(u, svc, true);
	return 0;
}

static int fill_image(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	const char *image = gen_last(u, "Image", "Image");
	if (image == NULL || *image == '\0') {
		gen_warn(u, 0, "no Image key specified");
		return -1;
	}
	autocmd struct cmd c = { 0 };
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "image", "pull", NULL });
	static const char *const last[][2] = {
		{ "Arch", "--arch" },
		{ "AuthFile", "--authfile" },
		{ "CertDir", "--cert-dir" },
		{ "Creds", "--creds" },
		{ "DecryptionKey", "--decryption-key" },
		{ "OS", "--os" },
		{ "Variant", "--variant" },
		{ NULL, NULL },
	};
	static const char *const bools[][2] = { { "AllTags", "--all-tags" },
						{ "TLSVerify", "--tls-verify" },
						{ NULL, NULL } };
	map_last(u, &c, last);
	if (map_bool(u, &c, bools) < 0)
		return -1;
	autostrv char **pargs = gen_all_words(u, "Image", "PodmanArgs");
	addv(&c, pargs);
	add(&c, image);
	cmd_emit(&c, svc, "ExecStart", "");
	oneshot(u, svc, true);
	return 0;
}

/* A .pod: `pod create` before start, `pod start`, then stop and removal. hutch's pod has
 * no infra pidfile for Type=forking as podman's, so the unit is a oneshot that stays
 * active (RemainAfterExit) while the containers' own units run. */
static int fill_pod(const struct gen_ctx *ctx, const struct gen_unit *u, struct gen_unit *svc)
{
	for (size_t i = 0; u->pod_members && u->pod_members[i]; i++) {
		gen_add(svc, "Unit", "Wants", u->pod_members[i]);
		gen_add(svc, "Unit", "Before", u->pod_members[i]);
	}
	if (gen_last(u, "Service", "SyslogIdentifier") == NULL)
		gen_set(svc, "Service", "SyslogIdentifier", "%N");
	autocmd struct cmd c = { 0 };
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "pod", "start", u->resource, NULL });
	cmd_emit(&c, svc, "ExecStart", "");
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "pod", "stop", "--ignore", "--time=10", u->resource, NULL });
	cmd_emit(&c, svc, "ExecStop", "");
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "pod", "rm", "--ignore", "--force", u->resource, NULL });
	cmd_emit(&c, svc, "ExecStopPost", "");
	cmd_init(&c, ctx, u);
	addv(&c, (char *[]){ "pod", "create", "--replace", "--exit-policy=stop", NULL });
	add_userns(u, &c);
	autostrv char **ports = gen_all(u, "Pod", "PublishPort");
	for (size_t i = 0; ports[i]; i++)
		add2(&c, "--publish", ports[i]);
	static const char *const words[][2] = { { "Label", "--label" }, { NULL, NULL } };
	static const char *const last[][2] = {
		{ "IP", "--ip" }, { "IP6", "--ip6" }, { "ShmSize", "--shm-size" }, { NULL, NULL }
	};
	static const char *const all[][2] = {
		{ "NetworkAlias", "--network-alias" },
		{ "DNS", "--dns" },
		{ "DNSOption", "--dns-option" },
		{ "DNSSearch", "--dns-search" },
		{ "AddHost", "--add-host" },
		{ "HostName", "--hostname" },
		{ NULL, NULL },
	};
	map_words(u, &c, words);
	if (add_networks(ctx, u, svc, &c) < 0)
		return -1;
	map_last(u, &c, last);
	map_all(u, &c, all);
	if (add_volumes(ctx, u, svc, &c) < 0)
		return -1;
	autofree char *infra = xasprintf("%s-infra", u->resource);
	add2(&c, "--infra-name", infra);
	add2(&c, "--name", u->resource);
	autostrv char **pargs = gen_all_words(u, "Pod", "PodmanArgs");
	addv(&c, pargs);
	cmd_emit(&c, svc, "ExecStartPre", "");
	gen_add(svc, "Service", "Environment", "PODMAN_SYSTEMD_UNIT=%n");
	if (gen_last(u, "Service", "Type") == NULL)
		gen_set(svc, "Service", "Type", "oneshot");
	if (gen_last(u, "Service", "RemainAfterExit") == NULL)
		gen_set(svc, "Service", "RemainAfterExit", "yes");
	return 0;
}

static int (*const fill[GEN_KINDS])(const struct gen_ctx *, const struct gen_unit *,
				    struct gen_unit *) = {
	[GEN_IMAGE] = fill_image,	  [GEN_VOLUME] = fill_volume, [GEN_NETWORK] = fill_network,
	[GEN_CONTAINER] = fill_container, [GEN_POD] = fill_pod,
};

/* The service of u, or NULL (warned about) when the file is in error. */
static struct gen_unit *convert(const struct gen_ctx *ctx, const struct gen_unit *u)
{
	if (unknown_keys(u))
		return NULL;
	struct gen_unit *svc = service_init(ctx, u);
	if (svc && fill[u->kind](ctx, u, svc) < 0) {
		gen_unit_free(svc);
		return NULL;
	}
	return svc;
}

void gen_convert_all(struct gen_ctx *ctx, struct gen_unit **out)
{
	for (size_t i = 0; i < ctx->n; i++)
		name_unit(ctx->units[i]);
	/* Kinds in order: a container adds itself to its pod's members before the pod. */
	for (int k = 0; k < GEN_KINDS; k++) {
		for (size_t i = 0; i < ctx->n; i++) {
			struct gen_unit *u = ctx->units[i];
			if (u->kind != (enum gen_kind)k)
				continue;
			out[i] = convert(ctx, u);
			if (out[i] == NULL) {
				gen_warn(u, 0, "no unit generated");
				ctx->errors++;
			}
		}
	}
}

int gen_kind_of(const char *filename)
{
	for (int k = 0; k < GEN_KINDS; k++)
		if (has_suffix(filename, kinds[k].ext) && strlen(filename) > strlen(kinds[k].ext))
			return k;
	return -1;
}
