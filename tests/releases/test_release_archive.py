"""Each release also comes as one deterministic .tar.gz beside its directory, with a .sha256,
downloadable once published and checked by `python -m releases.verify`."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.test import Client

from releases.archive import archive_check
from releases.services import release_discard, release_publish
from releases.verify import release_verify
from tests.releases.conftest import World

pytestmark = pytest.mark.django_db


def _archive(world: World, number: int = 1) -> Path:
    return world.directory(world.build()).parent / f"release-{world.arena.slug}-{number:04d}.tar.gz"


def test_it_writes_one_archive_of_every_file_with_its_checksum(world: World) -> None:
    archive = _archive(world)
    directory = archive.parent / "release-0001"
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    expected = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
    assert names == [f"{archive.name.removesuffix('.tar.gz')}/{name}" for name in expected]
    assert {(m.uid, m.gid, m.uname, m.gname, m.mode) for m in members} == {(0, 0, "", "", 0o644)}
    assert len({m.mtime for m in members}) == 1
    recorded = (archive.parent / (archive.name + ".sha256")).read_text()
    assert recorded == f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
    assert archive_check(archive, directory) == []


def test_rebuilding_a_draft_gives_the_same_archive_bytes(world: World) -> None:
    release = world.build()
    archive = world.directory(release).parent / f"release-{world.arena.slug}-0001.tar.gz"
    first = archive.read_bytes()
    world.build(release)
    assert archive.read_bytes() == first


def test_verify_checks_the_archive_and_catches_a_tampered_one(world: World) -> None:
    archive = _archive(world)
    done = subprocess.run([sys.executable, "-m", "releases.verify", str(archive)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    directory = archive.parent / "release-0001"
    (directory / "README.md").write_text("changed")
    assert any("does not hold exactly the files" in f for f in release_verify(directory))
    archive.write_bytes(archive.read_bytes()[:-20])
    failures = archive_check(archive)
    assert any("does not match" in f and ".sha256" in f for f in failures)


def test_only_a_published_release_offers_its_archive(world: World, client: Client) -> None:
    release = world.build()
    assert client.get(f"/releases/{release.id}/archive").status_code == 404
    assert client.get("/api/releases").json() == []
    release_publish(release=release)
    listed = client.get("/api/releases").json()[0]["archive"]
    assert listed["name"] == f"release-{world.arena.slug}-0001.tar.gz"
    response = client.get(listed["url"])
    body = response.getvalue()
    assert hashlib.sha256(body).hexdigest() == listed["sha256"] and len(body) == listed["bytes"]
    assert listed["name"] in client.get("/releases/").content.decode()


def test_discarding_a_draft_removes_its_archive(world: World) -> None:
    release = world.build()
    archive = world.directory(release).parent / f"release-{world.arena.slug}-0001.tar.gz"
    release_discard(release=release)
    assert not archive.exists() and not Path(str(archive) + ".sha256").exists()
