/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oci/engine/healthcfg.c: podman's --health-* flags (Go durations, the command as a string
 * or a JSON array, none) made into the record's Healthcheck and read back, with podman's
 * messages for bad values.
 */
#include "oci/engine/internal.h"
#include "tests/unit/tap.h"

#include <string.h>

/* The record of a request (no image): its Healthcheck as JSON text, or the error. */
static char *plan(const struct eng_ctr_create_req *r)
{
	struct eng_ctr_health h;
	struct error *err = NULL;
	if (ctr_health_plan(r, NULL, &h, &err) < 0) {
		char *m = xstrdup(err->msg);
		err_free(&err);
		return m;
	}
	struct json_object *doc = json_object_new_object();
	ctr_health_record(doc, &h, NULL);
	ctr_health_clear(&h);
	struct json_object *hc = json_get(doc, "Healthcheck");
	char *s = xstrdup(hc ? json_object_to_json_string_ext(hc, JSON_C_TO_STRING_PLAIN) : "-");
	json_object_put(doc);
	return s;
}

#define PLAN(want, ...)                                                                 \
	do {                                                                            \
		autofree char *got = plan(&(struct eng_ctr_create_req){ __VA_ARGS__ }); \
		is_str(got, want, "%s", want);                                          \
	} while (0)

int main(void)
{
	PLAN("{\"Test\":[\"CMD-SHELL\",\"echo hi\"],\"Interval\":30000000000,"
	     "\"Timeout\":30000000000,\"Retries\":3}",
	     .health_cmd = "echo hi");
	PLAN("{\"Test\":[\"CMD\",\"\\/bin\\/sh\",\"-c\",\"x\"],\"Timeout\":1000000000,"
	     "\"Retries\":3}",
	     .health_cmd = "[\"/bin/sh\",\"-c\",\"x\"]", .health_interval = "disable",
	     .health_timeout = "1s");
	PLAN("{\"Test\":[\"CMD-SHELL\",\"one\"],\"Interval\":90000000000,\"Timeout\":"
	     "30000000000,\"StartPeriod\":2500000000,\"Retries\":7}",
	     .health_cmd = "[\"one\"]", .health_interval = "1m30s", .health_start_period = "2.5s",
	     .health_retries = 7, .health_retries_set = true);
	PLAN("{\"Test\":[\"CMD\",\"true\"],\"Interval\":30000000000,\"Timeout\":30000000000,"
	     "\"Retries\":3}",
	     .health_cmd = "[\"CMD\",\"true\"]");
	PLAN("{\"Test\":[\"NONE\"],\"Interval\":30000000000,\"Timeout\":30000000000,"
	     "\"Retries\":3}",
	     .health_cmd = "none");
	PLAN("-", .no_healthcheck = true);
	PLAN("-", .health_interval = "5s"); /* the other flags need --health-cmd */
	PLAN("invalid healthcheck-interval: time: invalid duration \"bogus\"", .health_cmd = "x",
	     .health_interval = "bogus");
	PLAN("invalid healthcheck-timeout: time: invalid duration \"10\"", .health_cmd = "x",
	     .health_timeout = "10");
	PLAN("healthcheck-interval must be at least 1 second", .health_cmd = "x",
	     .health_interval = "999ms");
	PLAN("healthcheck-start-period must be 0 seconds or greater", .health_cmd = "x",
	     .health_start_period = "-1s");
	PLAN("healthcheck-retries must be greater than 0", .health_cmd = "x",
	     .health_retries_set = true);
	PLAN("cannot specify both --no-healthcheck and --health-cmd", .health_cmd = "x",
	     .no_healthcheck = true);
	PLAN("invalid on-failure action \"reboot\" for health check: supported actions are "
	     "none,kill,restart,stop",
	     .health_on_failure = "reboot");

	/* Read back: NONE and malformed tests are no healthcheck. */
	struct eng_ctr c = { 0 };
	c.doc =
	    json_tokener_parse("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Retries\":2},"
			       "\"HealthcheckOnFailureAction\":\"kill\",\"SdNotify\":\"conmon\"}");
	ctr_health_decode(&c);
	ok(c.health.test != NULL && strcmp(c.health.test[1], "true") == 0, "CMD decoded");
	is_int(c.health.retries, 2, "retries");
	is_int((int)(c.health.timeout / 1000000000), 30, "timeout defaults to 30s");
	is_str(c.health.on_failure, "kill", "on-failure");
	is_str(c.sdnotify, "conmon", "sdnotify");
	strv_free(c.health.test);
	free(c.health.on_failure);
	free(c.sdnotify);
	json_object_put(c.doc);
	static const char *const bad[] = { "{\"Healthcheck\":{\"Test\":[\"NONE\"]}}",
					   "{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\"]}}",
					   "{\"Healthcheck\":{\"Test\":[\"CMD\"]}}",
					   "{\"Healthcheck\":{\"Test\":\"true\"}}",
					   "{\"Healthcheck\":[1]}",
					   NULL };
	for (size_t i = 0; bad[i]; i++) {
		struct eng_ctr b = { .doc = json_tokener_parse(bad[i]) };
		ctr_health_decode(&b);
		ok(b.health.test == NULL, "no healthcheck: %s", bad[i]);
		free(b.health.on_failure);
		free(b.sdnotify);
		json_object_put(b.doc);
	}
	return done_testing();
}
