"""/api/studies: set-up and progress for researchers, next item and judgement for annotators.

Thin adapters: every rule lives in studies/services; errors come back in the API's one shape.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from annotators.client_ip import client_ip_from_request
from annotators.limits import rate_limited
from battles.api import ErrorOut, annotator_auth
from battles.models import Arena, Contender
from studies.analysis import study_analysis, study_board_csv_text
from studies.errors import ArenaError
from studies.models import Study
from studies.selectors import judgement_reveal, slot_public, study_progress
from studies.services.access import researcher_required, study_admit
from studies.services.answers import study_failed_retry
from studies.services.assignment import slot_claim
from studies.services.exposure import slot_exposure_record
from studies.services.judgement import judgement_submit, slot_skip
from studies.services.setup import prompt_set_import, study_check

router = Router(tags=["studies"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class StudyIn(Schema):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$")
    title: str = Field(min_length=1, max_length=160)
    description: str = ""
    arena: str
    k: int = Field(default=2, ge=2, le=4)
    vote_format: Literal["best", "rank"] = "best"
    aspects: list[str] = []
    overlap: int = Field(default=3, ge=1, le=50)
    pool: Literal["open", "invite", "group"] = "open"
    pool_group: str = ""
    quota_per_annotator: int | None = Field(default=None, ge=1)
    sampling: Literal["models", "diverse"] = "models"
    diverse_contender: str = ""
    contenders: list[str] = []
    demographic_targets: dict[str, dict[str, float]] = {}
    reveal_identities: bool = False
    gold_min_accuracy: float | None = Field(default=None, ge=0, le=1)


class StudyCreatedOut(Schema):
    slug: str
    state: str
    invite_token: str


class PromptSetOut(Schema):
    added: int
    progress: dict[str, Any]


RESEARCHER = {401: ErrorOut, 403: ErrorOut}
ANNOTATOR = {401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 429: ErrorOut}


class ExposureIn(Schema):
    # Any: the one cleaner (battles/exposure.py) answers a malformed report in the API's shape.
    events: Any = None


class JudgementIn(Schema):
    ranking: list[int] = []
    aspects: dict[str, int] = {}
    explanation: str = ""
    skip_reason: str = ""


def _study(slug: str) -> Study:
    return get_object_or_404(Study.objects.select_related("arena"), slug=slug)


@router.post("/studies", response={201: StudyCreatedOut, **RESEARCHER})
def study_create(request: HttpRequest, payload: StudyIn) -> Status[dict[str, Any]]:
    """Researchers and admins only; the study starts as a draft until its prompts arrive."""
    researcher_required(request.user)
    arena = get_object_or_404(Arena, slug=payload.arena)
    fields = payload.dict(exclude={"arena", "contenders", "diverse_contender"})
    with transaction.atomic():
        study = Study(arena=arena, created_by=request.user if request.user.is_authenticated
                      else None, **fields)
        if payload.diverse_contender:
            study.diverse_contender = get_object_or_404(Contender, arena=arena,
                                                        slug=payload.diverse_contender)
        study_check(study)
        study.save()
        if payload.contenders:
            chosen = list(Contender.objects.filter(arena=arena, slug__in=payload.contenders))
            study.contenders.set(chosen)
        study_check(study)
    return Status(201, {"slug": study.slug, "state": study.state, "invite_token": study.invite_token})


@router.post("/studies/{slug}/prompt-set",
             response={201: PromptSetOut, 409: ErrorOut, **RESEARCHER})
def study_prompt_set_upload(request: HttpRequest, slug: str,
                            file: UploadedFile = File(...),  # noqa: B008
                            format: str = Form("")) -> Status[dict[str, Any]]:  # noqa: B008
    """A JSONL or CSV file (by `format`, else by its name); all lines import or none."""
    researcher_required(request.user)
    study = _study(slug)
    fmt = format or ("csv" if (file.name or "").lower().endswith(".csv") else "jsonl")
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise ArenaError("The prompt set is larger than 20 MB.", code="too_large", status=413)
    added = prompt_set_import(study=study, data=file.read(), fmt=fmt)
    return Status(201, {"added": added, "progress": study_progress(study=study)})


@router.get("/studies/{slug}/progress", response={200: dict[str, Any], **RESEARCHER})
def study_progress_read(request: HttpRequest, slug: str) -> dict[str, Any]:
    researcher_required(request.user)
    return dict(study_progress(study=_study(slug)))


@router.get("/studies/{slug}/analysis", response={200: dict[str, Any], **RESEARCHER})
def study_analysis_read(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Boards, agreement and preference spread; researchers and admins only."""
    researcher_required(request.user)
    return study_analysis(study=_study(slug))


@router.get("/studies/{slug}/board.csv", response={200: str, **RESEARCHER})
def study_board_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The overall and per-aspect boards as one CSV (an `aspect` column; empty: overall)."""
    researcher_required(request.user)
    study = _study(slug)
    return HttpResponse(study_board_csv_text(analysis=study_analysis(study=study)),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{study.slug}-board.csv"'})


@router.post("/studies/{slug}/retry-failed", response={200: dict[str, Any], **RESEARCHER})
def study_retry_failed(request: HttpRequest, slug: str) -> dict[str, Any]:
    researcher_required(request.user)
    return {"queued": study_failed_retry(study=_study(slug))}


@router.post("/studies/{slug}/next", auth=annotator_auth,
             response={200: dict[str, Any], **ANNOTATOR})
def study_next(request: HttpRequest, slug: str, invite: str = "") -> dict[str, Any]:
    """The annotator's current item (the same one after a reload), or a new one; `item` is
    null when nothing is left for them."""
    study = _study(slug)
    annotator = study_admit(study=study, annotator=request.auth,  # type: ignore[attr-defined]
                            invite=invite)
    slot = slot_claim(study=study, annotator=annotator)
    if slot is None:
        return {"item": None}
    return {"item": slot_public(slot=slot, annotator_id=annotator.pk)}


@router.post("/studies/{slug}/slots/{int:slot_id}/exposure", auth=annotator_auth,
             response={200: dict[str, Any], 400: ErrorOut, **ANNOTATOR})
def study_exposure(request: HttpRequest, slug: str, slot_id: int, payload: ExposureIn,
                   invite: str = "") -> dict[str, Any]:
    """The page's player or viewer events for the item the annotator holds; answers with the
    time each answer has had and whether the judgement is open (studies/services/exposure.py)."""
    study = _study(slug)
    annotator = study_admit(study=study, annotator=request.auth,  # type: ignore[attr-defined]
                            invite=invite)
    return dict(slot_exposure_record(slot_id=slot_id, annotator=annotator,
                                     events=payload.events, study_id=study.pk))


@router.post("/studies/{slug}/slots/{int:slot_id}/judgement", auth=annotator_auth,
             response={200: dict[str, Any], **ANNOTATOR})
def study_judge(request: HttpRequest, slug: str, slot_id: int, payload: JudgementIn,
                invite: str = "") -> dict[str, Any]:
    study = _study(slug)
    annotator = study_admit(study=study, annotator=request.auth,  # type: ignore[attr-defined]
                            invite=invite)
    with rate_limited(action="vote", annotator_id=annotator.pk,
                      ip=client_ip_from_request(request)):
        if payload.skip_reason.strip():
            slot_skip(slot_id=slot_id, annotator=annotator, reason=payload.skip_reason,
                      study_id=study.pk)
            return {"stored": True, "reveal": None}
        judgement = judgement_submit(slot_id=slot_id, annotator=annotator, study_id=study.pk,
                                     ranking=payload.ranking, aspects=payload.aspects,
                                     explanation=payload.explanation)
    return {"stored": True, "reveal": judgement_reveal(judgement=judgement)}
