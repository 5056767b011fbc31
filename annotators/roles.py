"""Roles as Django groups, and the one check every view, API and consumer uses.

`admin` implies every other role; a superuser holds them all. `annotator` is what anybody
with an account is; it is listed so the four roles of the platform have one home.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    ANNOTATOR = "annotator"
    MODERATOR = "moderator"
    RESEARCHER = "researcher"
    ADMIN = "admin"


def user_has_role(user: Any, role: Role | str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = set(user.groups.values_list("name", flat=True))
    return str(role) in names or Role.ADMIN in names or (
        role == Role.ANNOTATOR and bool(names)
    )


def user_grant_role(user: Any, role: Role | str) -> None:
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=str(role))
    user.groups.add(group)
