"""Setting a study up: checking its choices against its arena, and importing its prompt set."""

from __future__ import annotations

from django.db import transaction

from battles.modalities import arena_aspects, modality_spec
from moderation.models import Flag
from studies.errors import ArenaError, PromptSetInvalid
from studies.models import Pool, Sampling, Study, StudyItem, StudySlot, StudyState
from studies.prompt_set import prompt_set_parse
from studies.selectors import study_contenders
from studies.services.answers import study_answers_queue
from studies.services.prompt_screening import prompt_set_screen
from studies.targets import DIMENSIONS


def study_check(study: Study) -> None:
    """Rules that need the arena (the database checks the rest); ArenaError says which."""
    known = {aspect.slug for aspect in arena_aspects(study.arena)}
    if not isinstance(study.aspects, list) or not all(isinstance(a, str) for a in study.aspects):
        raise ArenaError("Aspects must be a list of aspect slugs.", code="aspects_invalid")
    unknown = sorted(set(study.aspects) - known)
    if unknown:
        raise ArenaError(f"The arena has no aspect {', '.join(unknown)} "
                         f"(it has: {', '.join(sorted(known)) or 'none'}).",
                         code="aspects_invalid")
    if study.pool == Pool.GROUP and not study.pool_group.strip():
        raise ArenaError("A group pool needs the group's name.", code="pool_invalid")
    if study.sampling == Sampling.DIVERSE:
        contender = study.diverse_contender
        if contender is None or contender.arena_id != study.arena_id:
            raise ArenaError("Diverse sampling needs a contender of the study's arena.",
                             code="sampling_invalid")
        spec = modality_spec(study.arena.modality)
        if not spec.diverse:
            raise ArenaError(f"Diverse sampling asks one model for K different answers in one "
                             f"reply, which {spec.label.lower()} arenas cannot do.",
                             code="sampling_invalid")
    elif study.pk:
        contenders = study_contenders(study)
        if any(c.arena_id != study.arena_id for c in contenders):
            raise ArenaError("Every contender must belong to the study's arena.",
                             code="contenders_invalid")
        if len(contenders) < study.k:
            raise ArenaError(f"K = {study.k} answers need at least {study.k} contenders; "
                             f"the study has {len(contenders)}.", code="contenders_invalid")
    targets = study.demographic_targets
    if not isinstance(targets, dict) or not all(
        isinstance(shares, dict)
        and all(isinstance(v, int | float) and 0 <= v <= 1 for v in shares.values())
        and sum(shares.values()) <= 1.0001
        for shares in targets.values()
    ):
        raise ArenaError('Demographic targets look like {"age_band": {"18-24": 0.2}}: shares '
                         "between 0 and 1 that add up to at most 1.", code="targets_invalid")
    unknown = sorted(set(targets) - set(DIMENSIONS))
    if unknown:
        raise ArenaError(f"Demographic targets can steer by {', '.join(DIMENSIONS)}, not "
                         f"{', '.join(unknown)}.", code="targets_invalid")


def prompt_set_import(*, study: Study, data: bytes, fmt: str) -> int:
    """Add the file's prompts as items (each with its r slots) and queue their answers.

    All or nothing: any bad line (malformed, or refused by the arena's moderation, see
    `prompt_screening`) raises PromptSetInvalid naming every bad line, and no item is
    stored. Returns the number of items added.
    """
    rows, problems = prompt_set_parse(data, fmt=fmt, k=study.k)
    if problems:
        raise PromptSetInvalid(problems)
    study_check(study)
    screening = prompt_set_screen(study=study, rows=rows)
    if screening.problems:
        raise PromptSetInvalid(screening.problems)
    with transaction.atomic():
        locked = Study.objects.select_for_update().get(pk=study.pk)
        if locked.state == StudyState.CLOSED:
            raise ArenaError("This study is closed.", code="study_closed", status=409)
        last = locked.items.order_by("-position").values_list("position", flat=True).first()
        start = 0 if last is None else last + 1
        items = StudyItem.objects.bulk_create(
            StudyItem(study=locked, position=start + n, text=row.text, image_url=row.image_url,
                      category=row.category, language=row.language,
                      is_gold=row.gold_best is not None, gold_best=row.gold_best)
            for n, row in enumerate(rows)
        )
        StudySlot.objects.bulk_create(
            StudySlot(item=item, study=locked, index=index)
            for item in items for index in range(locked.overlap)
        )
        if locked.state == StudyState.DRAFT:
            locked.state = StudyState.GENERATING
            locked.save(update_fields=["state"])
        Flag.objects.bulk_create(screening.flags)
        study_answers_queue(item_ids=[item.pk for item in items])
    return len(items)
