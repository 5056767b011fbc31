"""Vote ingestion through the real HTTP path vs raw INSERTs on the same PostgreSQL.

    .venv/bin/python bench/ingest.py [--votes 2000] [--concurrency 16] [--processes 1]

The HTTP path is daphne → Django → CSRF → cookie auth → rate-limit check (Redis) → one
transaction (row lock, insert, state update) → JSON with the reveal. The baseline inserts rows
of the same shape, one autocommitted INSERT per vote, over the same number of connections.
Client and server share this machine's cores; the numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
import uuid

import httpx
import psycopg
from _stack import daphne, percentile, stack  # bench/ is on sys.path as the script's folder


def _battles(count: int) -> list[tuple[str, str]]:
    """`count` battles ready for a vote, each with its own annotator: (battle id, cookie)."""
    from annotators.cookies import annotator_cookie_value
    from annotators.models import Annotator, TermsVersion
    from battles.models import Arena, Battle, BattleState, Contender, Generation, Turn

    terms = TermsVersion.objects.order_by("-version").first() or TermsVersion.objects.create(
        version=1, body="Bench."
    )
    arena, _ = Arena.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    a, _ = Contender.objects.get_or_create(arena=arena, slug="a",
                                           defaults={"name": "A", "provider_kind": "demo_text"})
    b, _ = Contender.objects.get_or_create(arena=arena, slug="b",
                                           defaults={"name": "B", "provider_kind": "demo_text"})
    annotators = Annotator.objects.bulk_create(
        [Annotator(consent_version=terms.version) for _ in range(count)]
    )
    battles = Battle.objects.bulk_create([
        Battle(arena=arena, annotator=annotator, mode="anonymous", contender_a=a, contender_b=b,
               state=BattleState.READY)
        for annotator in annotators
    ])
    turns = Turn.objects.bulk_create([Turn(battle=battle, index=0, prompt="Hi") for battle in battles])
    Generation.objects.bulk_create([
        Generation(turn=turn, side=side, text="Answer", status="done")
        for turn in turns for side in ("a", "b")
    ])
    return [(str(battle.id), annotator_cookie_value(battle.annotator_id)) for battle in battles]


async def _http_votes(
    base: str, battles: list[tuple[str, str]], concurrency: int
) -> tuple[list[float], float]:
    csrf = secrets.token_hex(32)
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in battles:
        queue.put_nowait(item)
    latencies: list[float] = []
    failures: list[str] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            battle_id, cookie = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(
                f"/api/battles/{battle_id}/vote",
                json={"choice": "a", "idempotency_key": uuid.uuid4().hex},
                headers={"X-CSRFToken": csrf},
                cookies={"arena_annotator": cookie, "csrftoken": csrf},
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:300]!r}")

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} votes failed, e.g. {failures[0]}; the benchmark is void")
    return latencies, elapsed


async def _raw_inserts(count: int, concurrency: int) -> tuple[list[float], float]:
    from django.conf import settings

    url = settings.DATABASE_URL
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "CREATE TABLE bench_raw_vote (id bigserial primary key, battle_id uuid not null unique,"
            " annotator_id bigint not null, choice varchar(16) not null, rationale text not null,"
            " idempotency_key varchar(64) not null unique, is_valid boolean not null,"
            " created_at timestamptz not null default now())"
        )
    latencies: list[float] = []
    remaining = iter(range(count))

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            for _ in remaining:
                started = time.perf_counter()
                await conn.execute(
                    "INSERT INTO bench_raw_vote (battle_id, annotator_id, choice, rationale,"
                    " idempotency_key, is_valid) VALUES (%s, 1, 'a', '', %s, true)",
                    (uuid.uuid4(), uuid.uuid4().hex),
                )
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--votes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1, help="daphne web processes")
    args = parser.parse_args()
    with stack():
        battles = _battles(args.votes)
        raw, raw_s = asyncio.run(_raw_inserts(args.votes, args.concurrency))
        with daphne(args.processes) as base:
            asyncio.run(_http_votes(base, _battles(50), args.concurrency))  # warm-up
            http, http_s = asyncio.run(_http_votes(base, battles, args.concurrency))
        from battles.models import Vote

        stored = Vote.objects.count()
    raw_rate, http_rate = args.votes / raw_s, args.votes / http_s
    print(f"votes={args.votes} concurrency={args.concurrency} web processes={args.processes}"
          f" stored={stored}")
    print(f"{'path':<22}{'votes/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    rows = (("raw INSERT (baseline)", raw_rate, raw), ("HTTP vote (daphne)", http_rate, http))
    for name, rate, lat in rows:
        p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
        print(f"{name:<22}{rate:>10.0f}{p50:>10.1f}{p99:>10.1f}")
    print(f"ratio HTTP/raw: {http_rate / raw_rate:.2f}x  (target >= 0.5x, p99 < 50 ms)")


if __name__ == "__main__":
    main()
