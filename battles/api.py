"""Arena, battle and vote endpoints. Thin: they call selectors and services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.security import APIKeyCookie

from annotators.cookies import annotator_id_from_cookie
from annotators.limits import vote_rate_limit
from annotators.models import Annotator
from annotators.services.standing import annotator_load_current
from battles.contender_pick import contenders_selectable
from battles.modalities import arena_aspects
from battles.models import Arena, Battle, Vote, VoteChoice
from battles.selectors import arena_list_active, battle_public, battle_reveal, vote_public
from battles.services import vote_submit
from battles.services.battle_flow import turn_limit
from battles.services.errors import Forbidden, NotFound
from battles.services.vote import VOTE_KEY_PATTERN


class AnnotatorCookieAuth(APIKeyCookie):
    """The annotator from the signed cookie; state-changing calls also need the CSRF token."""

    param_name = "arena_annotator"

    def authenticate(self, request: HttpRequest, key: str | None) -> Annotator | None:
        annotator_id = annotator_id_from_cookie(key)
        if annotator_id is None:
            return None
        # AnnotatorMiddleware has loaded this cookie's annotator already; one query, not two.
        loaded = getattr(request, "annotator", None)
        if isinstance(loaded, Annotator) and loaded.id == annotator_id:
            return loaded
        return annotator_load_current(annotator_id)


router = Router()
annotator_auth = AnnotatorCookieAuth()


class AspectOut(Schema):
    slug: str
    label: str
    question: str
    required: bool


class ArenaOut(Schema):
    slug: str
    name: str
    modality: str
    description: str
    url: str
    require_rationale: bool
    max_prompt_chars: int
    max_turns: int
    aspects: list[AspectOut]


class ContenderOut(Schema):
    slug: str
    name: str
    is_demo: bool


class VoteIn(Schema):
    """Typed loosely on purpose: vote_submit refuses a bad value with its own 400 and code
    (choice_invalid, rationale_too_long, key_invalid); the schema still documents the rule."""

    choice: str = Field(json_schema_extra={"enum": list(VoteChoice.values)})
    rationale: str = Field("", json_schema_extra={"maxLength": settings.ARENA_MAX_RATIONALE_CHARS})
    idempotency_key: str = Field(json_schema_extra={"pattern": VOTE_KEY_PATTERN})
    aspects: dict[str, str] | None = Field(
        None, description="Aspect slug -> a, b or tie, for the aspects the arena lists.")


class ErrorOut(Schema):
    code: str
    message: str


def _arena_out(request: HttpRequest, arena: Arena) -> dict[str, Any]:
    return {
        "slug": arena.slug,
        "name": arena.name,
        "modality": arena.modality,
        "description": arena.description,
        "url": request.build_absolute_uri(reverse("battles:arena", args=[arena.slug])),
        "require_rationale": arena.require_rationale,
        "max_prompt_chars": arena.max_prompt_chars,
        "max_turns": turn_limit(arena),
        "aspects": [{"slug": a.slug, "label": a.label, "question": a.question,
                     "required": a.required} for a in arena_aspects(arena)],
    }


@router.get("/arenas", response=list[ArenaOut], tags=["arenas"])
def arenas_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_arena_out(request, arena) for arena in arena_list_active()]


@router.get("/arenas/{slug}", response={200: ArenaOut, 404: ErrorOut}, tags=["arenas"])
def arena_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _arena_out(request, get_object_or_404(Arena, slug=slug, is_active=True))


@router.get(
    "/arenas/{slug}/contenders", response={200: list[ContenderOut], 404: ErrorOut},
    tags=["arenas"],
)
def arena_contenders(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    """Models a person can pick by name in side-by-side mode (votes there never rank)."""
    arena = get_object_or_404(Arena, slug=slug, is_active=True)
    return [
        {"slug": c.slug, "name": c.name, "is_demo": c.is_demo}
        for c in contenders_selectable(arena=arena)
    ]


def _own_battle(request: HttpRequest, battle_id: str) -> Battle:
    annotator: Annotator = request.auth  # type: ignore[attr-defined]
    battle = (
        Battle.objects.select_related("arena", "contender_a", "contender_b")
        .filter(id=battle_id).first()
    )
    if battle is None:
        raise NotFound("No such battle.")
    if battle.annotator_id != annotator.id:
        raise Forbidden("This battle belongs to someone else.")
    return battle


@router.get(
    "/battles/{uuid:battle_id}", auth=annotator_auth,
    response={200: dict[str, Any], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["battles"],
)
def battle_detail(request: HttpRequest, battle_id: str) -> dict[str, Any]:
    return battle_public(_own_battle(request, battle_id))


@router.post(
    "/battles/{uuid:battle_id}/vote", auth=annotator_auth,
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut, 422: dict[str, Any], 429: ErrorOut},
    tags=["battles"],
)
def battle_vote(request: HttpRequest, battle_id: str, payload: VoteIn) -> dict[str, Any]:
    """Store the vote (idempotent by key); only then are the two identities returned."""
    with vote_rate_limit(request=request, idempotency_key=payload.idempotency_key):
        vote = vote_submit(
            battle_id=battle_id,
            annotator=request.auth,  # type: ignore[attr-defined]
            choice=payload.choice,
            rationale=payload.rationale,
            idempotency_key=payload.idempotency_key,
            aspects=payload.aspects,
        )
    # A new vote holds its battle, locked and read with both contenders; a replay re-reads it.
    battle = vote.battle if Vote.battle.is_cached(vote) else _own_battle(request, battle_id)
    return {
        "battle_id": str(battle.id),
        "vote": vote_public(vote, battle),
        "reveal": battle_reveal(battle),
    }
