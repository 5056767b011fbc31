"""A reasoning model's thinking is kept; annotators see it only where the arena says so."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from annotators.models import Annotator
from battles.models import Arena, Battle, Generation, GenerationStatus
from battles.sides.failures import REASONING_ONLY
from tests.factories import annotator_create, arena_create, client_for, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ops.ws import battle_run, db

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


def _arena(base_url: str, model: str, **settings: Any) -> str:
    arena = arena_create(settings=settings)
    contender_openai(arena=arena, base_url=base_url, model="fake-echo", slug="echo")
    contender_openai(arena=arena, base_url=base_url, model=model, slug="thinker",
                     name="Thinker Model")
    return arena.slug


def _start(slug: str) -> dict[str, Any]:
    """Anonymous, so the test can check no identity reaches the page before the vote."""
    return {"arena": slug, "prompt": "Be brief"}


def _thinker_side(battle_id: str) -> str:
    battle = Battle.objects.select_related("contender_a").get(id=battle_id)
    return "a" if battle.contender_a.slug == "thinker" else "b"


def _generation(battle_id: str) -> Generation:
    return Generation.objects.get(turn__battle_id=battle_id, side=_thinker_side(battle_id))


def _done(messages: list[dict[str, Any]], side: str) -> dict[str, Any]:
    return next(m for m in messages if m["type"] == "side_done" and m["side"] == side)


async def test_it_stores_reasoning_and_hides_it_by_default(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    slug = await db(lambda: _arena(fake_openai.base_url, "fake-reasoning"))
    messages = await battle_run(alice, _start(slug))
    battle_id = messages[0]["battle_id"]

    assert messages[-1]["can_vote"] is True
    assert "reasoning" not in json.dumps(messages)
    assert "short answer" not in json.dumps(messages)
    stored = await db(lambda: _generation(battle_id))
    assert stored.reasoning == "The user wants a short answer; I will be **brief**."
    assert stored.text and "short answer" not in stored.text
    detail = await db(lambda: client_for(alice).get(f"/api/battles/{battle_id}").json())
    assert "reasoning_html" not in json.dumps(detail)


async def test_it_shows_reasoning_sanitized_where_the_arena_says_so(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    slug = await db(lambda: _arena(fake_openai.base_url, "fake-reasoning", show_reasoning=True))
    messages = await battle_run(alice, _start(slug))
    battle_id = messages[0]["battle_id"]

    thinker = await db(lambda: _thinker_side(battle_id))
    other = "b" if thinker == "a" else "a"
    done = _done(messages, thinker)
    assert "<strong>brief</strong>" in done["reasoning_html"]
    assert done["html"] and "reasoning_html" not in _done(messages, other)
    detail = await db(lambda: client_for(alice).get(f"/api/battles/{battle_id}").json())
    assert detail["turns"][0][thinker]["reasoning_html"] == done["reasoning_html"]
    assert "reasoning_html" not in detail["turns"][0][other]
    assert "thinker" not in (json.dumps(messages) + json.dumps(detail)).lower()


async def test_it_fails_a_reasoning_only_answer_where_reasoning_is_hidden(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    slug = await db(lambda: _arena(fake_openai.base_url, "fake-reasoning-only"))
    messages = await battle_run(alice, _start(slug))

    thinker = await db(lambda: _thinker_side(messages[0]["battle_id"]))
    failed = [m for m in messages if m["type"] == "side_failed"]
    assert [(m["side"], m["error"]) for m in failed] == [(thinker, REASONING_ONLY)]
    assert messages[-1]["can_vote"] is False
    stored = await db(lambda: _generation(messages[0]["battle_id"]))
    assert stored.status == GenerationStatus.FAILED
    assert stored.reasoning.startswith("The user wants")


async def test_it_keeps_a_reasoning_only_answer_where_reasoning_is_shown(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    slug = await db(lambda: _arena(fake_openai.base_url, "fake-reasoning-only",
                                   show_reasoning=True))
    messages = await battle_run(alice, _start(slug))

    thinker = await db(lambda: _thinker_side(messages[0]["battle_id"]))
    assert "<strong>brief</strong>" in _done(messages, thinker)["reasoning_html"]
    assert messages[-1]["can_vote"] is True


def test_it_refuses_a_show_reasoning_that_is_not_a_boolean() -> None:
    with pytest.raises(ValidationError):
        Arena(slug="x", name="X", settings={"show_reasoning": "yes"}).full_clean()
