/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-u USER[:GROUP]` resolved against the image's own /etc/passwd and /etc/group, as docker
 * and podman do. The files are opened with RESOLVE_IN_ROOT so that a symlink in the image
 * cannot point the lookup at the host's files.
 */
#include "oci/spec/specgen.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Read rootfs/path, resolving every link inside rootfs. A missing file reads as empty. */
static int read_in_root(const char *rootfs, const char *path, char **out, struct error **err)
{
	*out = NULL;
	autoclose int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(err, "opening rootfs %s", rootfs);
	autoclose int fd = fs_open_in_root(root, path, O_RDONLY, FS_CREATE_NONE);
	if (fd < 0) {
		if (errno == ENOENT) {
			*out = xstrdup("");
			return 0;
		}
		return err_sys(err, "opening %s in the image", path);
	}
	if (fs_read_fd(fd, 4 << 20, out, NULL, err) < 0)
		return err_wrap(err, "reading %s in the image", path);
	return 0;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Find the line of a passwd/group file whose field 0 (name) or field 2 (id) matches. */
static bool find_entry(const char *text, const char *name, long id, char **fields, size_t nf,
		       char **line_out)
{
	autofree char *copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		autofree char *l = xstrdup(line);
		size_t n = 0;
		char *p = l;
		for (char *f; n < nf && (f = strsep(&p, ":")) != NULL;)
			fields[n++] = f;
		if (n < 3)
			continue;
		bool match = name ? strcmp(fields[0], name) == 0
				  : (all_digits(fields[2]) && strtol(fields[2], NULL, 10) == id);
		if (match) {
			*line_out = xstrdup(line);
			return true;
		}
	}
	return false;
}

/* Split a copy of line into fields; fields point into *buf. */
static size_t split(const char *line, char **buf, char **fields, size_t nf)
{
	*buf = xstrdup(line);
	size_t n = 0;
	char *p = *buf;
	for (char *f; n < nf && (f = strsep(&p, ":")) != NULL;)
		fields[n++] = f;
	return n;
}

static int resolve_group(const char *group_text, const char *g, gid_t *gid, struct error **err)
{
	if (all_digits(g)) {
		*gid = (gid_t)strtoul(g, NULL, 10);
		return 0;
	}
	char *fields[4];
	autofree char *line = NULL, *buf = NULL;
	if (!find_entry(group_text, g, 0, fields, 4, &line))
		return err_set(err, ENOENT, ERR_TOOL,
			       "unable to find group %s: no matching entries in group file", g);
	split(line, &buf, fields, 4);
	*gid = (gid_t)strtoul(fields[2], NULL, 10);
	return 0;
}

/* Groups of /etc/group that list name as a member. */
static void member_groups(const char *group_text, const char *name, gid_t primary, gid_t **groups,
			  size_t *n)
{
	autofree char *copy = xstrdup(group_text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fields[4];
		autofree char *buf = NULL;
		if (split(line, &buf, fields, 4) < 4 || !all_digits(fields[2]))
			continue;
		gid_t g = (gid_t)strtoul(fields[2], NULL, 10);
		char *msave = NULL;
		for (char *m = strtok_r(fields[3], ",", &msave); m;
		     m = strtok_r(NULL, ",", &msave)) {
			if (strcmp(m, name) == 0 && g != primary) {
				*groups = xrealloc(*groups, (*n + 1) * sizeof(gid_t));
				(*groups)[(*n)++] = g;
			}
		}
	}
}

int oci_user_resolve(const char *rootfs, const char *spec, uid_t *uid, gid_t *gid, gid_t **groups,
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
	autofree char *passwd = NULL, *grp = NULL;
	if (read_in_root(rootfs, "/etc/passwd", &passwd, err) < 0 ||
	    read_in_root(rootfs, "/etc/group", &grp, err) < 0)
		return -1;
	char *fields[7];
	autofree char *line = NULL, *buf = NULL;
	const char *name = NULL;
	if (all_digits(user)) {
		*uid = (uid_t)strtoul(user, NULL, 10);
		if (find_entry(passwd, NULL, (long)*uid, fields, 7, &line)) {
			split(line, &buf, fields, 7);
			*gid = (gid_t)strtoul(fields[3], NULL, 10);
			name = fields[0];
		}
	} else {
		if (!find_entry(passwd, user, 0, fields, 7, &line))
			return err_set(err, ENOENT, ERR_TOOL,
				       "unable to find user %s: no matching entries in passwd file",
				       user);
		if (split(line, &buf, fields, 7) < 4 || !all_digits(fields[2]) ||
		    !all_digits(fields[3]))
			return err_set(err, EINVAL, ERR_TOOL,
				       "user %s: malformed entry in the image's /etc/passwd", user);
		*uid = (uid_t)strtoul(fields[2], NULL, 10);
		*gid = (gid_t)strtoul(fields[3], NULL, 10);
		name = fields[0];
	}
	if (group != NULL && resolve_group(grp, group, gid, err) < 0)
		return -1;
	if (name != NULL && group == NULL)
		member_groups(grp, name, *gid, groups, n_groups);
	return 0;
}
