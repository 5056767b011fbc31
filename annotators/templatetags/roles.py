from typing import Any

from django import template

from annotators.roles import user_has_role

register = template.Library()


@register.filter
def has_role(user: Any, role: str) -> bool:
    return user_has_role(user, role)
