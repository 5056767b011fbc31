"""Every page satisfies the Content-Security-Policy it is sent with. The policy forbids inline
style attributes, inline scripts and event-handler attributes; a browser silently drops them,
so a page that uses one is broken in production while it looks fine in a test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from battles.models import Contender
from leaderboard.services import leaderboard_recompute
from tests.factories import annotator_create, arena_create, client_for, contender_create
from tests.leaderboard.conftest import votes_cast
from tests.moderation.helpers import moderator_client

pytestmark = pytest.mark.django_db

FORBIDDEN = {
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE),
    "inline script": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
    ),
    "event-handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE),
}
LEADERBOARD_CSS = (Path(settings.BASE_DIR) / "leaderboard" / "static" / "leaderboard"
                   / "leaderboard.css").read_text()


def _violations(html: str) -> list[str]:
    return [f"{name}: {match.group(0)[:120]}" for name, pattern in FORBIDDEN.items()
            for match in pattern.finditer(html)]


@pytest.fixture
def arena_slug() -> str:
    arena = arena_create(slug="csp")
    first, second, third = (contender_create(arena=arena) for _ in range(3))
    voter = annotator_create()
    votes_cast(arena=arena, annotator=voter, a=first, b=second, choice="a", n=12)
    votes_cast(arena=arena, annotator=voter, a=second, b=third, choice="tie", n=5)
    votes_cast(arena=arena, annotator=voter, a=third, b=first, choice="b", n=7)
    leaderboard_recompute(arena_id=arena.id)
    return arena.slug


def test_no_page_uses_what_the_policy_blocks(arena_slug: str) -> None:
    annotator = client_for(annotator_create())
    moderator, _ = moderator_client()
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.org", "x" * 16))
    contender = Contender.objects.filter(arena__slug=arena_slug).first()
    assert contender is not None
    pages = {
        "/consent/": Client(),
        "/accounts/login/": Client(),
        "/accounts/signup/": Client(),
        "/": annotator,
        f"/a/{arena_slug}/": annotator,
        f"/a/{arena_slug}/side-by-side/": annotator,
        f"/a/{arena_slug}/leaderboard/": annotator,
        f"/a/{arena_slug}/leaderboard/?style=1&deprecated=1": annotator,
        "/me/": annotator,
        "/releases/": annotator,
        "/moderation/": moderator,
        "/moderation/audit/": moderator,
        "/admin/": admin,
        "/admin/battles/contender/": admin,
        f"/admin/battles/contender/{contender.id}/change/": admin,
        "/admin/battles/battle/": admin,
    }
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert "style-src 'self'" in response["Content-Security-Policy"]
        assert _violations(response.content.decode()) == [], path


def test_the_heatmaps_colour_cells_with_classes_the_stylesheet_defines(arena_slug: str) -> None:
    page = client_for(annotator_create()).get(f"/a/{arena_slug}/leaderboard/").content.decode()
    used = set(re.findall(r'class="((?:heat|count)-\d+)"', page))
    assert {name.split("-")[0] for name in used} == {"heat", "count"}
    for name in used:
        assert f".matrix td.{name} " in LEADERBOARD_CSS, name
