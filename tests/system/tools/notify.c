/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify MESSAGE: send MESSAGE as one datagram to $NOTIFY_SOCKET, as sd_notify(3) does; for
 * the --sdnotify=container test (705-sdnotify.bats), built static and bound into a
 * container, whose image has no systemd-notify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (argc != 2 || path == NULL || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: NOTIFY_SOCKET=PATH notify MESSAGE\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify");
		return 1;
	}
	close(fd);
	return 0;
}
