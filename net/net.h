/* SPDX-License-Identifier: Apache-2.0 */
/* Container networking: slirp4netns and pasta, published ports, resolv.conf and hosts. */
#pragma once

#include "lib/lib.h"

/* A network helper program: where it is and what version it says it is. */
struct net_tool {
	char *path;    /* owned; NULL when not in $PATH */
	char *version; /* owned; first line of `NAME --version`, or NULL */
};

/* Look name up in $PATH and ask its version. Never fails: missing means path == NULL. */
void net_tool_probe(const char *name, struct net_tool *t);
void net_tool_clear(struct net_tool *t);
