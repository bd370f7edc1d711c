/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/pullconf.c: hutch's pull limits in containers.conf [engine]. podman's own tables and
 * multi-line values around them are skipped; our keys are read strictly, with line numbers.
 */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <stdlib.h>

/* Shaped like a real file: podman's tables, arrays over lines, our keys among podman's. */
static const char *sample = "# containers.conf\n"
			    "[containers]\n"
			    "default_sysctls = [\n"
			    "  \"net.ipv4.ping_group_range=0 0\",\n"
			    "]\n"
			    "pull_stall_timeout = 1 # not [engine]: ignored\n"
			    "log_size_max = -1\n"
			    "\n"
			    "[engine]\n"
			    "events_logger = \"file\"\n"
			    "retry = 3\n"
			    "pull_request_timeout = \"1m30s\"\n"
			    "  pull_stall_timeout=45   # comment\n"
			    "pull_layer_max_ratio = 0\n"
			    "pull_stall_timeout_not_ours = \"x\"\n"
			    "\n"
			    "[engine.runtimes]\n"
			    "crun = [\n"
			    "  \"/usr/bin/crun\",\n"
			    "]\n"
			    "pull_layer_max_ratio = 7\n"
			    "[machine]\n"
			    "cpus = 1\n";

static void defaults_and_sample(void)
{
	struct storage_pullconf c;
	struct error *err = NULL;
	storage_pullconf_defaults(&c);
	is_int(c.request_timeout, 120, "default request timeout");
	is_int(c.stall_timeout, 30, "default stall timeout");
	is_int(c.layer_max_ratio, 100, "default ratio");
	is_int(storage_pullconf_parse("c.conf", sample, &c, &err), 0, "sample parses: %s",
	       err ? err->msg : "ok");
	is_int(c.request_timeout, 90, "a Go duration: 1m30s");
	is_int(c.stall_timeout, 45, "bare seconds, spaces and a comment");
	is_int(c.layer_max_ratio, 0, "0 turns the ratio off; other tables are not [engine]");
	is_int(
	    storage_pullconf_parse("d.conf", "[ engine ]\npull_stall_timeout = '2h'\n", &c, &err),
	    0, "a later file overrides key by key");
	is_int(c.stall_timeout, 7200, "2h");
	is_int(c.request_timeout, 90, "keys it does not set stay");
	err_free(&err);
}

static void bad_values(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "[engine]\npull_stall_timeout = \"soon\"\n",
		  "x.conf:2: pull_stall_timeout must be a number of seconds or a duration such as "
		  "\"90s\"" },
		{ "[engine]\n\npull_request_timeout = -1\n",
		  "x.conf:3: pull_request_timeout must be a number of seconds" },
		{ "[engine]\npull_request_timeout = \"1m30\"\n", "x.conf:2: pull_request_timeout" },
		{ "[engine]\npull_request_timeout = \"500ms\"\n",
		  "x.conf:2: pull_request_timeout" },
		{ "[engine]\npull_request_timeout = 99999999999999999999\n", "x.conf:2" },
		{ "[engine]\npull_request_timeout = \"9999999999h\"\n", "x.conf:2" },
		{ "[engine]\npull_layer_max_ratio = \"100\"\n",
		  "x.conf:2: pull_layer_max_ratio must be a whole number, 0 or more" },
		{ "[engine]\npull_layer_max_ratio = 1.5\n", "x.conf:2: pull_layer_max_ratio" },
		{ "[engine]\npull_stall_timeout =\n", "x.conf:2: pull_stall_timeout" },
		{ "[engine]\npull_stall_timeout = \"30s\n", "x.conf:2: pull_stall_timeout" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct storage_pullconf c;
		struct error *err = NULL;
		storage_pullconf_defaults(&c);
		is_int(storage_pullconf_parse("x.conf", cases[i].text, &c, &err), -1,
		       "bad value %zu is refused", i);
		has_str(err ? err->msg : NULL, cases[i].msg, "bad value %zu: the message", i);
		err_free(&err);
	}
}

static void load_order(void)
{
	char tmpl[] = "/tmp/hutch-test-pullconf-XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	autofree char *dir = xasprintf("%s/containers/containers.conf.d", tmp);
	autofree char *user = xasprintf("%s/containers/containers.conf", tmp);
	autofree char *drop = xasprintf("%s/50-hutch.conf", dir);
	fs_mkdir_p(dir, 0755, NULL);
	const char *u = "[engine]\npull_stall_timeout = 5\npull_request_timeout = 6\n";
	const char *d = "[engine]\npull_stall_timeout = 9\n";
	fs_write_atomic(user, u, strlen(u), 0644, NULL);
	fs_write_atomic(drop, d, strlen(d), 0644, NULL);
	setenv("XDG_CONFIG_HOME", tmp, 1);
	unsetenv("CONTAINERS_CONF");
	struct storage_pullconf c;
	struct error *err = NULL;
	is_int(storage_pullconf_load(&c, &err), 0, "load: %s", err ? err->msg : "ok");
	is_int(c.request_timeout, 6, "the user's file");
	is_int(c.stall_timeout, 9, "its drop-in wins");
	setenv("CONTAINERS_CONF", drop, 1);
	is_int(storage_pullconf_load(&c, &err), 0, "CONTAINERS_CONF: %s", err ? err->msg : "ok");
	is_int(c.request_timeout, 120, "CONTAINERS_CONF alone: the others are not read");
	is_int(c.stall_timeout, 9, "CONTAINERS_CONF is read");
	autofree char *missing = xasprintf("%s/missing.conf", tmp);
	setenv("CONTAINERS_CONF", missing, 1);
	is_int(storage_pullconf_load(&c, &err), -1, "a missing CONTAINERS_CONF is an error");
	err_free(&err);
	unsetenv("CONTAINERS_CONF");
	fs_rm_rf(tmp, NULL);
}

int main(void)
{
	defaults_and_sample();
	bad_values();
	load_order();
	return done_testing();
}
