"""The style-controlled board reproduces from a release: `python -m leaderboard.ranking
battles.parquet --style` gives the site's style-controlled ratings for the same votes."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from leaderboard.ranking.__main__ import main as ranking_cli
from leaderboard.selectors import leaderboard_latest
from leaderboard.services import leaderboard_recompute
from releases.models import ReleasePolicy
from releases.services import release_build, releases_root
from tests.factories import arena_create, contender_create
from tests.releases.conftest import battle_voted, person

pytestmark = pytest.mark.django_db

PLAIN = "A short answer."
STYLED = "# Heading\n\n- **one** point\n- another point\n- a third point with more words in it"


def test_the_style_board_reproduces_from_the_release(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    arena = arena_create()
    contenders = [contender_create(arena=arena, slug=s, name=s.title()) for s in ("ann", "bob", "cy")]
    policy = ReleasePolicy.objects.create(arena=arena, delay_days=7, max_per_prompt=0, k_anonymity=5)
    people = [person() for _ in range(5)]
    rng = random.Random(7)
    for k in range(90):
        a, b = rng.sample(contenders, 2)
        # "cy" answers in markdown, and the styled side tends to win: style explains part of it.
        text_a, text_b = (STYLED * (1 + k % 3) if c.slug == "cy" else PLAIN * (1 + k % 4)
                          for c in (a, b))
        styled_side = "a" if a.slug == "cy" else "b" if b.slug == "cy" else rng.choice("ab")
        choice = styled_side if rng.random() < 0.65 else rng.choice(["a", "b", "tie"])
        battle_voted(arena=arena, annotator=people[k % 5], a=a, b=b, choice=choice,
                     prompt=f"Question {k}?", answers=(text_a, text_b), days_ago=30 - k / 10)
    leaderboard_recompute(arena_id=arena.id)
    site = leaderboard_latest(arena=arena, category="overall", style_control=True)
    assert site is not None
    release = release_build(policy=policy)
    parquet = releases_root() / release.directory / "battles.parquet"

    assert ranking_cli([str(parquet), "--style", "--json", "--device", "cpu"]) == 0
    recomputed = {row["model"]: row for row in json.loads(capsys.readouterr().out)}
    name_of = {c.slug: c.name for c in contenders}
    published = {row["name"]: row for row in site.result["rows"]}
    assert {name_of[slug] for slug in recomputed} == set(published)
    for slug, row in recomputed.items():
        assert row["votes"] == published[name_of[slug]]["votes"]
        assert math.isclose(row["rating"], published[name_of[slug]]["rating"], rel_tol=1e-6), slug

    assert ranking_cli([str(parquet), "--json", "--device", "cpu"]) == 0
    plain = {row["model"]: row["rating"] for row in json.loads(capsys.readouterr().out)}
    assert not math.isclose(plain["cy"], recomputed["cy"]["rating"], rel_tol=1e-3)


def test_style_needs_the_style_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    battles = tmp_path / "battles.json"
    battles.write_text(json.dumps([{"model_a": "x", "model_b": "y", "winner": "model_a"}]))
    assert ranking_cli([str(battles), "--style"]) == 2
    assert "style_a" in capsys.readouterr().err
