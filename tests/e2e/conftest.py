"""Browser fixtures: the real ASGI application served by the platform's web server (uvicorn, as
`make run` and the container run it) on the test database, and headless Chromium from the Debian
packages.

pytest-django's `live_server` speaks WSGI only, and the battle page needs its WebSocket, so
`arena_server` starts `python -m arena.launcher.web --bind 127.0.0.1:PORT` in a subprocess
whose DATABASE_URL names the test database. Tests that use it must commit their
data: mark them `django_db(transaction=True)`.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.celery_worker import celery_worker
from tests.web_server import free_port, web_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Images and music tracks are made by Celery tasks: the server queues them here, for `media_worker`.
MEDIA_QUEUE = f"media-e2e-{os.getpid()}"


@dataclass(frozen=True)
class ArenaServer:
    url: str
    log: Path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    skip = pytest.mark.skip(
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver "
        "(.ci/run does)"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, attach what the page showed and what the server logged."""
    report = yield
    if report.failed and call.when == "call":
        fixtures = getattr(item, "funcargs", {})
        if "browser" in fixtures:
            report.sections.append(("page", _page_summary(fixtures["browser"])))
        if "arena_server" in fixtures:
            log = fixtures["arena_server"].log.read_text()
            report.sections.append(("web server log (tail)", log[-4000:]))
    return report


def _page_summary(driver: webdriver.Chrome) -> str:
    try:
        return "\n".join([
            f"url: {driver.current_url}",
            f"status: {driver.find_element(By.ID, 'status').text!r}" if driver.find_elements(
                By.ID, "status") else "status: (none)",
            *(f"console: {entry['message']}" for entry in driver.get_log("browser")),
            driver.execute_script("return document.querySelector('main').outerHTML")[-4000:],
        ])
    except WebDriverException as error:
        return f"(page unavailable: {error.msg})"


@pytest.fixture(scope="session")
def metrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the server and the media worker, as `make run` shares one (arena/metrics.py)."""
    return tmp_path_factory.mktemp("prometheus")


METRICS_TOKEN = "e2e-metrics-token"  # /metrics is closed without one (arena/health.py)


@pytest.fixture(scope="session")
def arena_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, metrics_dir: Path
) -> Iterator[ArenaServer]:
    """The web server serving the whole platform (pages, static files, WebSockets) on a free port."""
    log = tmp_path_factory.mktemp("web") / "web.log"
    env = {"ARENA_MEDIA_QUEUE": MEDIA_QUEUE, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
           "METRICS_TOKEN": METRICS_TOKEN}
    with web_server(log=log, env=env) as url:
        yield ArenaServer(url=url, log=log)


@pytest.fixture(scope="session")
def media_worker(arena_server: ArenaServer, metrics_dir: Path) -> Iterator[str]:
    """A Celery worker for the server's images and music tracks (same environment, so same
    MEDIA_ROOT and metrics folder); yields the URL of its metrics port."""
    port = free_port()
    with celery_worker(queue=MEDIA_QUEUE, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                                                "WORKER_METRICS_PORT": str(port)}):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium (no cookies) per test, closed afterwards."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
        # Whatever a test did, the pages it saw must not have broken their own CSP: the
        # browser refuses the inline style or script and says so only in the console.
        refused = [entry["message"] for entry in driver.get_log("browser")
                   if "Content Security Policy" in entry["message"]]
        assert not refused, f"a page broke its own Content-Security-Policy: {refused}"
    finally:
        driver.quit()
