"""A gzip stream compressed on every core: fixed-size blocks, each its own gzip member.

A release archive is gigabytes of JSON, and deflate at gzip's default level ran at about a
tenth of a build on one core while the others sat idle. RFC 1952 lets a gzip file be several
members one after the other, and every reader (gzip, GNU tar, Python's gzip and tarfile,
`datasets`) decompresses them as one stream. So the stream is cut into blocks of a fixed size,
the blocks are deflated by a thread pool (zlib lets go of the GIL while it deflates) and
written in order. The cut depends only on the bytes, never on the pool or the timing, so the
same content gives the same file. Each member starts with a fresh dictionary, which costs a
few bytes per block of several megabytes.

Because members stand alone, a file's content can be deflated while it is being written
(`releases.data_writer`) and copied into the archive later as is (`releases.archive`).
"""

from __future__ import annotations

import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

BLOCK = 8 << 20
# On natural-language JSON (chat text), zlib deflates about 26 MB/s at level 6, 63 MB/s at
# level 4 and 86 MB/s at level 1, for files 6% and 24% larger than level 6's: a gigabyte
# release spends a minute of CPU at 6 and its files are hardly smaller. Level 9 is slower still.
LEVEL = 4
# zlib's gzip wrapper: a header without name or time, so nothing but the bytes decides the output.
GZIP_WBITS = 31


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


def gzip_member(data: bytes, level: int = LEVEL) -> bytes:
    """`data` as one gzip member."""
    return zlib.compress(data, level=level, wbits=GZIP_WBITS)


@dataclass(frozen=True)
class Deflated:
    """A file's content already deflated as `GzipBlocks` members: where, and the content's size."""

    path: Path
    size: int


class GzipBlocks:
    """A write-only binary stream that writes gzip members of `block` bytes each to `raw`,
    keeping at most two blocks per worker in memory."""

    def __init__(self, raw: Sink, *, level: int = LEVEL, block: int = BLOCK,
                 workers: int | None = None) -> None:
        self.raw = raw
        self.level = level
        self.block = block
        self.buffer = bytearray()
        self.position = 0
        self.workers = workers or min(8, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="gzip-block")
        self.pending: deque[Future[bytes]] = deque()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self.buffer += data
        self.position += len(data)
        while len(self.buffer) >= self.block:
            with memoryview(self.buffer) as view:
                block = bytes(view[:self.block])
            del self.buffer[:self.block]
            self._submit(block)
        return len(data)

    def tell(self) -> int:
        """Bytes written so far, uncompressed."""
        return self.position

    def _submit(self, block: bytes) -> None:
        self.pending.append(self.pool.submit(gzip_member, block, self.level))
        while len(self.pending) > 2 * self.workers:
            self.raw.write(self.pending.popleft().result())

    def close(self) -> None:
        """Compress and write what is left; `raw` stays open."""
        try:
            if self.buffer:
                self._submit(bytes(self.buffer))
                self.buffer.clear()
            while self.pending:
                self.raw.write(self.pending.popleft().result())
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def deflate_file(path: Path, sink: Sink, *, level: int = LEVEL) -> int:
    """Write `path`'s content to `sink` as `GzipBlocks` members; returns the content's size."""
    stream = GzipBlocks(sink, level=level)
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                stream.write(chunk)
    finally:
        stream.close()
    return stream.tell()
