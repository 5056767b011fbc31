"""A real local HTTP server that speaks the OpenAI moderation protocol (`POST /v1/moderations`).

    with FakeModerationServer() as server:
        server.base_url              # http://127.0.0.1:PORT/v1
        server.requests[-1]          # (headers, json body)

An input containing "attack" is flagged as violence, "insult" as harassment; "boom" makes the
server answer 500, "slow" makes it wait 2 s. Anything else is clean.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CATEGORIES = ("violence", "harassment", "sexual", "self-harm")


def _result(text: str) -> dict[str, Any]:
    lowered = text.lower()
    hits = {"violence": "attack" in lowered, "harassment": "insult" in lowered}
    categories = {name: hits.get(name, False) for name in CATEGORIES}
    return {
        "flagged": any(categories.values()),
        "categories": categories,
        "category_scores": {name: 0.99 if on else 0.01 for name, on in categories.items()},
    }


class FakeModerationServer:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                server.requests.append((dict(self.headers), body))
                if self.path != "/v1/moderations":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                inputs = body.get("input", "")
                inputs = inputs if isinstance(inputs, list) else [inputs]
                joined = " ".join(str(i) for i in inputs)
                if "boom" in joined:
                    self._send(500, {"error": {"message": "internal"}})
                    return
                if "slow" in joined:
                    time.sleep(2)
                self._send(200, {"id": "modr-1", "model": body.get("model", "fake-moderation"),
                                 "results": [_result(str(i)) for i in inputs]})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeModerationServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
