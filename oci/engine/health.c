/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Healthchecks, the engine's part at run time (healthcfg.c has the configuration): the
 * monitor's command line that runs them (the runtime's exec into the container), the state
 * for ps and inspect, and `healthcheck run`, which asks the container's monitor for a check
 * now over the attach socket: the monitor is the one keeper of the state (the health file,
 * podman's State.Health), so there is one writer.
 */
#include "oci/engine/internal.h"
#include "oci/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SEC 1000000000LL
#define HEALTH_FILE "health.json"

static char *health_path(const struct eng_ctr *c)
{
	autofree char *dir = eng_ctr_dir(c->eng, c->id);
	return xasprintf("%s/%s", dir, HEALTH_FILE);
}

static uint64_t ms(int64_t ns)
{
	return ns <= 0 ? 0 : (uint64_t)(ns / 1000000);
}

void ctr_health_monitor_args(const struct eng_ctr *c, const char *runtime, const char *root,
			     char ***argv)
{
	const struct eng_ctr_health *h = &c->health;
	if (h->test == NULL || runtime == NULL)
		return; /* no check, or no runtime to run it: inspect shows it never ran */
	char **cmd = NULL;
	strv_push(&cmd, runtime);
	strv_push(&cmd, "--root");
	strv_push(&cmd, root);
	strv_push(&cmd, "exec");
	strv_push(&cmd, c->id);
	if (strcmp(h->test[0], "CMD-SHELL") == 0) {
		strv_push(&cmd, "/bin/sh");
		strv_push(&cmd, "-c");
	}
	for (size_t i = 1; h->test[i]; i++)
		strv_push(&cmd, h->test[i]);
	for (size_t i = 0; cmd[i]; i++) {
		strv_push(argv, "--health-exec");
		strv_push(argv, cmd[i]);
	}
	strv_free(cmd);
	strv_push(argv, "--health-file");
	strv_push_take(argv, health_path(c));
	strv_push(argv, "--health-interval");
	strv_push_take(argv, xasprintf("%llu", (unsigned long long)ms(h->interval)));
	strv_push(argv, "--health-timeout");
	strv_push_take(argv, xasprintf("%llu", (unsigned long long)ms(h->timeout)));
	strv_push(argv, "--health-start-period");
	strv_push_take(argv, xasprintf("%llu", (unsigned long long)ms(h->start_period)));
	strv_push(argv, "--health-retries");
	strv_push_take(argv, xasprintf("%d", h->retries > 0 ? h->retries : 3));
	strv_push(argv, "--health-on-failure");
	strv_push(argv, h->on_failure ? h->on_failure : "none");
	int sig = SIGTERM;
	struct error *e = NULL;
	if (oci_parse_signal(c->stop_signal, &sig, &e) < 0)
		err_free(&e);
	strv_push(argv, "--stop-signal");
	strv_push_take(argv, xasprintf("%d", sig));
	strv_push(argv, "--stop-timeout");
	strv_push_take(argv, xasprintf("%ld", c->stop_timeout));
}

struct json_object *eng_ctr_health_state(struct eng_ctr *c)
{
	autofree char *path = health_path(c);
	struct json_object *j = json_file_at(AT_FDCWD, path, 1 << 20);
	if (j != NULL && json_object_is_type(j, json_type_object))
		return j;
	json_object_put(j);
	if (c->health.test == NULL)
		return NULL;
	j = json_object_new_object();
	json_object_object_add(j, "Status", json_object_new_string("starting"));
	json_object_object_add(j, "FailingStreak", json_object_new_int(0));
	json_object_object_add(j, "Log", NULL);
	return j;
}

char *eng_ctr_health_status(const struct eng_ctr *c)
{
	autofree char *path = health_path(c);
	struct json_object *j = json_file_at(AT_FDCWD, path, 1 << 20);
	char *s = json_str_dup(j, "Status");
	json_object_put(j);
	return s;
}

/* Wait for the monitor's answer: int32 exit code, then the status; other packets (the
 * container's output) are skipped. */
static int health_answer(int fd, int timeout_ms, int32_t *code, struct error **err)
{
	char buf[OCI_ATTACH_MAX];
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, ETIMEDOUT, ERR_TOOL, "no answer from the monitor");
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0 || buf[0] == OCI_ATTACH_EXIT)
			return err_set(err, EINVAL, ERR_TOOL, "container is not running");
		if (buf[0] == OCI_ATTACH_HEALTH && (size_t)len >= 1 + sizeof(*code)) {
			memcpy(code, buf + 1, sizeof(*code));
			return 0;
		}
	}
}

int eng_ctr_healthcheck_run(struct eng_ctr *c, enum eng_health_result *out, struct error **err)
{
	if (c->health.test == NULL)
		return err_set(err, EINVAL, ERR_TOOL, "container %s has no defined healthcheck",
			       c->id);
	if (c->state.status != ENG_CTR_RUNNING || c->state.monitor_lost)
		return err_set(err, EINVAL, ERR_TOOL, "container %s is not running", c->id);
	autofree char *run = eng_ctr_run_dir(c->eng, c->id, err);
	if (run == NULL)
		return -1;
	autoclose int fd = oci_attach_connect(run, err);
	if (fd < 0)
		return -1;
	if (oci_attach_send(fd, OCI_ATTACH_HEALTH, NULL, 0) < 0)
		return err_sys(err, "asking the monitor of %s for a healthcheck", c->name);
	int32_t code = 0;
	if (health_answer(fd, (int)ms(c->health.timeout) + 30000, &code, err) < 0)
		return -1;
	if (code == -2)
		return err_set(err, EINVAL, ERR_TOOL, "container %s has no defined healthcheck",
			       c->id);
	if (code == -1) {
		/* Go's Duration.String of the timeout, as podman words it */
		int64_t t = c->health.timeout;
		autofree char *d = t % SEC == 0 ? xasprintf("%llds", (long long)(t / SEC))
						: xasprintf("%gs", (double)t / 1e9);
		return err_set(err, ETIMEDOUT, ERR_TOOL,
			       "healthcheck command exceeded timeout of %s", d);
	}
	*out = code == 0 ? ENG_HEALTH_HEALTHY : ENG_HEALTH_UNHEALTHY;
	return 0;
}

int ctr_notify_bind(int run_dirfd, struct error **err)
{
	/* Anyone in the container may send (systemd checks the sender itself, by MAINPID and
	 * NotifyAccess): the dir searchable, the socket writable. */
	if (mkdirat(run_dirfd, CTR_NOTIFY_NAME, 0755) < 0 && errno != EEXIST)
		return err_sys(err, "creating the notify directory");
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_sys(err, "creating the notify socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s/%s", run_dirfd,
		 CTR_NOTIFY_NAME, CTR_NOTIFY_SOCKET);
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0666) < 0) {
		err_sys(err, "binding the notify socket");
		close(fd);
		return -1;
	}
	return fd;
}
