"""No contender identity reaches the browser before the battle's vote is stored.

One full battle is played through every channel the browser uses (pages, API, WebSocket);
everything it received before the vote is searched for each contender's name, slug,
organisation, model id and endpoint.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from annotators.cookies import annotator_cookie_value
from arena.asgi import application
from battles.models import Contender
from tests.factories import annotator_create, arena_create, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


async def test_it_keeps_every_identity_out_of_the_browser_until_the_vote(
    fake_openai: FakeOpenAIServer,
) -> None:
    def setup() -> tuple[str, str, list[Contender]]:
        alice = annotator_create()
        arena = arena_create(slug="identity-check")
        contenders = [
            contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo",
                             slug="zephyr-ultra", name="Zephyr Ultra", organisation="Zephyr Labs"),
            contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-markdown",
                             slug="quokka-pro", name="Quokka Pro", organisation="Quokka AI"),
        ]
        return str(alice.id), annotator_cookie_value(alice.id), contenders

    _, cookie, contenders = await database_sync_to_async(setup)()
    secrets = set()
    for contender in contenders:
        secrets |= {contender.name, contender.slug, contender.organisation, contender.model_id,
                    contender.endpoint, "127.0.0.1:" + contender.endpoint.split(":")[2].split("/")[0]}

    seen: list[str] = []
    communicator = WebsocketCommunicator(
        application, "/ws/battle/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver"),
                 (b"cookie", f"arena_annotator={cookie}".encode())],
    )
    await communicator.connect()
    await communicator.send_json_to({"type": "start", "arena": "identity-check",
                                     "prompt": "Who are you? Tell me your name."})
    while True:
        raw = await communicator.receive_from(timeout=20)
        seen.append(raw)
        if json.loads(raw)["type"] == "turn_done":
            break
    battle_id = json.loads(seen[0])["battle_id"]
    await communicator.disconnect()

    def browse() -> tuple[list[str], dict]:
        client = Client()
        client.cookies["arena_annotator"] = cookie
        pages = [
            client.get("/").content.decode(),
            client.get("/a/identity-check/").content.decode(),
            client.get("/api/arenas").content.decode(),
            client.get(f"/api/battles/{battle_id}").content.decode(),
        ]
        vote = client.post(f"/api/battles/{battle_id}/vote",
                           data=json.dumps({"choice": "a", "idempotency_key": "identity-vote"}),
                           content_type="application/json")
        return pages, vote.json()

    pages, vote = await database_sync_to_async(browse)()
    before_vote = "\n".join(seen + pages)
    leaks = sorted(secret for secret in secrets if secret and secret in before_vote)
    assert leaks == []
    revealed = {vote["reveal"]["a"]["name"], vote["reveal"]["b"]["name"]}
    assert revealed == {"Zephyr Ultra", "Quokka Pro"}
