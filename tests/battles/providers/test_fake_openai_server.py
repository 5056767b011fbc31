"""The fake server is shared with consumer, browser and benchmark tests, so its contract is tested
too."""

import asyncio

import httpx

from battles.providers import text_provider_for
from tests.fakes.fixtures import fake_openai_fixture  # noqa: F401
from tests.fakes.openai_scenarios import MODELS
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.streams import collect_answer, user_says


async def test_it_lists_its_models(fake_openai: FakeOpenAIServer):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{fake_openai.base_url}/models")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["data"]] == list(MODELS)


async def test_it_answers_without_streaming_when_asked(fake_openai: FakeOpenAIServer):
    body = {"model": "fake-echo", "messages": [{"role": "user", "content": "plain json"}]}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_openai.base_url}/chat/completions", json=body)

    completion = response.json()
    assert completion["choices"][0]["message"]["content"].startswith('You said: "plain json"')
    assert completion["usage"]["prompt_tokens"] == 2


async def test_it_quotes_the_model_and_its_url_in_error_bodies(fake_openai: FakeOpenAIServer):
    body = {"model": "fake-error-503", "messages": [], "stream": True}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_openai.base_url}/chat/completions", json=body)

    assert response.status_code == 503
    assert "fake-error-503" in response.json()["error"]["message"]
    assert fake_openai.base_url in response.json()["error"]["message"]


async def test_it_serves_many_streams_at_once():
    with FakeOpenAIServer() as server:
        providers = [text_provider_for(server.provider_settings("fake-rate:20:8"))] * 20

        answers = await asyncio.gather(*(collect_answer(p, user_says("Go")) for p in providers))

    assert {a.text for a in answers} == {"".join(f"tok{i} " for i in range(8))}
    assert server.max_active_streams == 20
    assert len(server.requests_for("fake-rate:20:8")) == 20


def test_it_can_be_started_and_stopped_explicitly():
    server = FakeOpenAIServer().start()
    try:
        response = httpx.get(f"{server.base_url}/models")
    finally:
        server.stop()

    assert response.status_code == 200
    assert server.requests[-1].path == "/v1/models"
