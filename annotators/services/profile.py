"""The personal page's writes: consent choices, demographics and deleting one's data.

Deleting scrubs rather than deletes: prompts, answers, traces, media, rationales and feedback
are erased, but the battle and vote rows stay (empty) and the votes are excluded with the
reason "deleted". That keeps published vote counts explainable, lets the leaderboard report
the exclusion, and leaves nothing personal behind. The annotator becomes a tombstone
(`data_deleted_at`), which every release skips, and a linked account is deleted.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from annotators.models import AgeBand, Annotator
from battles.models import Battle, Generation, MediaAsset, Turn, Vote, VoteFeedback

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class ProfileError(ValueError):
    pass


def annotator_release_consent_set(*, annotator: Annotator, release_consent: bool) -> None:
    annotator.release_consent = release_consent
    annotator.save(update_fields=["release_consent"])


def annotator_demographics_set(
    *, annotator: Annotator, opt_in: bool, age_band: str = "", country: str = "",
    languages: list[str] | None = None,
) -> Annotator:
    """Store the answers only with the opt-in; opting out erases them."""
    if not opt_in:
        age_band, country, languages = "", "", []
    country = country.strip().upper()
    languages = sorted({code.strip().lower() for code in languages or [] if code.strip()})
    if age_band and age_band not in AgeBand.values:
        raise ProfileError("Pick an age band from the list.")
    if country and not _COUNTRY.match(country):
        raise ProfileError("Use a two-letter country code, e.g. DE or BR.")
    if any(not _LANGUAGE.match(code) for code in languages) or len(languages) > 10:
        raise ProfileError("Use up to ten two- or three-letter language codes, e.g. en, pt.")
    annotator.demographics_opt_in = opt_in
    annotator.age_band = age_band
    annotator.country = country
    annotator.languages = languages
    annotator.save(
        update_fields=["demographics_opt_in", "age_band", "country", "languages"]
    )
    return annotator


def annotator_data_delete(*, annotator: Annotator) -> None:
    from moderation.models import ExclusionReason, Flag
    from moderation.services.audit import audit_record
    from moderation.services.exclusions import exclusions_add

    with transaction.atomic():
        battles = Battle.objects.filter(annotator=annotator)
        media = list(MediaAsset.objects.filter(generation__turn__battle__in=battles))
        Turn.objects.filter(battle__in=battles).update(prompt="", request={})
        Generation.objects.filter(turn__battle__in=battles).update(text="", error="", trace={})
        VoteFeedback.objects.filter(vote__annotator=annotator).delete()
        Vote.objects.filter(annotator=annotator).update(rationale="")
        Flag.objects.filter(annotator=annotator).update(excerpt="")
        MediaAsset.objects.filter(id__in=[m.id for m in media]).delete()
        exclusions_add(
            battle_ids=battles.filter(vote__isnull=False).values_list("id", flat=True),
            reason=ExclusionReason.DELETED,
        )
        user = annotator.user
        annotator.user = None
        annotator.release_consent = False
        annotator.demographics_opt_in = False
        annotator.age_band = ""
        annotator.country = ""
        annotator.languages = []
        annotator.data_deleted_at = timezone.now()
        annotator.save()
        if user is not None:
            user.delete()
        audit_record(actor=None, action="annotator_data_delete", target_type="annotator",
                     target_id=annotator.id, detail={"battles": battles.count()})
        files = [m.file for m in media]
        transaction.on_commit(lambda: [f.delete(save=False) for f in files])
