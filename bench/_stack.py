"""Shared setup for the ops benchmarks: embedded servers, a migrated database, a web server process.

Rate limits per IP are switched off (the whole load comes from 127.0.0.1); everything else is
the production path.
"""

from __future__ import annotations

import os
import secrets
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
                 "ARENA_LIMIT_PROMPTS_PER_MINUTE", "ARENA_LIMIT_VOTES_PER_MINUTE",
                 "ARENA_LIMIT_IDENTITIES_PER_IP_PER_HOUR", "ARENA_MAX_WEBSOCKETS_PER_IP",
                 "ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR"):
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
def web(processes: int = 1, server: str = "uvicorn") -> Iterator[str]:
    """`processes` web servers (`WEB_SERVER`: uvicorn or daphne) on one port, started the way
    `make run` starts them."""
    from arena.launcher.__main__ import web_listen, web_start

    listener = web_listen("127.0.0.1", 0)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    # The servers' log (errors only: LOG_LEVEL=WARNING) goes to stderr; access lines do not.
    env = {**os.environ, "WEB_SERVER": server}
    children = web_start(listener, processes, stdout=subprocess.DEVNULL, env=env)
    listener.close()
    deadline = time.monotonic() + 30
    ready = 0
    while ready < processes * 4:  # enough answers that every process has most likely started
        try:
            ready += httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.1)
        if time.monotonic() > deadline or any(child.poll() is not None for child in children):
            raise RuntimeError(f"{server} did not start")
    time.sleep(0.5 if processes > 1 else 0)
    try:
        yield base
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)
