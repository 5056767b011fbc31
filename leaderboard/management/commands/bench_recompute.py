"""`manage.py bench_recompute --votes N`: fill an arena with N synthetic votes, time a recompute.

Rows go in with COPY (battles, turns, generations, votes) so that two million votes load in a
minute or two; then one full `leaderboard_recompute` runs and reports where its time went,
next to a baseline: the engine alone fitting the same votes from memory (overall, plain).

Generations carry their style counts, as `generation_finish` stores them;
`--without-style-counts` leaves them NULL, as for rows stored before counts existed, so the
recompute's SQL falls back to measuring every answer's text (the old cost).
"""

from __future__ import annotations

import json
import resource
import time
import uuid
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Model

from battles.models import Arena, Battle, Contender, Generation, Turn, Vote
from leaderboard.models import RankingRow
from leaderboard.ranking import BattleSet, rank_battles
from leaderboard.ranking.text_style import style_counts
from leaderboard.services import leaderboard_recompute
from leaderboard.services.importing import imported_annotator
from leaderboard.services.ranking_read import copy_sql, ranking_columns_load
from leaderboard.services.ranking_rows import ranking_rows_fill
from leaderboard.services.vote_table import QUERY_WORK_MEM, _query

PROMPTS = [
    "How do I reverse a list in Python?", "Write a haiku about the sea.",
    "Explain quantum entanglement to a child.", "¿Cuál es la capital de Australia?",
    "Erkläre mir bitte, wie ein Kühlschrank funktioniert.", "Summarize this: " + "data " * 150,
    "你好，请介绍一下你自己。", "What are the pros and cons of remote work?",
]
ANSWERS = [
    "Sure.", "Here is an answer with a few words in it and nothing else.",
    "# Title\n\n- one\n- two\n- **three**\n\n" + "detail " * 80,
    "## Steps\n1. first\n2. second\n\n**Note:** " + "words " * 30,
    "A long plain answer. " * 60, "- a\n- b\n- c",
]


def _copy(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY rows in; NOT NULL columns not named get their model default (COPY knows none)."""
    extra_columns, extra_values = [], []
    for f in model._meta.concrete_fields:
        if f.column not in columns and not f.null and f.has_default() and not f.primary_key:
            extra_columns.append(f.column)
            extra_values.append(f.get_db_prep_save(f.get_default(), connection))
    names = ", ".join([*columns, *extra_columns])
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *extra_values))


class Command(BaseCommand):
    help = "Benchmark a leaderboard recompute on N synthetic votes (COPY-loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--votes", type=int, default=2_000_000)
        parser.add_argument("--contenders", type=int, default=100)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--explain", action="store_true", help="print the vote query plan")
        parser.add_argument("--load-only", action="store_true",
                            help="load the votes and write their ranking rows, print the slug")
        parser.add_argument("--arena", help="measure an arena loaded before (a fresh process, "
                            "so its peak memory is the worker's)")
        parser.add_argument(
            "--ranking-rows-only", action="store_true",
            help="load only the ranking rows (what a recompute reads), without the battles, "
            "turns, generations and votes behind them: 10M in minutes, for the worker's "
            "peak memory at that volume; foreign keys are not checked for this load")
        parser.add_argument(
            "--without-style-counts",
            action="store_true",
            help="store generations without style counts (the recompute measures the text in SQL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["arena"]:
            self._measure(Arena.objects.get(slug=options["arena"]))
            return
        n, k = options["votes"], options["contenders"]
        rng = np.random.default_rng(options["seed"])
        arena = Arena.objects.create(slug=f"bench-{uuid.uuid4().hex[:8]}", name="Benchmark")
        contenders = Contender.objects.bulk_create(
            Contender(arena=arena, slug=f"m{i}", name=f"model-{i:03d}", provider_kind="imported")
            for i in range(k)
        )
        ids = np.array([c.id for c in contenders])
        annotator = imported_annotator()
        a = rng.integers(0, k, n)
        b = (a + rng.integers(1, k, n)) % k
        strength = rng.normal(0, 1, k)
        p = 1 / (1 + np.exp(strength[b] - strength[a]))
        u = rng.random(n)
        outcome = np.where(u < 0.1, 2, np.where(u < 0.13, 3, np.where(rng.random(n) < p, 0, 1)))
        if options["ranking_rows_only"]:
            self._rows_only(arena, ids[a], ids[b], outcome, rng, annotator.id)
            return
        prompt = rng.integers(0, len(PROMPTS), n)
        answer_a, answer_b = rng.integers(0, len(ANSWERS), n), rng.integers(0, len(ANSWERS), n)
        choices = np.array(["a", "b", "tie", "both_bad"])[outcome]

        started = time.perf_counter()
        battle_ids = [uuid.uuid4() for _ in range(n)]
        with transaction.atomic():
            _copy(Battle,
                  ["id", "arena_id", "annotator_id", "mode", "contender_a_id", "contender_b_id",
                   "state", "created_at", "updated_at"],
                  ((battle_ids[i], arena.id, annotator.id, "anonymous", int(ids[a[i]]),
                    int(ids[b[i]]), "voted", "2024-01-01", "2024-01-01") for i in range(n)))
            _copy(Turn, ["battle_id", "index", "prompt", "created_at"],
                  ((battle_ids[i], 0, PROMPTS[prompt[i]], "2024-01-01") for i in range(n)))
            turn_ids = dict(Turn.objects.filter(battle__arena=arena).values_list("battle_id", "id"))
            counted = [None if options["without_style_counts"] else json.dumps(style_counts(t))
                       for t in ANSWERS]
            _copy(Generation,
                  ["turn_id", "side", "text", "reasoning", "style_counts", "status", "error",
                   "started_at"],
                  ((turn_ids[battle_ids[i]], side, ANSWERS[answer[i]], "", counted[answer[i]],
                    "done", "", "2024-01-01")
                   for i in range(n) for side, answer in (("a", answer_a), ("b", answer_b))))
            _copy(Vote,
                  ["battle_id", "annotator_id", "choice", "rationale", "idempotency_key",
                   "is_valid", "created_at"],
                  ((battle_ids[i], annotator.id, choices[i], "", f"bench-{battle_ids[i].hex}",
                    True, "2024-01-01") for i in range(n)))
        # VACUUM as well as ANALYZE: the first read of freshly COPY-loaded rows sets their
        # hint bits and writes every page back, a one-off cost that a settled table never pays
        # and that would otherwise be charged to the recompute.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        load = time.perf_counter() - started
        self.stdout.write(f"loaded {n:,} votes, {k} contenders in {load:.1f}s (COPY)")
        started = time.perf_counter()
        written = ranking_rows_fill(arena_id=arena.id)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE leaderboard_rankingrow")
        self.stdout.write(f"backfilled {written:,} ranking rows in "
                          f"{time.perf_counter() - started:.1f}s (one-off)")
        if options["load_only"]:
            self.stdout.write(f"arena {arena.slug}")
            return

        if options["explain"]:
            sql, params = _query(full_prompt=False)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{QUERY_WORK_MEM}'")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, [arena.id, "anonymous", [], [], *params])
                self.stdout.write("\n".join(row[0] for row in cursor.fetchall()))

        started = time.perf_counter()
        battles = BattleSet.from_indices([str(i) for i in range(k)], a, b, outcome)
        rank_battles(battles)
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        report = leaderboard_recompute(arena_id=arena.id)
        total = time.perf_counter() - started
        self.stdout.write(
            f"recompute: {total:.2f}s for {report.num_votes:,} votes, {report.snapshots} snapshots "
            f"({len(report.categories)} categories x plain/style)"
        )
        for part, seconds in report.seconds.items():
            self.stdout.write(f"  {part:<9} {seconds:7.2f}s  {seconds / total:6.1%}")
        self.stdout.write(
            f"baseline (engine only, overall plain fit from memory): {baseline:.2f}s; "
            f"full recompute = {total / baseline:.1f}x baseline"
        )

    def _rows_only(self, arena: Arena, a: np.ndarray, b: np.ndarray, outcome: np.ndarray,
                   rng: np.random.Generator, annotator: uuid.UUID) -> None:
        """Ranking rows straight in, numbered past every stored vote (no vote behind them, so
        the load runs with triggers and foreign keys off: session_replication_role)."""
        n = len(outcome)
        style = rng.integers(0, 400, (n, 2)), rng.integers(0, 4, (n, 2))
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {Vote._meta.db_table}")
            first = int(cursor.fetchone()[0]) + 1_000_000_000
            _copy(RankingRow,
                  ["vote_id", "arena_id", "anonymous", "is_valid", "contender_a", "contender_b",
                   "outcome", "flags", "tag_flags", "weight", "annotator", "style_a", "style_b"],
                  ((first + i, arena.id, True, True, int(a[i]), int(b[i]), int(outcome[i]),
                    int(i % 3 == 0), 0, 1.0, annotator,
                    [int(style[0][i, 0]), int(style[1][i, 0]), 0, 0],
                    [int(style[0][i, 1]), int(style[1][i, 1]), 0, 0]) for i in range(n)))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE leaderboard_rankingrow")
        self.stdout.write(f"loaded {n:,} ranking rows in {time.perf_counter() - started:.1f}s "
                          f"(COPY, no votes behind them); arena {arena.slug}")

    def _measure(self, arena: Arena) -> None:
        """Item by item, in one process: a bare binary COPY of the ranking columns, the same
        COPY parsed into numpy, then the whole recompute; ratios of the three."""
        bare, loads = [], []
        for _ in range(3):  # interleaved, the fastest of each: the machine is shared
            started = time.perf_counter()
            size = 0
            with connection.cursor() as cursor, cursor.cursor.copy(copy_sql(arena.id)) as copy:
                for data in copy:
                    size += len(data)
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            columns = ranking_columns_load(arena_id=arena.id)
            loads.append(time.perf_counter() - started)
            del columns
        started = time.perf_counter()
        report = leaderboard_recompute(arena_id=arena.id)
        total = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        fit = report.seconds["fit"]
        self.stdout.write(
            f"recompute: {total:.2f}s for {report.num_votes:,} votes, {report.snapshots} "
            f"snapshots ({len(report.categories)} categories x plain/style)"
        )
        for part, seconds in report.seconds.items():
            self.stdout.write(f"  {part:<9} {seconds:7.2f}s  {seconds / total:6.1%}")
        self.stdout.write(f"bare binary COPY of the columns: {min(bare):.2f}s ({size / 2**20:.0f} MiB)")
        self.stdout.write(f"columns read into numpy:         {min(loads):.2f}s "
                          f"= {min(loads) / min(bare):.2f}x the bare COPY (target <= 1.5x)")
        self.stdout.write(f"whole recompute / its fits:      {total / fit:.2f}x (target <= 2x)")
        self.stdout.write(f"plain boards stored after:       {report.plain_stored_after_s:.2f}s "
                          f"of the run (what a new vote waits for, beside the debounce)")
        self.stdout.write(f"peak memory of this process:     {peak:.2f} GiB (target < 4 GiB at 10M)")
