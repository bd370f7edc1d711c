/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RUN --mount=type=cache|bind|tmpfs|secret for build.c's RUN steps: each spec becomes an
 * engine --mount or --tmpfs; bind and cache sources are resolved beneath their root with no
 * symlink followed and no `..` climbing out (CVE-2024-9675, CVE-2024-23651/23652,
 * CVE-2025-4953), and the mount points the runtime makes are taken out of the layer again.
 */
#include "oci/engine/build.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- RUN --mount ---------- */

void bld_run_mounts_clear(struct run_mounts *m)
{
	strv_free(m->mounts);
	strv_free(m->tmpfs);
	strv_free(m->targets);
	*m = (struct run_mounts){ 0 };
}

/* A path below root given by the user: cleaned; a climb out is refused (CVE-2024-9675,
 * CVE-2024-23651/23652, CVE-2025-4953); no symlink on the way (the host path is mounted). */
static int below(int rootfd, const char *root, const char *what, const char *p, char **out,
		 struct error **err)
{
	bool climbs = false;
	autofree char *c = bld_clean(p, &climbs);
	if (climbs)
		return err_set(err, EPERM, ERR_TOOL, "%s %s: outside %s: refused", what, p, root);
	int fd = fs_openat2(rootfd, *c ? c : ".", O_PATH, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		return err_set(err, errno, ERR_TOOL, "%s %s: %s%s", what, p, strerror(errno),
			       errno == ELOOP || errno == EXDEV ? " (symbolic links are refused)"
								: "");
	close(fd);
	autofree char *rp = realpath(root, NULL);
	*out = xasprintf("%s%s%s", rp ? rp : root, *c ? "/" : "", c);
	return 0;
}

/* The file --secret id=ID,src=PATH gives for id (owned), or NULL. */
static char *secret_src(struct bctx *b, const char *id)
{
	for (size_t i = 0; b->o->secrets != NULL && b->o->secrets[i] != NULL; i++) {
		autofree char *dup = xstrdup(b->o->secrets[i]);
		const char *sid = NULL, *src = NULL;
		for (char *save = NULL, *t = strtok_r(dup, ",", &save); t;
		     t = strtok_r(NULL, ",", &save)) {
			if (strncmp(t, "id=", 3) == 0)
				sid = t + 3;
			else if (strncmp(t, "src=", 4) == 0 || strncmp(t, "source=", 7) == 0)
				src = strchr(t, '=') + 1;
		}
		if (sid && src && strcmp(sid, id) == 0)
			return xstrdup(src);
	}
	return NULL;
}

int bld_parse_mount(struct bstate *st, const char *spec, struct run_mounts *m, struct error **err)
{
	struct bctx *b = st->b;
	autofree char *dup = xstrdup(spec);
	const char *type = "bind", *src = NULL, *target = NULL, *id = NULL;
	bool rw = false;
	for (char *save = NULL, *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		const char *v = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (strcmp(t, "type") == 0)
			type = v;
		else if (strcmp(t, "source") == 0 || strcmp(t, "src") == 0)
			src = v;
		else if (strcmp(t, "target") == 0 || strcmp(t, "dst") == 0 ||
			 strcmp(t, "destination") == 0)
			target = v;
		else if (strcmp(t, "id") == 0)
			id = v;
		else if (strcmp(t, "rw") == 0 || strcmp(t, "readwrite") == 0)
			rw = eq == NULL || strcmp(v, "true") == 0;
		else if (strcmp(t, "ro") == 0 || strcmp(t, "readonly") == 0)
			rw = !(eq == NULL || strcmp(v, "true") == 0);
		else if (strcmp(t, "required") && strcmp(t, "mode") && strcmp(t, "uid") &&
			 strcmp(t, "gid") && strcmp(t, "sharing") && strcmp(t, "size"))
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: RUN --mount: unknown option %s", b->file,
				       st->in->line, t);
	}
	autofree char *tgt = NULL;
	if (strcmp(type, "secret") == 0 && target == NULL && id != NULL)
		tgt = xasprintf("/run/secrets/%s", id);
	else if (target == NULL || *target == '\0')
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: RUN --mount: no target", b->file,
			       st->in->line);
	else {
		const char *wd = json_str(bld_config(st), "WorkingDir");
		tgt = target[0] == '/' ? xstrdup(target)
				       : xasprintf("%s/%s", wd && *wd ? wd : "", target);
	}
	strv_push(&m->targets, tgt);
	autofree char *host = NULL;
	if (strcmp(type, "bind") == 0) {
		if (rw)
			return err_set(err, EINVAL, ERR_TOOL,
				       "%s:%d: RUN --mount=type=bind: rw is not supported: the "
				       "context is mounted read-only",
				       b->file, st->in->line);
		if (below(b->ctxfd, b->context, "bind mount source", src ? src : ".", &host, err) <
		    0)
			return -1;
		strv_push_take(&m->mounts, xasprintf("type=bind,src=%s,dst=%s,ro", host, tgt));
	} else if (strcmp(type, "cache") == 0) {
		char hex[SHA256_HEX_LEN + 1];
		const char *key = id && *id ? id : tgt;
		sha256_hex(key, strlen(key), hex);
		autofree char *dir = xasprintf("%s/buildcache-mounts/%s", storage_root(b->s), hex);
		if (fs_mkdir_p(dir, 0755, err) < 0)
			return -1;
		autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_sys(err, "opening %s", dir);
		if (src != NULL) {
			bool climbs = false;
			autofree char *c = bld_clean(src, &climbs);
			if (climbs)
				return err_set(err, EPERM, ERR_TOOL,
					       "cache mount source %s: outside the cache: refused",
					       src);
			autofree char *sub = xasprintf("%s/%s", dir, c);
			if (fs_mkdir_p(sub, 0755, err) < 0)
				return -1;
		}
		if (below(dfd, dir, "cache mount source", src ? src : ".", &host, err) < 0)
			return -1;
		strv_push_take(&m->mounts, xasprintf("type=bind,src=%s,dst=%s", host, tgt));
	} else if (strcmp(type, "tmpfs") == 0) {
		strv_push(&m->tmpfs, tgt);
	} else if (strcmp(type, "secret") == 0) {
		autofree char *path = id ? secret_src(b, id) : NULL;
		if (path == NULL)
			return err_set(err, ENOENT, ERR_TOOL,
				       "%s:%d: RUN --mount=type=secret: no --secret id=%s given",
				       b->file, st->in->line, id ? id : "");
		autofree char *rp = realpath(path, NULL);
		if (rp == NULL)
			return err_sys(err, "secret %s: %s", id, path);
		strv_push_take(&m->mounts, xasprintf("type=bind,src=%s,dst=%s,ro", rp, tgt));
	} else
		return err_set(err, EINVAL, ERR_TOOL, "%s:%d: RUN --mount: unknown type %s",
			       b->file, st->in->line, type);
	return 0;
}

/* Take the mount points the runtime made (targets that no layer of img has, and their
 * parents made with them) out of the container's upper dir: empty dirs and empty files. */
void bld_drop_mountpoints(struct bctx *b, const struct storage_image *img, const struct eng_ctr *c,
			  char *const *targets)
{
	autostrv char **dirs = storage_image_layer_dirs(b->s, img);
	autofree char *cdir = eng_ctr_dir(b->eng, c->id);
	for (size_t i = 0; targets != NULL && targets[i] != NULL; i++) {
		bool climbs;
		autofree char *t = bld_clean(targets[i], &climbs);
		while (*t) {
			bool in_image = false;
			for (size_t k = 0; dirs != NULL && dirs[k] != NULL && !in_image; k++) {
				autofree char *p = xasprintf("%s/%s", dirs[k], t);
				in_image = fs_exists(p);
			}
			if (in_image)
				break;
			autofree char *p = xasprintf("%s/upper/%s", cdir, t);
			struct stat sb;
			if (lstat(p, &sb) == 0 &&
			    (S_ISDIR(sb.st_mode) ? rmdir(p) < 0
						 : (sb.st_size != 0 || unlink(p) < 0)))
				break;
			char *sl = strrchr(t, '/');
			if (sl == NULL)
				break;
			*sl = '\0';
		}
	}
}
