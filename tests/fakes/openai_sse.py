"""One OpenAI chat-completions answer as a chunked `text/event-stream`, piece by piece.

Why apart from the server and its scenarios: this is the wire format every scenario shares
(chunk ids, `chat.completion.chunk` objects, the `[DONE]` line, the usage chunk, the JSON
completion when the client did not ask to stream), and the piece a benchmark instruments
(bench/streaming.py wraps `ChatStream.delta` to time each token's send).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any

from tests.fakes.openai_http import Connection, send_json


class ChatStream:
    """One chunked `text/event-stream` response."""

    def __init__(self, connection: Connection, model: str, stream_id: str, body: dict[str, Any]):
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
            await send_json(self.connection, 200, self._completion("".join(pieces), usage))
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
