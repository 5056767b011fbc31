"""One citation style for every search contender, whatever markers the model used."""

from __future__ import annotations

from battles.citations import citations_standardize, citations_to_html
from battles.providers.media_base import SearchHit

HITS = [
    SearchHit("https://en.wikipedia.org/wiki/Tide", "Tide"),
    SearchHit("https://www.noaa.gov/tides", "What are tides?"),
    SearchHit("javascript:alert(1)", "Evil"),
]


def test_it_renumbers_every_marker_style_in_order_of_first_use() -> None:
    for raw in ("Moon [2]. Sun [1]. Both [2, 1].", "Moon [^2]. Sun [^1]. Both [^2][^1].",
                "Moon 【2】. Sun 【1†src】. Both 【2】【1】."):
        text, sources = citations_standardize(raw, HITS)
        assert text == "Moon [1]. Sun [2]. Both [1][2]."
        assert [(s["n"], s["domain"]) for s in sources] == [(1, "noaa.gov"), (2, "en.wikipedia.org")]


def test_it_drops_markers_without_a_usable_source() -> None:
    text, sources = citations_standardize("Wind [7]. Script [3]. Moon [1].", HITS)
    assert text == "Wind . Script . Moon [1]."
    assert len(sources) == 1


def test_it_renders_markers_as_superscript_links_and_stays_safe() -> None:
    text, sources = citations_standardize("Moon [1] <script>alert(1)</script>", HITS)
    html = citations_to_html(text, sources)
    assert '<sup><a href="https://en.wikipedia.org/wiki/Tide"' in html
    assert "<script>" not in html
