"""Create the demo arena, its offline contenders, the first terms and an admin account.

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
from battles.models import Arena, Contender, Modality

TERMS = """\
**Arena** compares anonymous AI models side by side.

- Your prompts are sent to the models under test. Do not enter personal or confidential data.
- Your votes and rationales are stored to compute public leaderboards.
- If you agree below, your anonymised prompts and conversations may appear in research data
  releases; you can change this later.
- Model answers can be wrong or offensive; they do not reflect the operators' views.
"""

DEMO_TEXT_CONTENDERS: list[dict[str, Any]] = [
    {"slug": "demo-scholar", "name": "Demo Scholar", "style": "expert"},
    {"slug": "demo-brief", "name": "Demo Brief", "style": "concise"},
    {"slug": "demo-rambler", "name": "Demo Rambler", "style": "verbose"},
    {"slug": "demo-sloppy", "name": "Demo Sloppy", "style": "sloppy"},
]


class Command(BaseCommand):
    help = "Seed the demo arena, offline demo contenders, terms v1 and an admin user."

    def handle(self, *args: Any, **options: Any) -> None:
        if not TermsVersion.objects.exists():
            TermsVersion.objects.create(version=1, title="Terms of use", body=TERMS)
        arena, created = Arena.objects.get_or_create(
            slug="text",
            defaults={
                "name": "Text Arena (demo)",
                "modality": Modality.TEXT,
                "description": "Chat with two anonymous models. The seeded models are offline "
                               "demos; add real ones in the admin.",
            },
        )
        for spec in DEMO_TEXT_CONTENDERS:
            Contender.objects.get_or_create(
                arena=arena,
                slug=spec["slug"],
                defaults={
                    "name": spec["name"],
                    "organisation": "Arena demos",
                    "provider_kind": "demo_text",
                    "params": {"style": spec["style"], "token_delay": 0.02},
                },
            )
        self._ensure_admin()
        if created:
            self.stdout.write("Seeded the demo text arena.")

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
