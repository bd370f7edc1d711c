#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# A console socket for the runtime tests, as conmon provides one: listen on SOCKET, take
# one pty master over SCM_RIGHTS, copy everything read from it to OUT until the container
# closes the terminal (EIO), then exit. Prints nothing; errors go to stderr.
#
# Usage: console-socket.py SOCKET OUT

import array
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _flags, _addr = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not fds:
        sys.exit("console-socket.py: no fd received")
    master = fds[0]
    with open(out, "wb") as f:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break  # EIO: the last slave fd closed
            if not data:
                break
            f.write(data)
            f.flush()


if __name__ == "__main__":
    main()
