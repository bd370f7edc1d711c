/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's healthcheck configuration: podman's --health-* flags and the image's
 * HEALTHCHECK made into the record's Healthcheck (podman's Config.Healthcheck shape,
 * durations in ns) and read back from it. Only lib/ is called here: record.c uses it, and
 * it stays below every other file of the engine.
 */
#include "oci/engine/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEC 1000000000LL

/* Go's time.ParseDuration ("1m30s", "500ms", "2.5s", "0"), as podman reads the flags; -1
 * when s is not one. */
static int go_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 },  { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		      { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	const char *p = s;
	bool neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if (strcmp(p, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*p == '\0')
		return -1;
	double total = 0;
	while (*p) {
		char *end = NULL;
		if (!(*p >= '0' && *p <= '9') && *p != '.')
			return -1;
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t best = 0, blen = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			if (strncmp(p, units[i].unit, l) == 0 && l > blen) {
				best = i;
				blen = l;
			}
		}
		if (blen == 0)
			return -1; /* a number without a unit */
		total += v * units[best].ns;
		p += blen;
	}
	if (total > 9.2e18)
		return -1;
	*out = (int64_t)(neg ? -total : total);
	return 0;
}

/* A duration flag: NULL is def; "disable" is 0 where allowed; at least min ns. */
static int duration_flag(const char *v, const char *flag, int64_t def, int64_t min, bool disable,
			 int64_t *out, struct error **err)
{
	*out = def;
	if (v == NULL)
		return 0;
	if (disable && strcmp(v, "disable") == 0) {
		*out = 0;
		return 0;
	}
	if (go_duration(v, out) < 0)
		return err_set(err, EINVAL, ERR_TOOL, "invalid %s: time: invalid duration \"%s\"",
			       flag, v);
	if (*out < min)
		return err_set(err, EINVAL, ERR_TOOL,
			       min > 0 ? "%s must be at least 1 second"
				       : "%s must be 0 seconds or greater",
			       flag);
	return 0;
}

/* --health-cmd as podman's makeHealthCheckFromCli reads it: a JSON array (CMD with its
 * words, or CMD-SHELL/NONE first), else a string for CMD-SHELL. */
static char **health_test(const char *cmd)
{
	struct json_object *j = json_tokener_parse(cmd);
	char **v = NULL;
	size_t bad = 0;
	bool arr =
	    j != NULL && json_object_is_type(j, json_type_array) && json_strv_all(j, &v, &bad) == 0;
	json_object_put(j);
	char **t = NULL;
	if (arr && v[0] != NULL &&
	    (strcasecmp(v[0], "CMD") == 0 || strcasecmp(v[0], "CMD-SHELL") == 0 ||
	     strcasecmp(v[0], "NONE") == 0)) {
		t = v;
		v = NULL;
	} else if (arr && strv_len(v) > 1) {
		strv_push(&t, "CMD");
		for (size_t i = 0; v[i]; i++)
			strv_push(&t, v[i]);
	} else if (arr && v[0] != NULL) {
		strv_push(&t, "CMD-SHELL");
		strv_push(&t, v[0]);
	} else if (strcasecmp(cmd, "none") == 0) {
		strv_push(&t, "NONE");
	} else {
		strv_push(&t, "CMD-SHELL");
		strv_push(&t, cmd);
	}
	strv_free(v);
	if (strcasecmp(t[0], "NONE") == 0) {
		strv_free(t);
		t = NULL;
		strv_push(&t, "NONE");
	}
	return t;
}

static int on_failure_check(const char *a, struct error **err)
{
	static const char *const ok[] = { "none", "kill", "restart", "stop" };
	for (size_t i = 0; i < 4; i++)
		if (strcmp(a, ok[i]) == 0)
			return 0;
	return err_set(err, EINVAL, ERR_TOOL,
		       "invalid on-failure action \"%s\" for health check: supported actions are "
		       "none,kill,restart,stop",
		       a);
}

/* The image's config.Healthcheck (zero durations: Docker's defaults). */
static void image_health(const struct storage_image *img, struct eng_ctr_health *h)
{
	struct json_object *hc = json_get_type(json_get(img ? img->config : NULL, "config"),
					       "Healthcheck", json_type_object);
	char **test = NULL;
	size_t bad = 0;
	if (hc == NULL || json_strv_all(json_get(hc, "Test"), &test, &bad) < 0 || test == NULL ||
	    test[0] == NULL) {
		strv_free(test);
		return;
	}
	h->test = test;
	h->interval = json_object_get_int64(json_get(hc, "Interval"));
	h->timeout = json_object_get_int64(json_get(hc, "Timeout"));
	h->start_period = json_object_get_int64(json_get(hc, "StartPeriod"));
	h->retries = json_object_get_int(json_get(hc, "Retries"));
	if (h->interval <= 0)
		h->interval = 30 * SEC;
	if (h->timeout <= 0)
		h->timeout = 30 * SEC;
	if (h->start_period < 0)
		h->start_period = 0;
	if (h->retries <= 0)
		h->retries = 3;
}

static int health_plan(const struct eng_ctr_create_req *r, const struct storage_image *img,
		       struct eng_ctr_health *h, struct error **err)
{
	const char *action = r->health_on_failure ? r->health_on_failure : "none";
	if (on_failure_check(action, err) < 0)
		return -1;
	h->on_failure = xstrdup(action);
	if (r->no_healthcheck && r->health_cmd != NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "cannot specify both --no-healthcheck and --health-cmd");
	if (r->no_healthcheck)
		return 0;
	if (r->health_cmd == NULL) {
		/* The other flags go with --health-cmd only, as podman's. */
		image_health(img, h);
		return 0;
	}
	if (*r->health_cmd == '\0')
		return err_set(err, EINVAL, ERR_TOOL,
			       "must define a healthcheck command for all healthchecks");
	if (duration_flag(r->health_interval, "healthcheck-interval", 30 * SEC, SEC, true,
			  &h->interval, err) < 0 ||
	    duration_flag(r->health_timeout, "healthcheck-timeout", 30 * SEC, SEC, false,
			  &h->timeout, err) < 0 ||
	    duration_flag(r->health_start_period, "healthcheck-start-period", 0, 0, false,
			  &h->start_period, err) < 0)
		return -1;
	h->retries = r->health_retries_set ? (int)r->health_retries : 3;
	if (r->health_retries_set && r->health_retries < 1)
		return err_set(err, EINVAL, ERR_TOOL, "healthcheck-retries must be greater than 0");
	h->test = health_test(r->health_cmd);
	return 0;
}

int ctr_health_plan(const struct eng_ctr_create_req *r, const struct storage_image *img,
		    struct eng_ctr_health *h, struct error **err)
{
	*h = (struct eng_ctr_health){ 0 };
	if (health_plan(r, img, h, err) == 0)
		return 0;
	ctr_health_clear(h);
	return -1;
}

void ctr_health_clear(struct eng_ctr_health *h)
{
	strv_free(h->test);
	free(h->on_failure);
	*h = (struct eng_ctr_health){ 0 };
}

void ctr_health_record(struct json_object *doc, const struct eng_ctr_health *h,
		       const char *sdnotify)
{
	if (h->test != NULL) {
		/* podman's Config.Healthcheck: zero durations left out, as Go's omitempty. */
		struct json_object *hc = json_object_new_object();
		json_object_object_add(hc, "Test", json_from_strv(h->test));
		if (h->interval)
			json_object_object_add(hc, "Interval", json_object_new_int64(h->interval));
		if (h->timeout)
			json_object_object_add(hc, "Timeout", json_object_new_int64(h->timeout));
		if (h->start_period)
			json_object_object_add(hc, "StartPeriod",
					       json_object_new_int64(h->start_period));
		if (h->retries)
			json_object_object_add(hc, "Retries", json_object_new_int(h->retries));
		json_object_object_add(doc, "Healthcheck", hc);
	}
	json_object_object_add(doc, "HealthcheckOnFailureAction",
			       json_object_new_string(h->on_failure ? h->on_failure : "none"));
	if (sdnotify != NULL)
		json_object_object_add(doc, "SdNotify", json_object_new_string(sdnotify));
}

void ctr_health_decode(struct eng_ctr *c)
{
	struct json_object *hc = json_get_type(c->doc, "Healthcheck", json_type_object);
	struct eng_ctr_health *h = &c->health;
	char **test = NULL;
	size_t bad = 0;
	if (hc != NULL && json_strv_all(json_get(hc, "Test"), &test, &bad) == 0 && test != NULL &&
	    test[0] != NULL && strcasecmp(test[0], "NONE") != 0 &&
	    (strcmp(test[0], "CMD-SHELL") != 0 || strv_len(test) == 2) &&
	    (strcmp(test[0], "CMD") != 0 || strv_len(test) >= 2)) {
		h->test = test;
		test = NULL;
		h->interval = json_object_get_int64(json_get(hc, "Interval"));
		h->timeout = json_object_get_int64(json_get(hc, "Timeout"));
		h->start_period = json_object_get_int64(json_get(hc, "StartPeriod"));
		h->retries = json_object_get_int(json_get(hc, "Retries"));
		if (h->timeout <= 0)
			h->timeout = 30 * SEC;
	}
	strv_free(test);
	h->on_failure = xstrdup(json_str(c->doc, "HealthcheckOnFailureAction") ?: "none");
	c->sdnotify = json_str_dup(c->doc, "SdNotify");
}

void ctr_notify_spec(struct json_object *spec, const char *sdnotify, const char *run)
{
	if (sdnotify == NULL || strcmp(sdnotify, "container") != 0)
		return;
	/* podman's place: the run dir's notify/ (its socket bound at each start by the
	 * launcher, served by the monitor) at /run/notify, named by NOTIFY_SOCKET. */
	struct json_object *mounts = json_get_type(spec, "mounts", json_type_array);
	struct json_object *proc = json_get_type(spec, "process", json_type_object);
	struct json_object *env = json_get_type(proc, "env", json_type_array);
	if (mounts == NULL || env == NULL)
		return;
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(CTR_NOTIFY_DIR));
	json_object_object_add(m, "type", json_object_new_string("bind"));
	autofree char *src = xasprintf("%s/%s", run, CTR_NOTIFY_NAME);
	json_object_object_add(m, "source", json_object_new_string(src));
	static const char *const opts[] = { "bind", "rprivate", "nosuid", "nodev", "noexec", NULL };
	json_object_object_add(m, "options", json_from_strs(opts));
	json_object_array_add(mounts, m);
	json_object_array_add(
	    env, json_object_new_string("NOTIFY_SOCKET=" CTR_NOTIFY_DIR "/" CTR_NOTIFY_SOCKET));
}
