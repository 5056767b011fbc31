"""The smallest ASGI app that answers a vote-shaped POST: reads the body, returns a JSON 200.

No Django, no database, no Redis. `bench/ingest.py` serves it with uvicorn and drives it with
the same client as the real vote path: its rate is the ceiling of *any* Python HTTP endpoint on
this machine with this client, so it shows how much of the gap to the raw INSERT rate the
platform's own work accounts for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

BODY = b'{"vote":{"choice":"a","rationale":""},"models":{"a":"A","b":"B"}}'


async def app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": BODY})
