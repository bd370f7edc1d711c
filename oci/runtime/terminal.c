/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.terminal: the init opens a pty in the container's own devpts, sends the master
 * over the console socket (SCM_RIGHTS, as runc does for conmon) and makes the slave its
 * controlling terminal and stdio.
 */
#include "oci/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static int send_fd(int sock, int fd, const char *name, struct error **err)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return err_sys(err, "sending the terminal over the console socket");
	return 0;
}

int oci_terminal_setup(const struct rt_process *p, int console_fd, struct error **err)
{
	if (console_fd < 0)
		return err_msg(err, "process.terminal is true but no console socket was given");
	autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_sys(err, "opening /dev/ptmx in the container");
	char name[128];
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return err_sys(err, "unlocking the pty");
	autoclose int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_sys(err, "opening %s", name);
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = p->rows, .ws_col = p->cols };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return err_sys(err, "setting the terminal size");
	}
	if (send_fd(console_fd, master, name, err) < 0)
		return -1;
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_sys(err, "making %s the controlling terminal", name);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return err_sys(err, "using the terminal as stdio");
	return 0;
}
