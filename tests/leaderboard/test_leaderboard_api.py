from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from leaderboard.services import leaderboard_recompute
from tests.factories import arena_create, contender_create
from tests.leaderboard.conftest import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(cast: Cast) -> None:
    arena = arena_create(slug="text")
    best = contender_create(arena=arena, name="Best Model")
    other = contender_create(arena=arena, name="Other Model")
    cast(arena=arena, a=best, b=other, choice="a", n=20)
    cast(arena=arena, a=best, b=other, choice="b", n=5)
    cast(arena=arena, a=best, b=other, choice="a", n=7, mode="side_by_side")
    leaderboard_recompute(arena_id=arena.id)


def test_it_returns_rows_matrices_and_meta(board: None) -> None:
    data = Client().get("/api/arenas/text/leaderboard").json()
    assert [r["name"] for r in data["rows"]] == ["Best Model", "Other Model"]
    assert data["rows"][0]["lower"] < data["rows"][0]["rating"] < data["rows"][0]["upper"]
    assert data["num_votes"] == 25 and data["excluded"]["side_by_side"] == 7
    assert data["matrices"]["battle_count"][0][1] == 25
    assert "overall" in data["categories"] and data["style_control"] is False
    styled = Client().get("/api/arenas/text/leaderboard?style_control=true").json()
    assert styled["style_control"] is True and styled["method"] == "bradley_terry_style"


def test_it_answers_404_before_any_snapshot() -> None:
    arena_create(slug="fresh")
    response = Client().get("/api/arenas/fresh/leaderboard")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get("/api/arenas/missing/leaderboard").status_code == 404


def test_it_exports_csv(board: None) -> None:
    response = Client().get("/api/arenas/text/leaderboard.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "text-overall-leaderboard.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name"] for r in rows] == ["Best Model", "Other Model"]
    assert rows[0]["rank"] == "1" and int(rows[0]["votes"]) == 25
