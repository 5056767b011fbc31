"""`python -m releases.verify` checks a release directory on its own and fails loudly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releases.files import manifest_write
from releases.verify import release_verify
from tests.releases.conftest import World

pytestmark = pytest.mark.django_db


def _remanifest(directory: Path) -> None:
    """What a careless editor would do: fix the checksums after changing a file."""
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest.pop("files")
    manifest.pop("format_version")
    manifest_write(directory, manifest)


def test_it_passes_a_fresh_release_without_django(world: World) -> None:
    directory = world.directory(world.build())
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    done = subprocess.run([sys.executable, "-m", "releases.verify", str(directory)],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "checks out" in done.stdout


def test_it_catches_a_tampered_file(world: World) -> None:
    directory = world.directory(world.build())
    data = directory / "battles.jsonl"
    data.write_text(data.read_text().replace('"winner":"model_a"', '"winner":"model_b"', 1))
    failures = release_verify(directory)
    assert any("battles.jsonl: SHA-256 does not match" in f for f in failures)


def test_it_catches_a_leaderboard_that_the_votes_do_not_give(world: World) -> None:
    directory = world.directory(world.build())
    board = json.loads((directory / "leaderboard.json").read_text())
    board["rows"][0]["rating"] += 5
    (directory / "leaderboard.json").write_text(json.dumps(board))
    _remanifest(directory)
    failures = release_verify(directory)
    # The archive beside the directory still holds the original files, which verify notes too.
    assert failures and all("leaderboard.json" in f for f in failures if ".tar.gz:" not in f)


def test_it_catches_unredacted_contacts_and_raw_ids_even_with_fixed_checksums(world: World) -> None:
    directory = world.directory(world.build())
    rows = (directory / "battles.jsonl").read_text().splitlines()
    row = json.loads(rows[0])
    row["judge"] = str(world.people[0].id)
    row["rationale"] = ("mail me at someone@example.com or 555-123-4567, from 192.168.1.7, "
                        f"I am {world.people[0].id}")
    rows[0] = json.dumps(row, separators=(",", ":"))
    (directory / "battles.jsonl").write_text("\n".join(rows) + "\n")
    _remanifest(directory)
    failures = "\n".join(release_verify(directory))
    for expected in ("is not a pseudonym", "unredacted email", "unredacted phone", "unredacted ip",
                     "unredacted id", "hold different rows"):
        assert expected in failures


def test_it_catches_an_unlisted_file_and_a_missing_one(world: World) -> None:
    directory = world.directory(world.build())
    (directory / "extra.txt").write_text("hello")
    (directory / "leaderboard.json").unlink()
    failures = "\n".join(release_verify(directory))
    assert "extra.txt: not listed" in failures
    assert "leaderboard.json: listed in manifest.json but missing" in failures


def test_the_command_exits_non_zero_with_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from releases.verify import main

    assert main([str(tmp_path)]) == 1
    assert "no manifest.json" in capsys.readouterr().err


def test_it_refuses_a_release_with_personal_data_the_redactor_missed(world: World) -> None:
    directory = world.directory(world.build())
    rows = (directory / "battles.jsonl").read_text().splitlines()
    row = json.loads(rows[0])
    row["rationale"] = "my NI number is QQ 12 34 56 C and dr. Okafor knows"
    rows[0] = json.dumps(row, separators=(",", ":"))
    (directory / "battles.jsonl").write_text("\n".join(rows) + "\n")
    _remanifest(directory)
    failures = "\n".join(release_verify(directory))
    assert "unredacted id 'QQ 12 34 56 C'" in failures
