/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the libraries hutch loads on first use (libcurl, libarchive, libcrypto): a missing
 * symbol is an install problem, like running out of memory: one line, exit 125.
 */
#include "lib/lib.h"

#include <dlfcn.h>
#include <unistd.h>

void *lazy_symbol(void *lib, const char *soname, const char *name, const char *package)
{
	void *p = lib != NULL ? dlsym(lib, name) : NULL;
	if (p == NULL) {
		fprintf(stderr, "Error: loading %s from %s: %s (install %s)\n", name, soname,
			dlerror(), package);
		_exit(125);
	}
	return p;
}
