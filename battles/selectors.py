"""Reads on battles, shaped for the browser.

Identity rule: a contender's name, organisation, provider or endpoint appears here only when
`identities_visible` is true — the battle is voted, or it is a side-by-side battle whose
annotator picked the models by name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypedDict

from django.db.models import Prefetch
from django.utils import timezone

from annotators.models import Annotator
from battles.citations import citations_to_html, sources_public
from battles.listening import exposure_gate, listening_state
from battles.modalities import arena_aspects
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    Generation,
    Vote,
    reasoning_shown,
)
from battles.rendering import markdown_to_safe_html
from battles.sides.media import media_public
from moderation.models import HiddenContent


class ContenderIdentity(TypedDict):
    name: str
    organisation: str
    is_demo: bool


def arena_list_active() -> list[Arena]:
    return list(Arena.objects.filter(is_active=True).order_by("name"))


def contender_identity(contender: Contender) -> ContenderIdentity:
    return {
        "name": contender.name + (" (offline demo)" if contender.is_demo else ""),
        "organisation": contender.organisation,
        "is_demo": contender.is_demo,
    }


def vote_public(vote: Vote, battle: Battle) -> dict[str, Any]:
    """What the annotator chose, shown back to them after the vote (aspects are read only in
    arenas that ask about any)."""
    aspects = ({a.aspect: a.choice for a in vote.aspects.all()}
               if arena_aspects(battle.arena) else {})
    return {"choice": vote.choice, "rationale": vote.rationale, "aspects": aspects}


def identities_visible(battle: Battle) -> bool:
    return battle.state == BattleState.VOTED or battle.mode == BattleMode.SIDE_BY_SIDE


WAITING_FOR_VOTE = timedelta(days=1)


def battle_waiting_for_vote(*, annotator: Annotator | None, arena: Arena, mode: str) -> str | None:
    """The id of this annotator's latest battle here that is finished but not voted (from the
    last day), so a fresh visit can offer it back; None when there is none."""
    if annotator is None:
        return None
    found = (
        Battle.objects.filter(annotator=annotator, arena=arena, mode=mode,
                              state=BattleState.READY,
                              created_at__gte=timezone.now() - WAITING_FOR_VOTE)
        .order_by("-created_at").values_list("id", flat=True).first()
    )
    return str(found) if found else None


def battle_reveal(battle: Battle) -> dict[str, ContenderIdentity] | None:
    if not identities_visible(battle):
        return None
    return {"a": contender_identity(battle.contender_a), "b": contender_identity(battle.contender_b)}


def _side_public(generation: Generation, *, show_reasoning: bool) -> dict[str, Any]:
    """One side as the page showed it when it ended: search answers with their citations
    and sources, images and tracks by their opaque URLs (enough to restore a reloaded page);
    the reasoning only where the arena shows it, sanitized like the answer."""
    side: dict[str, Any] = {"status": generation.status,
                            "html": markdown_to_safe_html(generation.text),
                            "error": generation.error}
    if show_reasoning and generation.reasoning:
        side["reasoning_html"] = markdown_to_safe_html(generation.reasoning)
    citations = (generation.trace or {}).get("citations")
    if citations:
        side["html"] = citations_to_html(generation.text, citations)
        side["sources"] = sources_public(citations)
    media = getattr(generation, "media", None)
    if media is not None:
        side["media"] = media_public(media)
    return side


HIDDEN_HTML = "<p><em>Hidden by a moderator.</em></p>"


def _side_hidden(generation: Generation) -> dict[str, Any]:
    return {"status": generation.status, "html": HIDDEN_HTML, "error": "", "hidden": True}


def battle_public(battle: Battle) -> dict[str, Any]:
    """Everything the battle page may show about a battle, safe before the vote. Prompts and
    answers a moderator hid (`moderation.HiddenContent`) are left out, as from releases."""
    hidden = set(HiddenContent.objects.filter(turn__battle=battle)
                 .values_list("turn_id", "generation_id"))
    hidden_turns = {turn_id for turn_id, generation_id in hidden if generation_id is None}
    hidden_answers = {generation_id for _, generation_id in hidden}
    turns = []
    show_reasoning = reasoning_shown(battle.arena.settings)
    generations = Prefetch("generations", queryset=Generation.objects.select_related("media"))
    for turn in battle.turns.prefetch_related(generations).order_by("index"):
        turn_hidden = turn.id in hidden_turns
        sides = {
            generation.side: _side_hidden(generation)
            if turn_hidden or generation.id in hidden_answers
            else _side_public(generation, show_reasoning=show_reasoning)
            for generation in turn.generations.all()
        }
        turns.append({"index": turn.index, "prompt": "" if turn_hidden else turn.prompt,
                      "prompt_hidden": turn_hidden, **sides})
    vote = getattr(battle, "vote", None)
    public: dict[str, Any] = {
        "id": str(battle.id),
        "arena": battle.arena.slug,
        "mode": battle.mode,
        "state": battle.state,
        "can_vote": battle.state == BattleState.READY,
        "turns": turns,
        "vote": vote_public(vote, battle) if vote else None,
        "reveal": battle_reveal(battle),
    }
    if exposure_gate(battle) is not None:
        # A reloaded page starts from what the server has already measured.
        public["listening"] = listening_state(battle)
    return public
