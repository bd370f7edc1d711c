/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where hutch keeps things for the user: the store under $XDG_DATA_HOME, runtime state under
 * $XDG_RUNTIME_DIR. The runtime dir is checked before use: after `su` it often names a
 * directory that belongs to someone else, and hutch must never put state there.
 */
#include "lib/lib.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *paths_home(struct error **err)
{
	const char *home = getenv("HOME");
	if (home != NULL && *home == '/')
		return xstrdup(home);
	struct passwd *pw = getpwuid(getuid());
	if (pw == NULL || pw->pw_dir == NULL)
		return err_msg(err, "cannot find the home directory of uid %u: set $HOME",
			       (unsigned)getuid()),
		       NULL;
	return xstrdup(pw->pw_dir);
}

static char *xdg_dir(const char *var, const char *fallback, struct error **err)
{
	const char *v = getenv(var);
	if (v != NULL && *v == '/')
		return xstrdup(v);
	autofree char *home = paths_home(err);
	if (home == NULL)
		return NULL;
	return xasprintf("%s/%s", home, fallback);
}

char *paths_store_dir(struct error **err)
{
	autofree char *data = xdg_dir("XDG_DATA_HOME", ".local/share", err);
	if (data == NULL)
		return NULL;
	return xasprintf("%s/hutch", data);
}

char *paths_config_home(struct error **err)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config", err);
}

/* Why a runtime dir is unusable, or NULL when it is fine. */
static const char *runtime_dir_problem(const char *dir)
{
	struct stat st;
	if (dir == NULL || *dir == '\0')
		return "is not set";
	if (*dir != '/')
		return "is not an absolute path";
	if (stat(dir, &st) < 0)
		return "does not exist";
	if (!S_ISDIR(st.st_mode))
		return "is not a directory";
	if (st.st_uid != getuid())
		return "belongs to another user";
	if (access(dir, W_OK | X_OK) < 0)
		return "is not writable";
	return NULL;
}

/* A private directory in /tmp: created 0700 by us, or refused if anyone else made it. */
static char *private_tmp_dir(struct error **err)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	char *dir = xasprintf("%s/hutch-run-%u", tmp, (unsigned)getuid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_sys(err, "creating fallback runtime directory %s", dir);
		free(dir);
		return NULL;
	}
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0) {
		err_set(err, EPERM, ERR_TOOL,
			"fallback runtime directory %s is not a private directory of ours", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

char *paths_runtime_dir(struct error **err)
{
	static bool warned;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *problem = runtime_dir_problem(xdg);
	autofree char *base = NULL;
	if (problem == NULL) {
		base = xstrdup(xdg);
	} else {
		base = private_tmp_dir(err);
		if (base == NULL)
			return NULL;
		if (!warned)
			log_warn("XDG_RUNTIME_DIR %s%s%s: using %s instead", xdg ? xdg : "",
				 xdg ? " " : "", problem, base);
		warned = true;
	}
	char *dir = xasprintf("%s/hutch", base);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_sys(err, "creating runtime directory %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}
