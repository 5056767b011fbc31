"""Metrics from every process of a host: the web server's /metrics reports what the Celery
worker observed (the image providers' latency) beside its own counters, and the worker serves
the same sum on its own port. Real server, real worker, one metrics folder (as `make run`)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from annotators.cookies import annotator_cookie_value
from tests.e2e.conftest import METRICS_TOKEN, ArenaServer
from tests.factories import annotator_create, arena_create, contender_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def _image_battle(server: ArenaServer, cookie: str, arena: str) -> dict[str, object]:
    url = server.url.replace("http://", "ws://") + "/ws/battle/"
    async with websockets.connect(url, origin=server.url,  # type: ignore[arg-type]
                                  additional_headers={"Cookie": f"arena_annotator={cookie}"}) as ws:
        await ws.send(json.dumps({"type": "start", "arena": arena, "prompt": "a quiet harbour"}))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if message["type"] in ("turn_done", "error"):
                return dict(message)


def test_the_web_reports_what_the_worker_observed(
    arena_server: ArenaServer, media_worker: str
) -> None:
    arena = arena_create(slug="metrics-image", modality="image", max_turns=1,
                         settings={"image_width": 64, "image_height": 64})
    for slug in ("easel", "brush"):
        contender_create(arena=arena, slug=slug, provider_kind="demo_image",
                         params={"style": "flat", "step_delay": 0})
    cookie = annotator_cookie_value(annotator_create().id)

    done = asyncio.run(_image_battle(arena_server, cookie, arena.slug))
    assert done.get("can_vote") is True, done

    web = httpx.get(f"{arena_server.url}/metrics", timeout=10,
                    headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    worker = httpx.get(media_worker, timeout=10).text
    sample = 'arena_provider_answer_seconds_count{arena="metrics-image"} 2.0'
    assert sample in web  # both sides observed in the worker, reported by the web
    assert sample in worker
    for slug in ("easel", "brush"):  # per arena only (arena/metrics.py says why)
        assert slug not in web and slug not in worker, slug
    assert 'arena_battles_started_total{arena="metrics-image",mode="anonymous"} 1.0' in web
