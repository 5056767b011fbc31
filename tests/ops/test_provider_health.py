"""A contender whose provider keeps failing is paused, then put back after the cooldown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from annotators.models import Annotator
from battles.models import Contender, ContenderStatus
from ops.models import ContenderPause
from ops.provider_health import contenders_resume
from tests.battles.modality_helpers import play
from tests.factories import annotator_create, arena_create, contender_create, contender_openai
from tests.fakes.fixtures import fake_media_fixture  # noqa: F401
from tests.fakes.media_server import FakeMediaServer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ops.ws import battle_run, db

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture
def alice() -> Annotator:
    return annotator_create()


async def test_it_pauses_a_failing_contender_and_resumes_it_after_the_cooldown(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    def setup() -> tuple[str, int, int]:
        arena = arena_create()
        broken = contender_openai(arena=arena, base_url=fake_openai.base_url,
                                  model="fake-error-500", slug="broken")
        healthy = contender_openai(arena=arena, base_url=fake_openai.base_url,
                                   model="fake-echo", slug="healthy")
        return arena.slug, broken.id, healthy.id

    slug, broken_id, healthy_id = await db(setup)
    side_by_side = {"arena": slug, "prompt": "Hi", "mode": "side_by_side",
                    "contender_a": "broken", "contender_b": "healthy"}
    for _ in range(4):
        await battle_run(alice, side_by_side)
    assert await db(lambda: Contender.objects.get(id=broken_id).status) == ContenderStatus.ACTIVE

    await battle_run(alice, side_by_side)  # the fifth failure in a row

    statuses = await db(lambda: dict(Contender.objects.values_list("id", "status")))
    assert statuses[broken_id] == ContenderStatus.PAUSED
    assert statuses[healthy_id] == ContenderStatus.ACTIVE
    pause = await db(lambda: ContenderPause.objects.get(contender_id=broken_id))
    assert pause.reason == "5 of its last 5 answers failed"
    # Matchmaking no longer draws it: the arena has one active model left.
    anonymous = await battle_run(alice, {"arena": slug, "prompt": "Hi"})
    assert anonymous[-1]["code"] == "no_pair"
    with override_settings(METRICS_TOKEN="scrape-token"):
        metrics_text = (await db(lambda: Client().get(
            "/metrics", HTTP_AUTHORIZATION="Bearer scrape-token").content)).decode()
    # Per arena only: which contender it was is for the admin (ContenderPause), not /metrics.
    assert f'arena_contender_pauses_total{{arena="{slug}"}} 1.0' in metrics_text
    assert f'arena_provider_errors_total{{arena="{slug}",kind="error"}} ' in metrics_text
    assert "broken" not in metrics_text and "healthy" not in metrics_text

    assert await db(lambda: contenders_resume()) == 0  # still cooling down
    later = timezone.now() + timedelta(hours=1)
    assert await db(lambda: contenders_resume(now=later)) == 1
    assert await db(lambda: Contender.objects.get(id=broken_id).status) == ContenderStatus.ACTIVE
    assert await db(lambda: ContenderPause.objects.get(id=pause.id).resumed_at) == later


async def test_it_leaves_alone_a_contender_an_admin_paused(alice: Annotator) -> None:
    def setup() -> int:
        arena = arena_create()
        contender = contender_openai(arena=arena, base_url="http://127.0.0.1:9/v1", model="m")
        ContenderPause.objects.create(contender=contender, reason="5 of its last 5 answers failed")
        Contender.objects.filter(id=contender.id).update(status=ContenderStatus.DEPRECATED)
        return contender.id

    contender_id = await db(setup)
    await db(lambda: contenders_resume(now=timezone.now() + timedelta(hours=1)))
    assert await db(lambda: Contender.objects.get(id=contender_id).status) == "deprecated"


async def test_it_does_not_count_successes_against_a_contender(
    alice: Annotator, fake_openai: FakeOpenAIServer
) -> None:
    def setup() -> str:
        arena = arena_create()
        contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
        contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
        return arena.slug

    slug = await db(setup)
    for _ in range(6):
        messages = await battle_run(alice, {"arena": slug, "prompt": "Hi"})
        assert messages[-1]["can_vote"] is True
    assert await db(lambda: ContenderPause.objects.count()) == 0


async def test_media_and_search_sides_count_towards_health_too(
    alice: Annotator, fake_media: FakeMediaServer
) -> None:
    """Image, search and music sides run through `side_guarded`, not the text stream; their
    failures pause a contender the same way."""

    def setup() -> tuple[str, int, int]:
        arena = arena_create(modality="search")
        broken = contender_create(
            arena=arena, slug="broken-search", provider_kind="search_chat",
            endpoint=fake_media.base_url + "/v1", model_id="fake-search-chat",
            params={"search_url": fake_media.base_url + "/searx", "read_timeout": 3},
        )
        healthy = contender_create(arena=arena, slug="demo", provider_kind="demo_search",
                                   params={"style": "brief", "token_delay": 0})
        return arena.slug, broken.id, healthy.id

    slug, broken_id, healthy_id = await db(setup)
    for _ in range(5):  # "explode" makes the fake search backend answer 500
        await play(alice, {"arena": slug, "prompt": "explode the search"})
    statuses = await db(lambda: dict(Contender.objects.values_list("id", "status")))
    assert statuses[broken_id] == ContenderStatus.PAUSED
    assert statuses[healthy_id] == ContenderStatus.ACTIVE
    pause = await db(lambda: ContenderPause.objects.get(contender_id=broken_id))
    assert pause.reason == "5 of its last 5 answers failed"
