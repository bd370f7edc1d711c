/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's log read back (hutch logs; later the API's logs endpoint): the times given
 * as text are the user's (RFC 3339, a duration back from now, or Unix seconds), and only a
 * running container is followed, until its exit file appears. And `export`, which takes
 * only a container that does not run.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int eng_ctr_logs(struct eng_ctr *c, const struct eng_logs_opts *o, FILE *out, FILE *errout,
		 struct error **err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct oci_logs_opts lo = { .timestamps = o->timestamps, .tail = o->tail };
	if (o->since != NULL && oci_log_parse_since(o->since, &now, &lo.since, err) < 0)
		return -1;
	if (o->until != NULL && oci_log_parse_since(o->until, &now, &lo.until, err) < 0)
		return -1;
	lo.has_since = o->since != NULL;
	lo.has_until = o->until != NULL;
	autofree char *log = eng_ctr_log_path(c->eng, c->id);
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	if (run == NULL)
		return -1;
	autofree char *exitf = xasprintf("%s/%s", run, OCI_EXIT_FILE);
	/* Follow only what runs; a stopped container's log is complete. */
	lo.follow = o->follow && c->state.status == ENG_CTR_RUNNING;
	lo.done_file = exitf;
	/* The monitor writes the exit file; killed, it never comes: then the end is the
	 * init's. Their pidfds are opened, then checked (the init's start time), so that
	 * neither is a reused pid's; one found gone counts as fired. */
	autoclose int mon_fd = -1, init_fd = -1;
	if (lo.follow) {
		pid_t mon = c->state.monitor_pid;
		mon_fd = mon > 0 ? (int)syscall(SYS_pidfd_open, mon, 0) : -1;
		if (mon_fd >= 0 && !ctr_pid_alive(mon, "hutch-monitor")) {
			close(mon_fd);
			mon_fd = -1;
		}
		init_fd = (int)syscall(SYS_pidfd_open, c->state.pid, 0);
		if (init_fd >= 0 && !ctr_init_alive(c->state.pid, c->state.init_start)) {
			close(init_fd);
			init_fd = -1;
		}
		if (mon_fd < 0 && init_fd < 0)
			lo.follow = false;
		if (mon_fd >= 0)
			lo.done_pidfds[lo.n_done_pidfds++] = mon_fd;
		if (init_fd >= 0)
			lo.done_pidfds[lo.n_done_pidfds++] = init_fd;
	}
	int rc = oci_logs_print(log, &lo, out, errout, err);
	/* An end seen here without its monitor is recorded as a lookup would (--rm removes
	 * it). */
	if (rc == 0 && lo.follow) {
		ctr_state_load(c->eng, c);
		ctr_settle_keep(c->eng, c);
	}
	return rc;
}

int eng_ctr_export_check(const struct eng_ctr *c, struct error **err)
{
	if (c->state.status == ENG_CTR_RUNNING || c->state.status == ENG_CTR_PAUSED)
		return err_set(err, EBUSY, ERR_TOOL,
			       "container %s is running: hutch exports created and exited "
			       "containers only",
			       c->name);
	return 0;
}

int eng_ctr_export(struct eng_ctr *c, int fd, struct error **err)
{
	if (eng_ctr_export_check(c, err) < 0)
		return -1;
	return storage_export(c->eng->store, c->id, fd, err);
}
