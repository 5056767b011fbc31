"""Every release kind carries each turn's prompt time and each answer's latency, and the vote
time to the millisecond, beside FastChat's whole-second `tstamp`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from battles.models import Generation, Turn, Vote
from releases.models import ReleasePolicy
from releases.services import release_build, releases_root
from releases.verify import release_verify
from tests.factories import arena_create, contender_create
from tests.releases.conftest import battle_voted, person

pytestmark = pytest.mark.django_db

VOTED = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
ASKED = datetime(2026, 3, 4, 5, 5, 1, 250000, tzinfo=UTC)


def _rows(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("modality", ["text", "search", "image", "music"])
def test_it_releases_turn_times_latencies_and_the_vote_to_the_millisecond(modality: str) -> None:
    arena = arena_create(modality=modality)
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena)
    battle = battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt="Hello there")
    Turn.objects.filter(battle=battle).update(created_at=ASKED)
    left = Generation.objects.filter(turn__battle=battle, side="a")
    left.update(time_to_first_token_ms=420, duration_ms=3100)
    Vote.objects.filter(battle=battle).update(created_at=VOTED)

    directory = releases_root() / release_build(policy=policy).directory
    [row] = _rows(directory)
    assert row["vote_time"] == "2026-03-04T05:06:07.891Z"
    assert row["tstamp"] == int(VOTED.timestamp())
    assert row["prompt_times"] == ["2026-03-04T05:05:01.250Z"]
    assert (row["ttft_ms_a"], row["duration_ms_a"]) == ([420], [3100])
    assert (row["ttft_ms_b"], row["duration_ms_b"]) == ([None], [None])
    assert pq.read_table(directory / "battles.parquet").column("ttft_ms_a").to_pylist() == [[420]]
    card = (directory / "README.md").read_text()
    assert "| `vote_time` |" in card and "| `duration_ms_b` |" in card
    assert release_verify(directory) == []
