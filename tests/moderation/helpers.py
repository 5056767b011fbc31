"""Helpers shared by the moderation and annotator tests."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotators.cookies import annotator_cookie_value
from annotators.models import Annotator
from annotators.roles import Role, user_grant_role
from battles.models import Battle, Generation, Vote
from tests.factories import client_for

_users = iter(range(1, 10**6))


def user_create(*, role: Role | None = None, name: str | None = None) -> User:
    user = User.objects.create_user(name or f"user{next(_users)}", password="pw-long-enough-1")
    if role is not None:
        user_grant_role(user, role)
    return user


def moderator_client() -> tuple[Client, User]:
    moderator = user_create(role=Role.MODERATOR, name=f"mod{next(_users)}")
    client = Client()
    client.force_login(moderator)
    return client, moderator


def vote_cast(battle: Battle, choice: str = "a", *, seconds_after: float = 10) -> Vote:
    """A vote through the service, as the API would store it."""
    from battles.services import vote_submit

    Generation.objects.filter(turn__battle=battle).update(
        finished_at=timezone.now() - timedelta(seconds=seconds_after)
    )
    annotator = Annotator.objects.get(id=battle.annotator_id)
    return vote_submit(battle_id=battle.id, annotator=annotator, choice=choice,
                       idempotency_key=f"key-{battle.id}")


def vote_via_api(client: Client, battle: Battle, *, key: str | None = None,
                 choice: str = "a") -> Any:
    return client.post(
        f"/api/battles/{battle.id}/vote",
        data=json.dumps({"choice": choice, "idempotency_key": key or f"key-{battle.id}"}),
        content_type="application/json",
    )


def ws_headers(annotator: Annotator | None, ip: str = "10.0.0.1") -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if annotator is not None:
        headers.append((b"cookie", f"arena_annotator={annotator_cookie_value(annotator.id)}"
                        .encode()))
    return headers


__all__ = ["client_for", "moderator_client", "user_create", "vote_cast", "vote_via_api",
           "ws_headers"]
