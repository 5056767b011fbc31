"""Image answers are served under an opaque address, only to an annotator holding the item."""

from __future__ import annotations

import pytest

from studies.models import StudyCandidate
from studies.services.answers import item_answers_make
from studies.services.assignment import slot_claim
from studies.services.setup import prompt_set_import
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.studies.factories import study_create

pytestmark = pytest.mark.django_db


def test_only_the_annotator_holding_the_item_gets_its_images() -> None:
    arena = arena_create(modality="image")
    for style in ("painterly", "blocky"):
        contender_create(arena=arena, name=f"Secret {style}", provider_kind="demo_image",
                         params={"style": style, "step_delay": 0})
    study = study_create(arena=arena, k=2, overlap=1)
    prompt_set_import(study=study, fmt="jsonl", data=b'{"text": "a red boat"}')
    item = study.items.get()
    item_answers_make(item_id=item.pk)
    study.refresh_from_db()
    alice, bob = annotator_create(), annotator_create()
    slot = slot_claim(study=study, annotator=alice)
    assert slot is not None
    shown = client_for(alice).post(f"/api/studies/{study.slug}/next").json()["item"]
    urls = [c["media_url"] for c in shown["candidates"]]
    assert all(url.startswith("/s/media/") for url in urls) and "Secret" not in str(shown)
    image = client_for(alice).get(urls[0])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert client_for(bob).get(urls[0]).status_code == 404
    assert StudyCandidate.objects.filter(item=item).count() == 2
