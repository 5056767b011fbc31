"""Time a full leaderboard recompute on N stored votes in a throw-away embedded PostgreSQL.

    .venv/bin/python bench/recompute.py --votes 200000
    .venv/bin/python bench/recompute.py            # 2,000,000 votes, ~100 contenders

Loads the votes and writes their ranking rows in one process, then measures in a fresh one:
a bare binary COPY of the ranking columns, the same read into numpy, the whole recompute,
and the peak memory of that process (the worker's). Uses a fresh temporary ARENA_VAR_DIR
(unless DATABASE_URL / REDIS_URL are set), so nothing touches the development database.
See docs/leaderboard.md for figures.
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
        # Load in one process, measure in a fresh one: its peak memory is then the worker's.
        load = subprocess.run([*command, "bench_recompute", "--load-only", *sys.argv[1:]],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        print(load.stdout, end="", flush=True)
        if load.returncode:
            return load.returncode
        slug = load.stdout.strip().splitlines()[-1].removeprefix("arena ")
        return subprocess.run(
            [*command, "bench_recompute", "--arena", slug], cwd=ROOT, env=env
        ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
