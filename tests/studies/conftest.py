"""The browser fixtures of tests/e2e (web server, media worker, Chromium), for the study's
browser test here."""

from tests.e2e.conftest import arena_server, browser, media_worker, metrics_dir  # noqa: F401
