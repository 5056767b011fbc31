"""Vote ingestion through the real HTTP path vs raw INSERTs on the same PostgreSQL.

    .venv/bin/python bench/ingest.py [--votes 2000] [--concurrency 16] [--processes 1]
                                     [--servers uvicorn,daphne]

The HTTP path is the ASGI server (each of `--servers` in turn) → Django → CSRF → cookie auth →
rate-limit check (Redis) → one
transaction (row lock, insert, state update) → JSON with the reveal. The baseline inserts rows
of the same shape, one autocommitted INSERT per vote, over the same number of connections.
Each server also answers the same route with a cookie that names nobody: refused at
authentication before any SQL, that is the floor of every vote stored through Django.
The load comes from bench/_http1.py (a minimal HTTP/1.1 client: httpx itself was the bound).
Client and server share this machine's cores; the numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from _http1 import Http1Connection  # bench/ is on sys.path as the script's folder
from _stack import percentile, stack, web


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
    base: str, battles: list[tuple[str, str]], concurrency: int, expect: int = 200
) -> tuple[list[float], float]:
    csrf = secrets.token_hex(32)
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in battles:
        queue.put_nowait(item)
    latencies: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        connection = Http1Connection(base)
        try:
            while not queue.empty():
                battle_id, cookie = queue.get_nowait()
                body = json.dumps({"choice": "a", "idempotency_key": uuid.uuid4().hex}).encode()
                started = time.perf_counter()
                status, payload = await connection.post(
                    f"/api/battles/{battle_id}/vote",
                    body,
                    {"X-CSRFToken": csrf, "Cookie": f"arena_annotator={cookie}; csrftoken={csrf}"},
                )
                latencies.append(time.perf_counter() - started)
                if status != expect:
                    failures.append(f"{status} {payload[:300]!r}")
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} votes failed, e.g. {failures[0]}; the benchmark is void")
    return latencies, elapsed


@contextmanager
def _bare_server() -> Iterator[str]:
    """uvicorn (one process, same options as the platform's) serving bench/bare_asgi.py."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_asgi:app", "--port", str(port), "--loop", "uvloop",
         "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=Path(__file__).parent,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.post(f"{base}/ready", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("bare ASGI server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


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
    parser.add_argument("--processes", type=int, default=1, help="web server processes")
    parser.add_argument("--servers", default="uvicorn,daphne", help="ASGI servers to measure, in turn")
    args = parser.parse_args()
    servers = args.servers.split(",")
    # Django logs every 4xx as a warning; the floor's 401s would flood the output. Errors show.
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    results: list[tuple[str, float, list[float]]] = []
    with stack():
        battles = {server: _battles(args.votes) for server in servers}
        raw, raw_s = asyncio.run(_raw_inserts(args.votes, args.concurrency))
        results.append(("raw INSERT (baseline)", args.votes / raw_s, raw))
        with _bare_server() as base:
            fake = [(str(uuid.uuid4()), "x")] * args.votes
            asyncio.run(_http_votes(base, fake[:50], args.concurrency))  # warm-up
            bare, bare_s = asyncio.run(_http_votes(base, fake, args.concurrency))
        results.append(("bare ASGI (ceiling)", args.votes / bare_s, bare))
        for server in servers:
            with web(args.processes, server) as base:
                asyncio.run(_http_votes(base, _battles(50), args.concurrency))  # warm-up
                # The same route and client with a cookie that names nobody: the whole request
                # path (server, middleware, routing, schema, auth) refused before any SQL.
                floor, floor_s = asyncio.run(_http_votes(base, fake, args.concurrency, 401))
                http, http_s = asyncio.run(_http_votes(base, battles[server], args.concurrency))
            results.append((f"Django floor ({server})", args.votes / floor_s, floor))
            results.append((f"HTTP vote ({server})", args.votes / http_s, http))
        from battles.models import Vote

        stored = Vote.objects.count()
    print(f"votes={args.votes} concurrency={args.concurrency} web processes={args.processes}"
          f" stored={stored}")
    print(f"{'path':<24}{'votes/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}")
    raw_rate = results[0][1]
    for name, rate, lat in results:
        p50, p99 = percentile(lat, 50) * 1000, percentile(lat, 99) * 1000
        print(f"{name:<24}{rate:>10.0f}{p50:>10.1f}{p99:>10.1f}{rate / raw_rate:>7.2f}x")
    print("target: HTTP/raw >= 0.5x with p99 < 50 ms. 'bare ASGI' is the same client against an"
          " endpoint that does nothing: no Python HTTP path on this machine can beat its ratio."
          " 'Django floor' is the vote route refused at authentication, before any SQL: no vote"
          " stored through Django can beat its ratio.")


if __name__ == "__main__":
    main()
