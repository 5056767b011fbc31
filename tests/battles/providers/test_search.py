"""Search providers against real local servers (SearxNG-shaped search + OpenAI-compatible chat,
and a natively citing service), and the offline BM25 demo."""

from __future__ import annotations

from typing import Any

import pytest

from battles.citations import citations_standardize
from battles.providers import ChatMessage, ProviderError, ProviderSettings, TextDelta
from battles.providers.media_base import SearchQuery, SearchResults, SourcesCited
from battles.providers.registry import search_provider_for
from battles.providers.search_demo import NOTHING_FOUND, SEARCH_STYLES
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer


async def _run(settings: ProviderSettings, prompt: str = "Why are there tides?") -> list[Any]:
    provider = search_provider_for(settings)
    messages = [ChatMessage(role="user", content=prompt)]
    return [event async for event in provider.stream_search_chat(messages)]


def _text(events: list[Any]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def _chat(server: FakeMediaServer, **params: Any) -> ProviderSettings:
    return ProviderSettings(kind="search_chat", endpoint=server.base_url + "/v1",
                            model_id="fake-search-chat",
                            params={"search_url": server.base_url + "/searx", **params},
                            read_timeout=3, total_timeout=10)


async def test_search_chat_searches_then_answers_from_numbered_sources(
    fake_media: FakeMediaServer,
) -> None:
    events = await _run(_chat(fake_media, num_results=2), prompt="tides unique-q1")
    assert events[0] == SearchQuery("tides unique-q1")
    results = next(e for e in events if isinstance(e, SearchResults))
    assert len(results.hits) == 2
    search = next(r for r in fake_media.requests_to("/searx/search")
                  if r.query["q"] == ["tides unique-q1"])
    assert search.query["format"] == ["json"]
    chat = fake_media.requests_to("/v1/chat/completions")[-1].json
    assert "[1] Tide - Wikipedia" in chat["messages"][0]["content"]
    text, cited = citations_standardize(_text(events),
                                        next(e for e in events if isinstance(e, SourcesCited)).sources)
    assert "[1]" in text and len(cited) == 2


async def test_search_chat_reports_a_broken_search_backend(fake_media: FakeMediaServer) -> None:
    with pytest.raises(ProviderError, match="search backend answered HTTP 500"):
        await _run(_chat(fake_media), prompt="explode please")


def test_search_chat_needs_a_search_url() -> None:
    with pytest.raises(ValueError, match="search_url"):
        search_provider_for(ProviderSettings(kind="search_chat"))


async def test_native_search_maps_its_citations(fake_media: FakeMediaServer) -> None:
    settings = ProviderSettings(kind="search_native", endpoint=fake_media.base_url + "/native",
                                model_id="fake-native", api_key="pplx")
    events = await _run(settings)
    sources = next(e for e in events if isinstance(e, SourcesCited)).sources
    assert sources[1].title == "What are tides?"
    text, cited = citations_standardize(_text(events), sources)
    assert "【" not in text and text.count("[1]") == 2
    assert "wind" in text and "[2]" not in text  # marker 7 points nowhere: dropped
    assert fake_media.requests_to("/native/chat/completions")[-1].headers["authorization"] == \
        "Bearer pplx"


async def test_native_search_reports_http_errors(fake_media: FakeMediaServer) -> None:
    settings = ProviderSettings(kind="search_native", endpoint=fake_media.base_url + "/native",
                                model_id="fake-native-error-500")
    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        await _run(settings)
    assert "fake-native" not in str(caught.value)


@pytest.mark.parametrize("style", SEARCH_STYLES)
async def test_the_demo_answers_in_every_style(style: str) -> None:
    settings = ProviderSettings(kind="demo_search", params={"style": style, "token_delay": 0})
    events = await _run(settings, prompt="How long is a day on Mars?")
    sources = next(e for e in events if isinstance(e, SourcesCited)).sources
    text, cited = citations_standardize(_text(events), sources)
    if style == "uncited":
        assert not cited
    else:
        assert any("mars.nasa.gov" in s["url"] for s in cited)
        assert "[1]" in text


async def test_the_demo_quality_levels_differ() -> None:
    counts = {}
    for style in ("thorough", "brief", "overciter"):
        settings = ProviderSettings(kind="demo_search", params={"style": style, "token_delay": 0})
        events = await _run(settings, prompt="Why do bees swarm?")
        sources = next(e for e in events if isinstance(e, SourcesCited)).sources
        counts[style] = len(citations_standardize(_text(events), sources)[1])
    assert counts["brief"] == 1 < counts["thorough"] <= counts["overciter"]


async def test_the_demo_says_when_it_found_nothing() -> None:
    settings = ProviderSettings(kind="demo_search", params={"token_delay": 0})
    assert _text(await _run(settings, prompt="xyzzy plugh")) == NOTHING_FOUND
