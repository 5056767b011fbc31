"""The image arena in the browser: two images at one size, a full-size view that opens and closes
by mouse and keyboard, opaque image URLs before the vote, then the reveal."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from battles.models import Arena, Vote
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import (
    DESKTOP,
    PHONE,
    assert_names_revealed,
    consent_and_open,
    latest_battle,
    page_fits_the_screen,
    screenshot,
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


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_one_turn_the_viewer_is_full_size_and_keys_do_not_vote_behind_it(
    arena_server: ArenaServer, browser: WebDriver, arena: Arena, size: tuple[int, int]
) -> None:
    browser.set_window_size(*size)
    name = "desktop" if size == DESKTOP else "phone"
    consent_and_open(browser, arena_server, arena)
    browser.find_element(By.ID, "prompt").send_keys("a lighthouse at dusk", Keys.ENTER)
    wait_until_votable(browser)
    wait(browser).until(loaded)

    # The arena allows one turn: no offer to keep the conversation going, no prompt box.
    status = browser.find_element(By.ID, "status").text
    assert "Both answers are complete" in status and "keep the conversation" not in status
    assert not browser.find_element(By.ID, "prompt").is_enabled()
    assert not browser.find_element(By.ID, "send").is_enabled()
    assert page_fits_the_screen(browser)
    screenshot(browser, f"image-answers-{name}")

    inline = images(browser)[0]
    inline.click()
    wait(browser).until(viewer_open)
    full = browser.find_element(By.ID, "image-viewer-img")
    wait(browser).until(lambda b: b.execute_script("return arguments[0].complete", full))
    shown = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(), n = arguments[0];"
        "const scale = Math.min(r.width / n.naturalWidth, r.height / n.naturalHeight);"
        "return {w: n.naturalWidth * scale, h: n.naturalHeight * scale, right: r.right,"
        " bottom: r.bottom, vw: document.documentElement.clientWidth, vh: window.innerHeight}", full)
    # As large as the screen allows: never below the image's own size, never past the screen.
    assert shown["w"] >= min(320, shown["vw"] * 0.8) and shown["w"] >= inline.rect["width"] * 0.95
    assert shown["right"] <= shown["vw"] and shown["bottom"] <= shown["vh"]
    screenshot(browser, f"image-viewer-{name}")

    # Keys 1-4 are inert while the viewer covers the battle.
    browser.switch_to.active_element.send_keys("1")
    ActionChains(browser).send_keys("2").perform()
    assert viewer_open(browser)
    assert not Vote.objects.filter(battle=latest_battle()).exists()
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(browser).until(lambda b: not viewer_open(b))
    assert not Vote.objects.filter(battle=latest_battle()).exists()
    assert browser.find_element(By.ID, "your-vote").get_attribute("hidden") is not None
