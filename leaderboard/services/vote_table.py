"""Reading an arena's rankable votes as columns, in one query, without per-row objects.

At two million votes the cost is the transfer, so the database does the per-battle work: it
counts turns, measures the first prompt and sums the style counts of every turn per side.
Those counts are stored on each generation when it finishes (``Generation.style_counts``);
for a row without them (one stored before they existed and not yet backfilled) the query
falls back to the same measurements in SQL (the regular expressions of
:func:`leaderboard.ranking.text_style.style_counts`, checked against it in the tests), which
costs about 50 µs an answer. Python only sees small numbers and a short head of the first
prompt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from battles.models import Arena, Battle, BattleMode, Contender, Generation, Turn, Vote, VoteAspect
from leaderboard.ranking.text_style import STYLE_FEATURES

# PostgreSQL (ARE, newline-sensitive 'n' flag) spellings of the engine's style patterns. Word
# count is not a regex: splitting on ASCII whitespace is ~20x cheaper than counting \S+ matches.
SQL_WORD_COUNT = (
    "cardinality(array_remove(string_to_array(translate({text}, "
    "chr(9) || chr(10) || chr(11) || chr(12) || chr(13), '     '), ' '), ''))"
)
SQL_STYLE_PATTERNS: dict[str, tuple[str, str]] = {
    "headers": (r"^#{1,6}\s+\S", "n"),
    "lists": (r"^\s*(?:[-*+]|\d+[.)])\s+\S", "n"),
    "bold": (r"\*\*[^*\n]+\*\*|__[^_\n]+__", ""),
}
OUTCOME_SQL = "CASE v.choice WHEN 'a' THEN 0 WHEN 'b' THEN 1 WHEN 'tie' THEN 2 ELSE 3 END"
PROMPT_HEAD_CHARS = 300
CHUNK_ROWS = 50_000
QUERY_WORK_MEM = "256MB"


@dataclass
class VoteTable:
    """One row per valid anonymous vote; `style_a`/`style_b` hold raw counts per feature."""

    contender_a: np.ndarray
    contender_b: np.ndarray
    outcome: np.ndarray
    turns: np.ndarray
    prompt_chars: np.ndarray
    prompt_head: list[str]
    style_a: np.ndarray
    style_b: np.ndarray
    excluded: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.outcome.shape[0])

    def style_features(self) -> np.ndarray:
        """Normalized differences (a - b) / (a + b), zero where neither side has any."""
        total = self.style_a + self.style_b
        diff = self.style_a - self.style_b
        return np.divide(diff, total, out=np.zeros_like(diff), where=total > 0)


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


VOTES_OF_ARENA = f"""
    SELECT v.battle_id, b.contender_a_id, b.contender_b_id, {OUTCOME_SQL} AS outcome
    FROM {{vote}} v JOIN {{battle}} b ON b.id = v.battle_id
    WHERE b.arena_id = %s AND v.is_valid AND b.mode = %s
      AND NOT (b.contender_a_id = ANY(%s) OR b.contender_b_id = ANY(%s))
"""


def _query(full_prompt: bool, votes: str = VOTES_OF_ARENA, extra: str = "") -> tuple[str, list[str]]:
    """The per-vote measures of the votes that `votes` selects (a query with `battle_id`,
    `contender_a_id`, `contender_b_id`, `outcome` and whatever `extra` names, as `v.`...)."""
    head = "t.prompt" if full_prompt else f"left(t.prompt, {PROMPT_HEAD_CHARS})"
    sums: list[str] = []
    params: list[str] = []
    for side in ("a", "b"):
        for name in STYLE_FEATURES:
            if name == "length":
                counted = SQL_WORD_COUNT.format(text="g.text")
            else:
                counted = "regexp_count(g.text, %s, 1, %s)"
                params.extend(SQL_STYLE_PATTERNS[name])
            # COALESCE evaluates its second argument only where the first is NULL.
            measure = f"coalesce((g.style_counts ->> '{name}')::int, {counted})"
            sums.append(f"sum({measure}) FILTER (WHERE g.side = '{side}') AS s{len(sums)}")
    sql = f"""
        WITH v AS ({votes.format(vote=_table(Vote), battle=_table(Battle))}),
        t AS (
            SELECT t.battle_id, count(*) AS turns,
                   max(CASE WHEN t.index = 0 THEN {head} END) AS head,
                   max(CASE WHEN t.index = 0 THEN length(t.prompt) END) AS chars
            FROM {_table(Turn)} t JOIN v ON v.battle_id = t.battle_id
            GROUP BY t.battle_id
        ),
        g AS (
            SELECT t.battle_id, {", ".join(sums)}
            FROM {_table(Generation)} g
            JOIN {_table(Turn)} t ON t.id = g.turn_id
            JOIN v ON v.battle_id = t.battle_id
            GROUP BY t.battle_id
        )
        SELECT v.contender_a_id, v.contender_b_id, v.outcome,
               coalesce(t.turns, 0), coalesce(t.head, ''), coalesce(t.chars, 0),
               {", ".join(f"g.s{k}" for k in range(len(sums)))}{extra}
        FROM v LEFT JOIN t ON t.battle_id = v.battle_id LEFT JOIN g ON g.battle_id = v.battle_id
    """
    return sql, params


def gold_contender_ids(arena_id: int) -> list[int]:
    """Deliberately broken contenders: their battles test annotators, never models."""
    return list(
        Contender.objects.filter(arena_id=arena_id, params__gold_broken=True)
        .values_list("id", flat=True)
    )


def _excluded(arena_id: int) -> dict[str, int]:
    """Votes that exist but never rank, by reason.

    Invalid anonymous votes are counted under the reasons moderation recorded (identity leak,
    ban, deletion, ...; a vote with two reasons counts under both); valid votes of
    side-by-side battles never rank by design.
    """
    from moderation.selectors import excluded_vote_counts

    excluded = dict(excluded_vote_counts(arena=Arena.objects.get(id=arena_id)))
    valid = Vote.objects.filter(battle__arena_id=arena_id, is_valid=True)
    excluded["side_by_side"] = valid.exclude(battle__mode=BattleMode.ANONYMOUS).count()
    gold = gold_contender_ids(arena_id)
    if gold:
        excluded["gold"] = valid.filter(battle__mode=BattleMode.ANONYMOUS).filter(
            Q(battle__contender_a_id__in=gold) | Q(battle__contender_b_id__in=gold)
        ).count()
    return {reason: n for reason, n in sorted(excluded.items()) if n}


def vote_table_load(*, arena_id: int, full_prompt: bool = False) -> VoteTable:
    """Every valid vote of an anonymous battle in the arena, as numpy columns.

    ``full_prompt`` reads whole first prompts (needed for admin tag rules); otherwise only a
    short head, enough for the language test.
    """
    sql, style_params = _query(full_prompt)
    nf = len(STYLE_FEATURES)
    ints: list[np.ndarray] = []
    styles: list[np.ndarray] = []
    heads: list[str] = []
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        # With the default 4 MB the planner sorts by battle id (a random UUID) and walks the
        # turn and generation indexes in that order: random heap reads, most of the query.
        # Room for hash joins and a hash aggregate turns those into sequential scans.
        with connection.cursor() as setup:
            setup.execute(f"SET LOCAL work_mem = '{QUERY_WORK_MEM}'")
        gold = gold_contender_ids(arena_id)
        cursor.execute(sql, [arena_id, str(BattleMode.ANONYMOUS), gold, gold, *style_params])
        while rows := cursor.fetchmany(CHUNK_ROWS):
            columns = list(zip(*rows, strict=True))
            ints.append(np.array([columns[k] for k in (0, 1, 2, 3, 5)], dtype=np.int64))
            heads.extend(columns[4])
            # A battle without generations (an imported one) has NULL sums: no style at all.
            styles.append(np.array(columns[6:], dtype=np.float64))
    if ints:
        block = np.concatenate(ints, axis=1)
        style = np.nan_to_num(np.concatenate(styles, axis=1)).T
    else:
        block = np.zeros((5, 0), dtype=np.int64)
        style = np.zeros((0, 2 * nf))
    return VoteTable(
        contender_a=block[0],
        contender_b=block[1],
        outcome=block[2],
        turns=block[3],
        prompt_chars=block[4],
        prompt_head=heads,
        style_a=style[:, :nf],
        style_b=style[:, nf:],
        excluded=_excluded(arena_id),
    )


ASPECT_CATEGORY_PREFIX = "aspect-"


def aspect_votes_load(*, arena_id: int) -> dict[str, VoteTable]:
    """Per aspect, the same votes as `vote_table_load` (valid, anonymous, no gold check) with the
    aspect's choice as the outcome; no style columns: an aspect board is a plain fit."""
    sql = f"""
        SELECT va.aspect, b.contender_a_id, b.contender_b_id,
               CASE va.choice WHEN 'a' THEN 0 WHEN 'b' THEN 1 ELSE 2 END
        FROM {_table(VoteAspect)} va
        JOIN {_table(Vote)} v ON v.id = va.vote_id
        JOIN {_table(Battle)} b ON b.id = v.battle_id
        WHERE b.arena_id = %s AND v.is_valid AND b.mode = %s
          AND NOT (b.contender_a_id = ANY(%s) OR b.contender_b_id = ANY(%s))
        ORDER BY va.aspect, va.id
    """
    gold = gold_contender_ids(arena_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, [arena_id, str(BattleMode.ANONYMOUS), gold, gold])
        rows = cursor.fetchall()
    by_aspect: dict[str, list[tuple[int, int, int]]] = {}
    for aspect, a, b, outcome in rows:
        by_aspect.setdefault(aspect, []).append((a, b, outcome))
    nf = len(STYLE_FEATURES)
    tables: dict[str, VoteTable] = {}
    for aspect, found in by_aspect.items():
        block = np.array(found, dtype=np.int64).T
        n = block.shape[1]
        tables[aspect] = VoteTable(
            contender_a=block[0], contender_b=block[1], outcome=block[2],
            turns=np.ones(n, dtype=np.int64), prompt_chars=np.zeros(n, dtype=np.int64),
            prompt_head=[""] * n, style_a=np.zeros((n, nf)), style_b=np.zeros((n, nf)),
        )
    return tables
