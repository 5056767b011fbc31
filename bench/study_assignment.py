"""Study slot assignment under many concurrent annotators, on the real PostgreSQL.

    .venv/bin/python bench/study_assignment.py [--items 300] [--overlap 3] [--annotators 32]

Each annotator is a thread with its own database connection that claims an item
(`SELECT … FOR UPDATE SKIP LOCKED`), judges it and asks again until nothing is left for them.
The baseline is the same work done by one annotator thread at a time, measured in the same run
on a second study of the same size. It prints assignments per second for both, their ratio, and
checks the invariants: every slot filled once, no item over r, no annotator twice on an item.

A third study of the same size has demographic targets (`studies.targets`: a young study holds
back part of each item's slots for groups below target) and a per-annotator quota, judged by
the same annotators at once. The annotators state varied demographics, some without opting in
to share them. Besides the invariants above it checks that no annotator outside a target group
(by the bench's own reading of their opt-in and fields) took a held-back slot, that no item ever
held back all its slots, and that nobody went over the quota; it prints the target groups'
share of the first half of the judgements beside their share of the annotators, and the
throughput against the untargeted concurrent run.

Exits non-zero on an over-filled slot or a broken target rule.
"""

from __future__ import annotations

import argparse
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _stack import stack  # bench/ is on sys.path as the script's folder

TARGETS = {"age_band": {"18-24": 0.3}, "country": {"BR": 0.2}}
AGE_BANDS = ("25-34", "35-44", "45-54", "55-64", "65+")
COUNTRIES = ("DE", "US", "IN", "FR", "JP")


def _demographics(n: int) -> dict[str, Any]:
    """Annotator n's stated fields: few 18-24s and few from Brazil (below the targets), one in
    five not sharing (their fields must not count)."""
    return {
        "demographics_opt_in": n % 5 != 4,
        "age_band": "18-24" if n % 8 == 0 else AGE_BANDS[n % len(AGE_BANDS)],
        "country": "BR" if n % 11 == 0 else COUNTRIES[n % len(COUNTRIES)],
        "languages": ["en", ("pt", "de", "hi")[n % 3]],
    }


def _in_target_group(person: dict[str, Any]) -> bool:
    """Independent of studies.targets: shared (opted in) and one of the targeted values."""
    return bool(person["demographics_opt_in"]) and any(
        person.get(dimension) in shares for dimension, shares in TARGETS.items())


def _study(items: int, overlap: int, label: str, **fields: Any) -> object:
    from battles.models import Arena, Contender
    from studies.models import (
        ItemState,
        Study,
        StudyCandidate,
        StudyItem,
        StudySlot,
        StudyState,
    )

    arena = Arena.objects.create(slug=f"bench-{label}", name=label, modality="text")
    contenders = [Contender.objects.create(arena=arena, slug=f"c{i}", name=f"C{i}",
                                           provider_kind="demo_text") for i in range(2)]
    study = Study.objects.create(slug=f"bench-{label}", title=label, arena=arena, k=2,
                                 overlap=overlap, state=StudyState.OPEN, **fields)
    rows = StudyItem.objects.bulk_create(
        StudyItem(study=study, position=n, text=f"prompt {n}", state=ItemState.READY)
        for n in range(items))
    StudyCandidate.objects.bulk_create(
        StudyCandidate(item=item, position=i, contender=c, text="answer")
        for item in rows for i, c in enumerate(contenders))
    StudySlot.objects.bulk_create(StudySlot(item=item, study=study, index=i)
                                  for item in rows for i in range(overlap))
    return study


@dataclass
class Claims:
    """What the targeted run saw: each claim's slot index and the steering it was made under
    (slots held back per item, whether this annotator could take them), per annotator."""

    steering: threading.local = field(default_factory=threading.local)
    seen: list[tuple[Any, int, int, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, annotator: Any, index: int) -> None:
        reserved, may_take = getattr(self.steering, "last", (0, True))
        with self.lock:
            self.seen.append((annotator.pk, index, reserved, may_take))


def _steering_recorded(claims: Claims) -> Callable[[], None]:
    """Wrap the claim's steering read so the bench knows what each claim was allowed; returns
    the undo. The claim looks `_steering` up in its module at each call."""
    from studies.services import assignment

    original = assignment._steering

    def recording(*, study: Any, annotator: Any) -> tuple[int, bool]:
        decided = original(study=study, annotator=annotator)
        claims.steering.last = decided
        return decided

    assignment._steering = recording

    def undo() -> None:
        assignment._steering = original

    return undo


def _run(study: object, annotators: list[object], concurrent: bool,
         claims: Claims | None = None) -> tuple[int, float, int]:
    from django.db import connection

    from studies.services.assignment import QuotaReached, slot_claim
    from studies.services.judgement import judgement_submit

    claimed = Counter[int]()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(annotator: object) -> None:
        try:
            while True:
                try:
                    slot = slot_claim(study=study, annotator=annotator)  # type: ignore[arg-type]
                except QuotaReached:
                    return
                if slot is None:
                    return
                if claims is not None:
                    claims.record(annotator, slot.index)
                judgement_submit(slot_id=slot.pk, annotator=annotator,  # type: ignore[arg-type]
                                 ranking=[0])
                with lock:
                    claimed[0] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    start = time.perf_counter()
    if concurrent:
        threads = [threading.Thread(target=work, args=(a,)) for a in annotators]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        # One at a time, in a thread of its own so each gets its own connection like above.
        for annotator in annotators:
            thread = threading.Thread(target=work, args=(annotator,))
            thread.start()
            thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return claimed[0], elapsed, len(errors)


def _overfilled(study: Any, overlap: int) -> int:
    from studies.models import SlotState, StudySlot

    done = StudySlot.objects.filter(study=study, state=SlotState.DONE)
    per_item = Counter(done.values_list("item_id", flat=True))
    pairs = list(done.values_list("item_id", "annotator_id"))
    return sum(1 for n in per_item.values() if n > overlap) + (len(pairs) - len(set(pairs)))


def _targets_checked(study: Any, claims: Claims, people: dict[Any, dict[str, Any]],
                     overlap: int, quota: int) -> list[str]:
    """The target rules, from the recorded claims and the stored judgements; prints the shares."""
    from studies.models import Judgement
    from studies.targets import reserved_slots

    problems = []
    bound = reserved_slots(overlap=overlap, below={(d, v): share for d, shares in TARGETS.items()
                                                    for v, share in shares.items()})
    held_back = [(pk, index, reserved) for pk, index, reserved, _ in claims.seen
                 if reserved and index >= overlap - reserved]
    outsiders = [pk for pk, _, _ in held_back if not _in_target_group(people[pk])]
    most_reserved = max((reserved for _, _, reserved, _ in claims.seen), default=0)
    per_person = Counter(pk for pk, _, _, _ in claims.seen)
    print(f"  held-back slot claims: {len(held_back)}, by annotators outside a target group: "
          f"{len(outsiders)}; most slots held back on an item: {most_reserved} of {overlap} "
          f"(the targets allow {bound}); "
          f"most items per annotator: {max(per_person.values(), default=0)} (quota {quota})")
    if outsiders:
        problems.append(f"{len(outsiders)} held-back slots went to annotators outside the targets")
    if most_reserved > bound or most_reserved >= overlap:
        problems.append(f"an item held back {most_reserved} slots (allowed: {bound} of {overlap})")
    if max(per_person.values(), default=0) > quota:
        problems.append("an annotator went over the study's quota")
    ordered = list(Judgement.objects.filter(study=study).order_by("created_at", "pk")
                   .values_list("annotator_id", flat=True))
    first_half = ordered[: len(ordered) // 2]
    for dimension, shares in TARGETS.items():
        for value, share in shares.items():
            members = {pk for pk, p in people.items()
                       if p["demographics_opt_in"] and p.get(dimension) == value}
            of_people = len(members) / len(people)
            of_first_half = sum(1 for pk in first_half if pk in members) / max(len(first_half), 1)
            # Every annotator works from the start here, so a group's share of the annotators
            # is fixed and steering cannot raise it; what it does is keep a seat on each item
            # for the group while the study is young.
            print(f"  {dimension}={value}: target {share:.0%} of the annotators, {of_people:.0%} "
                  f"of them in the group (shared, opted in); the group did {of_first_half:.0%} of "
                  f"the first half of the judgements")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=300, help="items per study (300)")
    parser.add_argument("--overlap", type=int, default=3, help="annotators per item, r (3)")
    parser.add_argument("--annotators", type=int, default=32,
                        help="annotators, each a thread with its own connection (32)")
    args = parser.parse_args()
    # One pooled connection per annotator thread, as many web processes would hold between them.
    os.environ["DATABASE_POOL_MAX_SIZE"] = str(args.annotators + 4)
    os.environ["DATABASE_POOL_TIMEOUT"] = "30"
    with stack():
        from annotators.models import Annotator

        stated: dict[Any, dict[str, Any]] = {}

        def people() -> list[object]:
            made: list[object] = []
            for n in range(args.annotators):
                fields = _demographics(n)
                person = Annotator.objects.create(consent_version=1, **fields)
                stated[person.pk] = fields
                made.append(person)
            return made

        slots = args.items * args.overlap
        quota = math.ceil(1.5 * slots / args.annotators)
        results = {}
        problems: list[str] = []
        for label, concurrent, targeted in (("sequential", False, False),
                                            ("concurrent", True, False),
                                            ("targeted", True, True)):
            claims = Claims() if targeted else None
            fields = {"demographic_targets": TARGETS, "quota_per_annotator": quota} if targeted else {}
            study = _study(args.items, args.overlap, label, **fields)
            undo = _steering_recorded(claims) if claims is not None else (lambda: None)
            try:
                done, elapsed, _ = _run(study, people(), concurrent, claims)
            finally:
                undo()
            over = _overfilled(study, args.overlap)
            results[label] = (done, elapsed, over)
            print(f"{label:>10}: {done} assignments (claim + judgement) in {elapsed:.2f} s = "
                  f"{done / elapsed:.0f}/s; slots expected {slots}; over-filled: {over}")
            if claims is not None:
                problems += _targets_checked(study, claims, stated, args.overlap, quota)

        def rate(label: str) -> float:
            return results[label][0] / results[label][1]

        print(f"{args.annotators} concurrent annotators vs one at a time: "
              f"{rate('concurrent') / rate('sequential'):.2f}x")
        print(f"with demographic targets and a quota vs without: "
              f"{rate('targeted') / rate('concurrent'):.2f}x")
        bad = [label for label, (done, _, over) in results.items() if over or done != slots]
        if bad:
            problems.append(f"over-filled or unfilled slots in {', '.join(bad)}")
        if problems:
            print("FAILED: " + "; ".join(problems))
            return 1
        print("OK: every slot filled exactly once, none over-filled, no annotator twice on an "
              "item; held-back slots only to target groups, quota kept")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
