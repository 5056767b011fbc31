"""The admin flow: build a draft from the policy, publish it, and find it read-only afterwards."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from releases.models import Release, ReleaseState
from tests.releases.conftest import World

pytestmark = pytest.mark.django_db


def test_it_builds_and_publishes_from_the_admin(world: World, client: Client) -> None:
    client.force_login(User.objects.create_superuser("alice", "alice@example.com", "pw"))
    response = client.post("/admin/releases/releasepolicy/", {
        "action": "build_draft", "_selected_action": [world.policy.id],
    }, follow=True)
    assert "draft release 1 built with 7 battles" in response.content.decode()
    release = Release.objects.get(policy=world.policy)
    client.post("/admin/releases/release/", {"action": "publish", "_selected_action": [release.id]})
    release.refresh_from_db()
    assert release.state == ReleaseState.PUBLISHED
    page = client.get(f"/admin/releases/release/{release.id}/change/")
    assert page.status_code == 200 and b"Delete" not in page.content
    assert client.get("/admin/releases/releasepolicy/").status_code == 200
