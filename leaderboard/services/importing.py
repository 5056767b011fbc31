"""Importing a released battle file into an arena as real battles and votes.

Imported votes are ordinary rows (anonymous, voted battles), so they rank, export and moderate
like any other vote. Each vote's idempotency key is derived from the arena, the pair, the
outcome and its occurrence number in the file, so importing the same file twice adds nothing,
and importing a newer release of the same data adds only what is new.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils.text import slugify

from annotators.models import Annotator
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    ContenderStatus,
    Turn,
    Vote,
)
from leaderboard.ranking.io import BattleFileError, read_battle_file

IMPORTED_PROVIDER = "imported"
PLACEHOLDER_PROMPT = "(imported vote; the prompt was not released)"
CHOICES = ("a", "b", "tie", "both_bad")
BATCH = 5_000
_NAMESPACE = uuid.UUID("6c1f0d57-5d0e-4a38-9f0a-6f6d2f5d8b11")


@dataclass
class ImportReport:
    battles_in_file: int = 0
    created: int = 0
    skipped_existing: int = 0
    skipped_self: int = 0
    contenders_created: int = 0


def imported_annotator() -> Annotator:
    """The one placeholder annotator that owns every imported vote (no consent: never released
    as anyone's conversation)."""
    annotator, _ = Annotator.objects.get_or_create(id=uuid.uuid5(_NAMESPACE, "imported"))
    return annotator


def _contenders(arena: Arena, names: list[str], report: ImportReport) -> list[int]:
    """Contender ids for the file's model names, creating paused imported ones as needed."""
    existing = dict(Contender.objects.filter(arena=arena).values_list("name", "id"))
    slugs = set(Contender.objects.filter(arena=arena).values_list("slug", flat=True))
    ids = []
    for name in names:
        if name not in existing:
            base = slugify(name)[:44] or "model"
            slug, n = base, 1
            while slug in slugs:
                n += 1
                slug = f"{base}-{n}"
            slugs.add(slug)
            contender = Contender.objects.create(
                arena=arena, slug=slug, name=name[:120], provider_kind=IMPORTED_PROVIDER,
                status=ContenderStatus.PAUSED, sampling_weight=0,
            )
            existing[name] = contender.id
            report.contenders_created += 1
        ids.append(existing[name])
    return ids


def _prompts(path: Path) -> list[str | None] | None:
    """First prompts from a one-battle-per-row file that has them, in file order."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:
            return None
        table = pq.read_table(path)
        if "prompt" not in table.column_names:
            return None
        return [p if isinstance(p, str) else None for p in table.column("prompt").to_pylist()]
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else None
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    if items is None or not any(isinstance(i, dict) and "prompt" in i for i in items):
        return None
    return [i.get("prompt") if isinstance(i.get("prompt"), str) else None for i in items]


def _expanded(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    battles = read_battle_file(path)
    counts = battles.counts.numpy()
    if np.any(counts != np.round(counts)):
        raise BattleFileError(f"{path}: battle counts must be whole numbers to import")
    repeat = counts.astype(np.int64)
    return (
        battles.models,
        np.repeat(battles.model_a.numpy(), repeat),
        np.repeat(battles.model_b.numpy(), repeat),
        np.repeat(battles.outcome.numpy(), repeat),
    )


def _keys(arena_id: int, names: list[str], a: np.ndarray, b: np.ndarray,
          outcome: np.ndarray) -> Iterator[str]:
    """Deterministic idempotency keys: the k-th (a, b, outcome) of the file gets number k."""
    seen: dict[tuple[int, int, int], int] = {}
    for triple in zip(a.tolist(), b.tolist(), outcome.tolist(), strict=True):
        k = seen.get(triple, 0)
        seen[triple] = k + 1
        raw = f"{arena_id}\x1f{names[triple[0]]}\x1f{names[triple[1]]}\x1f{triple[2]}\x1f{k}"
        yield "imp-" + hashlib.blake2b(raw.encode(), digest_size=20).hexdigest()


def battles_import(*, arena: Arena, path: str | Path, batch_size: int = BATCH) -> ImportReport:
    """Load the file into the arena. Raises BattleFileError for a file that cannot be read."""
    path = Path(path)
    names, a, b, outcome = _expanded(path)
    prompts = _prompts(path)
    if prompts is not None and len(prompts) != len(outcome):
        prompts = None
    report = ImportReport(battles_in_file=int(outcome.shape[0]))
    annotator = imported_annotator()
    contender_ids = _contenders(arena, names, report)
    keys = _keys(arena.id, names, a, b, outcome)
    for start in range(0, report.battles_in_file, batch_size):
        stop = min(start + batch_size, report.battles_in_file)
        batch_keys = [next(keys) for _ in range(start, stop)]
        _import_batch(arena, annotator, contender_ids, a, b, outcome, prompts,
                      start, batch_keys, report)
    return report


def _import_batch(arena: Arena, annotator: Annotator, contender_ids: list[int], a: np.ndarray,
                  b: np.ndarray, outcome: np.ndarray, prompts: list[str | None] | None,
                  start: int, batch_keys: list[str], report: ImportReport) -> None:
    with transaction.atomic():
        present = set(
            Vote.objects.filter(idempotency_key__in=batch_keys)
            .values_list("idempotency_key", flat=True)
        )
        battles, turns, votes = [], [], []
        for offset, key in enumerate(batch_keys):
            if key in present:
                report.skipped_existing += 1
                continue
            row = start + offset
            first, second = contender_ids[a[row]], contender_ids[b[row]]
            if first == second:
                report.skipped_self += 1
                continue
            battle_id = uuid.uuid5(_NAMESPACE, key)
            battles.append(Battle(
                id=battle_id, arena=arena, annotator=annotator, mode=BattleMode.ANONYMOUS,
                contender_a_id=first, contender_b_id=second, state=BattleState.VOTED,
            ))
            prompt = (prompts[row] if prompts else None) or PLACEHOLDER_PROMPT
            turns.append(Turn(battle_id=battle_id, index=0, prompt=prompt))
            votes.append(Vote(
                battle_id=battle_id, annotator=annotator, choice=CHOICES[outcome[row]],
                idempotency_key=key,
            ))
        Battle.objects.bulk_create(battles)
        Turn.objects.bulk_create(turns)
        Vote.objects.bulk_create(votes)
        report.created += len(votes)
