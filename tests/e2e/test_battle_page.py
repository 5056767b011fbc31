"""The battle page as a person uses it: consent, prompt, two streamed answers, vote, reveal."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from battles.models import Arena, BattleState, Contender, Turn, Vote
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    answer_text,
    arena_url,
    assert_names_revealed,
    consent_and_open,
    latest_battle,
    path_of,
    screenshot,
    streaming_answer_with_text,
    vote_button,
    wait,
    wait_until_answered,
    wait_until_votable,
)
from tests.factories import (
    annotator_create,
    arena_create,
    battle_ready,
    contender_create,
    terms_publish,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]

@pytest.fixture
def arena() -> Arena:
    terms_publish(body="## Be kind\n\nYour prompts and votes are stored.")
    arena = arena_create(slug="tides", name="Tides Arena")
    # The expert answer is long enough (about 120 chunks) to watch it stream.
    contender_create(arena=arena, slug="zephyr-owl", name="Zephyr Owl",
                     organisation="Northwind Labs",
                     params={"style": "expert", "token_delay": 0.02})
    contender_create(arena=arena, slug="quartz-fox", name="Quartz Fox",
                     organisation="Southpaw Research",
                     params={"style": "concise", "token_delay": 0.01})
    return arena


def test_it_asks_for_consent_on_the_first_visit(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    browser.get(arena_url(arena_server, arena))

    assert path_of(browser) == "/consent/"
    assert browser.find_element(By.CSS_SELECTOR, ".terms h2").text == "Be kind"
    browser.find_element(By.CSS_SELECTOR, ".consent-form button[type=submit]").click()

    wait(browser).until(lambda b: path_of(b) == f"/a/{arena.slug}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Tides Arena"
    browser.get(arena_url(arena_server, arena))
    assert path_of(browser) == f"/a/{arena.slug}/"


def test_it_streams_two_markdown_answers_then_reveals_the_names_after_the_vote(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    contenders = list(Contender.objects.filter(arena=arena))
    assert not any(c.name in browser.page_source for c in contenders)
    assert not vote_button(browser, "a").is_enabled()

    browser.find_element(By.ID, "prompt").send_keys("How do tides work on Earth?", Keys.ENTER)

    # Catch an answer mid-stream, then watch it grow; voting waits for the end.
    streaming = wait(browser).until(streaming_answer_with_text)
    assert streaming is not None
    seen = len(answer_text(streaming))
    assert not vote_button(browser, "a").is_enabled()
    wait(browser).until(lambda b: len(answer_text(streaming)) > seen)
    boxes = wait_until_votable(browser)
    assert all(answer_text(box).strip() for box in boxes)
    structured = browser.find_elements(
        By.CSS_SELECTOR, ".answer-body h2, .answer-body ol, .answer-body ul"
    )
    assert structured, "the expert answer should render as Markdown"
    assert "##" not in browser.find_element(By.ID, "turns").text
    for contender in contenders:
        assert contender.name not in browser.page_source
        assert contender.organisation not in browser.page_source

    browser.find_element(By.ID, "rationale").send_keys("A explains the steps; B is vague.")
    vote_button(browser, "a").click()

    battle = latest_battle()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: Vote.objects.filter(battle=battle).exists())
    vote = Vote.objects.get(battle=battle)
    assert (vote.choice, vote.rationale) == ("a", "A explains the steps; B is vague.")
    assert not vote_button(browser, "b").is_enabled()


def test_a_reload_brings_the_battle_back_still_anonymous_and_votable(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("What makes a good map?", Keys.ENTER)
    streamed = [answer_text(box) for box in wait_until_votable(browser)]
    battle = latest_battle()
    assert f"battle={battle.id}" in browser.current_url

    browser.refresh()
    restored = [answer_text(box) for box in wait_until_votable(browser)]
    assert restored == streamed
    assert browser.find_element(By.CSS_SELECTOR, "#turns .prompt").text == "What makes a good map?"
    for contender in (battle.contender_a, battle.contender_b):
        assert contender.name not in browser.page_source

    vote_button(browser, "b").click()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: Vote.objects.filter(battle=battle, choice="b").exists())

    browser.refresh()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: b.find_element(By.ID, "new-battle").is_displayed())
    assert not vote_button(browser, "a").is_enabled()
    browser.find_element(By.ID, "new-battle").click()
    wait(browser).until(lambda b: "battle=" not in b.current_url)
    assert not browser.find_elements(By.CSS_SELECTOR, "#turns li")


def test_a_reload_mid_stream_shows_the_battle_as_interrupted(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("Explain how a compass works.", Keys.ENTER)
    wait(browser).until(streaming_answer_with_text)
    battle = latest_battle()

    browser.refresh()
    # The closed socket cancels both sides; the page polls until the server has failed them.
    wait(browser).until(lambda b: "cannot be voted on" in b.find_element(By.ID, "status").text)
    failed = browser.find_elements(By.CSS_SELECTOR, "#turns .answer.failed")
    assert len(failed) >= 1
    assert "Interrupted" in failed[0].text
    assert browser.find_element(By.ID, "new-battle").is_displayed()
    assert not vote_button(browser, "a").is_enabled()
    battle.refresh_from_db()
    assert battle.state == BattleState.FAILED


def test_another_annotator_opening_the_address_gets_no_battle(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    owner = annotator_create()
    battle = battle_ready(arena=arena, annotator=owner)
    consent_and_open(browser, arena_server, arena)

    browser.get(f"{arena_url(arena_server, arena)}?battle={battle.id}")
    wait(browser).until(lambda b: "cannot be shown" in b.find_element(By.ID, "status").text)
    assert not browser.find_elements(By.CSS_SELECTOR, "#turns li")
    assert "battle=" not in browser.current_url
    assert browser.find_element(By.ID, "prompt").is_enabled()


def test_it_starts_a_second_battle_from_a_clean_page(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("Why is the sky blue?", Keys.ENTER)
    wait_until_votable(browser)
    vote_button(browser, "tie").click()
    new_battle = browser.find_element(By.ID, "new-battle")
    wait(browser).until(lambda b: new_battle.is_displayed())

    new_battle.click()

    assert browser.find_elements(By.CSS_SELECTOR, "#turns > li") == []
    assert browser.find_element(By.ID, "name-a").text == "Model A"
    assert browser.find_element(By.ID, "name-b").text == "Model B"
    assert browser.find_element(By.ID, "rationale").get_property("value") == ""
    assert not new_battle.is_displayed()
    browser.find_element(By.ID, "prompt").send_keys("How do volcanoes form?", Keys.ENTER)
    wait_until_votable(browser)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#turns > li")) == 1
    vote_button(browser, "b").click()
    wait(browser).until(lambda b: Vote.objects.count() == 2)
    second = latest_battle()
    assert Turn.objects.get(battle=second).prompt == "How do volcanoes form?"
    assert_names_revealed(browser, second)


def test_it_shows_a_failed_side_and_offers_a_new_battle(
    arena_server: ArenaServer, browser: WebDriver
) -> None:
    terms_publish()
    arena = arena_create(slug="shaky", name="Shaky Arena")
    contender_create(arena=arena, name="Steady", params={"style": "expert", "token_delay": 0.01})
    contender_create(arena=arena, name="Flaky",
                     params={"style": "concise", "token_delay": 0, "fail_after": 2})
    consent_and_open(browser, arena_server, arena)

    browser.find_element(By.ID, "prompt").send_keys("How do tides work?", Keys.ENTER)

    boxes = wait_until_answered(browser)
    failed = [box for box in boxes if "failed" in str(box.get_attribute("class"))]
    assert len(failed) == 1
    # Shown in the box, announced politely through the status (not as an alert in the answers).
    note = failed[0].find_element(By.CSS_SELECTOR, ".error")
    assert "This answer failed" in note.text
    assert not failed[0].find_elements(By.CSS_SELECTOR, "[role=alert]")
    new_battle = browser.find_element(By.ID, "new-battle")
    wait(browser).until(lambda b: new_battle.is_displayed())
    assert "cannot be voted" in browser.find_element(By.ID, "status").text
    assert not vote_button(browser, "a").is_enabled()
    ActionChains(browser).send_keys("1").perform()
    assert latest_battle().state == BattleState.FAILED
    assert not Vote.objects.exists()
    assert browser.switch_to.active_element == new_battle

    new_battle.click()
    assert browser.find_element(By.ID, "prompt").is_enabled()
    assert browser.find_elements(By.CSS_SELECTOR, "#turns > li") == []


def test_it_stacks_the_answers_on_a_phone(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    browser.set_window_size(390, 844)
    consent_and_open(browser, arena_server, arena)

    browser.find_element(By.ID, "prompt").send_keys("How do tides work?", Keys.ENTER)
    first, second = wait_until_votable(browser)

    assert second.rect["y"] >= first.rect["y"] + first.rect["height"]
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    vote_button(browser, "a").click()
    battle = latest_battle()
    wait(browser).until(lambda b: battle.contender_a.name in first.text)
    assert battle.contender_b.name in second.text


def test_it_works_with_the_keyboard_alone(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    keys = ActionChains(browser)
    browser.execute_script("document.activeElement.blur()")

    for _ in range(15):
        if browser.switch_to.active_element.get_attribute("id") == "prompt":
            break
        keys.send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "prompt"
    keys.send_keys("How do tides work?", Keys.ENTER).perform()
    wait_until_votable(browser)
    for _ in range(10):
        if browser.switch_to.active_element.get_attribute("id") == "rationale":
            break
        keys.send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "rationale"
    keys.send_keys("Clearer steps.").perform()
    keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    keys.send_keys("2").perform()

    battle = latest_battle()
    assert_names_revealed(browser, battle)
    vote = Vote.objects.get(battle=battle)
    assert (vote.choice, vote.rationale) == ("b", "Clearer steps.")
    assert browser.switch_to.active_element.get_attribute("id") == "new-battle"
    # The choice made stays visible after the vote, here and after a reload.
    assert browser.find_element(By.ID, "your-vote").text == "Your vote: B is better."
    assert vote_button(browser, "b").get_attribute("aria-pressed") == "true"
    assert vote_button(browser, "a").get_attribute("aria-pressed") == "false"
    screenshot(browser, "voted-desktop")
    browser.refresh()
    wait(browser).until(lambda b: b.find_element(By.ID, "your-vote").text == "Your vote: B is better.")


def test_it_streams_an_answer_that_takes_longer_than_a_few_seconds(
    arena_server: ArenaServer, browser: WebDriver
) -> None:
    """Real models often take 10-30 s; the WebSocket must outlive the stream."""
    terms_publish()
    arena = arena_create(slug="patient", name="Patient Arena")
    contender_create(arena=arena, name="Slow", params={"style": "expert", "token_delay": 0.06})
    contender_create(arena=arena, name="Quick", params={"style": "concise", "token_delay": 0})
    consent_and_open(browser, arena_server, arena)

    browser.find_element(By.ID, "prompt").send_keys("How do tides work?", Keys.ENTER)

    wait_until_votable(browser)
    assert latest_battle().state == BattleState.READY
    assert "connection was lost" not in browser.find_element(By.ID, "status").text


@pytest.mark.parametrize(
    ("prompt", "refusal"),
    [("tell me\u0000about tides", "NUL"), ("x" * 120, "too long")],
    ids=["nul", "too-long"],
)
def test_a_refused_prompt_stays_in_the_box(
    arena_server: ArenaServer, browser: WebDriver, prompt: str, refusal: str
) -> None:
    terms_publish()
    arena = arena_create(slug="picky", name="Picky Arena", max_prompt_chars=100)
    contender_create(arena=arena, params={"style": "concise", "token_delay": 0})
    contender_create(arena=arena, params={"style": "concise", "token_delay": 0})
    consent_and_open(browser, arena_server, arena)
    box = browser.find_element(By.ID, "prompt")
    # The textarea's maxlength stops typing, not a paste or a script: set the value directly.
    browser.execute_script("arguments[0].removeAttribute('maxlength'); arguments[0].value = arguments[1]",
                           box, prompt)
    browser.find_element(By.ID, "send").click()

    wait(browser).until(lambda b: "error" in str(b.find_element(By.ID, "status").get_attribute("class")))
    assert refusal.lower() in browser.find_element(By.ID, "status").text.lower()
    assert box.get_property("value") == prompt
    assert box.is_enabled()
    assert browser.find_elements(By.CSS_SELECTOR, "#turns > li") == []

    # Fixed, it is sent and then leaves the box.
    box.clear()
    box.send_keys("How do tides work?", Keys.ENTER)
    wait_until_votable(browser)
    assert box.get_property("value") == ""
