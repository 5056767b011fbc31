"""One citation style for every search contender.

Providers mark citations in their own ways (`[1]`, `[1, 2]`, `[^1]`, `【1】`, `【1†source】`);
the style alone could reveal which model is which. Here every marker becomes `[k]`, numbered
in order of first use on that side, each pointing at one source (title, domain, link).
Markers that point at no source, or at a non-http(s) link, are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import TypedDict

import nh3

from battles.providers.media_base import SearchHit
from battles.rendering import markdown_to_safe_html

_GROUP = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})+)\]")
_MARKER = re.compile(r"\[\^?(\d{1,3})\]|【(\d{1,3})(?:†[^】]{0,80})?】")
_CANONICAL_IN_HTML = re.compile(r"(?<![\w\"'=/\[])\[(\d{1,3})\](?![(\]])")


class Source(TypedDict):
    n: int
    url: str
    title: str
    domain: str
    provider_marker: int


def citations_standardize(text: str, sources: Sequence[SearchHit]) -> tuple[str, list[Source]]:
    """The answer with canonical `[k]` markers, and the sources they point at, k = 1, 2, …"""
    text = _GROUP.sub(lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)
    by_url: dict[str, int] = {}
    cited: list[Source] = []

    def canonical(match: re.Match[str]) -> str:
        marker = int(match.group(1) or match.group(2))
        if not 1 <= marker <= len(sources):
            return ""
        hit = sources[marker - 1]
        if not hit.url.startswith(("http://", "https://")):
            return ""
        if hit.url not in by_url:
            by_url[hit.url] = len(cited) + 1
            cited.append({"n": by_url[hit.url], "url": hit.url, "title": hit.title.strip()[:200]
                          or hit.domain, "domain": hit.domain, "provider_marker": marker})
        return f"[{by_url[hit.url]}]"

    return _MARKER.sub(canonical, text), cited


def citations_to_html(text: str, sources: Sequence[Source]) -> str:
    """Sanitized Markdown with each `[k]` as a superscript link to its source."""
    html = markdown_to_safe_html(text)
    by_n = {source["n"]: source for source in sources}

    def link(match: re.Match[str]) -> str:
        source = by_n.get(int(match.group(1)))
        if source is None:
            return match.group(0)
        return (f'<sup><a href="{escape(source["url"])}" title="{escape(source["title"])}">'
                f'[{source["n"]}]</a></sup>')

    return nh3.clean(
        _CANONICAL_IN_HTML.sub(link, html),
        tags={"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
              "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody",
              "tr", "th", "td", "sup", "sub"},
        attributes={"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def sources_public(sources: Sequence[Source]) -> list[dict[str, object]]:
    """What the page shows per source: no provider numbering, nothing else."""
    return [{"n": s["n"], "url": s["url"], "title": s["title"], "domain": s["domain"]}
            for s in sources]
