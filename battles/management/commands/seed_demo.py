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
    # A gold check: deliberately broken, sampled rarely; its battles measure annotators
    # (quality signals) and never rank.
    {"slug": "demo-gold-check", "name": "Gold check (deliberately broken)", "style": "broken",
     "weight": 0.15, "gold": True},
]

MUSIC_FULL = {"vocals": True, "lyrics": True, "min_duration_s": 1, "max_duration_s": 30}
MUSIC_INSTRUMENTAL = {"vocals": False, "lyrics": False, "min_duration_s": 1, "max_duration_s": 20}

# Each arena: its fields and contenders as (slug, name, provider kind, params, capabilities).
DEMO_MEDIA_ARENAS: list[dict[str, Any]] = [
    {
        "slug": "search", "name": "Search Arena (demo)", "modality": Modality.SEARCH,
        "description": "Ask questions; two anonymous search-augmented models answer with "
                       "citations. The seeded models search a small bundled corpus offline.",
        "fields": {},
        "contenders": [
            ("demo-librarian", "Demo Librarian", "demo_search", {"style": "thorough"}, {}),
            ("demo-snippet", "Demo Snippet", "demo_search", {"style": "brief"}, {}),
            ("demo-citer", "Demo Citer", "demo_search", {"style": "overciter"}, {}),
            ("demo-guesser", "Demo Guesser", "demo_search", {"style": "uncited"}, {}),
        ],
    },
    {
        "slug": "image", "name": "Image Arena (demo)", "modality": Modality.IMAGE,
        "description": "Describe a picture; two anonymous models draw it. The seeded models are "
                       "offline demos.",
        "fields": {"max_turns": 1, "settings": {"image_width": 512, "image_height": 384}},
        "contenders": [
            ("demo-painter", "Demo Painter", "demo_image", {"style": "painterly"}, {}),
            ("demo-poster", "Demo Poster", "demo_image", {"style": "flat"}, {}),
            ("demo-pixel", "Demo Pixel", "demo_image", {"style": "blocky"}, {}),
            ("demo-static", "Demo Static", "demo_image", {"style": "noise"}, {}),
        ],
    },
    {
        "slug": "music", "name": "Music Arena (demo)", "modality": Modality.MUSIC,
        "description": "Describe a track; two anonymous models make it. Listen to both before "
                       "voting. The seeded models are offline synthesizers.",
        "fields": {"max_turns": 1,
                   "settings": {"min_listen_s": 5, "default_duration_s": 10,
                                "max_duration_s": 30}},
        "contenders": [
            ("demo-studio", "Demo Studio", "demo_music", {"style": "studio"},
             {**MUSIC_FULL, "sample_rate": 44100}),
            ("demo-hum", "Demo Hum", "demo_music", {"style": "simple"},
             {**MUSIC_FULL, "sample_rate": 22050}),
            ("demo-chip", "Demo Chip", "demo_music", {"style": "chiptune"},
             {**MUSIC_INSTRUMENTAL, "sample_rate": 16000}),
            ("demo-radio", "Demo Radio", "demo_music", {"style": "detuned"},
             {**MUSIC_INSTRUMENTAL, "sample_rate": 8000}),
        ],
    },
]


def _seed_media_arenas() -> list[str]:
    created_slugs = []
    for spec in DEMO_MEDIA_ARENAS:
        arena, created = Arena.objects.get_or_create(
            slug=spec["slug"],
            defaults={"name": spec["name"], "modality": spec["modality"],
                      "description": spec["description"], **spec["fields"]},
        )
        if created:
            created_slugs.append(arena.slug)
        for slug, name, kind, params, capabilities in spec["contenders"]:
            Contender.objects.get_or_create(
                arena=arena, slug=slug,
                defaults={"name": name, "organisation": "Arena demos", "provider_kind": kind,
                          "params": params, "capabilities": capabilities},
            )
    return created_slugs


class Command(BaseCommand):
    help = ("Seed the demo arenas (text, search, image, music), offline demo contenders, terms v1 "
            "and an admin user.")

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
                    "sampling_weight": spec.get("weight", 1.0),
                    "params": {"style": spec["style"], "token_delay": 0.02,
                               **({"gold_broken": True} if spec.get("gold") else {})},
                },
            )
        for slug in _seed_media_arenas():
            self.stdout.write(f"Seeded the demo {slug} arena.")
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
