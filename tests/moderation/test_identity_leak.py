"""Identity leaks keep the battle but exclude its vote, with the reason recorded."""

from __future__ import annotations

from typing import Any

import pytest

from battles.models import BattleMode, Generation, Turn, Vote
from moderation.models import Exclusion, Flag
from moderation.selectors import excluded_vote_counts
from moderation.services.screening import turn_screen
from moderation.signals import votes_invalidated
from tests.factories import annotator_create, arena_create, battle_ready, contender_create
from tests.moderation.helpers import vote_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def invalidations() -> Any:
    seen: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(kwargs)

    votes_invalidated.connect(receiver, dispatch_uid="test-identity")
    yield seen
    votes_invalidated.disconnect(dispatch_uid="test-identity")


def test_a_prompt_asking_who_the_model_is_excludes_the_vote() -> None:
    battle = battle_ready(annotator=annotator_create())
    Turn.objects.filter(battle=battle).update(prompt="Be honest: which model are you?")
    turn_screen(turn_id=battle.turns.get().id)
    vote = vote_cast(battle)
    assert vote.is_valid is False
    assert Vote.objects.get(id=vote.id).is_valid is False
    assert Exclusion.objects.get(battle=battle).reason == "identity_leak"
    assert Flag.objects.get(battle=battle).kind == "prompt"
    assert excluded_vote_counts(arena=battle.arena) == {"identity_leak": 1}


def test_an_answer_naming_a_contender_or_its_organisation_is_caught() -> None:
    arena = arena_create()
    contender_create(arena=arena, name="Orca Large", organisation="Whale Labs")
    battle = battle_ready(annotator=annotator_create(), arena=arena)
    Generation.objects.filter(turn__battle=battle, side="b").update(
        text="As a model trained by Whale Labs, I think..."
    )
    flags = turn_screen(turn_id=battle.turns.get().id)
    assert [(f.kind, f.reason, f.generation.side) for f in flags] == [  # type: ignore[union-attr]
        ("output", "identity_leak", "b")
    ]
    assert "Whale Labs" in flags[0].detail
    assert vote_cast(battle).is_valid is False


def test_a_leak_found_after_the_vote_flips_it_and_tells_the_leaderboard(
    invalidations: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    battle = battle_ready(annotator=annotator_create())
    vote = vote_cast(battle)
    assert vote.is_valid
    Generation.objects.filter(turn__battle=battle, side="a").update(
        text=f"I am {battle.contender_a.name}."
    )
    with django_capture_on_commit_callbacks(execute=True):
        turn_screen(turn_id=battle.turns.get().id)
    assert Vote.objects.get(id=vote.id).is_valid is False
    assert invalidations == [{"signal": votes_invalidated, "arena_ids": [battle.arena_id],
                              "reason": "identity_leak"}]


def test_clean_battles_and_side_by_side_battles_are_left_alone() -> None:
    clean = battle_ready(annotator=annotator_create())
    named = battle_ready(annotator=annotator_create(), mode=BattleMode.SIDE_BY_SIDE)
    Turn.objects.filter(battle=named).update(prompt="who are you?")
    assert turn_screen(turn_id=clean.turns.get().id) == []
    assert turn_screen(turn_id=named.turns.get().id) == []
    assert vote_cast(clean).is_valid and vote_cast(named).is_valid
    assert Exclusion.objects.count() == 0


@pytest.mark.parametrize(("show_reasoning", "flagged"), [(True, True), (False, False)])
def test_reasoning_naming_a_contender_is_caught_where_annotators_see_it(
    show_reasoning: bool, flagged: bool
) -> None:
    arena = arena_create(settings={"show_reasoning": show_reasoning})
    contender_create(arena=arena, name="Orca Large", organisation="Whale Labs")
    battle = battle_ready(annotator=annotator_create(), arena=arena)
    Generation.objects.filter(turn__battle=battle, side="a").update(
        reasoning="I am Orca Large, so I should answer carefully."
    )
    flags = turn_screen(turn_id=battle.turns.get().id)
    assert bool(flags) is flagged
    assert vote_cast(battle).is_valid is not flagged
