"""The 3D viewer in headless Chromium (software WebGL), under the arena's own CSP.

Not yet a battle page: a harness page holds the real partial and loads the real module with GLBs
from the demo provider, passed through the normalizer, so the wiring can reuse these checks.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.template.loader import render_to_string
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from arena.csp import DEFAULT_POLICY
from battles.media_formats import MeshFormat
from battles.normalize_mesh import mesh_normalize
from battles.providers import ProviderSettings
from battles.providers.media_base import MediaResult
from battles.providers.threed_registry import threed_provider_for
from tests.e2e.conftest import CHROMEDRIVER, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

STATIC = Path(__file__).resolve().parents[2] / "battles" / "static"
BACKGROUND = (238, 240, 243)
HARNESS_JS = """
import { mountThreeDPair } from "/static/battles/threed.js";
const params = new URLSearchParams(location.search);
const root = document.querySelector("[data-threed-pair]");
window.threedEvents = [];
root.addEventListener("threed:viewed", (e) => window.threedEvents.push(e.detail));
root.addEventListener("threed:unavailable", (e) => window.threedEvents.push({ unavailable: true }));
window.pair = mountThreeDPair(root, {
  minSeconds: 1,
  urls: { a: "/a.glb", b: "/b.glb" },
  webgl: params.get("nogl") ? false : undefined,
});
"""


class _Handler(SimpleHTTPRequestHandler):
    """The harness folder, plus the app's static files under /static/, with the arena's CSP."""

    def translate_path(self, path: str) -> str:
        if path.startswith("/static/"):
            return str(STATIC / path.removeprefix("/static/").split("?")[0])
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", DEFAULT_POLICY)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def _demo_glb(prompt: str, style: str) -> bytes:
    provider = threed_provider_for(ProviderSettings(kind="demo_3d",
                                                    params={"style": style, "step_delay": 0}))
    events = [event async for event in provider.generate_3d(prompt, image=None)]
    assert isinstance(events[-1], MediaResult)
    return mesh_normalize(events[-1].data, target=MeshFormat(texture_size=64))


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("threed-harness")
    viewer = render_to_string("battles/partials/threed_viewer.html", {"min_view_s": 1})
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>3D</title></head><body><main>"
        f"{viewer}<script type='module' src='/harness.js'></script></main></body></html>"
    )
    (folder / "harness.js").write_text(HARNESS_JS)
    (folder / "a.glb").write_bytes(asyncio.run(_demo_glb("a red chair", "fine")))
    (folder / "b.glb").write_bytes(asyncio.run(_demo_glb("a red chair", "blocky")))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def gl_browser() -> Iterator[webdriver.Chrome]:
    """Like the shared `browser`, but with software WebGL (SwiftShader) instead of no GPU."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                     "--window-size=1200,800"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
        problems = [entry["message"] for entry in driver.get_log("browser")
                    if "Content Security Policy" in entry["message"] or "THREE" in entry["message"]]
        assert not problems, problems
    finally:
        driver.quit()


def _stage(browser: webdriver.Chrome, side: str) -> Image.Image:
    element = browser.find_element(By.CSS_SELECTOR, f'[data-threed-side="{side}"] canvas')
    return Image.open(io.BytesIO(element.screenshot_as_png)).convert("RGB")


def _view(browser: webdriver.Chrome, side: str) -> dict[str, Any]:
    view = browser.execute_script(f"return window.pair.view('{side}')")
    assert isinstance(view, dict)
    return view


def _settled(browser: webdriver.Chrome, side: str) -> bytes:
    """The stage once two screenshots in a row agree (the first resize may still be drawing)."""
    shots = [b""]

    def same(b: webdriver.Chrome) -> bool:
        shots.append(_stage(b, side).tobytes())
        return shots[-1] == shots[-2]
    WebDriverWait(browser, 10).until(same)
    return shots[-1]


def _model_pixels(image: Image.Image) -> int:
    """Pixels that are not the stage's background: the model drew something."""
    difference = np.abs(np.asarray(image, dtype=np.int16) - np.array(BACKGROUND, dtype=np.int16))
    return int((difference.max(axis=2) > 24).sum())


def _loaded(browser: webdriver.Chrome) -> None:
    WebDriverWait(browser, 30).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, ".threed-side.threed-loaded")) == 2)


def test_it_shows_both_models_and_opens_after_the_minimum_view(
    gl_browser: webdriver.Chrome, harness: str
) -> None:
    gl_browser.get(harness + "/index.html")
    _loaded(gl_browser)
    for side in ("a", "b"):
        image = _stage(gl_browser, side)
        assert _model_pixels(image) > image.width * image.height * 0.05
    WebDriverWait(gl_browser, 30).until(
        lambda b: any(e.get("ready") for e in b.execute_script("return window.threedEvents")))
    assert gl_browser.execute_script("return window.pair.viewedSeconds('a')") >= 1
    meter = gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] [data-threed-viewed]')
    assert "enough" in (meter.get_attribute("class") or "")


def test_display_modes_and_linked_cameras(gl_browser: webdriver.Chrome, harness: str) -> None:
    gl_browser.get(harness + "/index.html")
    _loaded(gl_browser)
    # Linked from the start, yet each model is framed on its own (the blocky one is larger).
    assert _view(gl_browser, "a")["position"] != _view(gl_browser, "b")["position"]
    textured = _stage(gl_browser, "a")
    gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] [data-threed-mode="clay"]').click()
    WebDriverWait(gl_browser, 10).until(lambda b: _stage(b, "a").tobytes() != textured.tobytes())
    clay = _stage(gl_browser, "a")
    r, g, b = (np.asarray(clay, dtype=np.int16)[:, :, i] for i in range(3))
    assert not ((r > g + 60) & (r > b + 60)).any()  # the red chair is grey clay now
    before_b = _stage(gl_browser, "b").tobytes()
    canvas = gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] canvas')
    ActionChains(gl_browser).move_to_element(canvas).click_and_hold().move_by_offset(150, 0) \
        .release().perform()
    WebDriverWait(gl_browser, 10).until(lambda b: _stage(b, "b").tobytes() != before_b)
    assert _view(gl_browser, "b")["position"] == _view(gl_browser, "a")["position"]
    assert gl_browser.execute_script("return window.pair.interactedSeconds('b')") == 0


def test_the_keyboard_orbits_a_focused_model(gl_browser: webdriver.Chrome, harness: str) -> None:
    gl_browser.get(harness + "/index.html")
    _loaded(gl_browser)
    gl_browser.execute_script("window.pair.setLinked(false)")
    before_a, before_b = _settled(gl_browser, "a"), _settled(gl_browser, "b")
    home = _view(gl_browser, "a")
    canvas = gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] canvas')
    canvas.send_keys(Keys.ARROW_LEFT * 4, "+")
    WebDriverWait(gl_browser, 10).until(lambda b: _stage(b, "a").tobytes() != before_a)
    assert _stage(gl_browser, "b").tobytes() == before_b  # unlinked: B stays where it was
    gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] [data-threed-reset]').click()
    WebDriverWait(gl_browser, 10).until(lambda b: _stage(b, "a").tobytes() == before_a)
    assert _view(gl_browser, "a") == home


def test_it_explains_when_webgl_is_missing(gl_browser: webdriver.Chrome, harness: str) -> None:
    gl_browser.get(harness + "/index.html?nogl=1")
    WebDriverWait(gl_browser, 10).until(
        lambda b: {"unavailable": True} in b.execute_script("return window.threedEvents"))
    status = gl_browser.find_element(By.CSS_SELECTOR, '[data-threed-side="a"] [data-threed-status]')
    assert "WebGL is unavailable" in status.text
