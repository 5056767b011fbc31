"""Release rows made once per battle (`RowFragment`), so a release costs a copy, not a redo.

Releases are cumulative: release 12 holds every battle of releases 1 to 11 again. Redacting,
detecting the language and counting the style of every battle ever cast, at every build, made
a build grow with the arena's whole history (about 500 µs a battle, 30x a bare copy of the
same rows). Almost all of a row is fixed once its vote is stored: keyed ids, the masked
conversation, times, style, categories, traces. Only a few columns are decided by the release:
the models' names as registered now, the judge's k-anonymous demographics (k depends on who is
in the release) and the moderation tags of flags not dismissed (`RELEASE_TIME`).

So each battle's fixed columns are serialized once, as the JSON members of each run of fixed
columns between release-time ones (`row_layout`), and a build splices them with its own values
into lines identical to serializing the whole row (`releases.assembly`). Fragments are made by
the build for battles that lack one, and ahead of time by the `releases.prepare_rows` beat
task, so a scheduled build finds nearly all of them made.

A fragment is only used under the `fragment_version` it was made with: a fingerprint of the
secret, the arena scope, the release kind, the format and the source of every module that
shapes a row (the PII patterns included), so a redactor fix remakes every fragment on the
next build instead of leaving old masking in new releases.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from battles.models import Battle
from releases.files import json_line
from releases.models import RowFragment
from releases.reading import BATCH, BattleContent, battles_content
from releases.rows import Naming, battle_row, prompt_key
from releases.schema import FASTCHAT_FIELDS, FORMAT_VERSION, schema_for

# Columns each release decides: names as registered at build time, k-anonymous demographics,
# moderation tags as moderators left them.
MODEL_COLUMNS = ("arena", "model_a", "model_b", "model_a_name", "model_b_name")
JUDGE_COLUMNS = ("judge_age_band", "judge_country", "judge_languages")
TAG_COLUMNS = ("moderation_tags",)
RELEASE_TIME = frozenset(MODEL_COLUMNS + JUDGE_COLUMNS + TAG_COLUMNS)
# Stored once and spliced into both the release line and FastChat's record.
CONVERSATIONS = ("conversation_a", "conversation_b")
FASTCHAT_FIXED = tuple(n for n in FASTCHAT_FIELDS if n not in RELEASE_TIME and n not in CONVERSATIONS)
FASTCHAT_MODELS = tuple(n for n in FASTCHAT_FIELDS if n in RELEASE_TIME)

# Every module whose code decides what a fragment holds.
ROW_CODE = (
    "moderation.pii", "moderation.pii.patterns", "moderation.pii.names", "moderation.pii.intros",
    "moderation.pii.addresses", "moderation.pii.cues", "moderation.pii.people", "releases.rows",
    "releases.reading", "releases.language", "releases.media", "releases.schema",
    "releases.fragments", "leaderboard.categories", "leaderboard.ranking.text_style",
)


@dataclass(frozen=True, slots=True)
class Part:
    """A run of consecutive schema columns with one source: "fixed" (the fragment),
    "conversations" (the fragment's stored pair) or "release" (decided by the build)."""

    source: str
    names: tuple[str, ...]


@cache
def row_layout(kind: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    for name in schema_for(kind).names:
        source = ("release" if name in RELEASE_TIME
                  else "conversations" if name in CONVERSATIONS else "fixed")
        if parts and parts[-1].source == source:
            parts[-1] = Part(source, (*parts[-1].names, name))
        else:
            parts.append(Part(source, (name,)))
    return tuple(parts)


def json_members(values: Mapping[str, Any], names: Iterable[str]) -> str:
    """``"a":1,"b":[…]``: the members of the JSON object of `names`, as a release line has them."""
    return json_line({name: values[name] for name in names})[1:-1]


@cache
def _code_digest() -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for name in ROW_CODE:
        source = importlib.import_module(name).__file__
        digest.update(name.encode() + b"\0" + Path(str(source)).read_bytes())
    return digest.digest()


def fragment_version(naming: Naming, kind: str) -> str:
    parts = (naming.secret, naming.scope, kind, str(FORMAT_VERSION))
    digest = hashlib.blake2b("\x1f".join(parts).encode() + _code_digest(), digest_size=16)
    return digest.hexdigest()


def fragment_make(battle: BattleContent, *, kind: str, naming: Naming, version: str) -> RowFragment:
    """The battle's fragment: its row's fixed runs, conversations and FastChat members."""
    files: list[list[str]] = []
    row = battle_row(battle, kind, naming, media=lambda target, source: files.append([target, source]))
    fastchat = {**row, "language": row["language"] or "unknown"}
    turns = battle.turns
    return RowFragment(
        battle_id=battle.id, version=version, question_id=row["question_id"], judge=row["judge"],
        tstamp=row["tstamp"], prompt_key=prompt_key(turns[0].prompt if turns else ""),
        fixed=[json_members(row, part.names) for part in row_layout(kind) if part.source == "fixed"],
        conversations=json_members(row, CONVERSATIONS),
        fastchat=json_members(fastchat, FASTCHAT_FIXED),
        media_files=files or None,
    )


_STORED = ("version", "question_id", "judge", "tstamp", "prompt_key", "fixed", "conversations",
           "fastchat", "media_files")


def fragments_missing(battles: QuerySet[Battle], *, version: str) -> QuerySet[Battle]:
    """Those of `battles` without a fragment made under `version`."""
    current = RowFragment.objects.filter(battle_id=OuterRef("pk"), version=version)
    return battles.filter(~Exists(current))


def _chunks(items: Iterator[BattleContent], size: int) -> Iterator[list[BattleContent]]:
    while chunk := list(islice(items, size)):
        yield chunk


def fragments_fill(battles: QuerySet[Battle], *, kind: str, naming: Naming,
                   limit: int | None = None) -> int:
    """Make (or remake) the fragments `battles` lack under the current version, `BATCH` at a
    time, each batch one upsert; at most `limit` battles. Returns how many were made. Safe to
    run twice at once: both make the same fragment and the upsert keeps one."""
    version = fragment_version(naming, kind)
    missing = fragments_missing(battles, version=version)
    if limit is not None:  # the oldest first: they are in the next release
        oldest = missing.order_by("vote__created_at", "id").values("pk")[:limit]
        missing = Battle.objects.filter(pk__in=oldest)
    made = 0
    for chunk in _chunks(battles_content(missing, kind=kind), BATCH):
        RowFragment.objects.bulk_create(
            [fragment_make(battle, kind=kind, naming=naming, version=version) for battle in chunk],
            update_conflicts=True, unique_fields=["battle"], update_fields=list(_STORED),
        )
        made += len(chunk)
    return made
