"""The signed cookie that carries an anonymous annotator's id.

HTTP views and WebSocket consumers both read it, so both use these two functions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

_SALT = "arena.annotator"


def annotator_cookie_value(annotator_id: uuid.UUID) -> str:
    return signing.get_cookie_signer(salt=settings.ARENA_ANNOTATOR_COOKIE + _SALT).sign(
        str(annotator_id)
    )


def annotator_id_from_cookie(value: str | None) -> uuid.UUID | None:
    """The annotator id in a cookie value, or None if it is absent, forged or malformed."""
    if not value:
        return None
    try:
        raw = signing.get_cookie_signer(salt=settings.ARENA_ANNOTATOR_COOKIE + _SALT).unsign(
            value, max_age=settings.ARENA_ANNOTATOR_COOKIE_MAX_AGE
        )
        return uuid.UUID(raw)
    except (signing.BadSignature, ValueError):
        return None


def annotator_cookie_set(response: HttpResponse, annotator_id: uuid.UUID) -> None:
    response.set_cookie(
        settings.ARENA_ANNOTATOR_COOKIE,
        annotator_cookie_value(annotator_id),
        max_age=settings.ARENA_ANNOTATOR_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
