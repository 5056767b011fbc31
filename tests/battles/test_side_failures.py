"""A side that cannot be stored, or fails for any reason, still ends cleanly and is logged.

Driven over the real consumer against the fake OpenAI server (real sockets, real PostgreSQL),
since the defect these pin down (issue #15) showed only there: a `\\u0000` token made the save
raise after the stream, the turn never ended and nothing was logged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import DataError

from annotators.models import Annotator
from battles.models import Battle, BattleState, Generation, GenerationStatus
from battles.services import battle_start, generation_finish
from battles.sides.failures import NOT_STORED
from ops.provider_health import outcomes_recent
from tests.factories import annotator_create, arena_create, contender_create, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ops.ws import battle_run, db

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _arena(base_url: str, *models: str) -> tuple[str, list[int]]:
    arena = arena_create()
    ids = [contender_openai(arena=arena, base_url=base_url, model=model, slug=model).id
           for model in models]
    return arena.slug, ids


def _side_by_side(slug: str, a: str, b: str) -> dict[str, Any]:
    return {"arena": slug, "prompt": "Say something", "mode": "side_by_side",
            "contender_a": a, "contender_b": b}


async def test_it_keeps_an_answer_with_a_nul_and_opens_the_vote(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    slug, ids = await db(lambda: _arena(fake_openai.base_url, "fake-echo", "fake-nul"))
    messages = await battle_run(alice, _side_by_side(slug, "fake-echo", "fake-nul"))

    assert messages[-1]["type"] == "turn_done"
    assert messages[-1]["can_vote"] is True
    assert {m["side"] for m in messages if m["type"] == "side_done"} == {"a", "b"}
    battle = await db(lambda: Battle.objects.get(id=messages[0]["battle_id"]))
    assert battle.state == BattleState.READY
    stored = await db(lambda: Generation.objects.get(turn__battle=battle, side="b"))
    assert stored.status == GenerationStatus.DONE
    assert stored.text == "Before \ufffd after."
    assert await db(lambda: [outcomes_recent(i) for i in ids]) == [[False], [False]]


async def test_it_fails_a_side_it_cannot_store_without_blaming_the_contender(
    alice: Annotator, fake_openai: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise DataError("forced: the database refused the answer")

    monkeypatch.setattr("battles.modalities.text.generation_finish", refuse)
    slug, ids = await db(lambda: _arena(fake_openai.base_url, "fake-echo", "fake-slow"))
    with caplog.at_level(logging.WARNING, logger="battles.sides"):
        messages = await battle_run(alice, _side_by_side(slug, "fake-echo", "fake-slow"))

    failed = [m for m in messages if m["type"] == "side_failed"]
    assert [m["error"] for m in failed] == [NOT_STORED, NOT_STORED]
    assert messages[-1]["type"] == "turn_done"
    assert messages[-1]["can_vote"] is False
    assert "forced" not in json.dumps(messages)
    battle = await db(lambda: Battle.objects.get(id=messages[0]["battle_id"]))
    assert battle.state == BattleState.FAILED
    assert await db(lambda: [outcomes_recent(i) for i in ids]) == [[], []]
    records = [r for r in caplog.records if getattr(r, "event", "") == "side_failed"]
    assert {r.kind for r in records} == {"storage"}  # type: ignore[attr-defined]
    assert all(r.exc_info and "forced" in r.reason for r in records)  # type: ignore[attr-defined]


async def test_it_logs_why_a_side_failed_for_the_server_only(
    alice: Annotator, fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    slug, _ = await db(lambda: _arena(fake_openai.base_url, "fake-echo", "fake-error-500"))
    with caplog.at_level(logging.WARNING, logger="battles.sides"):
        messages = await battle_run(alice, _side_by_side(slug, "fake-echo", "fake-error-500"))

    record = next(r for r in caplog.records if getattr(r, "event", "") == "side_failed")
    generation = await db(lambda: Generation.objects.get(turn__battle_id=messages[0]["battle_id"],
                                                         side="b"))
    assert record.levelno == logging.WARNING
    assert (record.battle, record.generation, record.side) == (  # type: ignore[attr-defined]
        messages[0]["battle_id"], generation.id, "b")
    assert (record.contender, record.kind) == ("fake-error-500", "error")  # type: ignore[attr-defined]
    assert "HTTP 500" in record.reason  # type: ignore[attr-defined]
    assert record.exc_info is None  # a provider error is expected, not a crash


async def test_it_fails_a_search_side_it_cannot_store(
    alice: Annotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise DataError("forced")

    def setup() -> tuple[str, list[int]]:
        arena = arena_create(modality="search")
        ids = [contender_create(arena=arena, provider_kind="demo_search",
                                params={"style": "brief", "token_delay": 0}).id
               for _ in range(2)]
        return arena.slug, ids

    monkeypatch.setattr("battles.modalities.search.generation_finish_with_trace", refuse)
    slug, ids = await db(setup)
    messages = await battle_run(alice, {"arena": slug, "prompt": "Why is the sky blue?"})

    assert [m["error"] for m in messages if m["type"] == "side_failed"] == [NOT_STORED] * 2
    assert messages[-1]["type"] == "turn_done" and messages[-1]["can_vote"] is False
    assert await db(lambda: [outcomes_recent(i) for i in ids]) == [[], []]


def test_it_stores_what_postgresql_would_refuse() -> None:
    annotator = annotator_create()
    arena = arena_create()
    for _ in range(2):
        contender_create(arena=arena)
    started = battle_start(annotator=annotator, arena=arena, prompt="Hi")
    generation_finish(
        generation_id=started.generation_a.id, text="a\x00b\ud800c", reasoning="r\x00",
        trace={"raw\x00": ["x\x00", {"y": "\udfff"}]}, time_to_first_token_ms=1, duration_ms=2,
    )
    stored = Generation.objects.get(id=started.generation_a.id)
    assert (stored.text, stored.reasoning) == ("a\ufffdb\ufffdc", "r\ufffd")
    assert stored.trace == {"raw\ufffd": ["x\ufffd", {"y": "\ufffd"}]}
