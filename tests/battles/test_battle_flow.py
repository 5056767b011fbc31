"""Starting battles, matchmaking and continuing the conversation."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from battles.models import Battle, BattleMode, BattleState, ContenderStatus, Generation
from battles.services import ArenaError, battle_start, generation_finish, turn_add
from battles.services.errors import Conflict, Forbidden
from battles.services.matchmaking import pair_pick
from tests.factories import annotator_create, arena_create, battle_ready, contender_create

pytestmark = pytest.mark.django_db


def test_it_never_pairs_a_contender_with_itself_and_skips_paused_ones() -> None:
    arena = arena_create()
    active = [contender_create(arena=arena) for _ in range(3)]
    paused = contender_create(arena=arena, status=ContenderStatus.PAUSED)
    deprecated = contender_create(arena=arena, status=ContenderStatus.DEPRECATED)
    rng = random.Random(7)
    for _ in range(200):
        first, second = pair_pick(arena=arena, rng=rng)
        assert first.pk != second.pk
        assert {first.pk, second.pk} <= {c.pk for c in active}
        assert paused.pk not in (first.pk, second.pk)
        assert deprecated.pk not in (first.pk, second.pk)


def test_it_samples_by_weight_and_shuffles_sides() -> None:
    arena = arena_create()
    heavy = contender_create(arena=arena, sampling_weight=8)
    light = [contender_create(arena=arena, sampling_weight=1) for _ in range(3)]
    never = contender_create(arena=arena, sampling_weight=0)
    rng = random.Random(11)
    appearances: Counter[int] = Counter()
    heavy_on_a = 0
    for _ in range(2000):
        first, second = pair_pick(arena=arena, rng=rng)
        appearances.update([first.pk, second.pk])
        heavy_on_a += first.pk == heavy.pk
    assert appearances[never.pk] == 0
    assert appearances[heavy.pk] > 2 * max(appearances[c.pk] for c in light)
    assert 0.4 < heavy_on_a / appearances[heavy.pk] < 0.6


def test_it_needs_two_active_contenders() -> None:
    arena = arena_create()
    contender_create(arena=arena)
    with pytest.raises(ArenaError) as error:
        battle_start(arena=arena, annotator=annotator_create(), prompt="hi")
    assert error.value.code == "no_pair"
    assert not Battle.objects.exists()


def test_it_opens_a_streaming_turn_with_two_generations() -> None:
    arena = arena_create()
    contender_create(arena=arena)
    contender_create(arena=arena)
    started = battle_start(arena=arena, annotator=annotator_create(), prompt="  Hello  ")
    assert started.turn.prompt == "Hello"
    assert started.battle.state == BattleState.STREAMING
    assert {started.generation_a.side, started.generation_b.side} == {"a", "b"}


def test_it_becomes_ready_only_when_both_sides_are_done() -> None:
    arena = arena_create()
    contender_create(arena=arena)
    contender_create(arena=arena)
    started = battle_start(arena=arena, annotator=annotator_create(), prompt="Hello")
    generation_finish(generation_id=started.generation_a.id, text="A", time_to_first_token_ms=5,
                      duration_ms=10)
    assert Battle.objects.get().state == BattleState.STREAMING
    generation_finish(generation_id=started.generation_b.id, text="B", time_to_first_token_ms=5,
                      duration_ms=10)
    assert Battle.objects.get().state == BattleState.READY


def test_it_starts_side_by_side_with_the_chosen_models() -> None:
    arena = arena_create()
    first, second = contender_create(arena=arena), contender_create(arena=arena)
    started = battle_start(arena=arena, annotator=annotator_create(), prompt="Hi",
                           mode=BattleMode.SIDE_BY_SIDE, contender_a=second.slug,
                           contender_b=first.slug)
    assert (started.battle.contender_a, started.battle.contender_b) == (second, first)
    with pytest.raises(ArenaError):
        battle_start(arena=arena, annotator=annotator_create(), prompt="Hi",
                     mode=BattleMode.SIDE_BY_SIDE, contender_a=first.slug, contender_b=first.slug)
    with pytest.raises(ArenaError):
        battle_start(arena=arena, annotator=annotator_create(), prompt="Hi",
                     mode=BattleMode.SIDE_BY_SIDE, contender_a=first.slug, contender_b="ghost")


@pytest.mark.parametrize("status", [ContenderStatus.PAUSED, ContenderStatus.DEPRECATED])
def test_side_by_side_accepts_only_active_contenders_by_slug(status: str) -> None:
    """Issue #15: a paused contender could still be picked by typing its slug."""
    arena = arena_create()
    active, held = contender_create(arena=arena), contender_create(arena=arena, status=status)
    with pytest.raises(ArenaError) as error:
        battle_start(arena=arena, annotator=annotator_create(), prompt="Hi",
                     mode=BattleMode.SIDE_BY_SIDE, contender_a=active.slug,
                     contender_b=held.slug)
    assert error.value.code == "pair_unknown"
    assert not Battle.objects.exists()


def test_the_side_by_side_picker_lists_only_active_contenders() -> None:
    from tests.factories import client_for

    arena = arena_create()
    active = contender_create(arena=arena)
    contender_create(arena=arena, status=ContenderStatus.PAUSED)
    listed = client_for(None).get(f"/api/arenas/{arena.slug}/contenders").json()
    assert [item["slug"] for item in listed] == [active.slug]


def test_it_continues_only_a_finished_battle_of_the_same_annotator() -> None:
    alice, bob = annotator_create(), annotator_create()
    battle = battle_ready(annotator=alice)
    with pytest.raises(Forbidden):
        turn_add(battle_id=battle.id, annotator=bob, prompt="mine now")
    started = turn_add(battle_id=battle.id, annotator=alice, prompt="And then?")
    assert started.turn.index == 1
    with pytest.raises(Conflict) as error:
        turn_add(battle_id=battle.id, annotator=alice, prompt="too soon")
    assert error.value.code == "battle_streaming"
    assert Generation.objects.filter(turn__battle=battle).count() == 4


def test_it_caps_the_number_of_turns() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice, arena=arena_create(max_turns=1))
    with pytest.raises(ArenaError) as error:
        turn_add(battle_id=battle.id, annotator=alice, prompt="one more")
    assert error.value.code == "too_many_turns"
    assert Battle.objects.get().state == BattleState.READY
