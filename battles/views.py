"""Battle pages: the arena list, an arena (anonymous battles) and side-by-side mode."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import ensure_csrf_cookie

from annotators.services import annotator_needs_consent
from battles.contender_pick import contenders_selectable
from battles.modalities import arena_aspects, modality_spec
from battles.models import Arena, BattleMode
from battles.selectors import arena_list_active, battle_waiting_for_vote
from battles.services.battle_flow import turn_limit


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "battles/home.html", {"arenas": arena_list_active()})


def _consent_redirect(request: HttpRequest) -> HttpResponse | None:
    if annotator_needs_consent(request.annotator):  # type: ignore[attr-defined]
        return redirect(reverse("annotators:consent") + "?" + urlencode({"next": request.path}))
    return None


def _waiting(request: HttpRequest, arena: Arena, mode: str) -> str | None:
    """A finished, unvoted battle to offer back, unless the address already names one."""
    if "battle" in request.GET:
        return None
    return battle_waiting_for_vote(annotator=request.annotator, arena=arena, mode=mode)  # type: ignore[attr-defined]


def _arena_page(request: HttpRequest, arena: Arena, mode: str) -> HttpResponse:
    """The one battle page; the modality spec names its partial and script."""
    contenders = contenders_selectable(arena=arena) if mode == BattleMode.SIDE_BY_SIDE else []
    aspects = arena_aspects(arena)
    return render(request, "battles/arena.html", {
        "aspects": aspects, "aspects_required": any(a.required for a in aspects),
        "arena": arena, "mode": mode, "contenders": contenders,
        "spec": modality_spec(arena.modality), "turn_limit": turn_limit(arena),
        "waiting": _waiting(request, arena, mode),
    })


@ensure_csrf_cookie
def arena(request: HttpRequest, slug: str) -> HttpResponse:
    arena = get_object_or_404(Arena, slug=slug, is_active=True)
    return _consent_redirect(request) or _arena_page(request, arena, BattleMode.ANONYMOUS)


@ensure_csrf_cookie
def side_by_side(request: HttpRequest, slug: str) -> HttpResponse:
    arena = get_object_or_404(Arena, slug=slug, is_active=True)
    return _consent_redirect(request) or _arena_page(request, arena, BattleMode.SIDE_BY_SIDE)
