"""battles.jsonl, battles.parquet and FastChat's JSON, written by a thread as lines arrive.

Each row comes as its JSONL line (columns in schema order) and, with FastChat, its FastChat
record. Lines are handed over `batch` at a time to one writer thread, which encodes them once,
appends them to the JSONL file, parses them with Arrow's JSON reader (C++, typed by the schema)
into one record batch, one Parquet row group, and appends the FastChat records. The Parquet
file holds exactly what the JSONL says, memory holds a few batches, not the release.

Why a thread: Arrow's parser, the Parquet encoder, the file writes and SHA-256 run without the
GIL, so they take a second core while the build's own thread reads and splices the next rows
(a third of a large build's time was spent here, on the same core). One thread, batches in
order, a fixed batch size: the same lines always give the same bytes. The JSONL and FastChat
files are hashed as they are written, so the manifest need not read gigabytes back.

FastChat's file is a JSON array with one record per line, which FastChat reads as a list and
`releases.verify` streams.
"""

from __future__ import annotations

import hashlib
import io
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.json as pj
import pyarrow.parquet as pq

from releases.files import FileFacts, json_line
from releases.schema import DATA_BASENAME, FASTCHAT_PATH, fastchat_row, schema_for

# Batches waiting for the writer thread: enough to absorb a slow write, few enough to bound memory.
QUEUED_BATCHES = 4


class _HashedFile:
    """A binary file that keeps the SHA-256 and size of what was written to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self) -> None:
        self.handle.close()

    def facts(self) -> FileFacts:
        return {"sha256": self.digest.hexdigest(), "bytes": self.size}


@dataclass(slots=True)
class _Batch:
    lines: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)  # FastChat's


class DataWriter:
    """The release's data files, written as lines arrive (see the module's docstring)."""

    def __init__(self, directory: Path, *, kind: str, fastchat: bool, batch: int = 1000) -> None:
        self.directory = directory
        self.schema = schema_for(kind)
        self.batch = batch
        self.pending = _Batch()
        self.jsonl = _HashedFile(directory / f"{DATA_BASENAME}.jsonl")
        self.parquet = pq.ParquetWriter(directory / f"{DATA_BASENAME}.parquet", self.schema,
                                        compression="zstd")
        self.parse = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="error")
        self.fastchat: _HashedFile | None = None
        self.fastchat_rows = 0
        if fastchat:
            (directory / FASTCHAT_PATH).parent.mkdir(parents=True, exist_ok=True)
            self.fastchat = _HashedFile(directory / FASTCHAT_PATH)
            self.fastchat.write(b"[")
        self.queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="release-writer", daemon=True)
        self.thread.start()
        self.closed = False

    def write(self, row: dict[str, Any]) -> None:
        """A row as a dict (any key order; FastChat's record derived from it)."""
        line = json_line({name: row[name] for name in self.schema.names})
        self.write_line(line, json_line(fastchat_row(row)) if self.fastchat is not None else None)

    def write_line(self, line: str, fastchat: str | None = None) -> None:
        """A row as its JSONL line, columns in schema order, and its FastChat record if any."""
        self.pending.lines.append(line)
        if self.fastchat is not None and fastchat is not None:
            self.pending.records.append(fastchat)
        if len(self.pending.lines) >= self.batch:
            self._hand_over()

    def _hand_over(self) -> None:
        if self.failure is not None:
            raise RuntimeError("writing the release files failed") from self.failure
        if self.pending.lines or self.pending.records:
            self.queue.put(self.pending)
            self.pending = _Batch()

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.failure is None:  # after a failure, only drain the queue
                try:
                    self._write(batch)
                except BaseException as error:  # raised again in the build's thread
                    self.failure = error

    def _write(self, batch: _Batch) -> None:
        if batch.lines:
            data = ("\n".join(batch.lines) + "\n").encode()
            self.jsonl.write(data)
            table = pj.read_json(io.BytesIO(data), parse_options=self.parse,
                                 read_options=pj.ReadOptions(use_threads=False,
                                                             block_size=len(data) + 1))
            # The reader refuses a null in a non-null column, but its fields come out nullable;
            # the cast puts the schema's flags back so the file's schema is the release's.
            self.parquet.write_table(table.cast(self.schema), row_group_size=self.batch)
        if batch.records and self.fastchat is not None:
            joined = ("," if self.fastchat_rows else "") + "\n" + ",\n".join(batch.records)
            self.fastchat.write(joined.encode())
            self.fastchat_rows += len(batch.records)

    def close(self) -> None:
        """Write what is pending, wait for the thread, close the files; raise what it raised."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.failure is None and (self.pending.lines or self.pending.records):
                self.queue.put(self.pending)
        finally:
            self.queue.put(None)
            self.thread.join()
            self.parquet.close()
            self.jsonl.close()
            if self.fastchat is not None:
                if self.failure is None:
                    self.fastchat.write(b"\n]\n")
                self.fastchat.close()
        if self.failure is not None:
            raise RuntimeError("writing the release files failed") from self.failure

    def written(self) -> dict[str, FileFacts]:
        """The checksum and size of the JSONL and FastChat files, by path in the release."""
        files = [self.jsonl] + ([self.fastchat] if self.fastchat is not None else [])
        return {f.path.relative_to(self.directory).as_posix(): f.facts() for f in files}

    def __enter__(self) -> DataWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
