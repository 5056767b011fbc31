"""The battle page's layout and live behaviour with the answers people really get: code blocks,
long unbroken words, text that streams in. Checked at the sizes of issue #15's screenshots."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from battles.models import Arena
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    DESKTOP,
    PHONE,
    answer_text,
    consent_and_open,
    page_fits_the_screen,
    screenshot,
    wait,
    wait_until_votable,
)
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
]

LONG_WORD = "supercalifragilistic" * 15  # 300 characters, no place to break
CODE_PROMPT = f"Write a JavaScript function for {LONG_WORD} and compare it with Python"


@pytest.fixture
def arena() -> Arena:
    terms_publish()
    arena = arena_create(slug="layout", name="Layout Arena")
    contender_create(arena=arena, slug="long-expert", params={"style": "expert", "token_delay": 0.003})
    contender_create(arena=arena, slug="short-concise", params={"style": "concise", "token_delay": 0.003})
    return arena


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_code_blocks_and_long_words_stay_inside_equal_columns(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena, size: tuple[int, int]
) -> None:
    browser.set_window_size(*size)
    consent_and_open(browser, arena_server, arena)

    browser.find_element(By.ID, "prompt").send_keys(CODE_PROMPT, Keys.ENTER)
    first, second = wait_until_votable(browser)

    # Both demo sides answer a JavaScript prompt (one used to fail on the template's braces).
    assert not browser.find_elements(By.CSS_SELECTOR, ".answer.failed")
    assert browser.find_elements(By.CSS_SELECTOR, ".answer pre code")
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert page_fits_the_screen(browser), browser.execute_script(
        "return document.documentElement.scrollWidth")
    if size == DESKTOP:
        assert abs(first.rect["width"] - second.rect["width"]) <= 1
        assert first.rect["x"] + first.rect["width"] <= second.rect["x"]
    else:
        assert second.rect["y"] >= first.rect["y"] + first.rect["height"]
    for box in (first, second):
        assert box.rect["x"] >= 0 and box.rect["x"] + box.rect["width"] <= width
    prompt = browser.find_element(By.CSS_SELECTOR, "#turns .prompt")
    assert prompt.rect["width"] <= width
    name = "desktop" if size == DESKTOP else "phone"
    screenshot(browser, f"layout-code-{name}")
    browser.execute_script("document.querySelector('.answer pre').scrollIntoView()")
    screenshot(browser, f"layout-code-{name}-code")


STREAM_RECORDER = """
window.seen = {outside: 0, inside: 0, busy: 0, status: []};
const turns = document.getElementById('turns');
new MutationObserver(() => {
  for (const pending of turns.querySelectorAll('.answer.streaming .pending')) {
    if (!pending.textContent) continue;
    if (pending.closest('.answer-body')) window.seen.inside += 1; else window.seen.outside += 1;
  }
  if (turns.querySelector('.answer[aria-busy="true"]')) window.seen.busy += 1;
}).observe(turns, {childList: true, subtree: true, characterData: true});
const status = document.getElementById('status');
new MutationObserver(() => window.seen.status.push(status.textContent))
  .observe(status, {childList: true, subtree: true, characterData: true});
"""


def test_streamed_text_continues_in_place_and_only_the_status_is_announced(
    arena_server: ArenaServer, browser: WebDriver
) -> None:
    terms_publish()
    arena = arena_create(slug="stream-place", name="Stream Arena")
    contender_create(arena=arena, params={"style": "expert", "token_delay": 0.01})
    contender_create(arena=arena, params={"style": "verbose", "token_delay": 0.002})
    consent_and_open(browser, arena_server, arena)
    browser.execute_script(STREAM_RECORDER)

    browser.find_element(By.ID, "prompt").send_keys("How do tides work on Earth?", Keys.ENTER)
    boxes = wait_until_votable(browser)

    seen = browser.execute_script("return window.seen")
    # Streamed deltas were drawn inside the rendered Markdown, never in a block below it.
    assert seen["inside"] > 0 and seen["outside"] == 0, seen
    assert seen["busy"] > 0
    assert all(box.get_attribute("aria-busy") is None for box in boxes)
    assert all(answer_text(box) for box in boxes)
    # The answers are not a live region (every token would be read); the status announces
    # each side finishing, then the turn.
    assert browser.find_element(By.ID, "turns").get_attribute("aria-live") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#turns [aria-live], #turns [role=alert]")
    assert any("has finished" in text for text in seen["status"]), seen["status"]
    wait(browser).until(lambda b: "Both answers are complete" in b.find_element(By.ID, "status").text)
