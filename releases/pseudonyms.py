"""Annotator pseudonyms: a keyed hash (HMAC-SHA256) that cannot be reversed without the secret.

A per-release scope puts the release into the key material, so the same person has unrelated
pseudonyms in two releases and releases cannot be joined on them. A stable scope keeps one
pseudonym per person per policy, so longitudinal studies can follow an annotator across
releases (and so can anyone else; the policy says which trade-off an arena makes).
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "judge-"
LENGTH = 20
PATTERN = rf"^{PREFIX}[0-9a-f]{{{LENGTH}}}$"


def keyed_hash(secret: str, *parts: object) -> str:
    message = "\x1f".join(map(str, parts)).encode()
    # The one-shot form: the same HMAC without building an hmac object per call (a release
    # hashes two or three values per row).
    return hmac.digest(secret.encode(), message, hashlib.sha256).hex()


def pseudonym(*, secret: str, scope: str, annotator_id: object) -> str:
    """``judge-`` and 20 hex characters; `scope` is e.g. ``arena:3`` or ``arena:3:release:2``."""
    return PREFIX + keyed_hash(secret, "annotator", scope, annotator_id)[:LENGTH]


def opaque_id(*, secret: str, scope: str, kind: str, value: object) -> str:
    """A 32-hex identifier for a battle or media file that does not reveal the database id."""
    return keyed_hash(secret, kind, scope, value)[:32]
