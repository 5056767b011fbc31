"""Writing a release directory's files. Pure Python (pyarrow, no Django), deterministic:
the same rows give byte-identical files, so checksums identify a release's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict

import pyarrow.parquet as pq

from leaderboard.ranking import rank_battles
from leaderboard.ranking.io import read_battle_file
from releases.schema import DATA_BASENAME, FORMAT_VERSION, INSTALL, LEADERBOARD, MANIFEST

# The engine's defaults, pinned: `python -m leaderboard.ranking battles.jsonl --json --device cpu`
# runs exactly this.
LEADERBOARD_OPTIONS: dict[str, Any] = {"ci": "sandwich", "both_bad": "tie", "device": "cpu"}


class FileFacts(TypedDict):
    """What the manifest says of a file."""

    sha256: str
    bytes: int


def json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_file_write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")


def leaderboard_compute(battles_file: Path) -> dict[str, Any]:
    """The engine's leaderboard of a battles file, without the run's wall-clock duration.

    Reads battles.parquet, of which the engine reads only the three columns it needs; the
    JSONL would be parsed whole, conversations included.
    """
    if pq.ParquetFile(battles_file).metadata.num_rows == 0:
        return {"method": "bradley_terry", "params": {}, "device": "cpu", "rows": [],
                "coefficients": []}
    result = rank_battles(read_battle_file(battles_file), **LEADERBOARD_OPTIONS).to_dict()
    result.pop("duration_s", None)
    return result


def leaderboard_write(directory: Path) -> dict[str, Any]:
    source = f"{DATA_BASENAME}.parquet"
    board = leaderboard_compute(directory / source)
    board["source"] = source
    board["install"] = INSTALL
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


def manifest_write(directory: Path, meta: dict[str, Any],
                   written: Mapping[str, FileFacts] | None = None) -> dict[str, Any]:
    """manifest.json: the release's facts plus the SHA-256 and size of every other file.

    `written` holds the facts of files hashed as they were written (gigabytes of JSON, not read
    back); a file whose size no longer matches is hashed again.
    """
    files: dict[str, FileFacts] = {}
    for path in release_files(directory):
        name = path.relative_to(directory).as_posix()
        size = path.stat().st_size
        known = (written or {}).get(name)
        files[name] = known if known and known["bytes"] == size else {"sha256": sha256_file(path),
                                                                       "bytes": size}
    manifest = {"format_version": FORMAT_VERSION, **meta, "files": files}
    json_file_write(directory / MANIFEST, manifest)
    return manifest
