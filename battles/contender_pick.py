"""Which contenders a person may pick by name (side-by-side mode): one rule for the picker and
for battle_start, in a module of its own so the services can use it without the selectors."""

from __future__ import annotations

from collections.abc import Collection

from battles.models import Arena, Contender, ContenderStatus


def contenders_selectable(*, arena: Arena, slugs: Collection[str] | None = None) -> list[Contender]:
    """Contenders a person may pick by name in side-by-side mode: only active ones (a paused
    one is failing or held back by an admin), not the gold-check ones. The picker lists these
    and battle_start accepts only these, so a slug typed by hand reaches no other."""
    contenders = (
        Contender.objects.filter(arena=arena, status=ContenderStatus.ACTIVE)
        .exclude(params__contains={"gold_broken": True})  # a plain key lookup drops NULLs too
    )
    if slugs is not None:
        contenders = contenders.filter(slug__in=list(slugs))
    return list(contenders.order_by("name"))
