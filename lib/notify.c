/* SPDX-License-Identifier: Apache-2.0 */
/* sd_notify: a datagram to systemd's NOTIFY_SOCKET, from the start (MAINPID, READY) and from
 * the monitor (healthy's READY, the container's own messages). No libsystemd. */
#include "lib/lib.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void notify_send(const char *socket_path, const char *msg)
{
	if (socket_path == NULL || *socket_path == '\0')
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(socket_path);
	if (fd < 0 || n >= sizeof(sa.sun_path)) {
		log_warn("sd_notify: NOTIFY_SOCKET %s: unusable", socket_path);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(sa.sun_path, socket_path, n);
	/* "@name" is the abstract namespace, as sd_notify reads it. */
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, alen) < 0)
		log_warn("sd_notify: sending to %s: %s", socket_path, strerror(errno));
	close(fd);
}
