"""The platform's own web server (uvicorn through `python -m arena.launcher.web`, as `make run`
and the container start it) in a subprocess on a free loopback port, against the test database.

For tests that need what only a real server does: WebSockets, the ASGI edge, a client from
outside the process. Data they read must be committed: `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.celery_worker import REPO, test_database_url
from tests.processes import process_stop

SERVER_START_TIMEOUT_S = 60  # a loaded 2-core machine starts uvicorn slowly


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the web server exited with {server.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the web server did not listen within {SERVER_START_TIMEOUT_S} s:\n{log.read_text()}")


@contextmanager
def web_server(*, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yields the server's base URL; its output goes to `log`."""
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "arena.launcher.web", "--bind", f"127.0.0.1:{port}"],
            cwd=REPO, env=server_env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(server, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process_stop(server)
