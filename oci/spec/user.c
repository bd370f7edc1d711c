/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u USER[:GROUP]` resolved against the image's own /etc/passwd and /etc/group, as docker
 * and podman do. Both files are image data read on the host: each comes from the topmost
 * layer that has it (a whiteout deletes it), is opened with RESOLVE_IN_ROOT so that no link
 * leads out of that layer, must be a regular file before it is opened for reading (a FIFO
 * must not hang us, a device must not be opened at all) and is read up to a bound. Every id,
 * from the flag or from the files, must be in podman's range 0-2147483647: a larger one wraps
 * in uid_t, and (uid_t)-1 means "leave unchanged" to setresuid, which leaves root.
 */
#include "oci/spec/specgen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The most of /etc/passwd or /etc/group read: far beyond any real one. */
#define USER_FILE_MAX (4 << 20)

/* podman's (libcontainer's) message for an id out of range, word for word. */
#define RANGE_MSG "uids and gids must be in range 0-2147483647"

int oci_id_parse(const char *s, uint32_t *out)
{
	if (*s == '\0')
		return -1;
	uint64_t v = 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		/* Digits go on past the maximum (still "a number"), without overflowing. */
		if (v <= OCI_ID_MAX)
			v = v * 10 + (uint64_t)(*c - '0');
	}
	if (v > OCI_ID_MAX)
		return 1;
	*out = (uint32_t)v;
	return 0;
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/*
 * A path missing from one layer: does that layer hide it from the layers below? It does
 * when anything on the way is there but is no directory (a file, a whiteout, a link: each
 * layer is resolved on its own, a link is never followed into another layer), or is an
 * opaque directory (the overlay xattr the unpacker sets).
 */
static bool hides_below(int root, const char *path)
{
	autofree char *p = xstrdup(path);
	for (size_t i = 1, len = strlen(p); i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		autoclose int fd = fs_open_in_root(root, p, O_PATH | O_NOFOLLOW, FS_CREATE_NONE);
		p[i] = c;
		struct stat st;
		if (fd < 0)
			return errno != ENOENT; /* missing from here on: the lower layers decide */
		if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
			return true;
		char proc[64], v = 0;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (getxattr(proc, "user.overlay.opaque", &v, 1) == 1 && v == 'y')
			return true;
	}
	return false;
}

enum found {
	FOUND,
	ABSENT,
	LOWER
};

/* path in one layer (root, an fd): its text, ABSENT (deleted or hidden), or LOWER. */
static int read_layer_file(int root, const char *path, char **out, enum found *res,
			   struct error **err)
{
	/* O_PATH opens nothing: a FIFO or a device is looked at, not opened. */
	autoclose int pfd = fs_open_in_root(root, path, O_PATH, FS_CREATE_NONE);
	if (pfd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return err_sys(err, "opening %s in the image", path);
		*res = hides_below(root, path) ? ABSENT : LOWER;
		return 0;
	}
	struct stat st;
	if (fstat(pfd, &st) < 0)
		return err_sys(err, "%s in the image", path);
	if (is_whiteout(&st)) {
		*res = ABSENT;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return err_set(err, EINVAL, ERR_TOOL, "%s in the image is not a regular file",
			       path);
	if (st.st_size > USER_FILE_MAX)
		return err_set(err, EFBIG, ERR_TOOL, "%s in the image is larger than %d bytes",
			       path, USER_FILE_MAX);
	/* Reopened through the O_PATH fd, so it is that very inode; O_NONBLOCK all the same. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	autoclose int fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(err, "opening %s in the image", path);
	if (fs_read_fd(fd, USER_FILE_MAX, out, NULL, err) < 0)
		return err_wrap(err, "reading %s in the image", path);
	*res = FOUND;
	return 0;
}

/* path from the topmost of layers that has it; a file nowhere (or deleted) reads as "". */
static int read_image_file(char *const *layers, const char *path, char **out, struct error **err)
{
	*out = NULL;
	for (size_t i = 0; layers != NULL && layers[i] != NULL; i++) {
		autoclose int root = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root < 0)
			return err_sys(err, "opening the image's root %s", layers[i]);
		enum found res = LOWER;
		if (read_layer_file(root, path, out, &res, err) < 0)
			return -1;
		if (res != LOWER)
			break;
	}
	if (*out == NULL)
		*out = xstrdup("");
	return 0;
}

/*
 * The next entry of a passwd or group file: *pos moves past the line, which is split in
 * place at ':' into at most nf fields (comments and blank lines skipped). Returns the
 * number of fields, 0 at the end of the text.
 */
static size_t next_entry(char **pos, char **fields, size_t nf)
{
	while (*pos != NULL) {
		char *line = strsep(pos, "\n");
		if (line[0] == '\0' || line[0] == '#')
			continue;
		size_t n = 0;
		for (char *f; n < nf && (f = strsep(&line, ":")) != NULL;)
			fields[n++] = f;
		if (n > 0)
			return n;
	}
	return 0;
}

/*
 * The first entry of text (a copy is split into *buf) whose name (field 0) is name, or, for a
 * NULL name, whose id (field 2) is id; fields point into *buf. Returns its number of fields
 * (at least 3), or 0 when there is none.
 */
static size_t find_entry(const char *text, const char *name, uint32_t id, char **fields, size_t nf,
			 char **buf)
{
	*buf = xstrdup(text);
	char *pos = *buf;
	for (size_t n; (n = next_entry(&pos, fields, nf)) != 0;) {
		uint32_t v;
		if (n < 3)
			continue;
		if (name ? strcmp(fields[0], name) == 0
			 : oci_id_parse(fields[2], &v) == 0 && v == id)
			return n;
	}
	return 0;
}

/* An id field of an entry: a number in range, or an error naming the file and the entry. */
static int entry_id(const char *file, const char *entry, const char *what, const char *s,
		    uint32_t *out, struct error **err)
{
	int rc = oci_id_parse(s, out);
	if (rc < 0)
		return err_set(err, EINVAL, ERR_TOOL,
			       "%s: malformed entry in the image's %s (%s \"%s\")", entry, file,
			       what, s);
	if (rc > 0)
		return err_set(err, ERANGE, ERR_TOOL, "%s: %s %s in the image's %s: " RANGE_MSG,
			       entry, what, s, file);
	return 0;
}

static int resolve_group(const char *group_text, const char *g, gid_t *gid, struct error **err)
{
	uint32_t v;
	int rc = oci_id_parse(g, &v);
	if (rc > 0)
		return err_set(err, ERANGE, ERR_TOOL, RANGE_MSG);
	if (rc == 0) {
		*gid = v;
		return 0;
	}
	char *fields[4];
	autofree char *buf = NULL;
	if (find_entry(group_text, g, 0, fields, 4, &buf) == 0)
		return err_set(err, ENOENT, ERR_TOOL,
			       "unable to find group %s: no matching entries in group file", g);
	if (entry_id("/etc/group", g, "gid", fields[2], &v, err) < 0)
		return -1;
	*gid = v;
	return 0;
}

/* Groups of /etc/group that list name as a member, at most NGROUPS_MAX (the kernel's). */
static int member_groups(const char *group_text, const char *name, gid_t primary, gid_t **groups,
			 size_t *n, struct error **err)
{
	autofree char *buf = xstrdup(group_text);
	char *pos = buf, *fields[4];
	size_t cap = 0;
	for (size_t nf; (nf = next_entry(&pos, fields, 4)) != 0;) {
		if (nf < 4)
			continue;
		bool member = false;
		for (char *m, *list = fields[3]; !member && (m = strsep(&list, ",")) != NULL;)
			member = strcmp(m, name) == 0;
		/* A group of others with a broken gid is not ours to judge; ours must be right. */
		if (!member)
			continue;
		uint32_t g;
		if (entry_id("/etc/group", fields[0], "gid", fields[2], &g, err) < 0)
			return -1;
		if (g == primary)
			continue;
		if (*n == NGROUPS_MAX)
			return err_set(err, E2BIG, ERR_TOOL,
				       "user %s is a member of more than %d groups in the image's "
				       "/etc/group",
				       name, NGROUPS_MAX);
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*groups = xrealloc(*groups, cap * sizeof(gid_t));
		}
		(*groups)[(*n)++] = g;
	}
	return 0;
}

/* The uid, primary gid and name of user (a name or a number) from the passwd text. */
static int resolve_passwd(const char *passwd, const char *user, uid_t *uid, gid_t *gid, char **name,
			  struct error **err)
{
	char *fields[7];
	autofree char *buf = NULL;
	uint32_t v;
	size_t nf = 0;
	int rc = oci_id_parse(user, &v);
	if (rc > 0)
		return err_set(err, ERANGE, ERR_TOOL, RANGE_MSG);
	if (rc == 0) {
		/* A number without an entry is fine (as in docker): group 0 then. */
		*uid = v;
		if ((nf = find_entry(passwd, NULL, v, fields, 7, &buf)) == 0)
			return 0;
	} else if ((nf = find_entry(passwd, user, 0, fields, 7, &buf)) == 0) {
		return err_set(err, ENOENT, ERR_TOOL,
			       "unable to find user %s: no matching entries in passwd file", user);
	} else if (entry_id("/etc/passwd", user, "uid", fields[2], &v, err) < 0) {
		return -1;
	} else {
		*uid = v;
	}
	const char *g = nf > 3 ? fields[3] : "";
	if (entry_id("/etc/passwd", fields[0], "gid", g, &v, err) < 0)
		return -1;
	*gid = v;
	*name = xstrdup(fields[0]);
	return 0;
}

int oci_user_resolve(char *const *layers, const char *spec, uid_t *uid, gid_t *gid, gid_t **groups,
		     size_t *n_groups, struct error **err)
{
	*uid = 0;
	*gid = 0;
	*groups = NULL;
	*n_groups = 0;
	if (spec == NULL || *spec == '\0')
		return 0;
	autofree char *user = xstrdup(spec);
	char *group = strchr(user, ':');
	if (group != NULL)
		*group++ = '\0';
	if (*user == '\0' || (group != NULL && *group == '\0'))
		return err_set(err, EINVAL, ERR_USAGE, "invalid user \"%s\": want USER[:GROUP]",
			       spec);
	autofree char *passwd = NULL, *grp = NULL, *name = NULL;
	if (read_image_file(layers, "/etc/passwd", &passwd, err) < 0 ||
	    read_image_file(layers, "/etc/group", &grp, err) < 0 ||
	    resolve_passwd(passwd, user, uid, gid, &name, err) < 0 ||
	    (group != NULL && resolve_group(grp, group, gid, err) < 0) ||
	    (name != NULL && group == NULL &&
	     member_groups(grp, name, *gid, groups, n_groups, err) < 0)) {
		free(*groups);
		*groups = NULL;
		*n_groups = 0;
		return -1;
	}
	return 0;
}

char *oci_user_name(const char *root, uint32_t uid)
{
	autofree char *passwd = NULL, *buf = NULL;
	struct error *err = NULL;
	char *fields[7];
	char *const roots[] = { (char *)root, NULL };
	if (read_image_file(roots, "/etc/passwd", &passwd, &err) < 0) {
		err_free(&err);
		return NULL;
	}
	return find_entry(passwd, NULL, uid, fields, 7, &buf) != 0 ? xstrdup(fields[0]) : NULL;
}

char *oci_user_home(char *const *layers, uint32_t uid)
{
	autofree char *passwd = NULL, *buf = NULL;
	struct error *err = NULL;
	char *fields[7];
	if (read_image_file(layers, "/etc/passwd", &passwd, &err) < 0) {
		err_free(&err);
		return NULL;
	}
	if (find_entry(passwd, NULL, uid, fields, 7, &buf) < 6 || fields[5][0] == '\0')
		return NULL;
	return xstrdup(fields[5]);
}
