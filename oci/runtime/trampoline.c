/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exec trampoline on the runtime's side. The init and exec children are copies of the
 * host's hutch (or hutch-runtime) binary; if either exec'd a container path that leads back
 * to /proc/self/exe (an entrypoint, a #! or ELF interpreter, a symlink), the container
 * would run that host binary with its own loader and libraries and could rewrite it
 * through /proc/self/exe (runc's CVE-2019-5736). So they exec the container's program
 * through the trampoline (oci/trampoline_main.c), copied into a memfd sealed against any
 * change: /proc/self/exe of every container process is then that copy or the container's
 * own file, never a host file. The trampoline is built as a freestanding program of a few
 * hundred bytes and linked in here as data (.incbin), so the copy costs one small write.
 */
#include "oci/runtime/runtime.h"
#include "oci/runtime/trampoline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

_Static_assert(TRAMP_TAG == RT_MSG_ERROR, "trampoline.h: the error tag");
_Static_assert(TRAMP_KIND_INVOKE == ERR_INVOKE && TRAMP_KIND_NOTFOUND == ERR_NOTFOUND,
	       "trampoline.h: the error kinds");

/* The trampoline's bytes (GNUmakefile: build/trampoline, made before this file). */
__asm__(".section .rodata\n"
	".balign 16\n"
	"oci_trampoline_blob:\n"
	".incbin \"build/trampoline\"\n"
	"oci_trampoline_blob_end:\n"
	".previous\n");
extern const unsigned char oci_trampoline_blob[] __asm__("oci_trampoline_blob");
extern const unsigned char oci_trampoline_blob_end[] __asm__("oci_trampoline_blob_end");

int oci_trampoline_fd(struct error **err)
{
	const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	/* MFD_EXEC (Linux 6.3) keeps it executable where vm.memfd_noexec makes memfds
	 * non-executable by default; older kernels refuse the flag. */
	int fd = (int)syscall(SYS_memfd_create, "hutch-exec", flags | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = (int)syscall(SYS_memfd_create, "hutch-exec", flags);
	if (fd < 0)
		return err_sys(err, "creating the exec trampoline (memfd_create)");
	size_t len = (size_t)(oci_trampoline_blob_end - oci_trampoline_blob);
	if (fs_write_all(fd, oci_trampoline_blob, len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		err_sys(err, "creating the exec trampoline");
		close(fd);
		return -1;
	}
	return fd;
}

int oci_trampoline_exec(int tfd, const char *exe, char *const args[], char *const env[],
			int report_fd, struct error **err)
{
	size_t n = 0;
	while (args[n] != NULL)
		n++;
	char fdnum[16];
	snprintf(fdnum, sizeof(fdnum), "%d", report_fd);
	const char *argv[n + 4];
	argv[0] = "hutch-exec";
	argv[1] = fdnum;
	argv[2] = exe;
	memcpy(argv + 3, args, (n + 1) * sizeof(*argv));
	/* report_fd must outlive this exec; the trampoline closes it with the next. */
	if (report_fd >= 0 && fcntl(report_fd, F_SETFD, 0) < 0)
		return err_sys(err, "exec %s: keeping the report channel", exe);
	syscall(SYS_execveat, tfd, "", argv, env, AT_EMPTY_PATH);
	/* The same file through /proc where execveat fails: a seccomp profile that allows
	 * execve only, a kernel or a valgrind without it. (Nothing of the container's program
	 * is tried yet: any failure here is the trampoline's.) */
	int e = errno;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", tfd);
	execve(path, (char *const *)argv, env);
	if (errno != ENOENT)
		e = errno; /* no /proc in the container says less than execveat's error */
	if (report_fd >= 0)
		fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	return err_set(err, e, ERR_INVOKE, "exec %s: running the exec trampoline: %s", exe,
		       strerror(e));
}
