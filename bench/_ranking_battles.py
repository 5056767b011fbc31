"""The battles the ranking benchmark feeds to both sides: real vote counts or synthetic votes.

Why apart from ranking.py: these run on both sides of the comparison (in this process for our
engine, in the benchmark virtualenv for the anchors), so they need nothing but NumPy and build
the same integer columns and the same names everywhere. A side turns them into strings itself,
before its clock starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / ".." / "shared" / "data" / "chatbotarena_20240814_pair_counts.json"
WINNERS = np.array(["model_a", "model_b", "tie", "tie (bothbad)"], dtype=object)
FEATURES = ["length", "headers", "lists", "bold"]


def real_battles() -> dict[str, np.ndarray]:
    raw = json.loads(REAL.read_text())
    pairs = np.asarray(raw["X"])
    counts = np.asarray(raw["Y"])
    reps = counts.reshape(-1)
    a = np.repeat(np.repeat(pairs[:, 0], 4), reps)
    b = np.repeat(np.repeat(pairs[:, 1], 4), reps)
    outcome = np.repeat(np.tile(np.arange(4), len(pairs)), reps)
    return {
        "a": a.astype(np.int32),
        "b": b.astype(np.int32),
        "outcome": outcome.astype(np.int8),
        "n": np.array(len(raw["models"])),
    }


def synthetic_battles(num: int, n: int, seed: int, features: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 0.7, n)
    a = rng.integers(0, n, num)
    b = (a + rng.integers(1, n, num)) % n
    logit = theta[a] - theta[b]
    data: dict[str, np.ndarray] = {"n": np.array(n)}
    if features:
        raw_a = rng.lognormal(0, 1, (num, 4))
        raw_b = rng.lognormal(0, 1, (num, 4))
        diff = (raw_a - raw_b) / (raw_a + raw_b)
        logit = logit + diff @ np.array([0.5, 0.1, 0.1, 0.05])
        data["features"] = diff
    a_wins = rng.random(num) < 1 / (1 + np.exp(-logit))
    outcome = np.where(a_wins, 0, 1)
    u = rng.random(num)
    outcome = np.where(u < 0.15, 2, np.where(u < 0.2, 3, outcome))
    data.update(a=a.astype(np.int32), b=b.astype(np.int32), outcome=outcome.astype(np.int8))
    return data


def names(n: int) -> np.ndarray:
    return np.array([f"model-{k:03d}" for k in range(n)], dtype=object)


def write_parquet(data: dict[str, np.ndarray], path: str) -> None:
    """The battles as a clean-battle Parquet file (string columns, as a release publishes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = int(data["n"])
    table = pa.table({
        "model_a": pa.array(names(n)[data["a"]].tolist()),
        "model_b": pa.array(names(n)[data["b"]].tolist()),
        "winner": pa.array(WINNERS[data["outcome"]].tolist()),
    })
    pq.write_table(table, path)
