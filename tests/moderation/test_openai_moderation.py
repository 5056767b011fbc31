"""The OpenAI-compatible moderation provider against a real local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moderation.filters import ContentFilter, filter_check_many, filters_build
from tests.fakes.moderation_server import FakeModerationServer


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModerationServer]:
    with FakeModerationServer() as running:
        yield running


def _filter(server: FakeModerationServer, **options: object) -> ContentFilter:
    config = {"kind": "openai_moderation", "endpoint": server.base_url, **options}
    return filters_build([config])[0].filter


def test_it_flags_what_the_server_flags(server: FakeModerationServer) -> None:
    findings = _filter(server, model="omni-moderation-latest").check("plan an attack")
    assert [f.reason for f in findings] == ["unsafe"]
    assert "violence" in findings[0].detail
    headers, body = server.requests[-1]
    assert body == {"input": "plan an attack", "model": "omni-moderation-latest"}


def test_it_passes_clean_text(server: FakeModerationServer) -> None:
    assert _filter(server).check("a recipe for bread") == []


def test_it_sends_the_key_from_the_named_environment_variable(
    server: FakeModerationServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOD_KEY_FOR_TEST", "sk-test-123")
    _filter(server, api_key_env="MOD_KEY_FOR_TEST").check("hello")
    headers, _ = server.requests[-1]
    assert headers["Authorization"] == "Bearer sk-test-123"


def test_it_counts_only_the_chosen_categories(server: FakeModerationServer) -> None:
    only_harassment = _filter(server, categories=["harassment"])
    assert only_harassment.check("plan an attack") == []
    assert only_harassment.check("an insult")[0].reason == "unsafe"


def test_a_failing_server_lets_text_through_unless_told_to_block(
    server: FakeModerationServer,
) -> None:
    assert _filter(server).check("boom") == []
    blocked = _filter(server, on_error="block").check("boom")
    assert [f.reason for f in blocked] == ["moderation_unavailable"]
    assert _filter(server, timeout=0.3, on_error="block").check("slow")[0].reason == (
        "moderation_unavailable"
    )


def test_an_unreachable_server_counts_as_failing() -> None:
    config = {"kind": "openai_moderation", "endpoint": "http://127.0.0.1:9/v1",
              "on_error": "block", "timeout": 1}
    assert filters_build([config])[0].filter.check("x")[0].reason == "moderation_unavailable"


def test_many_texts_go_in_batches_with_one_result_each(server: FakeModerationServer) -> None:
    before = len(server.requests)
    texts = ["bread", "plan an attack", "an insult", "cake", "soup"]
    found = filter_check_many(_filter(server, batch=2), texts)
    assert [[f.detail for f in findings] for findings in found] == [
        [], ["it was flagged as unsafe (violence)"], ["it was flagged as unsafe (harassment)"],
        [], []]
    assert [body["input"] for _, body in server.requests[before:]] == [
        ["bread", "plan an attack"], ["an insult", "cake"], "soup"]


def test_a_batch_the_server_fails_counts_as_on_error_says(server: FakeModerationServer) -> None:
    found = filter_check_many(_filter(server, batch=2, on_error="block"), ["boom", "bread", "cake"])
    assert [[f.reason for f in findings] for findings in found] == [
        ["moderation_unavailable"], ["moderation_unavailable"], []]
    assert filter_check_many(_filter(server, batch=2), ["boom", "bread"]) == [[], []]
