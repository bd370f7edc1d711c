/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the auth.json reader (storage/auth.c storage_auth_lookup with
 * --authfile). The input is the file, served from a memfd through /proc/self/fd, and looked
 * up for a few registries: a Docker Hub path (whose legacy keys are normalised), a host
 * with a port, a namespaced repository.
 */
#include "storage/internal.h"
#include "tests/fuzz/fuzz.h"

#include <sys/mman.h>
#include <unistd.h>

static int file_fd = -1;
static char file_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	file_fd = memfd_create("auth.json", MFD_CLOEXEC);
	if (file_fd < 0)
		fuzz_fail("memfd_create: %s", strerror(errno));
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1 << 20))
		return -1; /* auth.c reads at most 1 MiB */
	if (ftruncate(file_fd, 0) < 0 || pwrite(file_fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("writing the memfd: %s", strerror(errno));
	static const char *const where[][2] = {
		{ "docker.io", "library/alpine" },
		{ "127.0.0.1:5000", "a/b" },
		{ "quay.io", "ns/repo/sub" },
	};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		autofree char *userpass = NULL;
		struct error *err = NULL;
		int rc =
		    storage_auth_lookup(where[i][0], where[i][1], file_path, NULL, &userpass, &err);
		fuzz_check_err("storage_auth_lookup", rc, &err);
		if (userpass != NULL && strchr(userpass, ':') == NULL)
			fuzz_fail("credentials without a ':' for %s", where[i][0]);
	}
	return 0;
}
