"""Writing a release directory's files. Pure Python (pyarrow, no Django), deterministic:
the same rows give byte-identical files, so checksums identify a release's content.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow.json as pj
import pyarrow.parquet as pq

from leaderboard.ranking import rank_battles
from leaderboard.ranking.io import read_battle_file
from releases.schema import (
    DATA_BASENAME,
    FASTCHAT_PATH,
    FORMAT_VERSION,
    INSTALL,
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


class DataWriter:
    """battles.jsonl, battles.parquet (and FastChat's JSON) written as lines arrive.

    Each row comes as its JSONL line (columns in schema order) and, with FastChat, its
    FastChat record. Lines are buffered `batch` at a time and parsed by Arrow's JSON reader
    (C++, typed by the schema) into one record batch, one Parquet row group: the Parquet file
    holds exactly what the JSONL says, and memory holds one batch, not the release. The batch
    size is fixed, so the same lines always give the same row groups and the same bytes.
    FastChat's file is a JSON array with one record per line, which FastChat reads as a list
    and `releases.verify` streams.
    """

    def __init__(self, directory: Path, *, kind: str, fastchat: bool, batch: int = 1000) -> None:
        self.schema = schema_for(kind)
        self.batch = batch
        self.buffer: list[str] = []
        self.jsonl = (directory / f"{DATA_BASENAME}.jsonl").open("w", encoding="utf-8", newline="\n")
        self.parquet = pq.ParquetWriter(directory / f"{DATA_BASENAME}.parquet", self.schema,
                                        compression="zstd")
        self.parse = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="error")
        self.fastchat = None
        self.fastchat_rows = 0
        if fastchat:
            (directory / FASTCHAT_PATH).parent.mkdir(parents=True, exist_ok=True)
            self.fastchat = (directory / FASTCHAT_PATH).open("w", encoding="utf-8", newline="\n")
            self.fastchat.write("[")

    def write(self, row: dict[str, Any]) -> None:
        """A row as a dict (any key order; FastChat's record derived from it)."""
        line = json_line({name: row[name] for name in self.schema.names})
        self.write_line(line, json_line(fastchat_row(row)) if self.fastchat is not None else None)

    def write_line(self, line: str, fastchat: str | None = None) -> None:
        """A row as its JSONL line, columns in schema order, and its FastChat record if any."""
        self.jsonl.write(line)
        self.jsonl.write("\n")
        if self.fastchat is not None and fastchat is not None:
            self.fastchat.write(("," if self.fastchat_rows else "") + "\n" + fastchat)
            self.fastchat_rows += 1
        self.buffer.append(line)
        if len(self.buffer) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        data = "\n".join(self.buffer).encode()
        table = pj.read_json(io.BytesIO(data), parse_options=self.parse,
                             read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1))
        # The reader refuses a null in a non-null column, but its fields come out nullable;
        # the cast puts the schema's flags back so the file's schema is the release's.
        self.parquet.write_table(table.cast(self.schema), row_group_size=self.batch)
        self.buffer = []

    def close(self) -> None:
        self._flush()
        self.parquet.close()
        self.jsonl.close()
        if self.fastchat is not None:
            self.fastchat.write("\n]\n")
            self.fastchat.close()

    def __enter__(self) -> DataWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
