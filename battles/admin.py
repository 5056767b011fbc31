"""Admins manage arenas and contenders here. API keys are never stored, only the name of the
environment variable that holds them."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from battles.models import Arena, Battle, Contender, Generation, Turn, Vote
from battles.providers.registry import ALL_PROVIDER_KIND_CHOICES


class ContenderForm(forms.ModelForm):
    provider_kind = forms.ChoiceField(choices=ALL_PROVIDER_KIND_CHOICES)

    class Meta:
        model = Contender
        fields = [
            "arena", "slug", "name", "organisation", "status", "sampling_weight", "provider_kind",
            "endpoint", "model_id", "api_key_env", "params", "system_prompt", "capabilities",
        ]


class ContenderInline(admin.TabularInline):
    model = Contender
    form = ContenderForm
    fields = ["slug", "name", "provider_kind", "sampling_weight", "status"]
    extra = 0
    show_change_link = True


@admin.register(Arena)
class ArenaAdmin(admin.ModelAdmin):
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
