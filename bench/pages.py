"""Leaderboard page and API under concurrent load, vs /healthz in the same run.

    .venv/bin/python bench/pages.py [--concurrency 16] [--seconds 5] [--processes 1]

One arena with 12 contenders and 3,000 votes, recomputed once so every request reads a stored
snapshot (as in production: requests never fit a model). Each endpoint gets C clients for the
same number of seconds over keep-alive connections of bench/_http1.py; /healthz, answered
before any other middleware, is the floor of what the web server and this client cost per
request on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time

from _http1 import Http1Connection  # bench/ is on sys.path as the script's folder
from _stack import percentile, stack, web


def _arena(contenders: int, votes: int) -> str:
    from annotators.models import Annotator
    from battles.models import Arena, Contender
    from leaderboard.services.recompute import leaderboard_recompute
    from tests.leaderboard.conftest import votes_cast

    arena = Arena.objects.create(slug="board", name="Board")
    models = [Contender.objects.create(arena=arena, slug=f"m{i}", name=f"Model {i}",
                                       provider_kind="demo_text") for i in range(contenders)]
    annotator = Annotator.objects.create(consent_version=1)
    rng = random.Random(7)
    pairs = list(itertools.combinations(models, 2))
    for _ in range(votes // 50):
        a, b = rng.choice(pairs)
        votes_cast(arena=arena, annotator=annotator, a=a, b=b, n=50,
                   choice=rng.choice(["a", "a", "b", "tie"]))
    leaderboard_recompute(arena_id=arena.id)
    return arena.slug


async def _load(base: str, path: str, concurrency: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0

    async def worker(until: float) -> None:
        nonlocal failures
        connection = Http1Connection(base)
        try:
            while time.perf_counter() < until:
                started = time.perf_counter()
                status, _ = await connection.get(path)
                latencies.append(time.perf_counter() - started)
                failures += status != 200
        finally:
            await connection.close()

    await asyncio.gather(*(worker(time.perf_counter() + 1) for _ in range(concurrency)))
    latencies.clear()  # warm-up
    until = time.perf_counter() + seconds
    await asyncio.gather(*(worker(until) for _ in range(concurrency)))
    return latencies, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--processes", type=int, default=1, help="web server processes")
    parser.add_argument("--contenders", type=int, default=12, help="contenders in the arena")
    args = parser.parse_args()
    with stack():
        slug = _arena(contenders=args.contenders, votes=3000)
        paths = {
            "/healthz (baseline)": "/healthz",
            "leaderboard page": f"/a/{slug}/leaderboard/",
            "leaderboard API": f"/api/arenas/{slug}/leaderboard",
        }
        rows = []
        with web(args.processes) as base:
            for name, path in paths.items():
                latencies, failures = asyncio.run(_load(base, path, args.concurrency, args.seconds))
                if failures:
                    raise SystemExit(f"{failures} requests to {path} failed; the benchmark is void")
                rows.append((name, len(latencies) / args.seconds, latencies))
    print(f"concurrency={args.concurrency} seconds={args.seconds:g} web processes={args.processes}"
          f" contenders={args.contenders}")
    print(f"{'endpoint':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'vs healthz':>12}")
    floor = rows[0][1]
    for name, rate, lat in rows:
        p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
        print(f"{name:<22}{rate:>8.0f}{p50:>9.1f}{p99:>9.1f}{rate / floor:>11.2f}x")


if __name__ == "__main__":
    main()
