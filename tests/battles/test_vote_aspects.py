"""Votes on aspects beside the overall choice: declared by the arena, checked, stored, revealed
back, ranked on their own boards and released."""

from __future__ import annotations

import json
from typing import Any

import pytest

from battles.errors import ArenaError
from battles.models import Arena, VoteAspect
from battles.services import vote_submit
from leaderboard.models import LeaderboardSnapshot
from leaderboard.services.recompute import leaderboard_recompute
from releases.assembly import release_content
from releases.rows import Naming
from tests.factories import annotator_create, arena_create, battle_ready, client_for

pytestmark = pytest.mark.django_db

ASPECTS: list[dict[str, Any]] = [
    {"slug": "geometry", "label": "Geometry", "question": "Which shape is better?",
     "required": True},
    {"slug": "texture", "label": "Texture"},
]


def _arena(**settings: Any) -> Arena:
    return arena_create(settings={"aspects": ASPECTS, **settings})


def test_it_stores_the_aspects_and_shows_them_back() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice, arena=_arena())
    response = client_for(alice).post(
        f"/api/battles/{battle.id}/vote",
        {"choice": "a", "idempotency_key": "aspect-key-1",
         "aspects": {"geometry": "b", "texture": "tie"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["vote"]["aspects"] == {"geometry": "b", "texture": "tie"}
    stored = dict(VoteAspect.objects.values_list("aspect", "choice"))
    assert stored == {"geometry": "b", "texture": "tie"}
    detail = client_for(alice).get(f"/api/battles/{battle.id}").json()
    assert detail["vote"]["aspects"] == {"geometry": "b", "texture": "tie"}


@pytest.mark.parametrize(("aspects", "code"), [
    ({"texture": "a"}, "aspect_required"),
    ({"geometry": "a", "colour": "b"}, "aspects_invalid"),
    ({"geometry": "both_bad"}, "aspects_invalid"),
    (["geometry"], "aspects_invalid"),
])
def test_it_refuses_wrong_aspects_and_stores_nothing(aspects: object, code: str) -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice, arena=_arena())
    with pytest.raises(ArenaError) as error:
        vote_submit(battle_id=battle.id, annotator=alice, choice="a",
                    idempotency_key="aspect-key-2", aspects=aspects)
    assert error.value.code == code
    battle.refresh_from_db()
    assert battle.state == "ready" and not VoteAspect.objects.exists()


def test_an_arena_without_aspects_refuses_any() -> None:
    alice = annotator_create()
    battle = battle_ready(annotator=alice)
    with pytest.raises(ArenaError, match="does not ask about: geometry"):
        vote_submit(battle_id=battle.id, annotator=alice, choice="a",
                    idempotency_key="aspect-key-3", aspects={"geometry": "a"})


def test_the_arena_api_lists_its_aspects() -> None:
    arena = _arena()
    found = client_for(None).get(f"/api/arenas/{arena.slug}").json()
    assert [(a["slug"], a["required"]) for a in found["aspects"]] == [
        ("geometry", True), ("texture", False)]


def test_each_aspect_gets_its_own_board_and_release_column() -> None:
    arena = _arena()
    alice = annotator_create()
    for n in range(6):
        battle = battle_ready(annotator=alice, arena=arena)
        # Overall the first contender wins; on geometry the second one does.
        vote_submit(battle_id=battle.id, annotator=alice, choice="a",
                    idempotency_key=f"aspect-board-{n}", aspects={"geometry": "b"})
    leaderboard_recompute(arena_id=arena.id)
    categories = set(LeaderboardSnapshot.objects.filter(arena=arena)
                     .values_list("category", flat=True))
    assert "aspect-geometry" in categories
    assert "aspect-texture" not in categories  # nobody answered it
    board = LeaderboardSnapshot.objects.get(arena=arena, category="aspect-geometry")
    assert board.num_votes == 6 and not board.style_control

    content = release_content(battles=arena.battles.all(), kind="text",
                              naming=Naming(secret="s", scope="arena:1"),
                              max_per_prompt=0, k_anonymity=1)
    assert {json.loads(row["aspects"])["geometry"] for row in content} == {"b"}
