/* SPDX-License-Identifier: Apache-2.0 */
/* hutch: rootless, daemonless containers for one user. Everything starts in cli_main. */
#include "tool/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
