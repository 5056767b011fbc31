"""Vote-to-leaderboard latency against a running server (`make run`).

    # 1. with the server stopped: an arena with N votes, and K battles ready for a vote
    ARENA_VAR_DIR=/tmp/lat .venv/bin/python bench/vote_latency.py prepare --votes 1000000 \
        --battles 30 --plan /tmp/lat/plan.json      # or --arena SLUG: an arena loaded before
    # 2. the server, as `make run` starts it (web, Celery worker and beat)
    ARENA_VAR_DIR=/tmp/lat PORT=8123 .venv/bin/python -m arena.launcher run
    # 3. one vote at a time: cast it, poll the overall board's JSON until it counts the vote
    .venv/bin/python bench/vote_latency.py measure --base http://127.0.0.1:8123 \
        --plan /tmp/lat/plan.json [--gap 1]

Prints p50 / p90 / max of the time from the vote's response to the first leaderboard JSON
with one more vote in it (polled every 0.2 s), against the 10 s target.
The plan holds annotator cookies signed with the var dir's secret key: prepare and run must
share ARENA_VAR_DIR and SECRET_KEY.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def prepare(args: argparse.Namespace) -> int:
    """Load the votes (bench_recompute's COPY loader) and battles ready for a vote."""
    sys.path.insert(0, str(ROOT))
    from arena.launcher.__main__ import _dev_secrets, servers

    var_dir = Path(os.environ["ARENA_VAR_DIR"])
    var_dir.mkdir(parents=True, exist_ok=True)
    _dev_secrets(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "arena.settings"
    with servers(var_dir, persistent=True):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("seed_demo")  # what `make run` does first; done here so it adds no time there
        from annotators.cookies import annotator_cookie_value
        from annotators.models import Annotator, TermsVersion
        from battles.models import Arena, Battle, BattleState, Contender, Generation, Turn

        slug = args.arena
        if not slug:
            started = time.perf_counter()
            call_command("bench_recompute", "--load-only", "--votes", str(args.votes))
            slug = Arena.objects.filter(slug__startswith="bench-").latest("id").slug
            print(f"loaded {args.votes:,} votes in {time.perf_counter() - started:.0f}s")
        arena = Arena.objects.get(slug=slug)
        terms = TermsVersion.objects.order_by("-version").first() or TermsVersion.objects.create(
            version=1, body="Bench.")
        a, b = list(Contender.objects.filter(arena=arena).order_by("id")[:2])
        annotators = Annotator.objects.bulk_create(
            [Annotator(consent_version=terms.version) for _ in range(args.battles)])
        battles = Battle.objects.bulk_create([
            Battle(arena=arena, annotator=annotator, mode="anonymous", contender_a=a,
                   contender_b=b, state=BattleState.READY)
            for annotator in annotators
        ])
        turns = Turn.objects.bulk_create([Turn(battle=battle, index=0, prompt="Hi")
                                          for battle in battles])
        Generation.objects.bulk_create([Generation(turn=turn, side=side, text="Answer", status="done")
                                        for turn in turns for side in ("a", "b")])
        plan = {"arena": slug, "battles": [[str(battle.id), annotator_cookie_value(battle.annotator_id)]
                                           for battle in battles]}
    Path(args.plan).write_text(json.dumps(plan))
    print(f"arena {slug}: {len(plan['battles'])} battles ready; plan in {args.plan}")
    return 0


def _num_votes(client: httpx.Client, slug: str) -> int:
    response = client.get(f"/api/arenas/{slug}/leaderboard")
    return int(response.json()["num_votes"]) if response.status_code == 200 else -1


def measure(args: argparse.Namespace) -> int:
    plan = json.loads(Path(args.plan).read_text())
    slug = plan["arena"]
    csrf = secrets.token_hex(32)
    latencies: list[float] = []
    with httpx.Client(base_url=args.base, timeout=30) as client:
        # With no board yet (a fresh load), the first vote's time includes the first-ever run.
        print(f"board counts {_num_votes(client, slug):,} votes before the first measured one "
              "(-1: no board yet)")
        for battle_id, cookie in plan["battles"]:
            before = _num_votes(client, slug)
            response = client.post(
                f"/api/battles/{battle_id}/vote",
                json={"choice": "a", "idempotency_key": uuid.uuid4().hex},
                headers={"X-CSRFToken": csrf, "Cookie": f"arena_annotator={cookie}; csrftoken={csrf}"},
            )
            if response.status_code != 200:
                print(f"vote refused: {response.status_code} {response.text[:200]}")
                return 1
            voted = time.monotonic()
            while (seen := _num_votes(client, slug)) <= before:
                if time.monotonic() - voted > args.timeout:
                    print(f"vote not on the board after {args.timeout}s; stopping")
                    break
                time.sleep(args.poll)
            else:
                latencies.append(time.monotonic() - voted)
                print(f"vote {len(latencies):3d}: on the board after {latencies[-1]:.2f}s "
                      f"({seen:,} votes)", flush=True)
            time.sleep(args.gap)
    if not latencies:
        return 1
    print(f"votes measured: {len(latencies)}; latency p50 {_percentile(latencies, 50):.2f}s, "
          f"p90 {_percentile(latencies, 90):.2f}s, max {max(latencies):.2f}s "
          f"(target 10 s; debounce window {os.environ.get('ARENA_RECOMPUTE_DEBOUNCE_SECONDS', '2')} s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare")
    p.add_argument("--votes", type=int, default=1_000_000)
    p.add_argument("--arena", help="an arena loaded before (skip loading votes)")
    p.add_argument("--battles", type=int, default=30)
    p.add_argument("--plan", required=True)
    m = commands.add_parser("measure")
    m.add_argument("--base", required=True)
    m.add_argument("--plan", required=True)
    m.add_argument("--poll", type=float, default=0.2)
    m.add_argument("--gap", type=float, default=1.0, help="seconds between measured votes")
    m.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else measure(args)


if __name__ == "__main__":
    raise SystemExit(main())
