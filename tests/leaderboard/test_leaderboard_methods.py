"""An arena publishes several ranking methods; the API and the page let a reader switch."""

from __future__ import annotations

import pytest
from django.test import Client
from pydantic import ValidationError

from battles.modalities.base import ArenaSettings
from battles.models import Arena
from leaderboard.models import LeaderboardSnapshot
from leaderboard.services import leaderboard_recompute
from tests.factories import arena_create, contender_create
from tests.leaderboard.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(cast: Cast) -> None:
    arena = arena_create(slug="multi", settings={"methods": ["bradley_terry", "plackett_luce", "online_elo"]})
    best = contender_create(arena=arena, name="Best Model")
    other = contender_create(arena=arena, name="Other Model")
    third = contender_create(arena=arena, name="Third Model")
    cast(arena=arena, a=best, b=other, choice="a", n=12)
    cast(arena=arena, a=best, b=other, choice="b", n=4)
    cast(arena=arena, a=other, b=third, choice="a", n=8)
    cast(arena=arena, a=third, b=best, choice="a", n=3)
    cast(arena=arena, a=third, b=other, choice="a", n=3)
    cast(arena=arena, a=third, b=best, choice="b", n=6)
    newcomer = contender_create(arena=arena, name="Newcomer")
    cast(arena=arena, a=newcomer, b=best, choice="a", n=1)
    cast(arena=arena, a=newcomer, b=best, choice="b", n=1)
    leaderboard_recompute(arena_id=arena.id)


def test_it_stores_one_snapshot_per_published_method(board: None) -> None:
    methods = set(LeaderboardSnapshot.objects.filter(category="overall").values_list("method", flat=True))
    assert methods == {"bradley_terry", "plackett_luce", "online_elo", "bradley_terry_style"}


def test_the_api_switches_method_and_defaults_to_the_first(board: None) -> None:
    plain = Client().get("/api/arenas/multi/leaderboard").json()
    assert plain["method"] == "bradley_terry" and plain["methods"][0] == "bradley_terry"
    assert plain["convergence"]["converged"] is True
    pl = Client().get("/api/arenas/multi/leaderboard?method=plackett_luce").json()
    assert pl["method"] == "plackett_luce"
    # Pairwise votes are rankings of two: Plackett-Luce gives Bradley-Terry's ratings.
    assert [r["rating"] for r in pl["rows"]] == pytest.approx([r["rating"] for r in plain["rows"]], rel=1e-6)
    elo = Client().get("/api/arenas/multi/leaderboard.csv?method=online_elo")
    assert elo.status_code == 200 and "online_elo" in elo["Content-Disposition"]


def test_an_unknown_method_is_a_400_and_an_unpublished_one_a_404(board: None) -> None:
    response = Client().get("/api/arenas/multi/leaderboard?method=elo_magic")
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_method" and "bradley_terry" in response.json()["message"]
    arena_create(slug="plain")
    response = Client().get("/api/arenas/plain/leaderboard?method=online_elo")
    assert response.status_code == 404 and response.json()["code"] == "method_unavailable"
    schema = Client().get("/api/schema").json()
    board_schema = schema["paths"]["/api/arenas/{slug}/leaderboard"]["get"]
    assert "400" in board_schema["responses"]
    assert any(p["name"] == "method" for p in board_schema["parameters"])


def test_the_page_offers_a_method_switch(board: None) -> None:
    page = Client().get("/a/multi/leaderboard/?method=online_elo").content.decode()
    assert 'name="method"' in page and "Online Elo" in page and "no intervals" in page


def test_settings_refuse_an_unknown_method() -> None:
    with pytest.raises(ValidationError, match="unknown ranking method"):
        ArenaSettings(methods=["elo_magic"])
    with pytest.raises(ValidationError):
        ArenaSettings(methods=["bradley_terry_style"])
    assert ArenaSettings().methods == ["bradley_terry"]


def test_a_contender_the_votes_cannot_place_is_marked_not_ranked(board: None) -> None:
    rows = {r["name"]: r for r in Client().get("/api/arenas/multi/leaderboard").json()["rows"]}
    assert rows["Newcomer"]["rank"] is None and rows["Newcomer"]["flags"] == ["few_votes"]
    assert rows["Best Model"]["rank"] is not None and rows["Best Model"]["flags"] == []
    page = Client().get("/a/multi/leaderboard/").content.decode()
    assert "not ranked" in page and "Not ranked, too few votes: Newcomer" in page
    csv_text = Client().get("/api/arenas/multi/leaderboard.csv").content.decode()
    assert "few_votes" in csv_text


def test_the_arena_sets_how_many_votes_a_rank_needs(board: None) -> None:
    """Newcomer has 2 votes: unranked under the default of 10, ranked (and provisional) once
    the arena lowers the threshold; the thresholds cannot contradict each other."""
    arena = Arena.objects.get(slug="multi")
    arena.settings = {**arena.settings, "unranked_below_votes": 2, "provisional_votes": 30}
    arena.save(update_fields=["settings"])
    leaderboard_recompute(arena_id=arena.id)
    rows = {r["name"]: r for r in Client().get("/api/arenas/multi/leaderboard").json()["rows"]}
    assert rows["Newcomer"]["rank"] is not None and rows["Newcomer"]["flags"] == []
    assert rows["Newcomer"]["provisional"] is True
    with pytest.raises(ValidationError, match="provisional_votes must be at least"):
        ArenaSettings(unranked_below_votes=40, provisional_votes=30)
