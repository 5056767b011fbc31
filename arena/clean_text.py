"""Which text the platform accepts from outside: no NUL and no unpaired surrogates.

PostgreSQL refuses NUL in a text value and psycopg cannot encode a lone surrogate to UTF-8, so
either one used to fail deep inside a service (after a rate-limit counter, or halfway through a
lookup) as a 500. Both are checked once, where text comes in: `arena.bad_input` for HTTP and
the battle consumer for WebSocket messages.
"""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def text_is_clean(text: str) -> bool:
    return _FORBIDDEN.search(text) is None


def data_is_clean(value: object) -> bool:
    """Every string in decoded JSON (keys too), however deeply nested.

    Iterative, so a deeply nested body cannot exhaust the stack of the thread checking it.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not text_is_clean(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return True
