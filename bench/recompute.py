"""Time a full leaderboard recompute on N stored votes in a throw-away embedded PostgreSQL.

    .venv/bin/python bench/recompute.py --votes 200000
    .venv/bin/python bench/recompute.py            # 2,000,000 votes, ~100 contenders

Uses a fresh temporary ARENA_VAR_DIR (unless DATABASE_URL / REDIS_URL are set), so nothing
touches the development database. See docs/leaderboard.md for figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="arena-bench-") as tmp:
        env = {**os.environ}
        env.setdefault("ARENA_VAR_DIR", tmp)
        env.setdefault("SECRET_KEY", "bench-only")
        command = [sys.executable, "-m", "arena.launcher", "manage"]
        migrate = subprocess.run([*command, "migrate", "-v", "0"], cwd=ROOT, env=env)
        if migrate.returncode:
            return migrate.returncode
        return subprocess.run(
            [*command, "bench_recompute", *sys.argv[1:]], cwd=ROOT, env=env
        ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
