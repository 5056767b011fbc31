"""A small arena with everything a release must leave out or scrub, written straight to the DB."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from annotators.models import Annotator
from battles.models import (
    Arena,
    Battle,
    BattleMode,
    BattleState,
    Contender,
    Generation,
    GenerationStatus,
    Turn,
    Vote,
)
from releases.models import Release, ReleasePolicy
from releases.services import release_build, releases_root
from tests.factories import arena_create, contender_create

_keys = itertools.count(1)

PII_PROMPT = (
    "My name is Ada Lovelace, write to ada.lovelace@example.com or call +1 (555) 123-4567. "
    "Card 4111 1111 1111 1111, I live at 221 Baker Street, my IP is 10.20.30.40."
)
PII_ANSWER = "Hello! I'm Grace. Reach me at grace@example.org or 020 7946 0958."
# Long enough never to occur by chance inside a hex hash or checksum.
PLANTED = ["Ada", "Lovelace", "ada.lovelace@example.com", "123-4567", "4111 1111", "Baker Street",
           "10.20.30.40", "Grace", "grace@example.org", "7946 0958"]
LEFT_OUT = ["NOCONSENT-MARKER", "INVALID-MARKER", "SIDEBYSIDE-MARKER", "BANNED-MARKER",
            "SHADOW-MARKER", "DELETED-MARKER", "RECENT-MARKER"]


def person(**fields: Any) -> Annotator:
    defaults: dict[str, Any] = {"consent_version": 1, "release_consent": True}
    return Annotator.objects.create(**{**defaults, **fields})


def battle_voted(
    *, arena: Arena, annotator: Annotator, a: Contender, b: Contender, choice: str = "a",
    prompt: str = "Hello?", answers: tuple[str, str] = ("Answer a", "Answer b"),
    days_ago: float = 30, mode: str = BattleMode.ANONYMOUS, is_valid: bool = True,
    rationale: str = "",
) -> Battle:
    battle = Battle.objects.create(arena=arena, annotator=annotator, mode=mode, contender_a=a,
                                   contender_b=b, state=BattleState.VOTED)
    turn = Turn.objects.create(battle=battle, index=0, prompt=prompt)
    for side, text in zip(("a", "b"), answers, strict=True):
        Generation.objects.create(turn=turn, side=side, text=text, status=GenerationStatus.DONE)
    Vote.objects.create(battle=battle, annotator=annotator, choice=choice, is_valid=is_valid,
                        rationale=rationale, idempotency_key=f"release-test-{next(_keys)}")
    when = timezone.now() - timedelta(days=days_ago)
    Battle.objects.filter(id=battle.id).update(created_at=when)
    Vote.objects.filter(battle=battle).update(created_at=when + timedelta(minutes=2))
    return battle


@dataclass
class World:
    arena: Arena
    policy: ReleasePolicy
    alpha: Contender
    beta: Contender
    secret_model: Contender
    people: list[Annotator]
    left_out: list[Annotator] = field(default_factory=list)

    def build(self, release: Release | None = None) -> Release:
        return release_build(policy=self.policy, release=release)

    def directory(self, release: Release) -> Path:
        return releases_root() / release.directory


@pytest.fixture(autouse=True)
def _release_settings(settings: Any, tmp_path: Path) -> None:
    settings.RELEASES_ROOT = tmp_path / "releases"
    settings.RELEASE_PSEUDONYM_SECRET = "test-only-release-secret"


@pytest.fixture
def world(db: None) -> World:
    arena = arena_create()
    alpha = contender_create(arena=arena, slug="alpha", name="Alpha")
    beta = contender_create(arena=arena, slug="beta", name="Beta")
    secret_model = contender_create(arena=arena, slug="stealth-model", name="Stealth")
    policy = ReleasePolicy.objects.create(arena=arena, delay_days=7, max_per_prompt=2, k_anonymity=5)
    policy.private_contenders.add(secret_model)
    people = [person() for _ in range(3)]
    pairs = [(alpha, beta), (beta, secret_model), (secret_model, alpha)]
    for k in range(12):
        a, b = pairs[k % 3]
        battle_voted(arena=arena, annotator=people[k % 3], a=a, b=b, choice="ab"[k % 2] if k % 5 else "tie",
                     prompt=f"Question number {k}: explain topic {k}.", days_ago=30 - k)
    battle_voted(arena=arena, annotator=people[0], a=alpha, b=beta, prompt=PII_PROMPT,
                 answers=(PII_ANSWER, "No personal data here."), rationale="I'm Ada, ada@example.com")
    for k, spelling in enumerate(["What is 2+2?", "what is 2+2", "WHAT  is 2+2 ?!", "What is 2+2"]):
        battle_voted(arena=arena, annotator=people[k % 3], a=alpha, b=beta, prompt=spelling, days_ago=20)
    left_out = [
        person(release_consent=False),
        person(status="banned"),
        person(status="shadow_banned"),
        person(data_deleted_at=timezone.now()),
    ]
    battle_voted(arena=arena, annotator=left_out[0], a=alpha, b=beta, prompt="NOCONSENT-MARKER")
    battle_voted(arena=arena, annotator=people[1], a=alpha, b=beta, prompt="INVALID-MARKER", is_valid=False)
    battle_voted(arena=arena, annotator=people[1], a=alpha, b=beta, prompt="SIDEBYSIDE-MARKER",
                 mode=BattleMode.SIDE_BY_SIDE)
    battle_voted(arena=arena, annotator=left_out[1], a=alpha, b=beta, prompt="BANNED-MARKER")
    battle_voted(arena=arena, annotator=left_out[2], a=alpha, b=beta, prompt="SHADOW-MARKER")
    battle_voted(arena=arena, annotator=left_out[3], a=alpha, b=beta, prompt="DELETED-MARKER")
    battle_voted(arena=arena, annotator=people[2], a=alpha, b=beta, prompt="RECENT-MARKER", days_ago=1)
    return World(arena=arena, policy=policy, alpha=alpha, beta=beta, secret_model=secret_model,
                 people=people, left_out=left_out)


def all_text(directory: Path) -> str:
    """Every file of the release as text; Parquet (compressed) as its decoded rows."""
    parts = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            parts.append(json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False))
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def tree_bytes(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}
