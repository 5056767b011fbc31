"""The one clock of the ranking benchmark, used by our side and by the anchors' worker alike.

Why a module of its own: a ratio means something only if both sides are timed by the same
rules, so the worker that runs in the benchmark virtualenv imports exactly this code.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 2) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def cli_seconds(command: list[str]) -> float:
    """Wall time of a whole process, start-up and imports included (best of two)."""
    def once() -> None:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    seconds, _ = best_of(once)
    return seconds
