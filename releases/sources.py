"""What releases read from other apps, in one place, tolerant of fields that do not exist yet.

Releases depend on facts other apps own: consent and standing (annotators), invalidation and
identity leaks (moderation). Each fact is read here, and only if the field or model exists in
this deployment, so the release builder keeps working while those apps evolve:

- `Annotator.release_consent` (required): only True is released.
- `Annotator.status` (optional): anything but "active" (banned, shadow-banned) is left out.
- `Annotator.data_deleted_at` (optional): a person who deleted their data is left out; without
  the field, a deletion request is expected to set `release_consent` to False.
- `Annotator.demographics_opt_in`, `age_band`, `country`, `languages` (optional): released only
  with the opt-in, and then only k-anonymously (see `releases.demographics`).
- `Vote.is_valid` (required): invalidated votes are left out.
- `moderation.Exclusion` with reason "identity_leak" and `moderation.HiddenContent` (optional,
  only when the moderation app is installed): those battles are left out whole.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db.models import Q, QuerySet

from annotators.models import Annotator
from battles.models import Arena, Battle, BattleMode, BattleState
from releases.demographics import Demographics


def _has_field(model: type, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())  # type: ignore[attr-defined]


def annotators_releasable() -> QuerySet[Annotator]:
    """People whose votes may appear in a release today."""
    people = Annotator.objects.filter(release_consent=True)
    if _has_field(Annotator, "status"):
        people = people.filter(status="active")
    if _has_field(Annotator, "data_deleted_at"):
        people = people.filter(data_deleted_at__isnull=True)
    return people


def _moderation_model(name: str) -> type | None:
    if not apps.is_installed("moderation"):
        return None
    try:
        return apps.get_model("moderation", name)
    except LookupError:
        return None


def battles_excluded_by_moderation(arena: Arena) -> set[object]:
    """Battle ids with an identity leak or moderator-hidden content (empty without moderation)."""
    excluded: set[object] = set()
    exclusion = _moderation_model("Exclusion")
    if exclusion is not None:
        excluded |= set(
            exclusion.objects.filter(  # type: ignore[attr-defined]
                battle__arena=arena, reason="identity_leak"
            ).values_list("battle_id", flat=True)
        )
    hidden = _moderation_model("HiddenContent")
    if hidden is not None:
        excluded |= set(
            hidden.objects.filter(  # type: ignore[attr-defined]
                turn__battle__arena=arena
            ).values_list("turn__battle_id", flat=True)
        )
    return excluded


def battles_releasable(*, arena: Arena, cutoff: datetime) -> QuerySet[Battle]:
    """Voted anonymous battles before the cutoff with a valid vote by a releasable annotator."""
    battles = Battle.objects.filter(
        Q(arena=arena, mode=BattleMode.ANONYMOUS, state=BattleState.VOTED),
        created_at__lt=cutoff,
        vote__is_valid=True,
        vote__created_at__lt=cutoff,
        vote__annotator__in=annotators_releasable(),
        annotator__in=annotators_releasable(),
    )
    excluded = battles_excluded_by_moderation(arena)
    if excluded:
        battles = battles.exclude(id__in=excluded)
    return battles


def demographics_of(annotator: Annotator) -> Demographics:
    """The person's stated demographics if they opted in and the fields exist; else empty."""
    if not getattr(annotator, "demographics_opt_in", False):
        return Demographics()
    languages = getattr(annotator, "languages", None)
    return Demographics(
        age_band=getattr(annotator, "age_band", "") or None,
        country=getattr(annotator, "country", "") or None,
        languages=tuple(sorted(str(x) for x in languages)) if languages else None,
    )


def battles_excluded_counts(*, arena: Arena, cutoff: datetime) -> dict[str, int]:
    """How many voted battles before the cutoff each rule left out, first rule that applies:
    the manifest's account of why the release has fewer battles than the site's leaderboard."""
    voted = Battle.objects.filter(arena=arena, state=BattleState.VOTED, created_at__lt=cutoff,
                                  vote__created_at__lt=cutoff)
    anonymous = voted.filter(mode=BattleMode.ANONYMOUS)
    valid = anonymous.filter(vote__is_valid=True)
    people = annotators_releasable()
    consenting = valid.filter(vote__annotator__in=people, annotator__in=people)
    excluded = battles_excluded_by_moderation(arena)
    return {
        "side_by_side": voted.count() - anonymous.count(),
        "invalidated_vote": anonymous.count() - valid.count(),
        "annotator_not_releasable": valid.count() - consenting.count(),
        "moderation": consenting.filter(id__in=excluded).count() if excluded else 0,
    }


def battles_moderation_tags(arena: Arena) -> dict[object, list[str]]:
    """Battle id -> sorted reason codes of its moderation flags that a moderator has not
    dismissed (codes only: a flag's detail and excerpt may quote personal data). One query; only
    flagged battles take memory. Empty without the moderation app."""
    flag = _moderation_model("Flag")
    if flag is None:
        return {}
    tags: dict[object, set[str]] = {}
    found = (flag.objects.filter(battle__arena=arena, battle__isnull=False)  # type: ignore[attr-defined]
             .exclude(status="dismissed").values_list("battle_id", "reason"))
    for battle_id, reason in found.iterator(chunk_size=1000):
        tags.setdefault(battle_id, set()).add(reason)
    return {battle_id: sorted(reasons) for battle_id, reasons in tags.items()}
