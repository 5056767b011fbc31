"""A real local HTTP server that speaks the OpenAI chat-completions streaming protocol.

It exists so providers, consumers, browser tests and benchmarks exercise real sockets, real
chunked transfer encoding and real server-sent events, including the ways servers fail.
It runs its own asyncio loop in a daemon thread, so it serves many concurrent streams and works
the same from sync tests, async tests and scripts.

    with FakeOpenAIServer() as server:
        settings = server.provider_settings("fake-echo")
        ...
        server.requests[-1].json["messages"]

The request's `model` picks the behaviour: see `tests/fakes/openai_scenarios.py` for the list
(fake-echo, fake-slow, fake-error-<status>, fake-drop, fake-hang, ...). The parts: this module
runs the server and routes requests, `openai_http` reads and answers HTTP/1.1, `openai_sse`
writes one streamed answer, `openai_scenarios` decides what each model name does.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from battles.providers import ProviderSettings
from tests.fakes.openai_http import (
    Connection,
    ReceivedRequest,
    close_writer,
    error_body,
    read_request,
    send_json,
)
from tests.fakes.openai_scenarios import MODELS, scenario_play
from tests.fakes.openai_sse import ChatStream


class FakeOpenAIServer:
    def __init__(self, *, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0):
        """With `api_key`, chat requests without `Authorization: Bearer <api_key>` get HTTP 401."""
        self.api_key = api_key
        self.host = host
        self.port = port
        self.requests: list[ReceivedRequest] = []
        self.active_streams = 0
        self.max_active_streams = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stream_counter = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def provider_settings(self, model: str, **overrides: Any) -> ProviderSettings:
        """Settings for an `openai_chat` provider pointed at this server."""
        fields: dict[str, Any] = {"kind": "openai_chat", "endpoint": self.base_url}
        fields["model_id"] = model
        fields["api_key"] = self.api_key
        fields.update(overrides)
        return ProviderSettings(**fields)

    def requests_for(self, model: str) -> list[ReceivedRequest]:
        return [request for request in self.requests if request.model == model]

    def start(self) -> FakeOpenAIServer:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="fake-openai", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._startup_error is not None:
            raise RuntimeError("The fake OpenAI server did not start.") from self._startup_error
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = self._loop = self._server = None
        self._ready.clear()

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- the server thread ---------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, self.host, self.port, backlog=1024)
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # handed to start(), which raises it in the caller's thread
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        connection = Connection(reader, writer)
        try:
            while connection.keep_alive and not connection.done:
                request = await read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                if request.headers.get("connection", "").lower() == "close":
                    connection.keep_alive = False
                await self._route(connection, request)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            await close_writer(writer, abort=connection.done)

    async def _route(self, connection: Connection, request: ReceivedRequest) -> None:
        path = request.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models" and request.method == "GET":
            models = [{"id": m, "object": "model", "owned_by": "fake"} for m in MODELS]
            await send_json(connection, 200, {"object": "list", "data": models})
        elif path == "/v1/chat/completions" and request.method == "POST":
            await self._chat(connection, request)
        else:
            await send_json(connection, 404, error_body(f"No route for {request.path}."))

    async def _chat(self, connection: Connection, request: ReceivedRequest) -> None:
        body = request.json if isinstance(request.json, dict) else {}
        model = str(body.get("model", ""))
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            await send_json(connection, 401, error_body("Incorrect API key provided."))
            return
        if model.startswith("fake-error-") and model.removeprefix("fake-error-").isdigit():
            status = int(model.removeprefix("fake-error-"))
            message = f"Model {model} at {self.base_url} failed with status {status}."
            extra = {"Retry-After": "1"} if status == 429 else {}
            await send_json(connection, status, error_body(message), extra)
            return
        messages = body.get("messages") or []
        if model not in MODELS and not model.startswith("fake-rate:"):
            await send_json(connection, 404, error_body(f"The model `{model}` does not exist."))
            return

        self._stream_counter += 1
        stream = ChatStream(connection, model, f"chatcmpl-fake-{self._stream_counter}", body)
        self.active_streams += 1
        self.max_active_streams = max(self.max_active_streams, self.active_streams)
        try:
            await scenario_play(model, stream, messages, base_url=self.base_url)
        finally:
            self.active_streams -= 1
