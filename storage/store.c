/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store under $XDG_DATA_HOME/hutch:
 *   blobs/sha256/HEX      manifests and configs, verified, written atomically
 *   layers/CHAIN/diff     one unpacked layer (overlay "diff" form), layers/CHAIN/layer.json
 *   layers/CHAIN.lock     held while a pull unpacks that layer; .tmp-CHAIN is its work dir
 *   images/ID/image.json  image records (names, digests, layer chain)
 *   containers/ID/        container records and their upper/work/merged dirs
 *   meta.lock             exclusive for any change to image or container records
 *   gc.lock               shared while pulling, exclusive while deleting layers
 * A layer or record appears under its final name only when complete (rename), so a pull
 * killed at any moment leaves at most a .tmp-* dir, which the next store open removes
 * (store_sweep in check.c) once no live command can own it.
 */
#include "storage/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_driver(const char *name, enum storage_driver *d, struct error **err)
{
	if (name == NULL || *name == '\0' || strcmp(name, "auto") == 0)
		*d = STORAGE_DRIVER_AUTO;
	else if (strcmp(name, "overlay") == 0)
		*d = STORAGE_DRIVER_OVERLAY;
	else if (strcmp(name, "fuse-overlayfs") == 0 || strcmp(name, "fuse") == 0)
		*d = STORAGE_DRIVER_FUSE;
	else if (strcmp(name, "vfs") == 0)
		*d = STORAGE_DRIVER_VFS;
	else
		return err_set(err, EINVAL, ERR_USAGE,
			       "unknown storage driver \"%s\": want "
			       "overlay or fuse-overlayfs",
			       name);
	return 0;
}

/* The value of the last `key = "value"` line of a TOML-ish file (owned), or NULL. */
static char *conf_value(const char *path, const char *key)
{
	autofree char *text = NULL;
	if (fs_read_file(path, 1 << 16, &text, NULL, NULL) < 0)
		return NULL;
	char *out = NULL, *save = NULL;
	size_t klen = strlen(key);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t");
		if (strncmp(p, key, klen) != 0)
			continue;
		p += klen + strspn(p + klen, " \t");
		if (*p != '=')
			continue;
		p += 1 + strspn(p + 1, " \t\"");
		p[strcspn(p, "\" \t#")] = '\0';
		free(out);
		out = xstrdup(p);
	}
	return out;
}

/*
 * $XDG_CONFIG_HOME/hutch/storage.conf: `driver = "overlay"` or "fuse-overlayfs". Without
 * one, podman's containers/storage.conf is read for the user's choice, as a podman user
 * expects: its overlay with a fuse-overlayfs mount_program is our fuse-overlayfs, a plain
 * overlay is what auto picks (native overlay where it works); a driver
 * we lack (vfs, btrfs, zfs) is said, not silently ignored.
 */
static int config_driver(char **out, struct error **err)
{
	*out = NULL;
	autofree char *cfg = paths_config_home(err);
	if (cfg == NULL)
		return -1;
	autofree char *path = xasprintf("%s/hutch/storage.conf", cfg);
	if ((*out = conf_value(path, "driver")) != NULL)
		return 0;
	autofree char *podman = xasprintf("%s/containers/storage.conf", cfg);
	autofree char *driver = conf_value(podman, "driver");
	autofree char *mount_program = conf_value(podman, "mount_program");
	if (driver == NULL || *driver == '\0')
		return 0;
	if (strcmp(driver, "overlay") == 0 && mount_program != NULL &&
	    strstr(mount_program, "fuse-overlayfs") != NULL)
		*out = xstrdup("fuse-overlayfs");
	else if (strcmp(driver, "overlay") != 0) { /* plain overlay: auto picks as podman */
		static bool warned;
		if (!warned)
			log_warn(
			    "%s asks for the storage driver \"%s\", which hutch does not have: "
			    "using overlay or fuse-overlayfs, whichever works (set driver in "
			    "%s to choose)",
			    podman, driver, path);
		warned = true;
	}
	return 0;
}

int storage_open(const char *driver_name, const char *root_dir, struct storage **out,
		 struct error **err)
{
	autofree char *root = root_dir != NULL ? xstrdup(root_dir) : paths_store_dir(err);
	if (root == NULL)
		return -1;
	autofree char *conf_driver = NULL;
	if (driver_name == NULL && config_driver(&conf_driver, err) < 0)
		return -1;
	if (driver_name == NULL)
		driver_name = conf_driver;
	enum storage_driver d = STORAGE_DRIVER_AUTO;
	if (parse_driver(driver_name, &d, err) < 0)
		return -1;
	static const char *const subs[] = { "", "/blobs/sha256", "/layers", "/images",
					    "/containers" };
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		autofree char *p = xasprintf("%s%s", root, subs[i]);
		if (fs_mkdir_p(p, 0700, err) < 0)
			return err_wrap(err, "opening the store");
	}
	struct storage *s = xzalloc(sizeof(*s));
	s->root = steal_ptr(&root);
	s->driver = d;
	store_sweep(s);
	*out = s;
	return 0;
}

void storage_close(struct storage **sp)
{
	struct storage *s = *sp;
	if (s == NULL)
		return;
	if (s->map_loaded)
		userns_map_clear(&s->map);
	free(s->root);
	free(s->runtime);
	free(s);
	*sp = NULL;
}

enum storage_driver storage_driver_chosen(const struct storage *s)
{
	return s->driver;
}

const char *storage_root(const struct storage *s)
{
	return s->root;
}

int store_map(struct storage *s, const struct userns_map **m, struct error **err)
{
	if (!s->map_loaded) {
		if (userns_default_map(&s->map, err) < 0)
			return -1;
		s->map_loaded = true;
	}
	*m = &s->map;
	return 0;
}

int store_lock(struct storage *s, const char *name, bool exclusive, bool nb, struct error **err)
{
	autofree char *path = xasprintf("%s/%s", s->root, name);
	int fd =
	    fs_lock(path, O_RDWR | O_CREAT, (exclusive ? LOCK_EX : LOCK_SH) | (nb ? LOCK_NB : 0));
	if (fd < 0 && nb && errno == EWOULDBLOCK)
		return err_set(err, EWOULDBLOCK, ERR_TOOL, "%s is locked", path);
	if (fd < 0)
		return err_sys(err, "locking %s", path);
	return fd;
}

void storage_chain_id(const char *parent_hex, const char *diff_id, char out[SHA256_HEX_LEN + 1])
{
	if (parent_hex == NULL) {
		memcpy(out, diff_id + 7, SHA256_HEX_LEN + 1);
		return;
	}
	autofree char *s = xasprintf("sha256:%s %s", parent_hex, diff_id);
	sha256_hex(s, strlen(s), out);
}

bool store_is_hex(const char *s)
{
	return s[strspn(s, "0123456789abcdef")] == '\0';
}

char *store_layer_dir(struct storage *s, const char *chain_hex)
{
	return xasprintf("%s/layers/%s/diff", s->root, chain_hex);
}

bool store_layer_exists(struct storage *s, const char *chain_hex)
{
	autofree char *p = xasprintf("%s/layers/%s/layer.json", s->root, chain_hex);
	return fs_exists(p);
}

int store_layer_info(struct storage *s, const char *chain_hex, char **diff_id, int64_t *size,
		     struct error **err)
{
	autofree char *p = xasprintf("%s/layers/%s/layer.json", s->root, chain_hex);
	autofree char *text = NULL;
	size_t len = 0;
	if (fs_read_file(p, 1 << 16, &text, &len, err) < 0)
		return -1;
	struct json_object *o = doc_parse(text, len, p, err);
	if (o == NULL)
		return -1;
	if (diff_id != NULL)
		*diff_id = json_str_dup(o, "diff_id");
	if (size != NULL)
		*size = json_object_get_int64(json_get(o, "size"));
	json_object_put(o);
	return 0;
}

int store_write(const char *path, const void *data, size_t len, struct error **err)
{
	return fs_write_replace(path, data, len, 0600, err);
}

static char *blob_path(struct storage *s, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", s->root, digest + 7);
}

int store_put_blob(struct storage *s, const char *digest, const char *data, size_t len,
		   struct error **err)
{
	autofree char *p = blob_path(s, digest);
	if (fs_exists(p))
		return 0;
	return store_write(p, data, len, err);
}

int store_get_blob(struct storage *s, const char *digest, size_t max, char **data, size_t *len,
		   struct error **err)
{
	if (!storage_digest_valid(digest))
		return err_set(err, EINVAL, ERR_TOOL, "invalid digest \"%s\"", digest);
	autofree char *p = blob_path(s, digest);
	return fs_read_file(p, max, data, len, err);
}

static int rm_fn(void *arg, struct error **err)
{
	return fs_rm_rf(arg, err);
}

int store_rm_tree(struct storage *s, const char *path, struct error **err)
{
	if (!fs_exists(path))
		return 0;
	if (s->in_userns || userns_is_inside())
		return fs_rm_rf(path, err);
	const struct userns_map *m;
	if (store_map(s, &m, err) < 0)
		return -1;
	struct userns_child child;
	int status;
	if (userns_spawn(m, 0, rm_fn, (void *)path, &child, err) < 0)
		return err_wrap(err, "removing %s", path);
	return proc_wait(child.pid, &status, err);
}

struct run_arg {
	struct storage *s;
	store_child_fn fn;
	void *arg;
	pid_t parent;
	int out_fd;
};

static int run_child(void *p, struct error **err)
{
	struct run_arg *a = p;
	/* Die with the CLI: a killed command must not go on writing behind the user's back. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->parent)
		_exit(125);
	signal(SIGPIPE, SIG_IGN);
	a->s->in_userns = true;
	/* Layers and scratch dirs in use must not be collected by a concurrent rmi/prune. */
	autoclose int gc = store_lock(a->s, "gc.lock", false, false, err);
	if (gc < 0)
		return -1;
	return a->fn(a->s, a->arg, a->out_fd, err);
}

int store_run_userns(struct storage *s, int extra_flags, store_child_fn fn, void *arg, char **out,
		     struct error **err)
{
	const struct userns_map *m;
	*out = NULL;
	if (store_map(s, &m, err) < 0)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(err, "creating a pipe");
	struct run_arg a = { .s = s, .fn = fn, .arg = arg, .parent = getpid(), .out_fd = p[1] };
	struct userns_child child;
	int rc = userns_spawn(m, extra_flags, run_child, &a, &child, err);
	close(p[1]);
	int status = 0;
	if (rc == 0)
		rc = proc_wait(child.pid, &status, err);
	if (rc == 0 && status != 0)
		rc = err_msg(err, "the user namespace child failed (status %d)", status);
	if (rc == 0 && fs_read_fd(p[0], 1 << 20, out, NULL, err) < 0)
		rc = -1;
	close(p[0]);
	return rc;
}

char *storage_tmpdir(struct storage *s, const char *prefix, struct error **err)
{
	autofree char *base = xasprintf("%s/tmp", s->root);
	if (fs_mkdir_p(base, 0700, err) < 0)
		return NULL;
	char *dir = xasprintf("%s/%s-XXXXXX", base, prefix);
	if (mkdtemp(dir) == NULL) {
		err_sys(err, "creating a scratch directory in %s", base);
		free(dir);
		return NULL;
	}
	return dir;
}
