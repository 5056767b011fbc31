"""Admins manage contenders; the API key itself is never stored, only its variable's name."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from battles.models import Contender
from tests.factories import arena_create

pytestmark = pytest.mark.django_db


def test_it_adds_a_contender_that_reads_its_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456!")
    client = Client()
    client.force_login(admin)
    arena = arena_create()
    response = client.post("/admin/battles/contender/add/", {
        "arena": arena.pk, "slug": "gpt-x", "name": "GPT X", "organisation": "Example",
        "status": "active", "sampling_weight": "2.5", "provider_kind": "openai_chat",
        "endpoint": "http://127.0.0.1:9/v1", "model_id": "gpt-x", "api_key_env": "GPT_X_KEY",
        "params": '{"temperature": 0.7}', "system_prompt": "",
    })
    assert response.status_code == 302, response.content[:2000]
    contender = Contender.objects.get(slug="gpt-x")
    assert contender.api_key_env == "GPT_X_KEY"
    assert contender.params == {"temperature": 0.7}

    from battles.provider_config import provider_settings_for

    monkeypatch.setenv("GPT_X_KEY", "sk-secret")
    assert provider_settings_for(contender).api_key == "sk-secret"
    field_names = {field.name for field in Contender._meta.get_fields()}
    assert not {"api_key", "key", "secret"} & field_names


def test_it_lists_demo_contenders_as_demos() -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456!")
    client = Client()
    client.force_login(admin)
    arena = arena_create()
    Contender.objects.create(arena=arena, slug="d", name="Demo D", provider_kind="demo_text")
    page = client.get("/admin/battles/contender/").content.decode()
    assert "Demo D" in page
    assert 'alt="True"' in page
