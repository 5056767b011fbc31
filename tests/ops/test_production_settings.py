"""Settings a deployment switches on through the environment, read by a fresh interpreter."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

from arena.logs import JsonFormatter

PRINT = (
    "import django, json; from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ["
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SECURE_PROXY_SSL_HEADER', 'DEBUG', 'SECRET_KEY', 'ALLOWED_HOSTS']}))"
)


def _settings(env: dict[str, str]) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if k not in {"HTTPS", "DEBUG", "SECRET_KEY"}}
    result = subprocess.run(
        [sys.executable, "-c", PRINT], env={**clean, "DJANGO_SETTINGS_MODULE": "arena.settings", **env},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_it_turns_on_https_protections_with_one_switch(tmp_path: object) -> None:
    values = _settings({"HTTPS": "true", "SECRET_KEY": "k", "ALLOWED_HOSTS": "arena.example"})
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["arena.example"]


def test_it_reads_the_secret_key_from_a_file(tmp_path: pytest.TempPathFactory) -> None:
    secret = tmp_path / "secret"  # type: ignore[operator]
    secret.write_text("from-a-file\n")
    values = _settings({"SECRET_KEY_FILE": str(secret)})
    assert values["SECRET_KEY"] == "from-a-file"
    assert values["SECURE_SSL_REDIRECT"] is False


def test_it_refuses_to_start_without_a_secret_key() -> None:
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT], env={**clean, "DJANGO_SETTINGS_MODULE": "arena.settings"},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_it_sends_a_content_security_policy_the_pages_satisfy() -> None:
    response = Client().get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "connect-src 'self' ws: wss:" in policy
    assert "frame-ancestors 'none'" in policy


def test_it_writes_one_json_object_per_log_line() -> None:
    record = logging.makeLogRecord(
        {"name": "ops", "levelname": "WARNING", "msg": "paused %s", "args": ("m1",),
         "event": "contender_paused"}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "paused m1"
    assert entry["level"] == "WARNING"
    assert entry["event"] == "contender_paused"
