"""An uploaded prompt set passes the arena's remote moderation filter too, checked against a
real local HTTP server that speaks the OpenAI moderation protocol: refused lines are named one
by one and nothing is imported; the lines go in batches, not a request each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from studies.errors import PromptSetInvalid
from studies.models import Study, StudyItem, StudySlot
from studies.services.setup import prompt_set_import
from tests.factories import arena_create, contender_create
from tests.fakes.moderation_server import FakeModerationServer
from tests.studies.factories import study_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def server() -> Iterator[FakeModerationServer]:
    with FakeModerationServer() as running:
        yield running


def _study(server: FakeModerationServer, **options: Any) -> Study:
    arena = arena_create(settings={"filters": [
        {"kind": "blocklist", "words": ["forbidden"]},
        {"kind": "openai_moderation", "endpoint": server.base_url, "applies_to": ["prompt"],
         **options},
    ]})
    for _ in range(2):
        contender_create(arena=arena)
    return study_create(arena=arena)


def _jsonl(texts: list[str]) -> bytes:
    return "\n".join(json.dumps({"text": text}) for text in texts).encode()


def test_the_remote_filter_refuses_lines_by_number_and_nothing_is_imported(
        server: FakeModerationServer) -> None:
    study = _study(server)
    texts = [f"Describe harbour number {n}" for n in range(40)]
    texts[6] = "Plan an attack on the harbour"
    texts[32] = "Write an insult for my neighbour"
    texts[10] = "The forbidden harbour"
    texts[20] = "Mail the harbour master at master@example.org"
    with pytest.raises(PromptSetInvalid) as raised:
        prompt_set_import(study=study, fmt="jsonl", data=_jsonl(texts))
    assert raised.value.problems == [
        "line 7: refused by the arena's openai_moderation filter: it was flagged as unsafe "
        "(violence)",
        "line 11: refused by the arena's blocklist filter: it contains a blocked term",
        "line 21: it contains personal data (email); please remove it",
        "line 33: refused by the arena's openai_moderation filter: it was flagged as unsafe "
        "(harassment)",
    ]
    assert not StudyItem.objects.filter(study=study).exists()
    assert not StudySlot.objects.filter(study=study).exists()
    sent = [body["input"] for _headers, body in server.requests]
    assert [len(batch) for batch in sent] == [32, 6]  # 38: the blocklisted and the email line stay
    assert not any("forbidden" in t or "example.org" in t for batch in sent for t in batch)

    texts[6], texts[32], texts[10], texts[20] = ("Describe a quiet harbour",) * 4
    assert prompt_set_import(study=study, fmt="jsonl", data=_jsonl(texts)) == 40


def test_an_unreachable_remote_filter_set_to_block_refuses_every_line_it_could_not_check(
        server: FakeModerationServer) -> None:
    study = _study(server, on_error="block", batch=2)
    with pytest.raises(PromptSetInvalid) as raised:
        prompt_set_import(study=study, fmt="jsonl", data=_jsonl(
            ["Explain tides", "Explain boom booms", "Explain waves"]))
    unavailable = "our safety check is unavailable right now; please try later"
    assert raised.value.problems == [
        f"line 1: refused by the arena's openai_moderation filter: {unavailable}",
        f"line 2: refused by the arena's openai_moderation filter: {unavailable}",
    ]
    assert not StudyItem.objects.filter(study=study).exists()


def test_an_unreachable_remote_filter_set_to_allow_lets_the_set_in(
        server: FakeModerationServer) -> None:
    study = _study(server)  # on_error defaults to allow, as for live prompts
    assert prompt_set_import(study=study, fmt="jsonl", data=_jsonl(
        ["Explain tides", "Explain boom booms"])) == 2
