"""Boards per annotator group: only consenting annotators, only groups large enough."""

from __future__ import annotations

import pytest
from django.test import Client

from annotators.models import Annotator
from battles.models import Arena, Contender
from leaderboard.services import leaderboard_recompute
from tests.factories import annotator_create, arena_create, contender_create
from tests.leaderboard.conftest import votes_cast

pytestmark = pytest.mark.django_db


def _people(n: int, **demographics: object) -> list[Annotator]:
    people = [annotator_create() for _ in range(n)]
    Annotator.objects.filter(id__in=[p.id for p in people]).update(**demographics)
    return people


def _votes(arena: Arena, people: list[Annotator], x: Contender, y: Contender, z: Contender,
           x_wins: bool) -> None:
    for person in people:
        first, second = (x, y) if x_wins else (y, x)
        votes_cast(arena=arena, annotator=person, a=first, b=second, choice="a", n=3)
        votes_cast(arena=arena, annotator=person, a=second, b=z, choice="a", n=1)
        votes_cast(arena=arena, annotator=person, a=first, b=z, choice="a", n=1)


def test_it_fits_consenting_groups_of_at_least_k_and_reports_disagreement() -> None:
    arena = arena_create(settings={"group_min_annotators": 5})
    x, y, z = (contender_create(arena=arena, name=n) for n in ("X", "Y", "Z"))
    french = _people(6, demographics_opt_in=True, country="FR", age_band="25-34")
    german = _people(8, demographics_opt_in=True, country="DE", age_band="25-34")
    few = _people(3, demographics_opt_in=True, country="IT")
    silent = _people(6, demographics_opt_in=False, country="ES")
    _votes(arena, french, x, y, z, x_wins=False)
    _votes(arena, german + few + silent, x, y, z, x_wins=True)
    report = leaderboard_recompute(arena_id=arena.id)
    groups = sorted(c for c in report.categories if c.startswith("group:"))
    assert groups == ["group:age:25-34", "group:country:DE", "group:country:FR"]

    body = Client().get(f"/api/arenas/{arena.slug}/leaderboard", {"group": "country:FR"}).json()
    assert body["category"] == "group:country:FR"
    assert body["num_votes"] == 6 * 5
    # Y never loses in this group, so the engine marks it unbeaten rather than ranking it;
    # its rating still sits above X's.
    ratings = {r["name"]: r["rating"] for r in body["rows"]}
    assert ratings["Y"] > ratings["X"]
    disagreement = body["disagreement"]
    assert disagreement["annotators"] == 6
    assert disagreement["p_value"] < 0.01  # the French group reverses X and Y
    low, high = disagreement["spearman_interval"]
    assert low <= disagreement["spearman"] <= high

    german_board = Client().get(f"/api/arenas/{arena.slug}/leaderboard",
                                {"group": "country:DE"}).json()
    assert german_board["disagreement"]["spearman"] > disagreement["spearman"]
    missing = Client().get(f"/api/arenas/{arena.slug}/leaderboard", {"group": "country:ES"})
    assert missing.status_code == 404


def _two_groups() -> Arena:
    arena = arena_create(settings={"group_min_annotators": 5})
    x, y, z = (contender_create(arena=arena, name=n) for n in ("X", "Y", "Z"))
    _votes(arena, _people(6, demographics_opt_in=True, country="FR"), x, y, z, x_wins=False)
    _votes(arena, _people(8, demographics_opt_in=True, country="DE"), x, y, z, x_wins=True)
    leaderboard_recompute(arena_id=arena.id)
    return arena


def test_it_shows_each_groups_disagreement_on_the_leaderboard_page() -> None:
    arena = _two_groups()
    page = Client().get(f"/a/{arena.slug}/leaderboard/").content.decode()
    assert "Annotator groups against the pooled board" in page
    section = page[page.index("group-disagreement"):]
    for group in ("country:DE", "country:FR"):
        assert f'href="?category=group%3A{group.replace(":", "%3A")}"' in section
    french = section[section.index(">country:FR<"):].split("</tr>")[0]
    assert "<td>6</td>" in french  # annotators
    assert "&lt; 0.001" in french  # the French group reverses X and Y
    assert " to " in french  # the Spearman interval


def test_it_hides_the_disagreement_section_without_group_boards() -> None:
    arena = arena_create()
    x, y = contender_create(arena=arena), contender_create(arena=arena)
    votes_cast(arena=arena, annotator=annotator_create(), a=x, b=y, choice="a", n=5)
    leaderboard_recompute(arena_id=arena.id)
    page = Client().get(f"/a/{arena.slug}/leaderboard/").content.decode()
    assert "group-disagreement" not in page


def test_it_serves_a_groups_board_as_csv() -> None:
    arena = _two_groups()
    response = Client().get(f"/api/arenas/{arena.slug}/leaderboard.csv", {"group": "country:FR"})
    assert response.status_code == 200
    assert "group-country-FR" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert len(lines) == 1 + 3 and {"X", "Y", "Z"} <= set(",".join(lines[1:]).split(","))
    missing = Client().get(f"/api/arenas/{arena.slug}/leaderboard.csv", {"group": "country:ES"})
    assert missing.status_code == 404
