/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/: the error object (and its trip across fork), allocation helpers, sha256, base64,
 * logging.
 */
#include "lib/lib.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int fails_with_errno(struct error **err)
{
	errno = ENOENT;
	return err_sys(err, "opening %s", "/nowhere");
}

static void test_errors(void)
{
	struct error *err = NULL;
	is_int(fails_with_errno(&err), -1, "err_sys returns -1");
	is_str(err->msg, "opening /nowhere: No such file or directory", "err_sys appends strerror");
	is_int(err->code, ENOENT, "err_sys keeps errno as the code");
	is_int(err_exit_code(err), 125, "a tool error exits 125");
	err_wrap(&err, "pulling %s", "alpine");
	is_str(err->msg, "pulling alpine: opening /nowhere: No such file or directory",
	       "err_wrap prefixes context");
	err_set(&err, ENOENT, ERR_NOTFOUND, "exec: \"%s\": not found", "x");
	is_str(err->msg, "exec: \"x\": not found", "err_set replaces an earlier error");
	is_int(err_exit_code(err), 127, "not found exits 127");
	err_set(&err, EACCES, ERR_INVOKE, "cannot run");
	is_int(err_exit_code(err), 126, "cannot invoke exits 126");
	err_free(&err);
	ok(err == NULL, "err_free resets the pointer");
	err_free(&err);
	ok(1, "err_free is NULL-safe");
	is_int(err_msg(NULL, "dropped"), -1, "a NULL error pointer is allowed");
	is_int(err_exit_code(NULL), 0, "no error, status 0");
}

static void test_err_across_fork(void)
{
	int sv[2];
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		struct error *e = NULL;
		err_set(&e, EACCES, ERR_INVOKE, "exec %s: %s", "/bin/x", "Permission denied");
		err_send(sv[1], e);
		_exit(0);
	}
	close(sv[1]);
	struct error *got = NULL;
	is_int(err_recv(sv[0], &got), 1, "the parent receives the child's error");
	is_str(got ? got->msg : NULL, "exec /bin/x: Permission denied", "message intact");
	is_int(got ? (int)got->kind : -1, ERR_INVOKE, "kind intact");
	is_int(got ? got->code : -1, EACCES, "code intact");
	err_free(&got);
	is_int(err_recv(sv[0], &got), 0, "EOF means no error");
	close(sv[0]);
	waitpid(pid, NULL, 0);
	/* A truncated or hostile message never crashes the reader. */
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	int32_t bad[3] = { 5, 99, 1u << 30 };
	(void)!write(sv[1], bad, sizeof(bad));
	(void)!write(sv[1], "abc", 3);
	close(sv[1]);
	is_int(err_recv(sv[0], &got), 1, "a short body still yields an error");
	is_str(got ? got->msg : NULL, "abc", "short body kept");
	is_int(got ? (int)got->kind : -1, ERR_TOOL, "an unknown kind becomes a tool error");
	err_free(&got);
	close(sv[0]);
}

static void test_strv(void)
{
	autostrv char **v = NULL;
	is_int(strv_len(v), 0, "empty vector");
	strv_push(&v, "a");
	strv_push_take(&v, xstrdup("b"));
	is_int(strv_len(v), 2, "two entries");
	ok(strv_contains(v, "b") && !strv_contains(v, "c"), "strv_contains");
	char line[] = "a\nb\x1b[31mc\xc2\x9b"
		      "2J\x7f\t\xc3\xa9\xc2\xa0"
		      "d";
	str_printable(line);
	is_str(line,
	       "a?b?[31mc??2J??\xc3\xa9\xc2\xa0"
	       "d",
	       "str_printable: C0, DEL and C1 become '?', other UTF-8 stays");
	autofree char *s = xasprintf("%s-%d", "x", 42);
	is_str(s, "x-42", "xasprintf");
	char *p = xstrdup("steal");
	char *q = steal_ptr(&p);
	ok(p == NULL && strcmp(q, "steal") == 0, "steal_ptr moves ownership");
	free(q);
	int fd = 7;
	is_int(steal_fd(&fd), 7, "steal_fd returns the fd");
	is_int(fd, -1, "and resets the source");
}

static void test_sha256(void)
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "sha256 of nothing");
	struct sha256_ctx *c = sha256_new();
	sha256_update(c, "a", 1);
	sha256_update(c, "bc", 2);
	sha256_final_hex(c, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256 of abc, streamed");
}

/* Strict base64: padding only at the end, at most two (48 '=' once wrote before the
 * buffer, found by fuzz_auth). */
static void test_base64(void)
{
	static const char *const good[][2] = {
		{ "dTpw", "u:p" },
		{ "dTpwMQ==", "u:p1" },
		{ "dTpwMTI=", "u:p12" },
		{ "AAAA", "" },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		autofree char *d = base64_decode(good[i][0]);
		if (i == 3)
			ok(d != NULL && memcmp(d, "\0\0\0", 4) == 0, "base64 %s", good[i][0]);
		else
			is_str(d, good[i][1], "base64 %s", good[i][0]);
	}
	static const char *const bad[] = {
		"",	"====", "A===",	    "=AAA",
		"AA=A", "AAA",	"AA AA=",   "dTp\tw",
		"d-pw", "d_pw", "AAAAA===", "================================================",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		autofree char *d = base64_decode(bad[i]);
		ok(d == NULL, "base64 \"%s\" refused", bad[i]);
	}
}

static void test_log_levels(void)
{
	enum log_level l = LOG_LEVEL_WARN;
	struct error *err = NULL;
	is_int(log_parse_level("debug", &l, &err), 0, "debug is a level");
	is_int(l, LOG_LEVEL_DEBUG, "parsed");
	is_int(log_parse_level("loud", &l, &err), -1, "loud is not");
	is_int(err ? (int)err->kind : -1, ERR_USAGE, "a usage error");
	err_free(&err);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	log_set_stream(f);
	log_current_level = LOG_LEVEL_WARN;
	log_warn("disk %s", "full");
	log_debug("hidden");
	fflush(f);
	ok(strncmp(buf, "WARN[", 5) == 0 && strstr(buf, "] disk full\n") != NULL,
	   "podman-style warning line: %s", buf);
	ok(strstr(buf, "hidden") == NULL, "debug filtered at warn level");
	log_set_stream(NULL);
	fclose(f);
	free(buf);
}

int main(void)
{
	test_errors();
	test_err_across_fork();
	test_strv();
	test_sha256();
	test_base64();
	test_log_levels();
	return done_testing();
}
