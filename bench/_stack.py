"""Shared setup for the ops benchmarks: embedded servers, a migrated database, a daphne process.

Rate limits per IP are switched off (the whole load comes from 127.0.0.1); everything else is
the production path.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@contextmanager
def stack() -> Iterator[Path]:
    """Embedded PostgreSQL + Redis, migrated, with Django set up in this process."""
    sys.path.insert(0, str(ROOT))
    from arena.launcher.__main__ import servers

    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(16))
    for name in ("ARENA_LIMIT_VOTES_PER_IP_PER_MINUTE", "ARENA_LIMIT_PROMPTS_PER_IP_PER_MINUTE",
                 "ARENA_LIMIT_PROMPTS_PER_MINUTE", "ARENA_LIMIT_VOTES_PER_MINUTE"):
        os.environ[name] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "arena.settings"
    with tempfile.TemporaryDirectory(prefix="arena-bench-") as tmp:
        var_dir = Path(tmp)
        os.environ["ARENA_VAR_DIR"] = str(var_dir)
        with servers(var_dir, persistent=False):
            import django
            from django.core.management import call_command

            django.setup()
            call_command("migrate", verbosity=0)
            yield var_dir


@contextmanager
def daphne() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "arena.asgi:application"], cwd=ROOT, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("daphne did not start")
        time.sleep(0.1)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
