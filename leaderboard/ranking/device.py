"""Where the ranking engine runs.

Every tensor is float64 so that a leaderboard computed on a GPU worker and one computed on a
laptop agree to well below the precision anyone reads off a leaderboard.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import torch

P = ParamSpec("P")
R = TypeVar("R")

DTYPE = torch.float64


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Pick CUDA when present unless the caller names a device.

    An explicit argument wins so that tests and reproductions can pin the CPU on a GPU host.
    """
    if device is not None:
        try:
            chosen = torch.device(device)
        except RuntimeError:
            raise ValueError(f"unknown device {str(device)!r}; expected cpu, cuda or cuda:N") from None
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} asked for, but CUDA is not available here")
        return chosen
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def cpu_threads(limit: int | None) -> Iterator[None]:
    """At most `limit` torch threads inside the block (None: as configured), restored after."""
    before = torch.get_num_threads()
    if limit is None or before <= limit:
        yield
        return
    torch.set_num_threads(limit)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def single_threaded_unless_large(fit: Callable[P, R]) -> Callable[P, R]:
    """Run a plain fit on one CPU thread.

    After aggregation a plain fit works on at most ~4n^2 rows, where splitting each small
    tensor operation across threads costs more than it saves, and on a shared machine each
    split waits for a preempted thread: measured at 3M votes on two busy cores, 0.17 s on one
    thread against 0.8-1.1 s on two. Style-controlled fits and bootstrap batches work on large
    tensors and keep every thread.
    """

    @functools.wraps(fit)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        large = bool(kwargs.get("style")) or kwargs.get("ci") == "bootstrap"
        with cpu_threads(None if large else 1):
            return fit(*args, **kwargs)

    return run
