"""A study end to end in headless Chromium on the demo contenders: a researcher uploads a
prompt set through the API, a real Celery worker makes the answers, two annotators rank K = 4
answers by keyboard (one reloads mid-way and resumes), and the results page shows progress,
agreement and the board."""

from __future__ import annotations

import functools
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
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(180),
    pytest.mark.usefixtures("media_worker"),  # the study's answers are made by Celery tasks
]

NAMES = ("Aurora Large", "Basalt Mini", "Cobalt Pro", "Dune Lite")


def _researcher_session() -> str:
    user = User.objects.create_superuser("res", "res@example.org", "x" * 16)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _progress_text(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "progress-text").text


def _moved_on(driver: WebDriver, *, shown: str) -> bool:
    return _progress_text(driver) != shown


def _annotate(driver: WebDriver, server: ArenaServer, slug: str, *, reload_once: bool) -> int:
    driver.delete_all_cookies()
    driver.get(f"{server.url}/s/{slug}/")
    driver.find_element(By.CSS_SELECTOR, ".consent-form button[type=submit]").click()
    wait(driver).until(lambda b: path_of(b) == f"/s/{slug}/")
    judged = 0
    while True:
        wait(driver).until(lambda b: _progress_text(b).startswith("Item")
                            or _progress_text(b) == "Done")
        if _progress_text(driver) == "Done":
            return judged
        source = driver.page_source
        assert not any(name in source for name in NAMES), "an identity reached the page"
        assert len(driver.find_elements(By.CSS_SELECTOR, "#candidates > li")) == 4
        prompt = driver.find_element(By.ID, "prompt").text
        if reload_once and judged == 1:
            reload_once = False
            driver.refresh()
            wait(driver).until(lambda b: _progress_text(b) == "Item 2 of 3")
            assert driver.find_element(By.ID, "prompt").text == prompt  # resumed
        ActionChains(driver).send_keys("3").send_keys("1").send_keys("2").perform()
        wait(driver).until(lambda b: b.find_element(By.ID, "submit").is_enabled())
        assert "Answer 3 > Answer 1 > Answer 2 > Answer 4" in driver.find_element(
            By.ID, "order").text
        driver.find_element(By.ID, "explanation").send_keys("clearer and complete")
        moved_on = functools.partial(_moved_on, shown=_progress_text(driver))
        driver.find_element(By.ID, "submit").click()
        wait(driver).until(moved_on)
        judged += 1


def test_a_study_runs_end_to_end(arena_server: ArenaServer, browser: WebDriver) -> None:
    terms_publish()
    arena = arena_create(slug="study-chat", name="Study chat")
    for name, style in zip(NAMES, ("expert", "concise", "verbose", "sloppy"), strict=True):
        contender_create(arena=arena, name=name, params={"style": style, "token_delay": 0})
    cookies = {"sessionid": _researcher_session()}
    with httpx.Client(base_url=arena_server.url, cookies=cookies, timeout=30) as api:
        made = api.post("/api/studies", json={
            "slug": "tides", "title": "Tides study", "arena": "study-chat", "k": 4,
            "vote_format": "rank", "overlap": 2})
        assert made.status_code == 201, made.text
        lines = "\n".join(json.dumps({"text": f"Explain tides, take {n}"}) for n in range(3))
        uploaded = api.post("/api/studies/tides/prompt-set",
                            files={"file": ("prompts.jsonl", lines.encode())})
        assert uploaded.status_code == 201, uploaded.text
    deadline = time.monotonic() + 60
    while Study.objects.get(slug="tides").state != StudyState.OPEN:
        assert time.monotonic() < deadline, "the worker did not make the answers"
        time.sleep(0.2)

    assert _annotate(browser, arena_server, "tides", reload_once=True) == 3
    assert _annotate(browser, arena_server, "tides", reload_once=False) == 3
    assert sorted(Judgement.objects.values_list("ranking", flat=True)) == [[2, 0, 1, 3]] * 6

    browser.delete_all_cookies()
    browser.get(f"{arena_server.url}/s/tides/results")
    browser.add_cookie({"name": "sessionid", "value": cookies["sessionid"]})
    browser.get(f"{arena_server.url}/s/tides/results")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "6 of 6" in text  # progress
    assert "Krippendorff's alpha" in text
    assert len(browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")) == 4
