"""The seeded 3D arena in the browser: a text-to-3D battle made by a real worker, both models in
the WebGL viewer, the vote closed until the server agrees both were viewed long enough (and still
anonymous after a reload), then a vote with aspects and the reveal; and an image-to-3D battle
through the reference-image upload."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from battles.models import Arena, Turn, Vote, VoteAspect
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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(150),
    pytest.mark.usefixtures("media_worker"),
]


@pytest.fixture
def gl_browser() -> Iterator[webdriver.Chrome]:
    """Software WebGL (SwiftShader), as tests/e2e/test_threed_viewer.py uses, and a window tall
    enough that both viewers are on screen (only on-screen models count as viewed)."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                     "--window-size=1280,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
        refused = [entry["message"] for entry in driver.get_log("browser")
                   if "Content Security Policy" in entry["message"]]
        assert not refused, refused
    finally:
        driver.quit()


@pytest.fixture
def arena(settings: object, tmp_path: Path) -> Arena:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]  # seed_demo writes a password file
    call_command("seed_demo", verbosity=0)
    return Arena.objects.get(slug="threed")


def both_models_shown(browser: WebDriver) -> bool:
    return len(browser.find_elements(By.CSS_SELECTOR, "#threed-arena [data-threed-stage] canvas")) == 2 \
        and browser.execute_script(
            "return [...document.querySelectorAll('#threed-arena [data-threed-status]')]"
            ".every((s) => s.hidden || !s.textContent)")


def show_viewer(browser: WebDriver) -> None:
    browser.execute_script(
        "document.querySelector('#threed-arena').scrollIntoView({block: 'center'})")


def test_a_text_to_3d_battle_opens_the_vote_after_viewing_and_takes_aspects(
    arena_server: ArenaServer, gl_browser: WebDriver, arena: Arena
) -> None:
    browser = gl_browser
    consent_and_open(browser, arena_server, arena)
    contenders = list(arena.contenders.all())
    assert [e.get_attribute("data-aspect") for e in
            browser.find_elements(By.CSS_SELECTOR, "#vote fieldset.aspect")] == [
        "geometry", "texture", "alignment"]
    assert browser.find_element(By.ID, "reference-image").is_displayed()

    browser.find_element(By.ID, "prompt").send_keys("a red chair", Keys.ENTER)
    wait_until_answered(browser)
    WebDriverWait(browser, 30).until(both_models_shown)
    battle = latest_battle()
    assert not vote_button(browser, "a").is_enabled()
    assert "Look at both models before voting" in browser.find_element(By.ID, "status").text
    for contender in contenders:
        assert contender.name not in browser.page_source

    # A reload brings the battle back, models and all, still anonymous and still gated.
    browser.refresh()
    WebDriverWait(browser, 30).until(both_models_shown)
    assert f"battle={battle.id}" in browser.current_url
    assert not vote_button(browser, "a").is_enabled()
    for contender in contenders:
        assert contender.name not in browser.page_source
    screenshot(browser, "threed-arena-gated")

    show_viewer(browser)
    WebDriverWait(browser, 60, poll_frequency=0.5).until(
        lambda b: vote_button(b, "a").is_enabled())
    assert "voting is open" in browser.find_element(By.ID, "status").text

    browser.find_element(By.CSS_SELECTOR, "input[name='aspect-geometry'][value='a']").click()
    browser.find_element(By.CSS_SELECTOR, "input[name='aspect-alignment'][value='tie']").click()
    vote_button(browser, "a").click()
    assert_names_revealed(browser, battle)
    wait(browser).until(lambda b: Vote.objects.filter(battle=battle).exists())
    assert dict(VoteAspect.objects.filter(vote__battle=battle).values_list("aspect", "choice")) \
        == {"geometry": "a", "alignment": "tie"}
    assert "Geometry: A, Prompt alignment: Tie." in browser.find_element(By.ID, "your-vote").text
    screenshot(browser, "threed-arena-voted")


def test_an_image_to_3d_battle_goes_through_the_upload(
    arena_server: ArenaServer, gl_browser: WebDriver, arena: Arena, tmp_path: Path
) -> None:
    browser = gl_browser
    picture = tmp_path / "reference.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 90, 200)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())
    consent_and_open(browser, arena_server, arena)

    browser.find_element(By.ID, "reference-image").send_keys(str(picture))
    browser.find_element(By.ID, "prompt").send_keys("a cup like this", Keys.ENTER)
    wait_until_answered(browser)
    WebDriverWait(browser, 30).until(both_models_shown)
    request = Turn.objects.get(battle=latest_battle()).request
    assert request["task"] == "image-to-3d" and request["image"].startswith("reference-images/")
    assert not vote_button(browser, "a").is_enabled()
