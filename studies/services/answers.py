"""Making a study's answers in advance, through the same providers and media normalization as
live battles.

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
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction

from battles.media import image_clean, media_file_save
from battles.media_formats import ImageFormat, image_format_for
from battles.modalities import modality_spec
from battles.models import Arena, Contender
from battles.provider_config import provider_settings_for
from battles.providers import ChatMessage, ProviderError, TextDelta
from battles.providers.media_base import MediaResult
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


@dataclass(frozen=True)
class Answer:
    contender: Contender
    text: str = ""
    media_name: str = ""
    media_content_type: str = ""


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


def _provider(contender: Contender, arena: Arena) -> Any:
    """Built before the event loop starts: reading the contender's settings touches the ORM."""
    return modality_spec(arena.modality).provider_for(provider_settings_for(contender))


async def _text(provider: Any, prompt: str) -> str:
    if not callable(getattr(provider, "stream_chat", None)):
        raise AnswerFailed("Studies cannot yet make answers for this arena's kind of model.")
    pieces: list[str] = []
    async for event in provider.stream_chat([ChatMessage(role="user", content=prompt)]):
        if isinstance(event, TextDelta):
            pieces.append(event.text)
    text = "".join(pieces).replace("\x00", "").strip()
    if not text:
        raise AnswerFailed("The model returned an empty answer.")
    return text


async def _image(provider: Any, prompt: str, target: ImageFormat) -> bytes:
    async for event in provider.generate_image(prompt, width=target.width, height=target.height):
        if isinstance(event, MediaResult):
            return bytes(event.data)
    raise AnswerFailed("The model finished without an image.")


def _answers(item: StudyItem) -> list[Answer]:
    study, arena = item.study, item.study.arena
    spec = modality_spec(arena.modality)
    if study.sampling == Sampling.DIVERSE:
        contender = study.diverse_contender
        assert contender is not None  # the database guarantees it (study_diverse_names_contender)
        markers = "\n".join(f"=== ANSWER {n} ===\n(answer {n})" for n in range(1, study.k + 1))
        request = DIVERSE_INSTRUCTION.format(k=study.k, prompt=item.text, markers=markers)
        writer = _provider(contender, arena)
        texts = split_diverse(asyncio.run(_text(writer, request)), k=study.k)
        random.shuffle(texts)
        return [Answer(contender, text=text) for text in texts]
    contenders = study_contenders(study)
    if len(contenders) < study.k:
        raise AnswerFailed(f"The study needs {study.k} contenders and has {len(contenders)}.")
    chosen = random.sample(contenders, study.k)  # the sample's order is the shown order
    providers = [_provider(c, arena) for c in chosen]
    if spec.media_kind == "image":
        target = image_format_for(arena.settings or {})

        async def all_images() -> list[bytes]:
            return list(await asyncio.gather(*(_image(p, item.text, target) for p in providers)))

        answers = []
        for contender, data in zip(chosen, asyncio.run(all_images()), strict=True):
            clean = image_clean(data, target=target)  # ProviderError for a file that is no image
            answers.append(Answer(contender, media_name=media_file_save(clean),
                                  media_content_type=clean.content_type))
        return answers
    if spec.media_kind:
        raise AnswerFailed(f"Studies cannot yet make answers for {spec.label.lower()} arenas.")

    async def all_texts() -> list[str]:
        return list(await asyncio.gather(*(_text(p, item.text) for p in providers)))

    return [Answer(c, text=t) for c, t in zip(chosen, asyncio.run(all_texts()), strict=True)]


def item_answers_make(*, item_id: int) -> bool:
    """Make one item's K answers; True when the item is settled (ready, failed for good, or
    gone), False when the caller should retry later."""
    item = StudyItem.objects.select_related("study__arena", "study__diverse_contender").filter(
        pk=item_id).first()
    if item is None or item.state != ItemState.PENDING:
        return True
    try:
        answers = _answers(item)
    except (AnswerFailed, ProviderError) as error:
        return _item_failure(item_id=item_id, reason=str(error))
    except ValueError as error:  # provider_for refuses a contender's settings
        return _item_failure(item_id=item_id, reason=f"A contender is misconfigured: {error}")
    with transaction.atomic():
        _study_lock(item_id=item_id)
        locked = StudyItem.objects.select_for_update().get(pk=item_id)
        if locked.state != ItemState.PENDING:
            return True
        locked.candidates.all().delete()
        StudyCandidate.objects.bulk_create(
            StudyCandidate(item=locked, position=n, contender=a.contender, text=a.text,
                           media_name=a.media_name, media_content_type=a.media_content_type)
            for n, a in enumerate(answers)
        )
        locked.state, locked.error = ItemState.READY, ""
        locked.attempts += 1
        locked.save(update_fields=["state", "error", "attempts"])
        _study_open_when_made(study_id=locked.study_id)
    return True


def _item_failure(*, item_id: int, reason: str) -> bool:
    with transaction.atomic():
        _study_lock(item_id=item_id)
        locked = StudyItem.objects.select_for_update().get(pk=item_id)
        locked.attempts += 1
        locked.error = reason or "The model failed."
        final = locked.attempts >= MAX_ATTEMPTS
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
