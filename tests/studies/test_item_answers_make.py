"""Answers made in advance through the real providers: the fake OpenAI server (a real local
HTTP server) and the offline demo providers."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from studies.models import ItemState, Sampling, Study, StudyItem, StudyState
from studies.services.answers import (
    MAX_ATTEMPTS,
    item_answers_make,
    split_diverse,
    study_failed_retry,
)
from studies.services.setup import prompt_set_import
from tests.factories import arena_create, contender_create, contender_openai
from tests.fakes.openai_server import FakeOpenAIServer
from tests.studies.factories import study_create

pytestmark = pytest.mark.django_db


def _items(study: Study, *texts: str) -> list[StudyItem]:
    data = "\n".join(json.dumps({"text": t}) for t in texts).encode()
    prompt_set_import(study=study, fmt="jsonl", data=data)
    return list(study.items.order_by("position"))


def test_it_makes_k_answers_from_k_models(fake_openai: FakeOpenAIServer) -> None:
    arena = arena_create()
    models = [contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
              for _ in range(3)]
    study = study_create(arena=arena, k=3)
    (item,) = _items(study, "Why is the sky blue? studies-k-models")
    assert item_answers_make(item_id=item.pk) is True
    item.refresh_from_db()
    assert item.state == ItemState.READY and item.error == ""
    candidates = list(item.candidates.order_by("position"))
    assert [c.position for c in candidates] == [0, 1, 2]
    assert {c.contender_id for c in candidates} == {m.pk for m in models}
    assert all("studies-k-models" in c.text for c in candidates)
    study.refresh_from_db()
    assert study.state == StudyState.OPEN  # nothing waits for answers any more


def test_it_splits_one_negatively_correlated_request_into_k(fake_openai: FakeOpenAIServer) -> None:
    arena = arena_create()
    writer = contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
    study = study_create(arena=arena, k=4, sampling=Sampling.DIVERSE, diverse_contender=writer)
    (item,) = _items(study, "Should cities ban cars? studies-diverse")
    item_answers_make(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.READY
    sent = [r for r in fake_openai.requests
            if "studies-diverse" in json.dumps(r.json)]
    assert len(sent) == 1  # one request for all four answers
    assert "as different from each other as you can" in sent[0].json["messages"][-1]["content"]
    assert item.candidates.count() == 4
    assert {c.contender_id for c in item.candidates.all()} == {writer.pk}


def test_split_diverse_refuses_the_wrong_number_of_answers() -> None:
    text = "=== ANSWER 1 ===\nYes.\n=== ANSWER 2 ===\nNo.\n=== ANSWER 3 ===\nMaybe.\n"
    assert split_diverse(text, k=3) == ["Yes.", "No.", "Maybe."]
    with pytest.raises(Exception, match="asked for 4 different answers and returned 3"):
        split_diverse(text, k=4)


def test_a_failing_model_fails_the_item_with_a_reason_after_retries(
    fake_openai: FakeOpenAIServer,
) -> None:
    arena = arena_create()
    contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-echo")
    contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-error-500")
    study = study_create(arena=arena, k=2)
    (item,) = _items(study, "studies-failing")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        settled = item_answers_make(item_id=item.pk)
        item.refresh_from_db()
        assert settled is (attempt == MAX_ATTEMPTS)
        assert item.attempts == attempt and "HTTP 500" in item.error
    assert item.state == ItemState.FAILED
    assert not item.candidates.exists()
    assert fake_openai.base_url not in item.error and "fake-error-500" not in item.error
    assert study_failed_retry(study=study) == 1
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and item.attempts == 0


def test_it_makes_normalized_images_with_the_demo_painters() -> None:
    arena = arena_create(modality="image", settings={"image_width": 256, "image_height": 192})
    for style in ("painterly", "flat"):
        contender_create(arena=arena, provider_kind="demo_image",
                         params={"style": style, "step_delay": 0})
    study = study_create(arena=arena, k=2)
    (item,) = _items(study, "A lighthouse at dusk")
    item_answers_make(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.READY, item.error
    for candidate in item.candidates.all():
        assert candidate.media_content_type == "image/png" and not candidate.text
        with default_storage.open(candidate.media_name) as handle:
            assert Image.open(handle).size == (256, 192)


def test_it_settles_a_misconfigured_contender_with_a_reason() -> None:
    arena = arena_create()
    contender_create(arena=arena)
    contender_create(arena=arena, params={"style": "no-such-style"})
    study = study_create(arena=arena, k=2)
    (item,) = _items(study, "hello")
    for _ in range(MAX_ATTEMPTS):
        item_answers_make(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.FAILED and "misconfigured" in item.error
