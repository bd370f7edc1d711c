/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where hutch keeps things for the user: the store under $XDG_DATA_HOME, runtime state under
 * $XDG_RUNTIME_DIR. The runtime dir is checked before use: after `su` it often names a
 * directory that belongs to someone else, and hutch must never put state there. The store
 * pins the runtime dir its containers were started in (this boot), so that every shell,
 * whatever its environment, finds them in one place.
 */
#include "lib/lib.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
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

/* The stable fallback, one per user: $TMPDIR (else /tmp)/hutch-run-UID. Owned; not created. */
static char *tmp_base(void)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	return xasprintf("%s/hutch-run-%u", tmp, (unsigned)getuid());
}

/* A private directory in /tmp: created 0700 by us, or refused if anyone else made it. */
static int private_tmp_dir(const char *dir, struct error **err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_sys(err, "creating fallback runtime directory %s", dir);
	struct stat st;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077) != 0)
		return err_set(err, EPERM, ERR_TOOL,
			       "fallback runtime directory %s is not a private directory of ours",
			       dir);
	return 0;
}

/*
 * This shell's own choice of base, as podman makes it: $XDG_RUNTIME_DIR when usable, else
 * /run/user/UID when it is ours (cron, `su`, ssh without logind leave the variable unset
 * while the session's directory exists), else the fallback in /tmp. *why says why the
 * variable was not used (static text), NULL when it was. Owned; nothing created.
 */
static char *own_base(const char **why, bool *is_tmp)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	*is_tmp = false;
	*why = runtime_dir_problem(xdg);
	if (*why == NULL)
		return xstrdup(xdg);
	char *user = xasprintf("/run/user/%u", (unsigned)getuid());
	if (runtime_dir_problem(user) == NULL)
		return user;
	free(user);
	*is_tmp = true;
	return tmp_base();
}

/* A runtime dir we made (hutch under some base): a directory of ours, no symlink. Its
 * base was checked private when it was chosen, as own_runtime_dir does. */
static bool is_our_dir(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
	       access(dir, W_OK | X_OK) == 0;
}

/* This boot's id (owned), "" when the kernel does not say. */
static char *boot_id(void)
{
	struct error *e = NULL;
	char *text = NULL;
	if (fs_read_file("/proc/sys/kernel/random/boot_id", 64, &text, NULL, &e) < 0) {
		err_free(&e);
		return xstrdup("");
	}
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/*
 * The store's pin, "DIR\nBOOT_ID\n": the runtime dir its containers were started in this
 * boot. Owned DIR, or NULL when there is none, it is from another boot, or DIR is not a
 * directory of ours any more.
 */
static char *pin_read(const char *text)
{
	if (text == NULL)
		return NULL;
	autofree char *copy = xstrdup(text);
	char *nl = strchr(copy, '\n');
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	char *boot = nl + 1;
	boot[strcspn(boot, "\n")] = '\0';
	autofree char *now = boot_id();
	if (*copy != '/' || strcmp(boot, now) != 0 || !is_our_dir(copy))
		return NULL;
	return xstrdup(copy);
}

static char *pin_path(void)
{
	struct error *e = NULL;
	autofree char *store = paths_store_dir(&e);
	err_free(&e);
	return store ? xasprintf("%s/runtime-dir", store) : NULL;
}

/* The store's pin as read now (owned), or NULL. */
static char *pin_current(const char *path)
{
	struct error *e = NULL;
	autofree char *text = NULL;
	if (path == NULL || fs_read_file(path, 4096, &text, NULL, &e) < 0) {
		err_free(&e);
		return NULL;
	}
	return pin_read(text);
}

/* This shell's own runtime dir, BASE/hutch, created; warns once if the variable was unusable. */
static char *own_runtime_dir(struct error **err)
{
	static bool warned;
	const char *why = NULL;
	bool is_tmp = false;
	autofree char *base = own_base(&why, &is_tmp);
	if (is_tmp && private_tmp_dir(base, err) < 0)
		return NULL;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	/* Unset is the normal case of cron and `su`: say nothing when /run/user/UID is used. */
	if (why != NULL && (is_tmp || xdg != NULL) && !warned)
		log_warn("XDG_RUNTIME_DIR %s%s%s: using %s instead", xdg ? xdg : "", xdg ? " " : "",
			 why, base);
	warned = warned || why != NULL;
	char *dir = xasprintf("%s/hutch", base);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_sys(err, "creating runtime directory %s", dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* The pinned dir, with one warning when this shell would have chosen another. */
static char *use_pinned(char *pinned)
{
	static bool warned;
	const char *why = NULL;
	bool is_tmp = false;
	autofree char *base = own_base(&why, &is_tmp);
	autofree char *own = xasprintf("%s/hutch", base);
	if (strcmp(own, pinned) != 0 && !warned)
		log_warn("using runtime directory %s, where this store's containers run (this "
			 "shell's would be %s: set XDG_RUNTIME_DIR alike in every shell)",
			 pinned, own);
	warned = warned || strcmp(own, pinned) != 0;
	return pinned;
}

char *paths_runtime_dir(struct error **err)
{
	autofree char *path = pin_path();
	char *pinned = pin_current(path);
	if (pinned != NULL)
		return use_pinned(pinned);
	return own_runtime_dir(err);
}

char *paths_runtime_dir_pin(struct error **err)
{
	autofree char *path = pin_path();
	if (path == NULL)
		return own_runtime_dir(err);
	/* The pin file is its own lock: two shells that start containers at once, each with
	 * its own choice, must agree on one. */
	autoclose int fd = fs_lock(path, O_RDWR | O_CREAT | O_CLOEXEC, LOCK_EX);
	if (fd < 0)
		return err_sys(err, "locking %s", path), NULL;
	autofree char *text = NULL;
	struct error *e = NULL;
	if (fs_read_fd(fd, 4096, &text, NULL, &e) < 0)
		err_free(&e); /* garbage: replaced below */
	char *pinned = pin_read(text);
	if (pinned != NULL)
		return use_pinned(pinned);
	char *dir = own_runtime_dir(err);
	if (dir == NULL)
		return NULL;
	autofree char *boot = boot_id();
	autofree char *line = xasprintf("%s\n%s\n", dir, boot);
	/* Written in place under the lock; a reader that sees it half written finds no
	 * usable pin, which is what it was a moment before. */
	if (pwrite(fd, line, strlen(line), 0) != (ssize_t)strlen(line) ||
	    ftruncate(fd, (off_t)strlen(line)) < 0) {
		err_sys(err, "writing %s", path);
		free(dir);
		return NULL;
	}
	return dir;
}
