"""Where the ranking engine runs.

Every tensor is float64 so that a leaderboard computed on a GPU worker and one computed on a
laptop agree to well below the precision anyone reads off a leaderboard.
"""

from __future__ import annotations

import torch

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
