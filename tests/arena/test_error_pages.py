"""Error pages and the favicon: a person who mistypes an address still sees the arena's own
layout (styles, navigation, icon) under the same Content-Security-Policy as every other page."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests.ops.test_csp_pages import _violations

pytestmark = pytest.mark.django_db


def _uses_the_base_layout(html: str) -> None:
    assert "arena/arena.css" in html
    assert 'rel="icon"' in html and "arena/favicon.svg" in html
    assert 'class="site-header"' in html and 'href="/"' in html
    assert _violations(html) == []


def test_it_shows_a_styled_404_in_the_base_layout() -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    _uses_the_base_layout(html)
    assert "style-src 'self'" in response["Content-Security-Policy"]


def test_it_shows_a_styled_500_in_the_base_layout() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    _uses_the_base_layout(html)


def test_every_page_links_a_favicon_that_is_served() -> None:
    html = Client().get("/").content.decode()
    assert 'rel="icon"' in html
    response = Client().get("/static/arena/favicon.svg")
    assert response.status_code == 200
    assert b"<svg" in response.getvalue()
