"""A study of a music or 3D arena opens the judgement only after every one of the K answers was
heard or viewed for the arena's minimum, measured by the server's clock from the events the page
posts; a judgement made earlier is refused and stores nothing. Skipping needs no listening."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from annotators.models import Annotator
from studies.models import Judgement, SlotState, Study, StudyExposureEvent, StudySlot
from tests.factories import annotator_create, client_for
from tests.studies.factories import media_study_made, slot_exposed, study_ready

pytestmark = pytest.mark.django_db


def _next(who: Annotator, study: Study) -> dict[str, Any]:
    item: dict[str, Any] = client_for(who).post(f"/api/studies/{study.slug}/next").json()["item"]
    return item


def _report(who: Annotator, study: Study, slot: int, events: list[dict[str, Any]],
            ) -> tuple[int, dict[str, Any]]:
    """Events posted the way study.js posts them (battles/static/battles/exposure.js)."""
    response = client_for(who).post(f"/api/studies/{study.slug}/slots/{slot}/exposure",
                                    json.dumps({"events": events}),
                                    content_type="application/json")
    return response.status_code, response.json()


def _judge(who: Annotator, study: Study, slot: int, **body: Any) -> tuple[int, dict[str, Any]]:
    response = client_for(who).post(f"/api/studies/{study.slug}/slots/{slot}/judgement",
                                    json.dumps({"ranking": [0], **body}),
                                    content_type="application/json")
    return response.status_code, response.json()


def test_a_music_study_refuses_the_judgement_until_all_k_tracks_were_heard() -> None:
    study = media_study_made("music", k=3, settings={
        "min_listen_s": 5, "default_duration_s": 2, "audio_sample_rate": 22050,
        "audio_channels": 1})
    alice = annotator_create()
    item = _next(alice, study)
    slot = item["slot"]
    gate = item["exposure"]
    assert (gate["verb"], gate["noun"], gate["measured"]) == ("Listen to", "tracks", "heard")
    # 2-second tracks cannot be heard for 5 s: bounded by the track, as in battles.
    assert gate["state"] == {"heard": {"0": 0.0, "1": 0.0, "2": 0.0},
                             "required_s": {"0": 1.5, "1": 1.5, "2": 1.5}, "can_vote": False}

    status, body = _judge(alice, study, slot)
    assert (status, body["code"]) == (409, "listen_more")
    assert body["message"].startswith("Listen to all 3 tracks for at least 1.5 s each before "
                                      "judging (heard: answer 1 0 s")
    assert not Judgement.objects.exists()
    assert StudySlot.objects.get(pk=slot).state == SlotState.ASSIGNED

    # Claiming 2 s of each track in one instant is capped by the server's clock.
    t0 = 1000.0
    status, state = _report(alice, study, slot, [
        {"side": s, "kind": k, "position": p, "t": t0 + p * 1000}
        for s in "012" for k, p in (("play", 0), ("ended", 2))])
    assert status == 200 and max(state["heard"].values()) <= 0.6 and not state["can_vote"]

    # Two tracks heard for real; the third not yet.
    _report(alice, study, slot, [{"side": s, "kind": "play", "position": 0, "t": t0 + 3000}
                                 for s in "01"])
    time.sleep(1.6)
    status, state = _report(alice, study, slot, [
        {"side": s, "kind": "pause", "position": 1.6, "t": t0 + 4600} for s in "01"])
    assert state["heard"]["0"] >= 1.5 and state["heard"]["1"] >= 1.5
    assert state["can_vote"] is False
    status, body = _judge(alice, study, slot)
    assert (status, body["code"]) == (409, "listen_more")
    assert not Judgement.objects.exists()

    _report(alice, study, slot, [{"side": "2", "kind": "play", "position": 0, "t": t0 + 5000}])
    time.sleep(1.6)
    status, state = _report(alice, study, slot, [
        {"side": "2", "kind": "ended", "position": 1.6, "t": t0 + 6600}])
    assert state["can_vote"] is True, state
    assert _next(alice, study)["exposure"]["state"] == state  # a reload resumes the meters

    status, body = _judge(alice, study, slot)
    assert status == 200 and body["stored"] is True, body
    assert Judgement.objects.get().ranking == [0]
    assert StudyExposureEvent.objects.filter(slot_id=slot, annotator=alice).count() == 12


def test_a_3d_study_refuses_the_judgement_until_both_models_were_viewed() -> None:
    study = media_study_made("threed", settings={"min_view_s": 1, "glb_megabytes": 1})
    alice = annotator_create()
    item = _next(alice, study)
    slot = item["slot"]
    assert item["exposure"]["verb"] == "Look at"

    status, body = _judge(alice, study, slot)
    assert (status, body["code"]) == (409, "listen_more")
    assert body["message"].startswith("Look at both models for at least 1 s each")
    assert not Judgement.objects.exists()

    # A viewer reports cumulative seconds viewed as a player would (study.js, threed.js).
    t0 = 500.0
    _report(alice, study, slot, [{"side": s, "kind": "play", "position": 0, "t": t0}
                                 for s in "01"])
    time.sleep(1.1)
    status, state = _report(alice, study, slot, [
        {"side": "0", "kind": "tick", "position": 1.1, "t": t0 + 1100},
        {"side": "1", "kind": "pause", "position": 1.1, "t": t0 + 1100}])
    assert state["can_vote"] is True, state
    assert state["required_s"] == {"0": 1.0, "1": 1.0}  # not bounded by any duration

    status, body = _judge(alice, study, slot, ranking=[1])
    assert status == 200, body
    assert Judgement.objects.get().ranking == [1]


def test_reports_are_checked_and_a_skip_needs_no_listening() -> None:
    study = media_study_made("music", settings={"min_listen_s": 5, "default_duration_s": 2,
                                                 "audio_sample_rate": 22050,
                                                 "audio_channels": 1})
    alice, bob = annotator_create(), annotator_create()
    slot = _next(alice, study)["slot"]
    for who, events, code in [
        (alice, [{"side": "2", "kind": "play", "position": 0, "t": 1}], "events_invalid"),
        (alice, [{"side": "a", "kind": "play", "position": 0, "t": 1}], "events_invalid"),
        (alice, [{"side": "0", "kind": "play", "position": -1, "t": 1}], "events_invalid"),
        (alice, [], "events_invalid"),
        (alice, "play", "events_invalid"),
        (bob, [{"side": "0", "kind": "play", "position": 0, "t": 1}], "not_assigned"),
    ]:
        status, body = _report(who, study, slot, events)  # type: ignore[arg-type]
        assert status >= 400 and body["code"] == code, (events, body)
    assert not StudyExposureEvent.objects.exists()

    response = client_for(alice).post(f"/api/studies/{study.slug}/slots/{slot}/judgement",
                                      json.dumps({"skip_reason": "I cannot hear audio here"}),
                                      content_type="application/json")
    assert response.status_code == 200


def test_a_text_study_has_no_gate() -> None:
    study = study_ready(items=1, overlap=1)
    alice = annotator_create()
    item = _next(alice, study)
    assert item["exposure"] is None
    status, body = _report(alice, study, item["slot"],
                           [{"side": "0", "kind": "play", "position": 0, "t": 1}])
    assert (status, body["code"]) == (400, "not_gated")
    assert _judge(alice, study, item["slot"])[0] == 200


def test_a_slot_handed_back_does_not_bring_its_last_holders_listening() -> None:
    study = media_study_made("music", settings={"min_listen_s": 1, "default_duration_s": 2,
                                                 "audio_sample_rate": 22050,
                                                 "audio_channels": 1})
    alice, bob = annotator_create(), annotator_create()
    slot = StudySlot.objects.get(pk=_next(alice, study)["slot"])
    slot_exposed(slot)
    assert _next(alice, study)["exposure"]["state"]["can_vote"] is True
    response = client_for(alice).post(f"/api/studies/{study.slug}/slots/{slot.pk}/judgement",
                                      json.dumps({"skip_reason": "changed my mind"}),
                                      content_type="application/json")
    assert response.status_code == 200

    item = _next(bob, study)
    assert item["slot"] == slot.pk
    assert item["exposure"]["state"]["heard"] == {"0": 0.0, "1": 0.0}
    assert _judge(bob, study, slot.pk)[1]["code"] == "listen_more"
