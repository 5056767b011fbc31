"""A producer run one step ahead in a thread, for fetches that wait on something else."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator
from contextlib import suppress
from typing import Any


def prefetched(fetch: Callable[[], list[Any]]) -> Generator[list[Any], None, None]:
    """The chunks `fetch` returns until an empty one, each fetched while the previous one is used.

    A server-side cursor answers one FETCH at a time: without this, PostgreSQL idles while
    the rows are spliced and the build waits while PostgreSQL finds the next ones (a fifth of
    a large build). A thread asks for the next chunk as soon as one is taken; psycopg lets go
    of the GIL while it waits, and its connection serializes the thread's fetches with any
    query this thread runs meanwhile (a fragment remade mid-stream).
    """
    chunks: queue.Queue[list[Any] | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                chunk = fetch()
                chunks.put(chunk)
                if not chunk:
                    return
        except BaseException as error:  # raised again in the consumer's thread
            chunks.put(error)

    thread = threading.Thread(target=run, name="release-prefetch", daemon=True)
    thread.start()
    try:
        while (item := chunks.get()):
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked put finish
            with suppress(queue.Empty):
                chunks.get(timeout=0.05)
        thread.join()
