"""Create the demo arenas (one per modality, as each spec declares), their offline contenders,
the first terms and an admin account.

Safe to run on every start: it only creates what is missing and never overwrites an admin's
changes.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from annotators.models import TermsVersion
from battles.modalities import modalities
from battles.modalities.base import DemoArena
from battles.models import Arena, Contender

TERMS = """\
**Arena** compares anonymous AI models side by side.

- Your prompts are sent to the models under test. Do not enter personal or confidential data.
- Your votes and rationales are stored to compute public leaderboards.
- If you agree below, your anonymised prompts and conversations may appear in research data
  releases; you can change this later.
- Model answers can be wrong or offensive; they do not reflect the operators' views.
"""


def _seed_demo_arena(demo: DemoArena, modality: str) -> bool:
    """Create the demo arena and whichever of its contenders are missing; True if new."""
    fields: dict[str, Any] = {"name": demo.name, "modality": modality,
                              "description": demo.description, "settings": dict(demo.settings)}
    if demo.max_turns is not None:
        fields["max_turns"] = demo.max_turns
    arena, created = Arena.objects.get_or_create(slug=demo.slug, defaults=fields)
    for contender in demo.contenders:
        Contender.objects.get_or_create(
            arena=arena, slug=contender.slug,
            defaults={"name": contender.name, "organisation": "Arena demos",
                      "provider_kind": contender.provider_kind, "params": contender.params,
                      "capabilities": contender.capabilities,
                      "sampling_weight": contender.sampling_weight},
        )
    return created


class Command(BaseCommand):
    help = ("Seed one demo arena per installed modality with offline demo contenders, terms v1 "
            "and an admin user.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not TermsVersion.objects.exists():
            TermsVersion.objects.create(version=1, title="Terms of use", body=TERMS)
        for spec in modalities().values():
            if spec.demo is not None and _seed_demo_arena(spec.demo, spec.slug):
                self.stdout.write(f"Seeded the demo {spec.demo.slug} arena.")
        self._ensure_admin()

    def _ensure_admin(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "admin@localhost", password)
        path = Path(settings.VAR_DIR) / "admin-password.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
        self.stdout.write(f"Created admin user 'admin'; password saved in {path}")
