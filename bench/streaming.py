"""Concurrent battles over real WebSockets to one web server process, against a fake provider.

    .venv/bin/python bench/streaming.py [--tps 10] [--tokens 30] [--steps 50,100,250,500] [--server uvicorn]

Both contenders are `openai_chat` models on FakeOpenAIServer ("fake-rate:<tps>:<n>"), each on
a fake of its own (two providers, as in production), each in a process of its own so that it
competes with neither the clients nor the web server for a GIL; send times and the clients'
arrival times are both read from CLOCK_MONOTONIC (time.perf_counter), which is one clock for
every process on the machine.
Per step (N battles = 2N provider streams):

- direct: 2N streams read straight from the two fakes with httpx (alternating); their "added"
  latency (arrival minus send) is what this harness itself costs, the floor of every figure;
- arena: N WebSocket clients each start one battle (starts spread over `--ramp` seconds) and
  read both sides; added latency = chunk arrival at the client minus the fake server's send.

A chunk is matched to its send by (prompt, token): every battle has its own prompt, and the two
sides of a battle send the same tokens, so their arrivals are paired with sends in order.
The ramp stops at the first step where a battle fails or added p99 reaches --limit-ms.
Time to first token, unloaded: sequential single battles vs calling both providers directly,
at once, as a battle does (the first token of either counts, for both).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx
import websockets
from _stack import percentile, stack, web  # bench/ is on sys.path as the script's folder

SENT: dict[tuple[str, str], list[float]] = defaultdict(list)


def _record_sends() -> None:
    """Note when the fake server has written each token to its socket."""
    from tests.fakes.openai_sse import ChatStream

    stream_class: Any = ChatStream
    original_init, original_delta = stream_class.__init__, stream_class.delta

    def init(self: Any, connection: Any, model: str, stream_id: str, body: dict[str, Any]) -> None:
        original_init(self, connection, model, stream_id, body)
        self.bench_prompt = str((body.get("messages") or [{}])[-1].get("content", ""))

    async def delta(self: Any, text: str) -> None:
        await original_delta(self, text)
        SENT[(self.bench_prompt, text)].append(time.perf_counter())

    stream_class.__init__, stream_class.delta = init, delta


def _serve_fake() -> None:
    """Child mode: serve the fake provider; on each stdin line, print and forget the sends."""
    import django
    from _stack import ROOT

    sys.path.insert(0, str(ROOT))
    django.setup()
    from tests.fakes.openai_server import FakeOpenAIServer

    _record_sends()
    with FakeOpenAIServer() as fake:
        print(fake.base_url, flush=True)
        for _ in sys.stdin:
            print(json.dumps([[*key, times] for key, times in SENT.items()]), flush=True)
            SENT.clear()


class _FakeProcess:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-fake"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.base_url = self.stdout.readline().strip()

    def sends(self) -> None:
        """Fetch the send times recorded since the last call into SENT."""
        self.stdin.write("dump\n")
        self.stdin.flush()
        for prompt, text, times in json.loads(self.stdout.readline()):
            SENT[(prompt, text)] += times

    def stop(self) -> None:
        self.stdin.close()
        self.process.wait(timeout=10)


def _added(arrived: dict[tuple[str, str], list[float]]) -> list[float]:
    added = []
    for key, arrivals in arrived.items():
        for sent, got in zip(sorted(SENT[key]), sorted(arrivals), strict=False):
            added.append(got - sent)
    return added


def _setup(fake_urls: tuple[str, str], model: str, battles: int) -> tuple[str, list[str]]:
    from annotators.cookies import annotator_cookie_value
    from annotators.models import Annotator, TermsVersion
    from battles.models import Arena, Contender

    terms = TermsVersion.objects.order_by("-version").first() or TermsVersion.objects.create(
        version=1, body="Bench."
    )
    arena, _ = Arena.objects.get_or_create(slug="stream", defaults={"name": "Stream"})
    for slug, fake_url in zip(("a", "b"), fake_urls, strict=True):
        Contender.objects.get_or_create(
            arena=arena, slug=slug,
            defaults={"name": slug.upper(), "provider_kind": "openai_chat", "endpoint": fake_url,
                      "model_id": model,
                      "params": {"read_timeout": 30, "connect_timeout": 10, "total_timeout": 120}},
        )
    annotators = Annotator.objects.bulk_create(
        [Annotator(consent_version=terms.version) for _ in range(battles)]
    )
    return arena.slug, [annotator_cookie_value(a.id) for a in annotators]


async def _battle(ws_url: str, origin: str, cookie: str, arena: str, prompt: str, delay: float,
                  arrived: dict[tuple[str, str], list[float]]) -> tuple[bool, float]:
    """One battle over its own WebSocket: (finished and votable, seconds to the first chunk)."""
    await asyncio.sleep(delay)
    headers = {"Cookie": f"arena_annotator={cookie}"}
    async with websockets.connect(ws_url, origin=origin, additional_headers=headers,  # type: ignore[arg-type]
                                  max_size=2**22, open_timeout=60) as ws:
        started = time.perf_counter()
        await ws.send(json.dumps({"type": "start", "arena": arena, "prompt": prompt}))
        first = 0.0
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "chunk":
                first = first or now - started
                arrived[(prompt, message["delta"])].append(now)
            elif message["type"] == "turn_done":
                return bool(message["can_vote"]), first
            elif message["type"] in {"error", "side_failed"}:
                return False, first
    return False, first


async def _direct(client: httpx.AsyncClient, model: str, prompt: str, delay: float,
                  arrived: dict[tuple[str, str], list[float]]) -> float:
    await asyncio.sleep(delay)
    started, first = time.perf_counter(), 0.0
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    async with client.stream("POST", "/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: {"):
                continue
            now = time.perf_counter()
            text = json.loads(line[6:])["choices"][0]["delta"].get("content")
            if text:
                first = first or now - started
                arrived[(prompt, text)].append(now)
    return first


def _summary(name: str, added: list[float], extra: str = "") -> str:
    p50, p99 = percentile(added, 50) * 1000, percentile(added, 99) * 1000
    return f"  {name:<8} chunks={len(added):>6}  added p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  {extra}"


def _sends(fakes: list[_FakeProcess]) -> None:
    for fake in fakes:
        fake.sends()


async def _step(base: str, fakes: list[_FakeProcess], model: str, arena: str, cookies: list[str],
                step: int, ramp: float) -> tuple[bool, float]:
    n = len(cookies)
    direct_arrived: dict[tuple[str, str], list[float]] = defaultdict(list)
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(
            httpx.AsyncClient(base_url=fake.base_url, limits=limits, timeout=60)) for fake in fakes]
        await asyncio.gather(*(
            _direct(clients[i % 2], model, f"direct {step} {i // 2}", ramp * i / (2 * n),
                    direct_arrived)
            for i in range(2 * n)
        ))
    _sends(fakes)
    print(_summary("direct", _added(direct_arrived), f"({2 * n} streams)"))
    arrived: dict[tuple[str, str], list[float]] = defaultdict(list)
    ws_url = base.replace("http://", "ws://") + "/ws/battle/"
    started = time.perf_counter()
    results = await asyncio.gather(
        *(_battle(ws_url, base, cookie, arena, f"arena {step} {i}", ramp * i / n, arrived)
          for i, cookie in enumerate(cookies)),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    ok = sum(1 for r in results if isinstance(r, tuple) and r[0])
    _sends(fakes)
    added = _added(arrived)
    ttfts = [r[1] for r in results if isinstance(r, tuple) and r[1]]
    print(_summary("arena", added, f"({n} battles, {ok} votable, {elapsed:.1f} s, "
                   f"TTFT p50 {percentile(ttfts, 50) * 1000:.0f} ms "
                   f"p99 {percentile(ttfts, 99) * 1000:.0f} ms)"))
    return ok == n, percentile(added, 99) * 1000


async def _ttft(base: str, fake_urls: tuple[str, str], model: str, arena: str,
                cookies: list[str]) -> None:
    direct: list[float] = []
    through: list[float] = []
    scratch: dict[tuple[str, str], list[float]] = defaultdict(list)
    async with httpx.AsyncClient(base_url=fake_urls[0], timeout=60) as provider_a, \
            httpx.AsyncClient(base_url=fake_urls[1], timeout=60) as provider_b:
        for i, cookie in enumerate(cookies):
            both = await asyncio.gather(
                _direct(provider_a, model, f"ttft direct {i}", 0, scratch),
                _direct(provider_b, model, f"ttft direct {i}", 0, scratch),
            )
            direct.append(min(both))
            ws_url = base.replace("http://", "ws://") + "/ws/battle/"
            ok, first = await _battle(ws_url, base, cookie, arena, f"ttft {i}", 0, scratch)
            if ok:
                through.append(first)
    d50, a50 = percentile(direct[3:], 50) * 1000, percentile(through[3:], 50) * 1000
    print(f"time to first token, unloaded ({len(through) - 3} each after 3 warm-ups): "
          f"direct p50 {d50:.1f} ms, through the arena p50 {a50:.1f} ms "
          f"(p99 {percentile(through[3:], 99) * 1000:.1f}); overhead {a50 - d50:.1f} ms "
          "(target < 5 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tps", type=float, default=10, help="tokens per second per stream")
    parser.add_argument("--tokens", type=int, default=30, help="tokens per answer")
    parser.add_argument("--steps", default="50,100,250,500", help="battles per step")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which starts spread")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server", default="uvicorn", help="ASGI server: uvicorn or daphne")
    parser.add_argument("--limit-ms", type=float, default=10.0, help="added p99 that ends the ramp")
    args = parser.parse_args()
    steps = [int(s) for s in args.steps.split(",")]
    model = f"fake-rate:{args.tps:g}:{args.tokens}"
    if args.serve_fake:
        _serve_fake()
        return
    largest = 0
    with stack():
        fakes = [_FakeProcess(), _FakeProcess()]
        urls = (fakes[0].base_url, fakes[1].base_url)
        try:
            with web(1, args.server) as base:
                arena, cookies = _setup(urls, model, sum(steps) + 23)
                print(f"model {model}, one {args.server} process, starts spread over {args.ramp:g} s")
                asyncio.run(_ttft(base, urls, model, arena, cookies[:23]))
                cookies = cookies[23:]
                for n in steps:
                    print(f"step: {n} battles ({2 * n} streams)")
                    ok, p99 = asyncio.run(_step(base, fakes, model, arena, cookies[:n], n,
                                                args.ramp))
                    cookies = cookies[n:]
                    if not ok or p99 >= args.limit_ms:
                        print("  stop: " + ("battles failed" if not ok else "added p99 over the limit"))
                        break
                    largest = n
        finally:
            for fake in fakes:
                fake.stop()
    print(f"largest step within limits: {largest} battles ({2 * largest} streams); "
          f"target >= 500 battles, added p99 < {args.limit_ms:g} ms")


if __name__ == "__main__":
    main()
