"""One ASGI server process: `python -m arena.launcher.web FD` on an inherited listening socket,
or `python -m arena.launcher.web --bind HOST:PORT` on its own (a container's web service).

Several FD processes share one port (see `web_start` in the launcher); the kernel spreads new
connections over them. `WEB_SERVER` picks the server:

* ``uvicorn`` (default): httptools for HTTP/1.1, the ``websockets`` (sans-I/O) implementation
  for WebSockets, uvloop as the event loop. It is the faster of the two here: per request and per
  WebSocket frame it spends far less Python than daphne (measured in bench/README.md).
* ``daphne``: Twisted/autobahn, kept so the benchmarks can compare both in one run. Twisted
  adopts an inherited socket only the systemd way (LISTEN_FDS, descriptors from 3), so the
  socket moves to descriptor 3 first.

Settings from the environment: `WEB_PROXY_HEADERS` (trust X-Forwarded-* from the proxies named
in `FORWARDED_ALLOW_IPS`, default 127.0.0.1; '*' is refused, see arena.env.envnetworks: it
would let any client pick the address per-IP limits count), `WEB_WS_MAX_BYTES` (largest WebSocket message the
server buffers before closing the connection; the consumer's own, smaller limit answers with an
error first), `LOG_LEVEL`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys

from django.core.exceptions import ImproperlyConfigured

from arena.env import envnetworks

SD_LISTEN_FDS_START = 3
WS_MAX_BYTES_DEFAULT = 1 << 20


def web_listen(host: str, port: int) -> socket.socket:
    """The listening socket every web process shares; the kernel spreads connections over them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    listener.set_inheritable(True)
    return listener


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def forwarded_allow_ips() -> str:
    """The proxies uvicorn believes, checked by the same rule as the settings."""
    try:
        networks = envnetworks("FORWARDED_ALLOW_IPS", ["127.0.0.1"])
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None
    return ",".join(str(network) for network in networks)


def run_uvicorn(fd: int) -> None:
    import uvicorn

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # a platform without uvloop wheels still serves, on asyncio
        loop = "asyncio"
    proxy_headers = truthy(os.environ.get("WEB_PROXY_HEADERS"))
    config = uvicorn.Config(
        "arena.asgi:application",
        loop=loop,
        http="httptools",
        ws="websockets-sansio",
        ws_max_size=int(os.environ.get("WEB_WS_MAX_BYTES", WS_MAX_BYTES_DEFAULT)),
        ws_per_message_deflate=False,
        lifespan="off",
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips() if proxy_headers else "127.0.0.1",
        server_header=False,
        access_log=False,
        log_level=os.environ.get("LOG_LEVEL", "warning").lower(),
        timeout_graceful_shutdown=10,
    )
    # uvicorn shuts down gracefully on SIGINT (Ctrl-C reaches every process of `make run`) and
    # then re-raises it; the launcher reports the stop, a traceback here would be noise.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


def run_daphne(fd: int, options: list[str]) -> None:
    if fd != SD_LISTEN_FDS_START:
        os.dup2(fd, SD_LISTEN_FDS_START)
        os.close(fd)
    family = socket.socket(fileno=os.dup(SD_LISTEN_FDS_START)).family
    domain = "INET6" if family == socket.AF_INET6 else "INET"
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDNAMES"] = "web"
    from daphne.cli import CommandLineInterface

    # daphne's --proxy-headers believes any peer; the app resolves the client itself instead
    # (annotators/client_ip.py), and Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
    CommandLineInterface().run(
        ["--endpoint", f"systemd:domain={domain}:index=0", *options, "arena.asgi:application"]
    )


def main(argv: list[str]) -> None:
    # Web requests get the short database statement timeout (arena/settings.py).
    os.environ["ARENA_WEB_PROCESS"] = "true"
    if argv[:1] == ["--bind"] and len(argv) >= 2:
        host, _, port = argv[1].rpartition(":")
        listener = web_listen(host.strip("[]") or "0.0.0.0", int(port))
        fd, argv = listener.fileno(), [str(listener.fileno()), *argv[2:]]
    else:
        fd = int(argv[0])
    server = os.environ.get("WEB_SERVER", "uvicorn")
    if server == "uvicorn":
        run_uvicorn(fd)
    elif server == "daphne":
        run_daphne(fd, argv[1:])
    else:
        raise SystemExit(f"WEB_SERVER must be uvicorn or daphne, not {server!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
