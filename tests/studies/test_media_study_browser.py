"""Studies of tracks and 3D models in headless Chromium: a real worker makes the answers in
advance, the page plays each track in its own player and shows each model in the battles' 3D
viewer, turning a model does not choose it, no model's name reaches the page, and the judgement
opens only once the server agrees every answer was heard or viewed for the arena's minimum."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from studies.models import Judgement, Study, StudyState
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import path_of, wait
from tests.e2e.test_threed_arena import gl_browser  # noqa: F401  (software WebGL)
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
    pytest.mark.usefixtures("media_worker"),  # the study's answers are made by Celery tasks
]

MUSIC = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}


def _studies_made(server: ArenaServer) -> None:
    user = User.objects.create_superuser("res", "res@example.org", "x" * 16)
    client = Client()
    client.force_login(user)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    with httpx.Client(base_url=server.url, cookies=cookies, timeout=30) as api:
        for slug, arena, prompt in (("tunes", "study-music", "a calm piano tune"),
                                    ("chairs", "study-3d", "a wooden chair")):
            made = api.post("/api/studies", json={"slug": slug, "title": slug, "arena": arena,
                                                  "k": 2, "overlap": 1})
            assert made.status_code == 201, made.text
            uploaded = api.post(f"/api/studies/{slug}/prompt-set", files={
                "file": ("prompts.jsonl", json.dumps({"text": prompt}).encode())})
            assert uploaded.status_code == 201, uploaded.text
    deadline = time.monotonic() + 90
    while Study.objects.filter(state=StudyState.OPEN).count() < 2:
        assert time.monotonic() < deadline, "the worker did not make the answers"
        time.sleep(0.2)


def _pick_locked(browser: WebDriver, key: str, hint: str) -> None:
    """An answer picked before the gate opens: chosen, but the judgement stays closed."""
    ActionChains(browser).send_keys(key).perform()
    wait(browser).until(lambda b: b.find_element(By.ID, "order").text.startswith("Your order"))
    assert not browser.find_element(By.ID, "submit").is_enabled()
    assert hint in browser.find_element(By.ID, "exposure").text


def _judge_picked(browser: WebDriver) -> None:
    wait(browser).until(lambda b: b.find_element(By.ID, "submit").is_enabled())
    browser.find_element(By.ID, "submit").click()
    wait(browser).until(lambda b: b.find_element(By.ID, "progress-text").text == "Done")


def test_tracks_and_models_made_in_advance_are_played_and_viewed(
    arena_server: ArenaServer, gl_browser: WebDriver  # noqa: F811
) -> None:
    terms_publish()
    music = arena_create(slug="study-music", modality="music",
                         settings={"default_duration_s": 2, "min_listen_s": 5})
    threed = arena_create(slug="study-3d", modality="threed",
                          settings={"glb_megabytes": 1, "min_view_s": 4})
    names = []
    for arena, kind, styles in ((music, "demo_music", ("studio", "simple")),
                                (threed, "demo_3d", ("fine", "coarse"))):
        for style in styles:
            name = f"Hidden {kind} {style}"
            names.append(name)
            contender_create(arena=arena, name=name, provider_kind=kind,
                             params={"style": style, "step_delay": 0},
                             capabilities=MUSIC if arena is music else {})
    _studies_made(arena_server)
    browser = gl_browser

    browser.get(f"{arena_server.url}/s/tunes/")
    browser.find_element(By.CSS_SELECTOR, ".consent-form button[type=submit]").click()
    wait(browser).until(lambda b: path_of(b) == "/s/tunes/")
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#candidates audio")) == 2)
    wait(browser).until(lambda b: b.execute_script(
        "return [...document.querySelectorAll('#candidates audio')]"
        ".every((a) => a.readyState >= 1 && Math.abs(a.duration - 2) < 0.01)"))
    assert not any(name in browser.page_source for name in names)
    # 2-second tracks: the arena's 5 s is bounded by each track's length, as in battles.
    _pick_locked(browser, "2", "Listen to both tracks before judging: heard Answer 1 0 of 2 s, "
                               "Answer 2 0 of 2 s.")
    for audio in browser.find_elements(By.CSS_SELECTOR, "#candidates audio"):
        browser.execute_script("return arguments[0].play()", audio)
        wait(browser).until(lambda b, audio=audio: b.execute_script(  # type: ignore[misc]
            "return arguments[0].ended", audio))
    wait(browser).until(lambda b: len(b.find_elements(
        By.CSS_SELECTOR, "#candidates .listen-meter.enough")) == 2)
    assert "You heard both tracks" in browser.find_element(By.ID, "exposure").text
    _judge_picked(browser)

    browser.get(f"{arena_server.url}/s/chairs/")
    loaded = "#candidates .threed-side.threed-loaded canvas"
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, loaded)) == 2)
    assert not any(name in browser.page_source for name in names)
    canvas = browser.find_elements(By.CSS_SELECTOR, loaded)[0]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    ActionChains(browser).click_and_hold(canvas).move_by_offset(40, 10).release().perform()
    assert browser.find_element(By.ID, "order").text == "Pick the best answer."  # not chosen
    _pick_locked(browser, "1", "Look at both models before judging")
    _judge_picked(browser)  # opens once each model was on screen for 4 s
    assert sorted(Judgement.objects.values_list("ranking", flat=True)) == [[0], [1]]
