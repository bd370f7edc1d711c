/* SPDX-License-Identifier: Apache-2.0 */
/* The mount and limit flags of `hutch run`: -v, --mount, --tmpfs and --ulimit, as podman reads them. */
#include "oci/spec/specgen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void oci_volume_clear(struct oci_volume *v)
{
	free(v->src);
	free(v->dst);
	free(v->options);
	free(v->volume);
	*v = (struct oci_volume){ 0 };
}

static bool is_propagation(const char *o)
{
	static const char *const p[] = { "shared",   "rshared", "slave", "rslave", "private",
					 "rprivate", "bind",	"rbind", NULL };
	for (size_t i = 0; p[i]; i++)
		if (strcmp(o, p[i]) == 0)
			return true;
	return false;
}

static void add_option(char **opts, const char *o)
{
	char *n = *opts ? xasprintf("%s,%s", *opts, o) : xstrdup(o);
	free(*opts);
	*opts = n;
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[4096];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	const char *rel = strncmp(path, "./", 2) == 0 ? path + 2 : path;
	return strcmp(rel, ".") == 0 ? xstrdup(cwd) : xasprintf("%s/%s", cwd, rel);
}

static int check_dst(const char *spec, const char *dst, struct error **err)
{
	if (dst == NULL || dst[0] != '/')
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid volume \"%s\": the container path must be absolute", spec);
	return 0;
}

/* One -v option word: ro/rw, SELinux labels (accepted, no SELinux here), U, propagation. */
static int volume_option(const char *spec, const char *o, struct oci_volume *v, struct error **err)
{
	if (strcmp(o, "ro") == 0)
		v->ro = true;
	else if (strcmp(o, "rw") == 0)
		v->ro = false;
	else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
		; /* SELinux relabelling: nothing to do on a host without SELinux */
	else if (strcmp(o, "U") == 0)
		v->chown = true;
	else if (is_propagation(o) || strcmp(o, "nosuid") == 0 || strcmp(o, "nodev") == 0 ||
		 strcmp(o, "noexec") == 0 || strcmp(o, "exec") == 0 || strcmp(o, "suid") == 0 ||
		 strcmp(o, "dev") == 0)
		add_option(&v->options, o);
	else
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid volume \"%s\": unknown option \"%s\"", spec, o);
	return 0;
}

int oci_volume_parse(const char *spec, struct oci_volume *out, struct error **err)
{
	*out = (struct oci_volume){ 0 };
	autostrv char **parts = NULL;
	autofree char *copy = xstrdup(spec);
	char *p = copy;
	for (char *c; (c = strsep(&p, ":")) != NULL;)
		strv_push(&parts, c);
	size_t n = strv_len(parts);
	if (n > 3)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid volume \"%s\": too many colons (want SRC:DST[:OPTIONS])",
			       spec);
	if (n == 0 || parts[0][0] == '\0')
		return err_set(err, EINVAL, ERR_USAGE, "invalid volume \"%s\": empty", spec);
	if (n == 1) {
		/* -v /data: an anonymous volume at /data. */
		if (check_dst(spec, parts[0], err) < 0)
			return -1;
		out->kind = OCI_MOUNT_VOLUME;
		out->dst = xstrdup(parts[0]);
		return 0;
	}
	if (check_dst(spec, parts[1], err) < 0)
		return -1;
	const char *src = parts[0];
	bool path = src[0] == '/' || src[0] == '.' || strchr(src, '/') != NULL;
	out->kind = path ? OCI_MOUNT_BIND : OCI_MOUNT_VOLUME;
	out->src = path ? absolute(src) : xstrdup(src);
	out->dst = xstrdup(parts[1]);
	if (n == 3) {
		char *save = NULL;
		for (char *o = strtok_r(parts[2], ",", &save); o; o = strtok_r(NULL, ",", &save))
			if (volume_option(spec, o, out, err) < 0) {
				oci_volume_clear(out);
				return -1;
			}
	}
	return 0;
}

int oci_mount_parse(const char *spec, struct oci_volume *out, struct error **err)
{
	*out = (struct oci_volume){ 0 };
	autofree char *copy = xstrdup(spec);
	char *save = NULL;
	const char *type = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		char *val = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		if (strcmp(kv, "type") == 0 && val) {
			type = val;
		} else if ((strcmp(kv, "src") == 0 || strcmp(kv, "source") == 0) && val) {
			free(out->src);
			out->src = xstrdup(val);
		} else if ((strcmp(kv, "dst") == 0 || strcmp(kv, "destination") == 0 ||
			    strcmp(kv, "target") == 0) &&
			   val) {
			free(out->dst);
			out->dst = xstrdup(val);
		} else if (strcmp(kv, "ro") == 0 || strcmp(kv, "readonly") == 0) {
			out->ro = val == NULL || strcmp(val, "true") == 0;
		} else if (strcmp(kv, "bind-propagation") == 0 && val && is_propagation(val)) {
			add_option(&out->options, val);
		} else if ((strcmp(kv, "tmpfs-size") == 0 || strcmp(kv, "size") == 0) && val) {
			autofree char *o = xasprintf("size=%s", val);
			add_option(&out->options, o);
		} else if ((strcmp(kv, "tmpfs-mode") == 0 || strcmp(kv, "mode") == 0) && val) {
			autofree char *o = xasprintf("mode=%s", val);
			add_option(&out->options, o);
		} else if (strcmp(kv, "U") == 0 || strcmp(kv, "chown") == 0) {
			out->chown = val == NULL || strcmp(val, "true") == 0;
		} else if (strcmp(kv, "z") == 0 || strcmp(kv, "Z") == 0 ||
			   strcmp(kv, "relabel") == 0) {
			/* no SELinux here */
		} else {
			oci_volume_clear(out);
			return err_set(err, EINVAL, ERR_USAGE,
				       "invalid --mount \"%s\": unknown key "
				       "\"%s\"",
				       spec, kv);
		}
	}
	if (type == NULL ||
	    (strcmp(type, "bind") && strcmp(type, "volume") && strcmp(type, "tmpfs"))) {
		oci_volume_clear(out);
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid --mount \"%s\": type must be bind, volume or tmpfs", spec);
	}
	out->kind = strcmp(type, "bind") == 0	  ? OCI_MOUNT_BIND
		    : strcmp(type, "volume") == 0 ? OCI_MOUNT_VOLUME
						  : OCI_MOUNT_TMPFS;
	if (check_dst(spec, out->dst, err) < 0 ||
	    (out->kind == OCI_MOUNT_BIND && out->src == NULL)) {
		if (*err == NULL)
			err_set(err, EINVAL, ERR_USAGE,
				"invalid --mount \"%s\": a bind needs src=", spec);
		oci_volume_clear(out);
		return -1;
	}
	if (out->kind == OCI_MOUNT_BIND) {
		char *abs = absolute(out->src);
		free(out->src);
		out->src = abs;
	}
	return 0;
}

int oci_tmpfs_parse(const char *spec, struct oci_volume *out, struct error **err)
{
	*out = (struct oci_volume){ .kind = OCI_MOUNT_TMPFS };
	const char *colon = strchr(spec, ':');
	out->dst = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
	if (colon && colon[1])
		out->options = xstrdup(colon + 1);
	if (check_dst(spec, out->dst, err) < 0) {
		oci_volume_clear(out);
		return -1;
	}
	return 0;
}

static const char *const rlimit_names[] = { "as",    "core",	"cpu",	    "data",   "fsize",
					    "locks", "memlock", "msgqueue", "nice",   "nofile",
					    "nproc", "rss",	"rtprio",   "rttime", "sigpending",
					    "stack", NULL };

static int parse_limit(const char *s, uint64_t *out)
{
	if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	/* Digits only: strtoull skips blanks and takes a sign, so " -5" came out as 2^64-5. */
	if (*s < '0' || *s > '9')
		return -1;
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int oci_ulimit_parse(const char *spec, struct oci_ulimit *out, struct error **err)
{
	*out = (struct oci_ulimit){ 0 };
	const char *eq = strchr(spec, '=');
	if (eq == NULL)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid ulimit \"%s\": want NAME=SOFT[:HARD]", spec);
	autofree char *name = xstrndup(spec, (size_t)(eq - spec));
	bool known = false;
	for (size_t i = 0; rlimit_names[i]; i++)
		known |= strcmp(name, rlimit_names[i]) == 0;
	if (!known)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid ulimit \"%s\": unknown limit \"%s\"", spec, name);
	autofree char *vals = xstrdup(eq + 1);
	char *colon = strchr(vals, ':');
	if (colon)
		*colon = '\0';
	if (parse_limit(vals, &out->soft) < 0 ||
	    parse_limit(colon ? colon + 1 : vals, &out->hard) < 0)
		return err_set(err, EINVAL, ERR_USAGE, "invalid ulimit \"%s\": bad number", spec);
	if (out->soft > out->hard)
		return err_set(err, EINVAL, ERR_USAGE,
			       "invalid ulimit \"%s\": soft limit above the hard limit", spec);
	for (char *c = name; *c; c++)
		*c = (char)(*c - 'a' + 'A');
	out->type = xasprintf("RLIMIT_%s", name);
	return 0;
}
