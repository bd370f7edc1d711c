/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage/registry.c against a real hostile server on loopback (tests/fixtures/badreg.py),
 * under ASan: the error paths that format what a registry sent must not touch freed
 * memory, and every answer is a clean error.
 */
#include "storage/internal.h"
#include "tests/unit/tap.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server;
static char addr[64];

/* Start badreg.py in dir; fills addr with "127.0.0.1:PORT". */
static bool start_badreg(const char *dir)
{
	autofree char *escape = xasprintf("%s/escape", dir);
	fs_mkdir_p(escape, 0755, NULL);
	server = fork();
	if (server == 0) {
		/* Even when ASan aborts the test, the server goes with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execlp("python3", "python3", "tests/fixtures/badreg.py", dir, escape, (char *)NULL);
		_exit(127);
	}
	autofree char *portfile = xasprintf("%s/port", dir);
	for (int i = 0; i < 200 && server > 0; i++) {
		autofree char *text = NULL;
		if (fs_read_file(portfile, 64, &text, NULL, NULL) == 0) {
			snprintf(addr, sizeof(addr), "127.0.0.1:%ld", strtol(text, NULL, 10));
			return true;
		}
		usleep(50000);
	}
	return false;
}

static void stop_badreg(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
}

/*
 * A manifest whose Docker-Content-Digest header does not match its bytes: the error names
 * both digests. The header's copy used to be freed before the message was formatted
 * (heap-use-after-free under ASan).
 */
static void bad_digest_header(void)
{
	struct reg_opts o = { .tls_verify = 0 };
	struct reg_client *c = NULL;
	struct error *err = NULL;
	if (!ok(reg_open(addr, "baddigest", &o, &c, &err) == 0, "reg_open %s: %s", addr,
		err ? err->msg : "ok")) {
		err_free(&err);
		return;
	}
	char *body = NULL, *mt = NULL, *digest = NULL;
	size_t len = 0;
	int rc = reg_get_manifest(c, "latest", &body, &len, &mt, &digest, &err);
	is_int(rc, -1, "a wrong Docker-Content-Digest is an error");
	has_str(err ? err->msg : NULL,
		"digest mismatch: want sha256:0000000000000000000000000000000000000000000000000000"
		"000000000000, got sha256:",
		"the error names the digest the registry claimed");
	ok(body == NULL && digest == NULL, "nothing is returned");
	free(body), free(mt), free(digest);
	err_free(&err);
	reg_close(&c);
}

int main(void)
{
	char tmpl[] = "/tmp/hutch-test-registry-XXXXXX";
	const char *tmp = mkdtemp(tmpl);
	if (!ok(tmp != NULL, "temporary directory"))
		return done_testing();
	autofree char *cfg = xasprintf("%s/config", tmp);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	if (ok(start_badreg(tmp), "badreg.py listens on %s", addr))
		bad_digest_header();
	stop_badreg();
	fs_rm_rf(tmp, NULL);
	return done_testing();
}
