"""Streaming chat against any OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp, hosted APIs).

Every failure becomes a `ProviderError` whose text names only what went wrong: httpx exception
text and server error bodies are never shown, because they carry URLs, hosts and model ids that
would reveal which contender is which. The original exception stays chained for server logs.

Client lifecycle: pass an `httpx.AsyncClient` to control pooling yourself (the caller owns and
closes it). Without one, streams share one client per event loop (see `loop_client`), so a new
battle reuses warm connections instead of paying for a client and a TCP handshake per side.
Timeouts always come from the settings, per request, so one client serves every contender.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from typing import Any

import httpx

from .base import (
    ChatMessage,
    ProviderError,
    ProviderSettings,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    Usage,
    conversation_with_system_prompt,
    seconds,
)

CONNECTION_CLOSED = "The connection closed before the answer finished."
MALFORMED = "The model's stream was malformed."
STREAM_ERROR = "The model's server reported an error during the answer."
EMPTY_ANSWER = "The model returned an empty answer."

_STATUS_HINTS = {
    400: "bad request",
    401: "authentication failed",
    403: "access denied",
    404: "not found",
    408: "request timeout",
    413: "request too large",
    422: "request rejected",
    429: "too many requests",
    500: "internal error",
    502: "bad gateway",
    503: "unavailable",
    504: "gateway timeout",
}

# Where servers put the model's reasoning beside `content`: `reasoning_content` (vLLM, SGLang,
# DeepSeek, transformers serve), `reasoning` (OpenRouter, Ollama, newer vLLM). First one set wins.
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")

# Fields the provider owns; generation params cannot override them.
_RESERVED_FIELDS = ("model", "messages", "stream")


class OpenAIChatProvider:
    def __init__(self, settings: ProviderSettings, client: httpx.AsyncClient | None = None):
        self.settings = settings
        self._client = client

    async def stream_chat(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        settings = self.settings
        deadline = asyncio.get_running_loop().time() + settings.total_timeout
        async with self._client_scope() as client:
            try:
                request = self._build_request(client, messages)
                async with asyncio.timeout_at(deadline):
                    response = await client.send(request, stream=True)
            except (httpx.HTTPError, httpx.InvalidURL, TimeoutError, UnicodeError) as exc:
                raise _error_for(exc, settings) from exc
            try:
                async with aclosing(_events(response, settings, deadline)) as events:
                    async for event in events:
                        yield event
            finally:
                await response.aclose()

    @asynccontextmanager
    async def _client_scope(self) -> AsyncIterator[httpx.AsyncClient]:
        yield self._client if self._client is not None else loop_client()

    def _build_request(
        self, client: httpx.AsyncClient, messages: Sequence[ChatMessage]
    ) -> httpx.Request:
        settings = self.settings
        body: dict[str, Any] = {
            key: value
            for key, value in settings.params.items()
            if key not in _RESERVED_FIELDS and value is not None
        }
        body.setdefault("stream_options", {"include_usage": True})
        body["model"] = settings.model_id
        body["stream"] = True
        body["messages"] = [
            {"role": message.role, "content": message.content}
            for message in conversation_with_system_prompt(settings, messages)
        ]
        headers = {"Accept": "text/event-stream"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        )
        url = settings.endpoint.rstrip("/") + "/chat/completions"
        return client.build_request("POST", url, json=body, headers=headers, timeout=timeout)


_LOOP_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def loop_client() -> httpx.AsyncClient:
    """The running event loop's shared client: one pool per web process, no per-battle setup.

    Keyed by loop because an httpx client must not cross event loops; it goes away with its loop.
    The pool is unbounded in connections (one web process holds hundreds of concurrent streams)
    but keeps a bounded number idle.
    """
    loop = asyncio.get_running_loop()
    client = _LOOP_CLIENTS.get(loop)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(
            verify=_ssl_context(),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
        )
        _LOOP_CLIENTS[loop] = client
    return client


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs tens of milliseconds, paid per client otherwise."""
    return httpx.create_ssl_context()


async def _events(
    response: httpx.Response, settings: ProviderSettings, deadline: float
) -> AsyncGenerator[StreamEvent, None]:
    if response.status_code >= 400:
        raise ProviderError(_http_status_message(response.status_code))
    if response.headers.get("content-type", "").startswith("application/json"):
        async for event in _whole_answer(response, settings, deadline):
            yield event
        return

    usage = Usage(prompt_tokens=None, completion_tokens=None)
    answered = finished = False
    payloads = _sse_data(response, settings, deadline, lambda: finished)
    async with aclosing(payloads):
        async for payload in payloads:
            if payload == "[DONE]":
                finished = True
                break
            chunk = _parse_chunk(payload)
            text, reasoning, finish_reason = _choice_content(chunk)
            if reasoning:
                answered = answered or bool(reasoning.strip())
                yield ReasoningDelta(reasoning)
            if text:
                answered = answered or bool(text.strip())
                yield TextDelta(text)
            finished = finished or finish_reason
            usage = _usage(chunk) or usage

    if not finished:
        raise ProviderError(CONNECTION_CLOSED)
    if not answered:
        raise ProviderError(EMPTY_ANSWER)
    yield usage


async def _whole_answer(
    response: httpx.Response, settings: ProviderSettings, deadline: float
) -> AsyncGenerator[StreamEvent, None]:
    """Some servers ignore `stream: true` and answer with one JSON completion; accept it."""
    try:
        async with asyncio.timeout_at(deadline):
            body = await response.aread()
    except (httpx.HTTPError, TimeoutError) as exc:
        raise _error_for(exc, settings) from exc
    completion = _parse_chunk(body.decode("utf-8", errors="replace"))
    choices = completion.get("choices")
    message = choices[0].get("message") if isinstance(choices, list) and choices else None
    if not isinstance(message, dict):
        raise ProviderError(MALFORMED)
    content = message.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise ProviderError(MALFORMED)
    reasoning = _reasoning(message)
    if not content.strip() and not reasoning.strip():
        raise ProviderError(EMPTY_ANSWER)
    if reasoning:
        yield ReasoningDelta(reasoning)
    if content:
        yield TextDelta(content)
    yield _usage(completion) or Usage(prompt_tokens=None, completion_tokens=None)


async def _sse_data(
    response: httpx.Response,
    settings: ProviderSettings,
    deadline: float,
    finished: Callable[[], bool],
) -> AsyncGenerator[str, None]:
    """The `data` of each server-sent event; comments and keep-alives are skipped.

    A connection that breaks after the model signalled `finish_reason` just ends the stream:
    some servers hang up instead of sending `[DONE]`, and the answer is already complete.
    """
    lines = response.aiter_lines()
    data: list[str] = []
    event_type = ""
    while True:
        try:
            async with asyncio.timeout_at(deadline):
                line = await anext(lines)
        except StopAsyncIteration:
            break
        except (httpx.ReadError, httpx.RemoteProtocolError) as exc:
            if finished():
                return
            raise _error_for(exc, settings) from exc
        except (httpx.HTTPError, TimeoutError) as exc:
            raise _error_for(exc, settings) from exc

        if line == "":
            if data:
                if event_type == "error":
                    raise ProviderError(STREAM_ERROR)
                yield "\n".join(data)
            data, event_type = [], ""
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "event":
                event_type = value
    if data:
        yield "\n".join(data)


def _parse_chunk(payload: str) -> dict[str, Any]:
    try:
        chunk = json.loads(payload)
    except ValueError:
        raise ProviderError(MALFORMED) from None
    if not isinstance(chunk, dict):
        raise ProviderError(MALFORMED)
    if chunk.get("error"):
        raise ProviderError(STREAM_ERROR)
    return chunk


def _choice_content(chunk: dict[str, Any]) -> tuple[str, str, bool]:
    """(answer text, reasoning text, finished) of the chunk's first choice."""
    choices = chunk.get("choices") or []
    if not isinstance(choices, list):
        raise ProviderError(MALFORMED)
    if not choices:
        return "", "", False
    choice = choices[0]
    if not isinstance(choice, dict):
        raise ProviderError(MALFORMED)
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        raise ProviderError(MALFORMED)
    content = delta.get("content")
    if content is not None and not isinstance(content, str):
        raise ProviderError(MALFORMED)
    return content or "", _reasoning(delta), bool(choice.get("finish_reason"))


def _reasoning(delta: dict[str, Any]) -> str:
    """Reasoning text of a delta or message; a non-string value (OpenRouter's structured
    `reasoning_details`, say) is not text to show and is skipped rather than failing the side."""
    for name in REASONING_FIELDS:
        value = delta.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _usage(chunk: dict[str, Any]) -> Usage | None:
    usage = chunk.get("usage")
    if not isinstance(usage, dict):
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return Usage(
        prompt_tokens=prompt if isinstance(prompt, int) else None,
        completion_tokens=completion if isinstance(completion, int) else None,
    )


def _http_status_message(status: int) -> str:
    hint = _STATUS_HINTS.get(status)
    suffix = f" ({hint})" if hint else ""
    return f"The model's server answered HTTP {status}{suffix}."


def _error_for(exc: Exception, settings: ProviderSettings) -> ProviderError:
    """An identity-free message for a transport failure; never includes the exception's text."""
    if isinstance(exc, httpx.ConnectTimeout):
        message = (
            "Could not connect to the model's server "
            f"(connect timeout after {seconds(settings.connect_timeout)})."
        )
    elif isinstance(exc, httpx.PoolTimeout):
        message = "Too many answers were waiting for a connection to the model's server."
    elif isinstance(exc, httpx.ReadTimeout):
        message = (
            f"The model stopped answering (read timeout after {seconds(settings.read_timeout)})."
        )
    elif isinstance(exc, httpx.WriteTimeout):
        message = "The model's server stopped accepting the request (write timeout)."
    elif isinstance(exc, TimeoutError):
        message = (
            "The model took too long to answer "
            f"(total timeout after {seconds(settings.total_timeout)})."
        )
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        message = "The model's endpoint is misconfigured."
    elif isinstance(exc, UnicodeError):
        message = "The model's API key contains characters that cannot be sent."
    elif isinstance(exc, httpx.ConnectError):
        message = "Could not connect to the model's server."
    elif isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError):
        message = CONNECTION_CLOSED
    else:
        message = "The request to the model's server failed."
    return ProviderError(message)
