"""Small factories for tests: plain functions with keyword arguments and sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

from django.test import Client

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator, TermsVersion
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    Generation,
    GenerationStatus,
    Turn,
)

_counter = itertools.count(1)


def terms_publish(*, version: int = 1, body: str = "Be kind. Your votes are stored.") -> TermsVersion:
    return TermsVersion.objects.create(version=version, body=body)


def annotator_create(*, consented: bool = True) -> Annotator:
    terms = TermsVersion.objects.order_by("-version").first() or terms_publish()
    return Annotator.objects.create(consent_version=terms.version if consented else None)


def arena_create(**fields: Any) -> Arena:
    n = next(_counter)
    defaults: dict[str, Any] = {"slug": f"arena-{n}", "name": f"Arena {n}",
                                "modality": "text"}
    return Arena.objects.create(**{**defaults, **fields})


def contender_create(*, arena: Arena, **fields: Any) -> Contender:
    n = next(_counter)
    defaults: dict[str, Any] = {
        "slug": f"secret-model-{n}",
        "name": f"Secret Model {n}",
        "organisation": f"Hidden Org {n}",
        "provider_kind": "demo_text",
        "params": {"style": "concise", "token_delay": 0},
    }
    return Contender.objects.create(arena=arena, **{**defaults, **fields})


def contender_openai(*, arena: Arena, base_url: str, model: str, **fields: Any) -> Contender:
    return contender_create(
        arena=arena, provider_kind="openai_chat", endpoint=base_url, model_id=model,
        params={"read_timeout": 2, "connect_timeout": 2, "total_timeout": 10}, **fields,
    )


def battle_ready(
    *, annotator: Annotator, arena: Arena | None = None, mode: str = BattleMode.ANONYMOUS
) -> Battle:
    """A battle whose first turn finished on both sides, ready for a vote."""
    arena = arena or arena_create()
    first = contender_create(arena=arena)
    second = contender_create(arena=arena)
    battle = Battle.objects.create(
        arena=arena, annotator=annotator, mode=mode, contender_a=first, contender_b=second,
        state=BattleState.READY,
    )
    turn = Turn.objects.create(battle=battle, index=0, prompt="Hello?")
    for side in ("a", "b"):
        Generation.objects.create(
            turn=turn, side=side, text=f"Answer {side}", status=GenerationStatus.DONE
        )
    return battle


def client_for(annotator: Annotator | None, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    if annotator is not None:
        client.cookies["arena_annotator"] = annotator_cookie_value(annotator.id)
    return client
