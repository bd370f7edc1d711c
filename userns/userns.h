/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user namespace of a rootless user: subordinate id ranges (libsubid), the mapping
 * container 0 -> own id, 1..N -> subordinate range, applied with newuidmap/newgidmap, and
 * a fork helper that runs a function (or execs) as root inside a fresh user namespace.
 */
#pragma once

#include "lib/lib.h"

#include <sys/types.h>

/* One line of /proc/PID/uid_map: ids [inside, inside+count) are [outside, outside+count). */
struct userns_idmap {
	unsigned long inside;
	unsigned long outside;
	unsigned long count;
};

struct userns_map {
	struct userns_idmap *uids;
	size_t n_uids;
	struct userns_idmap *gids;
	size_t n_gids;
	/* True when the user has no subordinate ranges: only the own ids are mapped, written
	 * straight to /proc (no newuidmap needed), and setgroups is denied. */
	bool single;
};

/* A subordinate range from /etc/subuid or /etc/subgid. */
struct userns_subid {
	unsigned long start;
	unsigned long count;
};

/*
 * The user's subordinate uid (or gid when gid is true) ranges through libsubid. Sets *out
 * (owned, free()) and *n; n == 0 means the user has none. Fails only when libsubid fails.
 */
int userns_subids(bool gid, struct userns_subid **out, size_t *n, struct error **err);

/*
 * A range of 65536 ids, "START-END" (owned), that no line of the two files (subuid and
 * subgid) overlaps, the lowest from 100000 on in steps of 65536: what to suggest to
 * `usermod --add-subuids`. NULL when there is none.
 */
char *userns_free_subid_range(const char *subuid, const char *subgid);

/*
 * The default mapping for the calling user: 0 -> own id, then 1.. over the subordinate
 * ranges in order. Without ranges: the single own-id mapping, with one warning that says
 * how to add ranges (as podman does). Free with userns_map_clear.
 */
int userns_default_map(struct userns_map *m, struct error **err);
void userns_map_clear(struct userns_map *m);
/*
 * --userns=keep-id, as podman does it: a user namespace nested in the default one, where
 * the user's own uid and gid keep their numbers (they map to the outer 0, which is the
 * user), 0..uid-1 take the outer 1..uid, and the rest map to themselves. The ids are
 * those of the outer namespace, for config.json's uidMappings/gidMappings.
 */
int userns_keepid_map(struct userns_map *m, struct error **err);
/* Parse "inside:outside:count" triplets as given to --uidmap; appends to *m. */
int userns_map_parse(const char *spec, bool gid, struct userns_map *m, struct error **err);

/*
 * Write the mapping of process pid: newuidmap/newgidmap when there are subordinate ranges
 * (a clear error naming the uidmap package when they are missing or not privileged), or
 * /proc/PID/{setgroups,uid_map,gid_map} directly for the single own-id mapping.
 */
int userns_apply_map(pid_t pid, const struct userns_map *m, struct error **err);

/*
 * True when this process already runs in a user namespace other than the initial one (as
 * the monitor and its exit command do): work that needs the namespace is done directly.
 */
bool userns_is_inside(void);

/* Check newuidmap and newgidmap are in $PATH and privileged; names the uidmap package. */
int userns_check_helpers(struct error **err);

/* A function run as root inside the new namespaces. It returns 0, or -1 with err set. */
typedef int (*userns_fn)(void *arg, struct error **err);

struct userns_child {
	pid_t pid;
	/* Parent's end of the sync socket (close-on-exec); -1 once closed. */
	int sync_fd;
};

/*
 * Fork a child that unshares CLONE_NEWUSER | extra_flags, waits until the parent has
 * written the mapping, becomes root (0:0) in the namespace and calls fn(arg). Errors the
 * child meets travel back over the sync socket: userns_spawn returns after fn has either
 * exec'd (sync socket closed by O_CLOEXEC), returned 0, or failed (then -1, err set, child
 * reaped). On success the child is still running; the caller waits for it.
 */
int userns_spawn(const struct userns_map *m, int extra_flags, userns_fn fn, void *arg,
		 struct userns_child *child, struct error **err);

/*
 * `hutch unshare`: run argv (resolved in $PATH) as root in a new user and mount namespace
 * with the default mapping. *status gets its exit status. Not found -> ERR_NOTFOUND (127),
 * not executable -> ERR_INVOKE (126).
 */
int userns_unshare_exec(char *const argv[], int *status, struct error **err);
