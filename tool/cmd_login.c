/* SPDX-License-Identifier: Apache-2.0 */
/*
 * login and logout: podman's prompts, messages and exit codes over storage's check of the
 * credentials and its auth.json writing (storage/login.c). The password comes from -p
 * (wiped from the command line by the parser: CLI_SECRET), --password-stdin, or a prompt
 * on the terminal with echo off; it is never printed or logged, and wiped after use.
 */
#include "tool/cli.h"
#include "storage/storage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASSWORD_MAX (64 << 10)

static void secret_free(char **s)
{
	if (*s != NULL)
		explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

#define autosecret __attribute__((cleanup(secret_free)))

/* One line from stdin without its newline; EOF before any byte is an error as podman's. */
static int read_line(const char *what, char **out, struct error **err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return err_set(err, EIO, ERR_TOOL, "getting username and password: reading %s: EOF",
			       what);
	}
	line[strcspn(line, "\r\n")] = '\0';
	*out = line;
	return 0;
}

/* The password from the terminal, without echo (podman's term.ReadPassword). */
static int read_password(char **out, struct error **err)
{
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return err_set(
		    err, errno, ERR_TOOL, "getting username and password: reading password: %s",
		    errno == ENOTTY ? "inappropriate ioctl for device" : strerror(errno));
	printf("Password: ");
	fflush(stdout);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ICANON;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int rc = read_line("password", out, err);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	printf("\n");
	return rc;
}

/* The password given on stdin (--password-stdin): all of it, less one final newline. */
static int stdin_password(char **out, struct error **err)
{
	char *text = NULL;
	size_t len = 0;
	if (fs_read_fd(STDIN_FILENO, PASSWORD_MAX, &text, &len, err) < 0)
		return err_wrap(err, "reading the password from stdin");
	if (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	*out = text;
	return 0;
}

/* The user name and password: given, or asked for (old: the stored user, or NULL). */
static int get_creds(struct cli_ctx *ctx, const char *old, char **user, char **pass,
		     struct error **err)
{
	const char *u = cli_opt_str(ctx, "username");
	const char *p = cli_opt_str(ctx, "password");
	if (u != NULL && *u != '\0') {
		*user = xstrdup(u);
	} else {
		if (old != NULL)
			printf("Username (%s): ", old);
		else
			printf("Username: ");
		fflush(stdout);
		if (read_line("username", user, err) < 0)
			return -1;
		if (**user == '\0' && old != NULL) {
			free(*user);
			*user = xstrdup(old);
		}
	}
	if (**user == '\0')
		return err_set(err, EINVAL, ERR_TOOL,
			       "getting username and password: username can't be empty");
	if (cli_opt_bool(ctx, "password-stdin"))
		return stdin_password(pass, err);
	if (p != NULL && *p != '\0') {
		*pass = xstrdup(p);
		return 0;
	}
	return read_password(pass, err);
}

/* Stored credentials and no new ones given: check those, as podman does. 1: valid. */
static int try_existing(struct cli_ctx *ctx, const char *key, const char *up,
			const struct storage_login_opts *o)
{
	if (cli_opt_is_set(ctx, "username") || cli_opt_is_set(ctx, "password") ||
	    cli_opt_bool(ctx, "password-stdin"))
		return 0;
	printf("Authenticating with existing credentials for %s\n", key);
	struct error *e = NULL;
	if (storage_login_check(key, up, o, &e) == 0) {
		printf("Existing credentials are valid. Already logged in to %s\n", key);
		return 1;
	}
	err_free(&e);
	printf("Existing credentials are invalid, please enter valid username and password\n");
	return 0;
}

static int get_login(const char *authfile, const char *key, struct error **err)
{
	autosecret char *up = NULL;
	if (storage_auth_get(authfile, key, &up, err) < 0)
		return -1;
	if (up == NULL)
		return err_set(err, ENOENT, ERR_TOOL, "not logged into %s", key);
	printf("%.*s\n", (int)strcspn(up, ":"), up);
	return 0;
}

int cmd_login(struct cli_ctx *ctx, struct error **err)
{
	const char *authfile = cli_opt_str(ctx, "authfile");
	bool stdin_pw = cli_opt_bool(ctx, "password-stdin");
	if (stdin_pw && cli_opt_is_set(ctx, "password"))
		return err_set(err, EINVAL, ERR_TOOL,
			       "Can't specify both --password-stdin and --password");
	if (stdin_pw && cli_opt_str(ctx, "username") == NULL)
		return err_set(err, EINVAL, ERR_TOOL,
			       "Must provide --username with --password-stdin");
	autofree char *key = NULL;
	if (storage_auth_key(ctx->argc ? ctx->argv[0] : NULL, &key, err) < 0)
		return -1;
	if (cli_opt_bool(ctx, "get-login"))
		return get_login(authfile, key, err);
	autofree char *file = storage_auth_path(authfile, err);
	if (file == NULL)
		return -1;
	struct storage_login_opts o = { .tls_verify = -1,
					.cert_dir = cli_opt_str(ctx, "cert-dir") };
	if (cli_opt_is_set(ctx, "tls-verify"))
		o.tls_verify = cli_opt_bool(ctx, "tls-verify") ? 1 : 0;
	autosecret char *old = NULL;
	if (storage_auth_get(authfile, key, &old, err) < 0)
		return -1;
	if (old != NULL && try_existing(ctx, key, old, &o) == 1)
		return 0;
	if (old != NULL)
		old[strcspn(old, ":")] = '\0'; /* the user name, offered at the prompt */
	autofree char *user = NULL;
	autosecret char *pass = NULL;
	if (get_creds(ctx, old, &user, &pass, err) < 0)
		return -1;
	autosecret char *up = xasprintf("%s:%s", user, pass);
	if (storage_login_check(key, up, &o, err) < 0 || storage_auth_set(file, key, up, err) < 0)
		return -1;
	if (cli_opt_bool(ctx, "verbose"))
		printf("Used:  %s\n", file);
	printf("Login Succeeded!\n");
	return 0;
}

int cmd_logout(struct cli_ctx *ctx, struct error **err)
{
	autofree char *file = storage_auth_path(cli_opt_str(ctx, "authfile"), err);
	if (file == NULL)
		return -1;
	if (cli_opt_bool(ctx, "all")) {
		if (storage_auth_remove(file, NULL, err) < 0)
			return -1;
		printf("Removed login credentials for all registries\n");
		return 0;
	}
	autofree char *key = NULL;
	if (storage_auth_key(ctx->argc ? ctx->argv[0] : NULL, &key, err) < 0 ||
	    storage_auth_remove(file, key, err) < 0)
		return -1;
	printf("Removed login credentials for %s\n", key);
	return 0;
}
