"""Prometheus metrics, served at /metrics (see arena.health).

Several processes share a host: `make run` starts one web process per core behind one socket,
and Celery workers make images and music tracks (so they observe those providers' latency and
errors). With PROMETHEUS_MULTIPROC_DIR set (the launcher and the containers set it), every
process writes its samples there and `metrics_registry()` reports their sum for the host: the
web's /metrics for the web container or `make run`, a worker's own port (WORKER_METRICS_PORT,
arena/celery.py) for a worker container. Without it, a process reports only its own samples.
Prometheus sums what the scraped targets report. Recompute durations are also written to Redis
by whichever worker ran them and reported from there by every web process.

Other apps call the small functions here rather than touching prometheus_client directly.

No series here carries a contender. A live per-contender counter names the two models of a
battle to anyone who reads it just before and just after that battle (the probe of issue #15
did exactly that), and the token does not help: an operator, or anyone the token leaks to, can
annotate too. A coarser schedule would not fix it either: in a quiet arena one battle may be
all that moves between two updates. So live series stop at the arena (and error kind), which
says whether an arena's providers are healthy; which contender is slow or failing is for
staff, in the admin (Generation timings, contender status, ContenderPause with its reason) and
in the server logs (`contender_paused` / `contender_resumed` events), never in /metrics.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator

import redis
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from arena.redis_client import redis_client

logger = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)

battles_started = Counter(
    "arena_battles_started", "Battles started, by arena and mode.", ["arena", "mode"]
)
votes_stored = Counter("arena_votes_stored", "Votes stored, by arena.", ["arena"])
provider_seconds = Histogram(
    "arena_provider_answer_seconds",
    "Time from request to the last token of a successful answer, by arena.",
    ["arena"],
    buckets=_LATENCY_BUCKETS,
)
provider_ttft_seconds = Histogram(
    "arena_provider_first_token_seconds",
    "Time from request to the first token, by arena.",
    ["arena"],
    buckets=_LATENCY_BUCKETS,
)
provider_errors = Counter(
    "arena_provider_errors",
    "Failed answers, by arena and kind (error, timeout, internal).",
    ["arena", "kind"],
)
contender_pauses = Counter(
    "arena_contender_pauses",
    "Contenders paused automatically because their provider kept failing (which: the admin).",
    ["arena"],
)
contender_resumes = Counter(
    "arena_contender_resumes", "Automatically paused contenders put back after the cooldown.",
    ["arena"],
)
websocket_connections = Gauge(
    "arena_websocket_connections", "Open battle WebSocket connections.",
    multiprocess_mode="livesum",
)

RECOMPUTE_KEY = "arena:metrics:recompute"


def battle_started(*, arena: str, mode: str) -> None:
    battles_started.labels(arena=arena, mode=mode).inc()


def vote_stored(*, arena: str) -> None:
    votes_stored.labels(arena=arena).inc()


def provider_answered(*, arena: str, seconds: float, first_token_seconds: float | None) -> None:
    provider_seconds.labels(arena=arena).observe(seconds)
    if first_token_seconds is not None:
        provider_ttft_seconds.labels(arena=arena).observe(first_token_seconds)


def provider_failed(*, arena: str, kind: str) -> None:
    provider_errors.labels(arena=arena, kind=kind).inc()


def recompute_observe(arena_slug: str, seconds: float) -> None:
    """Record one leaderboard recompute; callable from any process, never raises."""
    try:
        pipe = redis_client().pipeline()
        pipe.hincrbyfloat(f"{RECOMPUTE_KEY}:sum", arena_slug, seconds)
        pipe.hincrby(f"{RECOMPUTE_KEY}:count", arena_slug, 1)
        pipe.hset(f"{RECOMPUTE_KEY}:last", arena_slug, seconds)
        pipe.execute()
    except redis.RedisError:
        logger.warning("recompute metric for %s not recorded: Redis unavailable", arena_slug)


class RecomputeCollector(Collector):
    """Recompute durations as recorded in Redis by whichever worker ran them."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        try:
            pipe = redis_client().pipeline()
            pipe.hgetall(f"{RECOMPUTE_KEY}:sum")
            pipe.hgetall(f"{RECOMPUTE_KEY}:count")
            pipe.hgetall(f"{RECOMPUTE_KEY}:last")
            sums, counts, lasts = pipe.execute()
        except redis.RedisError:
            return
        total = CounterMetricFamily(
            "arena_recompute_seconds", "Total seconds spent recomputing rankings.",
            labels=["arena"],
        )
        runs = CounterMetricFamily(
            "arena_recomputes", "Ranking recomputes finished.", labels=["arena"]
        )
        last = GaugeMetricFamily(
            "arena_recompute_last_seconds", "Duration of the latest recompute.", labels=["arena"]
        )
        for slug, value in sums.items():
            total.add_metric([slug.decode()], float(value))
        for slug, value in counts.items():
            runs.add_metric([slug.decode()], float(value))
        for slug, value in lasts.items():
            last.add_metric([slug.decode()], float(value))
        yield from (total, runs, last)


REGISTRY.register(RecomputeCollector())


@functools.cache
def metrics_registry() -> CollectorRegistry:
    """What /metrics and a worker's metrics port report: the sum over this host's processes
    when PROMETHEUS_MULTIPROC_DIR is set, else this process's own registry."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(RecomputeCollector())
    return registry
