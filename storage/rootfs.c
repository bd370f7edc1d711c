/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What containers need from the store: the image config, the ordered layer dirs, per-
 * container upper/work/merged dirs with a record naming the image, and the rootfs mount
 * (kernel overlay with userxattr, or fuse-overlayfs) done from inside the container's
 * user and mount namespaces.
 */
#include "storage/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTR_RECORD "container.json"

/*
 * config.KEY as a vector (NULL when absent or not an array). Every element must be a
 * string: the image is the attacker, and a null in Env or Cmd is no string to copy.
 */
static int cfg_strv(const struct storage_image *img, struct json_object *o, const char *key,
		    char ***out, struct error **err)
{
	size_t bad = 0;
	if (json_strv_all(json_get(o, key), out, &bad) < 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "image %.12s: config.%s: element %zu is not a string", img->id, key,
			       bad);
	return 0;
}

int storage_image_config_get(const struct storage_image *img, struct storage_image_config *c,
			     struct error **err)
{
	*c = (struct storage_image_config){ 0 };
	struct json_object *cc = NULL, *ports = NULL;
	if (img->config == NULL)
		return err_msg(err, "image %.12s has no config", img->id);
	if ((cc = json_get_type(img->config, "config", json_type_object)) == NULL)
		return 0; /* an image with no runtime config at all is legal */
	if (cfg_strv(img, cc, "Entrypoint", &c->entrypoint, err) < 0 ||
	    cfg_strv(img, cc, "Cmd", &c->cmd, err) < 0 ||
	    cfg_strv(img, cc, "Env", &c->env, err) < 0) {
		storage_image_config_clear(c);
		return -1;
	}
	c->workdir = json_str_dup(cc, "WorkingDir");
	c->user = json_str_dup(cc, "User");
	c->stop_signal = json_str_dup(cc, "StopSignal");
	if ((ports = json_get_type(cc, "ExposedPorts", json_type_object)) != NULL) {
		size_t n = 0;
		c->exposed_ports =
		    xcalloc((size_t)json_object_object_length(ports) + 1, sizeof(char *));
		json_object_object_foreach (ports, k, v) {
			(void)v;
			c->exposed_ports[n++] = xstrdup(k);
		}
	}
	struct json_object *labels = json_get_type(cc, "Labels", json_type_object);
	struct json_object *vols = json_get_type(cc, "Volumes", json_type_object);
	if (labels != NULL) {
		json_object_object_foreach (labels, lk, lv)
			if (json_object_is_type(lv, json_type_string))
				strv_push_take(&c->labels,
					       xasprintf("%s=%s", lk, json_object_get_string(lv)));
	}
	if (vols != NULL) {
		json_object_object_foreach (vols, vk, vv) {
			(void)vv;
			strv_push(&c->volumes, vk);
		}
	}
	c->onbuild = json_strv(json_get(cc, "OnBuild"));
	return 0;
}

void storage_image_config_clear(struct storage_image_config *c)
{
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	strv_free(c->exposed_ports);
	strv_free(c->labels);
	strv_free(c->volumes);
	strv_free(c->onbuild);
	free(c->workdir);
	free(c->user);
	free(c->stop_signal);
	*c = (struct storage_image_config){ 0 };
}

char **storage_image_layer_dirs(struct storage *s, const struct storage_image *img)
{
	char **v = xcalloc(1, sizeof(char *));
	for (size_t i = strv_len(img->layers); i > 0; i--)
		strv_push_take(&v, store_layer_dir(s, img->layers[i - 1]));
	return v;
}

int64_t *storage_image_layer_sizes(struct storage *s, const struct storage_image *img)
{
	size_t n = strv_len(img->layers);
	int64_t *sizes = xcalloc(n + 1, sizeof(int64_t));
	for (size_t i = 0; i < n; i++)
		if (store_layer_info(s, img->layers[i], NULL, &sizes[i], NULL) < 0)
			sizes[i] = 0;
	return sizes;
}

static char *ctr_dir(struct storage *s, const char *id)
{
	return xasprintf("%s/containers/%s", s->root, id);
}

static bool valid_id(const char *id)
{
	if (id == NULL || *id == '\0' || strlen(id) > 128 || id[0] == '.')
		return false;
	for (const char *p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

int storage_container_create(struct storage *s, const char *ctr_id, const struct storage_image *img,
			     struct error **err)
{
	const char *image_id = img->id;
	if (!valid_id(ctr_id))
		return err_set(err, EINVAL, ERR_TOOL, "invalid container ID \"%s\"", ctr_id);
	autofree char *dir = ctr_dir(s, ctr_id);
	autofree char *tmp = xasprintf("%s/containers/.tmp-%s", s->root, ctr_id);
	autoclose int lk = store_lock(s, "meta.lock", true, false, err);
	if (lk < 0)
		return -1;
	autofree char *img_rec = xasprintf("%s/images/%s/image.json", s->root, image_id);
	if (!fs_exists(img_rec))
		return err_set(err, ENOENT, ERR_TOOL, "image %.12s: image not known", image_id);
	if (fs_exists(dir))
		return err_set(err, EEXIST, ERR_TOOL, "container storage %s already exists",
			       ctr_id);
	static const struct {
		const char *name;
		mode_t mode;
	} subs[] = { { "", 0700 }, { "/upper", 0755 }, { "/work", 0700 }, { "/merged", 0755 } };
	fs_rm_rf(tmp, NULL);
	int rc = 0;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]) && rc == 0; i++) {
		autofree char *p = xasprintf("%s%s", tmp, subs[i].name);
		if (mkdir(p, subs[i].mode) < 0 || chmod(p, subs[i].mode) < 0)
			rc = err_sys(err, "creating %s", p);
	}
	/* The root's mode is the image's, as containers/storage's: the upper dir, whose mode
	 * overlay shows for /, takes the top layer's (555 in images built from a "filesystem"
	 * package, which tools in the container check). */
	size_t n_layers = strv_len(img->layers);
	if (rc == 0 && n_layers > 0) {
		autofree char *top =
		    xasprintf("%s/layers/%s/diff", s->root, img->layers[n_layers - 1]);
		autofree char *upper = xasprintf("%s/upper", tmp);
		struct stat st;
		if (stat(top, &st) == 0 && chmod(upper, st.st_mode & 07777) < 0)
			rc = err_sys(err, "creating %s", upper);
	}
	if (rc < 0) {
		/* A full disk, say: no containers/.tmp-ID is left behind. */
		fs_rm_rf(tmp, NULL);
		return -1;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(ctr_id));
	json_object_object_add(o, "image", json_object_new_string(image_id));
	json_object_object_add(o, "created", json_object_new_int64((int64_t)time(NULL)));
	/* The image's layer chain, so a start mounts without looking the image up. */
	struct json_object *layers = json_object_new_array();
	for (size_t i = 0; img->layers != NULL && img->layers[i] != NULL; i++)
		json_object_array_add(layers, json_object_new_string(img->layers[i]));
	json_object_object_add(o, "layers", layers);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	autofree char *rec = xasprintf("%s/" CTR_RECORD, tmp);
	rc = store_write(rec, text, strlen(text), err);
	json_object_put(o);
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = err_sys(err, "creating %s", dir);
	if (rc < 0)
		fs_rm_rf(tmp, NULL);
	return rc;
}

void storage_container_unlist_paths(struct storage *s, const char *ctr_id, char **dir, char **trash,
				    char **lock)
{
	*dir = ctr_dir(s, ctr_id);
	*trash = xasprintf("%s/containers/.trash-%s", s->root, ctr_id);
	*lock = xasprintf("%s/meta.lock", s->root);
}

void storage_container_drop_tmp(struct storage *s, const char *ctr_id)
{
	if (!valid_id(ctr_id))
		return;
	autofree char *tmp = xasprintf("%s/containers/.tmp-%s", s->root, ctr_id);
	struct error *err = NULL;
	/* Its maker holds meta.lock from the first mkdir to the rename: with it, a .tmp-ID is
	 * a killed create's. */
	autoclose int lk = store_lock(s, "meta.lock", true, false, &err);
	if (lk < 0 || fs_rm_rf(tmp, &err) < 0) {
		log_debug("%s", err->msg);
		err_free(&err);
	}
}

int storage_container_unlist(struct storage *s, const char *ctr_id, struct error **err)
{
	if (!valid_id(ctr_id))
		return err_set(err, EINVAL, ERR_TOOL, "invalid container ID \"%s\"", ctr_id);
	autofree char *dir = ctr_dir(s, ctr_id);
	autofree char *trash = xasprintf("%s/containers/.trash-%s", s->root, ctr_id);
	autoclose int lk = store_lock(s, "meta.lock", true, false, err);
	if (lk < 0)
		return -1;
	if (rename(dir, trash) < 0)
		return errno == ENOENT ? 0 : err_sys(err, "removing %s", dir);
	return 1;
}

int storage_container_remove(struct storage *s, const char *ctr_id, struct error **err)
{
	int rc = storage_container_unlist(s, ctr_id, err);
	if (rc <= 0)
		return rc;
	autofree char *trash = xasprintf("%s/containers/.trash-%s", s->root, ctr_id);
	return store_rm_tree(s, trash, err);
}

int storage_container_purge(struct storage *s, const char *ctr_id, struct error **err)
{
	if (!valid_id(ctr_id))
		return err_set(err, EINVAL, ERR_TOOL, "invalid container ID \"%s\"", ctr_id);
	autofree char *trash = xasprintf("%s/containers/.trash-%s", s->root, ctr_id);
	autofree char *merged = xasprintf("%s/merged", trash);
	/* The mount moved with the rename. EPERM: not in the namespace that has it (prune
	 * from the host finishing a removal cut short), where there is nothing to unmount. */
	if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && errno != EPERM)
		return err_sys(err, "unmounting %s", merged);
	return store_rm_tree(s, trash, err);
}

/* podman's command lines may name vfs: the image commands work, a rootfs cannot be made. */
static int no_vfs(const struct storage *s, struct error **err)
{
	if (s->driver != STORAGE_DRIVER_VFS)
		return 0;
	return err_set(err, ENOTSUP, ERR_TOOL,
		       "the vfs storage driver has no container rootfs in hutch: use overlay or "
		       "fuse-overlayfs");
}

int storage_driver_resolve(struct storage *s, enum storage_driver *d, struct error **err)
{
	if (no_vfs(s, err) < 0)
		return -1;
	if (s->driver != STORAGE_DRIVER_AUTO) {
		*d = s->driver;
		return 0;
	}
	if (s->runtime == NULL && (s->runtime = paths_runtime_dir(err)) == NULL)
		return -1;
	bool native = false;
	autofree char *reason = NULL, *fpath = NULL, *freason = NULL;
	if (storage_overlay_probe(s->root, s->runtime, &native, &reason, err) < 0)
		return -1;
	if (native) {
		*d = s->driver = STORAGE_DRIVER_OVERLAY;
		return 0;
	}
	if (!storage_fuse_usable(&fpath, &freason))
		return err_msg(err, "no usable overlay: native overlay: %s; fuse-overlayfs: %s",
			       reason, freason);
	*d = s->driver = STORAGE_DRIVER_FUSE;
	return 0;
}

/* "lowerdir=A/diff:B/diff,upperdir=...,workdir=..." relative to root/layers (cwd). */
/* The layer chain the record keeps (bottom first), or NULL where it has none that is valid
 * (records written before it had one): the caller looks the image up then. */
char **store_record_layers(struct json_object *rec)
{
	autostrv char **out = NULL;
	size_t bad = 0;
	if (json_strv_all(json_get(rec, "layers"), &out, &bad) < 0 || out == NULL || out[0] == NULL)
		return NULL;
	/* A chain ID names a directory under layers/: nothing else is trusted. */
	for (size_t i = 0; out[i] != NULL; i++)
		if (strlen(out[i]) != SHA256_HEX_LEN || !store_is_hex(out[i]))
			return NULL;
	return steal_ptr(&out);
}

static char *mount_opts(struct storage *s, const char *ctr_id, bool native, struct error **err)
{
	autofree char *rec = xasprintf("%s/containers/%s/" CTR_RECORD, s->root, ctr_id);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(rec, 1 << 20, &text, &len, err) < 0)
		return NULL;
	struct json_object *o = doc_parse(text, len, rec, err);
	if (o == NULL)
		return NULL;
	autofree char *image = json_str_dup(o, "image");
	autostrv char **layers = store_record_layers(o);
	json_object_put(o);
	struct storage_image *img = NULL;
	if (layers == NULL) {
		if (image == NULL || storage_image_lookup(s, image, &img, err) < 0)
			return NULL;
		layers = img->layers;
		img->layers = NULL;
		storage_image_free(&img);
	}
	/* Relative lowerdirs keep long layer stacks under the page-sized option limit. */
	char *low = NULL;
	for (size_t i = strv_len(layers); i > 0; i--) {
		char *n = xasprintf("%s%s%s/diff", low ? low : "", low ? ":" : "", layers[i - 1]);
		free(low);
		low = n;
	}
	if (low == NULL) {
		err_msg(err, "image %.12s has no layers", image ? image : "");
		return NULL;
	}
	char *opts = xasprintf("lowerdir=%s,upperdir=../containers/%s/upper,workdir=../"
			       "containers/%s/work%s",
			       low, ctr_id, ctr_id, native ? ",userxattr" : "");
	free(low);
	if (strlen(opts) >= 4000) {
		free(opts);
		err_msg(err, "too many layers for one overlay mount");
		return NULL;
	}
	return opts;
}

/*
 * fuse-overlayfs's diagnostics, kept for the error: Debian 12's prints "unknown argument
 * ignored: lazytime" at every mount (libfuse passes the flag on), which is no news to the
 * user. What remains is the last line that is not that.
 */
static char *fuse_stderr(int fd)
{
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || fs_read_fd(fd, 1 << 16, &text, NULL, &e) < 0) {
		err_free(&e);
		return NULL;
	}
	char *last = NULL, *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
		if (strncmp(l, "unknown argument ignored: ", 26) != 0)
			last = l;
	return last ? xstrdup(last) : NULL;
}

static int mount_fuse(const char *opts, const char *target, struct error **err)
{
	autofree char *path = NULL, *reason = NULL;
	if (!storage_fuse_usable(&path, &reason))
		return err_msg(err, "fuse-overlayfs: %s", reason);
	/* A file, not a pipe: the daemon fuse-overlayfs leaves behind may keep it open. */
	autoclose int efd = memfd_create("fuse-overlayfs-stderr", MFD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0)
		return err_sys(err, "forking fuse-overlayfs");
	if (pid == 0) {
		if (efd >= 0)
			dup2(efd, STDERR_FILENO);
		execl(path, "fuse-overlayfs", "-o", opts, target, (char *)NULL);
		_exit(127);
	}
	int status;
	if (proc_wait(pid, &status, err) < 0)
		return -1;
	autofree char *said = fuse_stderr(efd);
	if (status != 0)
		return err_msg(err, "fuse-overlayfs failed (exit %d)%s%s", status, said ? ": " : "",
			       said ? said : "");
	if (said != NULL)
		log_debug("fuse-overlayfs: %s", said);
	return 0;
}

/* In a container's store dir: its rootfs is mounted with fuse-overlayfs only. */
#define FUSE_PIN "fuse-overlayfs"

bool storage_rootfs_shifted(const struct storage *s, const char *ctr_id)
{
	if (!valid_id(ctr_id))
		return false;
	autofree char *pin = xasprintf("%s/containers/%s/" FUSE_PIN, s->root, ctr_id);
	return fs_exists(pin);
}

static int rootfs_mount(struct storage *s, const char *ctr_id, char **mountpoint, bool vol,
			const struct storage_idmap *map, struct error **err)
{
	if (!valid_id(ctr_id))
		return err_set(err, EINVAL, ERR_TOOL, "invalid container ID \"%s\"", ctr_id);
	if (no_vfs(s, err) < 0)
		return -1;
	autofree char *target = xasprintf("%s/containers/%s/merged", s->root, ctr_id);
	autofree char *layers = xasprintf("%s/layers", s->root);
	autoclose int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(layers) < 0)
		return err_sys(err, "entering %s", layers);
	enum storage_driver d = s->driver;
	int rc = -1;
	/* Owners shown shifted: fuse-overlayfs's mapping (the kernel's idmapped layers need
	 * privileges a rootless user lacks). Without it, the owners as they are. An upper dir
	 * fuse-overlayfs wrote (its whiteouts and opaque marks are files where the kernel's
	 * are not) is mounted with fuse-overlayfs from then on: export, cp and diff see what
	 * the container saw. */
	autofree char *pin = xasprintf("%s/containers/%s/" FUSE_PIN, s->root, ctr_id);
	bool pinned = fs_exists(pin);
	autofree char *fpath = NULL, *freason = NULL;
	bool fuse_ok = (map != NULL || pinned) && storage_fuse_usable(&fpath, &freason);
	bool mapped = map != NULL && fuse_ok;
	if (map != NULL && !mapped)
		log_debug("owners of %s not shifted: fuse-overlayfs: %s", ctr_id, freason);
	struct error *perr = NULL;
	if (mapped && !pinned && fs_write_replace(pin, "", 0, 0600, &perr) < 0) {
		log_warn("%s", perr->msg);
		err_free(&perr);
	}
	if (fuse_ok)
		d = STORAGE_DRIVER_FUSE;
	if (d != STORAGE_DRIVER_FUSE) {
		autofree char *opts = mount_opts(s, ctr_id, true, err);
		/* What a volatile mount leaves in its work dir, which the kernel wants gone
		 * before the next mount of that upper dir (one that was not removed after all:
		 * its monitor was killed). */
		autofree char *incompat = xasprintf("../containers/%s/work/work/incompat", ctr_id);
		autofree char *vdir = xasprintf("%s/volatile", incompat);
		if (rmdir(vdir) == 0)
			rmdir(incompat);
		if (opts != NULL && vol) {
			/* No sync of the filesystem under the upper dir at the unmount (about a
			 * millisecond of a --rm container's end); as podman mounts --rm ones. */
			autofree char *vopts = xasprintf("%s,volatile", opts);
			rc = mount("overlay", target, "overlay", 0, vopts);
		}
		if (opts != NULL && rc < 0) {
			rc = mount("overlay", target, "overlay", 0, opts);
			if (rc < 0)
				err_sys(err, "mounting overlay on %s", target);
		}
		if (rc < 0 && d == STORAGE_DRIVER_AUTO && opts != NULL) {
			log_debug("%s; falling back to fuse-overlayfs", (*err)->msg);
			err_free(err);
			d = STORAGE_DRIVER_FUSE;
		}
	}
	if (d == STORAGE_DRIVER_FUSE) {
		autofree char *opts = mount_opts(s, ctr_id, false, err);
		if (opts != NULL && mapped) {
			/* allow_other: also for the container's own user namespace, nested
			 * in ours (cp and exec join it; FUSE serves no other by default) */
			char *o = xasprintf("%s,uidmapping=%s,gidmapping=%s,allow_other", opts,
					    map->uids, map->gids);
			free(opts);
			opts = o;
		}
		rc = opts != NULL ? mount_fuse(opts, target, err) : -1;
	}
	if (cwd >= 0 && fchdir(cwd) < 0)
		log_debug("returning to the working directory: %s", strerror(errno));
	if (rc < 0)
		return err_wrap(err, "mounting the rootfs of %s", ctr_id);
	*mountpoint = steal_ptr(&target);
	return 0;
}

int storage_rootfs_mount(struct storage *s, const char *ctr_id, char **mountpoint,
			 struct error **err)
{
	return rootfs_mount(s, ctr_id, mountpoint, false, NULL, err);
}

int storage_rootfs_mount_mapped(struct storage *s, const char *ctr_id, bool vol,
				const struct storage_idmap *map, char **mountpoint,
				struct error **err)
{
	return rootfs_mount(s, ctr_id, mountpoint, vol, map, err);
}

int storage_rootfs_mount_volatile(struct storage *s, const char *ctr_id, char **mountpoint,
				  struct error **err)
{
	return rootfs_mount(s, ctr_id, mountpoint, true, NULL, err);
}

int storage_rootfs_umount(struct storage *s, const char *ctr_id, struct error **err)
{
	autofree char *target = xasprintf("%s/containers/%s/merged", s->root, ctr_id);
	if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys(err, "unmounting %s", target);
	return 0;
}

char **storage_container_list(struct storage *s)
{
	autofree char *dir = xasprintf("%s/containers", s->root);
	char **out = xcalloc(1, sizeof(char *));
	autoclosedir DIR *d = opendir(dir);
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		autofree char *rec = xasprintf("%s/%s/" CTR_RECORD, dir, de->d_name);
		if (de->d_name[0] != '.' && fs_exists(rec))
			strv_push(&out, de->d_name);
	}
	return out;
}
