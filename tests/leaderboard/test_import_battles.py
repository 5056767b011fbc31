from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from battles.models import Battle, BattleMode, BattleState, Contender, ContenderStatus, Turn, Vote
from leaderboard.selectors import leaderboard_latest
from leaderboard.services import leaderboard_recompute
from leaderboard.services.importing import PLACEHOLDER_PROMPT
from tests.factories import arena_create

pytestmark = pytest.mark.django_db


def _import(path: Path, slug: str = "imp") -> None:
    call_command("import_battles", str(path), "--arena", slug, "--no-recompute", "--batch-size", "7")


def test_it_imports_jsonl_with_prompts_and_is_idempotent(tmp_path: Path) -> None:
    arena = arena_create(slug="imp")
    path = tmp_path / "battles.jsonl"
    lines = [{"model_a": "big", "model_b": "small", "winner": "model_a", "prompt": f"Q{k}?"}
             for k in range(12)]
    lines += [{"model_a": "small", "model_b": "big", "winner": "tie (bothbad)"}] * 3
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    _import(path)
    _import(path)
    assert Vote.objects.count() == 15 and Battle.objects.count() == 15
    assert set(Vote.objects.values_list("choice", flat=True)) == {"a", "both_bad"}
    battle = Battle.objects.filter(vote__choice="a").first()
    assert battle is not None
    assert battle.mode == BattleMode.ANONYMOUS and battle.state == BattleState.VOTED
    prompts = set(Turn.objects.values_list("prompt", flat=True))
    assert "Q3?" in prompts and PLACEHOLDER_PROMPT in prompts
    contenders = Contender.objects.filter(arena=arena)
    assert {c.name for c in contenders} == {"big", "small"}
    assert {(c.status, c.provider_kind) for c in contenders} == {(ContenderStatus.PAUSED, "imported")}
    leaderboard_recompute(arena_id=arena.id)
    snapshot = leaderboard_latest(arena=arena)
    assert snapshot is not None and snapshot.result["rows"][0]["name"] == "big"


def test_it_imports_pair_counts_and_fastchat_json(tmp_path: Path) -> None:
    arena_create(slug="imp")
    counts = tmp_path / "pairs.json"
    counts.write_text(json.dumps({"models": ["x", "y", "z"], "X": [[0, 1], [1, 2]],
                                  "Y": [[3, 1, 1, 0], [2, 2, 0, 1]]}))
    _import(counts)
    assert Vote.objects.count() == 10
    fastchat = tmp_path / "clean_battle.json"
    fastchat.write_text(json.dumps([{"model_a": "x", "model_b": "w", "winner": "model_b"}] * 4))
    _import(fastchat)
    _import(counts)
    assert Vote.objects.count() == 14
    assert Contender.objects.count() == 4


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    (json.dumps([{"model_a": "x", "model_b": "y", "winner": "maybe"}]), "unknown winner"),
    (json.dumps([{"model_a": "x", "winner": "tie"}]), "model_b"),
    (json.dumps({"hello": 1}), "expected a list"),
])
def test_it_refuses_bad_files_cleanly(tmp_path: Path, content: str, message: str) -> None:
    arena_create(slug="imp")
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        _import(path)
    assert not Vote.objects.exists() and not Contender.objects.exists()


def test_it_refuses_a_missing_file_or_arena(tmp_path: Path) -> None:
    arena_create(slug="imp")
    with pytest.raises(CommandError, match="no such file"):
        _import(tmp_path / "nope.json")
    with pytest.raises(CommandError, match="No arena"):
        _import(tmp_path / "nope.json", slug="other")
