"""The music arena in the browser: two players, the vote closed until both tracks were really
heard for the arena's minimum, then the vote, the reveal and the stored listening record."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from battles.listening import listening_state
from battles.models import Arena, ListenEvent, Vote
from tests.e2e.conftest import CHROMEDRIVER, CHROMIUM, ArenaServer
from tests.e2e.pages import (
    assert_names_revealed,
    consent_and_open,
    latest_battle,
    screenshot,
    vote_button,
    wait,
    wait_until_answered,
)
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
    pytest.mark.usefixtures("media_worker"),
]

MIN_LISTEN_S = 2
TRACK_S = 3
CAPABILITIES = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Like the shared fixture, but players may start without a click (the test calls play())."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1280,900", "--mute-audio",
                     "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def arena() -> Arena:
    terms_publish()
    arena = arena_create(slug="jukebox", name="Jukebox Arena", modality="music",
                         max_turns=1,
                         settings={"min_listen_s": MIN_LISTEN_S, "default_duration_s": TRACK_S})
    contender_create(arena=arena, slug="big-studio", name="Big Studio", provider_kind="demo_music",
                     capabilities=CAPABILITIES, params={"style": "studio", "step_delay": 0.02})
    contender_create(arena=arena, slug="hummer", name="Hummer", provider_kind="demo_music",
                     capabilities=CAPABILITIES, params={"style": "simple", "step_delay": 0.02})
    return arena


def player(browser: WebDriver, side: str) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, f'.answer[data-side="{side}"] audio.generated')


def heard_enough(browser: WebDriver, side: str) -> bool:
    """The page's meter, updated from the server's answer to a listening report."""
    meter = browser.find_elements(By.CSS_SELECTOR, f'.listen-meter[data-side="{side}"]')
    return bool(meter) and "enough" in str(meter[0].get_attribute("class"))


def playable(browser: WebDriver, audio: WebElement) -> bool:
    return bool(browser.execute_script(
        "return arguments[0].readyState >= 3 && arguments[0].duration > 0", audio))


def play_through(browser: WebDriver, side: str) -> None:
    audio = player(browser, side)
    browser.execute_script("arguments[0].currentTime = 0; return arguments[0].play()", audio)
    wait(browser).until(lambda b: b.execute_script("return arguments[0].ended", audio))
    wait(browser).until(lambda b: heard_enough(b, side))


def test_the_vote_opens_only_after_both_tracks_were_heard(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("a calm piano instrumental", Keys.ENTER)

    wait_until_answered(browser)
    wait(browser).until(lambda b: "Both answers are complete" in b.find_element(By.ID, "status").text)
    for side in ("a", "b"):
        audio = player(browser, side)
        assert audio.get_attribute("src").split("/")[-2] == "m"  # type: ignore[union-attr]
        wait(browser).until(lambda b, audio=audio: playable(b, audio))  # type: ignore[misc]
    assert "Request read as: instrumental, 3 s" in browser.find_element(By.ID, "turns").text
    assert not vote_button(browser, "a").is_enabled()
    # One turn, voting locked: the status says to listen, not to vote or continue.
    status = browser.find_element(By.ID, "status")
    assert "Listen to both tracks before voting: heard A 0 of 2 s, B 0 of 2 s." in status.text
    assert "keep the conversation" not in status.text
    assert not browser.find_element(By.ID, "prompt").is_enabled()
    # An early key press votes nothing and leaves no stale refusal behind.
    browser.execute_script("document.activeElement.blur()")
    browser.find_element(By.TAG_NAME, "body").send_keys("1")
    assert "error" not in str(status.get_attribute("class"))
    assert "(heard:" not in status.text

    play_through(browser, "a")
    assert not vote_button(browser, "a").is_enabled()
    wait(browser).until(lambda b: "heard A 2 of 2 s, B 0 of 2 s" in status.text)
    screenshot(browser, "music-locked-desktop")
    battle = latest_battle()
    state = listening_state(battle)
    assert state["heard"]["a"] >= MIN_LISTEN_S and state["heard"]["b"] == 0
    assert state["can_vote"] is False

    play_through(browser, "b")
    wait(browser).until(lambda b: vote_button(b, "b").is_enabled())
    assert "voting is open" in browser.find_element(By.ID, "status").text
    assert "Listen to both" not in browser.find_element(By.ID, "status").text

    vote_button(browser, "b").click()
    assert_names_revealed(browser, battle)
    assert Vote.objects.get(battle=battle).choice == "b"
    kinds = {side: set(ListenEvent.objects.filter(battle=battle, side=side)
                       .values_list("kind", flat=True)) for side in ("a", "b")}
    assert kinds["a"] >= {"play", "ended"} and kinds["b"] >= {"play", "ended"}
    state = listening_state(battle)
    assert min(state["heard"].values()) >= MIN_LISTEN_S
    assert max(state["heard"].values()) <= TRACK_S + 0.5
    wait(browser).until(lambda b: b.find_elements(By.ID, "feedback"))
