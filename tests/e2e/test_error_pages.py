"""The 404 page in a browser: the site's own layout and icon, under the page's CSP."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import DESKTOP, PHONE, page_fits_the_screen, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(60)]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_missing_page_is_styled_with_the_site_layout(
    arena_server: ArenaServer, browser: WebDriver, size: tuple[int, int]
) -> None:
    browser.set_window_size(*size)
    browser.get(f"{arena_server.url}/no/such/page/")

    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    card = browser.find_element(By.CSS_SELECTOR, ".error-page")
    assert card.value_of_css_property("background-color") == "rgba(255, 255, 255, 1)"
    assert browser.find_element(By.CSS_SELECTOR, ".site-header .brand").is_displayed()
    icon = browser.execute_script("return document.querySelector('link[rel=icon]').href")
    assert icon.endswith(".svg")
    assert page_fits_the_screen(browser)
    screenshot(browser, f"404-{'desktop' if size == DESKTOP else 'phone'}")
