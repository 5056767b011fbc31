"""What the fake OpenAI server answers, chosen by the request's `model`.

Why apart from the server: the server is plumbing (a thread, a loop, routes, counters); this
is the catalogue of behaviours tests ask for by name, good answers and the ways real servers
fail. Adding one is a name in `MODELS` and a branch in `scenario_play`; `fake-error-<status>`
and unknown models are answered by the server itself, before any stream starts.

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

from collections.abc import Sequence
from typing import Any

from tests.fakes.openai_http import error_body, send_json
from tests.fakes.openai_sse import ChatStream

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


async def scenario_play(
    model: str, stream: ChatStream, messages: Sequence[Any], *, base_url: str
) -> None:
    """Answer on `stream` as `model` asks (see the list above)."""
    prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
    if model == "fake-echo":
        await stream.answer(_words(_echo_answer(messages)), prompt_tokens)
    elif model == "fake-slow":
        pieces = ["A ", "slow ", "but ", "complete ", "answer."]
        await stream.answer(pieces, prompt_tokens, delay=SLOW_CHUNK_DELAY)
    elif model == "fake-markdown":
        await stream.answer(_words(MARKDOWN_ANSWER), prompt_tokens)
    elif model.startswith("fake-rate:"):
        await _rate(stream, model, prompt_tokens)
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
        await _broken_stream(model, stream, base_url)


async def _rate(stream: ChatStream, model: str, prompt_tokens: int) -> None:
    try:
        _, rate, count = model.split(":")
        tokens_per_second, n_tokens = float(rate), int(count)
    except ValueError:
        await send_json(stream.connection, 400, error_body("Use fake-rate:<tps>:<n>."))
        return
    pieces = [f"tok{i} " for i in range(n_tokens)]
    await stream.answer(pieces, prompt_tokens, delay=1 / tokens_per_second)


async def _broken_stream(model: str, stream: ChatStream, base_url: str) -> None:
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

