"""A real local HTTP server that speaks the OpenAI chat-completions streaming protocol.

It exists so providers, consumers, browser tests and benchmarks exercise real sockets, real
chunked transfer encoding and real server-sent events, including the ways servers fail.
It runs its own asyncio loop in a daemon thread, so it serves many concurrent streams and works
the same from sync tests, async tests and scripts.

    with FakeOpenAIServer() as server:
        settings = server.provider_settings("fake-echo")
        ...
        server.requests[-1].json["messages"]

The request's `model` picks the behaviour (see `MODELS` and `_chat`):

    fake-echo               a deterministic answer quoting the last user message, in chunks
    fake-slow               a short answer, chunks 0.2 s apart
    fake-markdown           a table, a list, a code block and XSS attempts (<script>, <img onerror>)
    fake-rate:<tps>:<n>     n tokens at a fixed rate of tps tokens per second, for benchmarks
    fake-error-<status>     answers that HTTP status (e.g. fake-error-500, fake-error-429)
    fake-malformed          a non-JSON data line mid-stream
    fake-drop               closes the socket mid-stream, without [DONE]
    fake-hang               sends the response headers, then nothing
    fake-stream-error       an `error` object inside the stream
    fake-empty              a well-formed stream with no text
    fake-no-done            finishes with finish_reason but closes without [DONE]
    fake-no-stream          ignores `stream: true` and answers with one JSON completion
    fake-nul                an answer with a U+0000 token in it (as byte-fallback tokens decode)
    fake-reasoning          `reasoning_content` deltas first, then the answer
    fake-reasoning-only     `reasoning_content` deltas and no answer at all

Error bodies deliberately quote the model id and the server's URL, so tests can check that
providers never show them to annotators.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from battles.providers import ProviderSettings

MODELS = (
    "fake-echo",
    "fake-slow",
    "fake-markdown",
    "fake-rate:20:50",
    "fake-error-500",
    "fake-error-429",
    "fake-malformed",
    "fake-drop",
    "fake-hang",
    "fake-stream-error",
    "fake-empty",
    "fake-no-done",
    "fake-no-stream",
    "fake-nul",
    "fake-reasoning",
    "fake-reasoning-only",
)

REASONING = ["The user ", "wants a ", "short ", "answer; ", "I will ", "be **brief**."]
NUL_ANSWER = ["Before ", "\u0000", " after."]

SLOW_CHUNK_DELAY = 0.2

MARKDOWN_ANSWER = """\
Here is a **formatted** answer.

| Language | Typing  | First release |
|----------|---------|---------------|
| Python   | dynamic | 1991          |
| Rust     | static  | 2015          |

Steps:

1. Read the input.
2. Validate it.
3. Write the output.

- bullet one
- bullet two

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

<script>alert(1)</script>

<img src="x" onerror="alert(2)">

[a link](javascript:alert(3))

That is all.
"""

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    json: Any  # the parsed body, or None

    @property
    def model(self) -> str | None:
        return self.json.get("model") if isinstance(self.json, dict) else None


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    keep_alive: bool = True
    done: bool = False  # the behaviour closed or gave up on the socket


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
        connection = _Connection(reader, writer)
        try:
            while connection.keep_alive and not connection.done:
                request = await self._read_request(reader)
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
            await _close(writer, abort=connection.done)

    async def _read_request(self, reader: asyncio.StreamReader) -> ReceivedRequest | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return ReceivedRequest(method=method, path=path, headers=headers, json=parsed)

    async def _route(self, connection: _Connection, request: ReceivedRequest) -> None:
        path = request.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models" and request.method == "GET":
            models = [{"id": m, "object": "model", "owned_by": "fake"} for m in MODELS]
            await _send_json(connection, 200, {"object": "list", "data": models})
        elif path == "/v1/chat/completions" and request.method == "POST":
            await self._chat(connection, request)
        else:
            await _send_json(connection, 404, _error_body(f"No route for {request.path}."))

    async def _chat(self, connection: _Connection, request: ReceivedRequest) -> None:
        body = request.json if isinstance(request.json, dict) else {}
        model = str(body.get("model", ""))
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            await _send_json(connection, 401, _error_body("Incorrect API key provided."))
            return
        if model.startswith("fake-error-") and model.removeprefix("fake-error-").isdigit():
            status = int(model.removeprefix("fake-error-"))
            message = f"Model {model} at {self.base_url} failed with status {status}."
            extra = {"Retry-After": "1"} if status == 429 else {}
            await _send_json(connection, status, _error_body(message), extra)
            return
        messages = body.get("messages") or []
        if model not in MODELS and not model.startswith("fake-rate:"):
            await _send_json(connection, 404, _error_body(f"The model `{model}` does not exist."))
            return

        self._stream_counter += 1
        stream = _Stream(connection, model, f"chatcmpl-fake-{self._stream_counter}", body)
        self.active_streams += 1
        self.max_active_streams = max(self.max_active_streams, self.active_streams)
        try:
            await self._stream_for(model, stream, messages)
        finally:
            self.active_streams -= 1

    async def _stream_for(self, model: str, stream: _Stream, messages: Sequence[Any]) -> None:
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        if model == "fake-echo":
            await stream.answer(_words(_echo_answer(messages)), prompt_tokens)
        elif model == "fake-slow":
            pieces = ["A ", "slow ", "but ", "complete ", "answer."]
            await stream.answer(pieces, prompt_tokens, delay=SLOW_CHUNK_DELAY)
        elif model == "fake-markdown":
            await stream.answer(_words(MARKDOWN_ANSWER), prompt_tokens)
        elif model.startswith("fake-rate:"):
            await self._rate(stream, model, prompt_tokens)
        elif model == "fake-no-stream":
            stream.streaming = False
            await stream.answer(_words(_echo_answer(messages)), prompt_tokens)
        elif model == "fake-empty":
            await stream.answer([], prompt_tokens)
        elif model == "fake-nul":
            await stream.answer(NUL_ANSWER, prompt_tokens)
        elif model == "fake-reasoning":
            await stream.answer(_words(_echo_answer(messages)), prompt_tokens, reasoning=REASONING)
        elif model == "fake-reasoning-only":
            await stream.answer([], prompt_tokens, reasoning=REASONING)
        elif model == "fake-hang":
            await stream.start()
            await stream.wait_for_client_to_leave()
        else:
            await _broken_stream(model, stream, self.base_url)

    async def _rate(self, stream: _Stream, model: str, prompt_tokens: int) -> None:
        try:
            _, rate, count = model.split(":")
            tokens_per_second, n_tokens = float(rate), int(count)
        except ValueError:
            await _send_json(stream.connection, 400, _error_body("Use fake-rate:<tps>:<n>."))
            return
        pieces = [f"tok{i} " for i in range(n_tokens)]
        await stream.answer(pieces, prompt_tokens, delay=1 / tokens_per_second)


async def _broken_stream(model: str, stream: _Stream, base_url: str) -> None:
    await stream.start()
    await stream.role()
    await stream.delta("Partial ")
    await stream.delta("answer ")
    if model == "fake-malformed":
        await stream.raw(b'data: {"choices": [{"delta": {"content": "oops"\n\n')
        await stream.delta("more.")
        await stream.finish()
        await stream.done()
    elif model == "fake-drop":
        stream.connection.done = True
        stream.connection.writer.transport.abort()
    elif model == "fake-stream-error":
        message = f"Model {model} at {base_url} ran out of memory."
        await stream.event({"error": {"message": message, "type": "server_error", "code": 500}})
        await stream.end()
    elif model == "fake-no-done":
        await stream.finish()
        await stream.end()


class _Stream:
    """One chunked `text/event-stream` response."""

    def __init__(self, connection: _Connection, model: str, stream_id: str, body: dict[str, Any]):
        self.connection = connection
        self.model = model
        self.id = stream_id
        self.streaming = body.get("stream", False) is True
        options = body.get("stream_options") or {}
        self.include_usage = isinstance(options, dict) and options.get("include_usage") is True
        self.created = int(time.time())

    async def answer(
        self, pieces: Sequence[str], prompt_tokens: int, delay: float = 0.0,
        reasoning: Sequence[str] = (),
    ) -> None:
        """A complete, well-behaved answer, after its `reasoning` (streamed as
        `reasoning_content`, as vLLM and DeepSeek do); a JSON body when the client did not ask
        to stream."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(pieces),
            "total_tokens": prompt_tokens + len(pieces),
        }
        if not self.streaming:
            await asyncio.sleep(delay * len(pieces))
            await _send_json(self.connection, 200, self._completion("".join(pieces), usage))
            return
        await self.start()
        await self.role()
        await self.raw(b": keep-alive\n\n")
        for thought in reasoning:
            await self.event(self._chunk([_choice({"reasoning_content": thought})]))
        for index, piece in enumerate(pieces):
            if delay and index:
                await asyncio.sleep(max(0.0, started + index * delay - loop.time()))
            await self.delta(piece)
        await self.finish()
        if self.include_usage:
            await self.event(self._chunk([], usage=usage))
        await self.done()

    async def start(self) -> None:
        headers = [
            "HTTP/1.1 200 OK",
            "Content-Type: text/event-stream; charset=utf-8",
            "Cache-Control: no-cache",
            "Transfer-Encoding: chunked",
        ]
        if not self.connection.keep_alive:
            headers.append("Connection: close")
        self.connection.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode())
        await self.connection.writer.drain()

    async def raw(self, data: bytes) -> None:
        self.connection.writer.write(b"%x\r\n%s\r\n" % (len(data), data))
        await self.connection.writer.drain()

    async def event(self, payload: dict[str, Any]) -> None:
        await self.raw(b"data: " + json.dumps(payload).encode() + b"\n\n")

    async def role(self) -> None:
        await self.event(self._chunk([_choice({"role": "assistant", "content": ""})]))

    async def delta(self, text: str) -> None:
        await self.event(self._chunk([_choice({"content": text})]))

    async def finish(self, reason: str = "stop") -> None:
        await self.event(self._chunk([_choice({}, finish_reason=reason)]))

    async def done(self) -> None:
        await self.raw(b"data: [DONE]\n\n")
        await self.end()

    async def end(self) -> None:
        self.connection.writer.write(b"0\r\n\r\n")
        await self.connection.writer.drain()

    async def wait_for_client_to_leave(self) -> None:
        while await self.connection.reader.read(65536):
            pass
        self.connection.done = True

    def _chunk(self, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
            **extra,
        }

    def _completion(self, text: str, usage: dict[str, int]) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": usage,
        }


def _choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason}


def _error_body(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": None}}


def _echo_answer(messages: Sequence[Any]) -> str:
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    last = str(users[-1].get("content", "")) if users else ""
    return (
        f'You said: "{last}". This deterministic answer comes in several chunks '
        f"and counts {len(messages)} messages in the conversation."
    )


def _words(text: str) -> list[str]:
    """Split into word-ish pieces that join back into exactly `text`."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        words = line.split(" ")
        pieces.extend(word + " " for word in words[:-1])
        pieces.append(words[-1])
    return [piece for piece in pieces if piece]


async def _close(writer: asyncio.StreamWriter, *, abort: bool) -> None:
    if abort:
        writer.transport.abort()
        return
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def _send_json(
    connection: _Connection,
    status: int,
    payload: dict[str, Any],
    extra_headers: dict[str, str] | None = None,
) -> None:
    body = json.dumps(payload).encode()
    headers = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in (extra_headers or {}).items()),
    ]
    if not connection.keep_alive:
        headers.append("Connection: close")
    connection.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
    await connection.writer.drain()
