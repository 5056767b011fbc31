"""What browser tests do on the battle page, as a person would: shared by every e2e module."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from battles.models import Arena, Battle
from tests.e2e.conftest import ArenaServer

WAIT_S = 15
POLL_S = 0.02


def wait(browser: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(browser, WAIT_S, poll_frequency=POLL_S)


def arena_url(server: ArenaServer, arena: Arena) -> str:
    return f"{server.url}/a/{arena.slug}/"


def path_of(browser: WebDriver) -> str:
    return urlsplit(browser.current_url).path


def consent_and_open(browser: WebDriver, server: ArenaServer, arena: Arena) -> None:
    browser.get(arena_url(server, arena))
    browser.find_element(By.CSS_SELECTOR, ".consent-form button[type=submit]").click()
    wait(browser).until(lambda b: path_of(b) == f"/a/{arena.slug}/")
    wait(browser).until(lambda b: b.find_element(By.ID, "prompt").is_enabled())


def answers(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#turns > li:last-child .answer")


def answer_text(answer: WebElement) -> str:
    return str(answer.get_property("textContent") or "")


def vote_button(browser: WebDriver, choice: str) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, f'#vote button[data-choice="{choice}"]')


def wait_until_answered(browser: WebDriver) -> list[WebElement]:
    """Both answers finished streaming (successfully or not); returns the two boxes."""
    wait(browser).until(
        lambda b: len(answers(b)) == 2
        and not b.find_elements(By.CSS_SELECTOR, "#turns .answer.streaming")
    )
    return answers(browser)


def wait_until_votable(browser: WebDriver) -> list[WebElement]:
    boxes = wait_until_answered(browser)
    wait(browser).until(lambda b: vote_button(b, "a").is_enabled())
    return boxes


def latest_battle() -> Battle:
    return Battle.objects.select_related("contender_a", "contender_b").latest("created_at")


def streaming_answer_with_text(browser: WebDriver) -> WebElement | None:
    """An answer still streaming that has model text already (its "Model A" label does not count:
    it is there from the start, before the server has even stored the battle)."""
    boxes = browser.find_elements(By.CSS_SELECTOR, ".answer.streaming")
    return next((box for box in boxes if browser.execute_script(
        "const box = arguments[0];"
        "return (box.querySelector('.answer-body').textContent"
        " + box.querySelector('.pending').textContent).trim()", box)), None)


def assert_names_revealed(browser: WebDriver, battle: Battle) -> None:
    def revealed(b: WebDriver) -> bool:
        return (battle.contender_a.name in b.find_element(By.ID, "name-a").text
                and battle.contender_b.name in b.find_element(By.ID, "name-b").text)

    wait(browser).until(revealed)


DESKTOP = (1366, 900)
PHONE = (390, 844)


def screenshot(browser: WebDriver, name: str) -> None:
    """Saved only when E2E_SCREENSHOTS names a folder: for a person to look at, not asserted."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def page_fits_the_screen(browser: WebDriver) -> bool:
    """The page is exactly as wide as the viewport (less a scroll bar): nothing to scroll sideways."""
    return bool(browser.execute_script(
        "const root = document.documentElement;"
        "return root.scrollWidth === root.clientWidth && document.body.scrollWidth <= root.clientWidth"))
