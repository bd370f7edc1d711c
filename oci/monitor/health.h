/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monitor's healthchecks (oci/monitor/health.c): a timerfd in the event loop starts a
 * check, the runtime's exec into the container, in a process group of its own; its output
 * is read bounded, a second timerfd kills the group at the timeout. The state (podman's
 * State.Health) is kept here and written to the health file by rename after every check.
 */
#pragma once

#include "oci/monitor/monitor.h"

#define HEALTH_LOGS 5	      /* results kept, as podman's MaxHealthCheckNumberLogs */
#define HEALTH_OUTPUT_MAX 500 /* bytes of output kept, as podman's MaxHealthCheckLogLength */
#define HEALTH_WAITERS 8      /* `healthcheck run` clients waiting at once */

struct health_result {
	struct timespec start, end; /* CLOCK_REALTIME */
	int exit_code;		    /* -1: killed at the timeout */
	char output[HEALTH_OUTPUT_MAX + 1];
};

struct health {
	const struct oci_monitor_opts *o;
	int ep;
	int timer_fd;	/* the interval, or -1 */
	int timeout_fd; /* the running check's deadline, or -1 */
	int stop_fd;	/* --health-on-failure stop/restart: SIGKILL after the stop timeout */
	int out_fd;	/* the running check's output, or -1 */
	pid_t pid;	/* the running check, or 0 */
	bool timed_out;
	struct timespec began; /* CLOCK_MONOTONIC at start: the start period */
	struct health_result cur;
	size_t cur_len;
	const char *status; /* "starting", "healthy", "unhealthy" */
	int streak;
	/* The last results as their JSON objects (owned), oldest first: those of the runs
	 * before this start too, as podman keeps them. */
	char *log[HEALTH_LOGS];
	size_t n_log;
	int waiters[HEALTH_WAITERS]; /* attach clients, answered with OCI_ATTACH_HEALTH */
	bool notified;		     /* --sdnotify healthy: READY=1 sent */
};

/* Set up from o (nothing when o has no check): the timer, the first state file. */
void health_init(struct health *h, const struct oci_monitor_opts *o, int ep);
/* Handle readiness of fd; false when fd is none of the healthchecks'. */
bool health_event(struct health *h, int fd);
/* A child reaped by the loop: true when it was the check. */
bool health_reaped(struct health *h, pid_t pid, int ws);
/* A client asks for a check now (`healthcheck run`): answered once it ends. */
void health_request(struct health *h, int client);
/* A client is gone: no answer for it. */
void health_forget(struct health *h, int client);
/* The container exited: no more checks (a running one is killed). */
void health_close(struct health *h);
/* Send a datagram to the NOTIFY_SOCKET path (sd_notify); errors only logged. */
