/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `commit`: podman's rules for what a container gives its new image. The settings come
 * from the record (entrypoint and command as create chose them, env, working dir, user,
 * labels over the image's, published ports as exposed ones, volumes on request), then the
 * --change instructions; storage_commit writes the layer from the upper dir and the image.
 * A running container is frozen meanwhile only with --pause (podman's default is not to).
 */
#include "oci/engine/internal.h"
#include "userns/userns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* KEY=VALUE entries of a record's {K: V} object. */
static void kv_merge(char ***kv, struct json_object *o)
{
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach (o, k, v) {
		if (!json_object_is_type(v, json_type_string))
			continue;
		size_t n = strlen(k);
		bool found = false;
		for (size_t i = 0; *kv != NULL && (*kv)[i] != NULL && !found; i++)
			if (strncmp((*kv)[i], k, n) == 0 && (*kv)[i][n] == '=') {
				free((*kv)[i]);
				(*kv)[i] = xasprintf("%s=%s", k, json_object_get_string(v));
				found = true;
			}
		if (!found)
			strv_push_take(kv, xasprintf("%s=%s", k, json_object_get_string(v)));
	}
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = v != NULL && *v ? xstrdup(v) : NULL;
}

static void push_new(char ***v, const char *s)
{
	if (!strv_contains(*v, s))
		strv_push(v, s);
}

/* The image's config overlaid with the container's settings, as podman's commit takes them. */
static void config_from_record(struct json_object *doc, const struct eng_ctr *c,
			       const struct eng_ctr_commit_opts *o,
			       struct storage_image_config *cfg)
{
	struct json_object *ep = json_get(doc, "Entrypoint"), *cmd = json_get(doc, "Cmd");
	if (ep != NULL || cmd != NULL || json_get(doc, "Args") == NULL) {
		strv_free(cfg->entrypoint);
		strv_free(cfg->cmd);
		cfg->entrypoint = json_strv(ep);
		cfg->cmd = json_strv(cmd);
		/* the record keeps "none" as an empty list; the image has no key then */
		if (cfg->entrypoint != NULL && cfg->entrypoint[0] == NULL)
			strv_free(cfg->entrypoint), cfg->entrypoint = NULL;
		if (cfg->cmd != NULL && cfg->cmd[0] == NULL)
			strv_free(cfg->cmd), cfg->cmd = NULL;
	} else { /* a record from before Entrypoint and Cmd: the whole process as Cmd */
		strv_free(cfg->entrypoint);
		strv_free(cfg->cmd);
		cfg->entrypoint = NULL;
		cfg->cmd = json_strv(json_get(doc, "Args"));
	}
	autostrv char **env = json_strv(json_get(doc, "Env"));
	if (env != NULL) {
		/* Not what podman commits: the HOSTNAME and HOME (from /etc/passwd, when the
		 * image sets none) the engine adds at create for the process alone. */
		bool image_home = false;
		for (size_t i = 0; cfg->env != NULL && cfg->env[i] != NULL; i++)
			image_home |= strncmp(cfg->env[i], "HOME=", 5) == 0;
		strv_free(cfg->env);
		cfg->env = xcalloc(1, sizeof(char *));
		for (size_t i = 0; env[i] != NULL; i++)
			if (strncmp(env[i], "HOSTNAME=", 9) != 0 &&
			    (image_home || strncmp(env[i], "HOME=", 5) != 0))
				strv_push(&cfg->env, env[i]);
	}
	set_str(&cfg->workdir, json_str(doc, "WorkingDir"));
	set_str(&cfg->user, json_str(doc, "User"));
	kv_merge(&cfg->labels, json_get(doc, "Labels"));
	for (size_t i = 0; i < c->n_ports; i++) {
		const struct net_port *p = &c->ports[i];
		for (int k = 0; k < (p->count > 0 ? (int)p->count : 1); k++) {
			autofree char *port =
			    xasprintf("%d/%s", p->container_port + k, net_proto_name(p->proto));
			push_new(&cfg->exposed_ports, port);
		}
	}
	struct json_object *mounts = json_get(doc, "Mounts");
	for (size_t i = 0; o->include_volumes && i < json_len(mounts); i++) {
		struct json_object *m = json_idx(mounts, i);
		const char *type = json_str(m, "Type"), *dst = json_str(m, "Destination");
		if (type != NULL && strcmp(type, "volume") == 0 && dst != NULL)
			push_new(&cfg->volumes, dst);
	}
}

/* Freeze for the commit when asked; without a cgroup freezer here, say so and go on. */
static bool pause_for_commit(struct eng_ctr *c, const struct eng_ctr_commit_opts *o)
{
	if (!o->pause || c->state.status != ENG_CTR_RUNNING)
		return false;
	struct error *e = NULL;
	if (eng_ctr_pause(c->eng, c, true, &e) == 0)
		return true;
	log_warn("committing %s without pausing it: %s", c->name, e->msg);
	err_free(&e);
	return false;
}

static int check_opts(const struct eng_ctr_commit_opts *o, bool *docker, struct error **err)
{
	const char *f = o->format ? o->format : "oci";
	if (strcmp(f, "oci") != 0 && strcmp(f, "docker") != 0)
		return err_set(err, EINVAL, ERR_TOOL, "unrecognized image format \"%s\"", f);
	*docker = strcmp(f, "docker") == 0;
	if (!*docker && o->message != NULL && *o->message)
		return err_set(err, EINVAL, ERR_TOOL,
			       "messages are only compatible with the docker image format (-f "
			       "docker)");
	return 0;
}

int eng_ctr_commit(struct eng_ctr *c, const struct eng_ctr_commit_opts *o, char **image_id,
		   char ***warnings, struct error **err)
{
	struct storage *s = c->eng->store;
	bool docker = false;
	*warnings = NULL;
	if (check_opts(o, &docker, err) < 0)
		return -1;
	/* The rootfs is mounted for a squash: a second mount of a running container's upper
	 * dir is what overlay warns against. */
	if (o->squash && (c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED))
		return err_set(err, EBUSY, ERR_TOOL,
			       "container %s is running: hutch squashes created and exited "
			       "containers only",
			       c->name);
	struct storage_image *img = NULL;
	if (c->image_id == NULL || *c->image_id == '\0')
		return err_msg(err, "container %s has no image to commit on", c->name);
	if (storage_image_lookup(s, c->image_id, &img, err) < 0)
		return err_wrap(err, "committing %s", c->name);
	struct storage_image_config cfg = { 0 };
	if (storage_image_config_get(img, &cfg, err) < 0) {
		storage_image_free(&img);
		return -1;
	}
	config_from_record(c->doc, c, o, &cfg);
	int rc = storage_import_changes(&cfg, o->changes, err);
	if (rc == 0 && !docker && cfg.onbuild != NULL) {
		/* As podman: the OCI config has no ONBUILD. */
		for (size_t i = 0; cfg.onbuild[i] != NULL; i++)
			strv_push_take(warnings, xasprintf("ONBUILD is not supported for OCI image "
							   "format, %s will be ignored. Must use "
							   "`docker` format",
							   cfg.onbuild[i]));
		strv_free(cfg.onbuild);
		cfg.onbuild = NULL;
	}
	/* keep-id: the container's ids are not the store's; the layer gets the container's.
	 * A rootfs mounted with fuse-overlayfs's mapping wrote the store's usual owners. */
	struct userns_map keepid = { 0 };
	bool nested = c->userns != NULL && strcmp(c->userns, "keep-id") == 0 &&
		      !storage_rootfs_shifted(s, c->id);
	if (rc == 0 && nested)
		rc = userns_keepid_map(&keepid, err);
	if (rc == 0) {
		struct storage_commit_opts so = { .ctr_id = c->id,
						  .image = img,
						  .image_name = c->image_name,
						  .config = &cfg,
						  .author = o->author,
						  .message = o->message,
						  .docker = docker,
						  .squash = o->squash,
						  .ids = nested ? &keepid : NULL,
						  .name = o->name };
		bool paused = pause_for_commit(c, o);
		rc = storage_commit(s, &so, image_id, err);
		struct error *e2 = NULL;
		if (paused && eng_ctr_pause(c->eng, c, false, &e2) < 0) {
			log_warn("unpausing %s: %s", c->name, e2->msg);
			err_free(&e2);
		}
	}
	userns_map_clear(&keepid);
	storage_image_config_clear(&cfg);
	storage_image_free(&img);
	return rc;
}
