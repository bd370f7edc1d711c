/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Healthchecks run by the container's monitor, on its own timer: no daemon and no systemd
 * timer units. A check is the command line the engine gave (the runtime's exec into the
 * container), forked into a process group of its own so that the timeout kills all of it.
 * Status follows podman's rules (libpod/healthcheck.go): a pass makes it healthy and resets
 * the failing streak; a failure outside the start period adds to the streak, which makes
 * it unhealthy at --health-retries; the last five results are kept. Only this process
 * writes the health file (by rename): `healthcheck run` asks it for a check over the attach
 * socket, so there is one state and one writer.
 */
#include "oci/monitor/health.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void watch(struct health *h, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (fd >= 0)
		epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev);
}

static void unwatch(struct health *h, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(h->ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* A one-shot (interval 0) or periodic timer of ms milliseconds, watched. */
static int timer_new(struct health *h, uint64_t ms, bool periodic)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -1;
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
						.tv_nsec = (long)(ms % 1000) * 1000000 } };
	if (periodic)
		its.it_interval = its.it_value;
	timerfd_settime(fd, 0, &its, NULL);
	watch(h, fd);
	return fd;
}

/* Append s as a JSON string: control characters escaped, bytes that are not UTF-8 as
 * U+FFFD (the output is the container's, anything at all). */
static void json_string(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\') {
			fprintf(f, "\\%c", ch);
		} else if (ch == '\n') {
			fputs("\\n", f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
		} else if (ch < 0x80) {
			fputc(ch, f);
		} else {
			size_t n = ch >= 0xf0 && ch < 0xf5 ? 4
				   : ch >= 0xe0		   ? 3
				   : ch >= 0xc2		   ? 2
							   : 0;
			bool ok = n > 0 && i + n <= len;
			for (size_t k = 1; ok && k < n; k++)
				ok = (p[i + k] & 0xc0) == 0x80;
			if (!ok) {
				fputs("\\ufffd", f);
				continue;
			}
			fwrite(p + i, 1, n, f);
			i += n - 1;
		}
	}
	fputc('"', f);
}

/* Go's RFC 3339 with nanoseconds, as podman's log times: trailing zeros dropped, "Z". */
static void go_time(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	char date[32], frac[16];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
	size_t n = strlen(frac);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	snprintf(buf, size, "%s%sZ", date, n > 1 ? frac : "");
}

/* One result as its JSON object (owned). */
static char *result_json(const struct health_result *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	char a[48], b[48];
	go_time(&r->start, a, sizeof(a));
	go_time(&r->end, b, sizeof(b));
	fprintf(f, "{\"Start\":\"%s\",\"End\":\"%s\",\"ExitCode\":%d,\"Output\":", a, b,
		r->exit_code);
	json_string(f, r->output, strlen(r->output));
	fputc('}', f);
	fclose(f);
	return out;
}

/* Keep entry (owned) as the newest result, the oldest dropped past HEALTH_LOGS. */
static void log_push(struct health *h, char *entry)
{
	if (entry == NULL)
		return;
	if (h->n_log == HEALTH_LOGS) {
		free(h->log[0]);
		memmove(h->log, h->log + 1, (HEALTH_LOGS - 1) * sizeof(h->log[0]));
		h->n_log--;
	}
	h->log[h->n_log++] = entry;
}

/*
 * The results of the runs before this start, from the health file as write_state wrote it
 * (this monitor links no JSON parser): its Log's objects are separated by `},{"Start":"`,
 * which never occurs inside one, whose strings have their quotes escaped.
 */
static void log_load(struct health *h)
{
	autofree char *doc = NULL;
	struct error *err = NULL;
	if (fs_read_file(h->o->health_file, 64 << 10, &doc, NULL, &err) < 0) {
		err_free(&err);
		return;
	}
	static const char sep[] = "},{\"Start\":\"";
	char *p = strstr(doc, "\"Log\":[{\"Start\":\"");
	/* The last "}]}": an output may hold those characters, the file ends with them. */
	char *end = NULL;
	for (char *q = p; q != NULL && (q = strstr(q, "}]}")) != NULL; q++)
		end = q;
	if (p == NULL || end == NULL)
		return;
	p += strlen("\"Log\":[");
	end[1] = '\0'; /* keep the last object's brace */
	while (p != NULL && *p) {
		char *next = strstr(p, sep);
		if (next != NULL)
			next[1] = '\0';
		log_push(h, xstrdup(p));
		p = next != NULL ? next + 2 : NULL;
	}
}

/* The health file: podman's State.Health, {Status, FailingStreak, Log[{Start, End,
 * ExitCode, Output}]}, by temp file and rename. */
static void write_state(struct health *h)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);
	if (f == NULL)
		return;
	fprintf(f, "{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[", h->status, h->streak);
	for (size_t i = 0; i < h->n_log; i++)
		fprintf(f, "%s%s", i ? "," : "", h->log[i]);
	fputs("]}\n", f);
	fclose(f);
	struct error *err = NULL;
	if (fs_write_replace(h->o->health_file, doc, len, 0600, &err) < 0) {
		log_warn("writing %s: %s", h->o->health_file, err->msg);
		err_free(&err);
	}
	free(doc);
}

void health_init(struct health *h, const struct oci_monitor_opts *o, int ep)
{
	*h = (struct health){ .o = o,
			      .ep = ep,
			      .timer_fd = -1,
			      .timeout_fd = -1,
			      .stop_fd = -1,
			      .out_fd = -1,
			      .status = "starting" };
	for (size_t i = 0; i < HEALTH_WAITERS; i++)
		h->waiters[i] = -1;
	watch(h, o->notify_fd);
	if (o->health_exec == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &h->began);
	if (o->health_interval > 0)
		h->timer_fd = timer_new(h, o->health_interval, true);
	/* A new start: starting again, the earlier results kept (as podman). */
	if (o->health_file != NULL) {
		log_load(h);
		write_state(h);
	}
}

static void start_check(struct health *h)
{
	if (h->pid > 0 || h->o->health_exec == NULL)
		return; /* one at a time: its end answers every waiter */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	h->cur = (struct health_result){ 0 };
	h->cur_len = 0;
	h->timed_out = false;
	clock_gettime(CLOCK_REALTIME, &h->cur.start);
	pid_t pid = fork();
	if (pid == 0) {
		/* A group of its own, killed whole at the timeout. */
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		execv(h->o->health_exec[0], h->o->health_exec);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return;
	}
	setpgid(pid, pid); /* also here: the timeout may come before the child runs */
	h->pid = pid;
	h->out_fd = pfd[0];
	fcntl(h->out_fd, F_SETFL, O_NONBLOCK);
	watch(h, h->out_fd);
	/* A zero timer would never fire: podman's default then. */
	h->timeout_fd = timer_new(h, h->o->health_timeout ? h->o->health_timeout : 30000, false);
}

/* Read what the check wrote: the first HEALTH_OUTPUT_MAX bytes kept, the rest dropped. */
static void read_output(struct health *h)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(h->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			unwatch(h, &h->out_fd);
			return;
		}
		size_t keep = HEALTH_OUTPUT_MAX - h->cur_len;
		if ((size_t)n < keep)
			keep = (size_t)n;
		memcpy(h->cur.output + h->cur_len, buf, keep);
		h->cur_len += keep;
	}
}

/* The on-failure action: kill, or stop (the stop signal, SIGKILL after the stop timeout),
 * or restart (the same, with a mark the exit command reads to start it again). */
static void on_failure(struct health *h)
{
	const char *a = h->o->health_on_failure;
	if (a == NULL || strcmp(a, "none") == 0)
		return;
	if (strcmp(a, "kill") == 0) {
		kill(h->o->pid, SIGKILL);
		return;
	}
	/* stop: stopped on purpose, so no restart policy brings it back (ctr_stopped_by_user) */
	const char *mark = strcmp(a, "restart") == 0 ? OCI_HEALTH_RESTART_FILE : OCI_STOPPED_FILE;
	autofree char *path = xasprintf("%s/%s", h->o->run_dir, mark);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	kill(h->o->pid, h->o->stop_signal > 0 ? h->o->stop_signal : SIGTERM);
	if (h->stop_fd < 0)
		h->stop_fd = timer_new(h, h->o->stop_timeout * 1000 + 1, false);
}

static bool in_start_period(const struct health *h)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	uint64_t ms = (uint64_t)(now.tv_sec - h->began.tv_sec) * 1000 +
		      (uint64_t)((now.tv_nsec - h->began.tv_nsec) / 1000000);
	return ms < h->o->health_start_period;
}

/* The check's end: the state, the file, the waiters, the action. */
static void finish(struct health *h, int code)
{
	if (h->out_fd >= 0)
		read_output(h);
	unwatch(h, &h->out_fd);
	unwatch(h, &h->timeout_fd);
	h->pid = 0;
	clock_gettime(CLOCK_REALTIME, &h->cur.end);
	h->cur.exit_code = h->timed_out ? -1 : code;
	if (h->timed_out)
		h->cur_len = 0;
	h->cur.output[h->cur_len] = '\0';
	/* One trailing newline goes, as podman's. */
	if (h->cur_len > 0 && h->cur.output[h->cur_len - 1] == '\n')
		h->cur.output[h->cur_len - 1] = '\0';
	bool pass = h->cur.exit_code == 0;
	if (pass) {
		h->status = "healthy";
		h->streak = 0;
	} else if (!in_start_period(h)) {
		/* In the start period a failure does not count. */
		if (++h->streak >= (h->o->health_retries > 0 ? h->o->health_retries : 1))
			h->status = "unhealthy";
	}
	log_push(h, result_json(&h->cur));
	if (h->o->health_file != NULL)
		write_state(h);
	/* The answer: int32 exit code (-1: timed out), then the status. */
	char msg[32];
	int32_t c = h->cur.exit_code;
	memcpy(msg, &c, sizeof(c));
	size_t sl = strlen(h->status);
	memcpy(msg + sizeof(c), h->status, sl);
	for (size_t i = 0; i < HEALTH_WAITERS; i++)
		if (h->waiters[i] >= 0) {
			(void)oci_attach_send(h->waiters[i], OCI_ATTACH_HEALTH, msg,
					      sizeof(c) + sl);
			h->waiters[i] = -1;
		}
	if (pass && !h->notified && h->o->sdnotify != NULL &&
	    strcmp(h->o->sdnotify, "healthy") == 0) {
		/* MAINPID: ours, as the start said (systemd reaps us, not the container) */
		autofree char *m = xasprintf("MAINPID=%d\nREADY=1", (int)getpid());
		notify_send(h->o->notify_socket, m);
		h->notified = true;
	}
	if (strcmp(h->status, "unhealthy") == 0)
		on_failure(h);
}

/*
 * --sdnotify=container: one message from the container, forwarded with MAINPID set to our
 * pid, the service's main process, as the start told systemd (the container's own MAINPID=
 * is of its pid namespace, and systemd could not see it exit: it is not its child).
 * Nowhere to forward it: dropped.
 */
static void notify_proxy(struct health *h)
{
	char buf[4096];
	ssize_t n = recv(h->o->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0 || h->o->notify_socket == NULL)
		return;
	buf[n] = '\0';
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return;
	fprintf(f, "MAINPID=%d", (int)getpid());
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "MAINPID=", 8) != 0)
			fprintf(f, "\n%s", line);
	fclose(f);
	notify_send(h->o->notify_socket, out);
	free(out);
}

bool health_event(struct health *h, int fd)
{
	if (fd < 0)
		return false;
	uint64_t ticks;
	if (fd == h->o->notify_fd) {
		notify_proxy(h);
	} else if (fd == h->timer_fd) {
		(void)!read(fd, &ticks, sizeof(ticks));
		start_check(h);
	} else if (fd == h->timeout_fd) {
		(void)!read(fd, &ticks, sizeof(ticks));
		unwatch(h, &h->timeout_fd);
		if (h->pid > 0) {
			h->timed_out = true;
			kill(-h->pid, SIGKILL);
			kill(h->pid, SIGKILL);
		}
	} else if (fd == h->stop_fd) {
		unwatch(h, &h->stop_fd);
		kill(h->o->pid, SIGKILL);
	} else if (fd == h->out_fd) {
		read_output(h);
	} else {
		return false;
	}
	return true;
}

bool health_reaped(struct health *h, pid_t pid, int ws)
{
	if (h->pid <= 0 || pid != h->pid)
		return false;
	/* What it left in the group goes with it. */
	kill(-pid, SIGKILL);
	finish(h, WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	return true;
}

void health_request(struct health *h, int client)
{
	if (h->o->health_exec == NULL) {
		int32_t none = -2; /* no healthcheck */
		(void)oci_attach_send(client, OCI_ATTACH_HEALTH, &none, sizeof(none));
		return;
	}
	for (size_t i = 0; i < HEALTH_WAITERS; i++)
		if (h->waiters[i] < 0) {
			h->waiters[i] = client;
			start_check(h);
			return;
		}
}

void health_forget(struct health *h, int client)
{
	if (h->o == NULL)
		return;
	for (size_t i = 0; i < HEALTH_WAITERS; i++)
		if (h->waiters[i] == client)
			h->waiters[i] = -1;
}

void health_close(struct health *h)
{
	if (h->pid > 0) {
		kill(-h->pid, SIGKILL);
		kill(h->pid, SIGKILL);
		h->pid = 0;
	}
	unwatch(h, &h->timer_fd);
	unwatch(h, &h->timeout_fd);
	unwatch(h, &h->stop_fd);
	unwatch(h, &h->out_fd);
	for (size_t i = 0; i < h->n_log; i++)
		free(h->log[i]);
	h->n_log = 0;
	if (h->o->notify_fd >= 0)
		epoll_ctl(h->ep, EPOLL_CTL_DEL, h->o->notify_fd, NULL);
}
