"""The 3D viewer partial: the hooks threed.js needs, and nothing the strict CSP would refuse."""

from __future__ import annotations

import re

from django.template.loader import render_to_string


def test_it_renders_both_sides_with_the_hooks_the_module_needs() -> None:
    html = render_to_string("battles/partials/threed_viewer.html",
                            {"min_view_s": 7, "url_a": "/media/x/1.glb"})
    assert 'data-threed-min-seconds="7"' in html
    assert html.count("data-threed-stage") == 2 and html.count("data-threed-reset") == 2
    for mode in ("textured", "clay", "wireframe"):
        assert html.count(f'data-threed-mode="{mode}"') == 2
    assert 'data-threed-url="/media/x/1.glb"' in html
    assert html.count("data-threed-url") == 1  # B's URL comes later, through pair.load()
    assert "data-threed-link" in html and "7 seconds" in html


def test_it_has_no_inline_style_or_script() -> None:
    html = render_to_string("battles/partials/threed_viewer.html", {})
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", html, re.IGNORECASE)
    assert 'href="/static/battles/threed.css"' in html
