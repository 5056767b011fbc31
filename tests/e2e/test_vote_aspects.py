"""Aspects in the vote form: one A / B / tie group per aspect the arena declares, sent with the
vote, a required one refused by the server's own message, and shown back after the vote."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from battles.models import Arena, Vote, VoteAspect
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    assert_names_revealed,
    consent_and_open,
    latest_battle,
    vote_button,
    wait,
    wait_until_votable,
)
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]


@pytest.fixture
def arena() -> Arena:
    terms_publish(body="Votes are stored.")
    arena = arena_create(slug="facets", name="Facets Arena", settings={"aspects": [
        {"slug": "accuracy", "label": "Accuracy", "question": "Which is more accurate?",
         "required": True},
        {"slug": "tone", "label": "Tone", "question": "Which has the better tone?"},
    ]})
    contender_create(arena=arena, slug="fern", name="Fern Nine", params={"style": "expert"})
    contender_create(arena=arena, slug="moss", name="Moss Two", params={"style": "concise"})
    return arena


def _pick(browser: WebDriver, aspect: str, value: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"input[name='aspect-{aspect}'][value='{value}']").click()


def test_it_sends_the_aspects_with_the_vote_and_shows_them_back(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    groups = browser.find_elements(By.CSS_SELECTOR, "#vote fieldset.aspect")
    assert [g.get_attribute("data-aspect") for g in groups] == ["accuracy", "tone"]
    assert groups[0].find_elements(By.CSS_SELECTOR, ".required-mark")
    assert not groups[1].find_elements(By.CSS_SELECTOR, ".required-mark")

    browser.find_element(By.ID, "prompt").send_keys("Why is the sky blue?", Keys.ENTER)
    wait_until_votable(browser)
    _pick(browser, "tone", "b")
    vote_button(browser, "a").click()
    wait(browser).until(lambda b: "Please also answer: Accuracy" in b.find_element(By.ID, "status").text)
    battle = latest_battle()
    assert not Vote.objects.filter(battle=battle).exists()
    assert "missing" in str(groups[0].get_attribute("class"))

    _pick(browser, "accuracy", "tie")
    vote_button(browser, "a").click()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: Vote.objects.filter(battle=battle).exists())
    stored = {a.aspect: a.choice for a in VoteAspect.objects.filter(vote__battle=battle)}
    assert stored == {"accuracy": "tie", "tone": "b"}
    shown = browser.find_element(By.ID, "your-vote").text
    assert shown == "Your vote: A is better. Accuracy: Tie, Tone: B."

    browser.refresh()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: b.find_element(By.ID, "your-vote").text == shown)
