from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import IntegrityError

from moderation.models import Flag
from studies.errors import PromptSetInvalid
from studies.models import Study, StudyItem, StudySlot, StudyState
from studies.prompt_set import prompt_set_parse
from studies.services.setup import prompt_set_import
from tests.factories import arena_create, contender_create
from tests.studies.factories import study_create

pytestmark = pytest.mark.django_db


def _jsonl(*rows: object) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def _study(**fields: Any) -> Study:
    arena = arena_create()
    for _ in range(2):
        contender_create(arena=arena)
    return study_create(arena=arena, **fields)


def test_it_imports_jsonl_with_r_slots_per_item() -> None:
    study = _study(overlap=3)
    added = prompt_set_import(study=study, fmt="jsonl", data=_jsonl(
        {"text": "Explain tides", "category": "science", "language": "en"},
        {"text": "Écris un poème", "language": "fr", "gold_best": 1},
    ))
    assert added == 2
    items = list(StudyItem.objects.filter(study=study).order_by("position"))
    assert [i.text for i in items] == ["Explain tides", "Écris un poème"]
    assert items[1].is_gold and items[1].gold_best == 1 and items[0].category == "science"
    assert StudySlot.objects.filter(study=study).count() == 6
    study.refresh_from_db()
    assert study.state == StudyState.GENERATING


def test_it_imports_csv() -> None:
    study = _study()
    data = b"text,category,image\nDraw a cat,art,https://example.org/cat.png\nSay hi,,\n"
    assert prompt_set_import(study=study, fmt="csv", data=data) == 2
    assert StudyItem.objects.get(study=study, position=0).image_url.endswith("cat.png")


def test_it_names_every_bad_line_and_imports_nothing() -> None:
    study = _study()
    data = b'{"text": "fine"}\nnot json\n{"text": ""}\n{"text": "x", "colour": "red"}\n' \
           b'{"text": "y", "gold_best": 7}\n{"text": "z", "image": "file:///etc/passwd"}\n'
    with pytest.raises(PromptSetInvalid) as raised:
        prompt_set_import(study=study, fmt="jsonl", data=data)
    problems = raised.value.problems
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 5",
                                                   "line 6"]
    assert "unknown field(s) colour" in problems[2]
    assert "between 0 and 1" in problems[3]
    assert not StudyItem.objects.filter(study=study).exists()
    study.refresh_from_db()
    assert study.state == StudyState.DRAFT


def test_it_refuses_a_csv_without_text_column_and_non_utf8() -> None:
    assert prompt_set_parse(b"prompt\nhello\n", fmt="csv", k=2)[1] == [
        'the CSV has no header row with a "text" column']
    assert prompt_set_parse(b"\xff\xfe\x00", fmt="jsonl", k=2)[1] == ["the file is not UTF-8 text"]
    assert prompt_set_parse(b"", fmt="jsonl", k=2)[1] == ["the file has no prompts"]


def test_it_refuses_unknown_aspects_and_too_few_contenders() -> None:
    study = _study(k=3)
    with pytest.raises(Exception, match="at least 3 contenders"):
        prompt_set_import(study=study, fmt="jsonl", data=_jsonl({"text": "a"}))
    study = _study(aspects=["nonsense"])
    with pytest.raises(Exception, match="no aspect nonsense"):
        prompt_set_import(study=study, fmt="jsonl", data=_jsonl({"text": "a"}))
    assert not StudyItem.objects.exists()


@pytest.mark.parametrize("fields", [{"k": 5}, {"k": 1}, {"overlap": 0},
                                    {"pool": "group", "pool_group": ""}])
def test_the_database_refuses_impossible_studies(fields: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError):
        study_create(**fields)


def test_the_arenas_filters_and_the_pii_module_refuse_lines_and_flag_look_alikes() -> None:
    arena = arena_create(settings={"filters": [
        {"kind": "blocklist", "words": ["forbidden"], "message": "it names a banned topic"},
    ]})
    for _ in range(2):
        contender_create(arena=arena)
    study = study_create(arena=arena)
    data = _jsonl(
        {"text": "Explain tides"},
        {"text": "Tell me about the forbidden city"},
        {"text": "Write to bob@example.org"},
    )
    with pytest.raises(PromptSetInvalid) as raised:
        prompt_set_import(study=study, fmt="jsonl", data=data)
    assert raised.value.problems == [
        "line 2: refused by the arena's blocklist filter: it names a banned topic",
        "line 3: it contains personal data (email); please remove it",
    ]
    assert not StudyItem.objects.filter(study=study).exists()
    # A name is not a checked match: the line is imported, and moderators get a flag to look at.
    added = prompt_set_import(study=study, fmt="jsonl", data=_jsonl(
        {"text": "Explain tides"}, {"text": "Write to Maria Schmidt about the rent"}))
    assert added == 2
    flag = Flag.objects.get(source="study_prompt_set")
    assert not flag.blocked and flag.arena_id == arena.pk
    assert "line 2" in flag.detail and "name" in flag.detail
    assert "Maria Schmidt" not in flag.excerpt
