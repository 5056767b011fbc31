"""A researcher installs the project as a package and reproduces a release's leaderboard from a
directory of their own: no checkout on the path, no Django settings, no database."""

from __future__ import annotations

import json
import math
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.releases.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REPO = Path(__file__).parents[2]
# What a checkout holds; the worktree's venv, caches and release files are not part of it.
NOT_CHECKED_IN = shutil.ignore_patterns(".git", ".venv", ".var", "__pycache__", "*.egg-info", "build",
                                        ".mypy_cache", ".ruff_cache", ".pytest_cache", "media")


def _venv_with_checkout(tmp_path: Path) -> Path:
    """A throwaway venv with the checkout pip-installed into it.

    The shared interpreter is itself a venv, so ``--system-site-packages`` would expose only the
    base interpreter's packages; a .pth line reuses the shared venv's torch, pyarrow and pip
    instead of downloading them. The checkout is copied first because setuptools builds in the
    source tree (``build/``, ``*.egg-info``) and other runs may share this worktree.
    """
    source = tmp_path / "checkout"
    shutil.copytree(REPO, source, ignore=NOT_CHECKED_IN)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "shared-venv.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", str(source)],
                   check=True, env=_outside_env())
    return python


def _outside_env() -> dict[str, str]:
    """The environment of someone who never configured the site."""
    dropped = {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    return {k: v for k, v in os.environ.items() if k not in dropped}


def test_it_reproduces_the_leaderboard_from_an_installed_package(world: World, tmp_path: Path) -> None:
    python = _venv_with_checkout(tmp_path)
    fresh = tmp_path / "downloaded"
    shutil.copytree(world.directory(world.build()), fresh)
    env = _outside_env()

    probe = "import leaderboard.ranking, releases.verify as v; print(v.__file__)"
    where = subprocess.run([python, "-c", probe], cwd=fresh, env=env, check=True,
                           capture_output=True, text=True)
    assert str(REPO) not in where.stdout and str(tmp_path / "venv") in where.stdout

    command = ["-m", "leaderboard.ranking", "battles.parquet", "--json", "--device", "cpu"]
    ranked = subprocess.run([python, *command], cwd=fresh, env=env, capture_output=True, text=True)
    assert ranked.returncode == 0, ranked.stderr
    published = {row["model"]: row for row in json.loads((fresh / "leaderboard.json").read_text())["rows"]}
    recomputed = {row["model"]: row for row in json.loads(ranked.stdout)}
    assert recomputed.keys() == published.keys() and len(published) >= 2
    for model, row in published.items():
        assert recomputed[model]["votes"] == row["votes"]
        assert math.isclose(recomputed[model]["rating"], row["rating"], rel_tol=1e-6), model

    verified = subprocess.run([python, "-m", "releases.verify", "."], cwd=fresh, env=env,
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_card_and_the_leaderboard_file_give_the_installed_command(world: World) -> None:
    directory = world.directory(world.build())
    card = (directory / "README.md").read_text()
    assert "pip install" in card
    assert "python -m leaderboard.ranking battles.parquet --json --device cpu" in card
    assert "pip install" in json.loads((directory / "leaderboard.json").read_text())["install"]
