"""``python -m releases.verify DIR``: check a release directory on its own, without Django.

Also takes a release archive (``release-<arena>-<n>.tar.gz``), and checks the archive beside a
directory when there is one. Checks the manifest's checksums (and that no file is unlisted), the
schema of the data files, that annotators appear only as pseudonyms and that no personal data is
left in any text (the redactor's detector and an independent stricter scan,
`releases.leakscan`), and recomputes the leaderboard from battles.parquet to compare with
leaderboard.json. Exit status 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from releases.archive import SUFFIX, archive_check, archive_extract, archive_path
from releases.files import leaderboard_compute, release_files, sha256_file
from releases.leakscan import leaks
from releases.pseudonyms import PATTERN as PSEUDONYM
from releases.redaction import find_pii
from releases.schema import (
    CARD,
    DATA_BASENAME,
    FASTCHAT_FIELDS,
    FASTCHAT_PATH,
    LEADERBOARD,
    MANIFEST,
    ROW_COUNT_KEY,
    WITHOUT_LEADERBOARD,
    manifest_kind,
    row_models,
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


# Keyed hashes, registered model names, file names and timestamps: not free text, and a hash's
# hex or a date would read as digit runs to the stricter scan.
NOT_FREE_TEXT = frozenset({
    "question_id", "judge", "arena", "model_a", "model_b", "model_a_name", "model_b_name",
    "media_a", "media_b", "files", "models", "per_model", "vote_time", "prompt_times",
    "judgement_id", "item_id", "study", "model_names", "ranking", "best", "media",
})


def _findings(text: str) -> list[tuple[str, str]]:
    found = {(kind.lower(), excerpt) for kind, excerpt in find_pii(text)} | set(leaks(text))
    return sorted(found)


def _scan(report: Report, value: Any, where: str) -> None:
    """Both detectors over every free-text string: the redactor's own (what it should have
    masked) and the independent stricter scan (what it may have missed). Within one value a
    string is scanned once (each turn's prompt is on both sides of the conversation)."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k not in NOT_FREE_TEXT}
    seen: dict[str, list[tuple[str, str]]] = {}
    for place, text in _strings(value, where):
        if text not in seen:
            seen[text] = _findings(text)
        for kind, excerpt in seen[text]:
            report.fail(f"{place}: unredacted {kind} {excerpt[:40]!r}")
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


def _jsonl_rows(report: Report, path: Path, names: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                row = json.loads(line)
            except ValueError as error:
                report.fail(f"{path.name} line {number}: not JSON ({error})")
                continue
            if list(row) != names:
                report.fail(f"{path.name} line {number}: columns {list(row)} differ from the schema")
            yield number, row


def _check_data(report: Report, directory: Path, manifest: dict[str, Any]) -> None:
    """One pass over battles.jsonl and battles.parquet in lockstep, a batch at a time: memory
    holds one batch and the per-model counts, whatever the release's size."""
    import pyarrow.parquet as pq

    schema = schema_for(manifest_kind(manifest))
    jsonl = directory / f"{DATA_BASENAME}.jsonl"
    parquet = pq.ParquetFile(directory / f"{DATA_BASENAME}.parquet")
    same_schema = parquet.schema_arrow.equals(schema, check_metadata=False)
    if not same_schema:
        report.fail(f"{DATA_BASENAME}.parquet: schema differs from the {manifest_kind(manifest)} schema")
    batches = (b.to_pylist() for b in parquet.iter_batches(batch_size=1000)) if same_schema else iter(())
    buffered: list[dict[str, Any]] = []
    differ = False
    per_model: Counter[str] = Counter()
    names: dict[str, str] = {}
    count = 0
    fastchat = _fastchat_rows(report, directory / FASTCHAT_PATH)
    for number, row in _jsonl_rows(report, jsonl, schema.names):
        count += 1
        if same_schema and not differ:
            if not buffered:
                buffered = next(batches, [])[::-1]
            if not buffered or buffered.pop() != row:
                differ = True
        for model, name in row_models(row):
            per_model[model] += 1
            names[model] = name
        if not re.match(PSEUDONYM, str(row.get("judge", ""))):
            judge = str(row.get("judge"))[:40]
            report.fail(f"{jsonl.name} line {number}: judge {judge!r} is not a pseudonym")
        _scan(report, row, f"{jsonl.name} line {number}")
        if fastchat is not None:
            record = next(fastchat, None)
            if record is None or set(record) != set(FASTCHAT_FIELDS) or any(
                record[k] != row[k] for k in FASTCHAT_FIELDS if k != "language"
            ):
                report.fail(f"{FASTCHAT_PATH}: record {number} differs from {jsonl.name} line {number}")
                fastchat = None
    if same_schema and not differ and (buffered or next(batches, [])):
        differ = True
    if differ or (same_schema and parquet.metadata.num_rows != count):
        report.fail(f"{DATA_BASENAME}.parquet and {jsonl.name} hold different rows")
    if fastchat is not None and next(fastchat, None) is not None:
        report.fail(f"{FASTCHAT_PATH}: more records than {jsonl.name}")
    counts = manifest.get("counts", {})
    key = ROW_COUNT_KEY.get(manifest_kind(manifest), "battles")
    if counts.get(key) != count:
        report.fail(f"{MANIFEST}: counts.{key} is {counts.get(key)}, the data has {count}")
    if dict(per_model) != counts.get("per_model"):
        report.fail(f"{MANIFEST}: counts.per_model does not match the data")
    if "models" in manifest and manifest["models"] != names:
        report.fail(f"{MANIFEST}: models does not match the names in the data")


def _fastchat_rows(report: Report, path: Path) -> Iterator[dict[str, Any]] | None:
    """FastChat's JSON array, one record per line as the builder writes it, read lazily. Each
    record is compared field by field with its battles.jsonl row, which is scanned already."""
    if not path.is_file():
        return None

    def records() -> Iterator[dict[str, Any]]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                text = line.strip().rstrip(",")
                if text in ("[", "]", ""):
                    continue
                try:
                    record = json.loads(text)
                except ValueError:
                    report.fail(f"{FASTCHAT_PATH}: not one JSON record per line")
                    return
                if "language" in record:  # the one field not compared with battles.jsonl
                    _scan(report, record["language"], FASTCHAT_PATH)
                yield record

    return records()


def _check_leaderboard(report: Report, directory: Path) -> None:
    published = json.loads((directory / LEADERBOARD).read_text(encoding="utf-8"))
    recomputed = leaderboard_compute(directory / f"{DATA_BASENAME}.parquet")
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
    archive = archive_path(directory, manifest) if {"arena", "release"} <= manifest.keys() else None
    if archive is not None and archive.is_file():
        report.failures.extend(archive_check(archive, directory))
    try:
        _check_data(report, directory, manifest)
        if manifest_kind(manifest) not in WITHOUT_LEADERBOARD:
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


def release_archive_verify(archive: Path) -> list[str]:
    """An archive on its own (as downloaded): its checksum and members, then its unpacked
    release, checked like a directory."""
    failures = archive_check(archive)
    if failures:
        return failures
    with tempfile.TemporaryDirectory() as scratch:
        return release_verify(archive_extract(archive, Path(scratch)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m releases.verify", description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path, help=f"a release directory or its {SUFFIX} archive")
    args = parser.parse_args(argv)
    if args.directory.is_file() and args.directory.name.endswith(SUFFIX):
        failures = release_archive_verify(args.directory)
    else:
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
