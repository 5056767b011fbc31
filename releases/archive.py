"""One archive per release: ``release-<arena>-<n>.tar.gz`` beside the release directory, with
its SHA-256 in ``<archive>.sha256`` (``sha256sum -c`` format).

The archive cannot be listed in manifest.json, which it contains, hence the side file. It is
deterministic (entries sorted, every mtime the release's cutoff, owner 0/0 without names, fixed
modes, gzip members without time or name), so rebuilding a draft gives the same bytes and the
same checksum. No Django: ``python -m releases.verify`` checks archives too.

The tar stream is written as gzip members (`releases.gzip_blocks`): one per header, the
content of each file cut in fixed blocks from its first byte, one for each padding and for the
end. A file's content thus deflates to the same members wherever it is in the archive, and
the big data files arrive already deflated by the writer thread, in the idle time of the
build, and are copied in as they are.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from releases.files import sha256_file
from releases.gzip_blocks import Deflated, deflate_file, gzip_member
from releases.schema import MANIFEST

SUFFIX = ".tar.gz"


def archive_stem(manifest: dict[str, Any]) -> str:
    return f"release-{manifest['arena']}-{int(manifest['release']):04d}"


def archive_path(directory: Path, manifest: dict[str, Any]) -> Path:
    """Where a release directory's archive lives: beside it, named from its manifest."""
    return directory.parent / f"{archive_stem(manifest)}{SUFFIX}"


def checksum_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


def _files(directory: Path) -> list[Path]:
    return sorted((p for p in directory.rglob("*") if p.is_file()),
                  key=lambda p: p.relative_to(directory).as_posix())


class _Hashed:
    """The archive file, hashed as it is written."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)


def _copy(path: Path, sink: _Hashed) -> None:
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sink.write(block)


def archive_write(directory: Path, *, name: str, mtime: int,
                  deflated: Mapping[str, Deflated] | None = None) -> Path:
    """Write ``<name>.tar.gz`` (every file of `directory` under ``<name>/``) and its .sha256
    beside `directory`; both appear complete or not at all (written aside, then renamed).

    `deflated` maps a file's path in the release to its content already deflated (by
    `releases.data_writer`); it is used when the sizes agree, else the file is deflated here.
    """
    target = directory.parent / f"{name}{SUFFIX}"
    partial = target.with_name(target.name + ".partial")
    offset = 0
    with partial.open("wb") as raw:
        sink = _Hashed(raw)
        for path in _files(directory):
            relative = path.relative_to(directory).as_posix()
            info = tarfile.TarInfo(f"{name}/{relative}")
            info.size = path.stat().st_size
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
            sink.write(gzip_member(header))
            ready = (deflated or {}).get(relative)
            if ready is not None and ready.size == info.size:
                _copy(ready.path, sink)
            elif info.size:
                deflate_file(path, sink)
            padding = -info.size % tarfile.BLOCKSIZE
            if padding:
                sink.write(gzip_member(tarfile.NUL * padding))
            offset += len(header) + info.size + padding
        end = 2 * tarfile.BLOCKSIZE  # what tarfile writes on close: two empty blocks, whole records
        end += -(offset + end) % tarfile.RECORDSIZE
        sink.write(gzip_member(tarfile.NUL * end))
    partial.replace(target)
    sidecar = checksum_path(target)
    sidecar_partial = sidecar.with_name(sidecar.name + ".partial")
    sidecar_partial.write_text(f"{sink.digest.hexdigest()}  {target.name}\n", encoding="ascii")
    sidecar_partial.replace(sidecar)
    return target


def archive_sha256(archive: Path) -> str | None:
    """The checksum recorded beside the archive, or None when there is no .sha256 file."""
    sidecar = checksum_path(archive)
    if not sidecar.is_file():
        return None
    return sidecar.read_text(encoding="ascii").split(maxsplit=1)[0] if sidecar.stat().st_size else ""


def _member_sha256(tar: tarfile.TarFile, member: tarfile.TarInfo, *,
                   keep: bool) -> tuple[str, bytes]:
    """A member's SHA-256 read a megabyte at a time (battles.jsonl of a large release is
    gigabytes), and its bytes only when `keep` (the manifest, which is small)."""
    digest = hashlib.sha256()
    kept = bytearray()
    handle = tar.extractfile(member)
    if handle is not None:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            if keep:
                kept += block
    return digest.hexdigest(), bytes(kept)


def archive_check(archive: Path, directory: Path | None = None) -> list[str]:
    """Failures of an archive: its .sha256 (when present) must match; every member must be a
    plain file under one top folder, with no absolute path or ``..``; the manifest inside must
    list every other member with its checksum; and, given the release directory, the archive
    must hold exactly that directory's files, byte for byte."""
    failures: list[str] = []
    recorded = archive_sha256(archive)
    if recorded is not None and recorded != sha256_file(archive):
        failures.append(f"{archive.name}: SHA-256 does not match {checksum_path(archive).name}")
    digests: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if not member.isfile() or member.name.startswith("/") or ".." in parts or len(parts) < 2:
                    failures.append(f"{archive.name}: unexpected member {member.name!r}")
                    continue
                inner = PurePosixPath(*parts[1:]).as_posix()
                digests[inner], data = _member_sha256(tar, member, keep=inner == MANIFEST)
                if inner == MANIFEST:
                    manifest = json.load(io.BytesIO(data))
    except (OSError, tarfile.TarError, EOFError, ValueError) as error:
        return [*failures, f"{archive.name}: cannot read the archive ({error})"]
    if manifest is None:
        return [*failures, f"{archive.name}: no {MANIFEST} inside"]
    listed = {name: facts.get("sha256") for name, facts in manifest.get("files", {}).items()}
    if {k: v for k, v in digests.items() if k != MANIFEST} != listed:
        failures.append(f"{archive.name}: members differ from the {MANIFEST} inside it")
    if directory is not None:
        present = {p.relative_to(directory).as_posix(): sha256_file(p) for p in _files(directory)}
        if present != digests:
            failures.append(f"{archive.name}: does not hold exactly the files of {directory.name}")
    return failures


def archive_extract(archive: Path, into: Path) -> Path:
    """Unpack a checked archive (plain files only) and return its release directory."""
    with tarfile.open(archive, mode="r:gz") as tar:
        tar.extractall(into, filter="data")
    (top,) = [p for p in into.iterdir() if p.is_dir()]
    return top
