/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns keep-id: the user is the same inside as outside, and has a name there too, as
 * podman gives it: an /etc/passwd and /etc/group entry added to the container's own files
 * (its upper layer) at start when the image has none for the uid. --hostuser adds other
 * host users' passwd entries the same way. The files are opened inside the rootfs, never
 * through a link out of it.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The most of an /etc/passwd or /etc/group read: far beyond any real one. */
#define ETC_MAX (4 << 20)

void ctr_keepid_user_get(struct ctr_keepid_user *u)
{
	struct passwd *pw = getpwuid(getuid());
	*u = (struct ctr_keepid_user){ .uid = getuid(), .gid = getgid() };
	snprintf(u->name, sizeof(u->name), "%s", pw && pw->pw_name ? pw->pw_name : "");
	snprintf(u->home, sizeof(u->home), "%s", pw && pw->pw_dir ? pw->pw_dir : "/");
	/* A name that would break the file's lines is none. */
	if (strpbrk(u->name, ":\n") != NULL)
		u->name[0] = '\0';
	if (strpbrk(u->home, ":\n") != NULL)
		snprintf(u->home, sizeof(u->home), "/");
}

/* Whether a line of text has name in its field 0 or id in its field 2. */
static bool has_entry(const char *text, const char *name, unsigned id)
{
	char idtext[16];
	snprintf(idtext, sizeof(idtext), "%u", id);
	size_t nl = strlen(name), il = strlen(idtext);
	for (const char *l = text; *l;) {
		const char *end = strchrnul(l, '\n');
		if ((size_t)(end - l) > nl && strncmp(l, name, nl) == 0 && l[nl] == ':')
			return true;
		/* field 2: after the second colon of the line */
		const char *f = memchr(l, ':', (size_t)(end - l));
		f = f ? memchr(f + 1, ':', (size_t)(end - f - 1)) : NULL;
		if (f != NULL && (size_t)(end - f - 1) >= il && strncmp(f + 1, idtext, il) == 0 &&
		    (f + 1 + il == end || f[1 + il] == ':'))
			return true;
		l = *end ? end + 1 : end;
	}
	return false;
}

/* Append line to the rootfs's file path unless it has an entry for name or id already. A
 * missing file, or one that is no regular file, is left alone. */
static int add_entry(int rootfd, const char *path, const char *name, unsigned id, const char *line,
		     struct error **err)
{
	autoclose int fd =
	    fs_open_in_root(rootfd, path, O_RDWR | O_NOFOLLOW | O_NONBLOCK, FS_CREATE_NONE);
	struct stat st;
	if (fd < 0 && (errno == ENOENT || errno == ELOOP || errno == ENOTDIR))
		return 0;
	if (fd < 0)
		return err_sys(err, "opening the container's %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > ETC_MAX)
		return 0;
	autofree char *text = xzalloc((size_t)st.st_size + 1);
	ssize_t n = pread(fd, text, (size_t)st.st_size, 0);
	if (n < 0)
		return err_sys(err, "reading the container's %s", path);
	text[n] = '\0';
	if (has_entry(text, name, id))
		return 0;
	/* After the last line, which may lack its newline. */
	const char *sep = n > 0 && text[n - 1] != '\n' ? "\n" : "";
	autofree char *add = xasprintf("%s%s\n", sep, line);
	if (lseek(fd, 0, SEEK_END) < 0 || fs_write_all(fd, add, strlen(add)) < 0)
		return err_sys(err, "adding %s to the container's %s", name, path);
	return 0;
}

int ctr_keepid_etc(int rootfd, const struct ctr_keepid_user *u, struct error **err)
{
	if (u->name[0] == '\0')
		return 0; /* a user without a name has none inside either */
	autofree char *pw = xasprintf("%s:*:%u:%u::%s:/bin/sh", u->name, (unsigned)u->uid,
				      (unsigned)u->gid, u->home);
	autofree char *gr = xasprintf("%s:x:%u:%s", u->name, (unsigned)u->gid, u->name);
	if (add_entry(rootfd, "/etc/passwd", u->name, (unsigned)u->uid, pw, err) < 0 ||
	    add_entry(rootfd, "/etc/group", u->name, (unsigned)u->gid, gr, err) < 0)
		return -1;
	return 0;
}

/* One --hostuser: a name, or a UID, looked up in the host's passwd database. */
static int hostuser_get(const char *spec, const char *home, struct ctr_keepid_user *u,
			const char *id, struct error **err)
{
	char *end = NULL;
	errno = 0;
	unsigned long uid = strtoul(spec, &end, 10);
	bool numeric = *spec != '\0' && *end == '\0' && errno == 0 && uid <= UINT32_MAX;
	struct passwd *pw = numeric ? getpwuid((uid_t)uid) : getpwnam(spec);
	/* podman's words (Go's os/user) */
	if (pw == NULL)
		return err_set(err, ENOENT, ERR_INVOKE,
			       "creating temporary passwd file for container %s: user: unknown %s "
			       "%s",
			       id, numeric ? "userid" : "user", spec);
	if (pw->pw_name == NULL || strpbrk(pw->pw_name, ":\n") != NULL)
		return err_set(err, EINVAL, ERR_INVOKE,
			       "--hostuser %s: the name %s cannot be written", spec,
			       pw->pw_name ? pw->pw_name : "");
	*u = (struct ctr_keepid_user){ .uid = pw->pw_uid, .gid = pw->pw_gid };
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", home);
	return 0;
}

int ctr_hostusers_get(const struct eng_ctr *c, struct ctr_keepid_user **out, size_t *n,
		      struct error **err)
{
	*out = NULL;
	*n = 0;
	struct json_object *v = json_get(c->doc, "HostUsers");
	size_t len =
	    v != NULL && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
	if (len == 0)
		return 0;
	/* The home is the working directory, as podman's, when it can be written. */
	const char *home = json_str(c->doc, "WorkingDir");
	if (home == NULL || *home == '\0' || strpbrk(home, ":\n") != NULL)
		home = "/";
	autofree struct ctr_keepid_user *users = xcalloc(len, sizeof(*users));
	for (size_t i = 0; i < len; i++) {
		const char *spec = json_object_get_string(json_object_array_get_idx(v, i));
		if (spec == NULL || hostuser_get(spec, home, &users[i], c->id, err) < 0)
			return spec == NULL ? err_msg(err, "a bad HostUsers entry") : -1;
	}
	*out = steal_ptr(&users);
	*n = len;
	return 0;
}

int ctr_hostuser_etc(int rootfd, const struct ctr_keepid_user *u, struct error **err)
{
	autofree char *pw = xasprintf("%s:*:%u:%u::%s:/bin/sh", u->name, (unsigned)u->uid,
				      (unsigned)u->gid, u->home);
	return add_entry(rootfd, "/etc/passwd", u->name, (unsigned)u->uid, pw, err);
}

/*
 * keep-id: the store holds owners as the default mapping has them (the image's root is the
 * user, outside), but the container's nested user namespace maps its ids otherwise. Its
 * rootfs shows stored id C as the id that namespace maps C to (config.json's mappings,
 * CONTAINER -> HOST), as podman shows the image's root-owned files as root there. false when
 * config.json has no mappings to read.
 */
bool ctr_keepid_idmap(struct eng *eng, const struct eng_ctr *c, char **uids, char **gids)
{
	autofree char *dir = eng_ctr_dir(eng, c->id);
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct json_object *spec = dfd >= 0 ? json_file_at(dfd, "config.json", 16 << 20) : NULL;
	struct json_object *lx = json_get(spec, "linux");
	const char *keys[2] = { "uidMappings", "gidMappings" };
	char **out[2] = { uids, gids };
	for (size_t k = 0; k < 2; k++) {
		struct json_object *m = json_get(lx, keys[k]);
		*out[k] = NULL;
		for (size_t i = 0; i < json_len(m); i++) {
			struct json_object *e = json_idx(m, i);
			autofree char *t = xasprintf(
			    "%s%s%lld:%lld:%lld", *out[k] ? *out[k] : "", *out[k] ? ":" : "",
			    (long long)json_object_get_int64(json_get(e, "containerID")),
			    (long long)json_object_get_int64(json_get(e, "hostID")),
			    (long long)json_object_get_int64(json_get(e, "size")));
			free(*out[k]);
			*out[k] = steal_ptr(&t);
		}
	}
	json_object_put(spec);
	if (*uids != NULL && *gids != NULL)
		return true;
	free(*uids), free(*gids);
	*uids = *gids = NULL;
	return false;
}
