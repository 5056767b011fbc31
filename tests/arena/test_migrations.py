"""Every model change ships with its migration: a deploy that migrates gets the schema the code
expects (an auto-named index whose name drifted once left `ops` one migration short)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_it_has_a_migration_for_every_model_change() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
