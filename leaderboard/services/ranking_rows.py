"""The per-vote ranking rows: written once when a vote is known, read as columns by a recompute.

A recompute used to join votes, battles, turns and generations (the answers' text) for every
vote on every run; at two million votes that read was 90% of the run. Everything ranking
needs of a vote is known when it is stored (its battle's answers have finished by then), so
`ranking_rows_write` computes it once into a narrow `RankingRow`: contenders, outcome, the
built-in category flags, admin tag flags, the style counts of both sides, a weight and the
vote's validity. A recompute then reads those columns with one binary ``COPY`` straight into
numpy (`leaderboard.services.ranking_read.ranking_columns_load`).

What keeps the rows exact:

- a new vote gets its row in the transaction that stores it (`leaderboard.signals`);
- votes stored in bulk without signals (imports, fixtures, rows older than this table) get
  theirs from `ranking_rows_fill`, which every recompute runs first and the
  ``ranking_rows_backfill`` command runs for a whole database;
- `is_valid` follows `Vote.is_valid` through a database trigger (migration
  ``leaderboard.0002``), so moderation's bulk invalidations and restorations land on the rows
  in the same transaction;
- a tag's flags carry the rule they were computed with (`CategoryTag.flags_rule`); when an
  admin adds or edits a tag, the next recompute (or ``ranking_rows_backfill --tags``)
  recomputes that tag's bit from the first prompts before fitting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction

from battles.models import Battle, BattleMode, Turn, Vote
from leaderboard.categories import TagRule, battle_categories, tag_rule
from leaderboard.models import MAX_TAGS_PER_ARENA, OVERALL, CategoryTag, RankingRow
from leaderboard.ranking.text_style import STYLE_FEATURES
from leaderboard.services.vote_table import OUTCOME_SQL, _query, _table

CATEGORY_BITS = {"english": 1, "non_english": 2, "multi_turn": 4, "long_prompts": 8}
FILL_CHUNK = 20_000
_NF = len(STYLE_FEATURES)

VOTES_BY_ID = f"""
    SELECT v.battle_id, b.contender_a_id, b.contender_b_id, {OUTCOME_SQL} AS outcome,
           v.id AS vote_id, b.arena_id, b.mode = %s AS anonymous, v.annotator_id
    FROM {{vote}} v JOIN {{battle}} b ON b.id = v.battle_id
    WHERE v.id = ANY(%s)
"""


@dataclass
class RankingColumns:
    """The rankable votes of an arena (valid, anonymous, no gold contender), as columns."""

    contender_a: np.ndarray
    contender_b: np.ndarray
    outcome: np.ndarray
    flags: np.ndarray
    tag_flags: np.ndarray
    weight: np.ndarray
    style_a: np.ndarray
    style_b: np.ndarray
    annotator: np.ndarray  # 16-byte UUIDs ("V16"), for per-group boards
    excluded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.outcome.shape[0])

    def style_features(self) -> np.ndarray:
        """Normalized differences (a - b) / (a + b), zero where neither side has any."""
        total = self.style_a + self.style_b
        diff = self.style_a - self.style_b
        return np.divide(diff, total, out=np.zeros_like(diff), where=total > 0)

    def category_masks(self, tags: Sequence[CategoryTag]) -> dict[str, np.ndarray]:
        """Overall, the built-in categories and each tag whose flags are current."""
        masks = {OVERALL: np.ones(len(self), dtype=bool)}
        for name, bit in CATEGORY_BITS.items():
            masks[name] = (self.flags & bit) != 0
        for tag in tags:
            if tag.bit is not None and tag.flags_rule == tag.rule_key:
                masks[tag.slug] = (self.tag_flags & np.int64(1 << tag.bit)) != 0
        return masks


def _rules(tags: Iterable[CategoryTag]) -> list[tuple[int, TagRule]]:
    return [(t.bit, tag_rule(t.slug, t.pattern, is_regex=t.is_regex))
            for t in tags if t.bit is not None]


def _tag_bits(prompt: str, rules: Sequence[tuple[int, TagRule]]) -> int:
    bits = 0
    for bit, rule in rules:
        if rule.pattern.search(prompt):
            bits |= 1 << bit
    return bits


def _as_signed(bits: int) -> int:
    """A 64-bit mask as PostgreSQL's signed bigint (bit 63 is never given out, but be safe)."""
    return bits - (1 << 64) if bits >= 1 << 63 else bits


def tags_assign_bits(*, arena_id: int) -> list[CategoryTag]:
    """Give every tag of the arena a bit of `RankingRow.tag_flags` (the lowest free one)."""
    tags = list(CategoryTag.objects.select_for_update().filter(arena_id=arena_id).order_by("id"))
    used = {t.bit for t in tags if t.bit is not None}
    for tag in tags:
        if tag.bit is None:
            free = next((b for b in range(MAX_TAGS_PER_ARENA) if b not in used), None)
            if free is None:
                raise ValueError(f"An arena has at most {MAX_TAGS_PER_ARENA} category tags.")
            tag.bit = free
            used.add(free)
            tag.save(update_fields=["bit"])
    return tags


def _measured_rows(vote_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The ranking rows of these votes, less `is_valid`, from one query (tags included)."""
    tags = (f"(SELECT coalesce(json_agg(json_build_array(c.bit, c.slug, c.pattern, c.is_regex)), "
            f"'[]') FROM {_table(CategoryTag)} c WHERE c.arena_id = v.arena_id AND c.bit IS NOT NULL)")
    sql, style_params = _query(
        True, votes=VOTES_BY_ID, extra=f", v.vote_id, v.arena_id, v.anonymous, v.annotator_id, {tags}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(BattleMode.ANONYMOUS), list(vote_ids), *style_params])
        found = cursor.fetchall()
    compiled: dict[str, TagRule] = {}
    rows: list[tuple[Any, ...]] = []
    for a, b, outcome, turns, prompt, chars, *rest in found:
        styles, (vote_id, arena_id, anonymous, annotator, tag_list) = (
            rest[: 2 * _NF], rest[2 * _NF :])
        rules = []
        for bit, slug, pattern, is_regex in tag_list:
            key = f"{is_regex}:{pattern}"
            if key not in compiled:
                compiled[key] = tag_rule(slug, pattern, is_regex=is_regex)
            rules.append((bit, compiled[key]))
        flags = 0
        for name in battle_categories(first_prompt=prompt, prompt_chars=chars, turns=turns):
            flags |= CATEGORY_BITS[name]
        counts = [int(x or 0) for x in styles]
        rows.append((vote_id, arena_id, anonymous, a, b, outcome, flags,
                     _as_signed(_tag_bits(prompt, rules)), counts[:_NF], counts[_NF:],
                     annotator))
    return rows


_ROW_COLUMNS = ("vote_id", "arena_id", "anonymous", "contender_a", "contender_b", "outcome",
                "flags", "tag_flags", "style_a", "style_b", "annotator")


def ranking_row_write_new(*, vote: Vote) -> bool:
    """The row of a vote this transaction has just stored: two statements. Nothing else can
    change the vote's validity before this transaction commits, so it is taken as it is."""
    rows = _measured_rows([vote.id])
    if not rows:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(RankingRow)} ({', '.join(_ROW_COLUMNS)}, is_valid, weight) "
            f"VALUES ({', '.join(['%s'] * len(_ROW_COLUMNS))}, %s, 1.0) "
            "ON CONFLICT (vote_id) DO NOTHING",
            [*rows[0], vote.is_valid],
        )
    return True


def ranking_row_rewrite(*, vote_id: int) -> None:
    """Write a stored vote's row afresh, e.g. after its choice was edited."""
    with transaction.atomic():
        RankingRow.objects.filter(vote_id=vote_id).delete()
        ranking_rows_write(vote_ids=[vote_id])


def ranking_rows_write(*, vote_ids: Sequence[int]) -> int:
    """Compute and store the ranking rows of stored votes (their battles' answers finished);
    a row that exists already is left alone. Returns how many were written."""
    if not vote_ids:
        return 0
    rows = _measured_rows(vote_ids)
    return _rows_insert(rows) if rows else 0


def _rows_insert(rows: list[tuple[Any, ...]]) -> int:
    """COPY into a scratch table, then insert what is missing, taking `is_valid` from the vote
    under a share lock: a moderation UPDATE either committed before (we read its value) or
    waits for us (and its trigger then finds our row)."""
    table = _table(RankingRow)
    columns = ", ".join(_ROW_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ranking_row_new (vote_id bigint, arena_id bigint, "
            "anonymous bool, contender_a bigint, contender_b bigint, outcome smallint, "
            "flags smallint, tag_flags bigint, style_a int[], style_b int[], annotator uuid) "
            "ON COMMIT DELETE ROWS"
        )
        cursor.execute("DELETE FROM ranking_row_new")
        with cursor.cursor.copy(f"COPY ranking_row_new ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"SELECT 1 FROM {_table(Vote)} WHERE id IN (SELECT vote_id FROM ranking_row_new) "
            "ORDER BY id FOR SHARE"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, is_valid, weight) "
            f"SELECT {', '.join('n.' + c.strip() for c in columns.split(','))}, v.is_valid, 1.0 "
            f"FROM ranking_row_new n JOIN {_table(Vote)} v ON v.id = n.vote_id "
            "ON CONFLICT (vote_id) DO NOTHING"
        )
        written = cursor.rowcount
        cursor.execute("DELETE FROM ranking_row_new")
    return max(written, 0)


def ranking_rows_fill(*, arena_id: int | None = None) -> int:
    """Write the rows missing for votes stored without one (in bulk, or before this table).

    An anti-join on two primary-key indexes; costs little when nothing is missing (a few
    tenths of a second at a million votes). Missing rows can sit anywhere in the id order (a
    bulk load next to live votes), so every vote is looked at."""
    restrict = ""
    params: list[Any] = []
    if arena_id is not None:
        restrict = (f"AND v.battle_id IN (SELECT id FROM {_table(Battle)} "
                    "WHERE arena_id = %s)")
        params.append(arena_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.id FROM {_table(Vote)} v WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_table(RankingRow)} r WHERE r.vote_id = v.id) {restrict} "
            "ORDER BY v.id",
            params,
        )
        missing = [row[0] for row in cursor.fetchall()]
    written = 0
    for start in range(0, len(missing), FILL_CHUNK):
        written += ranking_rows_write(vote_ids=missing[start : start + FILL_CHUNK])
    return written


def tag_flags_refresh(*, arena_id: int, force: bool = False) -> list[str]:
    """Recompute the flags of each tag whose rule changed since they were computed (every
    tag with `force`), from the first prompts; returns the slugs refreshed."""
    with transaction.atomic():
        tags = tags_assign_bits(arena_id=arena_id)
        stale = [t for t in tags if force or t.flags_rule != t.rule_key]
        if not stale:
            return []
        rules = _rules(stale)
        clear = _as_signed(sum(1 << t.bit for t in stale if t.bit is not None))
        updates: list[tuple[int, int]] = []
        sql = (
            f"SELECT r.vote_id, t.prompt FROM {_table(RankingRow)} r "
            f"JOIN {_table(Vote)} v ON v.id = r.vote_id "
            f"JOIN {_table(Turn)} t ON t.battle_id = v.battle_id AND t.index = 0 "
            "WHERE r.arena_id = %s"
        )
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, [arena_id])
            while chunk := cursor.fetchmany(FILL_CHUNK):
                updates.extend((vote_id, _as_signed(_tag_bits(prompt, rules)))
                               for vote_id, prompt in chunk)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS ranking_tag_bits "
                           "(vote_id bigint, bits bigint) ON COMMIT DELETE ROWS")
            # A session's temp table outlives a savepoint: start from an empty one.
            cursor.execute("DELETE FROM ranking_tag_bits")
            with cursor.cursor.copy("COPY ranking_tag_bits FROM STDIN") as copy:
                for row in updates:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {_table(RankingRow)} r SET tag_flags = (r.tag_flags & ~%s::bigint) | n.bits "
                "FROM ranking_tag_bits n WHERE n.vote_id = r.vote_id",
                [clear],
            )
        for tag in stale:
            tag.flags_rule = tag.rule_key
            tag.save(update_fields=["flags_rule"])
    return [t.slug for t in stale]
