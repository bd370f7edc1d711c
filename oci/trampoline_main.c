/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hutch's exec trampoline: the program every container process runs just before its own.
 * The runtime's init and exec children are copies of the host's hutch (or hutch-runtime)
 * binary, so a container that got one of them to exec /proc/self/exe (as its entrypoint,
 * as a #! interpreter, as an ELF interpreter, through a symlink) would run the host binary
 * with the container's loader and libraries, and could then write it through
 * /proc/self/exe (runc's CVE-2019-5736). They exec this trampoline instead, from a sealed
 * memfd (oci/runtime/trampoline.c): from then on /proc/self/exe is that sealed copy, which
 * nothing can write, and the trampoline execs the container's program.
 *
 * Freestanding: no libc, a few hundred bytes, so that the copy costs nothing. It is not
 * the container's code and runs with the container's credentials and seccomp filter
 * already applied: it makes only fcntl, execve, write and exit calls. The interface is in
 * oci/runtime/trampoline.h.
 */
#include "oci/runtime/trampoline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call tramp_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	bl tramp_main\n");
#else
#error "the exec trampoline knows x86_64 and aarch64 only"
#endif

/* The reasons an execve fails with, as strerror words them; others by number. */
static const char *reason(long e)
{
	switch (e) {
	case ENOENT:
		return "No such file or directory";
	case EACCES:
		return "Permission denied";
	case ENOEXEC:
		return "Exec format error";
	case ENOTDIR:
		return "Not a directory";
	case ELOOP:
		return "Too many levels of symbolic links";
	case E2BIG:
		return "Argument list too long";
	case ENOMEM:
		return "Cannot allocate memory";
	case ETXTBSY:
		return "Text file busy";
	case EPERM:
		return "Operation not permitted";
	case EINVAL:
		return "Invalid argument";
	case ENAMETOOLONG:
		return "File name too long";
	case EISDIR:
		return "Is a directory";
	case ELIBBAD:
		return "Accessing a corrupted shared library";
	case EIO:
		return "Input/output error";
	default:
		return 0;
	}
}

static char *put(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, char *end, unsigned long v)
{
	char d[24];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0 && p < end)
		*p++ = d[--n];
	return p;
}

static void report(int fd, const char *exe, long e)
{
	char buf[4096 + 256];
	char *msg = buf + 1 + TRAMP_WIRE_HEADER, *end = buf + sizeof(buf);
	char *p = put(msg, end, "exec ");
	p = put(p, end, exe);
	p = put(p, end, ": ");
	const char *r = reason(e);
	p = r ? put(p, end, r) : put_num(put(p, end, "errno "), end, (unsigned long)e);
	int32_t code = (int32_t)e, kind = e == ENOENT ? TRAMP_KIND_NOTFOUND : TRAMP_KIND_INVOKE;
	uint32_t len = (uint32_t)(p - msg);
	buf[0] = TRAMP_TAG;
	const char *h[3] = { (const char *)&code, (const char *)&kind, (const char *)&len };
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 4; k++)
			buf[1 + 4 * i + k] = h[i][k];
	for (const char *w = buf; w < p;) {
		long n = sys3(SYS_write, fd, (long)w, p - w);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		w += n;
	}
}

__attribute__((noreturn, used)) void tramp_main(long *sp);
__attribute__((noreturn, used)) void tramp_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	/* Run as /proc/self/exe from inside a container, say: nothing to do. */
	if (argc < 4)
		sys3(SYS_exit_group, 126, 0, 0);
	long fd = -1;
	for (const char *s = argv[1]; *s >= '0' && *s <= '9' && fd < 1 << 20; s++)
		fd = (fd < 0 ? 0 : fd * 10) + (*s - '0');
	/* Kept open across our own exec to report a failure of the next; closed by it. */
	if (fd >= 0 && sys3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC) < 0) {
		sys3(SYS_close, fd, 0, 0);
		fd = -1;
	}
	long e = -sys3(SYS_execve, (long)argv[2], (long)(argv + 3), (long)envp);
	if (fd >= 0)
		report((int)fd, argv[2], e);
	sys3(SYS_exit_group, e == ENOENT ? 127 : 126, 0, 0);
	for (;;)
		;
}
