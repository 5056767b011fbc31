"""A reasoning model's thinking on the battle page: a collapsed block above the answer."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import consent_and_open, wait_until_votable
from tests.factories import arena_create, contender_create, contender_openai, terms_publish
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]


def test_it_shows_reasoning_collapsed_above_the_answer_and_after_a_reload(
    arena_server: ArenaServer, browser: WebDriver, fake_openai: FakeOpenAIServer
) -> None:
    terms_publish()
    arena = arena_create(slug="thinking", name="Thinking Arena", settings={"show_reasoning": True})
    contender_openai(arena=arena, base_url=fake_openai.base_url, model="fake-reasoning")
    contender_create(arena=arena, params={"style": "concise", "token_delay": 0})
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("Be brief", Keys.ENTER)

    for _ in range(2):  # as streamed, then as the battle API restores it
        boxes = wait_until_votable(browser)
        blocks = [b for box in boxes for b in box.find_elements(By.CSS_SELECTOR, "details.reasoning")]
        assert len(blocks) == 1
        block = blocks[0]
        assert block.get_attribute("open") is None
        assert block.find_element(By.TAG_NAME, "summary").text == "Reasoning"
        body = block.find_element(By.CSS_SELECTOR, ".reasoning-body")
        assert str(body.get_attribute("innerHTML")).count("<strong>brief</strong>") == 1
        following = block.find_element(By.XPATH, "following-sibling::*[1]")
        assert "answer-body" in str(following.get_attribute("class"))
        browser.refresh()
