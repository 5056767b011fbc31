"""``python -m releases.verify DIR``: check a release directory on its own, without Django.

Checks the manifest's checksums (and that no file is unlisted), the schema of the data files,
that annotators appear only as pseudonyms and that no email, phone number, IP address, card
number or UUID-shaped identifier is left in any text, and recomputes the leaderboard from
battles.jsonl to compare with leaderboard.json. Exit status 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from releases.files import leaderboard_compute, release_files, sha256_file
from releases.pseudonyms import PATTERN as PSEUDONYM
from releases.redaction import find_pii
from releases.schema import (
    CARD,
    DATA_BASENAME,
    FASTCHAT_FIELDS,
    FASTCHAT_PATH,
    LEADERBOARD,
    MANIFEST,
    manifest_kind,
    schema_for,
)

TOLERANCE = 1e-4  # Elo points; the file holds values rounded to 1e-6


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def fail(self, message: str) -> None:
        self.failures.append(message)


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _strings(item, f"{where}[{k}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, str(key)
            yield from _strings(item, f"{where}.{key}")


def _scan(report: Report, value: Any, where: str) -> None:
    for place, text in _strings(value, where):
        for kind, excerpt in find_pii(text):
            report.fail(f"{place}: unredacted {kind.lower()} {excerpt[:40]!r}")
        if kind_json := _embedded_json(text):
            _scan(report, kind_json, place)


def _embedded_json(text: str) -> Any:
    if not text or text[0] not in "[{":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _check_files(report: Report, directory: Path, manifest: dict[str, Any]) -> None:
    listed = manifest.get("files", {})
    present = {p.relative_to(directory).as_posix() for p in release_files(directory)}
    for name in sorted(present - listed.keys()):
        report.fail(f"{name}: not listed in {MANIFEST}")
    for name, facts in sorted(listed.items()):
        path = directory / name
        if not path.is_file():
            report.fail(f"{name}: listed in {MANIFEST} but missing")
        elif sha256_file(path) != facts.get("sha256"):
            report.fail(f"{name}: SHA-256 does not match {MANIFEST} (file changed)")
        elif path.stat().st_size != facts.get("bytes"):
            report.fail(f"{name}: size does not match {MANIFEST}")


def _check_data(report: Report, directory: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    schema = schema_for(manifest_kind(manifest))
    jsonl = directory / f"{DATA_BASENAME}.jsonl"
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except ValueError as error:
            report.fail(f"{jsonl.name} line {number}: not JSON ({error})")
            continue
        if list(row) != schema.names:
            report.fail(f"{jsonl.name} line {number}: columns {list(row)} differ from the schema")
        rows.append(row)
    table = pq.read_table(directory / f"{DATA_BASENAME}.parquet")
    if not table.schema.equals(schema, check_metadata=False):
        report.fail(f"{DATA_BASENAME}.parquet: schema differs from the {manifest_kind(manifest)} schema")
    elif table.to_pylist() != rows:
        report.fail(f"{DATA_BASENAME}.parquet and {jsonl.name} hold different rows")
    counts = manifest.get("counts", {})
    if counts.get("battles") != len(rows):
        report.fail(f"{MANIFEST}: counts.battles is {counts.get('battles')}, the data has {len(rows)}")
    per_model: Counter[str] = Counter()
    for number, row in enumerate(rows, start=1):
        per_model[str(row.get("model_a"))] += 1
        per_model[str(row.get("model_b"))] += 1
        if not re.match(PSEUDONYM, str(row.get("judge", ""))):
            judge = str(row.get("judge"))[:40]
            report.fail(f"{jsonl.name} line {number}: judge {judge!r} is not a pseudonym")
        _scan(report, row, f"{jsonl.name} line {number}")
    if dict(per_model) != counts.get("per_model"):
        report.fail(f"{MANIFEST}: counts.per_model does not match the data")
    return rows


def _check_fastchat(report: Report, directory: Path, rows: list[dict[str, Any]]) -> None:
    path = directory / FASTCHAT_PATH
    if not path.is_file():
        return
    battles = json.loads(path.read_text(encoding="utf-8"))
    if len(battles) != len(rows) or any(set(b) != set(FASTCHAT_FIELDS) for b in battles):
        report.fail(f"{FASTCHAT_PATH}: rows or fields differ from {DATA_BASENAME}.jsonl")
    _scan(report, battles, FASTCHAT_PATH)


def _check_leaderboard(report: Report, directory: Path) -> None:
    published = json.loads((directory / LEADERBOARD).read_text(encoding="utf-8"))
    recomputed = leaderboard_compute(directory / f"{DATA_BASENAME}.jsonl")
    if published.get("method") != recomputed["method"] or published.get("params") != recomputed["params"]:
        report.fail(f"{LEADERBOARD}: method or parameters differ from a recomputation")
        return
    old, new = published.get("rows", []), recomputed["rows"]
    def identity(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["model"], r["rank"], r["votes"]) for r in rows]

    if identity(old) != identity(new):
        report.fail(f"{LEADERBOARD}: models, ranks or votes differ from a recomputation")
        return
    for a, b in zip(old, new, strict=True):
        for key in ("rating", "lower", "upper"):
            if (a[key] is None) != (b[key] is None) or (
                a[key] is not None and abs(a[key] - b[key]) > TOLERANCE
            ):
                report.fail(f"{LEADERBOARD}: {a['model']} {key} {a[key]} but recomputed {b[key]}")


def release_verify(directory: Path) -> list[str]:
    """Every failure found, as a message naming the file; empty when the release checks out."""
    report = Report()
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        return [f"{directory}: no {MANIFEST}"]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError as error:
        return [f"{MANIFEST}: not JSON ({error})"]
    _check_files(report, directory, manifest)
    try:
        rows = _check_data(report, directory, manifest)
        _check_fastchat(report, directory, rows)
        _check_leaderboard(report, directory)
    except (OSError, ValueError, KeyError) as error:  # pyarrow errors subclass these
        report.fail(f"cannot read the release data: {error}")
    card = directory / CARD
    if card.is_file():
        _scan(report, card.read_text(encoding="utf-8"), CARD)
    else:
        report.fail(f"{CARD}: missing")
    _scan(report, manifest, MANIFEST)
    return report.failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m releases.verify", description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    failures = release_verify(args.directory)
    for message in failures:
        print(f"FAIL {message}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} problem(s) in {args.directory}", file=sys.stderr)
        return 1
    print(f"ok: {args.directory} checks out (checksums, schema, privacy scan, leaderboard)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
