"""Release build and verify at volume: the real Chatbot Arena votes (`../shared/data`, 1.67M
battles as pair counts) imported into an arena with release consent, then

- baseline: a bare ``COPY (SELECT the same columns) TO STDOUT`` written with pyarrow's
  ParquetWriter in 1,000-row batches (no redaction, no pseudonyms, no JSONL, no leaderboard);
- prepare: ``release_rows_prepare``, what the ``releases.prepare_rows`` beat task does as votes
  come in: each battle's release row made once (redaction, pseudonyms, language, style) and
  stored (``releases.fragments``);
- build: ``release_build`` on the prepared rows (the cap, demographics, names and tags spliced in,
  Parquet + JSONL + FastChat, leaderboard, archive, manifest);
- verify: ``releases.verify`` on the result.

"cold build" adds prepare and build: a build with nothing prepared, as the first one after an
upgrade that changes the row code.

Each phase runs in a forked child so its peak RSS (``ru_maxrss``) is its own; the start RSS is
what the child inherited. Prompts and answers are synthetic (the pair counts carry no text),
~0.8 kB per battle, with names, emails and phone numbers planted in 1 battle in 50.

    python bench/release.py --fraction 0.06     # ~100k battles; 1.0 for all 1.67M
    python bench/release.py --fraction 1.0 --pairs 2   # and two more (bare, build) pairs

With ``--pairs N``, N more bare and build phases run after verify, alternately, on the same
database, each build paired with the bare write just before it: on a shared machine the speed
drifts by tens of percent over an hour-long run, and a ratio is only fair between neighbours.
    python bench/release.py --fraction 0.012 --profile build.prof   # and where a build's time goes

With ``--profile``, one more build runs under cProfile after the measured ones (the profiler
slows it, so its time is not the build's); the functions with the most own and cumulative time
are printed and the stats saved for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _stack import stack

# The shared data folder sits beside the project's checkout.
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "chatbotarena_20240814_pair_counts.json"
ANSWER = ("Here is a careful answer in 3 steps. First, consider the definitions involved and the usual "
          "assumptions; then work through the steps one at a time, checking each result. "
          "In code: def solve(x):\n    return sorted(set(x))\nFinally, summarise. ") * 2
PII = " By the way, I'm Maria Garcia, write to maria.garcia@example.com or call +33 1 23 45 67 89."
CHOICES = ("a", "b", "tie", "both_bad")


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _child(target: Callable[[], Any], queue: Any) -> None:
    start = _rss_kib()
    began = time.perf_counter()
    result = target()
    queue.put({"seconds": time.perf_counter() - began, "start_mib": start / 1024,
               "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               "result": result})


def measured(target: Callable[[], Any]) -> dict[str, Any]:
    """Run `target` in a forked child; its wall time, start and peak RSS, and return value."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(target, queue))
    process.start()
    while True:
        try:
            out = queue.get(timeout=5)
            break
        except Exception:  # queue.Empty: still running, or died without a result
            if not process.is_alive():
                raise RuntimeError(f"the measured child exited with {process.exitcode}") from None
    process.join()
    return dict(out)


def import_votes(fraction: float, seed: int = 0) -> tuple[int, int]:
    """The pair counts expanded into voted battles (one turn, two answers, a vote each)."""
    from django.db import connection

    from annotators.models import Annotator
    from battles.models import Arena, Battle, BattleState, Contender, Generation, Turn, Vote
    from releases.models import ReleasePolicy

    data = json.loads(DATA.read_text())
    rng = random.Random(seed)
    arena = Arena.objects.create(slug="chatbot-arena", name="Chatbot Arena", modality="text")
    contenders = [
        Contender.objects.create(arena=arena, slug=f"m{k}", name=name, provider_kind="demo_text")
        for k, name in enumerate(data["models"])
    ]
    people = Annotator.objects.bulk_create(
        [Annotator(consent_version=1, release_consent=True) for _ in range(20_000)]
    )
    pending: list[tuple[int, int, str]] = []
    for (i, j), counts in zip(data["X"], data["Y"], strict=True):
        for choice, n in zip(CHOICES, counts, strict=True):
            kept = sum(rng.random() < fraction for _ in range(n)) if fraction < 1 else n
            pending += [(i, j, choice)] * kept
    rng.shuffle(pending)
    for start in range(0, len(pending), 5000):
        chunk = pending[start:start + 5000]
        battles = Battle.objects.bulk_create([
            Battle(arena=arena, annotator=people[(start + k) % len(people)], mode="anonymous",
                   contender_a=contenders[i], contender_b=contenders[j], state=BattleState.VOTED)
            for k, (i, j, _c) in enumerate(chunk)
        ])
        turns = Turn.objects.bulk_create([
            Turn(battle=b, index=0, prompt=f"Question {(start + k) % 40_000}: explain topic {k}."
                 + (PII if (start + k) % 50 == 0 else ""))
            for k, b in enumerate(battles)
        ])
        Generation.objects.bulk_create(
            [Generation(turn=t, side=s, text=ANSWER, status="done") for t in turns for s in "ab"]
        )
        Vote.objects.bulk_create([
            Vote(battle=b, annotator=b.annotator, choice=c, idempotency_key=f"bench-{start + k}")
            for k, (b, (_i, _j, c)) in enumerate(zip(battles, chunk, strict=True))
        ])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE battles_vote SET created_at = TIMESTAMPTZ '2024-01-01 00:00:00+00' "
                       "+ id * INTERVAL '3 seconds'")
        cursor.execute("UPDATE battles_battle b SET created_at = v.created_at - INTERVAL '2 minutes' "
                       "FROM battles_vote v WHERE v.battle_id = b.id")
        cursor.execute("ANALYZE")
    ReleasePolicy.objects.create(arena=arena, delay_days=7, max_per_prompt=20, k_anonymity=10)
    return arena.id, len(pending)


BARE = """
COPY (SELECT b.id::text, a.slug, ca.slug, cb.slug, ca.name, cb.name, v.choice,
             v.annotator_id::text, extract(epoch FROM v.created_at)::bigint, t.prompt, ga.text, gb.text
      FROM battles_battle b JOIN battles_arena a ON a.id = b.arena_id
      JOIN battles_contender ca ON ca.id = b.contender_a_id
      JOIN battles_contender cb ON cb.id = b.contender_b_id
      JOIN battles_vote v ON v.battle_id = b.id
      JOIN battles_turn t ON t.battle_id = b.id AND t.index = 0
      JOIN battles_generation ga ON ga.turn_id = t.id AND ga.side = 'a'
      JOIN battles_generation gb ON gb.turn_id = t.id AND gb.side = 'b'
      WHERE b.arena_id = {arena} ORDER BY v.created_at) TO STDOUT
"""
BARE_NAMES = ["id", "arena", "model_a", "model_b", "model_a_name", "model_b_name", "winner",
              "judge", "tstamp", "prompt", "answer_a", "answer_b"]


def bare_copy(arena_id: int, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    schema = pa.schema([(n, pa.int64() if n == "tstamp" else pa.string()) for n in BARE_NAMES])
    connection.ensure_connection()
    raw = connection.connection
    rows = 0
    with (pq.ParquetWriter(path, schema, compression="zstd") as writer, raw.cursor() as cursor,
          cursor.copy(BARE.format(arena=int(arena_id))) as copy):
        copy.set_types(["text"] * 8 + ["int8"] + ["text"] * 3)
        batch: list[tuple[Any, ...]] = []
        for row in copy.rows():
            batch.append(row)
            if len(batch) == 1000:
                writer.write_batch(pa.RecordBatch.from_pylist(
                    [dict(zip(BARE_NAMES, r, strict=True)) for r in batch], schema=schema))
                rows += len(batch)
                batch = []
        if batch:
            writer.write_batch(pa.RecordBatch.from_pylist(
                [dict(zip(BARE_NAMES, r, strict=True)) for r in batch], schema=schema))
            rows += len(batch)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fraction", type=float, default=0.06)
    parser.add_argument("--profile", type=Path, help="also profile one build; stats to this file")
    parser.add_argument("--pairs", type=int, default=0, help="then N more (bare, build) pairs")
    args = parser.parse_args()
    import os

    os.environ.setdefault("RELEASE_PSEUDONYM_SECRET", "bench-secret")
    with stack() as var_dir:
        from django.conf import settings

        settings.RELEASE_PSEUDONYM_SECRET = "bench-secret"
        settings.RELEASES_ROOT = var_dir / "releases"
        began = time.perf_counter()
        arena_id, battles = import_votes(args.fraction)
        print(f"imported {battles:,} battles ({args.fraction:.0%} of the real votes) "
              f"in {time.perf_counter() - began:.0f} s")

        bare = measured(lambda: bare_copy(arena_id, var_dir / "bare.parquet"))

        def prepare() -> int:
            from releases.services import release_rows_prepare

            return release_rows_prepare(now=datetime(2030, 1, 1, tzinfo=UTC), limit=10**9)

        prepared = measured(prepare)

        def build() -> str:
            from releases.models import ReleasePolicy
            from releases.services import release_build, releases_root

            release = release_build(policy=ReleasePolicy.objects.get(arena_id=arena_id),
                                    now=datetime(2030, 1, 1, tzinfo=UTC))
            return str(releases_root() / release.directory)

        built = measured(build)

        def verify() -> int:
            from releases.verify import release_verify

            failures = release_verify(Path(built["result"]))
            for line in failures[:5]:
                print("  verify:", line)
            return len(failures)

        checked = measured(verify)
        rows = json.loads((Path(built["result"]) / "manifest.json").read_text())["counts"]["battles"]
        print(f"{'phase':<8}{'rows':>10}{'seconds':>9}{'rows/s':>9}{'start MiB':>11}{'peak MiB':>10}")
        for name, run, n in (("bare", bare, bare["result"]), ("prepare", prepared, prepared["result"]),
                             ("build", built, rows), ("verify", checked, rows)):
            print(f"{name:<8}{n:>10,}{run['seconds']:>9.1f}{n / run['seconds']:>9,.0f}"
                  f"{run['start_mib']:>11.0f}{run['peak_mib']:>10.0f}")
        per_battle = prepared["seconds"] / max(1, prepared["result"]) * 1e6
        print(f"prepare (once per battle, ahead of builds): {per_battle:.0f} µs a battle; "
              f"cold build (prepare + build) / bare: "
              f"{(prepared['seconds'] + built['seconds']) / bare['seconds']:.1f}x")
        print(f"build / bare time: {built['seconds'] / bare['seconds']:.1f}x; "
              f"peak RSS build {built['peak_mib']:.0f} MiB, verify {checked['peak_mib']:.0f} MiB; "
              f"verify failures: {checked['result']}")
        if args.pairs:
            pairs(args.pairs, arena_id, var_dir, build)
        if args.profile:
            measured(lambda: profiled(build, args.profile))
    return 0


def pairs(count: int, arena_id: int, var_dir: Path, build: Callable[[], str]) -> None:
    """`count` more (bare, build) pairs on the same database; each ratio is between neighbours."""
    from releases.models import Release
    from releases.services import release_discard

    ratios = []
    for n in range(1, count + 1):
        for draft in Release.objects.filter(state="draft"):
            release_discard(release=draft)  # each build writes a new draft beside the others
        bare = measured(lambda: bare_copy(arena_id, var_dir / "bare.parquet"))
        built = measured(build)
        ratios.append(built["seconds"] / bare["seconds"])
        print(f"pair {n}: bare {bare['seconds']:.1f} s, build {built['seconds']:.1f} s "
              f"(peak {built['peak_mib']:.0f} MiB): {ratios[-1]:.2f}x")
    print(f"build / bare over {count} pair(s): median {sorted(ratios)[len(ratios) // 2]:.2f}x, "
          f"worst {max(ratios):.2f}x")


def profiled(target: Callable[[], Any], path: Path) -> None:
    """Run `target` under cProfile; print where the time went, keep the stats in `path`."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(target)
    profile.dump_stats(path)
    stats = pstats.Stats(profile, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    sys.exit(main())
