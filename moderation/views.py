"""The moderator's pages: the queue, one annotator, and the audit log. Moderators only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from annotators.models import Annotator
from annotators.roles import Role, user_has_role
from annotators.services.quality import annotator_quality
from battles.models import Vote
from moderation.models import Flag, FlagKind
from moderation.selectors import audit_recent, flags_open
from moderation.services.actions import (
    ActionRefused,
    annotator_ban,
    annotator_reinstate,
    annotator_shadow_ban,
    content_hide,
    flag_dismiss,
    vote_invalidate,
)
from moderation.services.anomalies import annotator_anomalies

View = Callable[..., HttpResponse]


def moderator_required(view: View) -> View:
    """403 for everybody else, signed in or not: the queue shows people's prompts."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_has_role(request.user, Role.MODERATOR):
            raise PermissionDenied("Moderators only.")
        return view(request, *args, **kwargs)

    return guarded


@require_GET
@moderator_required
def queue(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in FlagKind.values:
        kind = None
    flags = flags_open(kind=kind).select_related("vote", "generation", "turn")[:200]
    return render(request, "moderation/queue.html",
                  {"flags": flags, "kind": kind, "kinds": FlagKind.choices})


def _flag_act(request: HttpRequest, flag: Flag) -> str:
    action = request.POST.get("action")
    note = request.POST.get("note", "").strip()[:2000]
    invalidate = request.POST.get("invalidate_votes") == "yes"
    if action == "dismiss":
        flag_dismiss(flag=flag, actor=request.user, note=note)
        return "Flag dismissed."
    if action == "hide":
        content_hide(flag=flag, actor=request.user, note=note)
        return "Content hidden."
    if action == "invalidate_vote":
        vote = flag.vote or (
            Vote.objects.filter(battle_id=flag.battle_id).first() if flag.battle_id else None
        )
        if vote is None:
            raise ActionRefused("There is no vote on this battle to invalidate.")
        vote_invalidate(vote=vote, actor=request.user, note=note, flag=flag)
        return "Vote invalidated."
    if action in ("ban", "shadow_ban"):
        if flag.annotator is None:
            raise ActionRefused("This flag names no annotator.")
        act = annotator_ban if action == "ban" else annotator_shadow_ban
        flipped = act(annotator=flag.annotator, actor=request.user, note=note,
                      invalidate_votes=invalidate, flag=flag)
        return f"Annotator {'banned' if action == 'ban' else 'shadow-banned'}; " \
               f"{flipped} vote(s) invalidated."
    raise ActionRefused("Unknown action.")


@require_POST
@moderator_required
def flag_action(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(Flag.objects.select_related("annotator", "vote"), id=flag_id)
    try:
        messages.success(request, _flag_act(request, flag))
    except ActionRefused as refused:
        messages.error(request, str(refused))
    if request.POST.get("back") == "annotator" and flag.annotator_id:
        return redirect(f"/moderation/annotators/{flag.annotator_id}/")
    return redirect("/moderation/")


@require_GET
@moderator_required
def annotator_detail(request: HttpRequest, annotator_id: str) -> HttpResponse:
    annotator = get_object_or_404(Annotator, id=annotator_id)
    return render(request, "moderation/annotator.html", {
        "annotator": annotator,
        "quality": annotator_quality(annotator=annotator),
        "anomalies": annotator_anomalies(annotator=annotator),
        "flags": Flag.objects.filter(annotator=annotator)[:100],
        "votes": Vote.objects.filter(annotator=annotator).select_related("battle__arena")
        .order_by("-created_at")[:50],
    })


@require_POST
@moderator_required
def annotator_action(request: HttpRequest, annotator_id: str) -> HttpResponse:
    annotator = get_object_or_404(Annotator, id=annotator_id)
    action = request.POST.get("action")
    note = request.POST.get("note", "").strip()[:2000]
    invalidate = request.POST.get("invalidate_votes") == "yes"
    if action == "ban":
        annotator_ban(annotator=annotator, actor=request.user, note=note,
                      invalidate_votes=invalidate)
    elif action == "shadow_ban":
        annotator_shadow_ban(annotator=annotator, actor=request.user, note=note,
                             invalidate_votes=invalidate)
    elif action == "reinstate":
        annotator_reinstate(annotator=annotator, actor=request.user, note=note)
    else:
        messages.error(request, "Unknown action.")
        return redirect(f"/moderation/annotators/{annotator.id}/")
    messages.success(request, "Done.")
    return redirect(f"/moderation/annotators/{annotator.id}/")


@require_GET
@moderator_required
def audit(request: HttpRequest) -> HttpResponse:
    return render(request, "moderation/audit.html", {"entries": audit_recent()})
