"""Helpers for leaderboard tests: voted battles written straight to the database."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence

import pytest

from annotators.models import Annotator
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    Generation,
    GenerationStatus,
    Turn,
    Vote,
)
from tests.factories import annotator_create

Cast = Callable[..., list[Vote]]
_keys = itertools.count(1)


def votes_cast(
    *,
    arena: Arena,
    annotator: Annotator,
    a: Contender,
    b: Contender,
    choice: str,
    n: int = 1,
    mode: str = BattleMode.ANONYMOUS,
    is_valid: bool = True,
    prompts: Sequence[str] = ("Hello?",),
    answers: tuple[str, str] = ("Answer a", "Answer b"),
) -> list[Vote]:
    """`n` voted battles of a against b, each with one turn per prompt and both answers."""
    battles, turns, generations, votes = [], [], [], []
    for _ in range(n):
        battle = Battle(id=uuid.uuid4(), arena=arena, annotator=annotator, mode=mode,
                        contender_a=a, contender_b=b, state=BattleState.VOTED)
        battles.append(battle)
        for index, prompt in enumerate(prompts):
            turn = Turn(battle=battle, index=index, prompt=prompt)
            turns.append(turn)
            for side, text in zip("ab", answers, strict=True):
                generations.append(Generation(turn=turn, side=side, text=text,
                                              status=GenerationStatus.DONE))
        votes.append(Vote(battle=battle, annotator=annotator, choice=choice,
                          idempotency_key=f"test-vote-{next(_keys):08d}", is_valid=is_valid))
    Battle.objects.bulk_create(battles)
    Turn.objects.bulk_create(turns)
    Generation.objects.bulk_create(generations)
    return Vote.objects.bulk_create(votes)


@pytest.fixture
def cast() -> Cast:
    annotator = annotator_create()

    def _cast(**kwargs: object) -> list[Vote]:
        kwargs.setdefault("annotator", annotator)
        return votes_cast(**kwargs)  # type: ignore[arg-type]

    return _cast
