"""How a web process notices a database that stopped answering, in seconds.

A server that is down refuses connections at once, but a frozen one (a hung host, a stalled
disk, a network partition) accepts them and never replies: a query then waits forever, since
PostgreSQL's own statement_timeout needs a running server to fire, and psycopg keeps no
client-side deadline. New connections are bounded by libpq's connect_timeout; queries on open
ones (the pool's health check included) by the deadline of `deadline_connection_class`.
Work a web process does inline that may legitimately take long (an admin building a release)
runs under `database_unhurried`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen

RV = TypeVar("RV")
WAIT_INTERVAL_S = 0.1  # psycopg's own: how often a wait wakes up to notice Ctrl-C


def deadline_connection_class(deadline_s: float) -> type[psycopg.Connection[Any]]:
    """A psycopg connection whose every round trip gives up after `deadline_s`.

    It raises psycopg's `OperationalError` (Django's, once wrapped), which the web answers as a
    503 "retry" (arena/outage.py); the connection is left mid-query, so the pool closes it
    instead of handing it out again. Give it a deadline above the statement timeout: a live
    server cancels a slow query first, and this fires only when nothing answers at all.
    """

    class DeadlineConnection(psycopg.Connection[Any]):
        deadline: float | None = deadline_s  # None: wait as long as the server takes

        def wait(
            self, gen: PQGen[RV], interval: float = WAIT_INTERVAL_S, timeout: float | None = None
        ) -> RV:
            return super().wait(gen, interval, self.deadline if timeout is None else timeout)

    return DeadlineConnection


@contextmanager
def database_unhurried(alias: str = "default") -> Iterator[None]:
    """No statement timeout and no client-side deadline on this thread's connection meanwhile."""
    from django.db import connections  # settings import this module; Django is set up by now

    connection = connections[alias]
    connection.ensure_connection()
    with connection_unhurried(connection.connection):
        yield


@contextmanager
def connection_unhurried(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Both limits come back afterwards, since the connection goes back to a pool that serves
    requests: a connection whose timeout cannot be restored is closed, so the pool discards it.
    """
    previous = getattr(conn, "deadline", None)
    conn.execute("SET statement_timeout = 0")
    if previous is not None:
        conn.deadline = None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        if previous is not None:
            conn.deadline = previous  # type: ignore[attr-defined]
        try:
            conn.execute("RESET statement_timeout")  # to the value the connection began with
        except psycopg.Error:
            conn.close()
