"""How many votes active sampling saves, by simulation on strengths fitted to real votes.

    .venv/bin/python bench/active_sampling.py                 # 2 seeds, target width 40 Elo
    .venv/bin/python bench/active_sampling.py --width 30 --seeds 5

Strengths: a Bradley-Terry fit (ties as half a win each) of the 1.67M real votes in
../shared/data beside the checkout (or --pairs FILE). Each policy then draws votes in batches from those
strengths; after every batch the ratings are refitted from the simulated votes and their 95%
intervals taken from the Fisher information. Printed per policy, with the ratio against uniform
sampling measured in the same run: votes until the mean interval width over the whole board
reaches the target, and until the mean width over the board's head (the fitted top N, the
part a reader reads) reaches it. An exact top-10 order is not a usable target on these
strengths: neighbours in the top 10 are 1-3 Elo apart, beyond any budget simulated here.

Policies: uniform over pairs; today's weighted sampling (each contender drawn by its admin
weight; with the default equal weights it *is* uniform, so the simulation gives the contenders
weights drawn log-uniformly in [0.5, 2]); active sampling (``battles.active_sampling``) over the
whole board, and focused on the head (the arena default, ``active_focus_top``), with equal
weights and with the same uneven weights.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from battles.active_sampling import DEFAULT_FLOOR, pair_draw, pair_probabilities  # noqa: E402

DEFAULT_PAIRS = (Path(__file__).resolve().parents[2] / "shared" / "data"
                 / "chatbotarena_20240814_pair_counts.json")
ELO = 400 / np.log(10)
PRIOR = 1e-3  # a whisper of ridge so that a contender with no votes yet has a finite rating


def bt_fit(wins: np.ndarray, start: np.ndarray | None = None, iters: int = 30) -> np.ndarray:
    """Bradley-Terry by Newton on a K x K matrix of wins (row beat column), mean zero."""
    k = wins.shape[0]
    theta = np.zeros(k) if start is None else start.copy()
    n = wins + wins.T
    for _ in range(iters):
        p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
        grad = (wins - n * p).sum(axis=1) - PRIOR * theta
        info = n * p * (1 - p)
        hess = np.diag(info.sum(axis=1) + PRIOR) - info
        step = np.linalg.solve(hess, grad)
        theta += step
        theta -= theta.mean()
        if np.abs(step).max() < 1e-8:
            break
    return theta


def covariance(wins: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Of the mean-zero ratings: the common shift, which no vote informs, is projected out."""
    n = wins + wins.T
    p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    info = n * p * (1 - p)
    fisher = np.diag(info.sum(axis=1) + PRIOR) - info
    center = np.eye(wins.shape[0]) - 1 / wins.shape[0]
    return center @ np.linalg.inv(fisher) @ center


def true_strengths(path: Path) -> tuple[list[str], np.ndarray, int]:
    data = json.loads(path.read_text())
    k = len(data["models"])
    wins = np.zeros((k, k))
    total = 0
    for (i, j), (wi, wj, ties, both_bad) in zip(data["X"], data["Y"], strict=True):
        half = (ties + both_bad) / 2
        wins[i, j] += wi + half
        wins[j, i] += wj + half
        total += wi + wj + ties + both_bad
    return data["models"], bt_fit(wins, iters=100), total


def simulate(
    policy: str, theta: np.ndarray, weights: np.ndarray, *, width: float, batch: int,
    budget: int, seed: int, floor: float, head: int, focus_top: int,
) -> tuple[int | None, int | None]:
    """Votes until the mean 95% width (Elo) <= width over the whole board, and over the
    fitted top `head`."""
    rng = np.random.default_rng(seed)
    k = theta.shape[0]
    wins = np.zeros((k, k))
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    admin = np.outer(weights, weights) * upper
    fitted = np.zeros(k)
    variances = np.full(k, 10.0)
    votes, reached_width, reached_top = 0, None, None
    while votes < budget and (reached_width is None or reached_top is None):
        if policy == "active" and votes > 0:
            probabilities = pair_probabilities(ratings=fitted, variances=variances,
                                               weights=weights, floor=floor,
                                               focus_top=focus_top)
        else:
            probabilities = admin / admin.sum()
        pairs = pair_draw(probabilities, rng, size=batch)
        i, j = pairs[:, 0], pairs[:, 1]
        p = 1 / (1 + np.exp(theta[j] - theta[i]))
        i_won = rng.random(batch) < p
        np.add.at(wins, (np.where(i_won, i, j), np.where(i_won, j, i)), 1)
        votes += batch
        fitted = bt_fit(wins, start=fitted)
        variances = np.clip(np.diag(covariance(wins, fitted)), 0, None)
        widths = 2 * 1.96 * np.sqrt(variances) * ELO
        if reached_width is None and float(widths.mean()) <= width:
            reached_width = votes
        if reached_top is None and float(widths[np.argsort(-fitted)[:head]].mean()) <= width:
            reached_top = votes
    return reached_width, reached_top


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--width", type=float, default=40.0, help="target mean 95%% width, Elo")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--budget", type=int, default=2_000_000)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--floor", type=float, default=DEFAULT_FLOOR)
    parser.add_argument("--head", type=int, default=20,
                        help="the board's head: its size for the width measure and the focus")
    args = parser.parse_args()

    models, theta, total = true_strengths(args.pairs)
    k = len(models)
    uneven = np.exp(np.random.default_rng(1234).uniform(np.log(0.5), np.log(2), k))
    print(f"strengths: Bradley-Terry on {total:,} real votes, {k} models "
          f"(spread {np.ptp(theta) * ELO:.0f} Elo); target mean 95% width {args.width:g} Elo; "
          f"batches of {args.batch:,}; floor {args.floor:g}; head: top {args.head}; "
          f"{args.seeds} seeds")
    runs = {
        "uniform": ("uniform", np.ones(k), 0),
        "weighted (today, uneven weights)": ("uniform", uneven, 0),
        "active, whole board": ("active", np.ones(k), 0),
        "active, head (default)": ("active", np.ones(k), args.head),
        "active, head + uneven weights": ("active", uneven, args.head),
    }
    results: dict[str, tuple[float, float]] = {}
    for name, (policy, weights, focus_top) in runs.items():
        widths: list[float] = []
        tops: list[float] = []
        for seed in range(args.seeds):
            reached = simulate(policy, theta, weights, width=args.width, batch=args.batch,
                               budget=args.budget, seed=seed, floor=args.floor,
                               head=args.head, focus_top=focus_top)
            widths.append(np.nan if reached[0] is None else reached[0])
            tops.append(np.nan if reached[1] is None else reached[1])
        results[name] = (float(np.mean(widths)), float(np.mean(tops)))
    base_width, base_top = results["uniform"]
    print(f"{'policy':<34} {'whole board':>15} {'vs uniform':>11} "
          f"{'head':>16} {'vs uniform':>11}   (votes to the target mean width)")
    for name, (width, top) in results.items():
        print(f"{name:<34} {width:>15,.0f} {width / base_width:>10.2f}x "
              f"{top:>16,.0f} {top / base_top:>10.2f}x")
    print("(nan: not reached within the budget)")
    # No policy can beat the information a vote carries: at most p(1-p) = 1/4 on a pair of
    # equals, against the mean over all pairs under uniform sampling.
    p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    mean_info = float((p * (1 - p))[np.triu_indices(k, 1)].mean())
    print(f"bound: a vote carries at most 0.25 information, uniform's average is {mean_info:.3f}, "
          f"so for the mean width no policy saves more than about {1 - mean_info / 0.25:.0%}")
    saved = 1 - results["active, whole board"][0] / base_width
    saved_head = 1 - results["active, head (default)"][1] / base_top
    print(f"active sampling needs {saved:.0%} fewer votes than uniform for the same mean width "
          f"over the whole board, and the default (head-focused) policy {saved_head:.0%} fewer "
          f"for the same mean width over the top {args.head} (target: at least 30%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
