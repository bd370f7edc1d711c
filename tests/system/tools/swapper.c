/* SPDX-License-Identifier: Apache-2.0 */
/*
 * swapper A B: exchange the names A and B (renameat2 RENAME_EXCHANGE) for ever, as fast as
 * the kernel allows: what a hostile container runs to race a copy that looks at a name
 * twice (stat, then open). Built static by the tests (cc -static) for the busybox image.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: swapper A B\n", stderr);
		return 2;
	}
	for (;;) {
		if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) <
		    0) {
			perror("swapper: renameat2");
			return 1;
		}
	}
}
