"""Ranking engine speed and memory against arena-rank and FastChat, measured in the same run.

    .venv/bin/python bench/ranking.py [--quick] [--bench-python /tmp/venv-bench/bin/python]

Our engine runs in this process (the app's virtualenv). The anchors run in the benchmark
virtualenv described in bench/make_ranking_reference.py, as subprocesses of this script
(``--worker``), on the same battles written to a temporary .npz file:

* arena-rank 0.1.1 (JAX): BradleyTerry / ContextualBradleyTerry with sandwich intervals, timed on
  a second call so JIT compilation is not counted against it;
* FastChat's current method (rating_systems.compute_bt: unique rows + SciPy L-BFGS-B), both end
  to end and the optimizer alone on the aggregated rows; its bootstrap refits per replicate in a
  process pool, as compute_bootstrap_bt does;
* fschat 0.2.36's compute_elo_mle_with_tie (scikit-learn), on the real votes only: it builds a
  dense battles-by-models matrix.

Everything is from string columns (model names, winner labels) unless a line says "codes".
Both sides start from the same strings, built before any clock starts: ours from Python lists
(``BattleSet.from_columns`` -> ``rank_battles``), the anchors from a pandas DataFrame of the
same object columns (their own factorization, aggregation, fit and, for arena-rank, intervals).
Nothing is cached between timed runs: each run factorizes and aggregates from scratch. Our
figure is the best of two runs (the first also pays torch's one-off kernel setup); arena-rank
is timed on its second call so JIT compilation is reported apart; FastChat runs once.
Ratios are anchor time / our time; prints figures only, never asserts.

This script holds our side and the report; the battles come from ``_ranking_battles``, both
sides are timed by ``_ranking_clock``, and the anchors run through ``_ranking_anchors``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# bench/ is on sys.path as the script's folder; the anchors' worker runs this same script.
from _ranking_anchors import anchor_at, run_anchor, worker
from _ranking_battles import (
    FEATURES,
    REAL,
    ROOT,
    WINNERS,
    names,
    real_battles,
    synthetic_battles,
    write_parquet,
)
from _ranking_clock import best_of, cli_seconds


def bench_file(python: str, title: str, data: dict[str, np.ndarray]) -> None:
    """From a file to a result: in process (read + fit + sandwich) and as a whole CLI process."""
    from leaderboard.ranking import rank_battles
    from leaderboard.ranking.io import read_battle_file

    print(f"\n== file -> result: {title} ({len(data['a']):,} votes, {int(data['n'])} models)")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "battles.npz")
        np.savez(path, allow_pickle=False, **data)
        write_parquet(data, path + ".parquet")
        ours, _ = best_of(lambda: rank_battles(read_battle_file(path + ".parquet"), device="cpu"))
        ours_cli = cli_seconds([sys.executable, "-m", "leaderboard.ranking", path + ".parquet", "--json"])
        theirs = anchor_at(python, "file", path)
        theirs.update(anchor_at(python, "cli", path))
    line("ours, Parquet file -> result (in process)", ours)
    line("FastChat compute_bt, Parquet via pandas (in process)", theirs.get("fastchat_file"), ours)
    line("ours, whole CLI process", ours_cli)
    line("arena-rank 0.1.1, whole process (script above)", theirs.get("arena_rank_cli"), ours_cli)



# --- ours --------------------------------------------------------------------------------------


def ours_bt(data: dict[str, np.ndarray], **options: Any) -> dict[str, float]:
    from leaderboard.ranking import BattleSet, rank_battles

    n = int(data["n"])
    col_a = names(n)[data["a"]].tolist()
    col_b = names(n)[data["b"]].tolist()
    col_w = WINNERS[data["outcome"]].tolist()
    out: dict[str, float] = {}
    out["ours"], _ = best_of(
        lambda: rank_battles(BattleSet.from_columns(col_a, col_b, col_w), device="cpu", **options)
    )
    # The same names, each value its own string object, as a JSON parser or a database driver
    # hands them over: the shared-object route of leaderboard.ranking.factorize cannot apply.
    own = [json.loads(json.dumps(column)) for column in (col_a, col_b, col_w)]
    out["ours_distinct"], _ = best_of(
        lambda: rank_battles(BattleSet.from_columns(*own), device="cpu", **options)
    )
    own.clear()
    models = names(n).tolist()
    out["ours_codes"], _ = best_of(
        lambda: rank_battles(
            BattleSet.from_indices(models, data["a"], data["b"], data["outcome"]),
            device="cpu",
            **options,
        )
    )
    aggregated = BattleSet.from_indices(models, data["a"], data["b"], data["outcome"]).aggregated()
    out["ours_fit_only"], _ = best_of(lambda: rank_battles(aggregated, device="cpu", **options))
    return out


def ours_style(data: dict[str, np.ndarray]) -> float:
    from leaderboard.ranking import BattleSet, rank_battles

    n = int(data["n"])
    col_a = names(n)[data["a"]].tolist()
    col_b = names(n)[data["b"]].tolist()
    col_w = WINNERS[data["outcome"]].tolist()
    seconds, _ = best_of(
        lambda: rank_battles(
            BattleSet.from_columns(col_a, col_b, col_w, features=data["features"], feature_names=FEATURES),
            style=True,
            device="cpu",
        )
    )
    return seconds


def high_water_mib() -> float:
    """Peak RSS of this process image. ``ru_maxrss`` would not do: Linux carries it across
    exec, so a child started from a large parent reports the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_worker(num: int, n: int) -> None:
    """Peak RSS of a style-controlled fit on ``num`` battles (run in a fresh process)."""
    import torch

    from leaderboard.ranking import BattleSet, rank_battles

    torch.zeros(1)
    after_import = high_water_mib()
    data = synthetic_battles(num, n, seed=5, features=True)
    battles = BattleSet.from_indices(
        names(n).tolist(),
        data["a"],
        data["b"],
        data["outcome"],
        features=data.pop("features"),
        feature_names=FEATURES,
    )
    del data
    before_fit = high_water_mib()
    start = time.perf_counter()
    rank_battles(battles, style=True, device="cpu")
    seconds = time.perf_counter() - start
    peak = high_water_mib()
    print(
        json.dumps(
            {
                "after_import_mib": after_import,
                "before_fit_mib": before_fit,
                "peak_mib": peak,
                "fit_s": seconds,
            }
        )
    )


# --- report ------------------------------------------------------------------------------------


def ratio(anchor: float | None, ours: float) -> str:
    return "n/a" if anchor is None else f"{anchor / ours:6.1f}x"


def line(label: str, seconds: float | None, ours: float | None = None) -> None:
    shown = "   n/a" if seconds is None else f"{seconds:8.3f}s"
    extra = "" if ours is None or seconds is None else f"   ours is {ratio(seconds, ours)} faster"
    print(f"  {label:<52}{shown}{extra}")


def bench_bt(python: str, title: str, data: dict[str, np.ndarray], with_mle: bool) -> None:
    print(f"\n== BT + sandwich 95% CI: {title} ({len(data['a']):,} votes, {int(data['n'])} models)")
    ours = ours_bt(data)
    theirs = run_anchor(python, "bt", data)
    if with_mle:
        theirs.update(run_anchor(python, "mle", data))
    line("ours (strings -> result)", ours["ours"])
    line("ours (strings, each value its own object)", ours["ours_distinct"])
    line("ours (integer codes -> result)", ours["ours_codes"])
    line("ours (aggregated rows -> result)", ours["ours_fit_only"])
    line("arena-rank 0.1.1 (second call, JIT warm)", theirs.get("arena_rank"), ours["ours"])
    line("arena-rank 0.1.1 (first call, incl. JIT)", theirs.get("arena_rank_cold"), ours["ours"])
    line("FastChat compute_bt (no intervals)", theirs.get("fastchat"), ours["ours"])
    line(
        "FastChat L-BFGS on aggregated rows vs ours from rows",
        theirs.get("fastchat_fit_only"),
        ours["ours_fit_only"],
    )
    if with_mle:
        line(
            "fschat 0.2.36 compute_elo_mle_with_tie (no intervals)",
            theirs.get("fschat_mle"),
            ours["ours"],
        )
    anchors = [v for k, v in theirs.items() if k in ("arena_rank", "fastchat")]
    if anchors:
        print(
            f"  => vs the faster anchor: {ratio(min(anchors), ours['ours'])}"
            f" (strings as distinct objects: {ratio(min(anchors), ours['ours_distinct'])})"
        )


def bench_bootstrap(python: str, title: str, data: dict[str, np.ndarray], reps: int) -> None:
    from leaderboard.ranking import BattleSet, rank_battles

    print(f"\n== bootstrap: ours 1,000 replicates vs anchors' 100: {title}")
    n = int(data["n"])
    battles = BattleSet.from_columns(
        names(n)[data["a"]].tolist(),
        names(n)[data["b"]].tolist(),
        WINNERS[data["outcome"]].tolist(),
    )
    ours, _ = best_of(lambda: rank_battles(battles, ci="bootstrap", num_bootstrap=1000, device="cpu"), 1)
    theirs = run_anchor(python, "boot", data, reps, timeout=300)
    scale = 100 / reps
    note = "" if reps == 100 else f" (measured {reps}, x{scale:g})"
    line("ours, 1,000 replicates", ours)
    fast = theirs.get("fastchat_boot")
    arena = theirs.get("arena_rank_boot")
    line(f"FastChat compute_bootstrap_bt, 100{note}", fast and fast * scale, ours)
    line(f"arena-rank bootstrap, 100, one core{note}", arena and arena * scale, ours)


def bench_style(python: str, num: int, n: int) -> None:
    print(f"\n== style control + sandwich CI ({num:,} battles, {n} models, 4 features)")
    data = synthetic_battles(num, n, seed=3, features=True)
    ours = ours_style(data)
    theirs = run_anchor(python, "style", data)
    line("ours (strings + features -> result)", ours)
    line("arena-rank ContextualBradleyTerry (JIT warm)", theirs.get("arena_rank_style"), ours)
    line("arena-rank ContextualBradleyTerry (incl. JIT)", theirs.get("arena_rank_style_cold"), ours)


def bench_memory(num: int, n: int) -> None:
    print(f"\n== peak memory: style control on {num:,} battles, {n} models, 4 features")
    done = subprocess.run(
        [sys.executable, __file__, "--memory", str(num), str(n)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    if done.returncode != 0:
        print("  failed:", done.stderr.strip().splitlines()[-1:])
        return
    m = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  RSS after importing torch        {m['after_import_mib']:8.0f} MiB")
    print(f"  RSS with the battles loaded      {m['before_fit_mib']:8.0f} MiB")
    print(f"  peak RSS during the fit          {m['peak_mib']:8.0f} MiB   (fit {m['fit_s']:.1f}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description="ranking engine benchmark")
    parser.add_argument("--quick", action="store_true", help="small sizes, a couple of minutes")
    parser.add_argument(
        "--bench-python", default=os.environ.get("ARENA_BENCH_PYTHON", "/tmp/venv-bench/bin/python")
    )
    parser.add_argument(
        "--sections",
        default="real,bootstrap,synthetic,style,memory,file",
        help="comma-separated subset of real,bootstrap,synthetic,style,memory,file",
    )
    parser.add_argument("--style-battles", type=int, help="battles in the style comparison")
    parser.add_argument("--bootstrap-reps", type=int, help="anchor replicates actually run (x to 100)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--memory", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task, path, reps = args.worker
        print(json.dumps(worker(task, path, int(reps))))
        return
    sys.path.insert(0, str(ROOT))
    if args.memory:
        memory_worker(*args.memory)
        return
    import torch

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs, CUDA: {torch.cuda.is_available()}"
    )
    python = args.bench_python
    sections = set(args.sections.split(","))
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min)")
    if REAL.is_file() and sections & {"real", "bootstrap"}:
        real = real_battles()
        if "real" in sections:
            bench_bt(python, "Chatbot Arena 2024-08-14", real, with_mle=not args.quick)
        if "bootstrap" in sections:
            reps = args.bootstrap_reps or (20 if args.quick else 100)
            bench_bootstrap(python, "Chatbot Arena 2024-08-14", real, reps=reps)
    if "synthetic" in sections:
        sizes = [(1_000_000, 100)] if args.quick else [(1_000_000, 100), (10_000_000, 300)]
        for num, n in sizes:
            bench_bt(python, "synthetic", synthetic_battles(num, n, seed=1, features=False), False)
        if not args.quick and "bootstrap" in sections:
            big = synthetic_battles(10_000_000, 300, seed=1, features=False)
            bench_bootstrap(python, "synthetic 10M votes, 300 models", big, reps=10)
    if "file" in sections:
        if REAL.is_file():
            bench_file(python, "Chatbot Arena 2024-08-14", real_battles())
        bench_file(python, "synthetic", synthetic_battles(3_000_000, 150, seed=2, features=False))
    if "style" in sections:
        bench_style(python, args.style_battles or (200_000 if args.quick else 2_000_000), 100)
    if "memory" in sections:
        bench_memory(2_000_000 if args.quick else 10_000_000, 300)
    print(f"load average at end: {os.getloadavg()[0]:.1f} (1 min)")


if __name__ == "__main__":
    main()
