/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's log read back (hutch logs; later the API's logs endpoint): the times given
 * as text are the user's (RFC 3339, a duration back from now, or Unix seconds), and only a
 * running container is followed, until its exit file appears; several are read side by
 * side, a process each, their lines after the short IDs. And `export`, which takes
 * only a container that does not run.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* c's log, each line after prefix (NULL: none). */
static int logs_one(struct eng_ctr *c, const struct eng_logs_opts *o, const char *prefix, FILE *out,
		    FILE *errout, struct error **err)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct oci_logs_opts lo = { .timestamps = o->timestamps,
				    .tail = o->tail,
				    .prefix = prefix };
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

int eng_ctr_logs(struct eng_ctr *c, const struct eng_logs_opts *o, FILE *out, FILE *errout,
		 struct error **err)
{
	return logs_one(c, o, NULL, out, errout, err);
}

/* A child of eng_ctr_logs_many: c's log to its own line-buffered copies of out and errout
 * (a line is one write, whole among the others'); a failure's message to efd. */
static void __attribute__((noreturn))
logs_child(struct eng_ctr *c, const struct eng_logs_opts *o, FILE *out, FILE *errout, int efd)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	char prefix[16];
	snprintf(prefix, sizeof(prefix), "%.12s ", c->id);
	FILE *o2 = fdopen(dup(fileno(out)), "w"), *e2 = fdopen(dup(fileno(errout)), "w");
	struct error *err = NULL;
	int rc = -1;
	if (o2 == NULL || e2 == NULL)
		err_sys(&err, "logs of %s", c->name);
	else {
		setvbuf(o2, NULL, _IOLBF, 0);
		setvbuf(e2, NULL, _IOLBF, 0);
		rc = logs_one(c, o, prefix, o2, e2, &err);
		fflush(o2);
		fflush(e2);
	}
	if (rc < 0 && err != NULL)
		(void)fs_write_all(efd, err->msg, strlen(err->msg));
	_exit(rc < 0 ? 1 : 0);
}

int eng_ctr_logs_many(struct eng_ctr *const *cs, size_t n, const struct eng_logs_opts *o, FILE *out,
		      FILE *errout, struct error **err)
{
	if (n == 1)
		return eng_ctr_logs(cs[0], o, out, errout, err);
	/* Each container's run dir looked up now: the children need not. */
	for (size_t i = 0; i < n; i++) {
		autofree char *run = eng_ctr_run_dir(cs[i]->eng, cs[i]->id, err);
		if (run == NULL)
			return -1;
	}
	fflush(out);
	fflush(errout);
	pid_t *pids = xcalloc(n, sizeof(*pids));
	int *efds = xcalloc(n, sizeof(*efds));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int ep[2] = { -1, -1 };
		pids[i] = pipe2(ep, O_CLOEXEC) < 0 ? -1 : fork();
		if (pids[i] == 0) {
			close(ep[0]);
			logs_child(cs[i], o, out, errout, ep[1]);
		}
		if (ep[1] >= 0)
			close(ep[1]);
		efds[i] = ep[0];
		if (pids[i] < 0 && rc == 0)
			rc = err_sys(err, "logs of %s", cs[i]->name);
	}
	/* Every child's end, the first failure the error (in container order). */
	for (size_t i = 0; i < n; i++) {
		int status = 0;
		struct error *e = NULL;
		if (pids[i] > 0 && proc_wait(pids[i], &status, &e) < 0)
			err_free(&e);
		char msg[1024];
		ssize_t len = efds[i] >= 0 ? read(efds[i], msg, sizeof(msg) - 1) : 0;
		if (efds[i] >= 0)
			close(efds[i]);
		if (pids[i] > 0 && status != 0 && rc == 0)
			rc = err_msg(err, "%.*s", len > 0 ? (int)len : 0, len > 0 ? msg : "");
	}
	free(pids);
	free(efds);
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
