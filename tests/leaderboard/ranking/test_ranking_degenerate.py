"""Data the fit cannot support gives a message or a mark, never a traceback or a bare number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from leaderboard.ranking import BattleSet, rank_battles
from leaderboard.ranking.__main__ import main
from leaderboard.ranking.bradley_terry import newton_bt
from leaderboard.ranking.support import DISCONNECTED, FEW_VOTES, TIES_ONLY, UNBEATEN, WINLESS

MODELS = ["a", "b", "c"]
ROUND_ROBIN = [[0, 1], [1, 2], [0, 2]]


def pair_file(tmp_path: Path, models: object, pairs: object, counts: object) -> str:
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps({"models": models, "X": pairs, "Y": counts}, allow_nan=True))
    return str(path)


def cli_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("pairs", "counts", "both_bad"),
    [
        ([], [], "tie"),
        (ROUND_ROBIN, [[0, 0, 0, 0]] * 3, "tie"),
        ([[0, 0], [1, 1]], [[5, 0, 0, 0], [0, 3, 1, 0]], "tie"),
        (ROUND_ROBIN, [[0, 0, 0, 7]] * 3, "drop"),
    ],
    ids=["empty", "all-zero", "self-battles", "all-both-bad-dropped"],
)
def test_it_says_nothing_is_left_to_fit(tmp_path, capsys, pairs, counts, both_bad) -> None:
    line = cli_error(capsys, pair_file(tmp_path, MODELS, pairs, counts), "--both-bad", both_bad)
    assert "nothing" in line and "to fit" in line


@pytest.mark.parametrize(
    ("models", "pairs", "counts", "says"),
    [
        (MODELS, ROUND_ROBIN, [[float("inf"), 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], "count inf"),
        (MODELS, ROUND_ROBIN, [[float("nan"), 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], "count nan"),
        (MODELS, ROUND_ROBIN, [[1e30, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], "1e+30"),
        (MODELS, ROUND_ROBIN, [[None, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], "None"),
        (MODELS, [[0, 1.7], [1, 2], [0, 2]], [[1, 1, 0, 0]] * 3, "1.7"),
        (MODELS, [[0, 3], [1, 2], [0, 2]], [[1, 1, 0, 0]] * 3, "contender index"),
        (["a", "", "c"], ROUND_ROBIN, [[1, 1, 0, 0]] * 3, "non-empty"),
    ],
    ids=["infinity", "nan", "1e30", "null", "fractional-index", "index-out-of-range", "empty-name"],
)
def test_it_refuses_bad_pair_counts_in_one_line(tmp_path, capsys, models, pairs, counts, says) -> None:
    assert says in cli_error(capsys, pair_file(tmp_path, models, pairs, counts))


def test_it_refuses_an_empty_model_name_in_battles(tmp_path, capsys) -> None:
    path = tmp_path / "battles.json"
    path.write_text(json.dumps([{"model_a": "", "model_b": "b", "winner": "model_a"}]))
    assert "non-empty" in cli_error(capsys, str(path))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_it_says_cuda_is_missing(tmp_path, capsys) -> None:
    line = cli_error(capsys, pair_file(tmp_path, MODELS, ROUND_ROBIN, [[9, 9, 1, 0]] * 3), "--device", "cuda")
    assert "CUDA is not available" in line
    assert "unknown device" in cli_error(
        capsys, pair_file(tmp_path, MODELS, ROUND_ROBIN, [[9, 9, 1, 0]] * 3), "--device", "gpu"
    )


def test_it_prints_a_lone_surrogate_name(tmp_path, capsys) -> None:
    path = tmp_path / "battles.json"
    votes = [{"model_a": "\ud800x", "model_b": "b", "winner": w} for w in ["model_a", "model_b"] * 10]
    path.write_text(json.dumps(votes))
    assert main([str(path)]) == 0
    assert "x" in capsys.readouterr().out


@pytest.mark.parametrize("wins", [1, 10])
def test_it_marks_an_unbeaten_contender_instead_of_ranking_it(wins: int) -> None:
    battles = BattleSet.from_indices(
        ["champ", "b", "c"], [0, 1, 1], [1, 2, 0], [0, 0, 2], [wins, 20, 0]
    ).aggregated()
    for ci in ("sandwich", "bootstrap"):
        result = rank_battles(battles, ci=ci, num_bootstrap=50, min_votes=0)
        rows = {r["model"]: r for r in result.rows()}
        assert rows["champ"]["flags"] == [UNBEATEN]
        assert rows["champ"]["rank"] is None and rows["champ"]["upper"] is None
        assert rows["c"]["flags"] == [WINLESS] and rows["c"]["lower"] is None
        assert result.rows()[-1]["flags"]  # flagged contenders come after the ranked ones


def test_it_leaves_a_contender_with_few_votes_unranked() -> None:
    a = [0, 1, 2] * 20 + [3]
    b = [1, 2, 0] * 20 + [0]
    outcome = [0, 0, 0] * 10 + [1, 1, 1] * 10 + [2]  # one tie: neither unbeaten nor winless
    result = rank_battles(BattleSet.from_indices(["a", "b", "c", "lucky"], a, b, outcome))
    rows = {r["model"]: r for r in result.rows()}
    assert rows["lucky"]["flags"] == [FEW_VOTES, TIES_ONLY] and rows["lucky"]["rank"] is None
    assert sorted(r["rank"] for m, r in rows.items() if m != "lucky") == [1, 1, 1]


def test_it_ranks_only_the_main_group_when_the_graph_is_disconnected() -> None:
    # Group {a, b, c} (90 votes) and group {x, y} (40 votes) never met.
    a = [0, 1, 2] * 30 + [3] * 40
    b = [1, 2, 0] * 30 + [4] * 40
    outcome = [(k // 3) % 3 for k in range(90)] + [0, 1] * 20  # every pair sees every outcome
    result = rank_battles(BattleSet.from_indices(["a", "b", "c", "x", "y"], a, b, outcome))
    rows = {r["model"]: r for r in result.rows()}
    assert rows["x"]["flags"] == [DISCONNECTED] and rows["y"]["flags"] == [DISCONNECTED]
    assert rows["x"]["rank"] is None
    assert all(rows[m]["rank"] is not None for m in "abc")


def test_every_fit_reports_convergence() -> None:
    battles = BattleSet.from_indices(["a", "b", "c"], [0, 1, 2] * 20, [1, 2, 0] * 20, [0, 1, 2] * 20)
    for options in ({}, {"ci": "bootstrap", "num_bootstrap": 20}):
        report = rank_battles(battles, **options).to_dict()["convergence"]  # type: ignore[arg-type]
        assert report["converged"] is True and report["iterations"] >= 1
        assert report["grad_norm"] <= 1e-10


def test_it_says_why_newton_stopped() -> None:
    i, j = torch.tensor([0]), torch.tensor([1])
    total = torch.tensor([[10.0]], dtype=torch.float64)
    score = torch.tensor([[7.0]], dtype=torch.float64)
    assert newton_bt(i, j, total, score, 2, max_iter=1).status.startswith("not converged")
    assert newton_bt(i, j, total * float("nan"), score, 2).status == "gradient is NaN"
    broken = newton_bt(i, j, -total, score, 2)
    assert not broken.converged and "positive definite" in broken.status


def test_the_cli_reports_flags_in_words(tmp_path, capsys) -> None:
    counts = [[20, 20, 5, 0]] * 3 + [[1, 0, 0, 0]]
    path = pair_file(tmp_path, MODELS + ["new"], ROUND_ROBIN + [[3, 0]], counts)
    assert main([path]) == 0
    out = capsys.readouterr().out
    assert "not ranked" in out and "new" in out.splitlines()[-1]


def test_a_large_sparse_field_uses_conjugate_gradients() -> None:
    generator = torch.Generator().manual_seed(3)
    n, m = 2000, 20_000
    a = torch.randint(0, n, (m,), generator=generator)
    b = (a + torch.randint(1, n, (m,), generator=generator)) % n
    outcome = torch.randint(0, 3, (m,), generator=generator)
    result = rank_battles(BattleSet.from_indices([f"m{k}" for k in range(n)], a, b, outcome), min_votes=0)
    assert result.converged and result.params["intervals"] == "sandwich_diagonal"
    assert len(result.models) == n


def test_a_contender_with_only_ties_is_not_given_a_zero_width_interval() -> None:
    a = [0, 1, 2] * 20 + [3] * 12
    b = [1, 2, 0] * 20 + [0, 1, 2] * 4
    outcome = [(k // 3) % 3 for k in range(60)] + [2] * 12
    result = rank_battles(BattleSet.from_indices(["a", "b", "c", "tied"], a, b, outcome))
    rows = {r["model"]: r for r in result.rows()}
    assert rows["tied"]["flags"] == [TIES_ONLY] and rows["tied"]["rank"] is None
    assert all(not rows[m]["flags"] for m in "abc")
