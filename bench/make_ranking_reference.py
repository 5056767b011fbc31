"""Write the reference ratings that tests/leaderboard/ranking compares our engine against.

Runs in its own virtualenv, never in the app's, because the reference methods need JAX, SciPy,
pandas and scikit-learn:

    python3 -m venv /tmp/venv-bench
    /tmp/venv-bench/bin/pip install arena-rank==0.1.1 scipy pandas scikit-learn plotly pytz \
        requests psutil pyarrow
    /tmp/venv-bench/bin/pip install --no-deps fschat==0.2.36
    /tmp/venv-bench/bin/python bench/make_ranking_reference.py

(fschat is installed without its serving dependencies; only its monitor module is used.)
On the 1,670,250 votes of chatbotarena_20240814_pair_counts.json it records, for every contender:

* ``arena_rank``: arena-rank 0.1.1 ``BradleyTerry`` with its sandwich 95% intervals;
* ``fastchat_bt``: FastChat's current method (``compute_bt`` in
  fastchat/serve/monitor/rating_systems.py: unique (a, b, outcome) rows weighted by their counts,
  ties as outcome 0.5, SciPy L-BFGS-B with gtol 1e-6 and at most 100 iterations), rewritten here
  from that source because fschat 0.2.36 on PyPI predates it;
* ``fastchat_bt_converged``: the same code allowed to run until its gradient tolerance is met
  (SciPy's default relative-loss stopping rule, ftol 2.2e-9, ends FastChat's run about 1.2 Elo
  short of the optimum on this data);
* ``fastchat_mle``: fschat 0.2.36's own ``compute_elo_mle_with_tie`` (scikit-learn logistic
  regression on duplicated battles), when scikit-learn and the module's imports are present.

Both-bad votes count as ties (FastChat's and LMArena's convention). All ratings are normalized
to mean 1000 on the Elo scale (400 points per factor of 10 in odds) so that anchor choices do
not matter.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "chatbotarena_20240814_pair_counts.json"
FIXTURE = ROOT / "tests" / "leaderboard" / "ranking" / "fixtures" / "reference_ratings.json"
WINNERS = ("model_a", "model_b", "tie", "both_bad")


def load_battles(path: Path) -> tuple[list[str], pd.DataFrame]:
    """Expand the pair-count file into one row per battle, as both tools expect."""
    raw = json.loads(path.read_text())
    models = raw["models"]
    a_idx, b_idx, codes = [], [], []
    for (i, j), counts in zip(raw["X"], raw["Y"], strict=True):
        for code, count in enumerate(counts):
            a_idx.append(np.full(count, i))
            b_idx.append(np.full(count, j))
            codes.append(np.full(count, code))
    names = np.asarray(models, dtype=object)
    frame = pd.DataFrame(
        {
            "model_a": names[np.concatenate(a_idx)],
            "model_b": names[np.concatenate(b_idx)],
            "winner": np.asarray(WINNERS, dtype=object)[np.concatenate(codes)],
        }
    )
    return models, frame


def fastchat_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """FastChat's preprocess_for_bt: unique (a, b, outcome) rows with their counts as weights."""
    n_rows = len(frame)
    codes, models = pd.factorize(pd.concat([frame["model_a"], frame["model_b"]]))
    schedule = np.ones((n_rows, 3), dtype=np.int32)
    schedule[:, 0] = codes[:n_rows]
    schedule[:, 1] = codes[n_rows:]
    schedule[(frame["winner"] == "model_a").to_numpy(), 2] = 2
    schedule[(frame["winner"] == "model_b").to_numpy(), 2] = 0
    unique, weights = np.unique(schedule, return_counts=True, axis=0)
    return (
        unique[:, :2],
        unique[:, 2].astype(np.float64) / 2.0,
        weights.astype(np.float64),
        list(models),
    )


def fastchat_fit(
    matchups: np.ndarray,
    outcomes: np.ndarray,
    weights: np.ndarray,
    n_models: int,
    tol: float = 1e-6,
    max_iter: int = 100,
    ftol: float | None = None,
) -> np.ndarray:
    """FastChat's fit_bt: SciPy L-BFGS-B on the weighted rows, ratings in units of 400 Elo."""
    from scipy.optimize import minimize
    from scipy.special import expit

    alpha = math.log(10.0)
    sign = np.array([1.0, -1.0])

    def loss_and_grad(ratings: np.ndarray) -> tuple[float, np.ndarray]:
        probs = expit(alpha * (ratings[matchups[:, 0]] - ratings[matchups[:, 1]]))
        loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes)) * weights).sum()
        grad = np.zeros_like(ratings)
        np.add.at(grad, matchups, (-alpha * (outcomes - probs) * weights)[:, None] * sign)
        return loss, grad

    options: dict[str, float] = {"maxiter": max_iter, "gtol": tol}
    if ftol is not None:
        options["ftol"] = ftol
    result = minimize(loss_and_grad, np.zeros(n_models), jac=True, method="L-BFGS-B", options=options)
    return np.asarray(result.x)


def fastchat_bt(
    frame: pd.DataFrame, tol: float = 1e-6, max_iter: int = 100, ftol: float | None = None
) -> pd.Series:
    """FastChat's current Bradley-Terry fit (rating_systems.compute_bt), without the anchor."""
    matchups, outcomes, weights, models = fastchat_rows(frame)
    ratings = fastchat_fit(matchups, outcomes, weights, len(models), tol, max_iter, ftol)
    return pd.Series(ratings * 400.0 + 1000.0, index=models)


def fastchat_mle(frame: pd.DataFrame) -> pd.Series | None:
    """fschat 0.2.36's compute_elo_mle_with_tie, if its module imports here.

    elo_analysis imports fastchat.model only for display names, and that package pulls in torch
    and transformers; a stub module stands in for it so the rating code itself runs unchanged.
    """
    import types

    for name in ("fastchat.model", "fastchat.model.model_registry"):
        stub = types.ModuleType(name)
        stub.get_model_info = lambda *args, **kwargs: None  # type: ignore[attr-defined]
        sys.modules.setdefault(name, stub)
    try:
        from fastchat.serve.monitor.elo_analysis import compute_elo_mle_with_tie
    except Exception as exc:  # noqa: BLE001 - optional reference
        print(f"skipping fschat 0.2.36 MLE: {exc}", file=sys.stderr)
        return None
    fs_frame = frame.replace({"winner": {"both_bad": "tie (bothbad)"}})
    return compute_elo_mle_with_tie(fs_frame)


def arena_rank_bt(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """arena-rank's Bradley-Terry with sandwich intervals at its defaults."""
    from arena_rank.models.bradley_terry import BradleyTerry
    from arena_rank.utils.data_utils import PairDataset

    dataset = PairDataset.from_pandas(frame)
    model = BradleyTerry(n_competitors=len(dataset.competitors))
    out = model.compute_ratings_and_cis(dataset, significance_level=0.05)
    index = list(out["competitors"])
    return {
        key: pd.Series(np.asarray(out[src], dtype=np.float64), index=index)
        for key, src in (
            ("rating", "ratings"),
            ("lower", "rating_lower"),
            ("upper", "rating_upper"),
        )
    }


def to_mean_1000(series: pd.Series, models: list[str]) -> list[float]:
    values = series.reindex(models).to_numpy(dtype=np.float64)
    return [round(float(v), 6) for v in values - values.mean() + 1000.0]


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=FIXTURE)
    parser.add_argument("--skip-sklearn", action="store_true", help="skip fschat 0.2.36's MLE")
    args = parser.parse_args()

    models, frame = load_battles(args.data)
    print(f"{len(frame):,} battles, {len(models)} models")
    fixture: dict[str, object] = {
        "data": args.data.name,
        "data_sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
        "num_battles": len(frame),
        "both_bad": "tie",
        "normalization": "Elo scale (400, base 10), shifted to mean 1000 over models",
        "versions": {
            "python": sys.version.split()[0],
            "arena-rank": version("arena-rank"),
            "jax": version("jax"),
            "fschat": version("fschat"),
            "scipy": version("scipy"),
            "scikit-learn": version("scikit-learn"),
            "numpy": version("numpy"),
            "pandas": version("pandas"),
        },
        "methods": {
            "arena_rank": "arena_rank.models.bradley_terry.BradleyTerry defaults, sandwich 95%",
            "fastchat_bt": "FastChat rating_systems.compute_bt rewritten (L-BFGS-B, gtol 1e-6, maxiter 100)",
            "fastchat_bt_converged": "the same, maxiter 10000 and ftol 1e-15: run to its gtol",
            "fastchat_mle": "fschat 0.2.36 elo_analysis.compute_elo_mle_with_tie (scikit-learn)",
        },
        "models": models,
    }

    started = time.perf_counter()
    fixture["fastchat_bt"] = to_mean_1000(fastchat_bt(frame), models)
    print(f"fastchat_bt {time.perf_counter() - started:.1f}s")
    fixture["fastchat_bt_converged"] = to_mean_1000(fastchat_bt(frame, max_iter=10_000, ftol=1e-15), models)

    started = time.perf_counter()
    ar = arena_rank_bt(frame)
    offset = 1000.0 - float(ar["rating"].reindex(models).mean())
    fixture["arena_rank"] = {
        key: [round(float(v) + offset, 6) for v in series.reindex(models)] for key, series in ar.items()
    }
    print(f"arena_rank {time.perf_counter() - started:.1f}s")

    if not args.skip_sklearn:
        started = time.perf_counter()
        mle = fastchat_mle(frame)
        if mle is not None:
            fixture["fastchat_mle"] = to_mean_1000(mle, models)
            print(f"fastchat_mle {time.perf_counter() - started:.1f}s")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
