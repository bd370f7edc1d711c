/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error object of hutch. Functions that fail return -1 (or NULL) and leave an error
 * here; only tool/main.c prints it. err_send/err_recv carry an error across fork() over the
 * sync socket, so a child never prints on its own (STYLE.md B3).
 */
#include "lib/lib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int err_vset(struct error **err, int code, enum err_kind kind, const char *suffix,
		    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

static int err_vset(struct error **err, int code, enum err_kind kind, const char *suffix,
		    const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	char *msg = xvasprintf(fmt, ap);
	if (suffix != NULL) {
		char *full = xasprintf("%s: %s", msg, suffix);
		free(msg);
		msg = full;
	}
	err_free(err);
	struct error *e = xzalloc(sizeof(*e));
	e->code = code;
	e->kind = kind;
	e->msg = msg;
	*err = e;
	return -1;
}

int err_set(struct error **err, int code, enum err_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, kind, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct error **err, const char *fmt, ...)
{
	int code = errno;
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, ERR_TOOL, strerror(code), fmt, ap);
	va_end(ap);
	errno = code;
	return -1;
}

int err_msg(struct error **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, 0, ERR_TOOL, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int err_wrap(struct error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = xvasprintf(fmt, ap);
	va_end(ap);
	char *full = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = full;
	return -1;
}

void err_free(struct error **err)
{
	if (err == NULL || *err == NULL)
		return;
	free((*err)->msg);
	free(*err);
	*err = NULL;
}

int err_exit_code(const struct error *err)
{
	if (err == NULL)
		return 0;
	switch (err->kind) {
	case ERR_INVOKE:
		return 126;
	case ERR_NOTFOUND:
		return 127;
	case ERR_TOOL:
	case ERR_USAGE:
	case ERR_NOSUCH:
	case ERR_INUSE:
		break;
	}
	return 125;
}

/* Wire form: int32 code, int32 kind, uint32 length, then the message bytes. */
struct err_wire {
	int32_t code;
	int32_t kind;
	uint32_t len;
};

void err_send(int fd, const struct error *err)
{
	const char *msg = err != NULL && err->msg != NULL ? err->msg : "unknown error";
	struct err_wire w = {
		.code = err != NULL ? err->code : 0,
		.kind = err != NULL ? (int32_t)err->kind : ERR_TOOL,
		.len = (uint32_t)strlen(msg),
	};
	/* Best effort: if the parent is gone there is nobody to tell. */
	if (fs_write_all(fd, &w, sizeof(w)) == 0)
		(void)fs_write_all(fd, msg, w.len);
}

int err_recv(int fd, struct error **err)
{
	struct err_wire w;
	ssize_t n = fs_read_all(fd, &w, sizeof(w));
	if (n != (ssize_t)sizeof(w))
		return 0;
	if (w.len > 65536)
		w.len = 65536;
	autofree char *msg = xzalloc(w.len + 1);
	n = fs_read_all(fd, msg, w.len);
	if (n < 0)
		n = 0;
	msg[n] = '\0';
	if (w.kind < ERR_TOOL || w.kind > ERR_NOTFOUND)
		w.kind = ERR_TOOL;
	err_set(err, w.code, (enum err_kind)w.kind, "%s", msg);
	return 1;
}
