"""A prompt set uploaded, its answers made by a real Celery worker in another process."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from studies.models import ItemState, StudyState
from studies.services.setup import prompt_set_import
from tests.celery_worker import celery_worker
from tests.factories import arena_create, contender_create
from tests.studies.factories import study_create

QUEUE = f"studies-{os.getpid()}"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]


@pytest.fixture
def worker() -> Iterator[None]:
    with override_settings(ARENA_MEDIA_QUEUE=QUEUE), celery_worker(queue=QUEUE, env={}):
        yield


def _settled(study_id: int, deadline_s: float = 60) -> None:
    from studies.models import Study

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if Study.objects.get(pk=study_id).state == StudyState.OPEN:
            return
        time.sleep(0.2)
    states = list(Study.objects.get(pk=study_id).items.values_list("state", "attempts", "error"))
    raise AssertionError(f"the worker did not make the answers in time: {states}")


@pytest.mark.usefixtures("worker")
def test_the_worker_makes_every_item_and_opens_the_study() -> None:
    arena = arena_create()
    for style in ("concise", "expert", "sloppy"):
        contender_create(arena=arena, params={"style": style, "token_delay": 0})
    study = study_create(arena=arena, k=3)
    data = "\n".join(json.dumps({"text": f"Question {n}"}) for n in range(4)).encode()
    prompt_set_import(study=study, fmt="jsonl", data=data)
    _settled(study.pk)
    assert list(study.items.values_list("state", flat=True)) == [ItemState.READY] * 4
    assert all(item.candidates.count() == 3 for item in study.items.all())
