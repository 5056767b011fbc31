"""Admins manage arenas and contenders here. API keys are never stored, only the name of the
environment variable that holds them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from pydantic import ValidationError as SettingsError

from battles.errors import ArenaError
from battles.modalities import modality_choices, modality_spec, provider_kind_choices
from battles.models import Arena, Battle, Contender, Generation, Turn, Vote
from moderation.filters import FilterConfigError, filters_build


def _settings_problems(error: SettingsError) -> list[str]:
    return [f"{'.'.join(str(part) for part in problem['loc']) or 'settings'}: {problem['msg']}"
            for problem in error.errors()]


class ArenaForm(forms.ModelForm):
    """Settings are typed by the modality and checked here, when the admin saves them."""

    modality = forms.ChoiceField(choices=modality_choices)

    class Meta:
        model = Arena
        fields = ["name", "slug", "modality", "description", "is_active", "require_rationale",
                  "max_prompt_chars", "max_turns", "settings"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        modality, raw = cleaned.get("modality"), cleaned.get("settings")
        if not isinstance(modality, str):
            return cleaned
        try:
            settings = modality_spec(modality).settings_parse(raw)
        except SettingsError as error:
            self.add_error("settings", _settings_problems(error))
            return cleaned
        try:
            filters_build(settings.filters)
        except FilterConfigError as error:
            self.add_error("settings", f"filters: {error}")
        return cleaned


class ContenderForm(forms.ModelForm):
    provider_kind = forms.ChoiceField(choices=provider_kind_choices)

    class Meta:
        model = Contender
        fields = [
            "arena", "slug", "name", "organisation", "status", "sampling_weight", "provider_kind",
            "endpoint", "model_id", "api_key_env", "params", "system_prompt", "capabilities",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        arena, kind = cleaned.get("arena"), cleaned.get("provider_kind")
        if isinstance(arena, Arena) and kind:
            try:
                offered = dict(modality_spec(arena.modality).provider_kinds)
            except ArenaError as error:
                self.add_error("arena", error.message)
                return cleaned
            if kind not in offered:
                self.add_error("provider_kind", f"{arena.name} is a {arena.modality} arena; "
                                                f"pick one of: {', '.join(offered.values())}.")
        return cleaned


class ContenderInline(admin.TabularInline):
    model = Contender
    form = ContenderForm
    fields = ["slug", "name", "provider_kind", "sampling_weight", "status"]
    extra = 0
    show_change_link = True


@admin.register(Arena)
class ArenaAdmin(admin.ModelAdmin):
    form = ArenaForm
    list_display = ["name", "slug", "modality", "is_active", "require_rationale"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ContenderInline]


@admin.register(Contender)
class ContenderAdmin(admin.ModelAdmin):
    form = ContenderForm
    list_display = ["name", "arena", "provider_kind", "demo", "sampling_weight", "status"]
    list_filter = ["arena", "status", "provider_kind"]
    list_editable = ["sampling_weight", "status"]
    search_fields = ["name", "slug", "model_id", "organisation"]
    fieldsets = [
        (None, {"fields": ["arena", "slug", "name", "organisation", "status", "sampling_weight"]}),
        ("Provider", {"fields": ["provider_kind", "endpoint", "model_id", "api_key_env"],
                      "description": "The API key is read at call time from the environment "
                                     "variable named here; it is never stored."}),
        ("Generation", {"fields": ["params", "system_prompt", "capabilities"]}),
    ]

    @admin.display(boolean=True, description="Offline demo")
    def demo(self, contender: Contender) -> bool:
        return contender.is_demo


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    readonly_fields = ["index", "prompt", "created_at"]


@admin.register(Battle)
class BattleAdmin(admin.ModelAdmin):
    list_display = ["id", "arena", "mode", "state", "contender_a", "contender_b", "created_at"]
    list_filter = ["arena", "mode", "state"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [TurnInline]


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ["turn", "side", "status", "time_to_first_token_ms", "duration_ms"]
    list_filter = ["status"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["battle", "choice", "is_valid", "created_at"]
    list_filter = ["choice", "is_valid"]
    readonly_fields = ["idempotency_key", "created_at"]
