"""The `language` column: a label only when the detector is sure, so a wrong label is rarer than
no label; code and maths get none."""

from __future__ import annotations

import json

import pytest

from releases.language import language_detect
from releases.models import ReleasePolicy
from releases.services import release_build, releases_root
from tests.factories import arena_create, contender_create
from tests.releases.conftest import battle_voted, person
from tests.releases.language_corpus import LABELLED, UNLABELLED


def test_a_wrong_label_is_rarer_than_no_label_on_short_chat() -> None:
    found = [(lang, language_detect(text)[0]) for lang, texts in LABELLED.items() for text in texts]
    right = sum(1 for lang, code in found if code == lang)
    wrong = sum(1 for lang, code in found if code is not None and code != lang)
    unsure = len(found) - right - wrong
    assert wrong < unsure and wrong <= len(found) // 50
    assert right >= 0.7 * len(found)
    assert [text for text in UNLABELLED if language_detect(text)[0] is not None] == []


@pytest.mark.django_db
def test_the_release_labels_each_conversation_or_leaves_it_null() -> None:
    arena = arena_create()
    a, b = contender_create(arena=arena), contender_create(arena=arena)
    policy = ReleasePolicy.objects.create(arena=arena, max_per_prompt=0)
    for days_ago, prompt in [(30, "Pourquoi le ciel est-il bleu ?"), (29, "x = [i**2 for i in range(10)]")]:
        battle_voted(arena=arena, annotator=person(), a=a, b=b, prompt=prompt, days_ago=days_ago)
    directory = releases_root() / release_build(policy=policy).directory
    rows = [json.loads(line) for line in (directory / "battles.jsonl").read_text().splitlines()]
    assert [row["language"] for row in rows] == ["fr", None]
