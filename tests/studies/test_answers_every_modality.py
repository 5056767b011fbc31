"""Answers made in advance for every modality, through its spec's `advance` hook and the
offline demo providers, and shown on the study page by their kind."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from django.core.files.storage import default_storage

from battles.modalities import modalities
from studies.models import ItemState, Study, StudyCandidate, StudyItem
from studies.services.answers import item_answers_make
from studies.services.assignment import slot_claim
from studies.services.setup import prompt_set_import
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.studies.factories import study_create

pytestmark = pytest.mark.django_db

_FULL_MUSIC = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}

# modality: (arena settings, provider kind, params of two contenders, prompt)
DEMOS: dict[str, tuple[dict[str, Any], str, list[dict[str, Any]], str]] = {
    "text": ({}, "demo_text", [{"style": "concise", "token_delay": 0},
                               {"style": "verbose", "token_delay": 0}],
             "Why is the sky blue?"),
    "search": ({}, "demo_search", [{"style": "thorough", "token_delay": 0},
                                   {"style": "brief", "token_delay": 0}],
               "Why are there two tides a day?"),
    "image": ({"image_width": 128, "image_height": 96}, "demo_image",
              [{"style": "painterly", "step_delay": 0}, {"style": "flat", "step_delay": 0}],
              "A lighthouse at dusk"),
    "music": ({"default_duration_s": 2, "audio_sample_rate": 22050, "audio_channels": 1},
              "demo_music", [{"style": "studio", "step_delay": 0},
                             {"style": "simple", "step_delay": 0}],
              "a calm piano tune, instrumental"),
    "threed": ({"glb_megabytes": 1}, "demo_3d",
               [{"style": "fine", "step_delay": 0}, {"style": "coarse", "step_delay": 0}],
               "a wooden chair"),
}
KINDS = {"text": "text", "search": "search", "image": "image", "music": "audio",
         "threed": "model"}


def _study(modality: str, **fields: Any) -> tuple[Study, StudyItem]:
    settings, kind, params, prompt = DEMOS[modality]
    arena = arena_create(modality=modality, settings=settings)
    for n, p in enumerate(params):
        contender_create(arena=arena, name=f"Secret {modality} {n}", provider_kind=kind,
                         params=p, capabilities=_FULL_MUSIC if modality == "music" else {})
    study = study_create(arena=arena, k=2, overlap=1, **fields)
    prompt_set_import(study=study, fmt="jsonl", data=json.dumps({"text": prompt}).encode())
    return study, study.items.get()


@pytest.mark.parametrize("modality", list(DEMOS))
def test_it_makes_answers_in_advance_and_the_page_shows_them(modality: str) -> None:
    study, item = _study(modality)
    assert item_answers_make(item_id=item.pk) is True
    item.refresh_from_db()
    assert item.state == ItemState.READY, item.error
    candidates = list(item.candidates.order_by("position"))
    assert len(candidates) == 2 and {c.kind for c in candidates} == {KINDS[modality]}

    study.refresh_from_db()  # open now that nothing waits for answers
    alice = annotator_create()
    assert slot_claim(study=study, annotator=alice) is not None
    shown = client_for(alice).post(f"/api/studies/{study.slug}/next").json()["item"]
    assert [c["kind"] for c in shown["candidates"]] == [KINDS[modality]] * 2
    assert "Secret" not in json.dumps(shown)  # no model identity reaches the page
    page = client_for(alice).get(f"/s/{study.slug}/").content.decode()
    assert "studies/study.js" in page and "battles/threed.css" in page
    _check_shown(modality, candidates, shown["candidates"], client_for(alice))


def _check_shown(modality: str, stored: list[StudyCandidate], shown: list[dict[str, Any]],
                 client: Any) -> None:
    if modality == "text":
        assert all(c.text and not c.media_name for c in stored)
        assert all(s["html"].strip() and not s["media_url"] for s in shown)
        return
    if modality == "search":
        assert all(c.trace["queries"] and c.trace["raw_answer"] for c in stored)
        thorough = next(c for c in stored if c.trace["citations"])  # both demos cite
        assert "[1]" in thorough.text
        page = next(s for s in shown if s["position"] == thorough.position)
        assert '<sup><a href="http' in page["html"]
        assert page["sources"] and {"n", "url", "title", "domain"} == set(page["sources"][0])
        return
    urls = [s["media_url"] for s in shown]
    assert all(url.startswith("/s/media/") for url in urls)
    files = [client.get(url) for url in urls]
    assert all(f.status_code == 200 for f in files)
    bodies = [f.content for f in files]
    types = {f["Content-Type"] for f in files}
    if modality == "image":
        assert types == {"image/png"} and all(b.startswith(b"\x89PNG") for b in bodies)
    if modality == "music":
        assert types == {"audio/wav"} and all(b.startswith(b"RIFF") for b in bodies)
        assert len(bodies[0]) == len(bodies[1])  # one format, one length: nothing tells them apart
    if modality == "threed":
        assert types == {"model/gltf-binary"} and all(b.startswith(b"glTF") for b in bodies)
        assert {len(b) for b in bodies} == {1024 * 1024}  # padded to the arena's one size
    for candidate in stored:
        assert default_storage.exists(candidate.media_name)


def test_a_modality_without_the_hook_fails_the_item_at_once_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(modalities(), "text", replace(modalities()["text"], advance=None))
    study, item = _study("text")
    assert item_answers_make(item_id=item.pk) is True  # settled: retrying cannot help
    item.refresh_from_db()
    assert item.state == ItemState.FAILED and item.attempts == 1
    assert "Text chat arenas cannot make answers in advance" in item.error
    assert not item.candidates.exists()


def test_the_router_refusing_a_prompt_fails_the_item_with_its_reason() -> None:
    study, item = _study("music")
    StudyItem.objects.filter(pk=item.pk).update(text="please explain the French revolution")
    item_answers_make(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.FAILED
    assert item.error.startswith("The arena refuses this prompt: That does not read like a music")


def test_only_contenders_that_fit_the_routed_prompt_answer() -> None:
    study, item = _study("music")
    study.arena.contenders.update(capabilities={"vocals": False, "lyrics": False})
    StudyItem.objects.filter(pk=item.pk).update(text="an upbeat jazz song with vocals")
    item_answers_make(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == ItemState.FAILED
    assert "Only 0 of the study's contenders can answer this prompt" in item.error


def test_a_slow_model_fails_the_attempt_with_the_live_timeout_message() -> None:
    study, item = _study("image")
    slow = study.arena.contenders.first()
    assert slow is not None
    slow.params = {"style": "painterly", "step_delay": 5, "total_timeout": 0.2}
    slow.save(update_fields=["params"])
    assert item_answers_make(item_id=item.pk) is False  # tried again later
    item.refresh_from_db()
    assert item.state == ItemState.PENDING and item.error == "The model took longer than 0.2 s."
