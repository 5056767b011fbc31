"""Writing a release directory's files. Pure Python (pyarrow, no Django), deterministic:
the same rows give byte-identical files, so checksums identify a release's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from leaderboard.ranking import rank_battles
from leaderboard.ranking.io import read_battle_file
from releases.schema import (
    DATA_BASENAME,
    FASTCHAT_PATH,
    FORMAT_VERSION,
    LEADERBOARD,
    MANIFEST,
    fastchat_row,
    schema_for,
)

# The engine's defaults, pinned: `python -m leaderboard.ranking battles.jsonl --json --device cpu`
# runs exactly this.
LEADERBOARD_OPTIONS: dict[str, Any] = {"ci": "sandwich", "both_bad": "tie", "device": "cpu"}


def json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_file_write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")


def data_write(directory: Path, *, kind: str, rows: list[dict[str, Any]],
               fastchat: bool) -> list[str]:
    """battles.jsonl and battles.parquet (and FastChat's JSON); rows must already be sorted."""
    schema = schema_for(kind)
    names = schema.names
    written = []
    jsonl = directory / f"{DATA_BASENAME}.jsonl"
    with jsonl.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json_line({name: row[name] for name in names}) + "\n")
    written.append(jsonl.name)
    table = pa.Table.from_pylist([{n: row[n] for n in names} for row in rows], schema=schema)
    pq.write_table(table, directory / f"{DATA_BASENAME}.parquet", compression="zstd")
    written.append(f"{DATA_BASENAME}.parquet")
    if fastchat:
        path = directory / FASTCHAT_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([fastchat_row(r) for r in rows], ensure_ascii=False, indent=1)
                        + "\n", encoding="utf-8")
        written.append(FASTCHAT_PATH)
    return written


def leaderboard_compute(battles_file: Path) -> dict[str, Any]:
    """The engine's leaderboard of a battles file, without the run's wall-clock duration."""
    has_rows = battles_file.stat().st_size > 0
    if not has_rows:
        return {"method": "bradley_terry", "params": {}, "device": "cpu", "rows": [],
                "coefficients": []}
    result = rank_battles(read_battle_file(battles_file), **LEADERBOARD_OPTIONS).to_dict()
    result.pop("duration_s", None)
    return result


def leaderboard_write(directory: Path) -> dict[str, Any]:
    source = f"{DATA_BASENAME}.jsonl"
    board = leaderboard_compute(directory / source)
    board["source"] = source
    board["reproduce"] = f"python -m leaderboard.ranking {source} --json --device cpu"
    json_file_write(directory / LEADERBOARD, board)
    return board


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def release_files(directory: Path) -> Iterable[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)


def manifest_write(directory: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """manifest.json: the release's facts plus the SHA-256 and size of every other file."""
    files = {
        path.relative_to(directory).as_posix(): {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
        for path in release_files(directory)
    }
    manifest = {"format_version": FORMAT_VERSION, **meta, "files": files}
    json_file_write(directory / MANIFEST, manifest)
    return manifest
