"""Making a study's answers in advance, through the same providers and media normalization as
live battles: each modality's `advance` hook (battles/modalities/), so a new modality needs no
change here.

Tasks are queued by name on commit (never by importing studies.tasks, which imports this
module). An item's K answers are made in memory first and stored in one transaction, so a re-run
after a crash never leaves half an item; a failure keeps the item pending with the reason until
the last attempt, then marks it failed with that reason.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

from battles.errors import ArenaError
from battles.media import media_file_delete, media_file_save
from battles.modalities import arena_settings, modality_spec
from battles.modalities.base import Advance, AdvanceAnswer, ArenaSettings
from battles.models import Contender
from battles.provider_config import provider_settings_for
from battles.providers import ProviderError, ProviderSettings
from battles.sides.failures import side_failure_for
from battles.storable import storable, storable_text
from studies.models import ItemState, Sampling, Study, StudyCandidate, StudyItem, StudyState
from studies.selectors import study_contenders

MAX_ATTEMPTS = 3
TASK_NAME = "studies.item_answers_make"

DIVERSE_INSTRUCTION = (
    "Write {k} answers to the request below. Make them as different from each other as you "
    "can: different stances, approaches, styles or assumptions, each one a good answer for "
    "some reader. Start each answer on its own line with its marker, in this layout, and "
    "write nothing else:\n\n{markers}\n\nRequest:\n{prompt}"
)
MARKER = re.compile(r"^\s*=== ANSWER (\d) ===\s*$", re.MULTILINE)


class AnswerFailed(Exception):
    """One item could not be answered; str() is safe to show the researcher (no identities)."""


class AnswerUnsupported(AnswerFailed):
    """The item can never be answered as set up (the modality cannot make answers in advance,
    its router refuses the prompt, too few contenders fit): it fails at once, no retries."""


@dataclass(frozen=True)
class Answer:
    contender: Contender
    made: AdvanceAnswer


def study_answers_queue(*, item_ids: Sequence[int]) -> None:
    """Queue one task per item once the items are committed, on the media queue: making
    answers is the same long generation work live image battles send there."""
    ids = list(item_ids)

    def send() -> None:
        for item_id in ids:
            current_app.signature(TASK_NAME, args=(item_id,),
                                  queue=settings.ARENA_MEDIA_QUEUE).apply_async()

    transaction.on_commit(send)


def study_failed_retry(*, study: Study) -> int:
    """Send failed items back to be answered again (a fixed endpoint, a raised quota)."""
    with transaction.atomic():
        ids = list(study.items.filter(state=ItemState.FAILED).values_list("pk", flat=True))
        StudyItem.objects.filter(pk__in=ids).update(state=ItemState.PENDING, error="",
                                                     attempts=0)
        study_answers_queue(item_ids=ids)
    return len(ids)


def split_diverse(text: str, *, k: int) -> list[str]:
    """The K answers of a negatively-correlated request, or AnswerFailed."""
    parts = MARKER.split(text)
    # ["preamble", "1", "answer one", "2", "answer two", ...]
    answers = [parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)]
    answers = [answer for answer in answers if answer]
    if len(answers) != k:
        raise AnswerFailed(f"The model was asked for {k} different answers and returned "
                           f"{len(answers)}.")
    return answers


async def _made(make: Advance, settings: ProviderSettings, prompt: str,
                request: dict[str, Any], typed: ArenaSettings) -> AdvanceAnswer:
    """One answer under the contender's total timeout, as a live side runs under it."""
    try:
        async with asyncio.timeout(settings.total_timeout):
            return await make(settings, prompt, request, typed)
    except TimeoutError as error:
        raise AnswerFailed(side_failure_for(
            error, timeout_s=settings.total_timeout).message) from None


def _all_made(make: Advance, contenders: list[Contender], prompt: str,
              request: dict[str, Any], typed: ArenaSettings) -> list[AdvanceAnswer]:
    """The contenders' answers, made concurrently; their settings are read from the database
    before the event loop starts."""
    settings = [provider_settings_for(c) for c in contenders]

    async def together() -> list[AdvanceAnswer]:
        return list(await asyncio.gather(*(_made(make, s, prompt, request, typed)
                                           for s in settings)))

    return asyncio.run(together())


def _answers(item: StudyItem) -> list[Answer]:
    """The item's K answers through its modality's `advance` hook, which uses the same
    providers and normalizers as live battles; the modality's router reads the prompt first
    and only contenders that fit its reading answer, as in a live battle."""
    study, arena = item.study, item.study.arena
    spec = modality_spec(arena.modality)
    if spec.advance is None:
        raise AnswerUnsupported(f"{spec.label} arenas cannot make answers in advance: the "
                                "modality has no way to make one answer without a battle.")
    typed = arena_settings(arena)
    try:
        request = spec.route(item.text, typed, None)
    except ArenaError as error:
        raise AnswerUnsupported(f"The arena refuses this prompt: {error.message}") from None
    if study.sampling == Sampling.DIVERSE:
        if not spec.diverse:
            raise AnswerUnsupported(f"{spec.label} arenas cannot ask one model for "
                                    f"{study.k} different answers.")
        contender = study.diverse_contender
        assert contender is not None  # the database guarantees it (study_diverse_names_contender)
        markers = "\n".join(f"=== ANSWER {n} ===\n(answer {n})" for n in range(1, study.k + 1))
        whole = _all_made(spec.advance, [contender],
                          DIVERSE_INSTRUCTION.format(k=study.k, prompt=item.text,
                                                     markers=markers), request, typed)[0]
        texts = split_diverse(whole.text, k=study.k)
        random.shuffle(texts)
        return [Answer(contender, AdvanceAnswer(kind=whole.kind, text=text)) for text in texts]
    contenders = study_contenders(study)
    if len(contenders) < study.k:
        raise AnswerFailed(f"The study needs {study.k} contenders and has {len(contenders)}.")
    fitting = [c for c in contenders if spec.fits(c.capabilities or {}, request)]
    if len(fitting) < study.k:
        raise AnswerUnsupported(f"Only {len(fitting)} of the study's contenders can answer this "
                                f"prompt as the arena reads it; {study.k} are needed.")
    chosen = random.sample(fitting, study.k)  # the sample's order is the shown order
    made = _all_made(spec.advance, chosen, item.text, request, typed)
    return [Answer(c, answer) for c, answer in zip(chosen, made, strict=True)]


def item_answers_make(*, item_id: int) -> bool:
    """Make one item's K answers; True when the item is settled (ready, failed for good, or
    gone), False when the caller should retry later."""
    item = StudyItem.objects.select_related("study__arena", "study__diverse_contender").filter(
        pk=item_id).first()
    if item is None or item.state != ItemState.PENDING:
        return True
    try:
        answers = _answers(item)
    except AnswerUnsupported as error:
        return _item_failure(item_id=item_id, reason=str(error), final=True)
    except (AnswerFailed, ProviderError) as error:
        return _item_failure(item_id=item_id, reason=str(error))
    except ValueError as error:  # provider_for refuses a contender's settings
        return _item_failure(item_id=item_id, reason=f"A contender is misconfigured: {error}")
    files = [media_file_save(a.made.media) if a.made.media else "" for a in answers]
    try:
        return _answers_store(item_id=item_id, answers=answers, files=files)
    except BaseException:
        for name in filter(None, files):
            media_file_delete(name)
        raise


def _answers_store(*, item_id: int, answers: list[Answer], files: list[str]) -> bool:
    with transaction.atomic():
        _study_lock(item_id=item_id)
        locked = StudyItem.objects.select_for_update().get(pk=item_id)
        if locked.state != ItemState.PENDING:
            for name in filter(None, files):
                transaction.on_commit(partial(media_file_delete, name))
            return True
        locked.candidates.all().delete()
        StudyCandidate.objects.bulk_create(
            StudyCandidate(item=locked, position=n, contender=a.contender, kind=a.made.kind,
                           text=storable_text(a.made.text),
                           reasoning=storable_text(a.made.reasoning),
                           trace=storable(a.made.trace), media_name=name,
                           media_content_type=a.made.media.content_type if a.made.media else "",
                           media_duration_ms=a.made.media.duration_ms if a.made.media else None)
            for n, (a, name) in enumerate(zip(answers, files, strict=True))
        )
        locked.state, locked.error = ItemState.READY, ""
        locked.attempts += 1
        locked.save(update_fields=["state", "error", "attempts"])
        _study_open_when_made(study_id=locked.study_id)
    return True


def _item_failure(*, item_id: int, reason: str, final: bool = False) -> bool:
    """Keep the reason; the item fails for good on the last attempt, or at once (`final`) when
    trying again cannot help."""
    with transaction.atomic():
        _study_lock(item_id=item_id)
        locked = StudyItem.objects.select_for_update().get(pk=item_id)
        locked.attempts += 1
        locked.error = reason or "The model failed."
        final = final or locked.attempts >= MAX_ATTEMPTS
        if final:
            locked.state = ItemState.FAILED
        locked.save(update_fields=["state", "error", "attempts"])
        if final:
            _study_open_when_made(study_id=locked.study_id)
    return final


def _study_lock(*, item_id: int) -> None:
    """Items of one study settle one at a time: without this, the last two items settling at
    once in two workers would each still see the other pending, and the study would never
    open."""
    list(Study.objects.select_for_update().filter(items__pk=item_id).values_list("pk"))


def _study_open_when_made(*, study_id: int) -> None:
    """A study opens to annotators once no item waits for answers (failed ones are skipped)."""
    if not StudyItem.objects.filter(study_id=study_id, state=ItemState.PENDING).exists():
        Study.objects.filter(pk=study_id, state=StudyState.GENERATING).update(
            state=StudyState.OPEN)
