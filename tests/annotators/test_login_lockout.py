"""Sign-in throttling (django-axes) on both login pages: issue #15 tried 30 wrong passwords for
`admin`, all answered 200, and then the right one worked."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/login/", "/admin/login/"]
PASSWORD = "the-right-password-1"


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


def _sign_in(client: Client, page: str, password: str, **extra: Any) -> Any:
    return client.post(page, {"username": "admin", "password": password, "next": "/me/"},
                       **extra)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", PAGES)
def test_it_locks_a_username_out_after_repeated_wrong_passwords(
    page: str, admin_user: User, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        assert _sign_in(client, page, "wrong").status_code == 200
    locked = _sign_in(client, page, "wrong")
    assert locked.status_code == 429
    assert b"too many wrong passwords" in locked.content.lower()
    right = _sign_in(client, page, PASSWORD)
    assert right.status_code == 429  # even the right password waits for the cool-off
    assert not _signed_in(client)


@pytest.mark.parametrize("page", PAGES)
def test_the_lockout_is_per_username_and_address(
    page: str, admin_user: User, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(2):
        _sign_in(attacker, page, "wrong")
    assert _sign_in(attacker, page, PASSWORD).status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert _sign_in(owner, page, PASSWORD).status_code == 302
    assert _signed_in(owner)


def test_a_successful_sign_in_resets_the_count(admin_user: User, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        _sign_in(client, PAGES[0], "wrong")
    assert _sign_in(client, PAGES[0], PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _sign_in(client, PAGES[0], "wrong").status_code == 200
