import asyncio
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from battles.providers import (
    ChatMessage,
    OpenAIChatProvider,
    ProviderError,
    ReasoningDelta,
    TextDelta,
    Usage,
    text_provider_for,
)
from battles.providers.openai_chat import _choice_content
from tests.fakes.fixtures import fake_openai_fixture  # noqa: F401
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.streams import collect_answer, user_says

# Every failing test must still finish quickly; this guards against a hang, it is not a benchmark.
GUARD_SECONDS = 10


def assert_identity_free(message: str, server: FakeOpenAIServer, model: str) -> None:
    host = urlsplit(server.base_url).netloc
    for secret in (model, server.base_url, host, str(server.port), "fake", "127.0.0.1", "sk-"):
        assert secret not in message


async def failure_of(server: FakeOpenAIServer, model: str, **overrides: object) -> str:
    provider = text_provider_for(server.provider_settings(model, **overrides))
    async with asyncio.timeout(GUARD_SECONDS):
        with pytest.raises(ProviderError) as raised:
            await collect_answer(provider, user_says("Hello?"))
    message = str(raised.value)
    assert_identity_free(message, server, model)
    return message


async def test_it_streams_the_answer_in_chunks_and_reports_usage(fake_openai: FakeOpenAIServer):
    provider = text_provider_for(fake_openai.provider_settings("fake-echo"))

    answer = await collect_answer(provider, user_says("What is a monad?"))

    assert answer.text.startswith('You said: "What is a monad?".')
    assert len(answer.deltas) > 5
    assert all(delta.text for delta in answer.deltas)
    assert answer.usage == Usage(prompt_tokens=4, completion_tokens=len(answer.deltas))


async def test_it_sends_the_key_system_prompt_and_generation_params():
    with FakeOpenAIServer(api_key="sk-secret") as server:
        settings = server.provider_settings(
            "fake-echo",
            system_prompt="Answer briefly.",
            params={"temperature": 0.2, "top_p": 0.9, "max_tokens": 64, "seed": None},
        )
        conversation = user_says("Hi", "Hello! How can I help?", "Tell me a joke")

        answer = await collect_answer(text_provider_for(settings), conversation)

        assert "Tell me a joke" in answer.text
        request = server.requests[-1]
    assert request.headers["authorization"] == "Bearer sk-secret"
    assert request.json["model"] == "fake-echo"
    assert request.json["stream"] is True
    assert request.json["stream_options"] == {"include_usage": True}
    assert request.json["temperature"] == 0.2
    assert request.json["top_p"] == 0.9
    assert request.json["max_tokens"] == 64
    assert "seed" not in request.json
    assert request.json["messages"] == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke"},
    ]


async def test_it_sends_no_authorization_without_a_key(fake_openai: FakeOpenAIServer):
    prompt = "no-key request"
    await collect_answer(
        text_provider_for(fake_openai.provider_settings("fake-echo")),
        [ChatMessage(role="user", content=prompt)],
    )

    request = next(r for r in fake_openai.requests if prompt in str(r.json))
    assert "authorization" not in request.headers
    assert request.json["messages"] == [{"role": "user", "content": prompt}]


async def test_it_keeps_model_and_streaming_out_of_the_params(fake_openai: FakeOpenAIServer):
    prompt = "params cannot override"
    settings = fake_openai.provider_settings(
        "fake-echo", params={"model": "other", "stream": False, "messages": []}
    )

    await collect_answer(text_provider_for(settings), user_says(prompt))

    request = next(r for r in fake_openai.requests if prompt in str(r.json))
    assert request.json["model"] == "fake-echo"
    assert request.json["stream"] is True
    assert request.json["messages"] == [{"role": "user", "content": prompt}]


async def test_it_finishes_a_slow_stream_that_stays_within_the_timeouts(
    fake_openai: FakeOpenAIServer,
):
    settings = fake_openai.provider_settings("fake-slow", read_timeout=2, total_timeout=10)

    answer = await collect_answer(text_provider_for(settings), user_says("Take your time"))

    assert answer.text == "A slow but complete answer."


async def test_it_gives_up_on_a_silent_server_after_the_read_timeout(
    fake_openai: FakeOpenAIServer,
):
    message = await failure_of(fake_openai, "fake-hang", read_timeout=0.3)

    assert message == "The model stopped answering (read timeout after 0.3 s)."


async def test_it_gives_up_when_the_whole_answer_takes_too_long(fake_openai: FakeOpenAIServer):
    message = await failure_of(fake_openai, "fake-slow", read_timeout=5, total_timeout=0.3)

    assert message == "The model took too long to answer (total timeout after 0.3 s)."


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, "The model's server answered HTTP 500 (internal error)."),
        (429, "The model's server answered HTTP 429 (too many requests)."),
        (418, "The model's server answered HTTP 418."),
    ],
)
async def test_it_reports_an_http_error_status_without_the_server_text(
    fake_openai: FakeOpenAIServer, status: int, expected: str
):
    message = await failure_of(fake_openai, f"fake-error-{status}")

    assert message == expected


async def test_it_reports_a_wrong_api_key_as_an_authentication_failure():
    with FakeOpenAIServer(api_key="sk-right") as server:
        message = await failure_of(server, "fake-echo", api_key="sk-wrong")

    assert message == "The model's server answered HTTP 401 (authentication failed)."


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("fake-malformed", "The model's stream was malformed."),
        ("fake-drop", "The connection closed before the answer finished."),
        ("fake-stream-error", "The model's server reported an error during the answer."),
        ("fake-empty", "The model returned an empty answer."),
    ],
)
async def test_it_reports_a_broken_stream(fake_openai: FakeOpenAIServer, model: str, expected: str):
    assert await failure_of(fake_openai, model) == expected


async def test_it_yields_reasoning_apart_from_the_answer(fake_openai: FakeOpenAIServer):
    provider = text_provider_for(fake_openai.provider_settings("fake-reasoning"))

    answer = await collect_answer(provider, user_says("Be brief"))

    reasoning = [event for event in answer.events if isinstance(event, ReasoningDelta)]
    assert "".join(r.text for r in reasoning) == "The user wants a short answer; I will be **brief**."
    assert answer.text.startswith('You said: "Be brief".')
    assert answer.events.index(reasoning[-1]) < answer.events.index(answer.deltas[0])


async def test_it_passes_on_an_answer_that_is_only_reasoning(fake_openai: FakeOpenAIServer):
    provider = text_provider_for(fake_openai.provider_settings("fake-reasoning-only"))

    answer = await collect_answer(provider, user_says("Hello?"))

    assert answer.text == ""
    assert any(isinstance(event, ReasoningDelta) for event in answer.events)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "thinking"])
def test_it_reads_reasoning_under_each_name_servers_use(field: str):
    chunk = {"choices": [{"delta": {field: "hmm", "content": "Hi"}, "finish_reason": None}]}
    assert _choice_content(chunk) == ("Hi", "hmm", False)


def test_it_skips_structured_reasoning_it_cannot_show():
    chunk = {"choices": [{"delta": {"reasoning": None, "reasoning_details": [{"type": "x"}]}}]}
    assert _choice_content(chunk) == ("", "", False)


async def test_it_keeps_the_text_that_arrived_before_a_broken_stream(
    fake_openai: FakeOpenAIServer,
):
    provider = text_provider_for(fake_openai.provider_settings("fake-drop"))
    events: list = []

    with pytest.raises(ProviderError):
        await collect_answer(provider, user_says("Hello?"), into=events)

    assert events == [TextDelta("Partial "), TextDelta("answer ")]


async def test_it_accepts_a_finished_answer_without_done_marker(fake_openai: FakeOpenAIServer):
    provider = text_provider_for(fake_openai.provider_settings("fake-no-done"))

    answer = await collect_answer(provider, user_says("Hello?"))

    assert answer.text == "Partial answer "
    assert answer.usage == Usage(prompt_tokens=None, completion_tokens=None)


async def test_it_accepts_a_server_that_answers_without_streaming(fake_openai: FakeOpenAIServer):
    provider = text_provider_for(fake_openai.provider_settings("fake-no-stream"))

    answer = await collect_answer(provider, user_says("Stream please"))

    assert answer.text.startswith('You said: "Stream please".')
    assert answer.usage is not None
    assert answer.usage.prompt_tokens == 2


async def test_it_reports_a_refused_connection():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = FakeOpenAIServer(port=port)  # never started: nothing listens on the port

    message = await failure_of(server, "fake-echo")

    assert message == "Could not connect to the model's server."


async def test_it_reports_a_misconfigured_endpoint(fake_openai: FakeOpenAIServer):
    message = await failure_of(fake_openai, "fake-echo", endpoint="ftp://models.example/v1")

    assert message == "The model's endpoint is misconfigured."
    assert "example" not in message


async def test_it_reports_an_api_key_that_cannot_be_sent(fake_openai: FakeOpenAIServer):
    message = await failure_of(fake_openai, "fake-echo", api_key="sk-caf\u00e9-\u20ac")

    assert message == "The model's API key contains characters that cannot be sent."


async def test_it_can_share_one_client_across_streams(fake_openai: FakeOpenAIServer):
    async with httpx.AsyncClient() as client:
        providers = [
            OpenAIChatProvider(fake_openai.provider_settings("fake-echo"), client=client)
            for _ in range(3)
        ]
        answers = await asyncio.gather(
            *(collect_answer(p, user_says(f"shared {i}")) for i, p in enumerate(providers))
        )

        assert not client.is_closed
    assert [a.text.split('"')[1] for a in answers] == ["shared 0", "shared 1", "shared 2"]


async def test_it_hangs_up_when_the_caller_stops_reading():
    with FakeOpenAIServer() as server:
        provider = text_provider_for(server.provider_settings("fake-rate:20:200"))
        stream = provider.stream_chat(user_says("Go on"))
        first = await anext(stream)
        await stream.aclose()  # type: ignore[attr-defined]

        async with asyncio.timeout(GUARD_SECONDS):
            while server.active_streams:
                await asyncio.sleep(0.02)

    assert first == TextDelta("tok0 ")
