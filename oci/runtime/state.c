/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state directory: ROOT/ID holds state.json (written atomically, the commit point of
 * create), config.json (the bundle's, for hooks and exec later) and, between create and
 * start, the start socket the init waits on. The status is never stored: it is computed
 * from the init (alive, zombie, reused pid) and the start socket.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OCI_VERSION "1.2.0"

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	return names[s];
}

char *oci_default_root(struct error **err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *root;
	if (xdg != NULL && xdg[0] == '/')
		root = xasprintf("%s/hutch-runtime", xdg);
	else if (geteuid() == 0)
		root = xstrdup("/run/hutch-runtime");
	else
		root = xasprintf("/tmp/hutch-runtime-%u", (unsigned)geteuid());
	if (fs_mkdir_p(root, 0700, err) < 0) {
		free(root);
		return NULL;
	}
	return root;
}

int oci_state_dir(const char *root, const char *id, char **out, struct error **err)
{
	if (id == NULL || id[0] == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "container id cannot be empty");
	for (const char *c = id; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') &&
		    !(*c >= '0' && *c <= '9') && *c != '_' && *c != '-' && *c != '.')
			return err_set(err, EINVAL, ERR_USAGE, "invalid container id \"%s\"", id);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
		return err_set(err, EINVAL, ERR_USAGE, "invalid container id \"%s\"", id);
	*out = xasprintf("%s/%s", root, id);
	return 0;
}

char *oci_state_start_sock(const char *dir)
{
	return xasprintf("%s/start.sock", dir);
}

unsigned long long oci_proc_start_time(pid_t pid, bool *zombie)
{
	struct proc_stat ps;
	if (proc_stat_read(pid, &ps) < 0) {
		*zombie = false;
		return 0;
	}
	*zombie = ps.state == 'Z' || ps.state == 'X';
	return ps.start;
}

int oci_state_write(const char *dir, const struct rt_state *st, struct error **err)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "startTime", json_object_new_uint64(st->start_time));
	json_object_object_add(o, "created", json_object_new_string(st->created));
	json_object_object_add(o, "ownerUid", json_object_new_int64(st->owner));
	if (st->cg.v2 != NULL)
		json_object_object_add(o, "cgroup", json_object_new_string(st->cg.v2));
	if (st->cg.dirs != NULL) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; st->cg.dirs[i] != NULL; i++)
			json_object_array_add(a, json_object_new_string(st->cg.dirs[i]));
		json_object_object_add(o, "cgroupDirs", a);
	}
	if (st->cg.made != NULL) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; st->cg.made[i] != NULL; i++)
			json_object_array_add(a, json_object_new_string(st->cg.made[i]));
		json_object_object_add(o, "cgroupsMade", a);
	}
	if (st->rootfs_mnt != 0)
		json_object_object_add(o, "rootfsMount", json_object_new_uint64(st->rootfs_mnt));
	json_object_object_add(o, "hasPoststart", json_object_new_boolean(st->has_poststart));
	json_object_object_add(o, "hasPoststop", json_object_new_boolean(st->has_poststop));
	if (st->annotations != NULL)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	autofree char *path = xasprintf("%s/state.json", dir);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	int rc = fs_write_replace(path, text, strlen(text), 0600, err);
	json_object_put(o);
	return rc;
}

static int state_status(const char *dir, struct rt_state *st)
{
	bool zombie = false;
	unsigned long long t = oci_proc_start_time(st->pid, &zombie);
	if (t == 0 || zombie || t != st->start_time)
		return OCI_STOPPED;
	autofree char *sock = oci_state_start_sock(dir);
	if (fs_exists(sock))
		return OCI_CREATED;
	if (st->cg.v2 != NULL) {
		autofree char *f = xasprintf("%s/cgroup.freeze", st->cg.v2);
		autofree char *v = NULL;
		struct error *e = NULL;
		if (fs_read_file(f, 64, &v, NULL, &e) == 0 && v[0] == '1')
			return OCI_PAUSED;
		err_free(&e);
	}
	return OCI_RUNNING;
}

int oci_state_read(const char *root, const char *id, struct rt_state *out, struct error **err)
{
	*out = (struct rt_state){ 0 };
	autofree char *dir = NULL;
	if (oci_state_dir(root, id, &dir, err) < 0)
		return -1;
	autofree char *path = xasprintf("%s/state.json", dir);
	autofree char *text = NULL;
	if (!fs_exists(dir))
		return err_set(err, ENOENT, ERR_TOOL, "container \"%s\" does not exist", id);
	if (fs_read_file(path, 1 << 20, &text, NULL, err) < 0)
		return err_wrap(err, "container \"%s\" is being created or was left broken", id);
	json_object *o = json_tokener_parse(text);
	json_object *v;
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return err_msg(err, "%s: invalid state file", path);
	}
	out->id = xstrdup(id);
	out->bundle = json_str_dup(o, "bundle");
	out->rootfs = json_str_dup(o, "rootfs");
	out->created = json_str_dup(o, "created");
	out->cg.v2 = json_str_dup(o, "cgroup");
	if ((v = json_get_type(o, "cgroupDirs", json_type_array)) != NULL) {
		out->cg.dirs = json_strv(v);
	} else if (out->cg.v2 != NULL) {
		/* Written by a runtime before cgroupDirs: its one cgroup, its own. */
		strv_push(&out->cg.dirs, out->cg.v2);
		strv_push(&out->cg.made, out->cg.v2);
	}
	autostrv char **made = json_strv(json_get(o, "cgroupsMade"));
	for (size_t i = 0; made != NULL && made[i] != NULL; i++)
		strv_push(&out->cg.made, made[i]);
	if (json_object_object_get_ex(o, "rootfsMount", &v))
		out->rootfs_mnt = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "ownerUid", &v))
		out->owner = (uid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pid", &v))
		out->pid = json_object_get_int(v);
	if (json_object_object_get_ex(o, "startTime", &v))
		out->start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "hasPoststart", &v))
		out->has_poststart = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "hasPoststop", &v))
		out->has_poststop = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "annotations", &v))
		out->annotations = json_object_get(v);
	json_object_put(o);
	if (out->bundle == NULL || out->pid <= 0) {
		oci_state_clear(out);
		return err_msg(err, "%s: invalid state file", path);
	}
	out->status = state_status(dir, out);
	return 0;
}

void oci_state_clear(struct rt_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	oci_cgroups_clear(&st->cg);
	if (st->annotations != NULL)
		json_object_put(st->annotations);
	*st = (struct rt_state){ 0 };
}

char *oci_state_json(const struct rt_state *st, bool pretty)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid",
			       json_object_new_int(st->status == OCI_STOPPED ? 0 : st->pid));
	json_object_object_add(o, "status", json_object_new_string(oci_status_name(st->status)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	if (st->rootfs != NULL)
		json_object_object_add(o, "rootfs", json_object_new_string(st->rootfs));
	if (st->created != NULL)
		json_object_object_add(o, "created", json_object_new_string(st->created));
	char *owner = oci_owner_name(st->owner);
	json_object_object_add(o, "owner", json_object_new_string(owner));
	free(owner);
	json_object_object_add(o, "annotations",
			       st->annotations != NULL ? json_object_get(st->annotations)
						       : json_object_new_object());
	char *s = xstrdup(json_object_to_json_string_ext(o, pretty ? JSON_C_TO_STRING_PRETTY |
									 JSON_C_TO_STRING_SPACED
								   : JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ---------- public views ---------- */

static void info_from(const struct rt_state *st, struct oci_state_info *out)
{
	out->id = xstrdup(st->id);
	out->bundle = xstrdup(st->bundle);
	out->pid = st->status == OCI_STOPPED ? 0 : st->pid;
	out->status = st->status;
	out->created = st->created != NULL ? xstrdup(st->created) : NULL;
	out->owner = oci_owner_name(st->owner);
	out->json = oci_state_json(st, true);
}

int oci_container_state(const char *root, const char *id, struct oci_state_info *out,
			struct error **err)
{
	*out = (struct oci_state_info){ 0 };
	struct rt_state st;
	autofree char *def = root == NULL ? oci_default_root(err) : NULL;
	if (root == NULL && def == NULL)
		return -1;
	if (oci_state_read(root != NULL ? root : def, id, &st, err) < 0)
		return -1;
	info_from(&st, out);
	oci_state_clear(&st);
	return 0;
}

void oci_state_info_clear(struct oci_state_info *s)
{
	free(s->id);
	free(s->bundle);
	free(s->created);
	free(s->owner);
	free(s->json);
	*s = (struct oci_state_info){ 0 };
}

int oci_container_list(const char *root, struct oci_state_info **out, size_t *n, struct error **err)
{
	*out = NULL;
	*n = 0;
	autofree char *def = root == NULL ? oci_default_root(err) : NULL;
	if (root == NULL && def == NULL)
		return -1;
	if (root == NULL)
		root = def;
	autoclosedir DIR *d = opendir(root);
	if (d == NULL)
		return errno == ENOENT ? 0 : err_sys(err, "reading %s", root);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		struct rt_state st;
		struct error *e = NULL;
		if (oci_state_read(root, de->d_name, &st, &e) < 0) {
			err_free(&e); /* half-created: not listed, as runc does */
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		info_from(&st, &(*out)[*n]);
		(*n)++;
		oci_state_clear(&st);
	}
	return 0;
}

/* RFC 3339 in UTC with nanoseconds, as runc writes "created". */
char *oci_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

char *oci_owner_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw != NULL ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)uid);
}
