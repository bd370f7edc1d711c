/* SPDX-License-Identifier: Apache-2.0 */
/* Finding slirp4netns and pasta, for `hutch info` and for choosing the default network. */
#include "net/net.h"

#include <stdlib.h>
#include <string.h>

void net_tool_probe(const char *name, struct net_tool *t)
{
	*t = (struct net_tool){ 0 };
	t->path = fs_find_in_path(name);
	if (t->path == NULL)
		return;
	char *argv[] = { t->path, (char *)"--version", NULL };
	autofree char *out = NULL;
	int status = 0;
	struct error *err = NULL;
	if (proc_capture(argv, &out, &status, &err) < 0) {
		err_free(&err);
		return;
	}
	out[strcspn(out, "\n")] = '\0';
	if (status == 0 && *out)
		t->version = xstrdup(out);
}

void net_tool_clear(struct net_tool *t)
{
	free(t->path);
	free(t->version);
	*t = (struct net_tool){ 0 };
}
