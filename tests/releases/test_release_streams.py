"""The build's concurrent pieces: the archive's gzip blocks, the data files' writer thread and
the rows' prefetch thread give the bytes a plain sequential run would, and fail loudly."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from releases.archive import archive_check, archive_write
from releases.data_writer import DataWriter
from releases.files import manifest_write
from releases.gzip_blocks import Deflated, GzipBlocks, deflate_file
from releases.prefetch import prefetched
from releases.schema import FASTCHAT_PATH


def _text(size: int, seed: int = 1) -> bytes:
    words = [b"alpha", b"beta", b"gamma", b"delta", b"{\"k\":1}", b"\n", "é".encode()]
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" "
    return bytes(out[:size])


def _gzip_blocks(data: bytes, *, block: int, workers: int, pieces: int = 7) -> tuple[bytes, str]:
    raw = io.BytesIO()
    stream = GzipBlocks(raw, level=6, block=block, workers=workers)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):  # writes that do not line up with the blocks
        stream.write(data[start:start + step])
    assert stream.tell() == len(data)
    stream.close()
    return raw.getvalue(), hashlib.sha256(raw.getvalue()).hexdigest()


def test_gzip_blocks_decompress_to_the_input_whatever_the_workers() -> None:
    data = _text(300_000)
    one, _ = _gzip_blocks(data, block=50_000, workers=1)
    four, _ = _gzip_blocks(data, block=50_000, workers=4)
    assert one == four  # the cut depends on the bytes only
    assert gzip.decompress(one) == data
    assert one.count(b"\x1f\x8b\x08") >= 6  # one member per block
    whole, _ = _gzip_blocks(data, block=1 << 20, workers=2)
    assert len(one) < len(whole) * 1.1  # a fresh dictionary per block costs little


def test_gzip_blocks_are_read_by_the_gzip_tool_and_tarfile(tmp_path: Path) -> None:
    payload = _text(120_000, seed=2)
    raw = io.BytesIO()
    stream = GzipBlocks(raw, level=6, block=10_000, workers=2)
    with tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        info = tarfile.TarInfo("release/battles.jsonl")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    stream.close()
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(raw.getvalue())
    with tarfile.open(archive, mode="r:gz") as tar:
        member = tar.extractfile("release/battles.jsonl")
        assert member is not None and member.read() == payload
    done = subprocess.run(["gzip", "-t", str(archive)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"question_id": f"q{i:05d}", "tstamp": 1_700_000_000 + i, "winner": "model_a",
             "conversation_a": [{"role": "user", "content": f"ask {i} — é"}]} for i in range(n)]


def test_the_writer_thread_writes_what_a_plain_loop_would(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    schema = pa.schema([("question_id", pa.string(), False), ("tstamp", pa.int64()),
                        ("winner", pa.string()),
                        ("conversation_a", pa.list_(pa.struct([("role", pa.string()),
                                                                ("content", pa.string())])))])
    monkeypatch.setattr("releases.data_writer.schema_for", lambda kind: schema)
    rows = _rows(2_345)
    with DataWriter(tmp_path, kind="text", fastchat=True, batch=100) as writer:
        for row in rows:
            writer.write_line(json.dumps(row, ensure_ascii=False, separators=(",", ":")),
                              json.dumps({"id": row["question_id"]}))
    written = writer.written()
    lines = (tmp_path / "battles.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == rows
    table = pq.read_table(tmp_path / "battles.parquet")
    assert table.column("question_id").to_pylist() == [r["question_id"] for r in rows]
    assert pq.ParquetFile(tmp_path / "battles.parquet").metadata.num_row_groups == 24
    fastchat = tmp_path / FASTCHAT_PATH
    assert [r["id"] for r in json.loads(fastchat.read_text())] == [r["question_id"] for r in rows]
    for name, facts in written.items():
        content = (tmp_path / name).read_bytes()
        assert facts == {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}


def test_a_failure_in_the_writer_thread_reaches_the_build(tmp_path: Path) -> None:
    with (pytest.raises(RuntimeError, match="writing the release files failed"),  # noqa: PT012
          DataWriter(tmp_path, kind="text", fastchat=False, batch=10) as writer):
        for _ in range(100):
            writer.write_line('{"not":"a release row"}')


def test_prefetched_yields_every_chunk_in_order_and_stops_early() -> None:
    chunks = iter([[1, 2], [3], [4, 5, 6], []])
    assert [x for chunk in prefetched(lambda: next(chunks)) for x in chunk] == [1, 2, 3, 4, 5, 6]

    calls = 0

    def endless() -> list[int]:
        nonlocal calls
        calls += 1
        return [calls]

    stream = prefetched(endless)
    assert next(stream) == [1]
    stream.close()  # the thread stops asking
    seen = calls
    assert seen <= 4


def test_prefetched_raises_what_the_fetch_raised() -> None:
    answers: list[Any] = [[1], ValueError("the cursor broke")]

    def fetch() -> list[int]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    stream = prefetched(fetch)
    assert next(stream) == [1]
    with pytest.raises(ValueError, match="the cursor broke"):
        next(stream)


def _release_dir(root: Path) -> Path:
    directory = root / "release-0001"
    (directory / "fastchat").mkdir(parents=True)
    (directory / "battles.jsonl").write_bytes(_text(70_000, seed=3))
    (directory / "fastchat" / "clean_battle.json").write_bytes(_text(1_000, seed=4))
    (directory / "README.md").write_text("a card — with UTF-8\n", encoding="utf-8")
    (directory / "empty.json").write_bytes(b"")
    manifest_write(directory, {"arena": "x", "release": 1})
    return directory


def test_the_archive_holds_the_tar_stream_tarfile_would_write(tmp_path: Path) -> None:
    directory = _release_dir(tmp_path)
    archive = archive_write(directory, name="release-x-0001", mtime=1_700_000_000)
    expected = io.BytesIO()
    with tarfile.open(fileobj=expected, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = tarfile.TarInfo(f"release-x-0001/{path.relative_to(directory).as_posix()}")
            info.size, info.mtime, info.mode = path.stat().st_size, 1_700_000_000, 0o644
            info.uname = info.gname = ""
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    assert gzip.decompress(archive.read_bytes()) == expected.getvalue()
    assert archive_check(archive, directory) == []


def test_contents_deflated_while_written_give_the_same_archive(tmp_path: Path) -> None:
    directory = _release_dir(tmp_path)
    plain = archive_write(directory, name="release-x-0001", mtime=1).read_bytes()
    parts = tmp_path / "parts"
    parts.mkdir()
    deflated = {}
    for name in ("battles.jsonl", "fastchat/clean_battle.json"):
        target = parts / name.replace("/", "_")
        with target.open("wb") as raw:
            size = deflate_file(directory / name, raw)
        deflated[name] = Deflated(target, size)
    assert archive_write(directory, name="release-x-0001", mtime=1, deflated=deflated).read_bytes() == plain
    (parts / "battles.jsonl").write_bytes(b"stale")  # a part whose size disagrees is not used
    deflated["battles.jsonl"] = Deflated(parts / "battles.jsonl", 5)
    assert archive_write(directory, name="release-x-0001", mtime=1, deflated=deflated).read_bytes() == plain
