"""The anchors of the ranking benchmark (arena-rank, FastChat, fschat), run as subprocesses.

Why apart from ranking.py: the anchors run under the benchmark virtualenv described in
bench/make_ranking_reference.py, not the app's. `run_anchor` and `anchor_at` write the battles
to a temporary .npz file and start `ranking.py --worker TASK PATH REPS` there; the worker
builds the anchors' pandas frame, times them and prints one JSON line back. Nothing here
imports the app, which that virtualenv does not have.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _ranking_battles import FEATURES, WINNERS, names
from _ranking_clock import best_of, cli_seconds

# The worker's entry point: ranking.py parses --worker and calls `worker` below.
SCRIPT = str(Path(__file__).with_name("ranking.py"))


def worker(task: str, path: str, reps: int) -> dict[str, float]:
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).parent))
    import make_ranking_reference as ref

    if task == "cli":
        return {"arena_rank_cli": cli_seconds([sys.executable, "-c", ARENA_RANK_CLI, path + ".parquet"])}
    data = np.load(path)
    n = int(data["n"])
    frame = pd.DataFrame(
        {
            "model_a": names(n)[data["a"]],
            "model_b": names(n)[data["b"]],
            "winner": WINNERS[data["outcome"]],
        }
    )
    out: dict[str, float] = {}
    if task == "bt":
        from arena_rank.models.bradley_terry import BradleyTerry
        from arena_rank.utils.data_utils import PairDataset

        ar_frame = frame.replace({"winner": {"tie (bothbad)": "both_bad"}})

        def arena() -> object:
            dataset = PairDataset.from_pandas(ar_frame)
            model = BradleyTerry(n_competitors=len(dataset.competitors))
            return model.compute_ratings_and_cis(dataset, significance_level=0.05)

        out["arena_rank_cold"], _ = best_of(arena, 1)
        out["arena_rank"], _ = best_of(arena, 1)
        out["fastchat"], _ = best_of(lambda: ref.fastchat_bt(frame), 1)
        rows = ref.fastchat_rows(frame)
        out["fastchat_fit_only"], _ = best_of(lambda: ref.fastchat_fit(*rows[:3], len(rows[3])), 1)
    elif task == "file":
        # From the same Parquet file to a result, in this process: pandas reads it, FastChat fits.
        out["fastchat_file"], _ = best_of(lambda: ref.fastchat_bt(pd.read_parquet(path + ".parquet")), 1)
    elif task == "mle":
        out["fschat_mle"], _ = best_of(lambda: ref.fastchat_mle(frame), 1)
    elif task == "boot":
        out.update(anchor_bootstrap(frame, reps))
    elif task == "style":
        from arena_rank.models.contextual_bradley_terry import ContextualBradleyTerry
        from arena_rank.utils.data_utils import ContextualPairDataset

        for k, name in enumerate(FEATURES):
            frame[name] = data["features"][:, k]
        ar_frame = frame.replace({"winner": {"tie (bothbad)": "both_bad"}})

        def contextual() -> object:
            dataset = ContextualPairDataset.from_pandas(ar_frame, FEATURES, reweighted=False)
            model = ContextualBradleyTerry(len(dataset.competitors), len(FEATURES))
            return model.compute_ratings_and_cis(dataset, significance_level=0.05)

        out["arena_rank_style_cold"], _ = best_of(contextual, 1)
        out["arena_rank_style"], _ = best_of(contextual, 1)
    return out


# arena-rank has no command line: this is the shortest script that does what ours does, from a
# Parquet file of battles to ratings with sandwich intervals printed.
ARENA_RANK_CLI = """
import sys, pandas as pd
from arena_rank.models.bradley_terry import BradleyTerry
from arena_rank.utils.data_utils import PairDataset
frame = pd.read_parquet(sys.argv[1]).replace({"winner": {"tie (bothbad)": "both_bad"}})
dataset = PairDataset.from_pandas(frame)
model = BradleyTerry(n_competitors=len(dataset.competitors))
print(model.compute_ratings_and_cis(dataset, significance_level=0.05))
"""


def anchor_at(python: str, task: str, path: str) -> dict[str, float]:
    command = [python, SCRIPT, "--worker", task, path, "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    lines = [ln for ln in done.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        print(f"  anchor {task} failed: {done.stderr.strip().splitlines()[-1:]}")
        return {}
    return dict(json.loads(lines[-1]))


def _fastchat_boot_fit(args: tuple[np.ndarray, np.ndarray, np.ndarray, int]) -> np.ndarray:
    sys.path.insert(0, str(Path(__file__).parent))
    import make_ranking_reference as ref

    return ref.fastchat_fit(*args)


def anchor_bootstrap(frame: Any, reps: int) -> dict[str, float]:
    """FastChat's compute_bootstrap_bt and arena-rank's bootstrap, ``reps`` replicates each."""
    import multiprocessing as mp

    sys.path.insert(0, str(Path(__file__).parent))
    import make_ranking_reference as ref

    out: dict[str, float] = {}
    start = time.perf_counter()
    matchups, outcomes, weights, models = ref.fastchat_rows(frame)
    rng = np.random.default_rng(0)
    draws = rng.multinomial(len(frame), weights / weights.sum(), size=reps) / len(frame)
    with mp.get_context("fork").Pool(os.cpu_count()) as pool:
        pool.map(_fastchat_boot_fit, [(matchups, outcomes, w, len(models)) for w in draws])
    out["fastchat_boot"] = time.perf_counter() - start
    print(json.dumps(out), flush=True)  # kept if arena-rank's pool below never returns

    # Imported only now: forking a process pool after JAX has started its threads can hang.
    # arena-rank's own bootstrap forks a multiprocessing pool after JAX has started, which
    # deadlocks here (JAX warns about exactly that), so its per-replicate function is called in
    # a loop instead: the same work on one core rather than two.
    from arena_rank.models.bradley_terry import BradleyTerry, fit_single_bootstrap_sample
    from arena_rank.utils.data_utils import PairDataset

    ar_frame = frame.replace({"winner": {"tie (bothbad)": "both_bad"}})
    start = time.perf_counter()
    dataset = PairDataset.from_pandas(ar_frame)
    model = BradleyTerry(n_competitors=len(dataset.competitors))
    total = float(dataset.counts.sum())
    boot_counts = np.random.default_rng(0).multinomial(
        int(total), np.asarray(dataset.counts) / total, size=reps
    )
    for counts in boot_counts:
        fit_single_bootstrap_sample(counts.astype(np.float64), model, dataset)
    out["arena_rank_boot"] = time.perf_counter() - start
    return out


def run_anchor(
    python: str, task: str, data: dict[str, np.ndarray], reps: int = 0, timeout: int = 1800
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "battles.npz"
        np.savez(path, allow_pickle=False, **data)
        command = [python, SCRIPT, "--worker", task, str(path), str(reps)]
        # A session of its own, so a timeout also ends the anchor's process-pool workers.
        with subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as proc:
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                stdout, stderr = proc.communicate()
                print(f"  anchor {task} did not finish within {timeout}s; partial results only")
    lines = [ln for ln in stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        print(f"  anchor {task} failed: {stderr.strip().splitlines()[-1:]}")
        return {}
    return dict(json.loads(lines[-1]))

