"""Study slot assignment under many concurrent annotators, on the real PostgreSQL.

    .venv/bin/python bench/study_assignment.py [--items 300] [--overlap 3] [--annotators 32]

Each annotator is a thread with its own database connection that claims an item
(`SELECT … FOR UPDATE SKIP LOCKED`), judges it and asks again until nothing is left for them.
The baseline is the same work done by one annotator thread at a time, measured in the same run
on a second study of the same size. It prints assignments per second for both, their ratio, and
checks the invariants: every slot filled once, no item over r, no annotator twice on an item.
Exits non-zero on an over-filled slot.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter
from typing import Any

from _stack import stack  # bench/ is on sys.path as the script's folder


def _study(items: int, overlap: int, label: str) -> object:
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
                                 overlap=overlap, state=StudyState.OPEN)
    rows = StudyItem.objects.bulk_create(
        StudyItem(study=study, position=n, text=f"prompt {n}", state=ItemState.READY)
        for n in range(items))
    StudyCandidate.objects.bulk_create(
        StudyCandidate(item=item, position=i, contender=c, text="answer")
        for item in rows for i, c in enumerate(contenders))
    StudySlot.objects.bulk_create(StudySlot(item=item, study=study, index=i)
                                  for item in rows for i in range(overlap))
    return study


def _run(study: object, annotators: list[object], concurrent: bool) -> tuple[int, float, int]:
    from django.db import connection

    from studies.services.assignment import slot_claim
    from studies.services.judgement import judgement_submit

    claimed = Counter[int]()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(annotator: object) -> None:
        try:
            while True:
                slot = slot_claim(study=study, annotator=annotator)  # type: ignore[arg-type]
                if slot is None:
                    return
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--annotators", type=int, default=32)
    args = parser.parse_args()
    # One pooled connection per annotator thread, as many web processes would hold between them.
    os.environ["DATABASE_POOL_MAX_SIZE"] = str(args.annotators + 4)
    os.environ["DATABASE_POOL_TIMEOUT"] = "30"
    with stack():
        from annotators.models import Annotator

        def people() -> list[object]:
            return [Annotator.objects.create(consent_version=1) for _ in range(args.annotators)]

        results = {}
        for label, concurrent in (("sequential", False), ("concurrent", True)):
            study = _study(args.items, args.overlap, label)
            done, elapsed, _ = _run(study, people(), concurrent)
            over = _overfilled(study, args.overlap)
            results[label] = (done, elapsed, over)
            print(f"{label:>10}: {done} assignments (claim + judgement) in {elapsed:.2f} s = "
                  f"{done / elapsed:.0f}/s; slots expected {args.items * args.overlap}; "
                  f"over-filled: {over}")
        ratio = (results["concurrent"][0] / results["concurrent"][1]) / (
            results["sequential"][0] / results["sequential"][1])
        print(f"{args.annotators} concurrent annotators vs one at a time: {ratio:.2f}x")
        bad = [label for label, (done, _, over) in results.items()
               if over or done != args.items * args.overlap]
        if bad:
            print(f"FAILED: over-filled or unfilled slots in {', '.join(bad)}")
            return 1
        print("OK: every slot filled exactly once, none over-filled, no annotator twice on an item")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
