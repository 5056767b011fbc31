"""`python -m arena.launcher.web FD [daphne options]`: daphne on an inherited listening socket.

Several of these share one port (see `web_start` in the launcher). Twisted adopts an inherited
socket only the systemd way (LISTEN_FDS, LISTEN_FDNAMES, descriptors from 3), so this moves the socket to
descriptor 3 and sets those variables before Twisted is imported.
"""

from __future__ import annotations

import os
import socket
import sys

SD_LISTEN_FDS_START = 3


def main(argv: list[str]) -> None:
    fd = int(argv[0])
    if fd != SD_LISTEN_FDS_START:
        os.dup2(fd, SD_LISTEN_FDS_START)
        os.close(fd)
    family = socket.socket(fileno=os.dup(SD_LISTEN_FDS_START)).family
    domain = "INET6" if family == socket.AF_INET6 else "INET"
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDNAMES"] = "web"
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(
        ["--endpoint", f"systemd:domain={domain}:index=0", *argv[1:], "arena.asgi:application"]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
