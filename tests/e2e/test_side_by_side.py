"""Side-by-side mode in the browser: the annotator picks two models by name, sees the names at
once, and the vote is stored as a side-by-side vote."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from battles.models import Arena, BattleMode, Vote
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    consent_and_open,
    latest_battle,
    path_of,
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
    terms_publish()
    arena = arena_create(slug="duel", name="Duel Arena")
    contender_create(arena=arena, slug="alpha-owl", name="Alpha Owl", organisation="Owl Labs",
                     params={"style": "expert", "token_delay": 0.005})
    contender_create(arena=arena, slug="beta-fox", name="Beta Fox", organisation="Fox Inc",
                     params={"style": "concise", "token_delay": 0.005})
    contender_create(arena=arena, slug="gamma-elk", name="Gamma Elk", organisation="Elk Co",
                     params={"style": "concise", "token_delay": 0.005})
    return arena


def test_it_answers_with_the_picked_models_named_from_the_start(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.LINK_TEXT, "Side-by-side (pick models)").click()
    wait(browser).until(lambda b: path_of(b) == f"/a/{arena.slug}/side-by-side/")
    assert "never rank" in browser.find_element(By.CSS_SELECTOR, ".hint").text
    Select(browser.find_element(By.ID, "pick-a")).select_by_value("gamma-elk")
    Select(browser.find_element(By.ID, "pick-b")).select_by_value("alpha-owl")

    browser.find_element(By.ID, "prompt").send_keys("How do tides work?", Keys.ENTER)

    wait(browser).until(lambda b: "Gamma Elk" in b.find_element(By.ID, "name-a").text)
    # The pair is fixed for the battle: the pickers wait for "New battle".
    assert not browser.find_element(By.ID, "pick-a").is_enabled()
    assert not browser.find_element(By.ID, "pick-b").is_enabled()
    assert browser.find_element(By.ID, "name-b").text == "Model B: Alpha Owl (offline demo) (Owl Labs)"
    boxes = wait_until_votable(browser)
    label = boxes[0].find_element(By.CSS_SELECTOR, ".answer-label")  # shown on phones only
    assert "Gamma Elk" in str(label.get_property("textContent"))
    battle = latest_battle()
    assert (battle.mode, battle.contender_a.slug, battle.contender_b.slug) == (
        BattleMode.SIDE_BY_SIDE, "gamma-elk", "alpha-owl")

    vote_button(browser, "b").click()
    wait(browser).until(lambda b: Vote.objects.filter(battle=battle).exists())
    assert Vote.objects.get(battle=battle).choice == "b"
    wait(browser).until(lambda b: b.find_element(By.ID, "new-battle").is_displayed())
    assert "Alpha Owl" in browser.find_element(By.ID, "name-b").text


def test_picking_the_same_model_twice_is_refused_and_the_prompt_kept(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.get(f"{arena_server.url}/a/{arena.slug}/side-by-side/")
    Select(browser.find_element(By.ID, "pick-a")).select_by_value("beta-fox")
    Select(browser.find_element(By.ID, "pick-b")).select_by_value("beta-fox")
    browser.find_element(By.ID, "prompt").send_keys("How do tides work?", Keys.ENTER)

    wait(browser).until(lambda b: "error" in str(b.find_element(By.ID, "status").get_attribute("class")))
    assert browser.find_element(By.ID, "prompt").get_property("value") == "How do tides work?"
    assert browser.find_element(By.ID, "pick-b").is_enabled()
    Select(browser.find_element(By.ID, "pick-b")).select_by_value("alpha-owl")
    browser.find_element(By.ID, "send").click()
    wait_until_votable(browser)
    assert browser.find_element(By.ID, "prompt").get_property("value") == ""
