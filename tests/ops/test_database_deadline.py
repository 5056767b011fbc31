"""The client-side deadline that bounds a query on a frozen database, and the way out of it for
long legitimate work. A query the server keeps busy stands in for one it never answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from arena.database import connection_unhurried, deadline_connection_class

pytestmark = pytest.mark.django_db


def _connect(deadline_s: float) -> psycopg.Connection[Any]:
    """A connection as a web process opens it: a statement timeout, a deadline above it."""
    params = {key: value for key, value in connection.get_connection_params().items()
              if key not in {"pool", "cursor_factory", "context", "options"}}
    return deadline_connection_class(deadline_s).connect(
        **params, autocommit=True, options="-c statement_timeout=5000"
    )


@pytest.fixture
def web_connection() -> Iterator[psycopg.Connection[Any]]:
    """Closed, not left through `with`: a query cut off by the deadline is still in progress."""
    conn = _connect(0.5)
    yield conn
    conn.close()


def test_it_gives_up_on_a_query_that_outlives_the_deadline(
    web_connection: psycopg.Connection[Any],
) -> None:
    assert web_connection.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError):
        web_connection.execute("SELECT pg_sleep(3)")


def test_it_lifts_the_deadline_and_the_statement_timeout_while_unhurried(
    web_connection: psycopg.Connection[Any],
) -> None:
    with connection_unhurried(web_connection):
        assert web_connection.execute("SHOW statement_timeout").fetchone() == ("0",)
        web_connection.execute("SELECT pg_sleep(1)")  # past the deadline: long work may take long
    assert web_connection.execute("SHOW statement_timeout").fetchone() == ("5s",)
    with pytest.raises(psycopg.OperationalError):
        web_connection.execute("SELECT pg_sleep(3)")
