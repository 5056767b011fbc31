"""Automatic checks wired into the battle flow.

- `prompts_check`: the arena's prompt filter chain, local and remote, over one prompt or many;
  the one entry point for prompts typed into a battle and prompts uploaded in a study's set.
- `prompt_screen`: before any generation; a finding refuses the prompt with its reason
  (code `prompt_blocked`) and leaves a flag for moderators. No battle or turn is created.
- `turn_settled`: after both answers of a turn are done; output filters raise flags, and
  identity leaks exclude the battle's vote.
- `vote_check` / `vote_screen`: as a vote is stored, inside its transaction: shadow-bans and
  earlier exclusions make it invalid; a vote cast faster than anyone can read is flagged.

battles/ imports this module as `from moderation.services import screening` (never names
from it) so the two packages can import each other in either order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Subquery

from annotators.models import Annotator
from annotators.services.standing import annotator_votes_count
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    Contender,
    Generation,
    Turn,
    Vote,
    reasoning_shown,
)
from battles.services.errors import ArenaError
from moderation.filters import ConfiguredFilter, Finding, filter_check_many, filters_build
from moderation.filters.identity import names_mentioned, prompt_asks_identity
from moderation.models import Exclusion, ExclusionReason, Flag, FlagKind
from moderation.pii import pii_redact
from moderation.services.exclusions import exclusions_add

logger = logging.getLogger(__name__)

REMOTE_SCREEN_TASK = "moderation.turn_screen_remote"

_EXCERPT = 2000


def _excerpt(text: str, *, redact: bool) -> str:
    text = text[:_EXCERPT]
    return pii_redact(text) if redact else text


def arena_filters(arena: Arena) -> list[ConfiguredFilter]:
    return filters_build(list(settings.MODERATION_DEFAULT_FILTERS)) + filters_build(
        (arena.settings or {}).get("filters")
    )


@dataclass(frozen=True)
class PromptRefusal:
    """The first finding of the chain on a prompt, and the filter that made it."""

    source: str  # the filter's name
    finding: Finding


def prompts_check(*, arena: Arena, prompts: Sequence[str]) -> list[PromptRefusal | None]:
    """Every prompt filter of the arena, in order, local and remote, over each prompt: its first
    refusal, or None. Nothing is stored.

    A prompt one filter refuses is not sent to the next (a remote endpoint never sees what a
    local filter already stopped), and a filter gets all the prompts still in play at once, so
    a remote one checks an uploaded set in a request per batch (`filter_check_many`).
    """
    refused: list[PromptRefusal | None] = [None] * len(prompts)
    for configured in arena_filters(arena):
        if "prompt" not in configured.applies_to:
            continue
        pending = [n for n, refusal in enumerate(refused) if refusal is None]
        if not pending:
            break
        found = filter_check_many(configured.filter, [prompts[n] for n in pending])
        for n, findings in zip(pending, found, strict=True):
            if findings:
                refused[n] = PromptRefusal(configured.filter.name, findings[0])
    return refused


def prompt_screen(*, arena: Arena, annotator: Annotator, prompt: str) -> None:
    """Raise ArenaError(code="prompt_blocked") if a prompt filter objects; nothing else changes
    except the flag that records the attempt."""
    [refusal] = prompts_check(arena=arena, prompts=[prompt])
    if refusal is None:
        return
    finding = refusal.finding
    Flag.objects.create(
        kind=FlagKind.PROMPT, blocked=True, reason=finding.reason, detail=finding.detail,
        source=refusal.source, arena=arena, annotator=annotator,
        excerpt=_excerpt(prompt, redact=finding.reason == "pii"),
    )
    raise ArenaError(f"This prompt can't be used: {finding.detail}.", code="prompt_blocked")


def prompt_screen_for_battle(
    *, battle_id: uuid.UUID | str, annotator: Annotator, prompt: object
) -> None:
    """The same for a follow-up turn; an unknown battle or a malformed prompt is left to the
    battle flow, which reports it."""
    if not isinstance(prompt, str) or not prompt.strip():
        return
    try:
        arena = Arena.objects.filter(battles__id=battle_id).first()
    except (ValueError, ValidationError):
        return
    if arena is not None:
        prompt_screen(arena=arena, annotator=annotator, prompt=prompt.strip())


def _identity_names(arena: Arena) -> list[str]:
    names: list[str] = []
    for contender in Contender.objects.filter(arena=arena):
        names += [contender.name, contender.slug, contender.model_id, contender.organisation]
    return names


def turn_screen(*, turn_id: int, remote: bool = False) -> list[Flag]:
    """Run the output filters (local ones, or the remote ones) and, locally, the identity checks."""
    turn = Turn.objects.select_related("battle__arena").get(id=turn_id)
    battle = turn.battle
    generations = list(Generation.objects.filter(turn=turn).exclude(text="", reasoning=""))
    flags = []
    for configured in arena_filters(battle.arena):
        if "output" not in configured.applies_to or configured.filter.remote != remote:
            continue
        for generation in generations:
            for finding in configured.filter.check(generation.text):
                flags.append(Flag.objects.create(
                    kind=FlagKind.OUTPUT, reason=finding.reason, detail=finding.detail,
                    source=configured.filter.name, arena=battle.arena,
                    annotator_id=battle.annotator_id, battle=battle, turn=turn,
                    generation=generation, excerpt=_excerpt(generation.text, redact=False),
                ))
    if remote or battle.mode != BattleMode.ANONYMOUS:
        return flags
    leaks: list[tuple[str, Generation | None, str]] = []
    if prompt_asks_identity(turn.prompt):
        leaks.append(("the prompt asks the model who it is", None, turn.prompt))
    names = _identity_names(battle.arena)
    for generation in generations:
        # Shown reasoning is checked like the answer: it must not name a model either.
        shown = (f"{generation.text}\n{generation.reasoning}"
                 if reasoning_shown(battle.arena.settings) else generation.text)
        mentioned = names_mentioned(shown, names)
        if mentioned:
            leaks.append((f"answer {generation.side.upper()} names {', '.join(mentioned)}",
                          generation, shown))
    for detail, leaked, text in leaks:
        flags.append(Flag.objects.create(
            kind=FlagKind.OUTPUT if leaked else FlagKind.PROMPT, reason="identity_leak",
            detail=detail, source="identity", arena=battle.arena,
            annotator_id=battle.annotator_id, battle=battle, turn=turn, generation=leaked,
            excerpt=_excerpt(text, redact=False),
        ))
    if leaks:
        exclusions_add(battle_ids=[battle.id], reason=ExclusionReason.IDENTITY_LEAK,
                       detail="; ".join(detail for detail, _, _ in leaks))
    return flags


def turn_settled(turn_id: int) -> None:
    """Called once a turn's answers are both done (after commit). Never breaks a battle."""
    try:
        turn_screen(turn_id=turn_id)
        arena = Arena.objects.get(battles__turns__id=turn_id)
        if any(f.filter.remote and "output" in f.applies_to for f in arena_filters(arena)):
            # Named, not imported: moderation.tasks imports this module.
            current_app.signature(REMOTE_SCREEN_TASK).apply_async(args=[turn_id])
    except Exception:
        logger.exception("moderation of turn %s failed", turn_id)


def turn_settled_on_commit(turn_id: int) -> None:
    transaction.on_commit(lambda: turn_settled(turn_id))


@dataclass(frozen=True)
class VoteCheck:
    is_valid: bool
    last_token_at: datetime | None


def vote_check(*, battle: Battle, annotator: Annotator) -> VoteCheck:
    """Whether a vote about to be stored counts, and when its battle's last token came; inside
    its transaction, battle locked, so no exclusion or answer can arrive in between.

    Decided before the row exists, so every `post_save` receiver sees the final value. One
    statement for both (two for a shadow-banned annotator, whose exclusion is written first).
    """
    if not annotator_votes_count(annotator):
        Exclusion.objects.get_or_create(battle=battle, reason=ExclusionReason.SHADOW_BANNED)
    last_token = (
        Generation.objects.filter(turn__battle_id=OuterRef("id"))
        .order_by()
        .values("turn__battle_id")
        .annotate(at=Max("finished_at"))
        .values("at")
    )
    row = (
        Battle.objects.filter(id=battle.id)
        .values_list(
            Exists(Exclusion.objects.filter(battle_id=OuterRef("id"))), Subquery(last_token)
        )
        .get()
    )
    return VoteCheck(is_valid=not row[0], last_token_at=row[1])


def vote_is_valid(*, battle: Battle, annotator: Annotator) -> bool:
    return vote_check(battle=battle, annotator=annotator).is_valid


def vote_screen(*, vote: Vote, check: VoteCheck | None = None) -> None:
    """After the vote is stored: flag one cast faster than anybody can read. `check` is the
    `vote_check` made for this vote under the same lock, which already read the last token."""
    if check is not None:
        last_token = check.last_token_at
    else:
        last_token = Generation.objects.filter(
            turn__battle_id=vote.battle_id
        ).aggregate(at=Max("finished_at"))["at"]
    minimum = timedelta(seconds=settings.MODERATION_MIN_SECONDS_TO_VOTE)
    if last_token is not None and vote.created_at - last_token < minimum:
        arena_id = (
            vote.battle.arena_id if Vote.battle.is_cached(vote)
            else Battle.objects.only("arena_id").get(id=vote.battle_id).arena_id
        )
        Flag.objects.create(
            kind=FlagKind.VOTE, reason="too_fast", source="timing", arena_id=arena_id,
            annotator_id=vote.annotator_id, battle_id=vote.battle_id, vote=vote,
            detail=f"voted {(vote.created_at - last_token).total_seconds():.1f} s after the "
                   "last token",
        )
