"""The platform's real web server (`python -m arena.launcher.web`) on the test database, for
tests whose fault must reach it from outside: a frozen database, a killed process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.celery_worker import test_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def web_server(log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Yields the server's base URL once it accepts connections."""
    port = free_port()
    full_env = {**os.environ, "DATABASE_URL": test_database_url(), "ALLOWED_HOSTS": "127.0.0.1",
                "DEBUG": "false", "LOG_LEVEL": "WARNING", **(env or {})}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "arena.launcher.web", "--bind", f"127.0.0.1:{port}"],
            cwd=BASE_DIR, env=full_env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
