"""`make run` shows all four kinds of arena, each with at least four offline demo contenders
that actually answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from annotators.models import Annotator
from battles.modalities import modalities
from battles.models import Arena
from tests.battles.modality_helpers import (
    db,
    play,
    private_media_root,  # noqa: F401
)
from tests.factories import annotator_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def _private_var_dir(settings: Any, tmp_path: Path) -> None:
    """seed_demo writes the admin password under VAR_DIR; keep the developer's file intact."""
    settings.VAR_DIR = tmp_path


PROMPTS: dict[str, str] = {
    "text": "Explain TCP",
    "search": "Why do bees swarm?",
    "image": "a red lighthouse at sunset",
    "music": "a calm instrumental piano tune, 3 seconds",
}


def test_it_seeds_one_arena_of_each_kind_idempotently() -> None:
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    arenas = {a.modality: a for a in Arena.objects.all()}
    assert set(arenas) == set(modalities())
    for arena in arenas.values():
        assert arena.contenders.count() >= 4
        assert all(c.is_demo for c in arena.contenders.all())


@pytest.mark.parametrize("modality", list(PROMPTS))
@pytest.mark.usefixtures("sides_worker")
async def test_every_seeded_arena_plays_a_battle(modality: str) -> None:
    def setup() -> tuple[Annotator, str]:
        call_command("seed_demo", verbosity=0)
        return annotator_create(), Arena.objects.get(modality=modality).slug

    alice, slug = await db(setup)
    messages = await play(alice, {"arena": slug, "prompt": PROMPTS[modality]})
    assert messages[-1]["type"] == "turn_done", messages[-1]
    assert messages[-1]["can_vote"] is True
