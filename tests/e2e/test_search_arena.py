"""The search arena in the browser: both answers cite as numbered superscripts in one style, each
with a Sources list (title, domain, link) matching its markers; vote, then the reveal."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from battles.models import Arena, Vote
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    assert_names_revealed,
    consent_and_open,
    latest_battle,
    vote_button,
    wait,
    wait_until_answered,
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
    arena = arena_create(slug="lookup", name="Lookup Arena", modality="search")
    contender_create(arena=arena, slug="owl-search", name="Owl Search", provider_kind="demo_search",
                     params={"style": "thorough", "token_delay": 0.005})
    contender_create(arena=arena, slug="magpie", name="Magpie", provider_kind="demo_search",
                     params={"style": "overciter", "token_delay": 0.005})
    return arena


def citation_style(link: WebElement) -> tuple[str, str, str]:
    """What makes a marker look the way it does: its parent tag, weight and decoration."""
    return link.get_property("parentElement").tag_name, link.value_of_css_property(  # type: ignore[union-attr]
        "font-weight"), link.value_of_css_property("text-decoration-line")


def test_both_answers_cite_numbered_sources_in_one_style_then_reveal_after_the_vote(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("Why are there two tides a day?", Keys.ENTER)

    boxes = wait_until_votable(browser)
    styles = set()
    for box in boxes:
        markers = box.find_elements(By.CSS_SELECTOR, ".answer-body sup > a")
        assert markers, box.get_property("textContent")
        numbers = {int(re.fullmatch(r"\[(\d+)\]", m.text).group(1)) for m in markers}  # type: ignore[union-attr]
        styles |= {citation_style(m) for m in markers}
        body = str(box.find_element(By.CSS_SELECTOR, ".answer-body").get_property("textContent"))
        assert "【" not in body and "[^" not in body

        sources = box.find_elements(By.CSS_SELECTOR, ".sources ol > li")
        assert box.find_element(By.CSS_SELECTOR, ".sources strong").text == "Sources"
        listed = {int(str(item.get_attribute("value"))): item for item in sources}
        assert set(listed) == numbers == set(range(1, len(numbers) + 1))
        for marker in markers:
            item = listed[int(marker.text.strip("[]"))]
            link = item.find_element(By.TAG_NAME, "a")
            assert link.get_attribute("href") == marker.get_attribute("href")
            assert link.text.strip()
            assert urlsplit(str(link.get_attribute("href"))).scheme in {"http", "https"}
            assert link.get_attribute("target") == "_blank"
            assert "noopener" in str(link.get_attribute("rel"))
            domain = item.find_element(By.CSS_SELECTOR, ".domain").text.lstrip("— ").strip()
            host = str(urlsplit(str(link.get_attribute("href"))).hostname)
            assert domain == host.removeprefix("www.")
    assert len(styles) == 1, styles
    cited = [box.find_element(By.CSS_SELECTOR, ".sources").text for box in boxes]
    for contender in arena.contenders.all():
        assert contender.name not in browser.page_source

    vote_button(browser, "a").click()
    battle = latest_battle()
    assert_names_revealed(browser, battle)
    assert Vote.objects.get(battle=battle).choice == "a"

    # A reload shows each answer with the same sources, from the battle API.
    browser.refresh()
    boxes = wait_until_answered(browser)
    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, "#turns .sources")) == 2)
    assert [box.find_element(By.CSS_SELECTOR, ".sources").text for box in boxes] == cited
    assert_names_revealed(browser, battle)
