"""`make run` keeps serving when one of its processes dies: the launcher starts it again.

The real-process tests run the launcher's `run` against the test database and Redis, on a free
port, and kill its children with SIGKILL, as the OOM killer would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from arena.launcher.supervisor import Child, CrashLoop, RestartPolicy, Supervisor
from tests import celery_worker

BASE_DIR = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 120  # migrate, collectstatic and seed on a busy machine
BACK_DEADLINE_S = 10  # the bound for a killed child to be running again


def _wait_for(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _crasher() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])


def test_it_restarts_a_child_that_died() -> None:
    said: list[str] = []
    supervisor = Supervisor([Child("sleeper", _sleeper, RestartPolicy(backoff_s=0.05))],
                            said.append)
    supervisor.start()
    try:
        first = supervisor.children[0].pid
        assert first is not None
        os.kill(first, signal.SIGKILL)

        def restarted() -> bool:
            supervisor.poll()
            return supervisor.children[0].pid not in {first, None} and \
                supervisor.children[0].restart_at is None

        assert _wait_for(restarted, 30)
        assert any("sleeper" in line and "exited with status -9" in line for line in said)
        assert any("sleeper restarted" in line for line in said)
    finally:
        supervisor.stop()
    assert supervisor.children[0].process is not None
    assert supervisor.children[0].process.poll() is not None


def test_it_gives_up_loudly_on_a_crash_loop() -> None:
    said: list[str] = []
    supervisor = Supervisor(
        [Child("crasher", _crasher, RestartPolicy(backoff_s=0.01, max_crashes=3))], said.append
    )
    supervisor.start()
    with pytest.raises(CrashLoop, match="crasher exited 4 times in a row"):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            supervisor.poll()
            time.sleep(0.02)
    supervisor.stop()
    assert sum("restarted" in line for line in said) == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Launched:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def children(self, kind: str) -> list[psutil.Process]:
        """Live children of the launcher whose command line names `kind`."""
        found = []
        for child in psutil.Process(self.process.pid).children():
            try:
                if child.status() != psutil.STATUS_ZOMBIE and kind in " ".join(child.cmdline()):
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return found

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False


@pytest.fixture(scope="module")
def launched(
    django_db_setup: None, django_db_blocker: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Launched]:
    """`python -m arena.launcher run` with two web processes on the test database and Redis."""
    var_dir = tmp_path_factory.mktemp("launcher")
    port = _free_port()
    log = var_dir / "launcher.log"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        database_url = celery_worker.test_database_url()
    env = {
        **os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port),
        "WEB_CONCURRENCY": "2", "ARENA_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
    }
    (var_dir / "prometheus").mkdir()
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "arena.launcher", "run"], cwd=BASE_DIR,
                                   env=env, stdout=output, stderr=subprocess.STDOUT)
    launched = Launched(process, f"http://127.0.0.1:{port}", log)
    try:
        started = _wait_for(lambda: process.poll() is not None or launched.ready(),
                            START_DEADLINE_S)
        assert started and process.poll() is None, log.read_text()
        yield launched
    finally:
        if process.poll() is None:
            process.kill()  # the children die with it only if the stop test did not run
            for child in psutil.Process().children(recursive=True):
                if child.pid != process.pid:
                    child.kill()
        process.wait()


# The seed and whatever the launcher's processes wrote go when each test ends.
pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
@pytest.mark.timeout(240)
def test_killing_the_worker_leaves_the_site_serving_and_the_worker_back(
    launched: Launched,
) -> None:
    from arena.celery import app

    [worker] = launched.children("celery -A arena worker")
    worker.kill()
    assert _wait_for(lambda: not launched.children("celery -A arena worker"), 10)
    assert launched.ready(), launched.log.read_text()  # the site goes on serving meanwhile

    back = _wait_for(lambda: [p for p in launched.children("celery -A arena worker")
                              if p.pid != worker.pid], BACK_DEADLINE_S)
    assert back, launched.log.read_text()
    assert launched.process.poll() is None
    name = f"arena-{launched.process.pid}@{socket.gethostname()}"
    assert _wait_for(lambda: app.control.ping(destination=[name], timeout=1), 60), \
        launched.log.read_text()
    log = launched.log.read_text()
    assert f"worker (pid {worker.pid}) exited with status -9" in log
    assert "worker restarted" in log
    assert launched.ready()


@pytestmark_db
@pytest.mark.timeout(120)
def test_a_killed_web_process_comes_back_while_the_other_keeps_serving(
    launched: Launched,
) -> None:
    webs = launched.children("arena.launcher.web")
    assert len(webs) == 2
    webs[0].kill()
    assert _wait_for(lambda: webs[0].pid not in {p.pid for p in launched.children(
        "arena.launcher.web")}, 10)
    assert all(launched.ready() for _ in range(10)), launched.log.read_text()

    def both_back() -> bool:
        pids = {p.pid for p in launched.children("arena.launcher.web")}
        return len(pids) == 2 and webs[0].pid not in pids

    assert _wait_for(both_back, BACK_DEADLINE_S), launched.log.read_text()
    assert _wait_for(launched.ready, 30)
    assert "web-1 restarted" in launched.log.read_text() or \
        "web-2 restarted" in launched.log.read_text()


@pytestmark_db
@pytest.mark.timeout(120)
def test_a_killed_beat_comes_back_and_keeps_its_schedule(launched: Launched) -> None:
    [beat] = launched.children("celery -A arena beat")
    schedule = launched.log.parent / "celerybeat-schedule"
    beat.kill()
    killed_at = time.time()

    def written_since() -> bool:  # beat writes its schedule file when it starts
        files = schedule.parent.glob(f"{schedule.name}*")
        return any(path.stat().st_mtime > killed_at for path in files)

    assert _wait_for(lambda: [p for p in launched.children("celery -A arena beat")
                              if p.pid != beat.pid], BACK_DEADLINE_S), launched.log.read_text()
    assert _wait_for(written_since, 60), launched.log.read_text()
    assert f"beat (pid {beat.pid}) exited with status -9" in launched.log.read_text()


@pytestmark_db
@pytest.mark.timeout(120)
def test_it_stops_every_child_on_sigterm_without_a_traceback(launched: Launched) -> None:
    """Last in this module: it ends the launcher the other tests share."""
    children = psutil.Process(launched.process.pid).children(recursive=True)
    launched.process.send_signal(signal.SIGTERM)
    assert launched.process.wait(timeout=60) == 0, launched.log.read_text()
    log = launched.log.read_text()
    assert "Traceback" not in log and "[arena] stopped" in log, log
    assert _wait_for(lambda: not any(_alive(child) for child in children), 10)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
