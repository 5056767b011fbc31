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
files are hashed as they are written, so the manifest need not read gigabytes back, and, given
`deflate_into`, deflated for the archive as they are written (`releases.gzip_blocks`), in the
time the build waits on the GIL and the database, instead of after it.

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
from releases.gzip_blocks import Deflated, GzipBlocks
from releases.schema import DATA_BASENAME, FASTCHAT_PATH, fastchat_row, schema_for

# Row groups handed to the writer thread at once. Each hand-over costs the thread a dozen
# returns to the GIL (after a write, a hash, a parse...), and each return waits for the build's
# thread to yield it, up to the interpreter's switch interval (5 ms): per row group of 1,000
# that was most of the thread's time; per 8 it is little. About 25 MB of text at a time.
GROUPS_PER_HANDOVER = 8
# Hand-overs waiting for the writer thread: enough to absorb a slow write, few to bound memory.
QUEUED_HANDOVERS = 2


class _HashedFile:
    """A binary file that keeps the SHA-256 and size of what was written to it, and deflates it
    for the archive as it goes when given where (`releases.gzip_blocks`)."""

    def __init__(self, path: Path, deflated: Path | None) -> None:
        self.path = path
        self.handle = path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0
        self.deflated = deflated
        self.deflated_handle = None
        self.deflating: GzipBlocks | None = None
        if deflated is not None:
            deflated.parent.mkdir(parents=True, exist_ok=True)
            self.deflated_handle = deflated.open("wb")
            self.deflating = GzipBlocks(self.deflated_handle)

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)
        if self.deflating is not None:
            self.deflating.write(data)

    def close(self) -> None:
        self.handle.close()
        if self.deflating is not None and self.deflated_handle is not None:
            try:
                self.deflating.close()
            finally:
                self.deflated_handle.close()

    def facts(self) -> FileFacts:
        return {"sha256": self.digest.hexdigest(), "bytes": self.size}


@dataclass(slots=True)
class _Batch:
    lines: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)  # FastChat's


class DataWriter:
    """The release's data files, written as lines arrive (see the module's docstring)."""

    def __init__(self, directory: Path, *, kind: str, fastchat: bool, batch: int = 1000,
                 deflate_into: Path | None = None) -> None:
        self.directory = directory
        self.deflate_into = deflate_into
        self.schema = schema_for(kind)
        self.batch = batch
        self.pending = _Batch()
        self.jsonl = self._file(f"{DATA_BASENAME}.jsonl")
        self.parquet = pq.ParquetWriter(directory / f"{DATA_BASENAME}.parquet", self.schema,
                                        compression="zstd")
        self.parse = pj.ParseOptions(explicit_schema=self.schema, unexpected_field_behavior="error")
        self.fastchat: _HashedFile | None = None
        self.fastchat_rows = 0
        if fastchat:
            (directory / FASTCHAT_PATH).parent.mkdir(parents=True, exist_ok=True)
            self.fastchat = self._file(FASTCHAT_PATH)
            self.fastchat.write(b"[")
        self.handover = batch * GROUPS_PER_HANDOVER
        self.queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=QUEUED_HANDOVERS)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="release-writer", daemon=True)
        self.thread.start()
        self.closed = False

    def _file(self, name: str) -> _HashedFile:
        into = self.deflate_into
        return _HashedFile(self.directory / name, into / f"{name}.gz" if into is not None else None)

    def write(self, row: dict[str, Any]) -> None:
        """A row as a dict (any key order; FastChat's record derived from it)."""
        line = json_line({name: row[name] for name in self.schema.names})
        self.write_line(line, json_line(fastchat_row(row)) if self.fastchat is not None else None)

    def write_line(self, line: str, fastchat: str | None = None) -> None:
        """A row as its JSONL line, columns in schema order, and its FastChat record if any."""
        self.pending.lines.append(line)
        if self.fastchat is not None and fastchat is not None:
            self.pending.records.append(fastchat)
        if len(self.pending.lines) >= self.handover:
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

    def _files(self) -> list[_HashedFile]:
        return [self.jsonl] + ([self.fastchat] if self.fastchat is not None else [])

    def written(self) -> dict[str, FileFacts]:
        """The checksum and size of the JSONL and FastChat files, by path in the release."""
        return {f.path.relative_to(self.directory).as_posix(): f.facts() for f in self._files()}

    def deflated(self) -> dict[str, Deflated]:
        """Where the JSONL and FastChat contents were deflated for the archive, by path in the
        release (empty without `deflate_into`)."""
        return {f.path.relative_to(self.directory).as_posix(): Deflated(f.deflated, f.size)
                for f in self._files() if f.deflated is not None}

    def __enter__(self) -> DataWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
