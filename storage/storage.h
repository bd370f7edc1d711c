/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image storage: references, the registry client, the content store under
 * $XDG_DATA_HOME/hutch, layer unpack and the overlay rootfs of a container.
 */
#pragma once

#include "lib/lib.h"

/*
 * Whether the kernel mounts overlayfs inside a user namespace here (Linux >= 5.11 with
 * userxattr). Probed once by really mounting one under store_dir, and the answer cached in
 * runtime_dir until the next boot. *reason (owned) says why not when *native is false.
 */
int storage_overlay_probe(const char *store_dir, const char *runtime_dir, bool *native,
			  char **reason, struct error **err);

/*
 * Whether fuse-overlayfs can be used: the binary is in $PATH and /dev/fuse opens read-write.
 * *reason (owned) says what is missing, naming the device mode or the package.
 */
bool storage_fuse_usable(char **path, char **reason);
