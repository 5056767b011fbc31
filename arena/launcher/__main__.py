"""`python -m arena.launcher run|test|manage ...`.

- run: servers (embedded unless DATABASE_URL / REDIS_URL are set), migrate, seed the demo
  arenas, then WEB_CONCURRENCY ASGI web processes (default: one per core) on one port, a Celery
  worker and Celery beat until Ctrl-C; one that dies is started again (launcher/supervisor.py).
- test: fresh throw-away embedded servers (unless configured), then pytest with any arguments.
- manage: servers, then one Django management command.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arena.env import envint
from arena.launcher.embedded import EmbeddedPostgres, EmbeddedRedis
from arena.launcher.supervisor import Child, CrashLoop, Supervisor
from arena.launcher.web import web_listen

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _say(message: str) -> None:
    print(f"[arena] {message}", flush=True)


def _dev_secret(var_dir: Path, name: str) -> str:
    """A development secret kept in .var so it survives restarts; never used when set."""
    path = var_dir / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _dev_secrets(var_dir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", _dev_secret(var_dir, "secret_key"))
    # Stable annotator pseudonyms in local data releases; a deployment sets its own.
    os.environ.setdefault(
        "RELEASE_PSEUDONYM_SECRET", _dev_secret(var_dir, "release_pseudonym_secret")
    )
    # /metrics is closed without a token (arena/health.py); scrape with this one locally.
    os.environ.setdefault("METRICS_TOKEN", _dev_secret(var_dir, "metrics_token"))


@contextmanager
def servers(var_dir: Path, *, persistent: bool) -> Iterator[None]:
    """Provide DATABASE_URL and REDIS_URL in os.environ for this process and its children."""
    var_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir = Path(tempfile.gettempdir()) / f"arena-runtime-{os.getuid()}"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    postgres = EmbeddedPostgres(var_dir / "postgres")
    redis_server = EmbeddedRedis(var_dir / "redis", persistent=persistent)
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    try:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = postgres.start()
            started.append(postgres)
            _say(f"embedded PostgreSQL ready (data in {postgres.data_dir})")
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = redis_server.start()
            started.append(redis_server)
            _say(f"embedded Redis ready on port {redis_server.port}")
        os.environ.setdefault("ARENA_VAR_DIR", str(var_dir))
        (var_dir / "staticfiles").mkdir(exist_ok=True)
        yield
    finally:
        for server in reversed(started):
            server.stop()


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def web_start(listener: socket.socket, processes: int, **popen: Any) -> list[subprocess.Popen[bytes]]:
    """`processes` web servers (uvicorn unless `WEB_SERVER` says daphne) on one inherited socket.

    Django's Python work for a request holds the GIL, so throughput for the database-bound
    endpoints grows with processes, not with concurrency inside one. A WebSocket stays with the
    process that accepted it.
    """
    return [web_process(listener, **popen) for _ in range(processes)]


def web_process(listener: socket.socket, **popen: Any) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "arena.launcher.web", str(listener.fileno())]
    return subprocess.Popen(command, cwd=BASE_DIR, pass_fds=(listener.fileno(),), **popen)


def _process(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=BASE_DIR)


def run_children(var_dir: Path, listener: socket.socket, processes: int) -> list[Child]:
    """What `make run` keeps running. The launcher keeps `listener` open for as long as it runs,
    so a web process that died is started again on the same socket."""
    worker = [PYTHON, "-m", "celery", "-A", "arena", "worker", "-l", "warning",
              "--concurrency", "2", "-n", f"arena-{os.getpid()}@%h"]
    beat = [PYTHON, "-m", "celery", "-A", "arena", "beat", "-l", "warning",
            "--schedule", str(var_dir / "celerybeat-schedule")]
    return [
        *(Child(f"web-{n}", functools.partial(web_process, listener))
          for n in range(1, processes + 1)),
        Child("worker", functools.partial(_process, worker)),
        Child("beat", functools.partial(_process, beat)),
    ]


def _metrics_dir(var_dir: Path) -> None:
    """One metrics folder for every process started here, emptied first: /metrics on any web
    process then reports the sum over all of them, the Celery worker included (arena/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = var_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def command_run() -> int:
    var_dir = Path(os.environ.get("ARENA_VAR_DIR", BASE_DIR / ".var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    _dev_secrets(var_dir)
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    processes = envint("WEB_CONCURRENCY", os.cpu_count() or 1)
    os.environ.setdefault("ALLOWED_HOSTS", f"{host},127.0.0.1,localhost")
    _metrics_dir(var_dir)
    with servers(var_dir, persistent=True):
        _manage("migrate", "--no-input", "-v", "0")
        _manage("collectstatic", "--no-input", "-v", "0")
        _manage("seed_demo")
        listener = web_listen(host, int(port))
        supervisor = Supervisor(run_children(var_dir, listener, processes), _say)
        interrupted = False

        def _on_signal(signum: int, _frame: object) -> None:
            nonlocal interrupted
            interrupted = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        supervisor.start()
        _say(f"serving on http://{host}:{port} with {processes} web processes "
             "(Ctrl-C stops everything)")
        try:
            while not interrupted:
                supervisor.poll()
                time.sleep(0.3)
        except CrashLoop as error:
            _say(f"CRASH LOOP: {error}. Stopping everything; see the log above.")
            return 1
        finally:
            _say("stopping…")
            supervisor.stop()
            listener.close()
    _say("stopped")
    return 0


def command_test(pytest_args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="arena-test-") as tmp:
        var_dir = Path(tmp)
        os.environ.setdefault("SECRET_KEY", "test-" + secrets.token_urlsafe(32))
        os.environ["ARENA_VAR_DIR"] = str(var_dir)
        with servers(var_dir, persistent=False):
            return subprocess.run([PYTHON, "-m", "pytest", *pytest_args], cwd=BASE_DIR).returncode


def command_manage(args: list[str]) -> int:
    var_dir = Path(os.environ.get("ARENA_VAR_DIR", BASE_DIR / ".var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    _dev_secrets(var_dir)
    with servers(var_dir, persistent=True):
        return subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], cwd=BASE_DIR).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "manage"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return command_run()
    if command == "test":
        return command_test(rest)
    return command_manage(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
