"""The image arena in the browser: two images at one size, a full-size view that opens and closes
by mouse and keyboard, opaque image URLs before the vote, then the reveal."""

from __future__ import annotations

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
    wait_until_votable,
)
from tests.factories import arena_create, contender_create, terms_publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(90),
    pytest.mark.usefixtures("media_worker"),  # images are made by Celery tasks
]


@pytest.fixture
def arena() -> Arena:
    terms_publish()
    arena = arena_create(slug="canvas", name="Canvas Arena", modality="image",
                         max_turns=1, settings={"image_width": 320, "image_height": 240})
    contender_create(arena=arena, slug="vermeer-xl", name="Vermeer XL", organisation="Delft AI",
                     provider_kind="demo_image", model_id="vermeer-xl-2025",
                     params={"style": "painterly", "step_delay": 0.05})
    contender_create(arena=arena, slug="pixel-mule", name="Pixel Mule", organisation="Mule Works",
                     provider_kind="demo_image", model_id="pixel-mule-v3",
                     params={"style": "blocky", "step_delay": 0.02})
    return arena


def images(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "#turns .answer img.generated")


def loaded(browser: WebDriver) -> bool:
    return len(images(browser)) == 2 and all(
        browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
        for img in images(browser)
    )


def viewer_open(browser: WebDriver) -> bool:
    return bool(browser.execute_script("return document.getElementById('image-viewer').open"))


def test_it_shows_two_same_size_images_with_a_full_size_view_then_reveals_after_the_vote(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena
) -> None:
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("a lighthouse at dusk", Keys.ENTER)

    wait_until_votable(browser)
    wait(browser).until(loaded)
    first, second = images(browser)
    assert (first.size["width"], first.size["height"]) == (
        second.size["width"], second.size["height"])
    assert first.size["width"] > 100
    assert first.size["width"] / first.size["height"] == pytest.approx(320 / 240, rel=0.02)
    for img in (first, second):
        natural = browser.execute_script(
            "return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img)
        assert natural == [320, 240]
    urls = [str(img.get_attribute("src")) for img in (first, second)]
    page = browser.page_source
    for contender in arena.contenders.all():
        for secret in (contender.name, contender.slug, contender.model_id, contender.organisation):
            assert not any(secret.lower() in url.lower() for url in urls), (secret, urls)
            assert secret not in page

    # Mouse: open full size, close with the Close button.
    first.click()
    wait(browser).until(viewer_open)
    full = browser.find_element(By.ID, "image-viewer-img")
    assert full.get_attribute("src") == urls[0]
    assert full.get_attribute("alt") == "Image from Model A"
    browser.find_element(By.CSS_SELECTOR, "#image-viewer .close").click()
    wait(browser).until(lambda b: not viewer_open(b))

    # Keyboard: Enter on the focused image opens it, Escape closes it and focus comes back.
    opener = second.find_element(By.XPATH, "..")
    browser.execute_script("arguments[0].focus()", opener)
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser).until(viewer_open)
    assert browser.find_element(By.ID, "image-viewer-img").get_attribute("src") == urls[1]
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(browser).until(lambda b: not viewer_open(b))
    assert browser.switch_to.active_element == opener

    vote_button(browser, "b").click()
    battle = latest_battle()
    assert_names_revealed(browser, battle)
    assert Vote.objects.get(battle=battle).choice == "b"
    assert [str(img.get_attribute("src")) for img in images(browser)] == urls

    # A reload brings both images back from the battle API, with the names (the vote is stored).
    browser.refresh()
    wait(browser).until(loaded)
    assert [str(img.get_attribute("src")) for img in images(browser)] == urls
    assert_names_revealed(browser, battle)


def test_a_reload_while_the_images_are_made_shows_them_when_ready(
    arena_server: ArenaServer, browser: WebDriver
) -> None:
    """The images are made by the worker, not by the page: reloading mid-generation loses
    nothing; the page waits for them and opens the vote."""
    terms_publish()
    slow = arena_create(slug="slow-canvas", name="Slow Canvas", modality="image",
                        max_turns=1, settings={"image_width": 128, "image_height": 96})
    for slug in ("slow-a", "slow-b"):
        contender_create(arena=slow, slug=slug, provider_kind="demo_image",
                         params={"style": "flat", "step_delay": 0.4})
    consent_and_open(browser, arena_server, slow)
    browser.find_element(By.ID, "prompt").send_keys("a windmill at noon", Keys.ENTER)
    wait(browser).until(lambda b: "battle=" in b.current_url)

    browser.refresh()
    wait(browser).until(lambda b: "still being made" in b.find_element(By.ID, "status").text)
    wait_until_votable(browser)
    wait(browser).until(loaded)
    assert latest_battle().state == "ready"
