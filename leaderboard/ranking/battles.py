"""The battle set: who met whom, who won, how often, and (optionally) how the answers looked.

Everything downstream works on integer model indices and outcome codes so that a ten-million-vote
arena fits in a few hundred megabytes; names are resolved once, here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from leaderboard.ranking.columns import Column, ColumnError, battle_codes
from leaderboard.ranking.device import DTYPE

A_WINS = 0
B_WINS = 1
TIE = 2
BOTH_BAD = 3

BothBad = Literal["tie", "drop"]

# FastChat's spelling and ours; both appear in released data, so both are accepted everywhere.
WINNER_CODES: dict[str, int] = {
    "model_a": A_WINS,
    "a": A_WINS,
    "model_b": B_WINS,
    "b": B_WINS,
    "tie": TIE,
    "tie (bothbad)": BOTH_BAD,
    "both_bad": BOTH_BAD,
}


def bin_sums(index: torch.Tensor, weight: torch.Tensor, size: int) -> torch.Tensor:
    """``torch.bincount(index, weights=weight, minlength=size)`` for indices known to lie in
    ``range(size)``: ``scatter_add_`` skips bincount's extra pass to find the largest index and
    is about five times faster on the CPU."""
    return torch.zeros(size, dtype=weight.dtype, device=weight.device).scatter_add_(0, index, weight)


def weighted_unique(
    key: torch.Tensor, weight: torch.Tensor, key_space: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Distinct keys with positive summed weight, ascending.

    A dense ``bincount`` is linear time and, for the key spaces of arenas with up to a few
    thousand contenders, far faster than the sort behind ``torch.unique``; beyond that the sort
    is used so memory stays bounded.
    """
    if key_space <= 1 << 24:
        sums = bin_sums(key, weight, key_space)
        unique = (sums > 0).nonzero().flatten()
        return unique, sums[unique]
    unique, inverse = torch.unique(key, return_inverse=True)
    sums = torch.zeros(unique.shape[0], dtype=weight.dtype, device=key.device)
    sums.index_add_(0, inverse, weight)
    keep = sums > 0
    return unique[keep], sums[keep]


def column_major(features: torch.Tensor) -> torch.Tensor:
    """The (battles, k) feature matrix laid out column by column (strides ``(1, battles)``).

    The style fit reads features a whole column at a time (``X^T v``, ``X^T diag(w) X``);
    row-major storage made each of those a strided read.
    """
    transposed = features.T
    return features if transposed.is_contiguous() else transposed.contiguous().T


def feature_rows(features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``features[mask]``, staying column-major without a second copy."""
    return column_major(features).T[:, mask].T


class BattleDataError(ValueError):
    """Raised for votes that cannot be ranked; adapters turn it into a clear message."""


def winner_code(winner: str) -> int:
    """Map a winner label to its outcome code, rejecting anything unknown loudly."""
    try:
        return WINNER_CODES[winner]
    except KeyError:
        allowed = ", ".join(sorted(WINNER_CODES))
        raise BattleDataError(f"unknown winner {winner!r}; expected one of: {allowed}") from None


@dataclass(frozen=True)
class BattleSet:
    """Battles as index tensors (CPU, int64) with frequency counts and optional style features.

    ``counts[k]`` says how many identical battles row ``k`` stands for, so a pair-count file and
    a raw vote log are the same thing to the fitters. ``features`` holds one row per battle of
    already-differenced style features (see :mod:`leaderboard.ranking.style`).
    """

    models: list[str]
    model_a: torch.Tensor
    model_b: torch.Tensor
    outcome: torch.Tensor
    counts: torch.Tensor
    features: torch.Tensor | None = None
    feature_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = self.model_a.shape[0]
        for name in ("model_b", "outcome", "counts"):
            if getattr(self, name).shape != (n,):
                raise BattleDataError(f"{name} must have shape ({n},)")
        if self.features is not None and self.features.shape[0] != n:
            raise BattleDataError("features must have one row per battle")
        if not n:
            return
        for name, upper in (("model_a", len(self.models) - 1), ("model_b", len(self.models) - 1)):
            low, high = torch.aminmax(getattr(self, name))
            if int(low) < 0 or int(high) > upper:
                raise BattleDataError(f"{name} index out of range")
        low, high = torch.aminmax(self.outcome)
        if int(low) < 0 or int(high) > BOTH_BAD:
            raise BattleDataError("outcome codes must be 0..3")
        # NaN and infinity survive a sum, so one reduction checks every count.
        if not bool(torch.isfinite(self.counts.sum())):
            raise BattleDataError("counts must be finite numbers (no NaN or infinity)")
        if float(self.counts.min()) < 0:
            raise BattleDataError("counts must be non-negative")
        if any(not isinstance(m, str) or not m for m in self.models):
            raise BattleDataError("model names must be non-empty strings")

    @property
    def num_models(self) -> int:
        return len(self.models)

    @property
    def num_rows(self) -> int:
        return int(self.model_a.shape[0])

    @property
    def num_battles(self) -> float:
        return float(self.counts.sum())

    @classmethod
    def from_indices(
        cls,
        models: Sequence[str],
        model_a: Sequence[int] | np.ndarray | torch.Tensor,
        model_b: Sequence[int] | np.ndarray | torch.Tensor,
        outcome: Sequence[int] | np.ndarray | torch.Tensor,
        counts: Sequence[float] | np.ndarray | torch.Tensor | None = None,
        features: np.ndarray | torch.Tensor | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> BattleSet:
        """Build from integer indices, the fastest route for large synthetic or stored data."""
        a = torch.as_tensor(np.asarray(model_a), dtype=torch.int64).reshape(-1)
        b = torch.as_tensor(np.asarray(model_b), dtype=torch.int64).reshape(-1)
        o = torch.as_tensor(np.asarray(outcome), dtype=torch.int64).reshape(-1)
        c = (
            torch.ones(a.shape[0], dtype=DTYPE)
            if counts is None
            else torch.as_tensor(np.asarray(counts), dtype=DTYPE).reshape(-1)
        )
        f = None
        names: list[str] = list(feature_names or [])
        if features is not None:
            f = torch.as_tensor(np.asarray(features), dtype=DTYPE)
            if f.ndim == 1:
                f = f[:, None]
            f = column_major(f)
            if not names:
                names = [f"feature_{i}" for i in range(f.shape[1])]
            if len(names) != f.shape[1]:
                raise BattleDataError("feature_names must name every feature column")
        return cls(list(models), a, b, o, c, f, names)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Sequence[object]],
        *,
        models: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> BattleSet:
        """Build from ``(model_a, model_b, winner[, features])`` tuples, as Django has them.

        ``features`` is a sequence of already-differenced style features, one per name in
        ``feature_names``. Passing ``models`` fixes the index order (and keeps contenders without
        votes on the leaderboard).
        """
        index: dict[str, int] = {m: i for i, m in enumerate(models or [])}
        names = list(models or [])
        a_idx: list[int] = []
        b_idx: list[int] = []
        codes: list[int] = []
        feats: list[Sequence[float]] = []
        for row_number, record in enumerate(records):
            if len(record) not in (3, 4):
                raise BattleDataError(f"battle {row_number}: expected (model_a, model_b, winner)")
            for name in record[:2]:
                if not isinstance(name, str) or not name:
                    raise BattleDataError(f"battle {row_number}: model names must be strings")
                if name not in index:
                    index[name] = len(names)
                    names.append(name)
            a_idx.append(index[str(record[0])])
            b_idx.append(index[str(record[1])])
            codes.append(winner_code(str(record[2])))
            if len(record) == 4:
                feats.append(record[3])  # type: ignore[arg-type]
        if feats and len(feats) != len(codes):
            raise BattleDataError("either every battle carries features or none does")
        features = np.asarray(feats, dtype=np.float64) if feats else None
        if features is not None and features.ndim == 1:
            features = features[:, None]
        return cls.from_indices(names, a_idx, b_idx, codes, None, features, feature_names)

    @classmethod
    def from_columns(
        cls,
        model_a: Column,
        model_b: Column,
        winner: Column,
        counts: Sequence[float] | np.ndarray | None = None,
        features: np.ndarray | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> BattleSet:
        """Build from parallel string columns: Arrow arrays from a file, or Python sequences.

        Names get indices in first-seen order (``model_a`` first, then ``model_b``), by Arrow's
        dictionary encoding (:mod:`leaderboard.ranking.columns`).
        """
        if len(model_a) != len(model_b) or len(model_a) != len(winner):
            raise BattleDataError("model_a, model_b and winner must have the same length")
        try:
            models, a, b, o = battle_codes(model_a, model_b, winner, WINNER_CODES)
        except ColumnError as exc:
            raise BattleDataError(str(exc)) from None
        except KeyError as exc:
            winner_code(str(exc.args[0]))
            raise
        return cls.from_indices(models, a, b, o, counts, features, feature_names)

    def to(self, device: torch.device) -> BattleSet:
        """Move the tensors so that fitting never crosses devices mid-computation."""
        feats = None if self.features is None else self.features.to(device)
        return BattleSet(
            self.models,
            self.model_a.to(device),
            self.model_b.to(device),
            self.outcome.to(device),
            self.counts.to(device),
            feats,
            self.feature_names,
        )

    def votes_per_model(self) -> torch.Tensor:
        """Battles each contender took part in (both-bad included), as shown on a leaderboard."""
        n = self.num_models
        c = self.counts.to(DTYPE)
        return bin_sums(self.model_a, c, n) + bin_sums(self.model_b, c, n)

    def aggregated(self) -> BattleSet:
        """Merge identical (a, b, outcome) rows into weighted rows.

        Fitting cost then depends on the number of distinct pairs, not on the number of votes.
        Features vary per battle, so a set that carries them cannot be aggregated.
        """
        if self.features is not None:
            raise BattleDataError("battles with per-battle features cannot be aggregated")
        n = self.num_models
        key = self.model_a * n  # the only full-length temporary: the rest is done in place
        key += self.model_b
        key *= 4
        key += self.outcome
        unique, counts = weighted_unique(key, self.counts.to(DTYPE), 4 * n * n)
        return BattleSet(
            self.models,
            torch.div(unique // 4, n, rounding_mode="floor"),
            (unique // 4) % n,
            unique % 4,
            counts,
        )

    def subset(self, mask: torch.Tensor) -> BattleSet:
        """Keep the rows where ``mask`` is true (used for dropping both-bad votes)."""
        feats = None if self.features is None else feature_rows(self.features, mask)
        return BattleSet(
            self.models,
            self.model_a[mask],
            self.model_b[mask],
            self.outcome[mask],
            self.counts[mask],
            feats,
            self.feature_names,
        )
