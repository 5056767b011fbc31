"""Two consecutive releases of one arena: the linkage policy the card states holds, and a
private model cannot be picked out of a release with the site's leaderboard."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from leaderboard.ranking import rank_battles
from leaderboard.ranking.battles import BattleSet
from releases.services import release_build
from tests.releases.conftest import World, battle_voted

pytestmark = pytest.mark.django_db


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]


def _consecutive(world: World) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    first = release_build(policy=world.policy, now=timezone.now() - timedelta(days=10))
    # After the first cutoff: more of a capped prompt, and new battles by the same people.
    for k in range(3):
        battle_voted(arena=world.arena, annotator=world.people[k], a=world.beta, b=world.alpha,
                     prompt="what is 2+2?", days_ago=12)
        battle_voted(arena=world.arena, annotator=world.people[k], a=world.alpha, b=world.beta,
                     prompt=f"A later question {k}", days_ago=11)
    second = release_build(policy=world.policy)
    card = (world.directory(second) / "README.md").read_text()
    return _rows(world.directory(first)), _rows(world.directory(second)), card


def test_a_later_release_contains_every_row_of_the_earlier_one_under_the_same_ids(world: World) -> None:
    first, second, card = _consecutive(world)
    later = {row["question_id"]: row for row in second}
    assert len(second) == len(first) + 3  # the three new questions; the capped prompt stays at 2
    for row in first:
        assert later[row["question_id"]] == row
    assert "stable across this arena's releases" in card
    assert "new in every release" not in card


def test_pseudonyms_link_across_releases_exactly_as_documented(world: World) -> None:
    first, second, _card = _consecutive(world)
    judges_by_content: dict[tuple[Any, ...], str] = {}
    for row in first:
        judges_by_content[(row["tstamp"], row["model_a"], row["winner"],
                           json.dumps(row["conversation_a"]))] = row["judge"]
    for row in second:
        key = (row["tstamp"], row["model_a"], row["winner"], json.dumps(row["conversation_a"]))
        if key in judges_by_content:
            assert judges_by_content[key] == row["judge"]  # the join finds nothing new


def _site_leaderboard(world: World) -> dict[str, float]:
    """What the public sees: every model under its name, rated on every valid vote."""
    from battles.models import Battle

    battles = Battle.objects.filter(arena=world.arena, vote__is_valid=True).select_related(
        "contender_a", "contender_b", "vote")
    winners = {"a": "model_a", "b": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
    data = BattleSet.from_columns([b.contender_a.slug for b in battles],
                                  [b.contender_b.slug for b in battles],
                                  [winners[b.vote.choice] for b in battles])
    board = rank_battles(data, ci="sandwich", device="cpu").to_dict()
    return {row["model"]: row["rating"] for row in board["rows"]}


def test_the_elimination_attack_on_a_private_model_finds_nothing(world: World) -> None:
    _first, second, card = _consecutive(world)
    site = _site_leaderboard(world)
    assert "stealth-model" in site  # the private model is rated publicly under its name
    released = {row["model_a"] for row in second} | {row["model_b"] for row in second}
    # The attack: a released model that is not on the site's board must be one the site shows
    # under a name the release lacks; pair them up by rating.
    unnamed = released - site.keys()
    candidates = site.keys() - released
    assert unnamed == set()  # nothing to pair up: no placeholder exists to be identified
    assert candidates == {"stealth-model"}
    assert all("stealth" not in json.dumps(row).lower() for row in second)
    assert "withheld, not aliased" in card
