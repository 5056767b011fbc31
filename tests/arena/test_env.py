from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from arena.env import database_from_url, envbool, envint, envstr


def test_it_reads_a_unix_socket_database_url() -> None:
    db = database_from_url("postgresql://postgres:@/arena?host=/tmp/pg")
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("arena", "postgres", "/tmp/pg", "")


def test_it_reads_a_tcp_database_url_with_escaped_password() -> None:
    db = database_from_url("postgres://app:p%40ss@db.internal:6543/votes")
    assert (db["HOST"], db["PORT"], db["PASSWORD"], db["NAME"]) == (
        "db.internal", "6543", "p@ss", "votes")


@pytest.mark.parametrize("url", ["mysql://x@y/z", "postgresql://x@y:5432/"])
def test_it_refuses_unusable_database_urls(url: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url)


def test_it_fails_loudly_on_bad_booleans_and_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARENA_FLAG", "perhaps")
    monkeypatch.setenv("ARENA_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured):
        envbool("ARENA_FLAG", False)
    with pytest.raises(ImproperlyConfigured):
        envint("ARENA_NUMBER", 1)


def test_it_prefers_secrets_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("ARENA_SECRET", "from-env")
    monkeypatch.setenv("ARENA_SECRET_FILE", str(secret))
    assert envstr("ARENA_SECRET") == "from-file"
