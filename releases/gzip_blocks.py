"""A gzip stream compressed on every core: fixed-size blocks, each its own gzip member.

A release archive is gigabytes of JSON, and deflate at gzip's default level ran at about a
tenth of a build on one core while the others sat idle. RFC 1952 lets a gzip file be several
members one after the other, and every reader (gzip, GNU tar, Python's gzip and tarfile,
`datasets`) decompresses them as one stream. So the stream is cut into blocks of a fixed size,
the blocks are deflated by a thread pool (zlib lets go of the GIL while it deflates) and
written in order. The cut depends only on the bytes, never on the pool or the timing, so the
same content gives the same file. Each member starts with a fresh dictionary, which costs a
few bytes per block of several megabytes.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

BLOCK = 8 << 20
# zlib's gzip wrapper: a header without name or time, so nothing but the bytes decides the output.
GZIP_WBITS = 31


def _deflated(block: bytes, level: int) -> bytes:
    return zlib.compress(block, level=level, wbits=GZIP_WBITS)


class GzipBlocks:
    """A write-only binary stream that writes gzip members of `block` bytes each to `raw`.

    It keeps the SHA-256 of what it wrote, so the caller need not read the file back, and at
    most two blocks per worker in memory.
    """

    def __init__(self, raw: BinaryIO, *, level: int, block: int = BLOCK,
                 workers: int | None = None) -> None:
        self.raw = raw
        self.level = level
        self.block = block
        self.buffer = bytearray()
        self.position = 0
        self.digest = hashlib.sha256()
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
        """Bytes written so far, uncompressed (what tarfile asks to place its headers)."""
        return self.position

    def _submit(self, block: bytes) -> None:
        self.pending.append(self.pool.submit(_deflated, block, self.level))
        while len(self.pending) > 2 * self.workers:
            self._emit(self.pending.popleft())

    def _emit(self, future: Future[bytes]) -> None:
        member = future.result()
        self.raw.write(member)
        self.digest.update(member)

    def close(self) -> None:
        """Compress and write what is left; the raw stream stays open."""
        try:
            if self.buffer:
                self._submit(bytes(self.buffer))
                self.buffer.clear()
            while self.pending:
                self._emit(self.pending.popleft())
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def sha256(self) -> str:
        """The SHA-256 of the compressed bytes written (complete once closed)."""
        return self.digest.hexdigest()
