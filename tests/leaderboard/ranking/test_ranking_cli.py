"""``python -m leaderboard.ranking FILE`` on every supported format, and on bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from leaderboard.ranking.__main__ import main

REPO = Path(__file__).resolve().parents[3]
VOTES = [
    {"model_a": "alpha", "model_b": "beta", "winner": "model_a"},
    {"model_a": "beta", "model_b": "gamma", "winner": "model_a"},
    {"model_a": "alpha", "model_b": "gamma", "winner": "tie"},
    {"model_a": "gamma", "model_b": "alpha", "winner": "model_b"},
    {"model_a": "beta", "model_b": "alpha", "winner": "tie (bothbad)"},
    {"model_a": "gamma", "model_b": "beta", "winner": "model_a"},
] * 5


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_it_ranks_clean_battle_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clean_battle.json"
    path.write_text(json.dumps(VOTES))
    rows = run_json(capsys, str(path))
    assert [r["model"] for r in rows] == ["alpha", "beta", "gamma"]
    assert {"model", "rating", "lower", "upper", "rank", "votes"} <= rows[0].keys()
    assert sum(int(r["votes"]) for r in rows) == 2 * len(VOTES)  # type: ignore[call-overload]


def test_it_ranks_jsonl_with_our_spelling(tmp_path: Path, capsys) -> None:
    ours = {"model_a": "a", "model_b": "b", "tie": "tie", "tie (bothbad)": "both_bad"}
    path = tmp_path / "battles.jsonl"
    path.write_text("\n".join(json.dumps({**v, "winner": ours[v["winner"]]}) for v in VOTES))
    reference = tmp_path / "clean.json"
    reference.write_text(json.dumps(VOTES))
    assert run_json(capsys, str(path)) == run_json(capsys, str(reference))


def test_it_ranks_pair_counts_with_options(tmp_path: Path, capsys) -> None:
    path = tmp_path / "pairs.json"
    path.write_text(
        json.dumps(
            {
                "models": ["p", "q", "r"],
                "X": [[0, 1], [1, 2], [0, 2]],
                "Y": [[30, 10, 5, 5], [20, 20, 0, 10], [25, 5, 0, 0]],
            }
        )
    )
    rows = run_json(
        capsys,
        str(path),
        "--ci",
        "bootstrap",
        "--bootstrap",
        "50",
        "--seed",
        "3",
        "--both-bad",
        "drop",
        "--anchor",
        "q=1200",
    )
    by_model = {r["model"]: r for r in rows}
    assert by_model["q"]["rating"] == pytest.approx(1200.0)
    assert by_model["p"]["rank"] == 1
    assert by_model["q"]["votes"] == 50 + 50  # both-bad votes still count as votes


def test_it_prints_an_aligned_table(tmp_path: Path, capsys) -> None:
    path = tmp_path / "clean_battle.json"
    path.write_text(json.dumps(VOTES))
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rank", "model", "rating", "lower", "upper", "votes"]
    assert len({len(line) for line in lines}) == 1


def test_it_ranks_parquet(tmp_path: Path, capsys) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "battles.parquet"
    pq.write_table(pa.Table.from_pylist(VOTES), path)
    reference = tmp_path / "clean.json"
    reference.write_text(json.dumps(VOTES))
    assert run_json(capsys, str(path)) == run_json(capsys, str(reference))


def test_it_explains_that_parquet_needs_pyarrow(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = tmp_path / "battles.parquet"
    path.write_bytes(b"PAR1")
    assert main([str(path)]) == 2
    assert "needs pyarrow" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('[{"model_a": "x", "model_b": "y", "winner": "draw"}]', "unknown winner 'draw'"),
        ('[{"model_a": "x", "winner": "tie"}]', "no non-empty string 'model_b'"),
        ('{"models": ["x"], "X": [[0, 1]], "Y": [[1, 2, 3]]}', "entry 0"),
        ("[]", "no battles"),
    ],
)
def test_it_rejects_bad_files_with_exit_2(tmp_path: Path, capsys, content, message) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_it_fails_cleanly_as_a_process(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    done = subprocess.run(
        [sys.executable, "-m", "leaderboard.ranking", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no such file" in done.stderr and "Traceback" not in done.stderr
