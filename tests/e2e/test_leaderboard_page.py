"""The leaderboard page in a browser: the heatmaps are coloured under the page's own CSP."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from leaderboard.services import leaderboard_recompute
from tests.e2e.conftest import ArenaServer
from tests.e2e.pages import DESKTOP, PHONE, page_fits_the_screen, screenshot
from tests.factories import annotator_create, arena_create, contender_create
from tests.leaderboard.conftest import votes_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.timeout(60)]

TRANSPARENT = "rgba(0, 0, 0, 0)"


def test_the_matrices_are_coloured(arena_server: ArenaServer, browser: WebDriver) -> None:
    arena = arena_create(slug="heat")
    first, second = contender_create(arena=arena), contender_create(arena=arena)
    votes_cast(arena=arena, annotator=annotator_create(), a=first, b=second, choice="a", n=9)
    leaderboard_recompute(arena_id=arena.id)

    browser.get(f"{arena_server.url}/a/heat/leaderboard/")

    cells = browser.find_elements(By.CSS_SELECTOR, ".matrix td[class]")
    assert cells
    backgrounds = {cell.value_of_css_property("background-color") for cell in cells}
    assert TRANSPARENT not in backgrounds
    assert len(backgrounds) >= 2  # the winner's and the loser's cells differ


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_board_fits_the_screen_with_readable_plot_labels(
    arena_server: ArenaServer, browser: WebDriver, size: tuple[int, int]
) -> None:
    arena = arena_create(slug="narrow")
    first = contender_create(arena=arena, name="A Rather Long Contender Name 70B Instruct")
    second = contender_create(arena=arena, name="Second Contender")
    votes_cast(arena=arena, annotator=annotator_create(), a=first, b=second, choice="a", n=9)
    leaderboard_recompute(arena_id=arena.id)
    browser.set_window_size(*size)

    browser.get(f"{arena_server.url}/a/narrow/leaderboard/")

    assert page_fits_the_screen(browser), browser.execute_script(
        "return document.documentElement.scrollWidth")
    label_px = browser.execute_script(
        "return document.querySelector('.interval-plot text').getBoundingClientRect().height")
    assert label_px >= 11
    # Every label starts inside the plot (long names are shortened, not cut off at the edge).
    assert browser.execute_script(
        "const plot = document.querySelector('.interval-plot').getBoundingClientRect().left;"
        "return [...document.querySelectorAll('.interval-plot text')]"
        ".every(t => t.getBoundingClientRect().left >= plot - 0.5)")
    name = "desktop" if size == DESKTOP else "phone"
    screenshot(browser, f"leaderboard-{name}")
    browser.execute_script("document.querySelector('.interval-plot').scrollIntoView()")
    screenshot(browser, f"leaderboard-{name}-plot")
